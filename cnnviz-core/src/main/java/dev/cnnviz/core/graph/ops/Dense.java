package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fully connected layer in the Keras/DL4J weight layout: inputs {@code X [N, in]}, {@code W [in, out]} and an
 * optional bias {@code b [out]} (or {@code [1, out]});
 * <pre>  Y = X · W + b   [N, out]</pre>
 * Gradients {@code dX = dY · Wᵀ}, {@code dW = Xᵀ · dY}, {@code db = Σ_n dY[n, :]}. (ONNX models express the
 * same layer as {@link Gemm}.)
 */
public record Dense() implements Op {

    private static void check(INDArray x, INDArray w, INDArray b) {
        if (x.rank() != 2 || w.rank() != 2) {
            throw new IllegalArgumentException("Dense needs 2-D X [N, in] and W [in, out], found X " + Arrays.toString(x.shape())
                    + " and W " + Arrays.toString(w.shape()));
        }
        if (x.size(1) != w.size(0)) {
            throw new IllegalArgumentException("Dense input X " + Arrays.toString(x.shape()) + " has " + x.size(1)
                    + " features but W " + Arrays.toString(w.shape()) + " expects " + w.size(0));
        }
        if (b != null && (b.length() != w.size(1) || b.rank() > 2 || b.rank() == 0 || b.size(b.rank() - 1) != w.size(1))) {
            throw new IllegalArgumentException("Dense bias must have shape [" + w.size(1) + "] for W " + Arrays.toString(w.shape())
                    + ", found " + Arrays.toString(b.shape()));
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code X [N, in]}, {@code W [in, out]} and optionally {@code b [out]} or {@code [1, out]}; output
     * {@code [N, out]}.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Dense", in, 2, 3);
        long[] x = in[0];
        long[] w = in[1];
        if (x.length != 2 || w.length != 2) {
            throw new IllegalArgumentException("Dense needs 2-D X [N, in] and W [in, out], found X " + Arrays.toString(x)
                    + " and W " + Arrays.toString(w));
        }
        if (x[1] != w[0]) {
            throw new IllegalArgumentException("Dense input X " + Arrays.toString(x) + " has " + x[1]
                    + " features but W " + Arrays.toString(w) + " expects " + w[0]);
        }
        if (in.length > 2) {
            long[] b = in[2];
            if (Shapes.count(b) != w[1] || b.length > 2 || b.length == 0 || b[b.length - 1] != w[1]) {
                throw new IllegalArgumentException("Dense bias must have shape [" + w[1] + "] for W " + Arrays.toString(w)
                        + ", found " + Arrays.toString(b));
            }
        }
        return Shapes.output("Dense", new long[] {x[0], w[1]});
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Dense", in, 2, 3);
        INDArray x = in[0];
        INDArray w = in[1];
        INDArray b = in.length > 2 ? in[2] : null;
        check(x, w, b);
        INDArray y = MatMul.mm(x, w, false, false);
        if (b != null) {
            INDArray bb = Mul.expand(b, y.shape());
            y.addi(bb);
            OpSupport.release(bb);
        }
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray x = in[0];
        INDArray w = in[1];
        INDArray b = in.length > 2 ? in[2] : null;
        check(x, w, b);
        INDArray[] res = new INDArray[in.length];
        if (wanted[0]) {
            res[0] = MatMul.mm(g, w, false, true);
        }
        if (wanted[1]) {
            res[1] = MatMul.mm(x, g, true, false);
        }
        if (b != null && wanted[2]) {
            res[2] = OpSupport.unbroadcast(g, b.shape());
        }
        return res;
    }
}
