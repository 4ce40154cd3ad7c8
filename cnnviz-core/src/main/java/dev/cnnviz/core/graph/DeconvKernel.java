package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static dev.cnnviz.core.graph.OneDnn.copy;
import static dev.cnnviz.core.graph.OneDnn.pd;
import static dev.cnnviz.core.graph.OneDnn.plain;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_deconvolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_deconvolution_backward_data_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_deconvolution_backward_weights_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_deconvolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_iohw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.ConvTranspose;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Transposed convolution ({@link ConvTranspose}, ungrouped, any stride, padding, dilation and output padding,
 * constant or trainable weights and optional bias) in a {@link OneDnnPlan}: oneDNN's deconvolution primitive
 * ({@code dnnl_dilated_deconvolution_forward_desc_init}), {@code y = Wᵀ ⋆ x + b}; backward gives the input gradient
 * and, when asked, the weight and bias gradients, for the standard rule.
 *
 * <p>Geometry: ONNX's weights {@code [C, O, kH, kW]} are oneDNN's {@code iohw} layout of a deconvolution's
 * {@code [O, C, kH, kW]} weights, read as they are. The ONNX pads crop the full result
 * {@code (in - 1)·s + (k - 1)·d + 1} at the beginning and the end, and output padding adds rows/columns at the
 * end: both are oneDNN's left and right padding ({@link ConvTranspose#geometry}), the right one negative where
 * output padding exceeds the end pad (candy's and mosaic's {@code output_shape}: -1; the extra row and column hold
 * the bias only, as in the ND4J operator).
 *
 * <p>Weights and bias are reordered once into the layouts the primitives chose; when they are trainable
 * {@link Parameters}, reordered again before a step whenever their version changed (as in {@link ConvKernel}).
 * As in {@link ConvKernel}, where no JIT kernel reads and writes the plan's layouts oneDNN chooses them and
 * reorders run around the primitive.
 *
 * <p>Backward: the input gradient by the deconvolution backward-data primitive
 * ({@code dnnl_dilated_deconvolution_backward_data_desc_init}); the weight and bias gradients,
 * {@code dW[c, o, i, j] = Σ_{n,p,q} x[n, c, p, q] · dF[n, o, p·s + i·d, q·s + j·d]} (with {@code dF} the output
 * gradient placed back into the full extent) and {@code db[o] = Σ_{n,p,q} dy[n, o, p, q]}, by the backward-weights
 * primitive ({@code dnnl_dilated_deconvolution_backward_weights_desc_init}), built at the first backward pass that
 * wants them, into the plan's parameter gradients ({@link OneDnnPlan#parameterGradient}) in the ONNX layout.
 */
final class DeconvKernel extends PlanKernel {
    private final PlanValue x;
    private final long[] strides;
    private final long[] dilates;
    private final long[] padL;
    private final long[] padR;
    /** The weights' dimensions as oneDNN sees them, {@code [O, C, kH, kW]}, stored as ONNX's {@code [C, O, kH, kW]}. */
    private final long[] wDims;
    private final dnnl_memory_desc_t wUser;
    private final dnnl_memory wUserMem;
    private final INDArray w;
    private final INDArray b;
    /** The trainable parameters read as weights and bias ({@link Parameters}), or null for fixed constants. */
    private final Parameters.Slot wSlot;
    private final Parameters.Slot bSlot;
    /** The parameter versions last copied in; a step first copies again when they changed. */
    private long wSeen;
    private long bSeen;
    /** The copies of the weights into each layout a primitive wants, run again when the weights change. */
    private final List<Step> wLoads = new ArrayList<>();
    private dnnl_memory bUser;
    private Step bLoad;
    /** The weight and bias constants' names (bias null when there is none), under which their gradients go. */
    private final String wName;
    private final String bName;
    private final dnnl_primitive_desc fwdPd;
    /** The forward primitive's source: x, or x reordered into the layout the primitive chose. */
    private final dnnl_memory fwdSrc;
    private final dnnl_memory_desc_t fwdSrcMd;
    private final Step fwd;
    private Step srcIn;
    private Step dstOut;
    private final Map<dnnl_memory, Step> bwd = new HashMap<>();
    private dnnl_primitive_desc bwdPd;
    private dnnl_memory wBwd;
    private dnnl_memory_desc_t dxMd;
    private dnnl_memory dxOwn;
    private dnnl_memory dyOwn;
    private Step dyIn;
    /** The weight-gradient primitive (built at the first backward pass that wants it) and what it reads and writes. */
    private Step bwdW;
    private Step srcWIn;
    private Step dyWIn;
    /** The weight gradient reordered into the ONNX layout when the primitive wrote it in a layout of its own. */
    private Step dwToUser;
    /** The weight gradient in the ONNX layout, seen as {@code [C, O, kH, kW]} plain (the parameter's shape). */
    private dnnl_memory_desc_t dwOnnxMd;
    private dnnl_memory dwOnnx;
    private dnnl_memory_desc_t dbMd;
    private dnnl_memory dbOwn;

