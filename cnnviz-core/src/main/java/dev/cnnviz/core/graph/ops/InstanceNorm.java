package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.OpSupport.release;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Instance normalization, ONNX {@code InstanceNormalization}: inputs {@code X [N, C, H, W]} (any number of
 * spatial dimensions), {@code scale [C]}, {@code B [C]}; for every {@code (n, c)}, with mean {@code μ} and
 * biased variance {@code σ²} over the {@code S} spatial positions,
 * <pre>  x̂ = (x - μ) / sqrt(σ² + ε)        Y = scale[c] · x̂ + B[c]</pre>
 * Gradient (exact, including the terms through {@code μ} and {@code σ²}), with means over the spatial
 * positions of one {@code (n, c)}:
 * <pre>  dX = scale[c] / sqrt(σ² + ε) · (dY - mean(dY) - x̂ · mean(dY · x̂))
 *  dscale[c] = Σ_{n,s} dY · x̂        dB[c] = Σ_{n,s} dY</pre>
 *
 * @param epsilon ε, ONNX default {@code 1e-5}; must be non-negative and finite
 */
public record InstanceNorm(double epsilon) implements Op {

    /** Validates the attribute. */
    public InstanceNorm {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("InstanceNorm epsilon must be non-negative and finite, found " + epsilon);
        }
    }

    /** With the ONNX default {@code ε = 1e-5}. */
    public static InstanceNorm standard() {
        return new InstanceNorm(1e-5);
    }

    private static void check(INDArray[] in) {
        if (in.length != 3) {
            throw new IllegalArgumentException("InstanceNorm needs 3 inputs (X, scale, B), found " + in.length);
        }
        INDArray x = in[0];
        if (x.rank() < 3) {
            throw new IllegalArgumentException("InstanceNorm input X must have rank 3 or more ([N, C, spatial...]), found shape "
                    + Arrays.toString(x.shape()));
        }
        for (int i = 1; i < 3; i++) {
            if (in[i].length() != x.size(1)) {
                throw new IllegalArgumentException("InstanceNorm " + (i == 1 ? "scale" : "B") + " must have " + x.size(1)
                        + " values (channels of X " + Arrays.toString(x.shape()) + "), found shape " + Arrays.toString(in[i].shape()));
            }
        }
    }

    /**
     * The normalized input: a fresh array (to release), its {@code x̂ [N·C, S]} view and
     * {@code 1/sqrt(σ² + ε) [N·C, 1]} (fresh).
     */
    private INDArray[] normalize(INDArray x) {
        long rows = x.size(0) * x.size(1);
        long s = x.length() / rows;
        INDArray base = x.dup('c');
        INDArray x2 = base.reshape(rows, s);
        INDArray mu = x2.mean(true, 1);
        x2.subiColumnVector(mu);
        INDArray sq = x2.mul(x2);
        INDArray var = sq.mean(true, 1);
        release(sq);
        release(mu);
        INDArray rstd = Transforms.sqrt(var.addi(epsilon), false).rdivi(1.0);
        x2.muliColumnVector(rstd);
        return new INDArray[] {base, x2, rstd};
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code X [N, C, spatial...]}'s shape; {@code scale} and {@code B} must have {@code C} values each.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("InstanceNorm", in, 3, 3);
        long[] x = in[0];
        Shapes.minRank("InstanceNorm input X", x, 3, "[N, C, spatial...]");
        for (int i = 1; i < 3; i++) {
            if (Shapes.count(in[i]) != x[1]) {
                throw new IllegalArgumentException("InstanceNorm " + (i == 1 ? "scale" : "B") + " must have " + x[1]
                        + " values (channels of X " + Arrays.toString(x) + "), found shape " + Arrays.toString(in[i]));
            }
        }
        return Shapes.output("InstanceNorm", x.clone());
    }

    @Override
    public INDArray forward(INDArray[] in) {
        check(in);
        INDArray x = in[0];
        INDArray scale = BatchNorm.vec(in[1]);
        INDArray b = BatchNorm.vec(in[2]);
        INDArray[] nr = normalize(x);
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
        INDArray y3 = y.reshape(x.size(0), x.size(1), nr[1].size(1));
        INDArray xh3 = nr[1].reshape(x.size(0), x.size(1), nr[1].size(1));
        Broadcast.mul(xh3, scale, y3, 1);
        Broadcast.add(y3, b, y3, 1);
        release(nr[0]);
        release(nr[2]);
        if (scale != in[1]) {
            release(scale);
        }
        if (b != in[2]) {
            release(b);
        }
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        check(in);
        INDArray x = in[0];
        long n = x.size(0);
        long c = x.size(1);
        INDArray scale = BatchNorm.vec(in[1]);
        INDArray[] nr = normalize(x);
        INDArray xh = nr[1];
        INDArray rstd = nr[2];
        long s = xh.size(1);
        INDArray gBase = g.dup('c');
        INDArray g2 = gBase.reshape(n * c, s);
        INDArray gxh = g2.mul(xh);
        INDArray[] res = new INDArray[3];
        if (wanted[1]) {
            res[1] = BatchNorm.shaped(gxh.reshape(n, c, s).sum(0, 2), in[1].shape());
        }
        if (wanted[2]) {
            res[2] = BatchNorm.shaped(g2.reshape(n, c, s).sum(0, 2), in[2].shape());
        }
        if (wanted[0]) {
            INDArray gm = g2.mean(true, 1);
            INDArray gxhm = gxh.mean(true, 1);
            INDArray dx = Nd4j.createUninitialized(x.dataType(), x.shape());
            INDArray dx2 = dx.reshape(n * c, s);
            // dx = (g - mean(g) - x̂·mean(g·x̂)) · rstd · scale
            dx2.assign(xh);
            dx2.muliColumnVector(gxhm).negi().addi(g2).subiColumnVector(gm).muliColumnVector(rstd);
            INDArray dx3 = dx.reshape(n, c, s);
            Broadcast.mul(dx3, scale, dx3, 1);
            release(gm);
            release(gxhm);
            res[0] = dx;
        }
        release(gxh);
        release(gBase);
        release(nr[0]);
        release(rstd);
        if (scale != in[1]) {
            release(scale);
        }
        return res;
    }

    @Override
    public String describe() {
        return "eps " + epsilon;
    }
}
