package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static dev.cnnviz.core.graph.OneDnn.pd;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_resampling_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_resampling_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_resampling_nearest;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.Resize;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_resampling_desc_t;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Nearest-neighbour upsampling by whole factors ({@link Resize} where {@link Resize#integerNearestFactors} holds, e.g.
 * {@link Resize#upsampleNearest}: the style networks' upsampling before a convolution) in a {@link OneDnnPlan}:
 * <pre>  y[n, c, o, p] = x[n, c, ⌊o / sH⌋, ⌊p / sW⌋]</pre>
 * by oneDNN's nearest resampling primitive ({@code dnnl_resampling_nearest}, which reads input pixel
 * {@code round((o + ½)/s - ½) = ⌊o/s⌋} for a whole factor {@code s}), in the plan's layout. Backward, its adjoint, each
 * input pixel's gradient the sum of its {@code sH × sW} block, {@code dx[n, c, i, j] = Σ_{a<sH, b<sW} dy[n, c, i·sH + a,
 * j·sW + b]}, by the resampling backward primitive.
 */
final class UpsampleKernel extends PlanKernel {
    private final PlanValue x;
    private final dnnl_primitive_desc fwdPd;
    private final Step fwd;
    private dnnl_primitive_desc bwdPd;
    private final Map<dnnl_memory, Step> bwd = new HashMap<>();

    /** @return whether {@code r} on an input of shape {@code x} runs here: 4-D, nearest upsampling by whole factors */
    static boolean plannable(Resize r, long[] x) {
        return x != null && x.length == 4 && r.integerNearestFactors(x) != null;
    }

    UpsampleKernel(OneDnnPlan plan, String name, PlanValue x, Resize r) {
        super(plan, name, upsampled(x.dims, r));
        this.x = x;
        dnnl_resampling_desc_t desc = new dnnl_resampling_desc_t();
        check(dnnl_resampling_forward_desc_init(desc, plan.training ? dnnl_forward_training : dnnl_forward_inference,
                dnnl_resampling_nearest, (FloatPointer) null, x.md, y.md), "dnnl_resampling_forward_desc_init");
        fwdPd = pd(res, desc, null);
        fwd = res.step(fwdPd, OneDnn.srcDst(), x.mem, y.mem);
    }

    private static long[] upsampled(long[] x, Resize r) {
        int[] s = r.integerNearestFactors(x);
        if (s == null) {
            throw new IllegalArgumentException(r + " on " + java.util.Arrays.toString(x) + " is not nearest upsampling by whole factors");
        }
        return new long[] {x[0], x[1], x[2] * s[0], x[3] * s[1]};
    }

    @Override
    void forward() {
        fwd.run(stream);
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        if (!wanted[0]) {
            return;
        }
        if (bwdPd == null) {
            dnnl_resampling_desc_t desc = new dnnl_resampling_desc_t();
            check(dnnl_resampling_backward_desc_init(desc, dnnl_resampling_nearest, (FloatPointer) null, x.md, y.md),
                    "dnnl_resampling_backward_desc_init");
            bwdPd = pd(res, desc, fwdPd);
        }
        contribute(x, bwd, t -> res.step(bwdPd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC}, y.diff(), t));
    }
}
