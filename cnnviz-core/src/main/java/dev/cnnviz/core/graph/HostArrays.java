package dev.cnnviz.core.graph;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An array's values as a Java array in row-major order, copied in bulk from native memory: directly when the array is
 * a plain float32 or float64 buffer ({@link #plain}), from one plain copy otherwise.
 *
 * <p>Why: {@code DataBuffer.asDouble()} on a float32 buffer converts element by element, and {@code dup()} outside
 * a workspace lands on fresh pages; for Grad-CAM on 32 SqueezeNet images (two 5.4-million-value layers) the two
 * took about 8% of the explanation's time. The bulk path reads the buffer directly.
 *
 * <pre>{@code
 * double[] a = HostArrays.doubles(pass.get("fire9_concat"));   // [N·C·H·W] in row-major order
 * float[] f = HostArrays.floats(gradients.get(graph.inputName()));
 * }</pre>
 */
public final class HostArrays {
    /** Floats widened per chunk, so that a large array needs no float copy of its own size. */
    private static final int CHUNK = 1 << 16;

    private HostArrays() {
    }

    /** @return {@code a}'s values as doubles, row-major, in a new array */
    public static double[] doubles(INDArray a) {
        int n = length(a);
        if (plain(a) && a.dataType() == DataType.DOUBLE) {
            double[] out = new double[n];
            a.data().asNioDouble().get(0, out);
            return out;
        }
        if (plain(a) && a.dataType() == DataType.FLOAT) {
            double[] out = new double[n];
            FloatBuffer src = a.data().asNioFloat();
            float[] chunk = new float[Math.min(n, CHUNK)];
            for (int at = 0; at < n; at += CHUNK) {
                int len = Math.min(CHUNK, n - at);
                src.get(at, chunk, 0, len);
                for (int i = 0; i < len; i++) {
                    out[at + i] = chunk[i];
                }
            }
            return out;
        }
        DataType type = a.dataType() == DataType.FLOAT ? DataType.FLOAT : DataType.DOUBLE;
        INDArray c = plainCopy(a, type);
        try {
            return plain(c) ? doubles(c) : c.data().asDouble();
        } finally {
            c.close();
        }
    }

    /** @return {@code a}'s values as floats (narrowed if wider), row-major, in a new array */
    public static float[] floats(INDArray a) {
        int n = length(a);
        if (plain(a) && a.dataType() == DataType.FLOAT) {
            float[] out = new float[n];
            a.data().asNioFloat().get(0, out);
            return out;
        }
        INDArray c = plainCopy(a, DataType.FLOAT);
        try {
            return plain(c) ? floats(c) : c.data().asFloat();
        } finally {
            c.close();
        }
    }

    /**
     * {@code a}'s values as float32, row-major, to read without a copy where there is none to make: {@code a}'s own
     * buffer when it is {@link #plain} float32 (valid while {@code a} lives; a write through it changes {@code a}),
     * else a host copy ({@link #floats}). For code that reads a gradient or a parameter once per call on a hot path.
     *
     * @return a buffer of {@code a.length()} values from index 0
     */
    public static FloatBuffer floatValues(INDArray a) {
        return plain(a) && a.dataType() == DataType.FLOAT ? a.data().asNioFloat() : FloatBuffer.wrap(floats(a));
    }

    /**
     * {@link #floatValues} in float64: {@code a}'s own buffer when it is {@link #plain} float64, else a host copy
     * ({@link #doubles}).
     *
     * @return a buffer of {@code a.length()} values from index 0
     */
    public static DoubleBuffer doubleValues(INDArray a) {
        return plain(a) && a.dataType() == DataType.DOUBLE ? a.data().asNioDouble() : DoubleBuffer.wrap(doubles(a));
    }

    /**
     * A new plain array of {@code a}'s values in {@code type}: one cast when the type changes (the cast is a new
     * row-major array), else one row-major copy. Views and other types then take the bulk path too.
     */
    private static INDArray plainCopy(INDArray a, DataType type) {
        INDArray c = a.dataType() == type ? a.dup('c') : a.castTo(type);
        if (plain(c)) {
            return c;
        }
        INDArray d = c.dup('c');
        c.close();
        return d;
    }

    private static int length(INDArray a) {
        if (a.length() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an array of " + a.length() + " values does not fit a Java array");
        }
        return (int) a.length();
    }

    /**
     * Whether an array is exactly its buffer in row-major order (no offset, the whole buffer, row-major strides;
     * a reshape of a whole array counts, a slice does not), so that code may read or write the buffer directly
     * ({@code a.data().asNioFloat()}, ...).
     */
    public static boolean plain(INDArray a) {
        if (a.offset() != 0 || a.data() == null || a.length() != a.data().length()) {
            return false;
        }
        long[] shape = a.shape();
        long[] strides = a.stride();
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /**
     * Whether every value of a floating-point array is finite, without allocating for plain float32 and float64
     * arrays: one pass over their buffers' magnitude bits (an infinite or NaN value's exceed the largest finite
     * value's, and an integer OR of the differences keeps the sign; the JIT vectorizes it). Other arrays are read to
     * the host first.
     *
     * @param a a floating-point array
     * @return true if no value is NaN or infinite
     */
    public static boolean allFinite(INDArray a) {
        if (plain(a) && a.length() <= Integer.MAX_VALUE) {
            int n = (int) a.length();
            if (a.dataType() == DataType.FLOAT) {
                FloatBuffer b = a.data().asNioFloat();
                int bad = 0;
                for (int i = 0; i < n; i++) {
                    bad |= nonFinite(b.get(i));
                }
                return bad >= 0;
            }
            if (a.dataType() == DataType.DOUBLE) {
                java.nio.DoubleBuffer b = a.data().asNioDouble();
                long bad = 0;
                for (int i = 0; i < n; i++) {
                    bad |= 0x7fefffffffffffffL - (Double.doubleToRawLongBits(b.get(i)) & 0x7fffffffffffffffL);
                }
                return bad >= 0;
            }
        }
        for (double v : doubles(a)) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code length} values of {@code v} from {@code from} on are all finite: the same bit test as
     * {@link #allFinite(INDArray)}, for host arrays (a model's gradient read back, a chunk of one).
     *
     * @throws IllegalArgumentException if the range lies outside {@code v}
     */
    public static boolean allFinite(float[] v, int from, int length) {
        if (from < 0 || length < 0 || from > v.length - length) {
            throw new IllegalArgumentException("values [" + from + ", " + ((long) from + length) + ") are outside the array's "
                    + v.length);
        }
        int bad = 0;
        for (int i = from, end = from + length; i < end; i++) {
            bad |= nonFinite(v[i]);
        }
        return bad >= 0;
    }

    /** @return a negative number iff {@code v} is NaN or infinite (its magnitude bits exceed the largest finite's) */
    private static int nonFinite(float v) {
        return 0x7f7fffff - (Float.floatToRawIntBits(v) & 0x7fffffff);
    }

}
