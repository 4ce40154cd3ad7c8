package dev.cnnviz.core.attribution;

import dev.cnnviz.api.Target;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A target that is any differentiable function {@code S(A)} of one layer's activation {@code A}.
 *
 * <pre>{@code
 * // "how strongly is channel 3 active in the centre 3x3 of fire9_concat"
 * CustomTarget t = CustomTarget.linear("fire9_concat", "centre of channel 3", a -> { ... return weights; });
 * }</pre>
 */
public interface CustomTarget extends Target.Custom {

    /** @return the node whose activation the function reads. */
    String layer();

    /**
     * @param activation one example's activation, shape {@code [1, ...]}
     * @return the target's value {@code S(A)}
     */
    double score(INDArray activation);

    /**
     * @param activation one example's activation, shape {@code [1, ...]}
     * @return {@code ∂S/∂A}, same shape, a fresh array
     */
    INDArray gradient(INDArray activation);
}
