package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static dev.cnnviz.core.graph.OneDnn.copy;
import static dev.cnnviz.core.graph.OneDnn.pd;
import static dev.cnnviz.core.graph.OneDnn.plain;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_convolution_backward_weights_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_weights_md;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_convolution_backward_data_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_convolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_goihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw8c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_oihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.Conv;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Convolution ({@link Conv}: any stride, padding, dilation and groups, constant or trainable weights and optional
 * bias) in a {@link OneDnnPlan}: {@code y = W ⋆ x + b}; backward gives the input gradient and, when asked, the
 * weight and bias gradients.
 *
 * <p>Forward: oneDNN's direct convolution ({@code dnnl_dilated_convolution_forward_desc_init}) reading {@code x}
 * and writing {@code y} in the plan's layouts, with the weights (and bias) reordered once into the layout the
 * primitive chose; when they are trainable {@link Parameters}, reordered again before a step whenever their version
 * changed. Where no JIT kernel reads and writes those layouts (e.g. blocked input, plain 3-channel output),
 * oneDNN chooses the layouts and reorders run around the convolution. When the only consumer is a ReLU, that
 * {@link ReluKernel} asks to be fused ({@link #fuseRelu}): after the trace the convolution writes the ReLU's output
 * directly (an eltwise ReLU post-op), and its own output is computed only when someone reads it.
 *
 * <p>Backward: the input gradient by oneDNN's convolution backward-data primitive
 * ({@code dnnl_dilated_convolution_backward_data_desc_init}), built at the first backward pass, with the output
 * and input gradients reordered when the primitive wants layouts of its own (see {@link #buildBackward}). The
 * weight and bias gradients, when the weight or bias constant is among the wanted inputs, by the backward-weights
 * primitive ({@code dnnl_dilated_convolution_backward_weights_desc_init}), built once at the first backward pass
 * that wants them, into the plan's parameter gradients (see {@link #backwardWeights}). Only the
 * {@link BackwardRule#STANDARD} rule runs here.
 */
final class ConvKernel extends PlanKernel {
    /** Logs under the plan's name, with the plan's other decisions about what runs where. */
    private static final Logger LOG = LoggerFactory.getLogger(OneDnnPlan.class);

    private final PlanValue x;
    private final long[] strides;
    private final long[] dilates;
    private final long[] padL;
    private final long[] padR;
    private final dnnl_memory_desc_t wUser;
    private final dnnl_memory wUserMem;
    private final INDArray w;
    /** The trainable parameters read as weights and bias ({@link Parameters}), or null for fixed constants. */
    private final Parameters.Slot wSlot;
    private final Parameters.Slot bSlot;
    /** The parameter versions last copied in; a step first copies again when they changed. */
    private long wSeen;
    private long bSeen;
    /** The copies of the weights into each layout a primitive wants, run again when the weights change. */
    private final List<Step> wLoads = new ArrayList<>();
    private final INDArray b;
    private dnnl_memory bUser;
    private Step bLoad;
    /** The weight and bias constants' names (bias null when there is none), under which their gradients go. */
    private final String wName;
    private final String bName;
    /** The forward primitive's source: x, or x reordered into the layout the primitive chose. */
    private final dnnl_memory fwdSrc;
    private final dnnl_memory_desc_t fwdSrcMd;
    /** The weight-gradient primitive (built at the first backward pass that wants it) and what it reads and writes. */
    private dnnl_primitive_desc bwdWPd;
    private Step bwdW;
    private Step srcWIn;
    private Step dyWIn;
    private dnnl_memory_desc_t dwMd;
    private dnnl_memory dwOwn;
    private dnnl_memory_desc_t dbMd;
    private dnnl_memory dbOwn;
    private final dnnl_convolution_desc_t fwdDesc;
    private final dnnl_primitive_desc fwdPd;
    private final int[] fwdKinds;
    private final dnnl_memory[] fwdArgs;
    private final Step fwd;
    /** The forward writing the next ReLU's output (a post-op) once fused by {@link #fuseRelu}; read by the plan. */
    Step fusedFwd;
    private final Map<dnnl_memory, Step> bwd = new HashMap<>();
    private dnnl_primitive_desc bwdPd;
    private dnnl_memory wBwd;
    /** The input gradient in the layout oneDNN chose, when it is not the input's own. */
    private dnnl_memory_desc_t dxMd;
    private dnnl_memory dxOwn;
    /** Reorders into and out of the layouts the forward primitive chose, when they are not x's and y's. */
    private Step srcIn;
    private Step dstOut;
    /** The output gradient reordered into the layout the input-gradient primitive reads, when not y's own. */
    private dnnl_memory dyOwn;
    private Step dyIn;

    /**
     * @param geo   {@link Conv#geometry}: {outH, outW, top, left, bottom, right}
     * @param wName the weight constant's name, under which its gradient goes
     * @param bName the bias constant's name, or null without a bias
     * @param wSlot the parameter whose array {@code w} is, or null for a fixed constant
     * @param bSlot the parameter whose array {@code b} is, or null for a fixed constant (or no bias)
     */
    ConvKernel(OneDnnPlan plan, String name, PlanValue x, Conv c, INDArray w, INDArray b, long[] geo, String wName,
               String bName, Parameters.Slot wSlot, Parameters.Slot bSlot) {
        super(plan, name, new long[] {x.dims[0], w.size(0), geo[0], geo[1]}, true);
        this.x = x;
        this.w = plain(w);
        this.b = b == null ? null : plain(b);
        this.wName = wName;
        this.bName = b == null ? null : bName;
        this.wSlot = wSlot;
        this.bSlot = bSlot;
        if ((wSlot != null && this.w != wSlot.array) || (bSlot != null && this.b != bSlot.array)) {
            throw new IllegalStateException("a parameter of '" + name + "' is not a plain float32 array");
        }
        this.wSeen = wSlot == null ? 0 : wSlot.version();
        this.bSeen = bSlot == null ? 0 : bSlot.version();
        int[] s = c.strides();
        int[] d = c.dilations();
        strides = new long[] {s[0], s[1]};
        dilates = new long[] {d[0] - 1, d[1] - 1};
        padL = new long[] {geo[2], geo[3]};
        padR = new long[] {geo[4], geo[5]};
        int g = c.group();
        long[] wDims = g == 1 ? w.shape() : new long[] {g, w.size(0) / g, w.size(1), w.size(2), w.size(3)};
        wUser = OneDnn.md(wDims, g == 1 ? dnnl_oihw : dnnl_goihw);
        wUserMem = res.handle(wUser);
        dnnl_memory_desc_t wAny = OneDnn.md(wDims, dnnl_format_tag_any);
        dnnl_memory_desc_t bMd = b == null ? null : OneDnn.md(new long[] {w.size(0)}, dnnl_x);
        dnnl_convolution_desc_t desc = forwardDesc(x.md, wAny, bMd, y.md);
        dnnl_primitive_desc p = pd(res, desc, null);
        if (OneDnn.implementation(p).startsWith("ref")) {
            // No JIT kernel reads and writes these layouts (e.g. blocked input, plain 3-channel output): let
            // oneDNN choose both and reorder around the convolution.
            dnnl_convolution_desc_t anyDesc = forwardDesc(OneDnn.md(x.dims, dnnl_format_tag_any), wAny, bMd,
                    OneDnn.md(y.dims, dnnl_format_tag_any));
            dnnl_primitive_desc anyPd = pd(res, anyDesc, null);
            if (!OneDnn.implementation(anyPd).startsWith("ref")) {
                desc = anyDesc;
                p = anyPd;
            }
        }
        fwdDesc = desc;
        fwdPd = p;
        dnnl_memory src = x.mem;
        dnnl_memory_desc_t srcMd = copy(dnnl_primitive_desc_query_md(fwdPd, dnnl_query_src_md, 0));
        if (dnnl_memory_desc_equal(srcMd, x.md) == 0) {
            src = res.memory(srcMd);
            srcIn = res.reorder(x.md, x.mem, srcMd, src, false);
        }
        fwdSrc = src;
        fwdSrcMd = srcMd;
        dnnl_memory dst = y.mem;
        dnnl_memory_desc_t dstMd = copy(dnnl_primitive_desc_query_md(fwdPd, dnnl_query_dst_md, 0));
        if (dnnl_memory_desc_equal(dstMd, y.md) == 0) {
            dst = res.memory(dstMd);
            dstOut = res.reorder(dstMd, dst, y.md, y.mem, false);
        }
        dnnl_memory wMem = weights(dnnl_primitive_desc_query_md(fwdPd, dnnl_query_weights_md, 0));
        if (b == null) {
            fwdKinds = new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};
            fwdArgs = new dnnl_memory[] {src, wMem, dst};
        } else {
            bUser = res.handle(bMd);
            dnnl_memory bMem = res.memory(bMd);
            OneDnn.wrap(bUser, this.b);
            bLoad = res.reorder(bMd, bUser, bMd, bMem, false);
            bLoad.run(stream);
            fwdKinds = new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST};
            fwdArgs = new dnnl_memory[] {src, wMem, bMem, dst};
        }
        fwd = res.step(fwdPd, fwdKinds, fwdArgs);
    }

    private dnnl_primitive_desc backwardData(long[] wDims, int dxTag, dnnl_memory_desc_t dy) {
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        check(dnnl_dilated_convolution_backward_data_desc_init(desc, dnnl_convolution_direct, OneDnn.md(x.dims, dxTag),
                OneDnn.md(wDims, dnnl_format_tag_any), dy, strides, dilates, padL, padR),
                "dnnl_dilated_convolution_backward_data_desc_init");
        return pd(res, desc, fwdPd);
    }

    private dnnl_convolution_desc_t forwardDesc(dnnl_memory_desc_t src, dnnl_memory_desc_t w, dnnl_memory_desc_t bias,
            dnnl_memory_desc_t dst) {
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        check(dnnl_dilated_convolution_forward_desc_init(desc, dnnl_forward_training, dnnl_convolution_direct, src, w, bias,
                dst, strides, dilates, padL, padR), "dnnl_dilated_convolution_forward_desc_init");
        return desc;
    }

    /** The forward arguments with another destination. */
    private dnnl_memory[] fwdArgsWith(dnnl_memory dst) {
        dnnl_memory[] a = fwdArgs.clone();
        a[a.length - 1] = dst;
        return a;
    }

    /**
     * The weights reordered into the layout a primitive wants: once for fixed constants, and again whenever a
     * trainable parameter changed ({@link #reloadChangedParameters}).
     */
    private dnnl_memory weights(dnnl_memory_desc_t want) {
        dnnl_memory_desc_t layout = copy(want);
        dnnl_memory m = res.memory(layout);
        OneDnn.wrap(wUserMem, w);
        Step load = res.reorder(wUser, wUserMem, layout, m, false);
        load.run(stream);
        wLoads.add(load);
        return m;
    }

    /**
     * Copies trainable weights and bias again into the primitives' layouts if their {@link Parameters} changed them
     * since the last copy: two version reads per step otherwise. Every step reads the current values, as ND4J does.
     */
    private void reloadChangedParameters() {
        if (wSlot != null && wSlot.version() != wSeen) {
            wSeen = wSlot.version();
            OneDnn.wrap(wUserMem, w);
            for (Step load : wLoads) {
                load.run(stream);
            }
        }
        if (bSlot != null && bSlot.version() != bSeen) {
            bSeen = bSlot.version();
            OneDnn.wrap(bUser, b);
            bLoad.run(stream);
        }
    }

    /**
     * Makes this convolution write {@code relu}'s output directly (a ReLU post-op) once the trace is done; its
     * own output is then computed only when someone reads it.
     *
     * @return whether oneDNN offers the fused primitive
     */
    boolean fuseRelu(PlanValue relu) {
        if (srcIn != null || dstOut != null) {
            return false; // the convolution runs in layouts of its own, with reorders around it
        }
        try {
            dnnl_primitive_attr attr = res.withPostOp(po -> check(dnnl_post_ops_append_eltwise(po, 1f, dnnl_eltwise_relu, 0f, 0f),
                    "dnnl_post_ops_append_eltwise"));
            dnnl_primitive_desc fpd = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(fpd, new const_dnnl_op_desc_t(fwdDesc), attr, OneDnn.engine(), null),
                    "dnnl_primitive_desc_create");
            res.own(fpd);
            if (dnnl_memory_desc_equal(dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0),
                    dnnl_primitive_desc_query_md(fwdPd, dnnl_query_weights_md, 0)) == 0) {
                return false;
            }
            fusedFwd = res.step(fpd, fwdKinds, fwdArgsWith(relu.mem));
            y.refresh = () -> {
                y.ensureBuffer();
                fwd.run(stream);
            };
            return true;
        } catch (IllegalStateException e) {
            LOG.debug("no fused convolution + ReLU for '{}': {}", y.name, e.getMessage());
            return false;
        }
    }

    @Override
    void forward() {
        reloadChangedParameters();
        if (srcIn != null) {
            srcIn.run(stream);
        }
        if (fusedFwd != null && plan.built()) {
            fusedFwd.run(stream);
            y.stale = true;
        } else {
            fwd.run(stream);
            if (dstOut != null) {
                dstOut.run(stream);
            }
        }
    }

    @Override
    boolean supports(BackwardRule rule, boolean[] wanted) {
        return rule == BackwardRule.STANDARD;
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        reloadChangedParameters();
        if ((wanted.length > 1 && wanted[1]) || (wanted.length > 2 && wanted[2])) {
            backwardWeights(wanted.length > 1 && wanted[1], wanted.length > 2 && wanted[2]);
        }
        if (!wanted[0]) {
            return;
        }
        if (bwdPd == null) {
            buildBackward();
        }
        if (dyIn != null) {
            dyIn.run(stream);
        }
        dnnl_memory dy = dyOwn != null ? dyOwn : y.diff();
        int[] kinds = {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC};
        if (dxOwn == null) {
            contribute(x, bwd, t -> res.step(bwdPd, kinds, dy, wBwd, t));
            return;
        }
        bwd.computeIfAbsent(dxOwn, t -> res.step(bwdPd, kinds, dy, wBwd, t)).run(stream);
        x.addGradient(dxMd, dxOwn);
    }

    /**
     * The weight (and bias) gradients, {@code dW = Σ_n dy ⋆ x} and {@code db = Σ dy}, by oneDNN's convolution
     * backward-weights primitive, added to the plan's gradients of the weight and bias constants
     * ({@link OneDnnPlan#parameterGradient}); both are computed in one primitive when either is wanted.
     */
    private void backwardWeights(boolean weights, boolean bias) {
        if (bwdW == null) {
            buildBackwardWeights();
        }
        if (srcWIn != null) {
            srcWIn.run(stream);
        }
        if (dyWIn != null) {
            dyWIn.run(stream);
        }
        bwdW.run(stream);
        if (weights) {
            plan.parameterGradient(wName, wUserDims(), w.shape()).addGradient(dwMd, dwOwn);
        }
        if (bias && bName != null) {
            plan.parameterGradient(bName, new long[] {b.length()}, b.shape()).addGradient(dbMd, dbOwn);
        }
    }

    /** The weights' dimensions as oneDNN sees them: OIHW, or GOIHW for a grouped convolution. */
    private long[] wUserDims() {
        long[] d = new long[(int) wUser.ndims()];
        for (int i = 0; i < d.length; i++) {
            d[i] = wUser.dims().get(i);
        }
        return d;
    }

    private dnnl_primitive_desc backwardWeightsPd(dnnl_memory_desc_t src, dnnl_memory_desc_t dy) {
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        long[] wDims = wUserDims();
        dnnl_memory_desc_t db = b == null ? null : OneDnn.md(new long[] {w.size(0)}, dnnl_format_tag_any);
        check(dnnl_dilated_convolution_backward_weights_desc_init(desc, dnnl_convolution_direct, src,
                OneDnn.md(wDims, dnnl_format_tag_any), db, dy, strides, dilates, padL, padR),
                "dnnl_dilated_convolution_backward_weights_desc_init");
        return pd(res, desc, fwdPd);
    }

    /**
     * The weight-gradient primitive, reading the forward's source (x, or x in the forward's own layout) and y's
     * gradient where a JIT kernel reads those layouts; else layouts of oneDNN's choosing, with reorders into them.
     */
    private void buildBackwardWeights() {
        bwdWPd = preferJit(backwardWeightsPd(fwdSrcMd, y.md),
                () -> backwardWeightsPd(OneDnn.md(x.dims, dnnl_format_tag_any), OneDnn.md(y.dims, dnnl_format_tag_any)));
        Operand srcOp = operand(bwdWPd, dnnl_query_src_md, fwdSrcMd, fwdSrc);
        Operand dyOp = operand(bwdWPd, dnnl_query_diff_dst_md, y.md, y.diff());
        dnnl_memory src = srcOp.memory();
        dnnl_memory dy = dyOp.memory();
        srcWIn = srcOp.reorder();
        dyWIn = dyOp.reorder();
        dwMd = copy(dnnl_primitive_desc_query_md(bwdWPd, dnnl_query_diff_weights_md, 0));
        dwOwn = res.memory(dwMd);
        if (b == null) {
            bwdW = res.step(bwdWPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS}, src, dy, dwOwn);
        } else {
            dbMd = copy(dnnl_primitive_desc_query_md(bwdWPd, dnnl_query_diff_weights_md, 1));
            dbOwn = res.memory(dbMd);
            bwdW = res.step(bwdWPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS},
                    src, dy, dwOwn, dbOwn);
        }
    }

    /**
     * The input-gradient primitive. The input gradient's layout is oneDNN's choice: for a plain NCHW input (an
     * image's 3 channels) only the reference kernel writes NCHW, about 100x slower than a JIT kernel plus a
     * reorder. oneDNN's choice can itself be the reference kernel: with blocks of 16 it picks NHWC for 3
     * channels, and the AVX-512 kernels have no input gradient for so few channels. Then the gradient is
     * computed in blocks of 8 channels by the AVX2 kernel (the output gradient reordered to match).
     */
    private void buildBackward() {
        long[] wDims = new long[(int) wUser.ndims()];
        for (int i = 0; i < wDims.length; i++) {
            wDims[i] = wUser.dims().get(i);
        }
        bwdPd = backwardData(wDims, dnnl_format_tag_any, y.md);
        if (OneDnn.implementation(bwdPd).startsWith("ref") && plan.block != 8) {
            bwdPd = backwardData(wDims, dnnl_nChw8c, OneDnn.md(y.dims, dnnl_nChw8c));
        }
        if (OneDnn.implementation(bwdPd).startsWith("ref")) {
            // As in the forward: layouts of oneDNN's choosing for the output gradient too.
            bwdPd = backwardData(wDims, dnnl_format_tag_any, OneDnn.md(y.dims, dnnl_format_tag_any));
        }
        wBwd = weights(dnnl_primitive_desc_query_md(bwdPd, dnnl_query_weights_md, 0));
        dnnl_memory_desc_t dx = copy(dnnl_primitive_desc_query_md(bwdPd, dnnl_query_diff_src_md, 0));
        if (dnnl_memory_desc_equal(dx, x.md) == 0) {
            dxMd = dx;
            dxOwn = res.memory(dx);
        }
        dnnl_memory_desc_t dy = copy(dnnl_primitive_desc_query_md(bwdPd, dnnl_query_diff_dst_md, 0));
        if (dnnl_memory_desc_equal(dy, y.md) == 0) {
            dyOwn = res.memory(dy);
            dyIn = res.reorder(y.md, y.diff(), dy, dyOwn, false);
        }
    }
}
