package dev.cnnviz.core.graph;

import dev.cnnviz.core.graph.OneDnn.Step;

/**
 * A {@link PlanKernel} whose forward is one step, set by the subclass's constructor ({@link PoolKernel},
 * {@link CopyKernel}).
 */
abstract class OneStepKernel extends PlanKernel {
    Step fwd;

    OneStepKernel(OneDnnPlan plan, String name, long[] dims) {
        super(plan, name, dims);
    }

    @Override
    final void forward() {
        fwd.run(stream);
    }
}
