package dev.cnnviz.core.graph;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.Dropout;
import dev.cnnviz.core.graph.ops.Identity;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_memory;

/**
 * {@link Identity} and inference-time {@link Dropout} in a {@link OneDnnPlan}: a copy. Forward copies the input
 * into the output and backward copies the output gradient into the input's, each by a oneDNN reorder (which also
 * converts between the two values' layouts where they differ).
 */
final class CopyKernel extends OneStepKernel {
    private final PlanValue x;
    private final Map<dnnl_memory, Step> bwd = new HashMap<>();

    CopyKernel(OneDnnPlan plan, String name, PlanValue x) {
        super(plan, name, x.dims);
        this.x = x;
        fwd = res.reorder(x.md, x.mem, y.md, y.mem, false);
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        if (!wanted[0]) {
            return;
        }
        contribute(x, bwd, t -> res.reorder(y.md, y.diff(), x.md, t, false));
    }
}
