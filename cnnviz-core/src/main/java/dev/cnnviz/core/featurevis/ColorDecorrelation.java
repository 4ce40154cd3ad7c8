package dev.cnnviz.core.featurevis;

import java.util.Arrays;

/**
 * Colours from a decorrelated colour space: every pixel's three values t are mapped to RGB by
 * {@code rgb = M t}, where M is the square root of ImageNet's colour correlation matrix, normalized by its largest
 * column norm (Lucid's {@code _linear_decorelate_color}, {@code optvis/param/color.py}:
 * {@code color_correlation_svd_sqrt / max_norm_svd_sqrt}). A linear map; the backward is {@code Mᵀ g} per pixel.
 *
 * <pre>{@code
 * ImageParameterization p = ValidRgb.sigmoid(ColorDecorrelation.of(FourierParameterization.of(1, 3, 224, 224)));
 * }</pre>
 *
 * <p>Olah et al., "Feature Visualization", Distill 2017, section "Preconditioning and Parameterization": decorrelating
 * colours lets the optimizer move in directions the network sees as independent.
 */
public final class ColorDecorrelation extends BaseParameterization {
    /** Lucid's {@code color_correlation_svd_sqrt}: rows are R, G, B; columns the decorrelated components. */
    private static final double[][] COLOR_CORRELATION_SVD_SQRT = {
        {0.26, 0.09, 0.02},
        {0.27, 0.00, -0.05},
        {0.27, -0.09, 0.03},
    };

    /** Lucid's {@code color_mean}, added before a clip when colours are decorrelated ({@code to_valid_rgb}). */
    static final double[] COLOR_MEAN = {0.48, 0.46, 0.41};

    /** The largest column norm of {@link #colorCorrelationSvdSqrt()} (Lucid's {@code max_norm_svd_sqrt}). */
    public static final double MAX_NORM_SVD_SQRT = maxColumnNorm();

    private static final double[] M = normalized();

    private final ImageParameterization inner;
    private final int plane;

    private ColorDecorrelation(ImageParameterization inner) {
        super(inner.imageShape());
        requireRgb(shape, "colour decorrelation");
        this.inner = inner;
        this.plane = (int) (shape[2] * shape[3]);
    }

    /**
     * @param inner a parameterization of 3-channel images in the decorrelated space
     * @return RGB images, {@code M} applied to every pixel of {@code inner}'s
     */
    public static ColorDecorrelation of(ImageParameterization inner) {
        if (inner == null) {
            throw new IllegalArgumentException("the inner parameterization is null");
        }
        return new ColorDecorrelation(inner);
    }

    /** @return Lucid's {@code color_correlation_svd_sqrt} (a new 3x3 array; rows R, G, B) */
    public static double[][] colorCorrelationSvdSqrt() {
        return new double[][] {COLOR_CORRELATION_SVD_SQRT[0].clone(), COLOR_CORRELATION_SVD_SQRT[1].clone(),
            COLOR_CORRELATION_SVD_SQRT[2].clone()};
    }

    /** @return Lucid's {@code color_mean} [0.48, 0.46, 0.41] (a new array), the clip's offset after decorrelation */
    public static double[] colorMean() {
        return COLOR_MEAN.clone();
    }

    /** @return Lucid's normalized matrix {@code color_correlation_svd_sqrt / max_norm_svd_sqrt}, row-major 3x3 */
    public static double[][] matrix() {
        return new double[][] {Arrays.copyOfRange(M, 0, 3), Arrays.copyOfRange(M, 3, 6), Arrays.copyOfRange(M, 6, 9)};
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public double[] initial(long seed) {
        return inner.initial(seed);
    }

    @Override
    void forward(double[] p, double[] out) {
        inner.image(p, out);
        apply(out, out, false);
    }

    @Override
    void vjp(double[] p, double[] gradImage, double[] gradP) {
        double[] g = scratch();
        apply(gradImage, g, true);
        inner.backward(p, g, gradP);
    }

    private double[] scratch;

    private double[] scratch() {
        if (scratch == null) {
            scratch = new double[imageLength];
        }
        return scratch;
    }

    /** {@code dst = M src} per pixel ({@code Mᵀ} if transposed); {@code dst} may be {@code src}. */
    private void apply(double[] src, double[] dst, boolean transposed) {
        int n = (int) shape[0];
        for (int b = 0; b < n; b++) {
            int r = b * 3 * plane;
            int g = r + plane;
            int bl = g + plane;
            for (int i = 0; i < plane; i++) {
                double t0 = src[r + i];
                double t1 = src[g + i];
                double t2 = src[bl + i];
                if (transposed) {
                    dst[r + i] = M[0] * t0 + M[3] * t1 + M[6] * t2;
                    dst[g + i] = M[1] * t0 + M[4] * t1 + M[7] * t2;
                    dst[bl + i] = M[2] * t0 + M[5] * t1 + M[8] * t2;
                } else {
                    dst[r + i] = M[0] * t0 + M[1] * t1 + M[2] * t2;
                    dst[g + i] = M[3] * t0 + M[4] * t1 + M[5] * t2;
                    dst[bl + i] = M[6] * t0 + M[7] * t1 + M[8] * t2;
                }
            }
        }
    }

    private static double maxColumnNorm() {
        double max = 0;
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int i = 0; i < 3; i++) {
                s += COLOR_CORRELATION_SVD_SQRT[i][j] * COLOR_CORRELATION_SVD_SQRT[i][j];
            }
            max = Math.max(max, Math.sqrt(s));
        }
        return max;
    }

    private static double[] normalized() {
        double[] m = new double[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                m[3 * i + j] = COLOR_CORRELATION_SVD_SQRT[i][j] / MAX_NORM_SVD_SQRT;
            }
        }
        return m;
    }

    @Override
    public String toString() {
        return "decorrelated(" + inner + ")";
    }
}
