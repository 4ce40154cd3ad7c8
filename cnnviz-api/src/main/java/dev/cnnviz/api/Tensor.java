package dev.cnnviz.api;

import java.util.Arrays;

/**
 * A small immutable float tensor in row-major order: the library's ND4J-free way to pass preprocessed
 * inputs in and raw attributions out.
 *
 * <pre>{@code
 * Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
 * float v = t.get(0, 1, 2);   // 6
 * }</pre>
 *
 * @param shape the dimensions, each at least 1
 * @param data  the values, {@code product(shape)} of them, finite
 */
public record Tensor(int[] shape, float[] data) {

    /** Validates and copies. */
    public Tensor {
        if (shape == null || data == null) {
            throw new IllegalArgumentException("a tensor needs a shape and data");
        }
        long n = 1;
        for (int s : shape) {
            if (s < 1) {
                throw new IllegalArgumentException("tensor dimensions must be positive, found " + Arrays.toString(shape));
            }
            n *= s;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, found " + data.length);
        }
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new IllegalArgumentException("tensor value " + i + " is " + data[i]);
            }
        }
        shape = shape.clone();
        data = data.clone();
    }

    /** Creates a tensor (copying {@code data}). */
    public static Tensor of(float[] data, int... shape) {
        return new Tensor(shape, data);
    }

    /** @return a copy of the shape. */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** @return a copy of the values. */
    @Override
    public float[] data() {
        return data.clone();
    }

    /**
     * Copies {@code length} values, from flat index {@code from} on, into {@code dst} at {@code at}: the values without
     * the array that {@link #data()} allocates (a caller that reads a large tensor on every call can reuse its own).
     *
     * <pre>{@code
     * float[] buffer = new float[t.length()];
     * t.copyTo(0, buffer, 0, t.length());
     * }</pre>
     *
     * @throws IllegalArgumentException if a range falls outside the tensor or {@code dst}, naming it
     */
    public void copyTo(int from, float[] dst, int at, int length) {
        if (dst == null) {
            throw new IllegalArgumentException("the destination array must not be null");
        }
        if (from < 0 || length < 0 || from > data.length - length) {
            throw new IllegalArgumentException("values [" + from + ", " + ((long) from + length) + ") are outside the tensor's "
                    + data.length);
        }
        if (at < 0 || at > dst.length - length) {
            throw new IllegalArgumentException("positions [" + at + ", " + ((long) at + length)
                    + ") are outside the destination's " + dst.length);
        }
        System.arraycopy(data, from, dst, at, length);
    }

    /** @return the number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** @return the size of dimension {@code d}. */
    public int size(int d) {
        return shape[d];
    }

    /** @return the number of values. */
    public int length() {
        return data.length;
    }

    /** @return the value at an index (one coordinate per dimension). */
    public float get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " does not fit shape " + Arrays.toString(shape));
        }
        int flat = 0;
        for (int d = 0; d < shape.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) {
                throw new IllegalArgumentException("index " + Arrays.toString(index) + " is outside shape " + Arrays.toString(shape));
            }
            flat = flat * shape[d] + index[d];
        }
        return data[flat];
    }

    /** @return the sum of all values (double accumulation). */
    public double sum() {
        double s = 0;
        for (float v : data) {
            s += v;
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(t.shape, shape) && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
