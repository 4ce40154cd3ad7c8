package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_submemory;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.Concat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;

/**
 * Concatenation along channels ({@link Concat} on axis 1) in a {@link OneDnnPlan}.
 *
 * <p>Forward: one copy per input into its slice of the output, a oneDNN reorder into a sub-memory
 * ({@code dnnl_memory_desc_init_submemory}); at batch 1 about 5x faster than oneDNN's concat primitive on
 * SqueezeNet. The output is channel-blocked only when every slice starts on a block boundary
 * ({@link #concatTag}). Backward: each wanted input's slice of the output gradient is copied out, by a reorder
 * from a sub-memory of the gradient.
 */
final class ConcatKernel extends PlanKernel {
    private final PlanValue[] xs;
    private final Step[] fwd;
    private final List<Map<dnnl_memory, Step>> bwd = new ArrayList<>();
    private final dnnl_memory_desc_t[] slices;
    private dnnl_memory[] diffSlices;

    ConcatKernel(OneDnnPlan plan, String name, PlanValue[] xs) {
        super(plan, name, concatDims(xs), concatTag(plan, xs));
        this.xs = xs;
        slices = new dnnl_memory_desc_t[xs.length];
        fwd = new Step[xs.length];
        long offset = 0;
        for (int i = 0; i < xs.length; i++) {
            slices[i] = new dnnl_memory_desc_t();
            check(dnnl_memory_desc_init_submemory(slices[i], y.md, xs[i].dims, new long[] {0, offset, 0, 0}),
                    "dnnl_memory_desc_init_submemory");
            offset += xs[i].dims[1];
            fwd[i] = res.reorder(xs[i].md, xs[i].mem, slices[i], slice(y.mem, i), false);
            bwd.add(new HashMap<>());
        }
    }

    /** A memory for slice {@code i} of {@code whole}'s buffer. */
    private dnnl_memory slice(dnnl_memory whole, int i) {
        dnnl_memory m = res.handle(slices[i]);
        check(dnnl_memory_set_data_handle(m, OneDnn.dataHandle(whole)), "dnnl_memory_set_data_handle");
        return m;
    }

    @Override
    void forward() {
        for (Step f : fwd) {
            f.run(stream);
        }
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        if (diffSlices == null) {
            diffSlices = new dnnl_memory[xs.length];
            for (int i = 0; i < xs.length; i++) {
                diffSlices[i] = slice(y.diff(), i);
            }
        }
        for (int i = 0; i < xs.length; i++) {
            if (!wanted[i]) {
                continue;
            }
            PlanValue x = xs[i];
            int at = i;
            contribute(x, bwd.get(i), t -> res.reorder(slices[at], diffSlices[at], x.md, t, false));
        }
    }

    private static long[] concatDims(PlanValue[] xs) {
        long[] d = xs[0].dims.clone();
        d[1] = 0;
        for (PlanValue x : xs) {
            for (int a : new int[] {0, 2, 3}) {
                if (x.dims[a] != d[a]) {
                    throw new IllegalArgumentException("Concat inputs differ in dimension " + a + ": " + Arrays.toString(x.dims));
                }
            }
            d[1] += x.dims[1];
        }
        return d;
    }

    /** Blocked only when every slice starts on a block boundary (oneDNN's sub-memories need that). */
    private static int concatTag(OneDnnPlan plan, PlanValue[] xs) {
        for (PlanValue x : xs) {
            if (x.dims[1] % plan.block != 0) {
                return dnnl_nchw;
            }
        }
        return plan.blockedTag;
    }
}