    /**
     * Whether the node can run here: 4-D float32 input, constant (or trainable) float32 4-D weights and bias, one
     * group.
     *
     * @param xShape the input's shape (null when unknown)
     */
    static boolean plannable(Graph graph, Node node, ConvTranspose t, long[] xShape) {
        List<String> in = node.inputs();
        if (xShape == null || xShape.length != 4 || t.group() != 1) {
            return false;
        }
        for (int i = 1; i < in.size(); i++) {
            if (!(graph.node(in.get(i)).op() instanceof Constant)) {
                return false;
            }
        }
        INDArray w = graph.constant(in.get(1));
        INDArray b = in.size() > 2 ? graph.constant(in.get(2)) : null;
        return w.rank() == 4 && w.dataType() == DataType.FLOAT && w.size(0) == xShape[1]
                && (b == null || (b.length() == w.size(1) && b.dataType() == DataType.FLOAT));
    }

    /**
     * @param w     the weights {@code [C, O, kH, kW]} (ONNX layout)
     * @param b     the bias {@code [O]}, or null
     * @param wName the weight constant's name, under which its gradient goes
     * @param bName the bias constant's name, or null without a bias
     * @param wSlot the parameter whose array {@code w} is, or null for a fixed constant
     * @param bSlot the parameter whose array {@code b} is, or null for a fixed constant (or no bias)
     */
    DeconvKernel(OneDnnPlan plan, String name, PlanValue x, ConvTranspose t, INDArray w, INDArray b, String wName,
                 String bName, Parameters.Slot wSlot, Parameters.Slot bSlot) {
        this(plan, name, x, t, w, b, t.geometry(x.dims, w.shape()), wName, bName, wSlot, bSlot);
    }

