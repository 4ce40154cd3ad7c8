package dev.cnnviz.core.optim;

import dev.cnnviz.core.graph.ScratchArrays;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Total variation regulariser TV<sup>β</sup> (Mahendran &amp; Vedaldi 2015, "Understanding Deep Image
 * Representations by Inverting Them", CVPR, section 3.2, {@code R_{V^β}}): it penalises differences between
 * neighbouring pixels, so that images made by optimisation are piecewise smooth instead of noisy.
 *
 * <p>For an array {@code x [N, C, H, W]}, every example and channel separately, with the horizontal and vertical
 * differences {@code dh[i,j] = x[i,j+1] − x[i,j]} and {@code dv[i,j] = x[i+1,j] − x[i,j]}:
 * <pre>
 *   s[i,j] = dh[i,j]² + dv[i,j]²                  (a difference that does not exist counts as 0)
 *   L      = w / Z · Σ_{n,c,i,j} ((s[i,j] + ε)^(β/2) − ε^(β/2))
 * </pre>
 * <ul>
 *   <li><b>Boundary:</b> in the last column only {@code dv} exists, in the last row only {@code dh}, and the
 *       bottom-right pixel contributes 0: exactly the replicated border of Mahendran &amp; Vedaldi's code
 *       ({@code aravindhm/deep-goggle} {@code core/invert_nn.m}, function {@code tv}: {@code d1 = x(:,[2:end end])
 *       - x}), so no difference is invented across the border.</li>
 *   <li><b>β</b> (default 2): at β = 2 the loss is exactly {@code Σ dh² + dv²}, the plain squared TV that
 *       Gatys- and Johnson-style code uses (ε then has no effect); β = 1 is the isotropic TV; Mahendran &amp;
 *       Vedaldi use β = 1 to 2. β must be at least 1 (below 1 the term is not even Lipschitz at 0).</li>
 *   <li><b>ε</b> (default 1e-10, in squared units of {@code x}): for β &lt; 2 the term {@code s^(β/2)} has no
 *       derivative at {@code s = 0} (a flat region; the formula's gradient there is {@code 0 · ∞}), so ε is added
 *       inside the root, and {@code ε^(β/2)} taken away so that a flat image still costs exactly 0. The gradient is
 *       the exact derivative of this smoothed loss (Mahendran &amp; Vedaldi's code instead clamps the factor
 *       {@code v^((β−2)/β)} at {@code v ≥ 1e-5}, which is not the derivative of the value it reports). The price is
 *       that each pixel with {@code s > 0} costs up to {@code ε^(β/2)} less than the unsmoothed term ({@code 1e-5}
 *       at β = 1): negligible for images in [0, 1] or [0, 255], whose neighbour differences are multiples of 1/255
 *       or 1, so {@code s} is 0 or at least 1.5e-5; choose ε well below the squared differences that matter.
 *       The gradient stays bounded for any ε &gt; 0 (by β·s^((β−1)/2) per difference); a larger ε makes it
 *       smoother near flat regions. ε must be positive for β &lt; 2; for β &gt; 2 it may be 0, which gives their
 *       formula exactly.</li>
 *   <li><b>Normaliser {@code Z}</b> (default 1): with {@link #withRangeNormalization withRangeNormalization(V)},
 *       {@code Z = H·W·V^β} as in the paper's section 3.3, where {@code V} is the typical difference between
 *       neighbouring pixel values (they derive it from the range of the images), which makes the regulariser's
 *       weight independent of the image size and scale.</li>
 * </ul>
 * The batch is summed. The gradient, with {@code q = w/Z · β (s + ε)^(β/2 − 1)} (at β = 2: {@code 2w/Z}), is
 * {@code ∂L/∂x[i,j] = q[i,j−1] dh[i,j−1] − q[i,j] dh[i,j] + q[i−1,j] dv[i−1,j] − q[i,j] dv[i,j]} over the terms that
 * exist, computed in one pass over each plane, row by row in double precision (the value summed in double).
 *
 * <pre>{@code
 * ArrayLoss tv = TotalVariationLoss.of();                                   // β = 2, Σ dh² + dv²
 * ArrayLoss mv = TotalVariationLoss.of().withBeta(1.5)
 *         .withRangeNormalization(40).withWeight(10);                       // V = 40: a typical neighbour difference
 * }</pre>
 */
public final class TotalVariationLoss implements ArrayLoss {
    /** The default β. */
    public static final double DEFAULT_BETA = 2;
    /** The default ε, added to the squared gradient magnitude inside the root. */
    public static final double DEFAULT_EPSILON = 1e-10;

    private static final String NAME = "total variation loss";

    private final double beta;
    private final double epsilon;
    private final double range;   // V, or 0 for no normalisation
    private final double weight;

    private TotalVariationLoss(double beta, double epsilon, double range, double weight) {
        this.beta = beta;
        this.epsilon = epsilon;
        this.range = range;
        this.weight = weight;
    }

    /** @return TV with β = 2, ε = 1e-10, no normalisation, weight 1 */
    public static TotalVariationLoss of() {
        return new TotalVariationLoss(DEFAULT_BETA, DEFAULT_EPSILON, 0, 1);
    }

    /**
     * @return a copy with exponent {@code newBeta}
     * @throws IllegalArgumentException if β is not finite, below 1, or below 2 while ε is 0
     */
    public TotalVariationLoss withBeta(double newBeta) {
        if (!Double.isFinite(newBeta) || newBeta < 1) {
            throw new IllegalArgumentException(NAME + ": beta must be a finite number >= 1, found " + newBeta);
        }
        return new TotalVariationLoss(newBeta, epsilon, range, weight).checked();
    }

    /**
     * @return a copy with smoothing {@code newEpsilon}
     * @throws IllegalArgumentException if ε is negative or not finite, or 0 while β &lt; 2
     */
    public TotalVariationLoss withEpsilon(double newEpsilon) {
        if (!Double.isFinite(newEpsilon) || newEpsilon < 0) {
            throw new IllegalArgumentException(NAME + ": epsilon must be a finite number >= 0, found " + newEpsilon);
        }
        return new TotalVariationLoss(beta, newEpsilon, range, weight).checked();
    }

    /**
     * @param v the typical difference between neighbouring values {@code V} (positive)
     * @return a copy normalised by {@code H·W·V^β} (Mahendran &amp; Vedaldi)
     * @throws IllegalArgumentException if {@code v} is not a finite positive number
     */
    public TotalVariationLoss withRangeNormalization(double v) {
        if (!Double.isFinite(v) || v <= 0) {
            throw new IllegalArgumentException(NAME + ": the range V must be a finite positive number, found " + v);
        }
        return new TotalVariationLoss(beta, epsilon, v, weight);
    }

    /** @return a copy without the {@code H·W·V^β} normalisation (the default) */
    public TotalVariationLoss withoutRangeNormalization() {
        return new TotalVariationLoss(beta, epsilon, 0, weight);
    }

    /**
     * @return a copy whose value and gradient are multiplied by {@code newWeight} (default 1)
     * @throws IllegalArgumentException if the weight is NaN or infinite
     */
    public TotalVariationLoss withWeight(double newWeight) {
        return new TotalVariationLoss(beta, epsilon, range, LossChecks.requireWeight(NAME, newWeight));
    }

    private TotalVariationLoss checked() {
        if (beta < 2 && epsilon == 0) {
            throw new IllegalArgumentException(NAME + ": beta " + beta + " < 2 needs epsilon > 0 (the loss has no "
                    + "derivative where neighbouring values are equal), found epsilon 0");
        }
        return this;
    }

    /** @return β (2 by default) */
    public double beta() {
        return beta;
    }

    /** @return ε (1e-10 by default) */
    public double epsilon() {
        return epsilon;
    }

    /** @return {@code V} of the normalisation, or 0 when the loss is not normalised (the default) */
    public double range() {
        return range;
    }

    /** @return the weight (1 by default) */
    public double weight() {
        return weight;
    }

    /**
     * {@inheritDoc}
     *
     * @param a an array {@code [N, C, H, W]} (H or W may be 1: differences along it then do not exist)
     * @throws IllegalArgumentException if {@code a} is not rank 4, or the arrays are otherwise unusable
     * @throws dev.cnnviz.api.NonFiniteResultException if the loss is NaN or infinite
     */
    @Override
    public double evaluate(INDArray a, INDArray grad) {
        LossChecks.requireArrays(NAME, a, grad);
        LossChecks.requireNchw(NAME, a);
        int h = Math.toIntExact(a.size(2));
        int w = Math.toIntExact(a.size(3));
        long planes = a.size(0) * a.size(1);
        double scale = weight / (range > 0 ? (double) h * w * Math.pow(range, beta) : 1);
        DataType type = a.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        INDArray src = LossChecks.plain(a, type) ? a : LossChecks.copyOf(a, type);
        boolean direct = LossChecks.plain(grad, type);
        double value = 0;
        try (ScratchArrays.Lease out = direct ? null : ScratchArrays.lease(type, a.shape())) {
            INDArray dst = direct ? grad : out.array();
            Buffer in = type == DataType.DOUBLE ? src.data().asNioDouble() : src.data().asNioFloat();
            Buffer to = type == DataType.DOUBLE ? dst.data().asNioDouble() : dst.data().asNioFloat();
            double[][] rows = new double[4][w];
            for (long p = 0; p < planes; p++) {
                value += plane(in, to, Math.toIntExact(p * h * w), h, w, scale, rows);
            }
            if (!direct) {
                grad.assign(dst);
            }
        } finally {
            if (src != a) {
                src.close();
            }
        }
        return LossChecks.requireFinite(NAME, scale * value, a);
    }

    /**
     * One {@code h × w} plane from {@code base}: writes its gradient and returns its unscaled sum
     * {@code Σ ((s + ε)^(β/2) − ε^(β/2))} ({@code Σ s} at β = 2). Row by row, the rows in double: each gradient
     * entry is written once, from the pixel's own terms and those carried from its left neighbour ({@code q dh})
     * and the row above ({@code q dv}).
     */
    private double plane(Buffer in, Buffer to, int base, int h, int w, double scale, double[][] rows) {
        double[] cur = rows[0];
        double[] next = rows[1];
        double[] g = rows[2];
        double[] up = rows[3];
        Arrays.fill(up, 0);
        double q2 = 2 * scale;
        double floor = Math.pow(epsilon, beta / 2);
        double sum = 0;
        read(in, base, cur);
        for (int i = 0; i < h; i++) {
            boolean below = i + 1 < h;
            if (below) {
                read(in, base + (i + 1) * w, next);
            }
            double left = 0;
            for (int j = 0; j < w; j++) {
                double dh = j + 1 < w ? cur[j + 1] - cur[j] : 0;
                double dv = below ? next[j] - cur[j] : 0;
                double s = dh * dh + dv * dv;
                double q;
                if (beta == 2) {
                    sum += s;
                    q = q2;
                } else {
                    double se = s + epsilon;
                    double r = beta == 1 ? 1 / Math.sqrt(se) : Math.pow(se, beta / 2 - 1);
                    sum += r * se - floor;
                    q = beta * scale * r;
                }
                double ph = q * dh;
                double pv = q * dv;
                g[j] = left - ph + up[j] - pv;
                left = ph;
                up[j] = pv;
            }
            write(to, base + i * w, g);
            double[] t = cur;
            cur = next;
            next = t;
        }
        rows[0] = cur;
        rows[1] = next;
        return sum;
    }

    private static void read(Buffer b, int from, double[] row) {
        if (b instanceof DoubleBuffer d) {
            d.get(from, row);
        } else {
            FloatBuffer f = (FloatBuffer) b;
            for (int k = 0; k < row.length; k++) {
                row[k] = f.get(from + k);
            }
        }
    }

    private static void write(Buffer b, int from, double[] row) {
        if (b instanceof DoubleBuffer d) {
            d.put(from, row);
        } else {
            FloatBuffer f = (FloatBuffer) b;
            for (int k = 0; k < row.length; k++) {
                f.put(from + k, (float) row[k]);
            }
        }
    }

    @Override
    public String toString() {
        return "TotalVariationLoss[beta " + beta + ", epsilon " + epsilon
                + (range > 0 ? ", normalised by H*W*" + range + "^beta" : "") + ", weight " + weight + "]";
    }
}
