package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.OpSupport.exec;
import static dev.cnnviz.core.graph.ops.OpSupport.release;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * 2-D transposed convolution, ONNX {@code ConvTranspose} (without the {@code output_shape} attribute):
 * inputs {@code X [N, C, H, W]}, {@code W [C, O/group, kH, kW]} and an optional bias {@code B [O]}. The
 * "full" result scatters every input pixel through the kernel,
 * <pre>  F[n, g·O/group + o, y·sH + i·dH, x·sW + j·dW] += X[n, g·C/group + c, y, x] · W[g·C/group + c, o, i, j]</pre>
 * of size {@code (in - 1)·s + (k - 1)·d + 1} per axis, and the output is the window
 * <pre>  Y[n, o, p, q] = F[n, o, p + padTop, q + padLeft] + B[o]     (0 where the index falls outside F)</pre>
 * of size {@code out = (in - 1)·s - padBegin - padEnd + (k - 1)·d + 1 + outputPadding}: pads crop the full
 * result, {@code outputPadding} adds rows/columns at the end (which hold the bias only once they pass the
 * end of F). With {@code SAME_UPPER}/{@code SAME_LOWER} the output is {@code in · s}, with
 * {@code total = max(0, (in-1)·s + outputPadding + (k-1)·d + 1 - in·s)} split as the ONNX specification says:
 * SAME_UPPER puts {@code total/2} at the beginning, SAME_LOWER {@code total - total/2}.
 *
 * <p>Gradient: {@code dF} is {@code dY} placed back into the full extent (zero where cropped away), then
 * libnd4j's {@code deconv2d_bp} gives {@code dX} and {@code dW}; {@code dB = Σ_{n,p,q} dY}. Forward uses
 * {@code deconv2d} with {@code wFormat = 1} (weights {@code [iC, oC, kH, kW]}, exactly the ONNX layout) and no
 * padding; groups run one at a time; dilated kernels are expanded with zeros between the taps (libnd4j
 * 1.0.0-M2.1's oneDNN float32 {@code deconv2d_bp} rejects dilation).
 *
 * @param strides       {sH, sW}, default {1, 1}
 * @param pads          {top, left, bottom, right} (ONNX order), default zeros; ignored unless autoPad is NOTSET
 * @param dilations     {dH, dW}, default {1, 1}
 * @param group         number of groups, default 1; must divide C
 * @param outputPadding {extraH, extraW} added at the end of each axis, default {0, 0}
 * @param autoPad       padding mode, default {@link AutoPad#NOTSET}
 */
public record ConvTranspose(int[] strides, int[] pads, int[] dilations, int group, int[] outputPadding, AutoPad autoPad)
        implements Op {

    /** Validates and copies the attributes. */
    public ConvTranspose {
        strides = OpSupport.positive("strides", strides, 2);
        pads = OpSupport.nonNegative("pads", pads, 4);
        dilations = OpSupport.positive("dilations", dilations, 2);
        outputPadding = OpSupport.nonNegative("outputPadding", outputPadding, 2);
        if (group < 1) {
            throw new IllegalArgumentException("group must be at least 1, found " + group);
        }
        if (autoPad == null) {
            autoPad = AutoPad.NOTSET;
        }
    }

    /** An ungrouped, undilated transposed convolution with stride {@code stride} and symmetric pad {@code pad}. */
    public static ConvTranspose of(int stride, int pad) {
        return new ConvTranspose(new int[] {stride, stride}, new int[] {pad, pad, pad, pad}, new int[] {1, 1}, 1, new int[2],
                AutoPad.NOTSET);
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

    @Override
    public int[] outputPadding() {
        return outputPadding.clone();
    }

    /** Geometry of one call: the full extent, the crop offsets and the output size. */
    private record Plan(long fullH, long fullW, long offH, long offW, long outH, long outW, long o) {
    }

    private long[] axis(long in, long k, int i) {
        long s = strides[i];
        long eff = Math.addExact(Math.multiplyExact(k - 1, dilations[i]), 1);
        long full = Math.addExact(Math.multiplyExact(in - 1, s), eff);
        long begin;
        long out;
        switch (autoPad) {
            case VALID -> {
                begin = 0;
                out = full + outputPadding[i];
            }
            case SAME_UPPER, SAME_LOWER -> {
                long total = Math.max(0, full + outputPadding[i] - Math.multiplyExact(in, s));
                begin = autoPad == AutoPad.SAME_UPPER ? total / 2 : total - total / 2;
                out = in * s;
            }
            default -> {
                begin = pads[i];
                out = full - pads[i] - pads[i + 2] + outputPadding[i];
            }
        }
        return new long[] {full, begin, out};
    }

    /**
     * The geometry of one call in a convolution engine's terms (used by the oneDNN plan's deconvolution): the
     * output size and the pads at the beginning and the end of each axis, with
     * {@code out = (in - 1)·s + (k - 1)·d + 1 - begin - end}. {@code end} is negative where output padding adds
     * rows/columns past the full result (candy's {@code output_shape}: -1).
     *
     * @param x the input shape {@code [N, C, H, W]}
     * @param w the weight shape {@code [C, O/group, kH, kW]}
     * @return {@code {outH, outW, beginH, beginW, endH, endW}}
     * @throws IllegalArgumentException if the shapes are not 4-D
     */
    public long[] geometry(long[] x, long[] w) {
        if (x.length != 4 || w.length != 4) {
            throw new IllegalArgumentException("ConvTranspose geometry needs 4-D input and weights, found "
                    + Arrays.toString(x) + " and " + Arrays.toString(w));
        }
        long[] h = axis(x[2], w[2], 0);
        long[] wd = axis(x[3], w[3], 1);
        return new long[] {h[2], wd[2], h[1], wd[1], h[0] - h[1] - h[2], wd[0] - wd[1] - wd[2]};
    }

    private Plan plan(INDArray[] in) {
        INDArray x = in[0];
        INDArray w = in[1];
        OpSupport.requireRank("ConvTranspose input X", x, 4);
        OpSupport.requireRank("ConvTranspose weights W", w, 4);
        long c = x.size(1);
        if (w.size(0) != c || c % group != 0) {
            throw new IllegalArgumentException("ConvTranspose with group=" + group + " and weights " + Arrays.toString(w.shape())
                    + " needs " + w.size(0) + " input channels (a multiple of the group), found input " + Arrays.toString(x.shape()));
        }
        long o = w.size(1) * group;
        if (in.length > 2 && in[2] != null && in[2].length() != o) {
            throw new IllegalArgumentException("ConvTranspose bias must have " + o + " values, found shape " + Arrays.toString(in[2].shape()));
        }
        long[] h = axis(x.size(2), w.size(2), 0);
        long[] wd = axis(x.size(3), w.size(3), 1);
        if (h[2] < 1 || wd[2] < 1) {
            throw new IllegalArgumentException("ConvTranspose pads " + Arrays.toString(pads) + " leave an empty output ("
                    + h[2] + "x" + wd[2] + ") for input " + Arrays.toString(x.shape()) + " and weights " + Arrays.toString(w.shape()));
        }
        return new Plan(h[0], wd[0], h[1], wd[1], h[2], wd[2], o);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Inputs {@code X [N, C, H, W]}, {@code W [C, O/group, kH, kW]} and optionally {@code B [O]}; output
     * {@code [N, O, outH, outW]} as in the class description. Checks that the group divides the input channels,
     * that the weights take them, that the bias has one value per output channel, that the kernel is not empty and
     * that the pads leave a non-empty output.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("ConvTranspose", in, 2, 3);
        long[] x = in[0];
        long[] w = in[1];
        Shapes.rank("ConvTranspose input X", x, 4);
        Shapes.rank("ConvTranspose weights W", w, 4);
        if (x[1] % group != 0) {
            throw new IllegalArgumentException("ConvTranspose group " + group + " does not divide the " + x[1]
                    + " channels of input " + Arrays.toString(x));
        }
        if (w[0] != x[1]) {
            throw new IllegalArgumentException("ConvTranspose weights " + Arrays.toString(w) + " need " + w[0]
                    + " input channels, the input " + Arrays.toString(x) + " has " + x[1]);
        }
        if (w[1] < 1 || w[2] < 1 || w[3] < 1) {
            throw new IllegalArgumentException("ConvTranspose weights " + Arrays.toString(w) + " are empty");
        }
        long o;
        long[] h;
        long[] wd;
        try {
            o = Math.multiplyExact(w[1], group);
            h = axis(x[2], w[2], 0);
            wd = axis(x[3], w[3], 1);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("ConvTranspose output size overflows a long for input " + Arrays.toString(x)
                    + ", weights " + Arrays.toString(w) + " and strides " + Arrays.toString(strides), e);
        }
        if (in.length > 2 && Shapes.count(in[2]) != o) {
            throw new IllegalArgumentException("ConvTranspose bias " + Arrays.toString(in[2]) + " must have " + o
                    + " values, one per output channel of weights " + Arrays.toString(w) + " (x group " + group + ")");
        }
        if (h[2] < 1 || wd[2] < 1) {
            throw new IllegalArgumentException("ConvTranspose pads " + Arrays.toString(pads) + " leave an empty output ("
                    + h[2] + "x" + wd[2] + ") for input " + Arrays.toString(x) + " and weights " + Arrays.toString(w));
        }
        return Shapes.output("ConvTranspose", new long[] {x[0], o, h[2], wd[2]});
    }

    /** Arguments for a (zero-inserted, so undilated) kernel {@code wk}. */
    private long[] iArgs(INDArray wk) {
        // kH, kW, sH, sW, pH, pW, dH, dW, isSameMode, dataFormat (0 = NCHW), wFormat (1 = [iC, oC, kH, kW])
        return new long[] {wk.size(2), wk.size(3), strides[0], strides[1], 0, 0, 1, 1, 0, 0, 1};
    }

    private boolean dilated() {
        return dilations[0] != 1 || dilations[1] != 1;
    }

    /** The positions of the kernel taps inside the zero-inserted kernel. */
    private INDArrayIndex[] taps(INDArray w) {
        return new INDArrayIndex[] {all(), all(), tapIndex(w.size(2), dilations[0]), tapIndex(w.size(3), dilations[1])};
    }

    private static INDArrayIndex tapIndex(long k, int d) {
        // A strided interval of one element trips ND4J's index arithmetic; a 1-tap axis is just [0, 1).
        return k == 1 ? NDArrayIndex.interval(0, 1) : NDArrayIndex.interval(0, d, (k - 1) * d + 1);
    }

    /**
     * The kernel with {@code d - 1} zeros inserted between taps, so libnd4j runs undilated: its 1.0.0-M2.1
     * oneDNN float32 {@code deconv2d_bp} (like {@code conv2d}) rejects dilations. Returns {@code w} itself when
     * undilated.
     */
    private INDArray zeroInserted(INDArray w) {
        if (!dilated()) {
            return w;
        }
        INDArray wk = Nd4j.zeros(w.dataType(), w.size(0), w.size(1), (w.size(2) - 1) * dilations[0] + 1, (w.size(3) - 1) * dilations[1] + 1);
        wk.get(taps(w)).assign(w);
        return wk;
    }

    private static INDArrayIndex all() {
        return NDArrayIndex.all();
    }

    @Override
    public INDArray forward(INDArray[] in) {
        INDArray x = in[0];
        INDArray w = in[1];
        INDArray b = in.length > 2 ? in[2] : null;
        Plan p = plan(in);
        INDArray wk = zeroInserted(w);
        INDArray full = Nd4j.createUninitialized(x.dataType(), x.size(0), p.o, p.fullH, p.fullW);
        if (group == 1) {
            exec("deconv2d", new INDArray[] {x, wk}, new INDArray[] {full}, iArgs(wk));
        } else {
            long cg = x.size(1) / group;
            long og = w.size(1);
            for (int g = 0; g < group; g++) {
                INDArray xs = x.get(all(), NDArrayIndex.interval(g * cg, (g + 1) * cg), all(), all()).dup();
                INDArray ws = wk.get(NDArrayIndex.interval(g * cg, (g + 1) * cg), all(), all(), all()).dup();
                INDArray fs = Nd4j.createUninitialized(x.dataType(), x.size(0), og, p.fullH, p.fullW);
                exec("deconv2d", new INDArray[] {xs, ws}, new INDArray[] {fs}, iArgs(wk));
                full.get(all(), NDArrayIndex.interval(g * og, (g + 1) * og), all(), all()).assign(fs);
                release(xs);
                release(ws);
                release(fs);
            }
        }
        if (wk != w) {
            release(wk);
        }
        INDArray y = Pad.windowSpatial(full, p.offH, p.offW, p.outH, p.outW, 0);
        release(full);
        if (b != null) {
            INDArray bv = BatchNorm.vec(b);
            Broadcast.add(y, bv, y, 1);
            if (bv != b) {
                release(bv);
            }
        }
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray x = in[0];
        INDArray w = in[1];
        INDArray b = in.length > 2 ? in[2] : null;
        Plan p = plan(in);
        INDArray[] res = new INDArray[in.length];
        if (wanted[0] || wanted[1]) {
            INDArray gFull = Pad.windowSpatial(g, -p.offH, -p.offW, p.fullH, p.fullW, 0);
            INDArray wk = zeroInserted(w);
            INDArray gx = x.like();
            INDArray gw = wk.like();
            if (group == 1) {
                exec("deconv2d_bp", new INDArray[] {x, wk, gFull}, new INDArray[] {gx, gw}, iArgs(wk));
            } else {
                long cg = x.size(1) / group;
                long og = w.size(1);
                for (int k = 0; k < group; k++) {
                    INDArrayIndex ci = NDArrayIndex.interval(k * cg, (k + 1) * cg);
                    INDArray xs = x.get(all(), ci, all(), all()).dup();
                    INDArray ws = wk.get(ci, all(), all(), all()).dup();
                    INDArray gs = gFull.get(all(), NDArrayIndex.interval(k * og, (k + 1) * og), all(), all()).dup();
                    INDArray gxs = xs.ulike();
                    INDArray gws = ws.ulike();
                    exec("deconv2d_bp", new INDArray[] {xs, ws, gs}, new INDArray[] {gxs, gws}, iArgs(wk));
                    gx.get(all(), ci, all(), all()).assign(gxs);
                    gw.get(ci, all(), all(), all()).assign(gws);
                    for (INDArray t : new INDArray[] {xs, ws, gs, gxs, gws}) {
                        release(t);
                    }
                }
            }
            release(gFull);
            if (wk != w) {
                INDArray taps = gw.get(taps(w)).dup();
                release(gw);
                release(wk);
                gw = taps;
            }
            res[0] = gx;
            res[1] = gw;
            if (!wanted[0]) {
                release(gx);
                res[0] = null;
            }
            if (!wanted[1]) {
                release(gw);
                res[1] = null;
            }
        }
        if (b != null && wanted[2]) {
            res[2] = BatchNorm.shaped(g.sum(0, 2, 3), b.shape());
        }
        return res;
    }

    @Override
    public String describe() {
        return "stride " + strides[0] + "x" + strides[1]
                + (autoPad == AutoPad.NOTSET ? (OpSupport.isZero(pads) ? "" : " pads " + Arrays.toString(pads)) : " " + autoPad)
                + (dilations[0] * dilations[1] == 1 ? "" : " dilation " + Arrays.toString(dilations))
                + (group == 1 ? "" : " group " + group)
                + (outputPadding[0] == 0 && outputPadding[1] == 0 ? "" : " output padding " + Arrays.toString(outputPadding));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvTranspose c && Arrays.equals(c.strides, strides) && Arrays.equals(c.pads, pads)
                && Arrays.equals(c.dilations, dilations) && c.group == group && Arrays.equals(c.outputPadding, outputPadding)
                && c.autoPad == autoPad;
    }

    @Override
    public int hashCode() {
        return ((Arrays.hashCode(strides) * 31 + Arrays.hashCode(pads)) * 31 + Arrays.hashCode(dilations)) * 31
                + Arrays.hashCode(outputPadding) * 7 + group + autoPad.hashCode();
    }

    @Override
    public String toString() {
        return "ConvTranspose[" + describe() + "]";
    }
}
