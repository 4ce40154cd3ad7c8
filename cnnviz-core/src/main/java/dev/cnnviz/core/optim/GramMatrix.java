package dev.cnnviz.core.optim;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gram matrices of activations, the style representation of Gatys, Ecker &amp; Bethge (2016, "Image Style Transfer
 * Using Convolutional Neural Networks", CVPR, eq. 3): for each example of an activation {@code [N, C, H, W]},
 * {@code F} is the example reshaped to {@code [C, H·W]} (channel-major, so row {@code c} is channel {@code c}'s
 * feature map) and {@code G = F Fᵀ / divisor}, where the divisor is given by a {@link GramNormalization}
 * ({@code C·H·W} by default). {@code G[i][j]} is the inner product of feature maps {@code i} and {@code j}.
 *
 * <p>Computed as one batched matrix product (libnd4j's {@code matmul}) in the activation's data type; the result
 * is {@code [N, C, C]}, symmetric up to rounding.
 *
 * <pre>{@code
 * INDArray g = GramMatrix.of(activation);                              // [N, C, C], divided by C·H·W
 * INDArray paper = GramMatrix.of(activation, GramNormalization.PAPER); // F Fᵀ
 * }</pre>
 */
public final class GramMatrix {
    private GramMatrix() {
    }

    /**
     * @param activation an activation {@code [N, C, H, W]}, floating point (not modified)
     * @return the Gram matrices {@code F Fᵀ / (C·H·W)}, {@code [N, C, C]}
     * @throws IllegalArgumentException if the activation is null, empty, not floating point or not of rank 4
     */
    public static INDArray of(INDArray activation) {
        return of(activation, GramNormalization.CHW);
    }

    /**
     * @param activation    an activation {@code [N, C, H, W]}, floating point (not modified)
     * @param normalization what {@code F Fᵀ} is divided by
     * @return the Gram matrices, {@code [N, C, C]}, a fresh array in the activation's data type
     * @throws IllegalArgumentException if the activation is null, empty, not floating point or not of rank 4, or
     *                                  the normalization is null
     */
    public static INDArray of(INDArray activation, GramNormalization normalization) {
        String what = "Gram matrix";
        if (activation == null) {
            throw new IllegalArgumentException(what + ": the activation is null");
        }
        if (normalization == null) {
            throw new IllegalArgumentException(what + ": the normalization is null; expected one of "
                    + Arrays.toString(GramNormalization.values()));
        }
        if (!activation.dataType().isFPType()) {
            throw new IllegalArgumentException(what + ": the activation must be floating point, found "
                    + activation.dataType());
        }
        LossChecks.requireNchw(what, activation);
        if (activation.isEmpty() || activation.length() == 0) {
            throw new IllegalArgumentException(what + ": the activation is empty, shape "
                    + Arrays.toString(activation.shape()));
        }
        return unchecked(activation, normalization);
    }

    /** {@link #of(INDArray, GramNormalization)} without the argument checks, for callers that made them. */
    static INDArray unchecked(INDArray activation, GramNormalization normalization) {
        INDArray f = LossChecks.features(activation);
        INDArray g = LossChecks.batchedMmul(f, f, true);
        double divisor = normalization.divisor(activation.size(1), activation.size(2) * activation.size(3));
        return divisor == 1 ? g : g.divi(divisor);
    }
}
