package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static dev.cnnviz.core.graph.OneDnn.pd;
import static dev.cnnviz.core.graph.OneDnn.plain;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_scale;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_shift;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.InstanceNorm;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link InstanceNorm} on a 4-D value in a {@link OneDnnPlan}, with constant scale and bias. oneDNN has no instance
 * normalization primitive, but instance normalization of {@code [N, C, H, W]} is batch normalization (statistics
 * over the batch and the positions, per channel) of the same memory seen as {@code [1, N·C, H, W]}, with the scale
 * and bias repeated for every image: the view is exact in plain NCHW, and in the channel-blocked layout when the
 * block divides {@code C} (then image {@code n}'s channel blocks follow image {@code n-1}'s). Both use the biased
 * variance, as ONNX does.
 *
 * <p>Forward: oneDNN's batch normalization ({@code forward_training}, scale and shift), which also keeps the
 * mean and variance. Backward (standard rule, input gradient only): its backward, the exact gradient including
 * the terms through the mean and variance.
 */
final class InstanceNormKernel extends PlanKernel {
    private final PlanValue x;
    private final dnnl_memory_desc_t viewMd;
    private final dnnl_memory xView;
    private final dnnl_memory mean;
    private final dnnl_memory variance;
    private final dnnl_memory scale;
    private final dnnl_memory shift;
    private final dnnl_primitive_desc fwdPd;
    private final Step fwd;
    private final float epsilon;
    private final int flags = dnnl_use_scale | dnnl_use_shift;
    private final Map<dnnl_memory, Step> bwd = new HashMap<>();
    private dnnl_memory dyView;
    private dnnl_memory diffScale;
    private dnnl_memory diffShift;
    private dnnl_primitive_desc bwdPd;

    /**
     * @return whether a value of shape {@code dims} can be normalized here: 4-D, and laid out plainly or with a
     *         channel block that divides its channels
     */
    static boolean plannable(OneDnnPlan plan, long[] dims) {
        return dims.length == 4 && (plan.tag(dims) == dnnl_nchw || dims[1] % plan.block == 0);
    }

    /**
     * @param s the scale {@code [C]} (constant)
     * @param b the bias {@code [C]} (constant)
     */
    InstanceNormKernel(OneDnnPlan plan, String name, PlanValue x, InstanceNorm op, INDArray s, INDArray b) {
        super(plan, name, x.dims);
        if (!plannable(plan, x.dims) || s.length() != x.dims[1] || b.length() != x.dims[1]) {
            throw new IllegalArgumentException("InstanceNorm of " + java.util.Arrays.toString(x.dims) + " with scale of "
                    + s.length() + " and bias of " + b.length() + " values does not run on oneDNN");
        }
        this.x = x;
        this.epsilon = (float) op.epsilon();
        long rows = x.dims[0] * x.dims[1];
        long[] view = {1, rows, x.dims[2], x.dims[3]};
        viewMd = OneDnn.md(view, plan.tag(x.dims) == dnnl_nchw ? dnnl_nchw : plan.blockedTag);
        xView = res.handle(viewMd);
        dnnl_memory yView = res.handle(viewMd);
        check(dnnl_memory_set_data_handle(yView, OneDnn.dataHandle(y.mem)), "dnnl_memory_set_data_handle");
        dnnl_memory_desc_t statMd = OneDnn.md(new long[] {rows}, dnnl_x);
        mean = res.memory(statMd);
        variance = res.memory(statMd);
        scale = perRow(s, rows, statMd);
        shift = perRow(b, rows, statMd);
        dnnl_batch_normalization_desc_t desc = new dnnl_batch_normalization_desc_t();
        check(dnnl_batch_normalization_forward_desc_init(desc, dnnl_forward_training, viewMd, epsilon, flags),
                "dnnl_batch_normalization_forward_desc_init");
        fwdPd = pd(res, desc, null);
        fwd = res.step(fwdPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DST, DNNL_ARG_MEAN,
                DNNL_ARG_VARIANCE}, xView, scale, shift, yView, mean, variance);
    }

    /** The per-channel values repeated for every image of the batch, in a memory of their own. */
    private dnnl_memory perRow(INDArray v, long rows, dnnl_memory_desc_t md) {
        INDArray tiled = plain(v.reshape(1, v.length()).castTo(DataType.FLOAT).repeat(0, rows / v.length()).reshape(rows));
        dnnl_memory user = res.handle(md);
        OneDnn.wrap(user, tiled);
        dnnl_memory m = res.memory(md);
        res.reorder(md, user, md, m, false).run(stream);
        return m;
    }

    /** Points the input view at the input's current buffer (an imported value's buffer changes between passes). */
    private void aim() {
        check(dnnl_memory_set_data_handle(xView, OneDnn.dataHandle(x.mem)), "dnnl_memory_set_data_handle");
    }

    @Override
    void forward() {
        aim();
        fwd.run(stream);
    }

    @Override
    boolean supports(BackwardRule rule, boolean[] wanted) {
        for (int i = 1; i < wanted.length; i++) {
            if (wanted[i]) {
                return false;
            }
        }
        return rule == BackwardRule.STANDARD;
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        if (!wanted[0]) {
            return;
        }
        if (bwdPd == null) {
            dnnl_batch_normalization_desc_t desc = new dnnl_batch_normalization_desc_t();
            // oneDNN 2.5 implements backward_data with neither scale nor shift only (dx needs the scale), so the full
            // backward runs; its scale and shift gradients go to scratch memories that nothing reads
            check(dnnl_batch_normalization_backward_desc_init(desc, dnnl_backward, viewMd, viewMd, epsilon, flags),
                    "dnnl_batch_normalization_backward_desc_init");
            bwdPd = pd(res, desc, fwdPd);
            dnnl_memory_desc_t statMd = OneDnn.md(new long[] {x.dims[0] * x.dims[1]}, dnnl_x);
            diffScale = res.memory(statMd);
            diffShift = res.memory(statMd);
            dyView = res.handle(viewMd);
            check(dnnl_memory_set_data_handle(dyView, OneDnn.dataHandle(y.diff())), "dnnl_memory_set_data_handle");
        }
        aim();
        contribute(x, bwd, t -> {
            dnnl_memory tView = res.handle(viewMd);
            check(dnnl_memory_set_data_handle(tView, OneDnn.dataHandle(t)), "dnnl_memory_set_data_handle");
            return res.step(bwdPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_DIFF_DST,
                    DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE, DNNL_ARG_DIFF_SHIFT}, xView, mean,
                    variance, dyView, scale, shift, tView, diffScale, diffShift);
        });
    }
}
