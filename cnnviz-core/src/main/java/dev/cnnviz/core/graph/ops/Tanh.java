package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Hyperbolic tangent, ONNX {@code Tanh}: {@code y = tanh(x)}; gradient {@code dx = dy · (1 − y²)}, computed from
 * the forward output.
 */
public record Tanh() implements Op {

    /**
     * {@inheritDoc}
     *
     * <p>The shape of the input.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Shapes.same("Tanh", in, 1);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Tanh", in, 1, 1);
        return Transforms.tanh(in[0], true);
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        if (!wanted[0]) {
            return new INDArray[1];
        }
        INDArray y = output != null ? output : forward(in);
        INDArray gx = y.mul(y).rsubi(1.0).muli(g);
        if (y != output) {
            OpSupport.release(y);
        }
        return new INDArray[] {gx};
    }
}
