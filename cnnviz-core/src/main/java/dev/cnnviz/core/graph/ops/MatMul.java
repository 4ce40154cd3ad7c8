package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix product, ONNX {@code MatMul} (numpy {@code matmul} semantics):
 * <pre>  Y[..., m, n] = Σ_k A[..., m, k] · B[..., k, n]</pre>
 * For 2-D operands the plain product {@code [M, K]·[K, N] → [M, N]}; for N-D operands a batch of products
 * whose leading (batch) dimensions broadcast with numpy rules, e.g. {@code [2, 1, M, K]·[3, K, N] → [2, 3, M, N]}.
 * A 1-D {@code A [K]} is treated as {@code [1, K]} and a 1-D {@code B [K]} as {@code [K, 1]}, the added
 * dimension being removed from the result. Scalars (rank 0) are rejected.
 *
 * <p>Gradients {@code dA = unbroadcast(dY · Bᵀ)}, {@code dB = unbroadcast(Aᵀ · dY)}, summed over the batch
 * dimensions along which each operand was broadcast.
 */
public record MatMul() implements Op {

    /** The resolved geometry of one call: operands as (batch..., rows, cols) shapes. */
    private record Plan(long[] aShape, long[] bShape, long[] batch, long m, long k, long n, long[] outShape) {
        long batchSize() {
            long s = 1;
            for (long d : batch) {
                s *= d;
            }
            return s;
        }

        long[] full(long r, long c) {
            long[] f = Arrays.copyOf(batch, batch.length + 2);
            f[batch.length] = r;
            f[batch.length + 1] = c;
            return f;
        }
    }

    private static Plan plan(INDArray a, INDArray b) {
        return plan(a.shape(), b.shape());
    }

    private static Plan plan(long[] a, long[] b) {
        if (a.length == 0 || b.length == 0) {
            throw new IllegalArgumentException("MatMul needs operands of rank >= 1, found shapes " + Arrays.toString(a)
                    + " and " + Arrays.toString(b));
        }
        long[] as = a.length == 1 ? new long[] {1, a[0]} : a.clone();
        long[] bs = b.length == 1 ? new long[] {b[0], 1} : b.clone();
        long k = as[as.length - 1];
        if (k != bs[bs.length - 2]) {
            throw new IllegalArgumentException("MatMul inner dimensions differ: A " + Arrays.toString(a) + " has " + k
                    + " columns, B " + Arrays.toString(b) + " has " + bs[bs.length - 2] + " rows");
        }
        long[] batch;
        try {
            batch = OpSupport.broadcastShape(Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("MatMul batch dimensions of A " + Arrays.toString(a) + " and B "
                    + Arrays.toString(b) + " do not broadcast", e);
        }
        long m = as[as.length - 2];
        long n = bs[bs.length - 1];
        long[] out = Arrays.copyOf(batch, batch.length + (a.length == 1 ? 0 : 1) + (b.length == 1 ? 0 : 1));
        int i = batch.length;
        if (a.length > 1) {
            out[i++] = m;
        }
        if (b.length > 1) {
            out[i] = n;
        }
        return new Plan(as, bs, batch, m, k, n, out);
    }

    /**
     * {@inheritDoc}
     *
     * <p>numpy {@code matmul} shapes: {@code [..., M, K]·[..., K, N] → [broadcast(...), M, N]}, 1-D operands
     * promoted and their added dimension removed; a result of two 1-D operands is a scalar {@code []}.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("MatMul", in, 2, 2);
        return Shapes.output("MatMul", plan(in[0], in[1]).outShape());
    }

    /** An operand broadcast to the full batch and laid out as a fresh 2-D or 3-D array. */
    private static INDArray operand(INDArray x, long[] shape, Plan p, long r, long c) {
        INDArray v = Arrays.equals(x.shape(), shape) ? x : x.reshape('c', shape);
        INDArray full = Mul.expand(v, p.full(r, c));
        if (p.batch.length <= 1) {
            return full;
        }
        INDArray res = Reshape.copyAs(full, new long[] {p.batchSize(), r, c});
        OpSupport.release(full);
        return res;
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("MatMul", in, 2, 2);
        Plan p = plan(in[0], in[1]);
        INDArray a = operand(in[0], p.aShape, p, p.m, p.k);
        INDArray b = operand(in[1], p.bShape, p, p.k, p.n);
        INDArray y = mm(a, b, false, false);
        INDArray out = Reshape.copyAs(y, p.outShape);
        OpSupport.release(a);
        OpSupport.release(b);
        OpSupport.release(y);
        return out;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        Plan p = plan(in[0], in[1]);
        INDArray g3 = Reshape.copyAs(g, p.batch.length == 0 ? new long[] {p.m, p.n} : new long[] {p.batchSize(), p.m, p.n});
        INDArray[] res = new INDArray[2];
        if (wanted[0]) {
            INDArray b = operand(in[1], p.bShape, p, p.k, p.n);
            INDArray ga = mm(g3, b, false, true);
            res[0] = reduce(ga, p.full(p.m, p.k), p.aShape, in[0].shape());
            OpSupport.release(b);
            OpSupport.release(ga);
        }
        if (wanted[1]) {
            INDArray a = operand(in[0], p.aShape, p, p.m, p.k);
            INDArray gb = mm(a, g3, true, false);
            res[1] = reduce(gb, p.full(p.k, p.n), p.bShape, in[1].shape());
            OpSupport.release(a);
            OpSupport.release(gb);
        }
        OpSupport.release(g3);
        return res;
    }

    /**
     * Sums a full-batch gradient over the operand's broadcast dimensions ({@code shape2d}: the operand as at
     * least 2-D) and lays it out as the operand.
     */
    private static INDArray reduce(INDArray grad, long[] full, long[] shape2d, long[] operandShape) {
        INDArray shaped = Reshape.copyAs(grad, full);
        INDArray summed = OpSupport.unbroadcast(shaped, shape2d);
        OpSupport.release(shaped);
        if (Arrays.equals(shape2d, operandShape)) {
            return summed;
        }
        INDArray res = Reshape.copyAs(summed, operandShape);
        OpSupport.release(summed);
        return res;
    }

    /**
     * A fresh c-ordered matrix product of two 2-D operands, or batched product of two 3-D operands with the same
     * batch size, through libnd4j's {@code matmul}, optionally transposing either operand.
     */
    static INDArray mm(INDArray x, INDArray y, boolean tx, boolean ty) {
        int r = x.rank();
        long m = tx ? x.size(r - 1) : x.size(r - 2);
        long n = ty ? y.size(r - 2) : y.size(r - 1);
        long[] shape = r == 2 ? new long[] {m, n} : new long[] {x.size(0), m, n};
        INDArray out = Nd4j.createUninitialized(x.dataType(), shape, 'c');
        long k = tx ? x.size(r - 2) : x.size(r - 1);
        if (k == 0) {
            return out.assign(0);
        }
        if (out.length() > 0) {
            OpSupport.exec("matmul", new INDArray[] {x, y}, new INDArray[] {out}, tx ? 1 : 0, ty ? 1 : 0);
        }
        return out;
    }
}
