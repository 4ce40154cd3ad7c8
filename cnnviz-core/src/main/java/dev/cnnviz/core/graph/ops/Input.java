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
