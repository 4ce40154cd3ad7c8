package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.OpSupport.release;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Batch normalization in inference mode, ONNX {@code BatchNormalization} (single output, running statistics
 * as inputs): inputs {@code X [N, C, ...]}, {@code scale}, {@code B}, {@code mean}, {@code var} (each with
 * {@code C} values);
 * <pre>  Y[n,c,...] = scale[c] · (X[n,c,...] - mean[c]) / sqrt(var[c] + ε) + B[c]</pre>
 * an affine map per channel, so the gradients are exact and simple: with {@code inv = 1/sqrt(var + ε)} and
 * sums over every dimension but the channel,
 * <pre>  dX = dY · scale·inv          dB = Σ dY          dscale = inv · Σ dY·(X - mean)
 *  dmean = -scale·inv · Σ dY     dvar = -½ · scale · inv³ · Σ dY·(X - mean)</pre>
 * There are no batch statistics (training-mode batch normalization is not supported).
 *
 * @param epsilon ε, ONNX default {@code 1e-5}; must be non-negative and finite
 */
public record BatchNorm(double epsilon) implements Op {

    /** Validates the attribute. */
    public BatchNorm {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("BatchNorm epsilon must be non-negative and finite, found " + epsilon);
        }
    }

    /** With the ONNX default {@code ε = 1e-5}. */
    public static BatchNorm standard() {
        return new BatchNorm(1e-5);
    }

    private static final String[] NAMES = {"X", "scale", "B", "mean", "var"};

    private static void check(INDArray[] in) {
        if (in.length != 5) {
            throw new IllegalArgumentException("BatchNorm needs 5 inputs (X, scale, B, mean, var), found " + in.length);
        }
        INDArray x = in[0];
        if (x.rank() < 2) {
            throw new IllegalArgumentException("BatchNorm input X must have rank 2 or more ([N, C, ...]), found shape "
                    + Arrays.toString(x.shape()));
        }
        for (int i = 1; i < 5; i++) {
            if (in[i].length() != x.size(1)) {
                throw new IllegalArgumentException("BatchNorm " + NAMES[i] + " must have " + x.size(1) + " values (channels of X "
                        + Arrays.toString(x.shape()) + "), found shape " + Arrays.toString(in[i].shape()));
            }
        }
    }

    /** A parameter as a {@code [C]} vector (the array itself when it already is one). */
    static INDArray vec(INDArray p) {
        return p.rank() == 1 ? p : p.reshape(p.length());
    }

    /** A fresh {@code [C]} result in the shape of its parameter, releasing the vector if it had to be reshaped. */
    static INDArray shaped(INDArray r, long[] shape) {
        if (Arrays.equals(r.shape(), shape)) {
            return r;
        }
        INDArray o = r.reshape(shape).dup();
        release(r);
        return o;
    }

    private static void releaseVec(INDArray v, INDArray p) {
        if (v != p) {
            release(v);
        }
    }

    /** All dimensions but 1. */
    static int[] nonChannelDims(int rank) {
        int[] d = new int[rank - 1];
        d[0] = 0;
        for (int i = 2; i < rank; i++) {
            d[i - 1] = i;
        }
        return d;
    }

    /** {@code 1 / sqrt(var + ε)}, fresh. */
    private INDArray inverseStd(INDArray var) {
        INDArray t = var.add(epsilon);
        Transforms.sqrt(t, false);
        return t.rdivi(1.0);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code X [N, C, ...]}'s shape; {@code scale}, {@code B}, {@code mean} and {@code var} must have {@code C} values each.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("BatchNorm", in, 5, 5);
        long[] x = in[0];
        Shapes.minRank("BatchNorm input X", x, 2, "[N, C, ...]");
        for (int i = 1; i < 5; i++) {
            if (Shapes.count(in[i]) != x[1]) {
                throw new IllegalArgumentException("BatchNorm " + NAMES[i] + " must have " + x[1] + " values (channels of X "
                        + Arrays.toString(x) + "), found shape " + Arrays.toString(in[i]));
            }
        }
        return Shapes.output("BatchNorm", x.clone());
    }

    @Override
    public INDArray forward(INDArray[] in) {
        check(in);
        INDArray x = in[0];
        INDArray scale = vec(in[1]);
        INDArray b = vec(in[2]);
        INDArray mean = vec(in[3]);
        INDArray var = vec(in[4]);
        INDArray a = inverseStd(var).muli(scale);
        INDArray ma = mean.mul(a);
        INDArray shift = b.sub(ma);
        release(ma);
        INDArray y = x.ulike();
        Broadcast.mul(x, a, y, 1);
        Broadcast.add(y, shift, y, 1);
        release(a);
        release(shift);
        releaseVec(scale, in[1]);
        releaseVec(b, in[2]);
        releaseVec(mean, in[3]);
        releaseVec(var, in[4]);
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        check(in);
        INDArray x = in[0];
        INDArray scale = vec(in[1]);
        INDArray mean = vec(in[3]);
        INDArray var = vec(in[4]);
        int[] dims = nonChannelDims(x.rank());
        INDArray inv = inverseStd(var);
        INDArray a = inv.mul(scale);
        INDArray gsum = g.sum(dims);
        INDArray gx = g.mul(x);
        INDArray gxsum = gx.sum(dims);
        release(gx);
        // Σ dY·(X - mean) = Σ dY·X - mean·Σ dY
        INDArray mg = mean.mul(gsum);
        INDArray gcen = gxsum.subi(mg);
        release(mg);
        INDArray[] res = new INDArray[5];
        if (wanted[0]) {
            res[0] = g.ulike();
            Broadcast.mul(g, a, res[0], 1);
        }
        if (wanted[1]) {
            res[1] = shaped(gcen.mul(inv), in[1].shape());
        }
        if (wanted[2]) {
            res[2] = shaped(gsum.dup(), in[2].shape());
        }
        if (wanted[3]) {
            res[3] = shaped(gsum.mul(a).negi(), in[3].shape());
        }
        if (wanted[4]) {
            INDArray inv3 = inv.mul(inv).muli(inv);
            res[4] = shaped(gcen.mul(scale).muli(inv3).muli(-0.5), in[4].shape());
            release(inv3);
        }
        release(inv);
        release(a);
        release(gsum);
        release(gcen);
        releaseVec(scale, in[1]);
        releaseVec(mean, in[3]);
        releaseVec(var, in[4]);
        return res;
    }

    @Override
    public String describe() {
        return "eps " + epsilon;
    }
}
