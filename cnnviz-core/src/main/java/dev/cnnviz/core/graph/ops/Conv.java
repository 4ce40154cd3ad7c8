package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.OpSupport.exec;
import static dev.cnnviz.core.graph.ops.OpSupport.release;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * 2-D convolution, ONNX {@code Conv}: inputs {@code X [N, C, H, W]}, {@code W [O, C/group, kH, kW]} and an
 * optional bias {@code B [O]};
 * <pre>  Y[n,o,y,x] = B[o] + Σ_{c,i,j} W[o,c,i,j] · Xpad[n, g·C/group + c, y·sH + i·dH, x·sW + j·dW]</pre>
 * with {@code g = o / (O/group)}. Grouped (including depthwise, {@code group = C}), dilated, strided, with
 * explicit (possibly asymmetric) or SAME/VALID padding. Forward and backward use libnd4j's
 * {@code conv2d}/{@code conv2d_bp} and {@code depthwise_conv2d}/{@code depthwise_conv2d_bp} kernels.
 *
 * @param strides   {sH, sW}, default {1, 1}
 * @param pads      {top, left, bottom, right} (ONNX order), default zeros; ignored unless autoPad is NOTSET
 * @param dilations {dH, dW}, default {1, 1}
 * @param group     number of groups, default 1
 * @param autoPad   padding mode, default {@link AutoPad#NOTSET}
 */
public record Conv(int[] strides, int[] pads, int[] dilations, int group, AutoPad autoPad) implements Op {

    /** Validates and copies the attributes. */
    public Conv {
        strides = OpSupport.positive("strides", strides, 2);
        pads = OpSupport.nonNegative("pads", pads, 4);
        dilations = OpSupport.positive("dilations", dilations, 2);
        if (group < 1) {
            throw new IllegalArgumentException("group must be at least 1, found " + group);
        }
        if (autoPad == null) {
            autoPad = AutoPad.NOTSET;
        }
    }

    /** A stride-1, unpadded, undilated, ungrouped convolution. */
    public static Conv simple() {
        return new Conv(new int[] {1, 1}, new int[4], new int[] {1, 1}, 1, AutoPad.NOTSET);
    }

    /** A stride-1 convolution with symmetric padding {@code pad}. */
    public static Conv padded(int pad) {
        return new Conv(new int[] {1, 1}, new int[] {pad, pad, pad, pad}, new int[] {1, 1}, 1, AutoPad.NOTSET);
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    @Override
    public int[] pads() {
        return pads.clone();
    }

    @Override
    public int[] dilations() {
        return dilations.clone();
    }

    /** The resolved geometry of one call. */
    private record Plan(int[] pads, boolean prePad, long kH, long kW, int mode) {
    }

    private Plan plan(INDArray x, INDArray w) {
        OpSupport.requireRank("Conv input X", x, 4);
        OpSupport.requireRank("Conv weights W", w, 4);
        long c = x.size(1);
        long o = w.size(0);
        if (w.size(1) * group != c || o % group != 0) {
            throw new IllegalArgumentException("Conv with group=" + group + " and weights " + Arrays.toString(w.shape())
                    + " needs " + (w.size(1) * group) + " input channels, found input " + Arrays.toString(x.shape()));
        }
        long kH = w.size(2);
        long kW = w.size(3);
        int[] p = resolvedPads(x.shape(), w.shape());
        boolean symmetric = p[0] == p[2] && p[1] == p[3];
        int mode = group == 1 ? 0 : (group == c && o % c == 0 ? 1 : 2);
        return new Plan(p, !symmetric, kH, kW, mode);
    }

    /** The padding {top, left, bottom, right} for this input and these weights; checks that the kernel fits. */
    private int[] resolvedPads(long[] x, long[] w) {
        long[] g = geometry(x, w);
        return new int[] {Math.toIntExact(g[2]), Math.toIntExact(g[3]), Math.toIntExact(g[4]), Math.toIntExact(g[5])};
    }

    /**
     * The resolved geometry for an NCHW input of shape {@code x} and weights of shape {@code w}, for engines that
     * run the convolution themselves: {@code {outH, outW, top, left, bottom, right}}.
     *
     * @throws IllegalArgumentException when the kernel does not fit the padded input
     */
    public long[] geometry(long[] x, long[] w) {
        if (x.length != 4 || w.length != 4) {
            throw new IllegalArgumentException("Conv needs a 4-D input and 4-D weights, found " + Arrays.toString(x)
                    + " and " + Arrays.toString(w));
        }
        long[] ph = autoPad.resolve(x[2], w[2], strides[0], dilations[0], pads[0], pads[2]);
        long[] pw = autoPad.resolve(x[3], w[3], strides[1], dilations[1], pads[1], pads[3]);
        long outH = Shapes.window("Conv", "height of input " + Arrays.toString(x) + ", weights " + Arrays.toString(w),
                x[2], w[2], strides[0], dilations[0], ph[0], ph[1]);
        long outW = Shapes.window("Conv", "width of input " + Arrays.toString(x) + ", weights " + Arrays.toString(w),
                x[3], w[3], strides[1], dilations[1], pw[0], pw[1]);
        return new long[] {outH, outW, ph[0], pw[0], ph[1], pw[1]};
    }

    /**
     * {@inheritDoc}
     *
     * <p>Inputs {@code X [N, C, H, W]}, {@code W [O, C/group, kH, kW]} and optionally {@code B [O]}; output
     * {@code [N, O, outH, outW]}. Checks that the group divides both channel counts, that the weights take the
     * input's channels, that the bias has one value per output channel and that the kernel fits the padded input.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Conv", in, 2, 3);
        long[] x = in[0];
        long[] w = in[1];
        Shapes.rank("Conv input X", x, 4);
        Shapes.rank("Conv weights W", w, 4);
        if (x[1] % group != 0) {
            throw new IllegalArgumentException("Conv group " + group + " does not divide the " + x[1] + " channels of input "
                    + Arrays.toString(x));
        }
        if (w[1] != x[1] / group) {
            throw new IllegalArgumentException("Conv weights " + Arrays.toString(w) + " need " + w[1] + " x group " + group
                    + " input channels, the input " + Arrays.toString(x) + " has " + x[1]);
        }
        if (w[0] % group != 0) {
            throw new IllegalArgumentException("Conv group " + group + " does not divide the " + w[0] + " output channels of weights "
                    + Arrays.toString(w));
        }
        if (in.length > 2 && Shapes.count(in[2]) != w[0]) {
            throw new IllegalArgumentException("Conv bias " + Arrays.toString(in[2]) + " must have " + w[0]
                    + " values, one per output channel of weights " + Arrays.toString(w));
        }
        long[] g = geometry(x, w);
        return Shapes.output("Conv", new long[] {x[0], w[0], g[0], g[1]});
    }

    private long[] iArgs(Plan plan, int wFormat) {
        long pH = plan.prePad ? 0 : plan.pads[0];
        long pW = plan.prePad ? 0 : plan.pads[1];
        return new long[] {plan.kH, plan.kW, strides[0], strides[1], pH, pW, dilations[0], dilations[1], 0, 0, wFormat};
    }

    private long[] outShape(INDArray xp, Plan plan, long o) {
        long pH = plan.prePad ? 0 : plan.pads[0];
        long pW = plan.prePad ? 0 : plan.pads[1];
        long oH = (xp.size(2) + 2 * pH - ((plan.kH - 1) * dilations[0] + 1)) / strides[0] + 1;
        long oW = (xp.size(3) + 2 * pW - ((plan.kW - 1) * dilations[1] + 1)) / strides[1] + 1;
        return new long[] {xp.size(0), o, oH, oW};
    }

    /** Depthwise weights {@code [C*m, 1, kH, kW]} in libnd4j's {@code [kH, kW, C, m]} layout. */
    private static INDArray depthwiseWeights(INDArray w, long c) {
        return w.reshape(c, w.size(0) / c, w.size(2), w.size(3)).permute(2, 3, 0, 1).dup('c');
    }

    /**
     * Whether libnd4j must not see the dilation: its oneDNN float32 kernels reject dilated convolutions
     * ("could not create a descriptor for a dilated convolution"), so for non-float64 data the kernel is
     * spread out with zeros instead (an exactly equivalent undilated convolution).
     */
    private boolean spreadKernel(INDArray x) {
        return (dilations[0] > 1 || dilations[1] > 1) && x.dataType() != org.nd4j.linalg.api.buffer.DataType.DOUBLE;
    }

    /** The kernel with {@code d - 1} zeros between taps, {@code [O, C/g, (kH-1)dH+1, (kW-1)dW+1]}. */
    private INDArray spread(INDArray w) {
        INDArray out = Nd4j.zeros(w.dataType(), w.size(0), w.size(1), (w.size(2) - 1) * dilations[0] + 1,
                (w.size(3) - 1) * dilations[1] + 1);
        out.get(all(), all(), taps(w.size(2), dilations[0], out.size(2)), taps(w.size(3), dilations[1], out.size(3))).assign(w);
        return out;
    }

    /** Every {@code step}-th position of a spread axis (all of it for a single tap, where ND4J rejects a step). */
    private static INDArrayIndex taps(long k, int step, long size) {
        return k == 1 ? NDArrayIndex.interval(0, 1) : NDArrayIndex.interval(0, step, size);
    }

    /** The same convolution without dilation, for a spread kernel. */
    private Conv undilated() {
        return new Conv(strides, pads, new int[] {1, 1}, group, autoPad);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        INDArray x = in[0];
        INDArray w = in[1];
        INDArray b = in.length > 2 ? in[2] : null;
        checkBias(w, b);
        if (spreadKernel(x)) {
            INDArray ws = spread(w);
            try {
                return undilated().forward(b == null ? new INDArray[] {x, ws} : new INDArray[] {x, ws, b});
            } finally {
                release(ws);
            }
        }
        Plan plan = plan(x, w);
        INDArray xp = plan.prePad ? OpSupport.padSpatial(x, plan.pads, 0) : x;
        long o = w.size(0);
        INDArray out = Nd4j.createUninitialized(x.dataType(), outShape(xp, plan, o));
        try {
            switch (plan.mode) {
                case 0 -> exec("conv2d", new INDArray[] {xp, w, b}, new INDArray[] {out}, iArgs(plan, 1));
                case 1 -> {
                    INDArray wd = depthwiseWeights(w, x.size(1));
                    exec("depthwise_conv2d", new INDArray[] {xp, wd, b}, new INDArray[] {out}, iArgs(plan, 0));
                    release(wd);
                }
                default -> {
                    long cg = x.size(1) / group;
                    long og = o / group;
                    for (int g = 0; g < group; g++) {
                        INDArray xs = xp.get(all(), NDArrayIndex.interval(g * cg, (g + 1) * cg), all(), all()).dup();
                        INDArray ws = w.get(NDArrayIndex.interval(g * og, (g + 1) * og), all(), all(), all()).dup();
                        INDArray bs = b == null ? null : b.get(NDArrayIndex.interval(g * og, (g + 1) * og)).dup();
                        INDArray ys = Nd4j.createUninitialized(x.dataType(), outShape(xs, plan, og));
                        exec("conv2d", new INDArray[] {xs, ws, bs}, new INDArray[] {ys}, iArgs(plan, 1));
                        out.get(all(), NDArrayIndex.interval(g * og, (g + 1) * og), all(), all()).assign(ys);
                        release(xs);
                        release(ws);
                        release(bs);
                        release(ys);
                    }
                }
            }
        } finally {
            if (xp != x) {
                release(xp);
            }
        }
        return out;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray x = in[0];
        INDArray w = in[1];
        INDArray b = in.length > 2 ? in[2] : null;
        if (spreadKernel(x)) {
            INDArray ws = spread(w);
            INDArray[] spreadIn = b == null ? new INDArray[] {x, ws} : new INDArray[] {x, ws, b};
            INDArray[] res = undilated().backward(spreadIn, output, g, wanted);
            release(ws);
            if (res[1] != null) {
                INDArray gws = res[1];
                res[1] = gws.get(all(), all(), taps(w.size(2), dilations[0], gws.size(2)),
                        taps(w.size(3), dilations[1], gws.size(3))).dup();
                release(gws);
            }
            return res;
        }
        Plan plan = plan(x, w);
        boolean weightsWanted = wanted[1] || (b != null && wanted[2]);
        if (plan.mode == 0 && !weightsWanted) {
            INDArray[] res = new INDArray[in.length];
            res[0] = wanted[0] ? inputGradient(x, w, g, plan) : null;
            return res;
        }
        INDArray xp = plan.prePad ? OpSupport.padSpatial(x, plan.pads, 0) : x;
        INDArray gx = xp.ulike();
        INDArray gw = w.ulike();
        INDArray gb = b == null ? null : b.ulike();
        try {
            switch (plan.mode) {
                case 0 -> exec("conv2d_bp", new INDArray[] {xp, w, b, g},
                        b == null ? new INDArray[] {gx, gw} : new INDArray[] {gx, gw, gb}, iArgs(plan, 1));
                case 1 -> {
                    long c = x.size(1);
                    INDArray wd = depthwiseWeights(w, c);
                    INDArray gwd = wd.ulike();
                    exec("depthwise_conv2d_bp", new INDArray[] {xp, wd, b, g},
                            b == null ? new INDArray[] {gx, gwd} : new INDArray[] {gx, gwd, gb}, iArgs(plan, 0));
                    gw.assign(gwd.permute(2, 3, 0, 1).reshape(w.shape()));
                    release(wd);
                    release(gwd);
                }
                default -> {
                    long cg = x.size(1) / group;
                    long og = w.size(0) / group;
                    for (int k = 0; k < group; k++) {
                        INDArrayIndex ci = NDArrayIndex.interval(k * cg, (k + 1) * cg);
                        INDArrayIndex oi = NDArrayIndex.interval(k * og, (k + 1) * og);
                        INDArray xs = xp.get(all(), ci, all(), all()).dup();
                        INDArray ws = w.get(oi, all(), all(), all()).dup();
                        INDArray bs = b == null ? null : b.get(oi).dup();
                        INDArray gs = g.get(all(), oi, all(), all()).dup();
                        INDArray gxs = xs.ulike();
                        INDArray gws = ws.ulike();
                        INDArray gbs = bs == null ? null : bs.ulike();
                        exec("conv2d_bp", new INDArray[] {xs, ws, bs, gs},
                                bs == null ? new INDArray[] {gxs, gws} : new INDArray[] {gxs, gws, gbs}, iArgs(plan, 1));
                        gx.get(all(), ci, all(), all()).assign(gxs);
                        gw.get(oi, all(), all(), all()).assign(gws);
                        if (gb != null) {
                            gb.get(oi).assign(gbs);
                        }
                        for (INDArray t : new INDArray[] {xs, ws, bs, gs, gxs, gws, gbs}) {
                            release(t);
                        }
                    }
                }
            }
        } finally {
            if (xp != x) {
                release(xp);
            }
        }
        INDArray gxOut = gx;
        if (plan.prePad) {
            gxOut = OpSupport.cropSpatial(gx, plan.pads);
            release(gx);
        }
        INDArray[] res = new INDArray[in.length];
        res[0] = wanted[0] ? gxOut : null;
        res[1] = wanted[1] ? gw : null;
        if (!wanted[0]) {
            release(gxOut);
        }
        if (!wanted[1]) {
            release(gw);
        }
        if (b != null) {
            res[2] = wanted[2] ? gb : null;
            if (!wanted[2]) {
                release(gb);
            }
        }
        return res;
    }

    /**
     * The input gradient alone, as the transposed convolution of the output gradient ({@code deconv2d}, whose
     * {@code [iC, oC, kH, kW]} weight layout is exactly the convolution's {@code [O, C, kH, kW]}): half the work
     * of {@code conv2d_bp}, which also computes the weight gradient. Input rows and columns that no window
     * reaches (when the stride does not divide the padded size) get zero gradient.
     */
    private INDArray inputGradient(INDArray x, INDArray w, INDArray g, Plan plan) {
        // Padding is applied here, not by libnd4j (whose deconv2d rejects padding not smaller than the kernel):
        // the unpadded transposed convolution covers padded coordinates [0, covered); the input sits at
        // [pad, pad + size) of the padded frame.
        int[] p = plan.prePad ? plan.pads : new int[] {plan.pads[0], plan.pads[1], plan.pads[0], plan.pads[1]};
        long hp = x.size(2) + p[0] + p[2];
        long wp = x.size(3) + p[1] + p[3];
        long coveredH = (g.size(2) - 1) * strides[0] + (plan.kH - 1) * dilations[0] + 1;
        long coveredW = (g.size(3) - 1) * strides[1] + (plan.kW - 1) * dilations[1] + 1;
        INDArray covered = Nd4j.createUninitialized(g.dataType(), g.size(0), w.size(1), coveredH, coveredW);
        exec("deconv2d", new INDArray[] {g, w}, new INDArray[] {covered},
                plan.kH, plan.kW, strides[0], strides[1], 0, 0, dilations[0], dilations[1], 0, 0, 1);
        INDArray gxp = covered;
        if (coveredH != hp || coveredW != wp) {
            gxp = Nd4j.zeros(g.dataType(), g.size(0), w.size(1), hp, wp);
            gxp.get(all(), all(), NDArrayIndex.interval(0, coveredH), NDArrayIndex.interval(0, coveredW)).assign(covered);
            release(covered);
        }
        if (OpSupport.isZero(p)) {
            return gxp;
        }
        INDArray gx = OpSupport.cropSpatial(gxp, p);
        release(gxp);
        return gx;
    }

    private static void checkBias(INDArray w, INDArray b) {
        if (b != null && (b.length() != w.size(0))) {
            throw new IllegalArgumentException("Conv bias must have " + w.size(0) + " values, found shape " + Arrays.toString(b.shape()));
        }
    }

    private static INDArrayIndex all() {
        return NDArrayIndex.all();
    }

    @Override
    public String describe() {
        return "stride " + strides[0] + "x" + strides[1]
                + (autoPad == AutoPad.NOTSET ? (OpSupport.isZero(pads) ? "" : " pads " + Arrays.toString(pads)) : " " + autoPad)
                + (dilations[0] * dilations[1] == 1 ? "" : " dilation " + Arrays.toString(dilations))
                + (group == 1 ? "" : " group " + group);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Conv c && Arrays.equals(c.strides, strides) && Arrays.equals(c.pads, pads)
                && Arrays.equals(c.dilations, dilations) && c.group == group && c.autoPad == autoPad;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(strides) * 31 + Arrays.hashCode(pads) * 17 + Arrays.hashCode(dilations) + group;
    }

    @Override
    public String toString() {
        return "Conv[" + describe() + "]";
    }
}
