package dev.cnnviz.core.optim;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The p-th power of the p-norm of an array, or of its distance to a reference point: {@code L = w/Z · Σ |x − x0|^p}.
 *
 * <ul>
 *   <li>{@link #l2()}: {@code Σ x²}, gradient {@code 2x}: the decay {@code λ‖x‖²} of class visualisation
 *       (Simonyan, Vedaldi &amp; Zisserman 2014, "Deep Inside Convolutional Networks", eq. 1).</li>
 *   <li>{@link #l1()}: {@code Σ |x|}, gradient {@code sign(x)}, taken as 0 where {@code x = 0} (a subgradient).</li>
 *   <li>{@link #lp lp(p)} for any {@code p ≥ 1}: {@code Σ |x|^p}, gradient {@code p |x|^(p−1) sign(x)}: Mahendran
 *       &amp; Vedaldi's α-norm regulariser {@code R_α(x) = ‖x‖_α^α} (2015, section 3.2; they use α = 6).</li>
 * </ul>
 * Options: a reference point {@code x0} ({@link #withReference}, copied; default 0, the arrays must then have its
 * shape), a weight {@code w} (default 1) and Mahendran &amp; Vedaldi's normaliser {@code Z = H·W·B^p}
 * ({@link #withRangeNormalization}, for {@code [N, C, H, W]} arrays; {@code B} is the typical norm of a pixel;
 * default {@code Z = 1}). The sum runs over all elements, batch included. Arrays of any rank from 2 are accepted
 * (the first dimension is the batch); float32 arrays are computed in float32.
 *
 * <pre>{@code
 * ArrayLoss decay = NormLoss.l2().withWeight(1e-3);                 // λ‖x‖², class visualisation
 * ArrayLoss near = NormLoss.l1().withReference(original);          // Σ |x − x0|
 * ArrayLoss alpha = NormLoss.lp(6).withRangeNormalization(80);      // ‖x‖_6^6 / (H·W·80^6)
 * }</pre>
 */
public final class NormLoss implements ArrayLoss {
    private static final String NAME = "norm loss";

    private final double p;
    private final INDArray reference;   // or null
    private final double range;         // B, or 0 for no normalisation
    private final double weight;

    private NormLoss(double p, INDArray reference, double range, double weight) {
        this.p = p;
        this.reference = reference;
        this.range = range;
        this.weight = weight;
    }

    /** @return {@code Σ x²}, gradient {@code 2x} */
    public static NormLoss l2() {
        return new NormLoss(2, null, 0, 1);
    }

    /** @return {@code Σ |x|}, gradient {@code sign(x)} (0 at 0) */
    public static NormLoss l1() {
        return new NormLoss(1, null, 0, 1);
    }

    /**
     * @param p the power, at least 1
     * @return {@code Σ |x|^p}, gradient {@code p |x|^(p−1) sign(x)}
     * @throws IllegalArgumentException if {@code p} is not finite or below 1 (not convex, and its gradient is
     *                                  infinite at 0)
     */
    public static NormLoss lp(double p) {
        if (!Double.isFinite(p) || p < 1) {
            throw new IllegalArgumentException(NAME + ": the power p must be a finite number >= 1, found " + p);
        }
        return new NormLoss(p, null, 0, 1);
    }

    /**
     * @param x0 the reference point (copied); evaluated arrays must have its shape
     * @return a copy that measures {@code Σ |x − x0|^p}
     * @throws IllegalArgumentException if {@code x0} is null, empty, not floating point, of rank below 2 or not
     *                                  finite
     */
    public NormLoss withReference(INDArray x0) {
        LossChecks.requireFiniteArray(NAME, "reference point", x0, 2);
        return new NormLoss(p, LossChecks.copyOf(x0, x0.dataType()), range, weight);
    }

    /** @return a copy without a reference point ({@code x0 = 0}, the default) */
    public NormLoss withoutReference() {
        return new NormLoss(p, null, range, weight);
    }

    /**
     * @param b the typical norm of a pixel {@code B}
     * @return a copy divided by {@code H·W·B^p}; it then accepts {@code [N, C, H, W]} arrays only
     * @throws IllegalArgumentException if {@code b} is not a finite positive number
     */
    public NormLoss withRangeNormalization(double b) {
        if (!Double.isFinite(b) || b <= 0) {
            throw new IllegalArgumentException(NAME + ": the range B must be a finite positive number, found " + b);
        }
        return new NormLoss(p, reference, b, weight);
    }

    /**
     * @return a copy whose value and gradient are multiplied by {@code newWeight} (default 1)
     * @throws IllegalArgumentException if the weight is NaN or infinite
     */
    public NormLoss withWeight(double newWeight) {
        return new NormLoss(p, reference, range, LossChecks.requireWeight(NAME, newWeight));
    }

    /** @return the power p */
    public double power() {
        return p;
    }

    /** @return the weight (1 by default) */
    public double weight() {
        return weight;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code a} does not have the reference point's shape, is not
     *                                  {@code [N, C, H, W]} while normalised by range, or the arrays are otherwise
     *                                  unusable
     * @throws dev.cnnviz.api.NonFiniteResultException if the loss is NaN or infinite
     */
    @Override
    public double evaluate(INDArray a, INDArray grad) {
        LossChecks.requireArrays(NAME, a, grad);
        if (reference != null && !Arrays.equals(a.shape(), reference.shape())) {
            throw new IllegalArgumentException(NAME + ": the array's shape " + Arrays.toString(a.shape())
                    + " differs from the reference point's shape " + Arrays.toString(reference.shape()));
        }
        double scale = weight;
        if (range > 0) {
            LossChecks.requireNchw(NAME + " normalised by range", a);
            scale /= a.size(2) * a.size(3) * Math.pow(range, p);
        }
        INDArray d = grad.assign(a);     // grad holds x − x0 first: L1 and L2 allocate nothing
        if (reference != null) {
            d.subi(LossChecks.as(reference, a.dataType()));
        }
        double value;
        if (p == 2) {
            double norm = d.norm2Number().doubleValue();
            value = norm * norm;
            d.muli(2 * scale);
        } else if (p == 1) {
            value = d.norm1Number().doubleValue();
            Transforms.sign(d, false).muli(scale);
        } else {
            INDArray abs = Transforms.abs(d, true);
            value = Transforms.pow(abs, p, true).sumNumber().doubleValue();
            Transforms.pow(abs, p - 1, false);
            Transforms.sign(d, false).muli(abs).muli(p * scale);
        }
        return LossChecks.requireFinite(NAME, scale * value, a);
    }

    @Override
    public String toString() {
        return "NormLoss[p " + p + (reference != null ? ", reference " + Arrays.toString(reference.shape()) : "")
                + (range > 0 ? ", normalised by H*W*" + range + "^p" : "") + ", weight " + weight + "]";
    }
}
