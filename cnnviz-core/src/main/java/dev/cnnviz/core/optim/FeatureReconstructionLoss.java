package dev.cnnviz.core.optim;

import dev.cnnviz.core.graph.ScratchArrays;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Feature reconstruction loss: the squared distance of an activation {@code Φ(x)} to a given code {@code Φ0},
 * the data term of feature inversion (Mahendran &amp; Vedaldi 2015, "Understanding Deep Image Representations by
 * Inverting Them", CVPR, eq. 1 and section 3.3) and the content loss of style transfer (Gatys et al. 2016;
 * Johnson et al. 2016).
 *
 * <p>For an activation {@code a} of shape {@code [N, ...]} (the first dimension is the batch) and a target
 * {@code t} of the same shape, with weight {@code w} (default 1):
 * <ul>
 *   <li>{@link Normalization#TARGET_NORM} (the default, Mahendran &amp; Vedaldi): each example is normalised by
 *       its target's squared norm, and the examples are summed:
 *       {@code L = w · Σ_n ‖a_n − t_n‖² / ‖t_n‖²}, {@code ∂L/∂a_n = 2w (a_n − t_n) / ‖t_n‖²}. The loss is 1 at
 *       {@code a = 0} and 0 at the target, whatever the layer's scale, which is why the paper uses it to balance
 *       the data term against the regularisers (their code, {@code aravindhm/deep-goggle}
 *       {@code core/invert_nn.m}, divides {@code ‖Φ(x) − Φ0‖²} by {@code y0_sigma² = ‖Φ0‖²}).</li>
 *   <li>{@link Normalization#SUM}: {@code L = w · Σ (a − t)²}, {@code ∂L/∂a = 2w (a − t)} (Gatys et al.'s content
 *       loss is half of this: use {@code w = 0.5}).</li>
 *   <li>{@link Normalization#MEAN}: {@code L = w · Σ (a − t)² / (number of elements, batch included)},
 *       {@code ∂L/∂a = 2w (a − t) / count}: PyTorch's {@code MSELoss} with its default mean reduction, the
 *       content loss of the PyTorch style-transfer tutorial and of Johnson et al.'s {@code fast_neural_style}.
 *       Unlike the other two, it averages over the batch.</li>
 * </ul>
 *
 * <p>The target is copied at construction (later changes to the caller's array do not matter); evaluating an array
 * of another shape throws {@link IllegalArgumentException} naming both shapes. With {@code TARGET_NORM}, an example
 * whose target is all zeros is refused at construction (the loss would divide by zero): use {@code SUM} or
 * {@code MEAN} for it. Arrays of any rank from 2 work (a [N, K] code of a fully connected layer as well as an
 * [N, C, H, W] activation); float32 arrays are computed in float32 (the differences and the gradient, in one
 * pass over the buffers), the sums of squares accumulated in double.
 *
 * <pre>{@code
 * INDArray code = forward.activation("conv5");                     // Φ0 = Φ(x0), [1, 256, 13, 13]
 * ArrayLoss data = FeatureReconstructionLoss.of(code);             // ‖Φ(x) − Φ0‖² / ‖Φ0‖²
 * ArrayLoss content = FeatureReconstructionLoss.of(code)
 *         .withNormalization(FeatureReconstructionLoss.Normalization.MEAN)
 *         .withWeight(1.0);                                         // PyTorch's mse_loss(a, Φ0)
 * double l = data.evaluate(activation, gradient);
 * }</pre>
 */
public final class FeatureReconstructionLoss implements ArrayLoss {
    /** How the squared distance is normalised. */
    public enum Normalization {
        /** {@code Σ_n ‖a_n − t_n‖² / ‖t_n‖²} (Mahendran &amp; Vedaldi 2015); the default. */
        TARGET_NORM,
        /** {@code Σ (a − t)²}, the plain sum of squares. */
        SUM,
        /** {@code Σ (a − t)² / count}, the mean over all elements, batch included (PyTorch's {@code MSELoss}). */
        MEAN
    }

    private static final String NAME = "feature reconstruction loss";

    private final INDArray target;
    private final double[] squaredNorms;
    private final Normalization normalization;
    private final double weight;

    private FeatureReconstructionLoss(INDArray target, double[] squaredNorms, Normalization normalization,
            double weight) {
        this.target = target;
        this.squaredNorms = squaredNorms;
        this.normalization = normalization;
        this.weight = weight;
    }

    /**
     * The loss towards a target code, normalised by the target's squared norm ({@link Normalization#TARGET_NORM}),
     * weight 1.
     *
     * @param target the code {@code Φ0}, shape {@code [N, ...]} (copied)
     * @throws IllegalArgumentException if the target is null, not floating point, of rank below 2, empty, holds
     *                                  NaN or infinite values, or one of its examples is all zeros
     */
    public static FeatureReconstructionLoss of(INDArray target) {
        return of(target, Normalization.TARGET_NORM);
    }

    /**
     * The loss towards a target code with a normalisation, weight 1.
     *
     * @param target        the code {@code Φ0}, shape {@code [N, ...]} (copied)
     * @param normalization how the squared distance is normalised
     * @throws IllegalArgumentException if the target is null, not floating point, of rank below 2, empty or holds
     *                                  NaN or infinite values, the normalization is null, or it is
     *                                  {@code TARGET_NORM} and an example of the target is all zeros
     */
    public static FeatureReconstructionLoss of(INDArray target, Normalization normalization) {
        requireNormalization(normalization);
        LossChecks.requireNonEmptyArray(NAME, "target", target, 2);
        INDArray copy = LossChecks.copyOf(target, target.dataType());
        double[] norms = squaredNorms(copy);
        for (double v : norms) {
            if (!Double.isFinite(v)) {
                LossChecks.requireFiniteValues(NAME, "target", copy);   // names NaN or infinite values
            }
        }
        return new FeatureReconstructionLoss(copy, norms, normalization, 1).checked();
    }

    /**
     * {@code ‖t_n‖²} of each example of a plain array, in one pass (in double); not finite if the example holds a
     * NaN or infinite value (or, for float64, a value whose square overflows).
     */
    private static double[] squaredNorms(INDArray t) {
        int n = Math.toIntExact(t.size(0));
        INDArray d = t.dataType() == DataType.FLOAT || t.dataType() == DataType.DOUBLE ? t
                : LossChecks.copyOf(t, DataType.DOUBLE);
        int len = Math.toIntExact(d.length() / n);
        double[] norms = new double[n];
        if (d.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = d.data().asNioDouble();
            for (int i = 0; i < n; i++) {
                double sum = 0;
                for (int j = i * len, end = j + len; j < end; j++) {
                    double v = b.get(j);
                    sum += v * v;
                }
                norms[i] = sum;
            }
        } else {
            FloatBuffer b = d.data().asNioFloat();
            for (int i = 0; i < n; i++) {
                double sum = 0;
                for (int j = i * len, end = j + len; j < end; j++) {
                    double v = b.get(j);
                    sum += v * v;
                }
                norms[i] = sum;
            }
        }
        if (d != t) {
            d.close();
        }
        return norms;
    }

    /**
     * @return a copy with another normalisation
     * @throws IllegalArgumentException if {@code newNormalization} is null, or is {@code TARGET_NORM} and an
     *                                  example of the target is all zeros
     */
    public FeatureReconstructionLoss withNormalization(Normalization newNormalization) {
        requireNormalization(newNormalization);
        return new FeatureReconstructionLoss(target, squaredNorms, newNormalization, weight).checked();
    }

    /**
     * @return a copy whose value and gradient are multiplied by {@code newWeight} (default 1)
     * @throws IllegalArgumentException if the weight is NaN or infinite
     */
    public FeatureReconstructionLoss withWeight(double newWeight) {
        return new FeatureReconstructionLoss(target, squaredNorms, normalization,
                LossChecks.requireWeight(NAME, newWeight));
    }

    private static void requireNormalization(Normalization normalization) {
        if (normalization == null) {
            throw new IllegalArgumentException(NAME + ": the normalization is null; expected one of "
                    + Arrays.toString(Normalization.values()));
        }
    }

    private FeatureReconstructionLoss checked() {
        if (normalization == Normalization.TARGET_NORM) {
            for (int n = 0; n < squaredNorms.length; n++) {
                if (!(squaredNorms[n] > 0)) {
                    throw new IllegalArgumentException(NAME + ": example " + n + " of the target "
                            + Arrays.toString(target.shape()) + " is all zeros, so TARGET_NORM would divide by "
                            + "||target||^2 = 0; use Normalization.SUM or MEAN");
                }
            }
        }
        return this;
    }

    /** @return the normalisation ({@link Normalization#TARGET_NORM} by default) */
    public Normalization normalization() {
        return normalization;
    }

    /** @return the weight (1 by default) */
    public double weight() {
        return weight;
    }

    /** @return the target's shape */
    public long[] targetShape() {
        return target.shape();
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code a} does not have the target's shape, or the arrays are otherwise
     *                                  unusable (see {@link ArrayLoss})
     * @throws dev.cnnviz.api.NonFiniteResultException if the loss is NaN or infinite ({@code a} holds NaN or
     *                                                  infinite values, or the loss overflowed)
     */
    @Override
    public double evaluate(INDArray a, INDArray grad) {
        LossChecks.requireArrays(NAME, a, grad);
        if (!Arrays.equals(a.shape(), target.shape())) {
            throw new IllegalArgumentException(NAME + ": the array's shape " + Arrays.toString(a.shape())
                    + " differs from the target's shape " + Arrays.toString(target.shape()));
        }
        long n = a.size(0);
        long len = a.length() / n;
        DataType type = a.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        INDArray src = LossChecks.plain(a, type) ? a : LossChecks.copyOf(a, type);
        INDArray t = LossChecks.plain(target, type) ? target : LossChecks.copyOf(target, type);
        boolean direct = LossChecks.plain(grad, type);
        double value = 0;
        try (ScratchArrays.Lease out = direct ? null : ScratchArrays.lease(type, a.shape())) {
            INDArray dst = direct ? grad : out.array();
            for (int i = 0; i < n; i++) {
                double scale = weight * switch (normalization) {
                    case TARGET_NORM -> 1 / squaredNorms[i];
                    case SUM -> 1;
                    case MEAN -> 1.0 / a.length();
                };
                value += scale * differences(src, t, dst, i * len, len, 2 * scale);
            }
            if (!direct) {
                grad.assign(dst);
            }
        } finally {
            if (src != a) {
                src.close();
            }
            if (t != target) {
                t.close();
            }
        }
        return LossChecks.requireFinite(NAME, value, a);
    }

    /**
     * Over the {@code len} values from {@code from} of the plain arrays: {@code g = s · (a − t)}, returning
     * {@code Σ (a − t)²} (each difference in the arrays' type, the sum in double).
     */
    private static double differences(INDArray a, INDArray t, INDArray g, long from, long len, double s) {
        int lo = Math.toIntExact(from);
        int hi = Math.toIntExact(from + len);
        double sum = 0;
        if (a.dataType() == DataType.DOUBLE) {
            DoubleBuffer av = a.data().asNioDouble();
            DoubleBuffer tv = t.data().asNioDouble();
            DoubleBuffer gv = g.data().asNioDouble();
            for (int j = lo; j < hi; j++) {
                double e = av.get(j) - tv.get(j);
                sum += e * e;
                gv.put(j, s * e);
            }
        } else {
            FloatBuffer av = a.data().asNioFloat();
            FloatBuffer tv = t.data().asNioFloat();
            FloatBuffer gv = g.data().asNioFloat();
            float sf = (float) s;
            for (int j = lo; j < hi; j++) {
                float e = av.get(j) - tv.get(j);
                sum += (double) e * e;
                gv.put(j, sf * e);
            }
        }
        return sum;
    }

    @Override
    public String toString() {
        return "FeatureReconstructionLoss[" + normalization + ", target " + Arrays.toString(target.shape())
                + ", weight " + weight + "]";
    }
}
