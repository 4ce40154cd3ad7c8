package dev.cnnviz.core.optim;

import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.graph.ScratchArrays;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Style loss of one layer (Gatys, Ecker &amp; Bethge 2016, "Image Style Transfer Using Convolutional Neural
 * Networks", CVPR, eqs. 3-6): the squared distance between the {@link GramMatrix Gram matrices} of an activation
 * and a target Gram matrix {@code A}, taken from a style image's activation at the same layer.
 *
 * <p>For an activation {@code [N, C, H, W]} with {@code M = H·W}, {@code F_n} example {@code n} reshaped to
 * {@code [C, M]}, {@code G_n = F_n F_nᵀ / d} and weight {@code w} (default 1):
 * <pre>
 *   E = w · k · Σ_n Σ_ij (G_n − A)_ij²          (summed over the batch: every example is compared with A)
 *   ∂E/∂F_n = (4 w k / d) · (G_n − A) F_n
 * </pre>
 * with, per {@link GramNormalization}:
 * <ul>
 *   <li>{@link GramNormalization#CHW} (the default): {@code d = C·M}, {@code k = 1/C²}: the mean over the
 *       {@code C×C} entries of {@code (G − A)²} with {@code G} divided by {@code C·H·W}, exactly PyTorch's
 *       {@code F.mse_loss(gram_matrix(input), target)} in the PyTorch style-transfer tutorial
 *       ({@code pytorch/tutorials} {@code advanced_source/neural_style_tutorial.py}) and Johnson et al.'s
 *       {@code fast_neural_style} ({@code pytorch/examples}, {@code neural_style/utils.py}) for one image;</li>
 *   <li>{@link GramNormalization#PAPER}: {@code d = 1}, {@code k = 1/(4 C² M²)}: Gatys et al.'s
 *       {@code E_l = 1/(4 N_l² M_l²) Σ (G − A)²} with the unnormalised {@code G = F Fᵀ}, whose gradient
 *       {@code (1/(N_l² M_l²)) (G − A) F} is their eq. 6 (before the ReLU's mask, which the graph applies);</li>
 *   <li>{@link GramNormalization#HW}: {@code d = M}, {@code k = 1/C²} (the TensorFlow tutorial).</li>
 * </ul>
 * The paper's loss equals {@code C²/4} times the {@code CHW} loss. {@code CHW} is the default because its target
 * does not depend on the style image's size (the Gram matrix is an average over positions and channels), so a
 * style image of another size than the generated one gives a comparable target, and because the style weights
 * people quote (1e5-1e6 in the PyTorch tutorial) are for it. With {@code PAPER}, the style activation must have
 * as many positions as the evaluated one (the paper's {@code A} is a sum over positions): a mismatch is refused.
 *
 * <p><b>Gradient.</b> With {@code D = G − A} (symmetric, since both {@code G} and {@code A} are; targets are
 * symmetrised at construction), {@code ∂E/∂G = 2wk D}, and {@code G_ij = Σ_m F_im F_jm / d} gives
 * {@code ∂G_ij/∂F_pm = (δ_ip F_jm + δ_jp F_im) / d}, so
 * {@code ∂E/∂F_pm = (2wk/d) Σ_j (D_pj + D_jp) F_jm = (4wk/d) (D F)_pm}.
 *
 * <p><b>Computation.</b> Per example, two matrix products in the activation's data type (float32 stays float32):
 * {@code F Fᵀ} into a pooled {@code C×C} array, which one host pass turns into {@code (4wk/d) D} while summing
 * {@code D²} in double, then {@code (4wk/d) D F} written straight into the gradient array; nothing of the
 * activation's size is allocated (an activation or gradient array that is not a plain row-major buffer goes
 * through a copy).
 *
 * <pre>{@code
 * INDArray style = forward(styleImage).activation("relu3_1");       // [1, 256, 56, 56]
 * ArrayLoss loss = StyleLoss.ofTarget(style).withWeight(1e6);       // CHW, as the PyTorch tutorial
 * double e = loss.evaluate(activation, gradient);                  // activation [N, 256, H, W], any H, W
 * }</pre>
 */
public final class StyleLoss implements ArrayLoss {
    private static final String NAME = "style loss";
    private static final double SYMMETRY_TOLERANCE = 1e-4;

    private final INDArray target;       // [1, C, C], symmetric, normalised as `normalization` says
    private final double[] targetValues; // the target's C·C values, row-major
    private final GramNormalization normalization;
    private final long targetPositions;  // H·W of the style activation, or -1 when the Gram matrix was given
    private final double weight;

    private StyleLoss(INDArray target, double[] targetValues, GramNormalization normalization, long targetPositions,
            double weight) {
        this.target = target;
        this.targetValues = targetValues;
        this.normalization = normalization;
        this.targetPositions = targetPositions;
        this.weight = weight;
    }

    /**
     * The style loss towards a style image's activation, with the {@link GramNormalization#CHW} normalisation.
     *
     * @param styleActivation the style image's activation at this layer, {@code [1, C, Hs, Ws]} (not kept)
     * @throws IllegalArgumentException see {@link #ofTarget(INDArray, GramNormalization)}
     */
    public static StyleLoss ofTarget(INDArray styleActivation) {
        return ofTarget(styleActivation, GramNormalization.CHW);
    }

    /**
     * The style loss towards a style image's activation: the target is its Gram matrix under
     * {@code normalization}.
     *
     * @param styleActivation the style image's activation at this layer, {@code [1, C, Hs, Ws]} (not kept)
     * @param normalization   the Gram normalisation and loss scale
     * @throws IllegalArgumentException if the activation is null, not floating point, not {@code [1, C, H, W]},
     *                                  empty or not finite, or the normalization is null
     */
    public static StyleLoss ofTarget(INDArray styleActivation, GramNormalization normalization) {
        requireNormalization(normalization);
        LossChecks.requireFiniteArray(NAME, "style activation", styleActivation, 4);
        LossChecks.requireNchw(NAME, styleActivation);
        if (styleActivation.size(0) != 1) {
            throw new IllegalArgumentException(NAME + ": the style activation must hold one example [1, C, H, W], found "
                    + Arrays.toString(styleActivation.shape())
                    + "; to blend several, average their GramMatrix.of results and use ofGram");
        }
        INDArray gram = GramMatrix.unchecked(styleActivation, normalization);
        INDArray t = symmetric(gram);
        return new StyleLoss(t, HostArrays.doubles(t), normalization,
                styleActivation.size(2) * styleActivation.size(3), 1);
    }

    /**
     * The style loss towards a given Gram matrix, for example an average of several style images' Gram matrices.
     *
     * @param gram          the target {@code [C, C]} or {@code [1, C, C]}, normalised as {@code normalization} says
     *                      (copied, and symmetrised: {@code (A + Aᵀ)/2})
     * @param normalization the normalisation the target was computed with, used for the evaluated activations
     * @throws IllegalArgumentException if the matrix is null, not floating point, not square, not finite, or not
     *                                  symmetric (an entry differs from its mirror by more than 1e-4 of the
     *                                  largest entry), or the normalization is null
     */
    public static StyleLoss ofGram(INDArray gram, GramNormalization normalization) {
        requireNormalization(normalization);
        LossChecks.requireFiniteArray(NAME, "target Gram matrix", gram, 2);
        long[] s = gram.shape();
        boolean square = (s.length == 2 && s[0] == s[1]) || (s.length == 3 && s[0] == 1 && s[1] == s[2]);
        if (!square) {
            throw new IllegalArgumentException(NAME + ": the target Gram matrix must be [C, C] or [1, C, C], found "
                    + Arrays.toString(s));
        }
        long c = s[s.length - 1];
        INDArray a = gram.reshape(c, c);
        double asymmetry = a.sub(a.transpose()).amaxNumber().doubleValue();
        double scale = a.amaxNumber().doubleValue();
        if (asymmetry > SYMMETRY_TOLERANCE * scale) {
            throw new IllegalArgumentException(NAME + ": the target Gram matrix " + Arrays.toString(s)
                    + " is not symmetric: entries differ from their mirror by up to " + asymmetry
                    + " (largest entry " + scale + ")");
        }
        INDArray t = symmetric(gram.reshape(1, c, c));
        return new StyleLoss(t, HostArrays.doubles(t), normalization, -1, 1);
    }

    private static void requireNormalization(GramNormalization normalization) {
        if (normalization == null) {
            throw new IllegalArgumentException(NAME + ": the normalization is null; expected one of "
                    + Arrays.toString(GramNormalization.values()));
        }
    }

    /** {@code (g + gᵀ)/2} of a [1, C, C] array, as a detached copy. */
    private static INDArray symmetric(INDArray g) {
        long c = g.size(2);
        INDArray m = g.reshape(c, c);
        return LossChecks.copyOf(m.add(m.transpose()).muli(0.5).reshape(1, c, c), g.dataType());
    }

    /**
     * @return a copy whose value and gradient are multiplied by {@code newWeight} (default 1)
     * @throws IllegalArgumentException if the weight is NaN or infinite
     */
    public StyleLoss withWeight(double newWeight) {
        return new StyleLoss(target, targetValues, normalization, targetPositions,
                LossChecks.requireWeight(NAME, newWeight));
    }

    /** @return the normalisation ({@link GramNormalization#CHW} unless chosen) */
    public GramNormalization normalization() {
        return normalization;
    }

    /** @return the weight (1 by default) */
    public double weight() {
        return weight;
    }

    /** @return the number of channels {@code C} the evaluated activations must have */
    public long channels() {
        return target.size(2);
    }

    /** @return a copy of the target Gram matrix, {@code [C, C]} */
    public INDArray targetGram() {
        return target.reshape(channels(), channels()).dup();
    }

    /**
     * {@inheritDoc}
     *
     * @param a an activation {@code [N, C, H, W]} with the target's {@code C}
     * @throws IllegalArgumentException if {@code a} is not rank 4, has another channel count than the target, or
     *                                  (with {@code PAPER} and a target from a style activation) another number of
     *                                  positions {@code H·W} than the style activation
     * @throws dev.cnnviz.api.NonFiniteResultException if the loss is NaN or infinite
     */
    @Override
    public double evaluate(INDArray a, INDArray grad) {
        LossChecks.requireArrays(NAME, a, grad);
        LossChecks.requireNchw(NAME, a);
        long n = a.size(0);
        long c = a.size(1);
        long m = a.size(2) * a.size(3);
        if (c != channels()) {
            throw new IllegalArgumentException(NAME + ": the activation " + Arrays.toString(a.shape()) + " has " + c
                    + " channels, the target Gram matrix is " + channels() + "x" + channels());
        }
        if (normalization == GramNormalization.PAPER && targetPositions > 0 && targetPositions != m) {
            throw new IllegalArgumentException(NAME + ": with the PAPER normalisation the activation "
                    + Arrays.toString(a.shape()) + " must have as many positions H*W as the style activation ("
                    + targetPositions + "), found " + m + "; use GramNormalization.CHW for images of other sizes");
        }
        double d = normalization.divisor(c, m);
        double k = normalization == GramNormalization.PAPER ? 1 / (4.0 * c * c * (double) m * m) : 1.0 / (c * c);
        DataType type = a.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        INDArray src = LossChecks.plain(a, type) ? a : LossChecks.copyOf(a, type);
        boolean direct = LossChecks.plain(grad, type);
        double sum = 0;
        try (ScratchArrays.Lease gram = ScratchArrays.lease(type, c, c);
             ScratchArrays.Lease out = direct ? null : ScratchArrays.lease(type, a.shape())) {
            INDArray g = gram.array();
            INDArray f = src.reshape('c', n, c, m);
            INDArray gf = (direct ? grad : out.array()).reshape('c', n, c, m);
            double scale = 4 * weight * k / d;
            for (long i = 0; i < n; i++) {
                INDArray fi = f.slice(i);
                Nd4j.gemm(fi, fi, g, false, true, 1.0, 0.0);
                sum += differenceInPlace(g, d, scale);
                Nd4j.gemm(g, fi, gf.slice(i), false, false, 1.0, 0.0);
            }
            if (!direct) {
                grad.assign(out.array());
            }
        } finally {
            if (src != a) {
                src.close();
            }
        }
        return LossChecks.requireFinite(NAME, weight * k * sum, a);
    }

    /**
     * Turns the plain {@code [C, C]} product {@code P = F Fᵀ} into the scaled difference {@code s · (P/d − A)} in
     * place, returning {@code Σ (P/d − A)²} (accumulated in double).
     */
    private double differenceInPlace(INDArray p, double d, double s) {
        int len = targetValues.length;
        double sum = 0;
        if (p.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = p.data().asNioDouble();
            for (int j = 0; j < len; j++) {
                double e = b.get(j) / d - targetValues[j];
                sum += e * e;
                b.put(j, s * e);
            }
        } else {
            FloatBuffer b = p.data().asNioFloat();
            for (int j = 0; j < len; j++) {
                double e = b.get(j) / d - targetValues[j];
                sum += e * e;
                b.put(j, (float) (s * e));
            }
        }
        return sum;
    }

    @Override
    public String toString() {
        return "StyleLoss[" + normalization + ", C " + channels() + ", weight " + weight + "]";
    }
}
