package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.OpSupport.release;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Padding, ONNX {@code Pad} (opset 2-18, without the {@code axes} input): pads every dimension of the input.
 * With {@code b_i}/{@code e_i} the begin/end pads of dimension {@code i}, the output has
 * {@code out_i = in_i + b_i + e_i} and
 * <pre>  Y[o] = X[src(o - b)]</pre>
 * per dimension, where for an index {@code s} outside {@code [0, n)}:
 * <ul>
 *   <li>{@link PadMode#CONSTANT}: {@code Y = value};</li>
 *   <li>{@link PadMode#REFLECT}: {@code src(s) = -s} for {@code s < 0} and {@code 2(n-1) - s} for {@code s >= n}
 *       (numpy {@code 'reflect'}, the edge is not repeated); requires {@code b_i, e_i <= n_i - 1};</li>
 *   <li>{@link PadMode#EDGE}: {@code src(s) = clamp(s, 0, n-1)}.</li>
 * </ul>
 * Negative pads crop (ONNX semantics), in {@link PadMode#CONSTANT} mode only; REFLECT and EDGE reject them.
 *
 * <p>Gradient: for CONSTANT the output gradient cropped back to the input (zero where an input element was
 * cropped away); for REFLECT/EDGE, in addition, the gradient of every border element is added to the input
 * element it copies (exact scatter-add, dimension by dimension).
 *
 * @param pads  ONNX order {@code [x1_begin, x2_begin, ..., x1_end, x2_end, ...]}, two per input dimension
 *              (for NCHW: {@code [0, 0, top, left, 0, 0, bottom, right]})
 * @param mode  the padding mode, default {@link PadMode#CONSTANT}
 * @param value the constant for {@link PadMode#CONSTANT}, default 0; ignored otherwise
 */
public record Pad(int[] pads, PadMode mode, double value) implements Op {

    /** Validates and copies the attributes. */
    public Pad {
        if (pads == null || pads.length == 0 || pads.length % 2 != 0) {
            throw new IllegalArgumentException("pads must have an even, non-zero number of values (begin and end for every dimension), found "
                    + Arrays.toString(pads));
        }
        pads = pads.clone();
        if (mode == null) {
            mode = PadMode.CONSTANT;
        }
        if (mode != PadMode.CONSTANT) {
            for (int p : pads) {
                if (p < 0) {
                    throw new IllegalArgumentException("negative pads (cropping) are only supported in CONSTANT mode, found "
                            + Arrays.toString(pads) + " with mode " + mode);
                }
            }
        }
    }

    /** Constant padding of the two spatial dimensions of an NCHW tensor, {@code {top, left, bottom, right}}. */
    public static Pad spatial(int top, int left, int bottom, int right, PadMode mode, double value) {
        return new Pad(new int[] {0, 0, top, left, 0, 0, bottom, right}, mode, value);
    }

    @Override
    public int[] pads() {
        return pads.clone();
    }

    private long[] outShape(INDArray x) {
        return outShape(x.shape());
    }

    private long[] outShape(long[] x) {
        int r = x.length;
        if (pads.length != 2 * r) {
            throw new IllegalArgumentException("Pad has " + pads.length + " pads, which needs an input of rank " + pads.length / 2
                    + ", found shape " + Arrays.toString(x));
        }
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long n = x[i];
            out[i] = Math.addExact(n, (long) pads[i] + pads[i + r]);
            if (out[i] < 1) {
                throw new IllegalArgumentException("Pad pads " + Arrays.toString(pads) + " leave nothing of dimension " + i
                        + " of input " + Arrays.toString(x));
            }
            if (mode == PadMode.REFLECT && (pads[i] > n - 1 || pads[i + r] > n - 1)) {
                throw new IllegalArgumentException("REFLECT padding of dimension " + i + " (size " + n + ") needs pads of at most "
                        + (n - 1) + ", found " + Arrays.toString(pads));
            }
        }
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Input of rank {@code pads.length / 2}; output {@code in_i + b_i + e_i} per dimension, each at least 1
     * (negative pads crop, but may not crop a dimension away); REFLECT pads are at most {@code in_i - 1}.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Pad", in, 1, 1);
        return Shapes.output("Pad", outShape(in[0]));
    }

    @Override
    public INDArray forward(INDArray[] in) {
        INDArray x = in[0];
        long[] out = outShape(x);
        int r = x.rank();
        long[] offsets = new long[r];
        for (int i = 0; i < r; i++) {
            offsets[i] = -pads[i];
        }
        INDArray y = window(x, offsets, out, mode == PadMode.CONSTANT ? value : 0);
        if (mode != PadMode.CONSTANT) {
            for (int axis = 0; axis < r; axis++) {
                long n = x.size(axis);
                for (long o = 0; o < out[axis]; o++) {
                    long s = o - pads[axis];
                    if (s >= 0 && s < n) {
                        continue;
                    }
                    // The interior along this axis is filled (and earlier axes are already padded), so copy the source slice.
                    INDArray dst = slice(y, axis, o);
                    dst.assign(slice(y, axis, pads[axis] + source(s, n)));
                }
            }
        }
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray x = in[0];
        long[] out = outShape(x);
        int r = x.rank();
        if (mode == PadMode.CONSTANT) {
            long[] offsets = new long[r];
            for (int i = 0; i < r; i++) {
                offsets[i] = pads[i];
            }
            return new INDArray[] {window(g, offsets, x.shape(), 0)};
        }
        // Undo the axes in reverse order: fold the border gradient onto its sources, then crop the axis.
        INDArray cur = g.dup('c');
        long[] shape = out.clone();
        for (int axis = r - 1; axis >= 0; axis--) {
            long n = x.size(axis);
            for (long o = 0; o < shape[axis]; o++) {
                long s = o - pads[axis];
                if (s < 0 || s >= n) {
                    slice(cur, axis, pads[axis] + source(s, n)).addi(slice(cur, axis, o));
                }
            }
            long[] offsets = new long[r];
            offsets[axis] = pads[axis];
            shape[axis] = n;
            INDArray next = window(cur, offsets, shape, 0);
            release(cur);
            cur = next;
        }
        return new INDArray[] {cur};
    }

    private long source(long s, long n) {
        if (mode == PadMode.EDGE) {
            return Math.max(0, Math.min(n - 1, s));
        }
        return s < 0 ? -s : 2 * (n - 1) - s;
    }

    private static INDArray slice(INDArray a, int axis, long i) {
        INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
        for (int d = 0; d < idx.length; d++) {
            idx[d] = d == axis ? NDArrayIndex.interval(i, i + 1) : NDArrayIndex.all();
        }
        return a.get(idx);
    }

    /**
     * A shifted window of {@code x}: a fresh array of shape {@code shape} with
     * {@code out[o] = x[o + offsets]} where that index lies inside {@code x}, and {@code fill} elsewhere.
     * Negative offsets pad at the beginning, positive ones crop. Its adjoint (for gradients) is the window
     * with the opposite offsets and {@code x}'s shape, filled with 0.
     */
    static INDArray window(INDArray x, long[] offsets, long[] shape, double fill) {
        INDArray out = fill == 0 ? Nd4j.zeros(x.dataType(), shape) : Nd4j.valueArrayOf(shape, fill, x.dataType());
        int r = x.rank();
        INDArrayIndex[] src = new INDArrayIndex[r];
        INDArrayIndex[] dst = new INDArrayIndex[r];
        for (int d = 0; d < r; d++) {
            long lo = Math.max(0, offsets[d]);
            long hi = Math.min(x.size(d), offsets[d] + shape[d]);
            if (hi <= lo) {
                return out;
            }
            src[d] = NDArrayIndex.interval(lo, hi);
            dst[d] = NDArrayIndex.interval(lo - offsets[d], hi - offsets[d]);
        }
        out.get(dst).assign(x.get(src));
        return out;
    }

    /** {@link #window} of the two spatial dimensions of an NCHW array. */
    static INDArray windowSpatial(INDArray x, long offH, long offW, long h, long w, double fill) {
        return window(x, new long[] {0, 0, offH, offW}, new long[] {x.size(0), x.size(1), h, w}, fill);
    }

    @Override
    public String describe() {
        return mode + " pads " + Arrays.toString(pads) + (mode == PadMode.CONSTANT && value != 0 ? " value " + value : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pad p && Arrays.equals(p.pads, pads) && p.mode == mode
                && Double.doubleToLongBits(p.value) == Double.doubleToLongBits(value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pads) * 31 + mode.hashCode() * 17 + Double.hashCode(value);
    }

    @Override
    public String toString() {
        return "Pad[" + describe() + "]";
    }
}
