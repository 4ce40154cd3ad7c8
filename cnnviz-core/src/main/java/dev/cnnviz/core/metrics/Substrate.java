package dev.cnnviz.core.metrics;

/**
 * What replaces removed pixels (deletion) or what the image is revealed on (insertion), in the model's
 * preprocessed input space (Petsiuk et al. 2018, "RISE", Sec. 4.1).
 *
 * <ul>
 *   <li>{@link #constant(double)}: every value set to one number; {@code constant(0)} in a mean-subtracted
 *       input is the mean colour, Petsiuk et al.'s deletion substrate (their code uses {@code zeros_like} on the
 *       normalised tensor);</li>
 *   <li>{@link #blur(int, double)}: a Gaussian blur of the input, each channel separately, Petsiuk et al.'s
 *       insertion substrate ({@code blur(11, 5)}, their {@code gkern(klen=11, nsig=5)}). Near the border the kernel
 *       is renormalised over the pixels inside the image (their code pads with zeros, which darkens the border).</li>
 * </ul>
 *
 * <pre>{@code
 * DeletionInsertion.of(model).withSubstrate(Substrate.blur(11, 5));
 * }</pre>
 */
public sealed interface Substrate permits Substrate.Constant, Substrate.Blur {

    /**
     * @param channels the channels {@code C}
     * @param height   {@code H}
     * @param width    {@code W}
     * @param x        one input, {@code C*H*W} values (not modified)
     * @return the substrate of {@code x}, {@code C*H*W} values
     */
    float[] apply(float[] x, int channels, int height, int width);

    /** @return a one-line description */
    String describe();

    /** @return every value set to {@code value}; @throws IllegalArgumentException if it is not finite */
    static Substrate constant(double value) {
        return new Constant(value);
    }

    /**
     * @return a Gaussian blur with a {@code kernel × kernel} window and standard deviation {@code sigma} pixels
     * @throws IllegalArgumentException if the kernel is not a positive odd number or sigma is not positive
     */
    static Substrate blur(int kernel, double sigma) {
        return new Blur(kernel, sigma);
    }

    /**
     * A constant substrate.
     *
     * @param value the value, in the preprocessed input space
     */
    record Constant(double value) implements Substrate {
        /** Validates. */
        public Constant {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("a constant substrate must be finite, found " + value);
            }
        }

        @Override
        public float[] apply(float[] x, int channels, int height, int width) {
            float[] out = new float[x.length];
            java.util.Arrays.fill(out, (float) value);
            return out;
        }

        @Override
        public String describe() {
            return "constant " + value;
        }
    }

    /**
     * A Gaussian blur.
     *
     * @param kernel the window size in pixels, odd, at least 1
     * @param sigma  the standard deviation in pixels, positive
     */
    record Blur(int kernel, double sigma) implements Substrate {
        /** Validates. */
        public Blur {
            if (kernel < 1 || kernel % 2 == 0 || kernel > 1001) {
                throw new IllegalArgumentException("a blur kernel must be an odd size from 1 to 1001 pixels, found " + kernel);
            }
            if (!(sigma > 0) || Double.isInfinite(sigma)) {
                throw new IllegalArgumentException("a blur sigma must be positive and finite, found " + sigma);
            }
        }

        @Override
        public float[] apply(float[] x, int channels, int height, int width) {
            int r = kernel / 2;
            double[] k = new double[kernel];
            for (int i = 0; i < kernel; i++) {
                k[i] = Math.exp(-0.5 * (i - r) * (i - r) / (sigma * sigma));
            }
            int plane = height * width;
            float[] out = new float[x.length];
            double[] tmp = new double[plane];
            for (int c = 0; c < channels; c++) {
                int base = c * plane;
                for (int y = 0; y < height; y++) {
                    for (int xx = 0; xx < width; xx++) {
                        double s = 0;
                        double ws = 0;
                        for (int d = -r; d <= r; d++) {
                            int q = xx + d;
                            if (q >= 0 && q < width) {
                                s += k[d + r] * x[base + y * width + q];
                                ws += k[d + r];
                            }
                        }
                        tmp[y * width + xx] = s / ws;
                    }
                }
                for (int y = 0; y < height; y++) {
                    for (int xx = 0; xx < width; xx++) {
                        double s = 0;
                        double ws = 0;
                        for (int d = -r; d <= r; d++) {
                            int q = y + d;
                            if (q >= 0 && q < height) {
                                s += k[d + r] * tmp[q * width + xx];
                                ws += k[d + r];
                            }
                        }
                        out[base + y * width + xx] = (float) (s / ws);
                    }
                }
            }
            return out;
        }

        @Override
        public String describe() {
            return "blur " + kernel + "x" + kernel + " sigma " + sigma;
        }
    }
}
