package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Axis permutation, ONNX {@code Transpose}: output axis {@code i} is input axis {@code perm[i]}, i.e.
 * {@code Y[i₀, …] = X[…]} with {@code shape(Y)[i] = shape(X)[perm[i]]} (e.g. {@code [0, 2, 3, 1]} turns
 * NCHW into NHWC). The gradient is the output gradient permuted by the inverse permutation.
 *
 * @param perm a permutation of {@code 0 … rank−1}; empty (or null) means the ONNX default, reversing the axes
 */
public record Transpose(int[] perm) implements Op, Graph.ShapeOnly {

    /** Validates and copies the permutation. */
    public Transpose {
        perm = perm == null ? new int[0] : perm.clone();
        boolean[] seen = new boolean[perm.length];
        for (int p : perm) {
            if (p < 0 || p >= perm.length || seen[p]) {
                throw new IllegalArgumentException("Transpose perm must be a permutation of 0.." + (perm.length - 1)
                        + ", found " + Arrays.toString(perm));
            }
            seen[p] = true;
        }
    }

    /** A Transpose reversing the axes (the ONNX default). */
    public Transpose() {
        this(new int[0]);
    }

    @Override
    public int[] perm() {
        return perm.clone();
    }

    /** The permutation for an input of this rank. */
    private int[] resolve(INDArray x) {
        return resolve(x.shape());
    }

    /** The permutation for an input of this shape. */
    private int[] resolve(long[] x) {
        if (perm.length == 0) {
            int[] p = new int[x.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = p.length - 1 - i;
            }
            return p;
        }
        if (perm.length != x.length) {
            throw new IllegalArgumentException("Transpose perm " + Arrays.toString(perm) + " has " + perm.length
                    + " axes but the input shape " + Arrays.toString(x) + " has rank " + x.length);
        }
        return perm;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code shape(Y)[i] = shape(X)[perm[i]]}; the permutation must have the input's rank.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Transpose", in, 1, 1);
        int[] p = resolve(in[0]);
        long[] out = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = in[0][p[i]];
        }
        return Shapes.output("Transpose", out);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Transpose", in, 1, 1);
        int[] p = resolve(in[0]);
        return p.length < 2 ? in[0].dup('c') : in[0].permute(p).dup('c');
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        if (!wanted[0]) {
            return new INDArray[1];
        }
        int[] p = resolve(in[0]);
        int[] inverse = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            inverse[p[i]] = i;
        }
        return new INDArray[] {p.length < 2 ? g.dup('c') : g.permute(inverse).dup('c')};
    }

    @Override
    public String describe() {
        return perm.length == 0 ? "reverse" : "perm " + Arrays.toString(perm);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transpose t && Arrays.equals(t.perm, perm);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(perm);
    }

    @Override
    public String toString() {
        return "Transpose[perm=" + Arrays.toString(perm) + "]";
    }
}
