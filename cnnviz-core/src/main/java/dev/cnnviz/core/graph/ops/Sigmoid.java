package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Logistic sigmoid, ONNX {@code Sigmoid}: {@code y = 1 / (1 + exp(−x))}; gradient {@code dx = dy · y · (1 − y)},
 * computed from the forward output.
 */
public record Sigmoid() implements Op {

    /**
     * {@inheritDoc}
     *
     * <p>The shape of the input.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Shapes.same("Sigmoid", in, 1);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Sigmoid", in, 1, 1);
        return Transforms.sigmoid(in[0], true);
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        if (!wanted[0]) {
            return new INDArray[1];
        }
        INDArray y = output != null ? output : forward(in);
        INDArray gx = y.rsub(1.0).muli(y).muli(g);
        if (y != output) {
            OpSupport.release(y);
        }
        return new INDArray[] {gx};
    }
}
