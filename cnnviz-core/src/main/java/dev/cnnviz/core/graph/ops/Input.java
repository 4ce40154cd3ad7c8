package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A graph input: a batch whose shape is {@code [N, shape...]}; a non-positive entry in {@code shape} means
 * "any size". The forward pass checks the value given against it and rejects NaN or infinite values.
 *
 * @param shape the shape without the batch dimension, e.g. {@code [3, 224, 224]}
 */
public record Input(long[] shape) implements Op {

    /** Copies the shape. */
    public Input {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Checks a value for this input. @throws IllegalArgumentException naming the input and what was found */
    public void check(String name, INDArray x) {
        boolean ok = x.rank() == shape.length + 1;
        for (int i = 0; ok && i < shape.length; i++) {
            ok = shape[i] <= 0 || shape[i] == x.size(i + 1);
        }
        if (!ok) {
            throw new IllegalArgumentException("input '" + name + "' expects shape [N, " + describeShape()
                    + "], found " + Arrays.toString(x.shape()));
        }
        if (x.length() == 0) {
            throw new IllegalArgumentException("input '" + name + "' is empty: " + Arrays.toString(x.shape()));
        }
        if (!x.dataType().isFPType()) {
            throw new IllegalArgumentException("input '" + name + "' must be floating point, found " + x.dataType());
        }
        double s = x.sumNumber().doubleValue();
        if (!Double.isFinite(s)) {
            boolean nan = x.isNaN().any();
            throw new IllegalArgumentException("input '" + name + "' contains " + (nan ? "NaN" : "infinite") + " values");
        }
    }

    private String describeShape() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i] <= 0 ? "?" : String.valueOf(shape[i]));
        }
        return sb.toString();
    }

    /**
     * {@inheritDoc}
     *
     * <p>An input has no node inputs; {@link dev.cnnviz.core.graph.Graph#shapes} passes the shape of the value it
     * will be given, if known, as the single entry of {@code inputShapes}. With no entry the result is the declared
     * shape with a batch of 1 (every declared size must then be fixed); with one, that shape, checked against the
     * declaration like {@link #check}: same rank, the fixed sizes equal, every size at least 1.
     *
     * @throws IllegalArgumentException naming the declared and the given shapes when they disagree
     */
    @Override
    public long[] outputShape(long[][] inputShapes) {
        if (inputShapes == null || inputShapes.length > 1) {
            throw new IllegalArgumentException("an Input takes at most one shape (that of its value), found "
                    + (inputShapes == null ? "none" : inputShapes.length));
        }
        if (inputShapes.length == 0) {
            long[] s = new long[shape.length + 1];
            s[0] = 1;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] <= 0) {
                    throw new IllegalArgumentException("Input [N, " + describeShape() + "] has no fixed size at axis " + (i + 1)
                            + "; give the input's shape");
                }
                s[i + 1] = shape[i];
            }
            return Shapes.output("Input", s);
        }
        long[] x = inputShapes[0];
        boolean ok = x != null && x.length == shape.length + 1;
        for (int i = 0; ok && i < shape.length; i++) {
            ok = shape[i] <= 0 || shape[i] == x[i + 1];
        }
        if (!ok) {
            throw new IllegalArgumentException("Input expects shape [N, " + describeShape() + "], found " + Arrays.toString(x));
        }
        return Shapes.output("Input", x.clone());
    }

    @Override
    public INDArray forward(INDArray[] inputs) {
        throw new IllegalStateException("an Input is given its value by the forward pass");
    }

    @Override
    public INDArray[] backward(INDArray[] inputs, INDArray output, INDArray gradOutput, boolean[] wanted) {
        return new INDArray[0];
    }

    @Override
    public String describe() {
        return "[N, " + describeShape() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Input i && Arrays.equals(i.shape, shape);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Input" + Arrays.toString(shape);
    }
}
