package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.OpSupport.release;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2-D max pooling, ONNX {@code MaxPool} (single output, no {@code Indices}) on {@code X [N, C, H, W]}:
 * <pre>  Y[n,c,y,x] = max_{i&lt;kH, j&lt;kW} Xpad[n, c, y·sH + i·dH, x·sW + j·dW]</pre>
 * where {@code Xpad} is X padded with {@code -∞} ({@code pads} begin/end), so padding never wins the max.
 * Output size per axis, with {@code effK = (k-1)·d + 1}:
 * <pre>  floor mode: out = floor((in + padBegin + padEnd - effK) / s) + 1
 *  ceil mode:  out = ceil ((in + padBegin + padEnd - effK) / s) + 1, minus one if the last window would start
 *              at or beyond in + padBegin (inside the end padding), as ONNX and PyTorch do</pre>
 * With {@code SAME_UPPER}/{@code SAME_LOWER} the output is {@code ceil(in / s)} (see {@link AutoPad}), with
 * {@code VALID} {@code floor((in - effK) / s) + 1}; as in the ONNX specification, {@code ceilMode} only
 * affects explicit pads ({@link AutoPad#NOTSET}).
 *
 * <p>Gradient: the output gradient of every window is routed to the window's maximum (accumulated where
 * windows overlap). Ties inside a window go to the first maximal element in row-major window order
 * (libnd4j {@code maxpool2d_bp}).
 *
 * <p>Implementation: whenever padding or ceil mode is involved the input is pre-padded with {@code -∞}
 * (and cropped or extended exactly to the length the windows cover), then libnd4j's unpadded
 * {@code maxpool2d}/{@code maxpool2d_bp} run (iArgs {@code kH, kW, sH, sW, pH, pW, dH, dW, isSame, extra,
 * 0 = NCHW}) without the oneDNN helper ({@link OpSupport#execPooling}; the helper is slow in NCHW and its float32
 * kernel returns wrong maxima when dilated); the gradient is cropped back. Float32 gradients are routed by
 * {@link MaxPoolRouting}.
 *
 * @param kernel    {kH, kW}, required
 * @param strides   {sH, sW}, default {1, 1}
 * @param pads      {top, left, bottom, right} (ONNX order), default zeros; each smaller than the effective
 *                  kernel of its axis (as onnxruntime requires); ignored unless autoPad is NOTSET
 * @param dilations {dH, dW}, default {1, 1}
 * @param ceilMode  whether the output size rounds up (ONNX {@code ceil_mode}), default false
 * @param autoPad   padding mode, default {@link AutoPad#NOTSET}
 */
public record MaxPool(int[] kernel, int[] strides, int[] pads, int[] dilations, boolean ceilMode, AutoPad autoPad) implements Op {

    /** Validates and copies the attributes. */
    public MaxPool {
        kernel = OpSupport.positive("kernel", kernel, 2);
        strides = OpSupport.positive("strides", strides, 2);
        pads = OpSupport.nonNegative("pads", pads, 4);
        dilations = OpSupport.positive("dilations", dilations, 2);
        if (autoPad == null) {
            autoPad = AutoPad.NOTSET;
        }
        for (int i = 0; i < 4; i++) {
            int eff = (kernel[i % 2] - 1) * dilations[i % 2] + 1;
            if (pads[i] >= eff) {
                throw new IllegalArgumentException("MaxPool pads must be smaller than the (dilated) kernel " + eff
                        + ", found pads " + Arrays.toString(pads) + " with kernel " + Arrays.toString(kernel));
            }
        }
    }

    /** A {@code k x k} pooling with stride {@code stride}, no padding (e.g. {@code of(2, 2)}). */
    public static MaxPool of(int k, int stride) {
        return new MaxPool(new int[] {k, k}, new int[] {stride, stride}, new int[4], new int[] {1, 1}, false, AutoPad.NOTSET);
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

    @Override
    public int[] dilations() {
        return dilations.clone();
    }

    /**
     * The resolved geometry of one pooling axis: output length, begin padding and the length {@code len =
     * (out-1)·s + effK} the windows cover in padded coordinates (padded input index {@code i} is input index
     * {@code i - begin}).
     */
    record Axis(long out, long begin, long end, long len) {

        /** Whether the input must be re-laid out (padded or cut) for an unpadded kernel call. */
        boolean reshaped(long in) {
            return begin != 0 || len != in;
        }

        /**
         * Resolves an axis.
         *
         * @param what the operator name, for messages
         */
        static Axis of(String what, INDArray x, int dim, int k, int s, int d, int padBegin, int padEnd, boolean ceil, AutoPad auto) {
            return of(what, x.shape(), dim, k, s, d, padBegin, padEnd, ceil, auto);
        }

        /** Resolves an axis of an input of shape {@code shape}. */
        static Axis of(String what, long[] shape, int dim, int k, int s, int d, int padBegin, int padEnd, boolean ceil, AutoPad auto) {
            long in = shape[dim];
            long[] p = auto.resolve(in, k, s, d, padBegin, padEnd);
            long eff = (long) (k - 1) * d + 1;
            long out = Shapes.window(what, "dimension " + dim + " of input " + Arrays.toString(shape), in, k, s, d, p[0], p[1]);
            long span = in + p[0] + p[1] - eff;
            if (ceil && auto == AutoPad.NOTSET) {
                out = (span + s - 1) / s + 1;
                if ((out - 1) * s >= in + p[0]) {
                    out--;
                }
            }
            return new Axis(out, p[0], p[1], (out - 1) * s + eff);
        }
    }

    /** Checks that every window of an axis holds at least one input element (not only padding). */
    static void requireInputInEveryWindow(String what, Axis a, long in, int k, int s, int d, int dim) {
        // A window starting inside the input holds its first tap there: only those starting in the begin padding
        // (the first ceil(begin / s)) or past the input's end (none with pads below the kernel; checked anyway) can miss.
        long firstInside = Math.min(a.out, (a.begin + s - 1) / s);
        long lastInside = Math.max(firstInside, Math.min(a.out, (in + a.begin + s - 1) / s));
        checkWindows(what, a, in, k, s, d, dim, 0, firstInside);
        checkWindows(what, a, in, k, s, d, dim, lastInside, a.out);
    }

    private static void checkWindows(String what, Axis a, long in, int k, int s, int d, int dim, long from, long to) {
        for (long o = from; o < to; o++) {
            long start = o * s - a.begin;
            boolean hit = false;
            for (int i = 0; i < k && !hit; i++) {
                long pos = start + (long) i * d;
                hit = pos >= 0 && pos < in;
            }
            if (!hit) {
                throw new IllegalArgumentException(what + " window " + o + " along dimension " + dim + " covers only padding"
                        + " (input size " + in + ", kernel " + k + ", stride " + s + ", dilation " + d + ")");
            }
        }
    }

    private Axis[] plan(INDArray x) {
        OpSupport.requireRank("MaxPool input X", x, 4);
        Axis h = Axis.of("MaxPool", x, 2, kernel[0], strides[0], dilations[0], pads[0], pads[2], ceilMode, autoPad);
        Axis w = Axis.of("MaxPool", x, 3, kernel[1], strides[1], dilations[1], pads[1], pads[3], ceilMode, autoPad);
        requireInputInEveryWindow("MaxPool", h, x.size(2), kernel[0], strides[0], dilations[0], 2);
        requireInputInEveryWindow("MaxPool", w, x.size(3), kernel[1], strides[1], dilations[1], 3);
        return new Axis[] {h, w};
    }

    /**
     * The resolved window geometry for an NCHW input of shape {@code shape}, for engines that run the pooling
     * themselves: {@code {outH, outW, top, left, bottom, right}}, where bottom and right are how far the last
     * window reaches past the input (negative when the windows stop short of its end, e.g. with stride > kernel).
     *
     * @throws IllegalArgumentException when the kernel does not fit or a window covers only padding
     */
    public long[] geometry(long[] shape) {
        if (shape.length != 4) {
            throw new IllegalArgumentException("MaxPool input must be 4-D, found shape " + Arrays.toString(shape));
        }
        Axis h = Axis.of("MaxPool", shape, 2, kernel[0], strides[0], dilations[0], pads[0], pads[2], ceilMode, autoPad);
        Axis w = Axis.of("MaxPool", shape, 3, kernel[1], strides[1], dilations[1], pads[1], pads[3], ceilMode, autoPad);
        requireInputInEveryWindow("MaxPool", h, shape[2], kernel[0], strides[0], dilations[0], 2);
        requireInputInEveryWindow("MaxPool", w, shape[3], kernel[1], strides[1], dilations[1], 3);
        return new long[] {h.out(), w.out(), h.begin(), w.begin(), h.len() - h.begin() - shape[2], w.len() - w.begin() - shape[3]};
    }

    /**
     * {@inheritDoc}
     *
     * <p>Input {@code X [N, C, H, W]}, output {@code [N, C, outH, outW]} as in the class description; checks that
     * the kernel fits the padded input and that no window covers only padding.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("MaxPool", in, 1, 1);
        Shapes.rank("MaxPool input X", in[0], 4);
        long[] g = geometry(in[0]);
        return Shapes.output("MaxPool", new long[] {in[0][0], in[0][1], g[0], g[1]});
    }

    private long[] iArgs() {
        return new long[] {kernel[0], kernel[1], strides[0], strides[1], 0, 0, dilations[0], dilations[1], 0, 0, 0};
    }

    private static INDArray prePad(INDArray x, Axis[] p, double fill) {
        if (!p[0].reshaped(x.size(2)) && !p[1].reshaped(x.size(3))) {
            return x;
        }
        return Pad.windowSpatial(x, -p[0].begin, -p[1].begin, p[0].len, p[1].len, fill);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        INDArray x = in[0];
        Axis[] p = plan(x);
        INDArray xp = prePad(x, p, Double.NEGATIVE_INFINITY);
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.size(0), x.size(1), p[0].out, p[1].out);
        try {
            OpSupport.execPooling("maxpool2d", new INDArray[] {xp}, new INDArray[] {y}, iArgs());
            return y;
        } finally {
            if (xp != x) {
                release(xp);
            }
        }
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray x = in[0];
        Axis[] p = plan(x);
        INDArray xp = prePad(x, p, Double.NEGATIVE_INFINITY);
        boolean java = MaxPoolRouting.applies(xp, g);
        INDArray gp = java ? xp.ulike() : xp.like();
        try {
            if (java) {
                MaxPoolRouting.backward(xp, output, g, gp, kernel, strides, dilations);
            } else {
                OpSupport.execPooling("maxpool2d_bp", new INDArray[] {xp, g}, new INDArray[] {gp}, iArgs());
            }
        } finally {
            if (xp != x) {
                release(xp);
            }
        }
        if (xp == x) {
            return new INDArray[] {gp};
        }
        INDArray gx = Pad.windowSpatial(gp, p[0].begin, p[1].begin, x.size(2), x.size(3), 0);
        release(gp);
        return new INDArray[] {gx};
    }

    @Override
    public String describe() {
        return kernel[0] + "x" + kernel[1] + " stride " + strides[0] + "x" + strides[1]
                + (autoPad == AutoPad.NOTSET ? (OpSupport.isZero(pads) ? "" : " pads " + Arrays.toString(pads)) : " " + autoPad)
                + (dilations[0] * dilations[1] == 1 ? "" : " dilation " + Arrays.toString(dilations))
                + (ceilMode ? " ceil" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaxPool m && Arrays.equals(m.kernel, kernel) && Arrays.equals(m.strides, strides)
                && Arrays.equals(m.pads, pads) && Arrays.equals(m.dilations, dilations) && m.ceilMode == ceilMode
                && m.autoPad == autoPad;
    }

    @Override
    public int hashCode() {
        return ((Arrays.hashCode(kernel) * 31 + Arrays.hashCode(strides)) * 31 + Arrays.hashCode(pads)) * 31
                + Arrays.hashCode(dilations) * 7 + (ceilMode ? 1 : 0) + autoPad.hashCode();
    }

    @Override
    public String toString() {
        return "MaxPool[" + describe() + "]";
    }
}
