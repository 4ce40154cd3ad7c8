package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Element-wise sum with numpy broadcasting, ONNX {@code Add}: {@code C = A + B}; each input's gradient is
 * the output gradient summed over the dimensions it was broadcast along.
 */
public record Add() implements Op {

    /**
     * {@inheritDoc}
     *
     * <p>The numpy broadcast shape of the two inputs.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Mul.broadcastShape("Add", in);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        return Mul.broadcastOp("add", "Add", in[0], in[1]);
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        return new INDArray[] {
            wanted[0] ? OpSupport.unbroadcast(g, in[0].shape()) : null,
            wanted[1] ? OpSupport.unbroadcast(g, in[1].shape()) : null
        };
    }
}
