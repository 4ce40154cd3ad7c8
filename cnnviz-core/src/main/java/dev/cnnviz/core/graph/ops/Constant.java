package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A constant value: weights, biases, normalisation statistics, fixed tensors. Its gradient (requested by
 * naming the node in {@code backward}'s {@code wrt}) is the parameter gradient.
 *
 * @param value the value; owned by the graph, never modified
 */
public record Constant(INDArray value) implements Op {

    /** Rejects a null value. */
    public Constant {
        if (value == null) {
            throw new IllegalArgumentException("a Constant needs a value");
        }
    }

    @Override
    public INDArray forward(INDArray[] inputs) {
        throw new IllegalStateException("a Constant's value is read by the forward pass");
    }

    @Override
    public INDArray[] backward(INDArray[] inputs, INDArray output, INDArray gradOutput, boolean[] wanted) {
        return new INDArray[0];
    }

    @Override
    public String describe() {
        return Arrays.toString(value.shape()) + " " + value.dataType();
    }
}
