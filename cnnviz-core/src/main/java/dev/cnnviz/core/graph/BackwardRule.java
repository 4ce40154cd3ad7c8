package dev.cnnviz.core.graph;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How gradients flow backward through one operator kind. The default for every operator is its own
 * {@link Op#backward}; attribution methods replace it for some kinds (see {@link BackwardRules}).
 *
 * <p>Example, the deconvnet rule for ReLU (Zeiler &amp; Fergus 2014): pass the positive part of the
 * incoming gradient whatever the forward input,
 * <pre>{@code (op, in, out, g, wanted) -> new INDArray[] {Transforms.relu(g, true)}}</pre>
 */
@FunctionalInterface
public interface BackwardRule {

    /** Same contract as {@link Op#backward}, with the operator itself as the first argument. */
    INDArray[] backward(Op op, INDArray[] inputs, INDArray output, INDArray gradOutput, boolean[] wanted);

    /** The plain chain rule: the operator's own backward. */
    BackwardRule STANDARD = (op, inputs, output, gradOutput, wanted) -> op.backward(inputs, output, gradOutput, wanted);
}
