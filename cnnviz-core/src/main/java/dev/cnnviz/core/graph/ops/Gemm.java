package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * General matrix multiplication, ONNX {@code Gemm}: inputs {@code A}, {@code B} and an optional {@code C};
 * <pre>  Y = α · A' · B' + β · C,   A' = transA ? Aᵀ : A  [M, K],   B' = transB ? Bᵀ : B  [K, N]</pre>
 * with {@code C} unidirectionally broadcast to {@code [M, N]} (numpy rules: {@code []}, {@code [1]},
 * {@code [N]}, {@code [1, N]}, {@code [M, 1]} or {@code [M, N]}). A fully connected layer exported from
 * PyTorch is {@code Gemm(1, 1, false, true)} with {@code B} the {@code [out, in]} weights.
 *
 * <p>Gradients: {@code dA' = α · dY · B'ᵀ}, {@code dB' = α · A'ᵀ · dY} (transposed back when the operand was
 * transposed) and {@code dC = β · unbroadcast(dY)}.
 *
 * @param alpha  the scale of the product, finite; ONNX default 1
 * @param beta   the scale of C, finite; ONNX default 1
 * @param transA whether A is given transposed ({@code [K, M]}); default false
 * @param transB whether B is given transposed ({@code [N, K]}); default false
 */
public record Gemm(double alpha, double beta, boolean transA, boolean transB) implements Op {

    /** Validates the scales. */
    public Gemm {
        if (!Double.isFinite(alpha) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("Gemm alpha and beta must be finite, found alpha " + alpha + ", beta " + beta);
        }
    }

    /** A Gemm with the ONNX defaults: {@code Y = A · B + C}. */
    public Gemm() {
        this(1, 1, false, false);
    }

    private String operands(INDArray a, INDArray b) {
        return "A " + Arrays.toString(a.shape()) + (transA ? " (transposed)" : "") + " and B " + Arrays.toString(b.shape())
                + (transB ? " (transposed)" : "");
    }

    /** Validates the shapes, returning {M, K, N}. */
    private long[] check(INDArray a, INDArray b, INDArray c) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("Gemm needs 2-D A and B, found " + operands(a, b));
        }
        long m = transA ? a.size(1) : a.size(0);
        long k = transA ? a.size(0) : a.size(1);
        long kb = transB ? b.size(1) : b.size(0);
        long n = transB ? b.size(0) : b.size(1);
        if (k != kb) {
            throw new IllegalArgumentException("Gemm inner dimensions differ (" + k + " vs " + kb + ") for " + operands(a, b));
        }
        if (c != null) {
            long[] mn = {m, n};
            long[] bc;
            try {
                bc = OpSupport.broadcastShape(c.shape(), mn);
            } catch (IllegalArgumentException e) {
                bc = null;
            }
            if (bc == null || !Arrays.equals(bc, mn)) {
                throw new IllegalArgumentException("Gemm C shape " + Arrays.toString(c.shape()) + " does not broadcast to the output shape "
                        + Arrays.toString(mn) + " of " + operands(a, b));
            }
        }
        return new long[] {m, k, n};
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code A}, {@code B} (2-D) and optionally {@code C}; output {@code [M, N]}. Checks the inner dimensions and
     * that {@code C} broadcasts to {@code [M, N]}.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Gemm", in, 2, 3);
        long[] a = in[0];
        long[] b = in[1];
        String operands = "A " + Arrays.toString(a) + (transA ? " (transposed)" : "") + " and B " + Arrays.toString(b)
                + (transB ? " (transposed)" : "");
        if (a.length != 2 || b.length != 2) {
            throw new IllegalArgumentException("Gemm needs 2-D A and B, found " + operands);
        }
        long m = transA ? a[1] : a[0];
        long k = transA ? a[0] : a[1];
        long kb = transB ? b[1] : b[0];
        long n = transB ? b[0] : b[1];
        if (k != kb) {
            throw new IllegalArgumentException("Gemm inner dimensions differ (" + k + " vs " + kb + ") for " + operands);
        }
        long[] mn = {m, n};
        if (in.length > 2 && !OpSupport.broadcastsTo(in[2], mn)) {
            throw new IllegalArgumentException("Gemm C shape " + Arrays.toString(in[2]) + " does not broadcast to the output shape "
                    + Arrays.toString(mn) + " of " + operands);
        }
        return Shapes.output("Gemm", mn);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Gemm", in, 2, 3);
        INDArray a = in[0];
        INDArray b = in[1];
        INDArray c = in.length > 2 ? in[2] : null;
        long[] mkn = check(a, b, c);
        INDArray y = MatMul.mm(a, b, transA, transB);
        if (alpha != 1) {
            y.muli(alpha);
        }
        if (c != null) {
            INDArray cb = Mul.expand(c, new long[] {mkn[0], mkn[2]});
            y.addi(cb.muli(beta));
            OpSupport.release(cb);
        }
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray a = in[0];
        INDArray b = in[1];
        INDArray c = in.length > 2 ? in[2] : null;
        check(a, b, c);
        INDArray[] res = new INDArray[in.length];
        if (wanted[0]) {
            // dA' = α dY B'ᵀ; with transA, dA = (dA')ᵀ = α B' dYᵀ.
            res[0] = transA ? MatMul.mm(b, g, transB, true) : MatMul.mm(g, b, false, !transB);
            if (alpha != 1) {
                res[0].muli(alpha);
            }
        }
        if (wanted[1]) {
            // dB' = α A'ᵀ dY; with transB, dB = (dB')ᵀ = α dYᵀ A'.
            res[1] = transB ? MatMul.mm(g, a, true, transA) : MatMul.mm(a, g, !transA, false);
            if (alpha != 1) {
                res[1].muli(alpha);
            }
        }
        if (c != null && wanted[2]) {
            res[2] = OpSupport.unbroadcast(g, c.shape()).muli(beta);
        }
        return res;
    }

    @Override
    public String describe() {
        return (alpha == 1 ? "" : "alpha " + alpha + " ") + (beta == 1 ? "" : "beta " + beta + " ")
                + (transA ? "transA " : "") + (transB ? "transB" : "");
    }
}
