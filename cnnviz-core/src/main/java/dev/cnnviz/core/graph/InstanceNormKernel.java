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
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link InstanceNorm} on a 4-D value in a {@link OneDnnPlan}, with constant or trainable scale and bias. oneDNN has
 * no instance normalization primitive, but instance normalization of {@code [N, C, H, W]} is batch normalization
 * (statistics over the batch and the positions, per channel) of the same memory seen as {@code [1, N·C, H, W]},
 * with the scale and bias repeated for every image: the view is exact in plain NCHW, and in the channel-blocked
 * layout when the block divides {@code C} (then image {@code n}'s channel blocks follow image {@code n-1}'s). Both
 * use the biased variance, as ONNX does.
 *
 * <p>Forward: oneDNN's batch normalization ({@code forward_training}, scale and shift), which also keeps the
 * mean and variance. The scale and bias are written into the per-row memories (once per image, from the host) at
 * the trace, and again before a step whenever a trainable {@link Parameters} array changed (its version counter).
 *
 * <p>Backward (standard rule): oneDNN's batch-normalization backward with scale and shift, the exact input
 * gradient {@code dx = scale[c] / sqrt(σ² + ε) · (dy - mean(dy) - x̂ · mean(dy · x̂))} (means over the positions of
 * one {@code (n, c)}) and the per-row gradients {@code Σ_s dy · x̂} and {@code Σ_s dy}. The scale and bias
 * gradients, when wanted, are those rows summed over the images,
 * {@code dscale[c] = Σ_n Σ_s dy[n, c, s] · x̂[n, c, s]} and {@code dB[c] = Σ_n Σ_s dy[n, c, s]}: each image's row
 * added in turn on the host to the plan's parameter gradient ({@link OneDnnPlan#parameterGradient},
 * {@link PlanValue#addGradient(float[])}). These copies of {@code C} values ran as oneDNN reorders before, two per
 * image for each of the forward reload and the backward sums: about 240 launches per step of the style network,
 * each waking the thread pool for a few hundred bytes.
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
    /** The scale and bias as given (plain float32 {@code [C]}; the live arrays of trainable parameters). */
    private final INDArray s;
    private final INDArray b;
    private final String sName;
    private final String bName;
    /** The trainable parameters read as scale and bias, or null for fixed constants, and their versions last copied. */
    private final Parameters.Slot sSlot;
    private final Parameters.Slot bSlot;
    private long sSeen;
    private long bSeen;
    /** Images and channels: the per-row memories hold {@code n·c} values, image by image. */
    private final int n;
    private final int c;
    /** Host views of the per-row scale and shift, and one image's values in transit. */
    private final FloatBuffer scaleRows;
    private final FloatBuffer shiftRows;
    private final float[] row;
    /** The images' rows of a per-row gradient, summed ({@link #sumOverImages}). */
    private final float[] sum;
    private dnnl_memory dyView;
    private dnnl_memory diffScale;
    private dnnl_memory diffShift;
    /** Host views of {@link #diffScale} / {@link #diffShift}. */
    private FloatBuffer diffScaleRows;
    private FloatBuffer diffShiftRows;
    /** The input gradient when only the scale or bias gradient is wanted (written, never read). */
    private dnnl_memory dxScratch;
    private Step bwdScratch;
    private dnnl_primitive_desc bwdPd;

    /**
     * @return whether a value of shape {@code dims} can be normalized here: 4-D, and laid out plainly or with a
     *         channel block that divides its channels
     */
    static boolean plannable(OneDnnPlan plan, long[] dims) {
        return dims.length == 4 && (plan.tag(dims) == dnnl_nchw || dims[1] % plan.block == 0);
    }

    /**
     * @param s     the scale {@code [C]} (constant or trainable)
     * @param b     the bias {@code [C]} (constant or trainable)
     * @param sName the scale constant's name, under which its gradient goes
     * @param bName the bias constant's name, under which its gradient goes
     * @param sSlot the parameter whose array {@code s} is, or null for a fixed constant
     * @param bSlot the parameter whose array {@code b} is, or null for a fixed constant
     */
    InstanceNormKernel(OneDnnPlan plan, String name, PlanValue x, InstanceNorm op, INDArray s, INDArray b, String sName,
                       String bName, Parameters.Slot sSlot, Parameters.Slot bSlot) {
        super(plan, name, x.dims);
        if (!plannable(plan, x.dims) || s.length() != x.dims[1] || b.length() != x.dims[1]) {
            throw new IllegalArgumentException("InstanceNorm of " + java.util.Arrays.toString(x.dims) + " with scale of "
                    + s.length() + " and bias of " + b.length() + " values does not run on oneDNN");
        }
        this.x = x;
        this.epsilon = (float) op.epsilon();
        this.s = plain(s);
        this.b = plain(b);
        this.sName = sName;
        this.bName = bName;
        this.sSlot = sSlot;
        this.bSlot = bSlot;
        if ((sSlot != null && this.s != sSlot.array) || (bSlot != null && this.b != bSlot.array)) {
            throw new IllegalStateException("a parameter of '" + name + "' is not a plain float32 array");
        }
        this.sSeen = sSlot == null ? 0 : sSlot.version();
        this.bSeen = bSlot == null ? 0 : bSlot.version();
        this.n = (int) x.dims[0];
        this.c = (int) x.dims[1];
        long rows = (long) n * c;
        long[] view = {1, rows, x.dims[2], x.dims[3]};
        viewMd = OneDnn.md(view, plan.tag(x.dims) == dnnl_nchw ? dnnl_nchw : plan.blockedTag);
        xView = res.handle(viewMd);
        dnnl_memory yView = res.handle(viewMd);
        check(dnnl_memory_set_data_handle(yView, OneDnn.dataHandle(y.mem)), "dnnl_memory_set_data_handle");
        dnnl_memory_desc_t statMd = OneDnn.md(new long[] {rows}, dnnl_x);
        mean = res.memory(statMd);
        variance = res.memory(statMd);
        row = new float[c];
        sum = new float[c];
        scale = res.memory(statMd);
        shift = res.memory(statMd);
        scaleRows = OneDnn.hostFloats(scale, rows);
        shiftRows = OneDnn.hostFloats(shift, rows);
        load(this.s, scaleRows);
        load(this.b, shiftRows);
        dnnl_batch_normalization_desc_t desc = new dnnl_batch_normalization_desc_t();
        check(dnnl_batch_normalization_forward_desc_init(desc, dnnl_forward_training, viewMd, epsilon, flags),
                "dnnl_batch_normalization_forward_desc_init");
        fwdPd = pd(res, desc, null);
        fwd = res.step(fwdPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DST, DNNL_ARG_MEAN,
                DNNL_ARG_VARIANCE}, xView, scale, shift, yView, mean, variance);
    }

    /** Writes the per-channel values {@code v} into every image's row of a per-row memory. */
    private void load(INDArray v, FloatBuffer rows) {
        v.data().asNioFloat().get(0, row, 0, c);
        for (int i = 0; i < n; i++) {
            rows.put(i * c, row, 0, c);
        }
    }

    /**
     * Writes a trainable scale or bias again into its per-row memory if its {@link Parameters} changed it since the
     * last copy: two version reads per step otherwise.
     */
    private void reloadChangedParameters() {
        if (sSlot != null && sSlot.version() != sSeen) {
            sSeen = sSlot.version();
            load(s, scaleRows);
        }
        if (bSlot != null && bSlot.version() != bSeen) {
            bSeen = bSlot.version();
            load(b, shiftRows);
        }
    }

    /** Points the input view at the input's current buffer (an imported value's buffer changes between passes). */
    private void aim() {
        check(dnnl_memory_set_data_handle(xView, OneDnn.dataHandle(x.mem)), "dnnl_memory_set_data_handle");
    }

    @Override
    void forward() {
        reloadChangedParameters();
        aim();
        fwd.run(stream);
    }

    @Override
    boolean supports(BackwardRule rule, boolean[] wanted) {
        return rule == BackwardRule.STANDARD;
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        boolean scaleWanted = wanted.length > 1 && wanted[1];
        boolean biasWanted = wanted.length > 2 && wanted[2];
        if (!wanted[0] && !scaleWanted && !biasWanted) {
            return;
        }
        reloadChangedParameters();
        if (bwdPd == null) {
            buildBackward();
        }
        aim();
        if (wanted[0]) {
            contribute(x, bwd, t -> {
                dnnl_memory tView = res.handle(viewMd);
                check(dnnl_memory_set_data_handle(tView, OneDnn.dataHandle(t)), "dnnl_memory_set_data_handle");
                return backwardStep(tView);
            });
        } else {
            if (bwdScratch == null) {
                dxScratch = res.memory(viewMd);
                bwdScratch = backwardStep(dxScratch);
            }
            bwdScratch.run(stream);
        }
        if (scaleWanted) {
            sumOverImages(plan.parameterGradient(sName, new long[] {s.length()}, s.shape()), diffScaleRows);
        }
        if (biasWanted) {
            sumOverImages(plan.parameterGradient(bName, new long[] {b.length()}, b.shape()), diffShiftRows);
        }
    }

    /**
     * Adds the sum over the images of a per-row gradient to a parameter's gradient: the rows summed on the host in
     * image order (float32), then one {@link PlanValue#addGradient(float[])}.
     */
    private void sumOverImages(PlanValue gradient, FloatBuffer rows) {
        rows.get(0, sum, 0, c);
        for (int i = 1; i < n; i++) {
            rows.get(i * c, row, 0, c);
            for (int j = 0; j < c; j++) {
                sum[j] += row[j];
            }
        }
        gradient.addGradient(sum);
    }

    /** The backward primitive and the memories it writes besides the input gradient. */
    private void buildBackward() {
        dnnl_batch_normalization_desc_t desc = new dnnl_batch_normalization_desc_t();
        // oneDNN 2.5 implements backward_data with neither scale nor shift only (dx needs the scale), so the full
        // backward runs; its per-row scale and shift gradients are read only when their parameters' are wanted
        check(dnnl_batch_normalization_backward_desc_init(desc, dnnl_backward, viewMd, viewMd, epsilon, flags),
                "dnnl_batch_normalization_backward_desc_init");
        bwdPd = pd(res, desc, fwdPd);
        dnnl_memory_desc_t statMd = OneDnn.md(new long[] {x.dims[0] * x.dims[1]}, dnnl_x);
        diffScale = res.memory(statMd);
        diffShift = res.memory(statMd);
        diffScaleRows = OneDnn.hostFloats(diffScale, (long) n * c);
        diffShiftRows = OneDnn.hostFloats(diffShift, (long) n * c);
        dyView = res.handle(viewMd);
        check(dnnl_memory_set_data_handle(dyView, OneDnn.dataHandle(y.diff())), "dnnl_memory_set_data_handle");
    }

    private Step backwardStep(dnnl_memory dxView) {
        return res.step(bwdPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_DIFF_DST,
                DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE, DNNL_ARG_DIFF_SHIFT}, xView, mean,
                variance, dyView, scale, shift, dxView, diffScale, diffShift);
    }
}
