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

    /**
     * {@inheritDoc}
     *
     * <p>The value's shape; a constant has no inputs. Unlike computed values, a constant may be empty (ONNX allows
     * empty initializers); its element count is still checked.
     */
    @Override
    public long[] outputShape(long[][] inputShapes) {
        if (inputShapes != null && inputShapes.length != 0) {
            throw new IllegalArgumentException("a Constant has no inputs, found " + inputShapes.length);
        }
        long[] s = value.shape().clone();
        Shapes.count(s);
        return s;
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
