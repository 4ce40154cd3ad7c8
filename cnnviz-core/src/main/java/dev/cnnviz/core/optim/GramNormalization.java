package dev.cnnviz.core.optim;

/**
 * What a {@link GramMatrix} is divided by, and with it the scale of a {@link StyleLoss}. For an activation of
 * {@code C} channels and {@code M = H·W} positions, {@code G = F Fᵀ / divisor} with {@code F} the activation
 * reshaped to {@code [C, M]}.
 *
 * <ul>
 *   <li>{@link #PAPER}: no division, {@code G = F Fᵀ}, as Gatys, Ecker &amp; Bethge (2016, "Image Style Transfer
 *       Using Convolutional Neural Networks", CVPR, eq. 3) define it; their style loss then carries the factor
 *       {@code 1/(4 C² M²)} (eq. 4).</li>
 *   <li>{@link #CHW}: {@code G = F Fᵀ / (C·H·W)}, as Johnson, Alahi &amp; Fei-Fei's perceptual losses and the
 *       implementations most style weights are quoted for: {@code pytorch/examples}
 *       {@code fast_neural_style/neural_style/utils.py} ({@code gram = features.bmm(features_t) / (ch * h * w)})
 *       and the PyTorch tutorial {@code advanced_source/neural_style_tutorial.py} ({@code G.div(a * b * c * d)}
 *       with batch {@code a = 1}); the style loss is then the mean of {@code (G − A)²} over the {@code C×C}
 *       entries ({@code F.mse_loss}). The default of {@link StyleLoss} and {@link GramMatrix}.</li>
 *   <li>{@link #HW}: {@code G = F Fᵀ / (H·W)}, the mean over positions, as in the TensorFlow tutorial
 *       ({@code tensorflow/docs} {@code site/en/tutorials/generative/style_transfer.ipynb}: {@code result /
 *       num_locations}, loss {@code reduce_mean((G − A)²)}).</li>
 * </ul>
 */
public enum GramNormalization {
    /** {@code G = F Fᵀ}, unnormalised, with Gatys et al.'s {@code 1/(4 C² M²)} in the style loss. */
    PAPER,
    /** {@code G = F Fᵀ / (C·H·W)} (Johnson et al., the PyTorch examples and tutorial); the default. */
    CHW,
    /** {@code G = F Fᵀ / (H·W)} (the TensorFlow tutorial). */
    HW;

    /**
     * @param channels  {@code C}
     * @param positions {@code M = H·W}
     * @return what {@code F Fᵀ} is divided by: 1, {@code C·M} or {@code M}
     */
    public double divisor(long channels, long positions) {
        return switch (this) {
            case PAPER -> 1;
            case CHW -> (double) channels * positions;
            case HW -> positions;
        };
    }
}
