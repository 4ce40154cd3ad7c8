package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Element-wise product with numpy broadcasting, ONNX {@code Mul}: {@code C = A ⊙ B};
 * gradients {@code dA = unbroadcast(dC ⊙ B)}, {@code dB = unbroadcast(dC ⊙ A)}, where {@code unbroadcast} sums
 * over the dimensions along which the operand was broadcast.
 *
 * <p>This class also holds the package's element-wise helpers ({@link #broadcastOp}, {@link #expand},
 * {@link #mask}, {@link #requireInputs}) shared by the other element-wise and activation operators.
 */
public record Mul() implements Op {

    /**
     * {@inheritDoc}
     *
     * <p>The numpy broadcast shape of the two inputs.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Mul.broadcastShape("Mul", in);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        requireInputs("Mul", in, 2, 2);
        return broadcastOp("multiply", "Mul", in[0], in[1]);
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray[] res = new INDArray[2];
        if (wanted[0]) {
            INDArray t = broadcastOp("multiply", "Mul", g, in[1]);
            res[0] = OpSupport.unbroadcast(t, in[0].shape());
            OpSupport.release(t);
        }
        if (wanted[1]) {
            INDArray t = broadcastOp("multiply", "Mul", g, in[0]);
            res[1] = OpSupport.unbroadcast(t, in[1].shape());
            OpSupport.release(t);
        }
        return res;
    }

    /**
     * The numpy broadcast shape of exactly two input shapes, for the binary element-wise operators.
     *
     * @param kind the operator kind named in error messages
     * @throws IllegalArgumentException naming both shapes when they do not broadcast
     */
    static long[] broadcastShape(String kind, long[][] in) {
        Shapes.inputs(kind, in, 2, 2);
        long[] s;
        try {
            s = OpSupport.broadcastShape(in[0], in[1]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(kind + ": input shapes " + Arrays.toString(in[0]) + " and "
                    + Arrays.toString(in[1]) + " do not broadcast (numpy rules)", e);
        }
        return Shapes.output(kind, s);
    }

    /**
     * Runs a broadcastable libnd4j pairwise op ({@code "add"}, {@code "subtract"}, {@code "multiply"},
     * {@code "divide"}) into a fresh c-ordered array of the numpy broadcast shape.
     *
     * @param kind the operator kind named in error messages
     * @throws IllegalArgumentException naming both shapes when they do not broadcast
     */
    static INDArray broadcastOp(String libOp, String kind, INDArray a, INDArray b) {
        long[] shape;
        try {
            shape = OpSupport.broadcastShape(a.shape(), b.shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(kind + ": input shapes " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()) + " do not broadcast (numpy rules)", e);
        }
        INDArray out = Nd4j.createUninitialized(a.dataType(), shape, 'c');
        if (out.length() > 0) {
            OpSupport.exec(libOp, new INDArray[] {withRank(a, shape.length), withRank(b, shape.length)}, new INDArray[] {out});
        }
        return out;
    }

    /**
     * {@code a} with leading size-1 dimensions up to {@code rank} (a reshaped view where possible; never to be
     * released). libnd4j's pairwise ops do not broadcast operands of different ranks by numpy rules when one
     * has length 1: e.g. {@code [1, 1] - [2]} is computed as shape {@code [2]} instead of {@code [1, 2]}.
     */
    static INDArray withRank(INDArray a, int rank) {
        if (a.rank() >= rank) {
            return a;
        }
        long[] padded = new long[rank];
        Arrays.fill(padded, 1);
        System.arraycopy(a.shape(), 0, padded, rank - a.rank(), a.rank());
        return a.reshape('c', padded);
    }

    /**
     * Broadcasts {@code v} to {@code shape} (numpy rules, {@code v} unidirectionally broadcastable) as a fresh
     * c-ordered array. Unlike {@code INDArray.assign}, which silently copies a smaller array linearly, this
     * really repeats the values.
     */
    static INDArray expand(INDArray v, long[] shape) {
        if (Arrays.equals(v.shape(), shape)) {
            return Reshape.copyAs(v, shape);
        }
        INDArray out = Nd4j.zeros(v.dataType(), shape);
        if (out.length() > 0) {
            OpSupport.exec("add", new INDArray[] {out, withRank(v, shape.length)}, new INDArray[] {out});
        }
        return out;
    }

    /** Converts a boolean mask to 0/1 values of {@code type}, releasing the mask. */
    static INDArray mask(INDArray bool, DataType type) {
        INDArray m = bool.castTo(type);
        if (m != bool) {
            OpSupport.release(bool);
        }
        return m;
    }

    /**
     * Requires between {@code min} and {@code max} inputs, none of them null.
     *
     * @throws IllegalArgumentException naming the count found
     */
    static void requireInputs(String kind, INDArray[] in, int min, int max) {
        if (in == null || in.length < min || in.length > max) {
            throw new IllegalArgumentException(kind + " needs " + (min == max ? String.valueOf(min)
                    : max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max) + (max == 1 ? " input" : " inputs")
                    + ", found " + (in == null ? "none" : String.valueOf(in.length)));
        }
        for (int i = 0; i < min; i++) {
            if (in[i] == null) {
                throw new IllegalArgumentException(kind + " input " + i + " is missing (null)");
            }
        }
    }
}
