package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Rectified linear unit, {@code y = max(x, 0)}; gradient {@code dx = dy · [x > 0]}.
 *
 * <p>Attribution methods replace this operator's backward rule (guided backprop, deconvnet) through
 * {@link dev.cnnviz.core.graph.BackwardRules}.
 */
public record Relu() implements Op {

    /**
     * {@inheritDoc}
     *
     * <p>The shape of the input.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Shapes.same("Relu", in, 1);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        INDArray y = in[0].ulike();
        OpSupport.execT("relu", new INDArray[] {in[0]}, new INDArray[] {y}, new double[] {0.0});
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        return new INDArray[] {OpSupport.maskPositive(in[0], g)};
    }
}
