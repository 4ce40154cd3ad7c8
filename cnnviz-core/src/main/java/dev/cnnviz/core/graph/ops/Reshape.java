package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reshape, ONNX {@code Reshape} (with {@code allowzero = 0}): the values in row-major (c) order are laid out
 * in the target shape. In {@code shape}, {@code 0} copies the input's dimension at the same index and at most
 * one {@code -1} is inferred from the remaining size; e.g. {@code [0, -1]} flattens an NCHW tensor to
 * {@code [N, C·H·W]}. The gradient is the output gradient reshaped back.
 *
 * <p>ONNX opset 5+ passes the shape as a second (constant) input: the importer resolves it into
 * {@code shape}; any inputs after the first are ignored here and get no gradient.
 *
 * <p>This class also holds the package's shape helpers ({@link #copyAs}, {@link #axis}).
 *
 * @param shape the target shape: positive sizes, {@code 0} (copy) or one {@code -1} (infer)
 */
public record Reshape(long[] shape) implements Op, Graph.ShapeOnly {

    /** Validates and copies the target shape. */
    public Reshape {
        if (shape == null) {
            throw new IllegalArgumentException("Reshape needs a target shape, found null");
        }
        shape = shape.clone();
        int inferred = 0;
        for (long s : shape) {
            if (s < -1) {
                throw new IllegalArgumentException("Reshape target shape values must be >= -1, found " + Arrays.toString(shape));
            }
            if (s == -1) {
                inferred++;
            }
        }
        if (inferred > 1) {
            throw new IllegalArgumentException("Reshape target shape may contain at most one -1, found " + Arrays.toString(shape));
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Resolves the target shape for an input shape ({@code 0} copied, {@code -1} inferred).
     *
     * @throws IllegalArgumentException naming both shapes when the sizes do not match
     */
    public long[] resolve(long[] in) {
        long[] out = shape.clone();
        long inLength = Shapes.count(in);
        long known = 1;
        int minus = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0) {
                if (i >= in.length) {
                    throw new IllegalArgumentException("Reshape target " + Arrays.toString(shape) + " copies dimension " + i
                            + " (0) but the input " + Arrays.toString(in) + " has rank " + in.length);
                }
                out[i] = in[i];
            }
            if (out[i] == -1) {
                minus = i;
            } else {
                try {
                    known = Math.multiplyExact(known, out[i]);
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("Reshape target " + Arrays.toString(shape) + " for input shape "
                            + Arrays.toString(in) + " has more values than a long can count", e);
                }
            }
        }
        if (minus >= 0) {
            if (known == 0 || inLength % known != 0) {
                throw new IllegalArgumentException("Reshape cannot infer the -1 in " + Arrays.toString(shape) + " for input shape "
                        + Arrays.toString(in) + " (" + inLength + " values)");
            }
            out[minus] = inLength / known;
        } else if (known != inLength) {
            throw new IllegalArgumentException("Reshape target " + Arrays.toString(shape) + " (" + known + " values) does not fit input shape "
                    + Arrays.toString(in) + " (" + inLength + " values)");
        }
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The {@link #resolve resolved} target shape for the first input (further inputs, the ONNX shape tensor,
     * are ignored); every dimension must be at least 1.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Reshape", in, 1, Integer.MAX_VALUE);
        return Shapes.output("Reshape", resolve(in[0]));
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Reshape", in, 1, Integer.MAX_VALUE);
        return copyAs(in[0], resolve(in[0].shape()));
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray[] res = new INDArray[in.length];
        if (wanted[0]) {
            res[0] = copyAs(g, in[0].shape());
        }
        return res;
    }

    /**
     * Returns a fresh c-ordered array holding {@code x}'s values in row-major order, with shape {@code shape}
     * (same length). Never a view: the result owns its buffer, so it can be released independently.
     */
    static INDArray copyAs(INDArray x, long[] shape) {
        INDArray out = Nd4j.createUninitialized(x.dataType(), shape, 'c');
        if (out.length() != x.length()) {
            throw new IllegalArgumentException("cannot lay out " + Arrays.toString(x.shape()) + " as " + Arrays.toString(shape));
        }
        if (out.length() > 0) {
            // A reshape of a fresh c-ordered array shares its buffer; same-shape assign copies element-wise.
            out.reshape('c', x.shape()).assign(x);
        }
        return out;
    }

    /**
     * Normalises an axis (negative counts from the end) for a rank.
     *
     * @param kind  the operator kind named in the message
     * @param axis  the axis as given
     * @param rank  the rank the axis refers to ({@code [-rank, rank-1]} valid)
     * @param shape the shape named in the message
     * @throws IllegalArgumentException naming the axis and the shape when it is out of range
     */
    static int axis(String kind, int axis, int rank, long[] shape) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(kind + " axis " + axis + " is out of range [" + (-rank) + ", " + (rank - 1)
                    + "] for shape " + Arrays.toString(shape));
        }
        return a;
    }

    @Override
    public String describe() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reshape r && Arrays.equals(r.shape, shape);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Reshape[shape=" + Arrays.toString(shape) + "]";
    }
}
