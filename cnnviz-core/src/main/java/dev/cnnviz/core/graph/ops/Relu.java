package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Rectified linear unit, {@code y = max(x, 0)}; gradient {@code dx = dy · [x > 0]}.
 *
 * <p>Attribution methods replace this operator's backward rule (guided backprop, deconvnet) through
 * {@link dev.cnnviz.core.graph.BackwardRules}.
 */
public record Relu() implements Op {

    @Override
    public INDArray forward(INDArray[] in) {
        return Transforms.relu(in[0], true);
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray gx = g.ulike();
        OpSupport.execT("relu_bp", new INDArray[] {in[0], g}, new INDArray[] {gx}, new double[] {0.0});
        return new INDArray[] {gx};
    }
}
