package dev.cnnviz.core.graph;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A stateless, differentiable operator over ND4J arrays (images in NCHW layout).
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #forward} must return a <em>freshly allocated</em> array (never an input, a view of an input
 *       or an array sharing an input's buffer): the {@link ForwardPass} owns and closes it.</li>
 *   <li>{@link #backward} returns, for every input {@code i} with {@code wanted[i]}, the gradient of the loss
 *       with respect to that input (freshly allocated, the input's shape and data type); entries that are not
 *       wanted may be {@code null}. Inputs, output and {@code gradOutput} must not be modified.</li>
 *   <li>Both work for any floating data type (float32 for models, float64 for gradient checks).</li>
 * </ul>
 * Weights are inputs (from {@link dev.cnnviz.core.graph.ops.Constant} nodes), so an operator needs no
 * parameter state and parameter gradients come for free.
 */
public interface Op {

    /**
     * Computes the output.
     *
     * @param inputs the input arrays, in the node's input order
     * @return a freshly allocated output array
     * @throws IllegalArgumentException when the inputs' shapes do not fit the operator, naming them
     */
    INDArray forward(INDArray[] inputs);

    /**
     * Computes the gradients with respect to the inputs.
     *
     * @param inputs     the forward inputs
     * @param output     the forward output
     * @param gradOutput the gradient of the loss with respect to the output
     * @param wanted     which inputs need a gradient
     * @return one entry per input; {@code null} where not wanted or not differentiable
     */
    INDArray[] backward(INDArray[] inputs, INDArray output, INDArray gradOutput, boolean[] wanted);

    /** @return the operator kind as users read it in summaries, e.g. {@code "Conv"}. */
    default String kind() {
        return getClass().getSimpleName();
    }

    /** @return a one-line description of the attributes, e.g. {@code "3x3 stride 2"}, for summaries. */
    default String describe() {
        return "";
    }
}
