package dev.cnnviz.core.featurevis;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * An image as the inverse real 2-D FFT of its scaled spectrum (Lucid's {@code fft_image},
 * {@code optvis/param/spatial.py}): a decorrelated spatial parameterization in which the optimizer sees every
 * frequency with about the same energy as natural images have, so it does not favour high-frequency noise
 * (Olah et al., "Feature Visualization", Distill 2017, "Preconditioning and Parameterization").
 *
 * <p>For every image and channel, the parameters are the real and imaginary parts of the non-redundant half of a
 * spectrum {@code X[ky][kx]}, {@code ky < H}, {@code kx < Wc}, with {@code Wc = W/2 + 1} for even W and
 * {@code W/2 + 2} for odd W (Lucid's {@code rfft2d_freqs}); the image is
 * <pre>
 *   image = irfft2(scale · X)[:H, :W] / 4,   irfft2 of size H x Wf, Wf = 2 (Wc - 1)  (= W, or W + 1 for odd W)
 *   scale[ky][kx] = sqrt(W H) / max(f, 1 / max(W, H))^decay,   f = sqrt(fy² + fx²)
 *   fy = numpy.fft.fftfreq(H)[ky],   fx = numpy.fft.fftfreq(W)[kx]
 * </pre>
 * with irfft2 normalized as numpy's and TensorFlow's (a factor 1/(H·Wf)), so the map is unitary up to the 1/4 for
 * even sizes. For odd W Lucid keeps one more frequency column and crops one pixel, and so does this class. Like
 * numpy's {@code irfft2}, the imaginary parts of the purely real coefficients (columns 0 and Wf/2) take no part in
 * the image; their gradient is 0. Lucid's constants reproduced: decay power 1, the floor {@code 1/max(W, H)} of the
 * frequency, the {@code sqrt(W·H)} factor, the {@code / 4.0} and the initial N(0, 0.01²).
 *
 * <p>Layout of {@code p}: Lucid's {@code (2, N, C, H, Wc)}, real parts first, row-major. The inverse and its adjoint
 * use JTransforms ({@link DoubleFFT_1D}): a complex FFT along every column, a real FFT along every row. The adjoint is
 * the forward real FFT of the gradient (zero-padded to Wf columns), times {@code scale / (4 H Wf)}, doubled for the
 * columns that stand for two conjugate ones ({@code 0 < kx < Wf/2}); the adjoint test proves it exact.
 *
 * <pre>{@code
 * ImageParameterization p = ValidRgb.sigmoid(ColorDecorrelation.of(FourierParameterization.of(1, 3, 224, 224)));
 * }</pre>
 */
public final class FourierParameterization extends BaseParameterization {
    private final int n;
    private final int channels;
    private final int h;
    private final int w;
    private final int wc;
    private final int wf;
    private final double decayPower;
    private final double[] scale;
    private final double[] forwardCoef;
    private final double[] backwardCoef;
    private final DoubleFFT_1D fftH;
    private final DoubleFFT_1D fftW;
    private final double[][] columns;
    private final double[] row;

    private FourierParameterization(long[] shape, double decayPower) {
        super(shape);
        this.n = (int) shape[0];
        this.channels = (int) shape[1];
        this.h = (int) shape[2];
        this.w = (int) shape[3];
        this.wc = w % 2 == 1 ? w / 2 + 2 : w / 2 + 1;
        this.wf = 2 * (wc - 1);
        this.decayPower = decayPower;
        long size = 2L * n * channels * h * wc;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the spectrum of " + java.util.Arrays.toString(shape) + " has " + size
                    + " parameters, more than a Java array holds");
        }
        this.scale = spectrumScale(h, w, decayPower);
        this.forwardCoef = new double[h * wc];
        this.backwardCoef = new double[h * wc];
        double norm = 1.0 / (4.0 * h * wf);
        for (int ky = 0; ky < h; ky++) {
            for (int kx = 0; kx < wc; kx++) {
                int i = ky * wc + kx;
                // realInverse(row, true) divides by Wf (its unscaled form halves power-of-two sizes in
                // JTransforms 3.1, so the scaled one is used): the Wf is taken back here.
                forwardCoef[i] = scale[i] * norm * wf;
                backwardCoef[i] = scale[i] * norm * (kx == 0 || kx == wc - 1 ? 1 : 2);
            }
        }
        this.fftH = new DoubleFFT_1D(h);
        this.fftW = new DoubleFFT_1D(wf);
        this.columns = new double[wc][2 * h];
        this.row = new double[wf];
    }

    /** @return Lucid's default: decay power 1 */
    public static FourierParameterization of(int n, int c, int h, int w) {
        return of(n, c, h, w, 1.0);
    }

    /**
     * @param n          images in the batch
     * @param c          channels (3 for RGB)
     * @param h          height
     * @param w          width
     * @param decayPower the exponent of the 1/frequency scale (Lucid's {@code decay_power}, default 1; 0 gives a
     *                   flat spectrum); finite and at least 0
     */
    public static FourierParameterization of(int n, int c, int h, int w, double decayPower) {
        if (!(decayPower >= 0) || Double.isInfinite(decayPower)) {
            throw new IllegalArgumentException("the decay power must be finite and >= 0, found " + decayPower);
        }
        return new FourierParameterization(shapeOf(n, c, h, w), decayPower);
    }

    /**
     * Lucid's {@code scale} before the FFT: {@code sqrt(W H) / max(sqrt(fy² + fx²), 1/max(W, H))^decayPower}.
     *
     * @return an H x Wc array, row-major (Wc as in the class description)
     */
    public static double[] spectrumScale(int h, int w, double decayPower) {
        int wc = w % 2 == 1 ? w / 2 + 2 : w / 2 + 1;
        double[] s = new double[h * wc];
        double floor = 1.0 / Math.max(w, h);
        double root = Math.sqrt((double) w * h);
        for (int ky = 0; ky < h; ky++) {
            double fy = fftfreq(ky, h);
            for (int kx = 0; kx < wc; kx++) {
                double fx = fftfreq(kx, w);
                double f = Math.sqrt(fx * fx + fy * fy);
                s[ky * wc + kx] = root / Math.pow(Math.max(f, floor), decayPower);
            }
        }
        return s;
    }

    /** numpy's {@code fftfreq(n)[k]}: k/n for k < ceil(n/2), (k - n)/n after. */
    static double fftfreq(int k, int n) {
        return (k < (n + 1) / 2 ? k : k - n) / (double) n;
    }

    /** @return the number of spectrum columns per row, Wc */
    public int spectrumWidth() {
        return wc;
    }

    /** @return the exponent of the 1/frequency scale */
    public double decayPower() {
        return decayPower;
    }

    @Override
    public int size() {
        return 2 * n * channels * h * wc;
    }

    @Override
    void forward(double[] p, double[] out) {
        int planeSpec = h * wc;
        int imaginary = n * channels * planeSpec;
        for (int image = 0; image < n * channels; image++) {
            int re = image * planeSpec;
            int im = imaginary + re;
            for (int kx = 0; kx < wc; kx++) {
                double[] col = columns[kx];
                for (int ky = 0; ky < h; ky++) {
                    int i = ky * wc + kx;
                    col[2 * ky] = forwardCoef[i] * p[re + i];
                    col[2 * ky + 1] = forwardCoef[i] * p[im + i];
                }
                fftH.complexInverse(col, false);
            }
            int base = image * h * w;
            for (int y = 0; y < h; y++) {
                row[0] = columns[0][2 * y];
                row[1] = columns[wc - 1][2 * y];
                for (int k = 1; k < wc - 1; k++) {
                    row[2 * k] = columns[k][2 * y];
                    row[2 * k + 1] = columns[k][2 * y + 1];
                }
                fftW.realInverse(row, true);
                System.arraycopy(row, 0, out, base + y * w, w);
            }
        }
    }

    @Override
    void vjp(double[] p, double[] gradImage, double[] gradP) {
        int planeSpec = h * wc;
        int imaginary = n * channels * planeSpec;
        for (int image = 0; image < n * channels; image++) {
            int base = image * h * w;
            for (int y = 0; y < h; y++) {
                System.arraycopy(gradImage, base + y * w, row, 0, w);
                for (int x = w; x < wf; x++) {
                    row[x] = 0;
                }
                fftW.realForward(row);
                columns[0][2 * y] = row[0];
                columns[0][2 * y + 1] = 0;
                columns[wc - 1][2 * y] = row[1];
                columns[wc - 1][2 * y + 1] = 0;
                for (int k = 1; k < wc - 1; k++) {
                    columns[k][2 * y] = row[2 * k];
                    columns[k][2 * y + 1] = row[2 * k + 1];
                }
            }
            int re = image * planeSpec;
            int im = imaginary + re;
            for (int kx = 0; kx < wc; kx++) {
                double[] col = columns[kx];
                fftH.complexForward(col);
                for (int ky = 0; ky < h; ky++) {
                    int i = ky * wc + kx;
                    gradP[re + i] = backwardCoef[i] * col[2 * ky];
                    gradP[im + i] = backwardCoef[i] * col[2 * ky + 1];
                }
            }
        }
    }

    @Override
    public String toString() {
        return "fourier" + java.util.Arrays.toString(shape) + (decayPower == 1 ? "" : "(decay " + decayPower + ")");
    }
}
