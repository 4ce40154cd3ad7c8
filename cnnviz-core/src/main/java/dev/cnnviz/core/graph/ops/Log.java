package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Element-wise natural logarithm, ONNX {@code Log}: {@code y = ln(x)}; gradient {@code dx = dy / x}.
 * Example: {@code ln([1, e, e²]) = [0, 1, 2]}, with gradient {@code [1, 1/e, 1/e²]} for {@code dy = 1}.
 *
 * <p>Outside the domain the operator follows the ONNX specification and IEEE arithmetic, like {@link Div}:
 * {@code ln(0) = -Infinity} (gradient {@code ±Infinity}, or NaN where {@code dy = 0}) and {@code ln(x) = NaN}
 * for {@code x < 0}. It does not clamp or reject such values: a clamp would change the model's output, and a
 * check would cost a pass over every activation. In imported models Log follows a Softmax, whose outputs are
 * positive unless a probability underflows to 0 (then the log-probability is {@code -Infinity}; a
 * {@link LogSoftmax} computes the same values without underflowing).
 */
public record Log() implements Op {

    /**
     * {@inheritDoc}
     *
     * <p>The shape of the input.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Shapes.same("Log", in, 1);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Log", in, 1, 1);
        return Transforms.log(in[0], true);
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        if (!wanted[0]) {
            return new INDArray[1];
        }
        return new INDArray[] {g.div(in[0])};
    }
}
