package dev.cnnviz.dl4j.onnx;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A constant value known at import time (an initializer, a {@code Constant} node, or the result of folding a
 * shape computation), held in plain Java arrays: floating point values as {@code float[]}, all integer and
 * boolean types as {@code long[]}. Row-major ("c" order). Immutable by convention.
 *
 * <p>{@link #BATCH} stands for the (symbolic) batch size in folded shape vectors: {@code Shape} of an activation
 * gives it as its first element so that a later {@code Reshape} can keep the batch dimension.
 */
final class OnnxTensor {
    /** Stands for "the batch size" in folded shape vectors. */
    static final long BATCH = Long.MIN_VALUE + 1;

    private final long[] dims;
    private final float[] f;
    private final long[] l;

    private OnnxTensor(long[] dims, float[] f, long[] l) {
        this.dims = dims;
        this.f = f;
        this.l = l;
        long n = count(dims);
        long len = f != null ? f.length : l.length;
        if (n != len) {
            throw new IllegalArgumentException("a tensor of shape " + Arrays.toString(dims) + " needs " + n
                    + " values, found " + len);
        }
    }

    static OnnxTensor ofFloats(long[] dims, float[] values) {
        return new OnnxTensor(dims.clone(), values, null);
    }

    static OnnxTensor ofLongs(long[] dims, long[] values) {
        return new OnnxTensor(dims.clone(), null, values);
    }

    static OnnxTensor scalar(float v) {
        return new OnnxTensor(new long[0], new float[] {v}, null);
    }

    static OnnxTensor vector(long... values) {
        return new OnnxTensor(new long[] {values.length}, null, values.clone());
    }

    /** @return the product of the dimensions (1 for a scalar). */
    static long count(long[] dims) {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    long[] dims() {
        return dims.clone();
    }

    int rank() {
        return dims.length;
    }

    int length() {
        return f != null ? f.length : l.length;
    }

    boolean isFloat() {
        return f != null;
    }

    boolean isEmpty() {
        return length() == 0;
    }

    /** @return how many values are NaN or infinite (0 for integer tensors). */
    long nonFiniteCount() {
        if (f == null) {
            return 0;
        }
        long n = 0;
        for (float v : f) {
            if (!Float.isFinite(v)) {
                n++;
            }
        }
        return n;
    }

    /** @return whether any value is the {@link #BATCH} placeholder. */
    boolean hasBatch() {
        if (l == null) {
            return false;
        }
        for (long v : l) {
            if (v == BATCH) {
                return true;
            }
        }
        return false;
    }

    double getDouble(int i) {
        return f != null ? f[i] : (double) l[i];
    }

    long getLong(int i) {
        if (f != null) {
            return (long) f[i];
        }
        return l[i];
    }

    /** @return all values as longs (floats truncated). */
    long[] longs() {
        long[] out = new long[length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    /** @return all values as doubles. */
    double[] doubles() {
        double[] out = new double[length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    /** @return the values as a float32 ND4J array of this shape (a fresh copy). */
    INDArray toINDArray() {
        float[] v = f;
        if (v == null) {
            v = new float[l.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = l[i];
            }
        }
        if (dims.length == 0) {
            return Nd4j.scalar(DataType.FLOAT, v[0]);
        }
        return Nd4j.create(v, dims, 'c');
    }

    // ---------------------------------------------------------------- folding helpers

    /** Same values, other shape (the element count must match). */
    OnnxTensor reshape(long[] newDims) {
        if (count(newDims) != length()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(dims) + " to " + Arrays.toString(newDims));
        }
        return new OnnxTensor(newDims.clone(), f, l);
    }

    /** The values cast to float or to integers. */
    OnnxTensor cast(boolean toFloat) {
        if (toFloat == isFloat()) {
            return this;
        }
        if (toFloat) {
            if (hasBatch()) {
                throw new IllegalArgumentException("the value depends on the batch size");
            }
            float[] v = new float[l.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = l[i];
            }
            return new OnnxTensor(dims, v, null);
        }
        long[] v = new long[f.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (long) f[i];
        }
        return new OnnxTensor(dims, null, v);
    }

    private static long[] strides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** A new tensor of shape {@code outDims} whose element at flat index k is this tensor's element {@code src[k]}. */
    private OnnxTensor pick(long[] outDims, int[] src) {
        if (f != null) {
            float[] v = new float[src.length];
            for (int k = 0; k < src.length; k++) {
                v[k] = f[src[k]];
            }
            return new OnnxTensor(outDims, v, null);
        }
        long[] v = new long[src.length];
        for (int k = 0; k < src.length; k++) {
            v[k] = l[src[k]];
        }
        return new OnnxTensor(outDims, null, v);
    }

    /** Permutes the axes. */
    OnnxTensor transpose(int[] perm) {
        int r = dims.length;
        if (perm.length != r) {
            throw new IllegalArgumentException("perm " + Arrays.toString(perm) + " does not fit rank " + r);
        }
        long[] outDims = new long[r];
        for (int i = 0; i < r; i++) {
            outDims[i] = dims[perm[i]];
        }
        long[] inStr = strides(dims);
        int n = length();
        int[] src = new int[n];
        long[] idx = new long[r];
        for (int k = 0; k < n; k++) {
            long off = 0;
            for (int i = 0; i < r; i++) {
                off += idx[i] * inStr[perm[i]];
            }
            src[k] = (int) off;
            for (int i = r - 1; i >= 0; i--) {
                if (++idx[i] < outDims[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return pick(outDims, src);
    }

    /** Concatenates along an axis (non-negative). Mixed float/integer inputs give floats. */
    static OnnxTensor concat(OnnxTensor[] parts, int axis) {
        boolean anyFloat = false;
        for (OnnxTensor p : parts) {
            anyFloat |= p.isFloat();
        }
        long[] outDims = parts[0].dims();
        long total = 0;
        for (OnnxTensor p : parts) {
            if (p.rank() != outDims.length) {
                throw new IllegalArgumentException("Concat inputs have different ranks");
            }
            for (int i = 0; i < outDims.length; i++) {
                if (i != axis && p.dims[i] != outDims[i]) {
                    throw new IllegalArgumentException("Concat inputs have incompatible shapes "
                            + Arrays.toString(p.dims) + " and " + Arrays.toString(outDims));
                }
            }
            total += p.dims[axis];
        }
        outDims[axis] = total;
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= outDims[i];
        }
        long inner = 1;
        for (int i = axis + 1; i < outDims.length; i++) {
            inner *= outDims[i];
        }
        int n = (int) count(outDims);
        float[] fv = anyFloat ? new float[n] : null;
        long[] lv = anyFloat ? null : new long[n];
        int k = 0;
        for (long o = 0; o < outer; o++) {
            for (OnnxTensor p : parts) {
                OnnxTensor q = anyFloat ? p.cast(true) : p;
                long block = p.dims[axis] * inner;
                for (long j = 0; j < block; j++) {
                    int s = (int) (o * block + j);
                    if (anyFloat) {
                        fv[k++] = q.f[s];
                    } else {
                        lv[k++] = q.l[s];
                    }
                }
            }
        }
        return new OnnxTensor(outDims, fv, lv);
    }

    /** numpy.take along an axis (non-negative), indices may be negative. */
    OnnxTensor gather(OnnxTensor indices, int axis) {
        long[] ind = indices.longs();
        long size = dims[axis];
        long[] outDims = new long[dims.length - 1 + indices.rank()];
        int d = 0;
        for (int i = 0; i < axis; i++) {
            outDims[d++] = dims[i];
        }
        for (long x : indices.dims) {
            outDims[d++] = x;
        }
        for (int i = axis + 1; i < dims.length; i++) {
            outDims[d++] = dims[i];
        }
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= dims[i];
        }
        long inner = 1;
        for (int i = axis + 1; i < dims.length; i++) {
            inner *= dims[i];
        }
        int[] src = new int[(int) count(outDims)];
        int k = 0;
        for (long o = 0; o < outer; o++) {
            for (long x : ind) {
                long j = x < 0 ? x + size : x;
                if (j < 0 || j >= size) {
                    throw new IllegalArgumentException("Gather index " + x + " is out of range for size " + size);
                }
                for (long q = 0; q < inner; q++) {
                    src[k++] = (int) ((o * size + j) * inner + q);
                }
            }
        }
        return pick(outDims, src);
    }

    /** numpy-style slicing with ONNX Slice semantics (clamped starts/ends, steps). */
    OnnxTensor slice(long[] starts, long[] ends, int[] axes, long[] steps) {
        int r = dims.length;
        long[] st = new long[r];
        long[] sp = new long[r];
        long[] outDims = dims();
        Arrays.fill(sp, 1);
        for (int a = 0; a < axes.length; a++) {
            int ax = axes[a];
            long dim = dims[ax];
            long step = steps[a];
            if (step == 0) {
                throw new IllegalArgumentException("Slice step must not be 0");
            }
            long s = starts[a] < 0 ? starts[a] + dim : starts[a];
            long e = ends[a] < 0 ? ends[a] + dim : ends[a];
            if (step > 0) {
                s = Math.max(0, Math.min(s, dim));
                e = Math.max(0, Math.min(e, dim));
                outDims[ax] = Math.max(0, (e - s + step - 1) / step);
            } else {
                s = Math.max(-1, Math.min(s, dim - 1));
                e = Math.max(-1, Math.min(e, dim - 1));
                outDims[ax] = Math.max(0, (s - e - step - 1) / -step);
            }
            st[ax] = s;
            sp[ax] = step;
        }
        long[] inStr = strides(dims);
        int n = (int) count(outDims);
        int[] src = new int[n];
        long[] idx = new long[r];
        for (int k = 0; k < n; k++) {
            long off = 0;
            for (int i = 0; i < r; i++) {
                off += (st[i] + idx[i] * sp[i]) * inStr[i];
            }
            src[k] = (int) off;
            for (int i = r - 1; i >= 0; i--) {
                if (++idx[i] < outDims[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return pick(outDims, src);
    }

    /** Element-wise arithmetic with numpy broadcasting; integer division truncates. */
    static OnnxTensor arithmetic(OnnxTensor a, OnnxTensor b, char op) {
        if (a.hasBatch() || b.hasBatch()) {
            throw new IllegalArgumentException("the value depends on the batch size, which is not fixed");
        }
        boolean fl = a.isFloat() || b.isFloat();
        int r = Math.max(a.rank(), b.rank());
        long[] outDims = new long[r];
        for (int i = 0; i < r; i++) {
            long x = i < r - a.rank() ? 1 : a.dims[i - (r - a.rank())];
            long y = i < r - b.rank() ? 1 : b.dims[i - (r - b.rank())];
            if (x != y && x != 1 && y != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a.dims) + " and " + Arrays.toString(b.dims)
                        + " do not broadcast");
            }
            outDims[i] = Math.max(x, y);
        }
        int n = (int) count(outDims);
        int[] ia = broadcastIndex(a.dims, outDims);
        int[] ib = broadcastIndex(b.dims, outDims);
        if (fl) {
            float[] v = new float[n];
            for (int k = 0; k < n; k++) {
                double x = a.getDouble(ia[k]);
                double y = b.getDouble(ib[k]);
                v[k] = (float) switch (op) {
                    case '+' -> x + y;
                    case '-' -> x - y;
                    case '*' -> x * y;
                    default -> x / y;
                };
            }
            return new OnnxTensor(outDims, v, null);
        }
        long[] v = new long[n];
        for (int k = 0; k < n; k++) {
            long x = a.l[ia[k]];
            long y = b.l[ib[k]];
            if (op == '/' && y == 0) {
                throw new IllegalArgumentException("integer division by zero");
            }
            v[k] = switch (op) {
                case '+' -> x + y;
                case '-' -> x - y;
                case '*' -> x * y;
                default -> x / y;
            };
        }
        return new OnnxTensor(outDims, null, v);
    }

    private static int[] broadcastIndex(long[] dims, long[] outDims) {
        int r = outDims.length;
        int off = r - dims.length;
        long[] inStr = strides(dims);
        int n = (int) count(outDims);
        int[] src = new int[n];
        long[] idx = new long[r];
        for (int k = 0; k < n; k++) {
            long s = 0;
            for (int i = off; i < r; i++) {
                if (dims[i - off] != 1) {
                    s += idx[i] * inStr[i - off];
                }
            }
            src[k] = (int) s;
            for (int i = r - 1; i >= 0; i--) {
                if (++idx[i] < outDims[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return src;
    }

    @Override
    public String toString() {
        String vals;
        if (length() <= 8) {
            vals = f != null ? Arrays.toString(f) : Arrays.toString(Arrays.stream(l).mapToObj(v -> v == BATCH ? "N" : Long.toString(v)).toArray());
        } else {
            vals = length() + " values";
        }
        return (f != null ? "float" : "int") + Arrays.toString(dims) + " " + vals;
    }
}
