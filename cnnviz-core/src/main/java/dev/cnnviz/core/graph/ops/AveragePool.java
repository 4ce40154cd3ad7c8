package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.OpSupport.release;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2-D average pooling, ONNX {@code AveragePool} (without the opset-19 {@code dilations}) on
 * {@code X [N, C, H, W]}:
 * <pre>  Y[n,c,y,x] = (1 / count[y,x]) · Σ_{i&lt;kH, j&lt;kW} Xpad[n, c, y·sH + i, x·sW + j]</pre>
 * with {@code Xpad} the zero-padded input. The divisor {@code count = countH[y] · countW[x]} counts, per axis,
 * the window elements that lie
 * <ul>
 *   <li>inside the input, when {@code countIncludePad} is false (ONNX default {@code count_include_pad = 0});</li>
 *   <li>inside the explicitly padded input {@code [-padBegin, in + padEnd)}, when true — so the extra cells
 *       a ceil-mode window hangs past the end padding are never counted (onnxruntime and PyTorch
 *       semantics).</li>
 * </ul>
 * Output size as in {@link MaxPool} (floor or ceil mode, the last ceil window must start inside the input or
 * the begin padding; {@code SAME_*} gives {@code ceil(in / s)}).
 *
 * <p>Gradient: {@code dX = crop(avgpool_bp(dY / count))}, every window spreading {@code dY / count} evenly
 * over its cells; exact for asymmetric pads, ceil mode and both count modes.
 *
 * <p>Implementation: the input is zero-padded exactly to the extent the windows cover, libnd4j's unpadded
 * {@code avgpool2d}/{@code avgpool2d_bp} give the window sums divided by {@code kH·kW}, which are then
 * rescaled by {@code kH·kW / count}. (For reference, libnd4j's own {@code extraParam0} is 0 = exclude padding
 * from the divisor, 1 = include it.)
 *
 * @param kernel          {kH, kW}, required
 * @param strides         {sH, sW}, default {1, 1}
 * @param pads            {top, left, bottom, right} (ONNX order), default zeros; each smaller than the kernel
 *                        of its axis; ignored unless autoPad is NOTSET
 * @param ceilMode        whether the output size rounds up, default false
 * @param countIncludePad whether padding counts in the divisor (ONNX {@code count_include_pad}), default false
 * @param autoPad         padding mode, default {@link AutoPad#NOTSET}
 */
public record AveragePool(int[] kernel, int[] strides, int[] pads, boolean ceilMode, boolean countIncludePad, AutoPad autoPad)
        implements Op {

    /** Validates and copies the attributes. */
    public AveragePool {
        kernel = OpSupport.positive("kernel", kernel, 2);
        strides = OpSupport.positive("strides", strides, 2);
        pads = OpSupport.nonNegative("pads", pads, 4);
        if (autoPad == null) {
            autoPad = AutoPad.NOTSET;
        }
        for (int i = 0; i < 4; i++) {
            if (pads[i] >= kernel[i % 2]) {
                throw new IllegalArgumentException("AveragePool pads must be smaller than the kernel, found pads "
                        + Arrays.toString(pads) + " with kernel " + Arrays.toString(kernel));
            }
        }
    }

    /** A {@code k x k} pooling with stride {@code stride}, no padding. */
    public static AveragePool of(int k, int stride) {
        return new AveragePool(new int[] {k, k}, new int[] {stride, stride}, new int[4], false, false, AutoPad.NOTSET);
    }

    @Override
    public int[] kernel() {
        return kernel.clone();
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    @Override
    public int[] pads() {
        return pads.clone();
    }

    private MaxPool.Axis[] plan(INDArray x) {
        OpSupport.requireRank("AveragePool input X", x, 4);
        MaxPool.Axis h = MaxPool.Axis.of("AveragePool", x, 2, kernel[0], strides[0], 1, pads[0], pads[2], ceilMode, autoPad);
        MaxPool.Axis w = MaxPool.Axis.of("AveragePool", x, 3, kernel[1], strides[1], 1, pads[1], pads[3], ceilMode, autoPad);
        MaxPool.requireInputInEveryWindow("AveragePool", h, x.size(2), kernel[0], strides[0], 1, 2);
        MaxPool.requireInputInEveryWindow("AveragePool", w, x.size(3), kernel[1], strides[1], 1, 3);
        return new MaxPool.Axis[] {h, w};
    }

    /**
     * {@inheritDoc}
     *
     * <p>Input {@code X [N, C, H, W]}, output {@code [N, C, outH, outW]} as in {@link MaxPool}; checks that the
     * kernel fits the padded input and that no window covers only padding.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("AveragePool", in, 1, 1);
        long[] x = in[0];
        Shapes.rank("AveragePool input X", x, 4);
        MaxPool.Axis h = MaxPool.Axis.of("AveragePool", x, 2, kernel[0], strides[0], 1, pads[0], pads[2], ceilMode, autoPad);
        MaxPool.Axis w = MaxPool.Axis.of("AveragePool", x, 3, kernel[1], strides[1], 1, pads[1], pads[3], ceilMode, autoPad);
        MaxPool.requireInputInEveryWindow("AveragePool", h, x[2], kernel[0], strides[0], 1, 2);
        MaxPool.requireInputInEveryWindow("AveragePool", w, x[3], kernel[1], strides[1], 1, 3);
        return Shapes.output("AveragePool", new long[] {x[0], x[1], h.out(), w.out()});
    }

    /** Divisor per output position along one axis. */
    private long[] counts(MaxPool.Axis a, long in, int k, int s) {
        long[] c = new long[(int) a.out()];
        for (int o = 0; o < c.length; o++) {
            long start = (long) o * s - a.begin();
            long lo = countIncludePad ? -a.begin() : 0;
            long hi = countIncludePad ? in + a.end() : in;
            c[o] = Math.min(start + k, hi) - Math.max(start, lo);
        }
        return c;
    }

    /** The factor {@code kH·kW / count} per output position, or null when it is 1 everywhere. */
    private INDArray rescale(INDArray x, MaxPool.Axis[] p) {
        long[] ch = counts(p[0], x.size(2), kernel[0], strides[0]);
        long[] cw = counts(p[1], x.size(3), kernel[1], strides[1]);
        double full = (double) kernel[0] * kernel[1];
        double[] f = new double[ch.length * cw.length];
        boolean trivial = true;
        for (int i = 0; i < ch.length; i++) {
            for (int j = 0; j < cw.length; j++) {
                double v = full / (ch[i] * cw[j]);
                f[i * cw.length + j] = v;
                trivial &= v == 1;
            }
        }
        return trivial ? null : Nd4j.create(f, new long[] {ch.length, cw.length}, x.dataType());
    }

    private long[] iArgs() {
        // extraParam0 = 1: divide by kH·kW (there is no padding inside the kernel call).
        return new long[] {kernel[0], kernel[1], strides[0], strides[1], 0, 0, 1, 1, 0, 1, 0};
    }

    private static INDArray prePad(INDArray x, MaxPool.Axis[] p) {
        if (!p[0].reshaped(x.size(2)) && !p[1].reshaped(x.size(3))) {
            return x;
        }
        return Pad.windowSpatial(x, -p[0].begin(), -p[1].begin(), p[0].len(), p[1].len(), 0);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        INDArray x = in[0];
        MaxPool.Axis[] p = plan(x);
        INDArray xp = prePad(x, p);
        INDArray f = rescale(x, p);
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.size(0), x.size(1), p[0].out(), p[1].out());
        try {
            OpSupport.execPooling("avgpool2d", new INDArray[] {xp}, new INDArray[] {y}, iArgs());
            if (f != null) {
                Broadcast.mul(y, f, y, 2, 3);
            }
        } finally {
            if (xp != x) {
                release(xp);
            }
            release(f);
        }
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray x = in[0];
        MaxPool.Axis[] p = plan(x);
        INDArray xp = prePad(x, p);
        INDArray f = rescale(x, p);
        INDArray gs = g;
        if (f != null) {
            gs = g.ulike();
            Broadcast.mul(g, f, gs, 2, 3);
        }
        INDArray gp = xp.like();
        try {
            OpSupport.execPooling("avgpool2d_bp", new INDArray[] {xp, gs}, new INDArray[] {gp}, iArgs());
        } finally {
            if (xp != x) {
                release(xp);
            }
            if (gs != g) {
                release(gs);
            }
            release(f);
        }
        if (xp == x) {
            return new INDArray[] {gp};
        }
        INDArray gx = Pad.windowSpatial(gp, p[0].begin(), p[1].begin(), x.size(2), x.size(3), 0);
        release(gp);
        return new INDArray[] {gx};
    }

    @Override
    public String describe() {
        return kernel[0] + "x" + kernel[1] + " stride " + strides[0] + "x" + strides[1]
                + (autoPad == AutoPad.NOTSET ? (OpSupport.isZero(pads) ? "" : " pads " + Arrays.toString(pads)) : " " + autoPad)
                + (ceilMode ? " ceil" : "") + (countIncludePad ? " count pads" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AveragePool a && Arrays.equals(a.kernel, kernel) && Arrays.equals(a.strides, strides)
                && Arrays.equals(a.pads, pads) && a.ceilMode == ceilMode && a.countIncludePad == countIncludePad
                && a.autoPad == autoPad;
    }

    @Override
    public int hashCode() {
        return ((Arrays.hashCode(kernel) * 31 + Arrays.hashCode(strides)) * 31 + Arrays.hashCode(pads)) * 31
                + (ceilMode ? 2 : 0) + (countIncludePad ? 1 : 0) + autoPad.hashCode();
    }

    @Override
    public String toString() {
        return "AveragePool[" + describe() + "]";
    }
}
