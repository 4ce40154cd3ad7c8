package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Element-wise difference with numpy broadcasting, ONNX {@code Sub}: {@code C = A − B};
 * gradients {@code dA = unbroadcast(dC)}, {@code dB = −unbroadcast(dC)}, summed over the dimensions along
 * which each operand was broadcast (e.g. a per-channel mean {@code [1, C, 1, 1]} or {@code [C, 1, 1]}).
 */
public record Sub() implements Op {

    /**
     * {@inheritDoc}
     *
     * <p>The numpy broadcast shape of the two inputs.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Mul.broadcastShape("Sub", in);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Sub", in, 2, 2);
        return Mul.broadcastOp("subtract", "Sub", in[0], in[1]);
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        return new INDArray[] {
            wanted[0] ? OpSupport.unbroadcast(g, in[0].shape()) : null,
            wanted[1] ? OpSupport.unbroadcast(g, in[1].shape()).negi() : null
        };
    }
}