    private DeconvKernel(OneDnnPlan plan, String name, PlanValue x, ConvTranspose t, INDArray w, INDArray b, long[] geo,
                         String wName, String bName, Parameters.Slot wSlot, Parameters.Slot bSlot) {
        super(plan, name, new long[] {x.dims[0], w.size(1), geo[0], geo[1]});
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
        int[] s = t.strides();
        int[] d = t.dilations();
        strides = new long[] {s[0], s[1]};
        dilates = new long[] {d[0] - 1, d[1] - 1};
        padL = new long[] {geo[2], geo[3]};
        padR = new long[] {geo[4], geo[5]};
        wDims = new long[] {w.size(1), w.size(0), w.size(2), w.size(3)};
        wUser = OneDnn.md(wDims, dnnl_iohw);
        wUserMem = res.handle(wUser);
        dnnl_memory_desc_t wAny = OneDnn.md(wDims, dnnl_format_tag_any);
        dnnl_memory_desc_t bMd = b == null ? null : OneDnn.md(new long[] {w.size(1)}, dnnl_x);
        dnnl_primitive_desc p = pd(res, forwardDesc(x.md, wAny, bMd, y.md), null);
        if (OneDnn.implementation(p).startsWith("ref")) {
            dnnl_primitive_desc anyPd = pd(res, forwardDesc(OneDnn.md(x.dims, dnnl_format_tag_any), wAny, bMd,
                    OneDnn.md(y.dims, dnnl_format_tag_any)), null);
            if (!OneDnn.implementation(anyPd).startsWith("ref")) {
                p = anyPd;
            }
        }
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
            fwd = res.step(fwdPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST}, src, wMem, dst);
        } else {
            bUser = res.handle(bMd);
            dnnl_memory bMem = res.memory(bMd);
            OneDnn.wrap(bUser, this.b);
            bLoad = res.reorder(bMd, bUser, bMd, bMem, false);
            bLoad.run(stream);
            fwd = res.step(fwdPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST}, src, wMem, bMem, dst);
        }
    }

    private dnnl_convolution_desc_t forwardDesc(dnnl_memory_desc_t src, dnnl_memory_desc_t wMd, dnnl_memory_desc_t bias,
            dnnl_memory_desc_t dst) {
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        check(dnnl_dilated_deconvolution_forward_desc_init(desc, dnnl_forward_training, dnnl_deconvolution_direct, src, wMd,
                bias, dst, strides, dilates, padL, padR), "dnnl_dilated_deconvolution_forward_desc_init");
        return desc;
    }

    private dnnl_primitive_desc backwardData(int dxTag, dnnl_memory_desc_t dy) {
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        check(dnnl_dilated_deconvolution_backward_data_desc_init(desc, dnnl_deconvolution_direct, OneDnn.md(x.dims, dxTag),
                OneDnn.md(wDims, dnnl_format_tag_any), dy, strides, dilates, padL, padR),
                "dnnl_dilated_deconvolution_backward_data_desc_init");
        return pd(res, desc, fwdPd);
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
     * since the last copy: two version reads per step otherwise.
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

    @Override
    void forward() {
        reloadChangedParameters();
        if (srcIn != null) {
            srcIn.run(stream);
        }
        fwd.run(stream);
        if (dstOut != null) {
            dstOut.run(stream);
        }
    }

    @Override
    boolean supports(BackwardRule rule, boolean[] wanted) {
        return rule == BackwardRule.STANDARD;
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        reloadChangedParameters();
        boolean weights = wanted.length > 1 && wanted[1];
        boolean bias = wanted.length > 2 && wanted[2];
        if (weights || bias) {
            backwardWeights(weights, bias);
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

    /** The input-gradient primitive, in the plan's layouts where a JIT kernel takes them, else in oneDNN's. */
    private void buildBackward() {
        bwdPd = backwardData(dnnl_format_tag_any, y.md);
        if (OneDnn.implementation(bwdPd).startsWith("ref")) {
            bwdPd = backwardData(dnnl_format_tag_any, OneDnn.md(y.dims, dnnl_format_tag_any));
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

    /**
     * The weight and bias gradients (see the class description) by oneDNN's deconvolution backward-weights
     * primitive, added to the plan's gradients of the weight and bias constants; both are computed in one primitive
     * when either is wanted.
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
            if (dwToUser != null) {
                dwToUser.run(stream);
            }
            plan.parameterGradient(wName, w.shape(), w.shape()).addGradient(dwOnnxMd, dwOnnx);
        }
        if (bias && bName != null) {
            plan.parameterGradient(bName, new long[] {b.length()}, b.shape()).addGradient(dbMd, dbOwn);
        }
    }

    private dnnl_primitive_desc backwardWeightsPd(dnnl_memory_desc_t src, dnnl_memory_desc_t dy) {
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        dnnl_memory_desc_t db = b == null ? null : OneDnn.md(new long[] {wDims[0]}, dnnl_format_tag_any);
        check(dnnl_dilated_deconvolution_backward_weights_desc_init(desc, dnnl_deconvolution_direct, src,
                OneDnn.md(wDims, dnnl_format_tag_any), db, dy, strides, dilates, padL, padR),
                "dnnl_dilated_deconvolution_backward_weights_desc_init");
        return pd(res, desc, fwdPd);
    }

    /**
     * The weight-gradient primitive, reading the forward's source (x, or x in the forward's own layout) and y's
     * gradient where a JIT kernel reads those layouts, else layouts of oneDNN's choosing with reorders into them;
     * and the view of its weight gradient in the ONNX layout: the {@code [O, C, kH, kW]} gradient in {@code iohw}
     * is, byte for byte, the plain {@code [C, O, kH, kW]} array of the weight constant's shape.
     */
    private void buildBackwardWeights() {
        dnnl_primitive_desc p = preferJit(backwardWeightsPd(fwdSrcMd, y.md),
                () -> backwardWeightsPd(OneDnn.md(x.dims, dnnl_format_tag_any), OneDnn.md(y.dims, dnnl_format_tag_any)));
        Operand srcOp = operand(p, dnnl_query_src_md, fwdSrcMd, fwdSrc);
        Operand dyOp = operand(p, dnnl_query_diff_dst_md, y.md, y.diff());
        dnnl_memory src = srcOp.memory();
        dnnl_memory dy = dyOp.memory();
        srcWIn = srcOp.reorder();
        dyWIn = dyOp.reorder();
        dnnl_memory_desc_t dwMd = copy(dnnl_primitive_desc_query_md(p, dnnl_query_diff_weights_md, 0));
        dnnl_memory dwOwn = res.memory(dwMd);
        dnnl_memory dwIohw = dwOwn;
        if (dnnl_memory_desc_equal(dwMd, wUser) == 0) {
            dwIohw = res.memory(wUser);
            dwToUser = res.reorder(dwMd, dwOwn, wUser, dwIohw, false);
        }
        dwOnnxMd = OneDnn.md(w.shape(), dnnl_nchw);
        dwOnnx = res.handle(dwOnnxMd);
        check(dnnl_memory_set_data_handle(dwOnnx, OneDnn.dataHandle(dwIohw)), "dnnl_memory_set_data_handle");
        if (b == null) {
            bwdW = res.step(p, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS}, src, dy, dwOwn);
        } else {
            dbMd = copy(dnnl_primitive_desc_query_md(p, dnnl_query_diff_weights_md, 1));
            dbOwn = res.memory(dbMd);
            bwdW = res.step(p, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS},
                    src, dy, dwOwn, dbOwn);
        }
    }
}
