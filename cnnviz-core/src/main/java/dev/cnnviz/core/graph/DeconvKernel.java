package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static dev.cnnviz.core.graph.OneDnn.copy;
import static dev.cnnviz.core.graph.OneDnn.pd;
import static dev.cnnviz.core.graph.OneDnn.plain;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_deconvolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_deconvolution_backward_data_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_deconvolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_iohw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.ConvTranspose;
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
 * constant weights and optional bias) in a {@link OneDnnPlan}: oneDNN's deconvolution primitive
 * ({@code dnnl_dilated_deconvolution_forward_desc_init}); backward gives the input gradient only, by the
 * deconvolution backward-data primitive, for the standard rule (weight and bias gradients fall back to ND4J).
 *
 * <p>Geometry: ONNX's weights {@code [C, O, kH, kW]} are oneDNN's {@code iohw} layout of a deconvolution's
 * {@code [O, C, kH, kW]} weights, read as they are. The ONNX pads crop the full result
 * {@code (in - 1)·s + (k - 1)·d + 1} at the beginning and the end, and output padding adds rows/columns at the
 * end: both are oneDNN's left and right padding ({@link ConvTranspose#geometry}), the right one negative where
 * output padding exceeds the end pad (candy's and mosaic's {@code output_shape}: -1; the extra row and column hold
 * the bias only, as in the ND4J operator).
 *
 * <p>As in {@link ConvKernel}, where no JIT kernel reads and writes the plan's layouts oneDNN chooses them and
 * reorders run around the primitive.
 */
final class DeconvKernel extends PlanKernel {
    private final PlanValue x;
    private final long[] strides;
    private final long[] dilates;
    private final long[] padL;
    private final long[] padR;
    private final long[] wDims;
    private final dnnl_memory_desc_t wUser;
    private final dnnl_memory wUserMem;
    private final INDArray w;
    private final dnnl_primitive_desc fwdPd;
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

    /**
     * Whether the node can run here: 4-D float32 input, constant float32 4-D weights and bias, one group.
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
     * @param w the weights {@code [C, O, kH, kW]} (ONNX layout)
     * @param b the bias {@code [O]}, or null
     */
    DeconvKernel(OneDnnPlan plan, String name, PlanValue x, ConvTranspose t, INDArray w, INDArray b) {
        this(plan, name, x, t, w, b, t.geometry(x.dims, w.shape()));
    }

    private DeconvKernel(OneDnnPlan plan, String name, PlanValue x, ConvTranspose t, INDArray w, INDArray b, long[] geo) {
        super(plan, name, new long[] {x.dims[0], w.size(1), geo[0], geo[1]});
        this.x = x;
        this.w = plain(w);
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
            dnnl_memory bUser = res.handle(bMd);
            dnnl_memory bMem = res.memory(bMd);
            OneDnn.wrap(bUser, plain(b));
            res.reorder(bMd, bUser, bMd, bMem, false).run(stream);
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

    /** The weights reordered once into the layout a primitive wants. */
    private dnnl_memory weights(dnnl_memory_desc_t want) {
        dnnl_memory_desc_t layout = copy(want);
        dnnl_memory m = res.memory(layout);
        OneDnn.wrap(wUserMem, w);
        res.reorder(wUser, wUserMem, layout, m, false).run(stream);
        return m;
    }

    @Override
    void forward() {
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
}
