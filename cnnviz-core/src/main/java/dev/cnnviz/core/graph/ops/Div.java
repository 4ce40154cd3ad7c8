package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Element-wise quotient with numpy broadcasting, ONNX {@code Div}: {@code C = A / B} (IEEE semantics: division
 * by zero gives ±Infinity or NaN); gradients {@code dA = unbroadcast(dC / B)},
 * {@code dB = −unbroadcast(dC · A / B²)}, summed over the dimensions along which each operand was broadcast
 * (e.g. a per-channel standard deviation {@code [1, C, 1, 1]}).
 */
public record Div() implements Op {

    /**
     * {@inheritDoc}
     *
     * <p>The numpy broadcast shape of the two inputs.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Mul.broadcastShape("Div", in);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Div", in, 2, 2);
        return Mul.broadcastOp("divide", "Div", in[0], in[1]);
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray[] res = new INDArray[2];
        if (!wanted[0] && !wanted[1]) {
            return res;
        }
        INDArray t = Mul.broadcastOp("divide", "Div", g, in[1]);
        if (wanted[0]) {
            res[0] = OpSupport.unbroadcast(t, in[0].shape());
        }
        if (wanted[1]) {
            INDArray ta = Mul.broadcastOp("multiply", "Div", t, in[0]);
            INDArray tab = Mul.broadcastOp("divide", "Div", ta, in[1]);
            res[1] = OpSupport.unbroadcast(tab, in[1].shape()).negi();
            OpSupport.release(ta);
            OpSupport.release(tab);
        }
        OpSupport.release(t);
        return res;
    }
}
