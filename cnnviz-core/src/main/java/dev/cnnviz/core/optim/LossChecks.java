package dev.cnnviz.core.optim;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.graph.HostArrays;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/** Argument checks and small array helpers shared by the {@link ArrayLoss} implementations. */
final class LossChecks {
    private LossChecks() {
    }

    /**
     * Checks the arguments of {@link ArrayLoss#evaluate}: both present, {@code a} a non-empty floating-point array
     * of rank at least 2 (the first dimension is the batch), {@code grad} of the same shape and type, and not the
     * same array as {@code a}.
     */
    static void requireArrays(String loss, INDArray a, INDArray grad) {
        if (a == null) {
            throw new IllegalArgumentException(loss + ": the array is null");
        }
        if (grad == null) {
            throw new IllegalArgumentException(loss + ": the gradient array is null");
        }
        if (!a.dataType().isFPType()) {
            throw new IllegalArgumentException(loss + ": the array must be floating point (float32 or float64), found "
                    + a.dataType());
        }
        if (a.rank() < 2) {
            throw new IllegalArgumentException(loss + ": the array must have a batch dimension first (rank >= 2), found shape "
                    + Arrays.toString(a.shape()));
        }
        if (a.isEmpty() || a.length() == 0) {
            throw new IllegalArgumentException(loss + ": the array is empty, shape " + Arrays.toString(a.shape()));
        }
        if (!Arrays.equals(a.shape(), grad.shape())) {
            throw new IllegalArgumentException(loss + ": the gradient array must have the array's shape "
                    + Arrays.toString(a.shape()) + ", found " + Arrays.toString(grad.shape()));
        }
        if (a.dataType() != grad.dataType()) {
            throw new IllegalArgumentException(loss + ": the gradient array must have the array's data type "
                    + a.dataType() + ", found " + grad.dataType());
        }
        if (a == grad) {
            throw new IllegalArgumentException(loss + ": the gradient array must not be the array itself");
        }
    }

    /** Requires rank 4 (NCHW). */
    static void requireNchw(String loss, INDArray a) {
        if (a.rank() != 4) {
            throw new IllegalArgumentException(loss + ": expected an activation [N, C, H, W] (rank 4), found shape "
                    + Arrays.toString(a.shape()));
        }
    }

    /** Requires a finite weight. */
    static double requireWeight(String loss, double weight) {
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException(loss + ": the weight must be finite, found " + weight);
        }
        return weight;
    }

    /** Requires a finite, non-empty floating-point array of rank at least {@code minRank}. */
    static void requireFiniteArray(String loss, String what, INDArray x, int minRank) {
        requireNonEmptyArray(loss, what, x, minRank);
        requireFiniteValues(loss, what, x);
    }

    /** Requires a non-empty floating-point array of rank at least {@code minRank} (its values not looked at). */
    static void requireNonEmptyArray(String loss, String what, INDArray x, int minRank) {
        if (x == null) {
            throw new IllegalArgumentException(loss + ": the " + what + " is null");
        }
        if (!x.dataType().isFPType()) {
            throw new IllegalArgumentException(loss + ": the " + what + " must be floating point, found " + x.dataType());
        }
        if (x.rank() < minRank || x.isEmpty() || x.length() == 0) {
            throw new IllegalArgumentException(loss + ": the " + what + " must be a non-empty array of rank >= " + minRank
                    + ", found shape " + Arrays.toString(x.shape()));
        }
    }

    /** Requires that {@code x} holds no NaN or infinite value. */
    static void requireFiniteValues(String loss, String what, INDArray x) {
        if (!HostArrays.allFinite(x)) {
            throw new IllegalArgumentException(loss + ": the " + what + " " + Arrays.toString(x.shape())
                    + " holds NaN or infinite values");
        }
    }

    /** Returns {@code value}, or throws {@link NonFiniteResultException} if it is NaN or infinite. */
    static double requireFinite(String loss, double value, INDArray a) {
        if (!Double.isFinite(value)) {
            throw new NonFiniteResultException(loss + " is " + value + " on an array " + Arrays.toString(a.shape())
                    + ": the array holds NaN or infinite values, or the loss overflowed its data type " + a.dataType());
        }
        return value;
    }

    /** A c-ordered copy outside any workspace (so that it outlives the caller's arrays). */
    static INDArray copyOf(INDArray x, DataType type) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return x.castTo(type).dup('c');
        }
    }

    /**
     * Whether {@code x} is of data type {@code type} and exactly its buffer in row-major order
     * ({@link HostArrays#plain}), so that its buffer may be read and written directly and its reshapes are views.
     */
    static boolean plain(INDArray x, DataType type) {
        return x.dataType() == type && HostArrays.plain(x);
    }

    /** {@code x} in the data type {@code type} (itself if it already is). */
    static INDArray as(INDArray x, DataType type) {
        return x.dataType() == type ? x : x.castTo(type);
    }

    /**
     * The batched matrix product of two rank-3 arrays with the same batch size, {@code x[n] · y[n]} (or with
     * {@code y[n]} transposed), as a fresh c-ordered array, through libnd4j's {@code matmul}.
     */
    static INDArray batchedMmul(INDArray x, INDArray y, boolean transposeY) {
        long n = x.size(0);
        long m = x.size(1);
        long cols = transposeY ? y.size(1) : y.size(2);
        INDArray out = Nd4j.createUninitialized(x.dataType(), new long[] {n, m, cols}, 'c');
        Nd4j.exec(DynamicCustomOp.builder("matmul")
                .addInputs(x, y)
                .addOutputs(out)
                .addIntegerArguments(0, transposeY ? 1 : 0)
                .build());
        return out;
    }

    /** {@code a} as a c-ordered [N, C, H·W] array (a view when {@code a} is c-ordered and contiguous). */
    static INDArray features(INDArray a) {
        return a.reshape('c', a.size(0), a.size(1), a.size(2) * a.size(3));
    }
}
