package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Identity, ONNX {@code Identity}: {@code y = x} (a fresh copy); gradient {@code dx = dy}. */
public record Identity() implements Op, Graph.ShapeOnly {

    /**
     * {@inheritDoc}
     *
     * <p>The shape of the input.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Shapes.same("Identity", in, 1);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Identity", in, 1, 1);
        return in[0].dup('c');
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        return new INDArray[] {wanted[0] ? g.dup('c') : null};
    }
}
