package dev.cnnviz.core.featurevis;

import dev.cnnviz.core.graph.HostArrays;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Flat row-major {@code double[]} arrays and the NCHW INDArrays of the public API: shape checks and bulk copies
 * (float32 and float64, read and written directly in native memory when the array is plain).
 */
final class Flat {
    /** Floats converted per chunk, so that a copy needs no float array of the image's size. */
    private static final int CHUNK = 1 << 13;

    private Flat() {
    }

    /** @return the number of values of an [N, C, H, W] shape, checked to be positive and to fit a Java array */
    static int length(long[] shape, String what) {
        if (shape == null || shape.length != 4) {
            throw new IllegalArgumentException(what + " must be [N, C, H, W], found "
                    + (shape == null ? "null" : Arrays.toString(shape)));
        }
        long n = 1;
        for (long d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException(what + " must have positive sizes, found " + Arrays.toString(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(what + " " + Arrays.toString(shape)
                        + " has more values than a Java array holds");
            }
        }
        return (int) n;
    }

    /** Checks that a flat array has the expected length. */
    static void checkLength(double[] a, int expected, String what) {
        if (a == null) {
            throw new IllegalArgumentException(what + " is null; expected " + expected + " values");
        }
        if (a.length != expected) {
            throw new IllegalArgumentException(what + " has " + a.length + " values; expected " + expected);
        }
    }

    /** Checks that an array has exactly the expected shape and a float type. */
    static void checkShape(INDArray a, long[] expected, String what) {
        if (a == null) {
            throw new IllegalArgumentException(what + " is null; expected shape " + Arrays.toString(expected));
        }
        if (!Arrays.equals(a.shape(), expected)) {
            throw new IllegalArgumentException(what + " has shape " + Arrays.toString(a.shape()) + "; expected "
                    + Arrays.toString(expected));
        }
        if (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException(what + " has data type " + a.dataType() + "; expected FLOAT or DOUBLE");
        }
    }

    /** Copies an array's values in row-major order into {@code dst} (of the array's length). */
    static void read(INDArray a, double[] dst) {
        int n = dst.length;
        if (HostArrays.plain(a) && a.dataType() == DataType.DOUBLE) {
            a.data().asNioDouble().get(0, dst, 0, n);
        } else if (HostArrays.plain(a) && a.dataType() == DataType.FLOAT) {
            FloatBuffer src = a.data().asNioFloat();
            float[] chunk = new float[Math.min(n, CHUNK)];
            for (int at = 0; at < n; at += CHUNK) {
                int len = Math.min(CHUNK, n - at);
                src.get(at, chunk, 0, len);
                for (int i = 0; i < len; i++) {
                    dst[at + i] = chunk[i];
                }
            }
        } else {
            System.arraycopy(HostArrays.doubles(a), 0, dst, 0, n);
        }
    }

    /** Writes {@code src} (of the array's length, row-major) into the array, narrowed to float32 if it is one. */
    static void write(double[] src, INDArray a) {
        int n = src.length;
        if (HostArrays.plain(a) && a.dataType() == DataType.DOUBLE) {
            DoubleBuffer dst = a.data().asNioDouble();
            dst.put(0, src, 0, n);
        } else if (HostArrays.plain(a) && a.dataType() == DataType.FLOAT) {
            FloatBuffer dst = a.data().asNioFloat();
            float[] chunk = new float[Math.min(n, CHUNK)];
            for (int at = 0; at < n; at += CHUNK) {
                int len = Math.min(CHUNK, n - at);
                for (int i = 0; i < len; i++) {
                    chunk[i] = (float) src[at + i];
                }
                dst.put(at, chunk, 0, len);
            }
        } else {
            try (INDArray values = Nd4j.createFromArray(src).reshape(a.shape())) {
                if (a.dataType() == DataType.DOUBLE) {
                    a.assign(values);
                } else {
                    try (INDArray cast = values.castTo(a.dataType())) {
                        a.assign(cast);
                    }
                }
            }
        }
    }

    /** Checks an image shape [N, C, H, W] and returns a copy. */
    static long[] imageShape(long[] shape) {
        length(shape, "the image shape");
        return shape.clone();
    }

    /** Checks that a random generator is given. */
    static java.util.SplittableRandom checkRng(java.util.SplittableRandom rng) {
        if (rng == null) {
            throw new IllegalArgumentException("the random generator is null");
        }
        return rng;
    }

    /** @return the shape with H and W replaced */
    static long[] withSize(long[] shape, long h, long w) {
        long[] s = Arrays.copyOf(shape, 4);
        s[2] = h;
        s[3] = w;
        return s;
    }
}
