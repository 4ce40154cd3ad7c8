package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * N-ary element-wise sum with numpy broadcasting, ONNX {@code Sum}: {@code Y = X₁ + X₂ + … + Xₙ} for one or
 * more inputs; each input's gradient is the output gradient summed over the dimensions along which that
 * input was broadcast. (Residual additions of exactly two tensors are usually {@link Add}.)
 */
public record Sum() implements Op {

    private static long[] shape(INDArray[] in) {
        long[] s = in[0].shape();
        try {
            for (int i = 1; i < in.length; i++) {
                s = OpSupport.broadcastShape(s, in[i].shape());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Sum: input shapes " + Arrays.stream(in).map(a -> Arrays.toString(a.shape()))
                    .collect(Collectors.joining(", ")) + " do not broadcast (numpy rules)", e);
        }
        return s;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The numpy broadcast shape of all inputs (one or more).
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Sum", in, 1, Integer.MAX_VALUE);
        long[] s = in[0];
        try {
            for (int i = 1; i < in.length; i++) {
                s = OpSupport.broadcastShape(s, in[i]);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Sum: input shapes " + Arrays.stream(in).map(Arrays::toString)
                    .collect(Collectors.joining(", ")) + " do not broadcast (numpy rules)", e);
        }
        return Shapes.output("Sum", s.clone());
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Sum", in, 1, Integer.MAX_VALUE);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == null) {
                throw new IllegalArgumentException("Sum input " + i + " is missing (null)");
            }
        }
        long[] shape = shape(in);
        INDArray y = Mul.expand(in[0], shape);
        for (int i = 1; i < in.length; i++) {
            INDArray t = Mul.expand(in[i], shape);
            y.addi(t);
            OpSupport.release(t);
        }
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray[] res = new INDArray[in.length];
        for (int i = 0; i < in.length; i++) {
            if (wanted[i]) {
                res[i] = OpSupport.unbroadcast(g, in[i].shape());
            }
        }
        return res;
    }
}
