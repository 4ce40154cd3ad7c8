package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.OpSupport.release;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Spatial resizing of {@code X [N, C, H, W]}, ONNX {@code Resize} (opset 11+, modes {@code nearest} and
 * {@code linear}, no {@code roi}) and {@code Upsample} (opset 7-9) on the two spatial dimensions.
 *
 * <p>Output size per axis: {@code outH} when positive, else {@code floor(H · scaleH)} (same for W). The
 * input coordinate sampled for output index {@code o} follows {@link CoordinateTransform}, using the given
 * scale, or {@code out / in} when the size is given. Interpolation, per axis:
 * <ul>
 *   <li>{@link Interpolation#NEAREST}: the coordinate rounded per {@link NearestMode}, clamped to
 *       {@code [0, in - 1]};</li>
 *   <li>{@link Interpolation#LINEAR}: the coordinate clamped to {@code [0, in - 1]}, weights
 *       {@code 1 - r} and {@code r} on {@code floor} and {@code floor + 1} (as onnxruntime and PyTorch
 *       clamp at the borders).</li>
 * </ul>
 * Both are linear maps per axis, so with the interpolation matrices {@code A_h [outH, H]} and
 * {@code A_w [outW, W]} (one-hot rows for nearest, two weights for linear) the operator is exactly
 * <pre>  Y[n,c] = A_h · X[n,c] · A_wᵀ          dX[n,c] = A_hᵀ · dY[n,c] · A_w</pre>
 * computed with matrix products over all {@code (n, c)} at once. Coordinates are computed in double
 * precision (onnxruntime uses float, which can round a nearest-neighbour coordinate that lies exactly halfway
 * differently for unusual scales). For nearest mode the gradient is that of the piecewise-constant selection
 * (exact almost everywhere).
 *
 * @param interpolation nearest or linear, ONNX default {@link Interpolation#NEAREST}
 * @param scaleH        height factor, used when {@code outH} is 0; must be positive then
 * @param scaleW        width factor, used when {@code outW} is 0; must be positive then
 * @param outH          output height, or 0 to use {@code scaleH}
 * @param outW          output width, or 0 to use {@code scaleW}
 * @param transform     the coordinate transformation, ONNX default {@link CoordinateTransform#HALF_PIXEL}
 * @param nearestMode   rounding for nearest mode, ONNX default {@link NearestMode#ROUND_PREFER_FLOOR}
 */
public record Resize(Interpolation interpolation, double scaleH, double scaleW, int outH, int outW, CoordinateTransform transform,
        NearestMode nearestMode) implements Op {

    /** Validates the attributes; null enums take the ONNX defaults. */
    public Resize {
        if (interpolation == null) {
            interpolation = Interpolation.NEAREST;
        }
        if (transform == null) {
            transform = CoordinateTransform.HALF_PIXEL;
        }
        if (nearestMode == null) {
            nearestMode = NearestMode.ROUND_PREFER_FLOOR;
        }
        checkAxis("H", scaleH, outH);
        checkAxis("W", scaleW, outW);
    }

    private static void checkAxis(String axis, double scale, int out) {
        if (out < 0) {
            throw new IllegalArgumentException("Resize out" + axis + " must not be negative, found " + out);
        }
        if (Double.isNaN(scale) || Double.isInfinite(scale) || scale < 0) {
            throw new IllegalArgumentException("Resize scale" + axis + " must be a finite non-negative number, found " + scale);
        }
        if (out == 0 && scale == 0) {
            throw new IllegalArgumentException("Resize needs out" + axis + " > 0 or scale" + axis + " > 0, found out" + axis + " = 0 and scale"
                    + axis + " = " + scale);
        }
    }

    /**
     * Nearest-neighbour upsampling by an integer factor with ONNX {@code Upsample} (opset 7-9) semantics:
     * {@link CoordinateTransform#ASYMMETRIC} with {@link NearestMode#FLOOR}, i.e. every pixel repeated
     * {@code factor x factor} times.
     */
    public static Resize upsampleNearest(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("upsampling factor must be at least 1, found " + factor);
        }
        return new Resize(Interpolation.NEAREST, factor, factor, 0, 0, CoordinateTransform.ASYMMETRIC, NearestMode.FLOOR);
    }

    /** Bilinear resizing to a fixed size with half-pixel centres (PyTorch {@code align_corners=False}). */
    public static Resize bilinear(int outH, int outW) {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("bilinear output size must be positive, found " + outH + "x" + outW);
        }
        return new Resize(Interpolation.LINEAR, 0, 0, outH, outW, CoordinateTransform.HALF_PIXEL, NearestMode.ROUND_PREFER_FLOOR);
    }

    /** The largest interpolation matrix (entries) one axis may need: the largest Java array. */
    static final long MAX_MATRIX = Integer.MAX_VALUE - 8;

    /**
     * Output length of an axis.
     *
     * @throws IllegalArgumentException when it is empty, or when the axis' interpolation matrix {@code [out, in]}
     *                                  would not fit a Java array
     */
    private static long outLength(String axis, long in, double scale, int out, long[] x) {
        long n = out > 0 ? out : (long) Math.floor(in * scale);
        if (n < 1) {
            throw new IllegalArgumentException("Resize scale" + axis + " " + scale + " gives an empty output for input "
                    + Arrays.toString(x));
        }
        if (n > MAX_MATRIX || in > MAX_MATRIX || n * in > MAX_MATRIX) {
            throw new IllegalArgumentException("Resize " + (out > 0 ? "out" + axis + " " + out : "scale" + axis + " " + scale)
                    + " on input " + Arrays.toString(x) + " needs an interpolation matrix of " + n + " x " + in
                    + " entries, more than the " + MAX_MATRIX + " one array can hold");
        }
        return n;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Input {@code X [N, C, H, W]}, output {@code [N, C, outH, outW]} with each size given or
     * {@code floor(in · scale)}; checks that neither is empty and that the interpolation matrices fit an array.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Resize", in, 1, 1);
        long[] x = in[0];
        Shapes.rank("Resize input X", x, 4);
        return Shapes.output("Resize", new long[] {x[0], x[1], outLength("H", x[2], scaleH, outH, x), outLength("W", x[3], scaleW, outW, x)});
    }

    /** The input coordinate sampled for output index {@code o} of an axis, per the coordinate transformation. */
    private double coordinate(int o, int in, int out, double givenScale, int givenOut) {
        double scale = givenOut > 0 ? (double) out / in : givenScale;
        return switch (transform) {
            case HALF_PIXEL -> (o + 0.5) / scale - 0.5;
            case PYTORCH_HALF_PIXEL -> out > 1 ? (o + 0.5) / scale - 0.5 : 0;
            case ALIGN_CORNERS -> out == 1 ? 0 : o * (double) (in - 1) / (out - 1);
            case ASYMMETRIC -> o / scale;
        };
    }

    /** The input index nearest-neighbour mode reads for output index {@code o}: rounded per the mode, clamped. */
    private int nearestIndex(int o, int in, int out, double givenScale, int givenOut) {
        double x = coordinate(o, in, out, givenScale, givenOut);
        double r = switch (nearestMode) {
            case ROUND_PREFER_FLOOR -> Math.ceil(x - 0.5);
            case ROUND_PREFER_CEIL -> Math.floor(x + 0.5);
            case FLOOR -> Math.floor(x);
            case CEIL -> Math.ceil(x);
        };
        return (int) Math.max(0, Math.min(in - 1, r));
    }

    /** The interpolation matrix {@code [out, in]} of one axis, as a row-major array. */
    double[] matrix(int in, int out, double givenScale, int givenOut) {
        double[] a = new double[out * in];
        for (int o = 0; o < out; o++) {
            if (interpolation == Interpolation.NEAREST) {
                a[o * in + nearestIndex(o, in, out, givenScale, givenOut)] = 1;
            } else {
                double x = coordinate(o, in, out, givenScale, givenOut);
                double xc = Math.max(0, Math.min(in - 1, x));
                int i0 = (int) Math.floor(xc);
                int i1 = Math.min(i0 + 1, in - 1);
                double r = xc - i0;
                a[o * in + i0] += 1 - r;
                a[o * in + i1] += r;
            }
        }
        return a;
    }

    /**
     * Whether this resize, on an input of shape {@code x}, is nearest-neighbour upsampling by whole factors (what the
     * oneDNN plan runs as resampling): {@code out = in · s} on both axes with integer {@code s ≥ 1}, and every output
     * pixel {@code (o, p)} reads input pixel {@code (⌊o / sH⌋, ⌊p / sW⌋)} under this operator's own coordinate
     * transformation and rounding (true of {@link #upsampleNearest} and of ONNX's default half-pixel,
     * round-prefer-floor nearest resize by an integer factor, among others).
     *
     * @param x the input shape
     * @return {@code {sH, sW}}, or null when it is not such an upsampling (or the shape is not a valid 4-D input)
     */
    public int[] integerNearestFactors(long[] x) {
        if (interpolation != Interpolation.NEAREST || x == null || x.length != 4) {
            return null;
        }
        long[] y;
        try {
            y = outputShape(new long[][] {x});
        } catch (IllegalArgumentException e) {
            return null;
        }
        int[] factors = new int[2];
        for (int axis = 0; axis < 2; axis++) {
            long in = x[2 + axis];
            long out = y[2 + axis];
            if (out % in != 0) {
                return null;
            }
            int s = Math.toIntExact(out / in);
            double givenScale = axis == 0 ? scaleH : scaleW;
            int givenOut = axis == 0 ? outH : outW;
            for (int o = 0; o < out; o++) {
                if (nearestIndex(o, (int) in, (int) out, givenScale, givenOut) != o / s) {
                    return null;
                }
            }
            factors[axis] = s;
        }
        return factors;
    }

    /** {@code A_h} and {@code A_w} for an input, in its data type. */
    private INDArray[] matrices(INDArray x) {
        OpSupport.requireRank("Resize input X", x, 4);
        // outLength bounds both sizes and their product by the largest array before the int conversions
        int oh = Math.toIntExact(outLength("H", x.size(2), scaleH, outH, x.shape()));
        int ow = Math.toIntExact(outLength("W", x.size(3), scaleW, outW, x.shape()));
        int h = Math.toIntExact(x.size(2));
        int w = Math.toIntExact(x.size(3));
        return new INDArray[] {
            Nd4j.create(matrix(h, oh, scaleH, outH), new long[] {oh, h}, x.dataType()),
            Nd4j.create(matrix(w, ow, scaleW, outW), new long[] {ow, w}, x.dataType())
        };
    }

    /** {@code P · X[n,c] · Qᵀ} for every {@code (n, c)}, with {@code P [p, h]}, {@code Q [q, w]}; fresh. */
    private static INDArray apply(INDArray x, INDArray pm, INDArray qm) {
        long n = x.size(0);
        long c = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        long p = pm.size(0);
        long q = qm.size(0);
        long nc = n * c;
        INDArray xc = x.ordering() == 'c' && !x.isView() ? x : x.dup('c');
        INDArray t = xc.reshape(nc * h, w).mmul(qm.transpose());               // [nc·h, q]
        if (xc != x) {
            release(xc);
        }
        INDArray tp = t.reshape(nc, h, q).permute(1, 0, 2).dup('c');          // [h, nc, q]
        release(t);
        INDArray u = pm.mmul(tp.reshape(h, nc * q));                          // [p, nc·q]
        release(tp);
        INDArray y = Nd4j.createUninitialized(x.dataType(), n, c, p, q);
        y.reshape(nc, p, q).assign(u.reshape(p, nc, q).permute(1, 0, 2));
        release(u);
        return y;
    }

    @Override
    public INDArray forward(INDArray[] in) {
        INDArray[] a = matrices(in[0]);
        INDArray y = apply(in[0], a[0], a[1]);
        release(a[0]);
        release(a[1]);
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray[] a = matrices(in[0]);
        if (g.size(2) != a[0].size(0) || g.size(3) != a[1].size(0)) {
            throw new IllegalArgumentException("Resize output gradient " + Arrays.toString(g.shape()) + " does not match output size "
                    + a[0].size(0) + "x" + a[1].size(0));
        }
        INDArray ah = a[0].transpose().dup('c');
        INDArray aw = a[1].transpose().dup('c');
        INDArray gx = apply(g, ah, aw);
        for (INDArray t : new INDArray[] {a[0], a[1], ah, aw}) {
            release(t);
        }
        return new INDArray[] {gx};
    }

    @Override
    public String describe() {
        String size = (outH > 0 ? "H " + outH : "H x" + scaleH) + ", " + (outW > 0 ? "W " + outW : "W x" + scaleW);
        return interpolation + " " + size + " " + transform + (interpolation == Interpolation.NEAREST ? " " + nearestMode : "");
    }

    @Override
    public String toString() {
        return "Resize[" + describe() + "]";
    }
}
