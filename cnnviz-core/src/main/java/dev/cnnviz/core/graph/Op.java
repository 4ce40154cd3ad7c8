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

    /**
     * The static shape of the output for inputs of the given shapes, without computing anything: the shape that
     * {@link #forward} returns for such inputs (batch dimension included), or the error it would raise. Every
     * operator of {@link dev.cnnviz.core.graph.ops} implements it; {@link Graph#shapes} runs it over a whole graph,
     * so that an imported model is validated against its inputs' shapes before any value is computed.
     *
     * <p>Contract: the result is a fresh array whose every dimension is at least 1 and whose element count fits a
     * {@code long} (see {@link dev.cnnviz.core.graph.ops.Shapes}); the input arrays are not modified.
     *
     * @param inputShapes the shapes of the inputs, in the node's input order
     * @return the output shape
     * @throws IllegalArgumentException when the inputs do not fit the operator, naming the attribute or operand and
     *                                  the values, e.g. {@code "Conv weights [16, 3, 3, 3] need 3 input channels
     *                                  (x group 1), the input [1, 4, 8, 8] has 4"}
     * @throws IllegalStateException    from this default, for an operator (outside cnnviz) that has no shape
     *                                  function
     */
    default long[] outputShape(long[][] inputShapes) {
        throw new IllegalStateException("the operator " + kind() + " (" + getClass().getName()
                + ") has no shape function: implement Op.outputShape so that graphs using it can be validated");
    }

    /** @return the operator kind as users read it in summaries, e.g. {@code "Conv"}. */
    default String kind() {
        return getClass().getSimpleName();
    }

    /** @return a one-line description of the attributes, e.g. {@code "3x3 stride 2"}, for summaries. */
    default String describe() {
        return "";
    }
}
