package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.OpSupport.release;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adaptive instance normalization (Huang &amp; Belongie, "Arbitrary Style Transfer in Real-time with Adaptive
 * Instance Normalization", ICCV 2017): inputs the content features {@code x [N, C, H, W]} and the style features
 * {@code y [N, C, H', W']} (same {@code N} and {@code C}, any spatial sizes); for every sample {@code n} and
 * channel {@code c}, with mean {@code μ} and standard deviation {@code σ} over the spatial positions,
 * <pre>  AdaIN(x, y) = σ(y) · (x - μ(x)) / σ(x) + μ(y)          σ(z) = sqrt(Σ (z - μ(z))² / (S - 1) + ε)</pre>
 * The standard deviation is that of the authors' PyTorch reference implementation ({@code calc_mean_std} of
 * naoto0804/pytorch-AdaIN, from the paper's Torch code): the <em>sample</em> variance (divisor {@code S - 1},
 * PyTorch's default {@code var}) plus {@code ε = 1e-5} ({@link #standard()}), square-rooted; so both inputs need
 * at least 2 spatial positions.
 *
 * <p>Gradients (exact), with {@code x̂ = (x - μ(x)) / σ(x)}, {@code g} the output gradient, sums and means over
 * the {@code S} positions of {@code x} (or {@code S'} of {@code y}) of one {@code (n, c)}:
 * <pre>  dx = σ(y) / σ(x) · (g - mean(g) - x̂ · Σ(g·x̂) / (S - 1))
 *  dy = Σ(g·x̂) · (y - μ(y)) / ((S' - 1) · σ(y)) + Σ(g) / S'</pre>
 *
 * <pre>{@code
 * Graph g = Graph.builder().input("content", 64, -1, -1).input("style", 64, -1, -1)
 *         .add("t", AdaIn.standard(), "content", "style").output("t").build();
 * }</pre>
 *
 * @param epsilon ε added to the variance; non-negative and finite
 */
public record AdaIn(double epsilon) implements Op {

    /** The reference implementation's {@code ε}. */
    public static final double DEFAULT_EPSILON = 1e-5;

    /** Validates the attribute. */
    public AdaIn {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("AdaIn epsilon must be non-negative and finite, found " + epsilon);
        }
    }

    /** @return AdaIN with the reference implementation's {@code ε = 1e-5} */
    public static AdaIn standard() {
        return new AdaIn(DEFAULT_EPSILON);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The content's shape; the style must have the same rank, batch and channels, and both at least 2 spatial
     * positions.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("AdaIn", in, 2, 2);
        check(in[0], in[1]);
        return Shapes.output("AdaIn", in[0].clone());
    }

    private static void check(long[] x, long[] y) {
        Shapes.minRank("AdaIn content", x, 3, "[N, C, spatial...]");
        if (y.length != x.length || y[0] != x[0] || y[1] != x[1]) {
            throw new IllegalArgumentException("AdaIn style " + Arrays.toString(y) + " must have the content's rank, batch and channels ("
                    + Arrays.toString(x) + ")");
        }
        if (Shapes.count(x) / (x[0] * x[1]) < 2 || Shapes.count(y) / (y[0] * y[1]) < 2) {
            throw new IllegalArgumentException("AdaIn needs at least 2 spatial positions per channel (a sample standard deviation), found content "
                    + Arrays.toString(x) + " and style " + Arrays.toString(y));
        }
    }

    /**
     * Per (n, c) statistics of a [N, C, ...] array: {@code centred [N·C, S]} (a view of the fresh third entry),
     * {@code σ [N·C, 1]} (fresh), the centred array's base (fresh, to release).
     */
    private INDArray[] stats(INDArray z) {
        long rows = z.size(0) * z.size(1);
        long s = z.length() / rows;
        INDArray base = z.dup('c');
        INDArray c = base.reshape(rows, s);
        INDArray mu = c.mean(true, 1);
        c.subiColumnVector(mu);
        release(mu);
        INDArray sq = c.mul(c);
        INDArray var = sq.sum(true, 1).divi(s - 1);
        release(sq);
        INDArray sigma = Transforms.sqrt(var.addi(epsilon), false);
        return new INDArray[] {c, sigma, base};
    }

    @Override
    public INDArray forward(INDArray[] in) {
        if (in.length != 2) {
            throw new IllegalArgumentException("AdaIn needs 2 inputs (content, style), found " + in.length);
        }
        INDArray x = in[0];
        INDArray y = in[1];
        check(x.shape(), y.shape());
        INDArray[] sx = stats(x);
        INDArray[] sy = stats(y);
        INDArray yBase = y.dup('c');
        INDArray muY = yBase.reshape(sy[0].size(0), sy[0].size(1)).mean(true, 1);
        release(yBase);
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
        INDArray o2 = out.reshape(sx[0].size(0), sx[0].size(1));
        o2.assign(sx[0]);
        INDArray ratio = sy[1].div(sx[1]);
        o2.muliColumnVector(ratio).addiColumnVector(muY);
        release(ratio);
        release(muY);
        release(sx[2]);
        release(sx[1]);
        release(sy[2]);
        release(sy[1]);
        return out;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray x = in[0];
        INDArray y = in[1];
        check(x.shape(), y.shape());
        INDArray[] sx = stats(x);
        INDArray[] sy = stats(y);
        long rows = sx[0].size(0);
        long s = sx[0].size(1);
        long sPrime = sy[0].size(1);
        INDArray xh = sx[0].diviColumnVector(sx[1]);       // x̂, in place of the centred content
        INDArray gBase = g.dup('c');
        INDArray g2 = gBase.reshape(rows, s);
        INDArray gxh = g2.mul(xh);
        INDArray sumGxh = gxh.sum(true, 1);
        release(gxh);
        INDArray[] res = new INDArray[2];
        if (wanted[0]) {
            INDArray gm = g2.mean(true, 1);
            INDArray dx = Nd4j.createUninitialized(x.dataType(), x.shape());
            INDArray dx2 = dx.reshape(rows, s);
            INDArray k = sumGxh.div(s - 1);
            dx2.assign(xh).muliColumnVector(k).negi().addi(g2).subiColumnVector(gm);
            INDArray ratio = sy[1].div(sx[1]);
            dx2.muliColumnVector(ratio);
            release(ratio);
            release(k);
            release(gm);
            res[0] = dx;
        }
        if (wanted[1]) {
            INDArray sumG = g2.sum(true, 1);
            INDArray dy = Nd4j.createUninitialized(y.dataType(), y.shape());
            INDArray dy2 = dy.reshape(rows, sPrime);
            INDArray coeff = sumGxh.div(sy[1]).divi(sPrime - 1);
            dy2.assign(sy[0]).muliColumnVector(coeff).addiColumnVector(sumG.divi(sPrime));
            release(coeff);
            release(sumG);
            res[1] = dy;
        }
        release(sumGxh);
        release(gBase);
        release(sx[2]);
        release(sx[1]);
        release(sy[2]);
        release(sy[1]);
        return res;
    }

    @Override
    public String describe() {
        return "eps " + epsilon;
    }
}
