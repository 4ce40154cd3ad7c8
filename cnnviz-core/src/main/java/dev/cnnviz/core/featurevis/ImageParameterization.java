package dev.cnnviz.core.featurevis;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A differentiable map from a flat parameter vector {@code p} to a batch of images [N, C, H, W] (NCHW, row-major),
 * with its vector-Jacobian product: given dL/dImage, {@link #backward} writes dL/dp. An optimizer works on {@code p};
 * the model sees {@link #image}. A batch of N images is N independent images in one vector.
 *
 * <p>After Olah, Mordvintsev and Schubert, "Feature Visualization", Distill 2017, and Lucid's {@code optvis.param}:
 * the default, {@link #lucid}, is Lucid's {@code param.image(w, fft=True, decorrelate=True)}: Fourier coefficients
 * scaled by 1/frequency ({@link FourierParameterization}), the ImageNet colour correlation
 * ({@link ColorDecorrelation}), then a sigmoid into [0, 1] ({@link ValidRgb}). The parts compose as decorators:
 * <pre>{@code
 * ImageParameterization param = ImageParameterization.lucid(1, 224, 224);   // = the chain below
 * ImageParameterization same = ValidRgb.sigmoid(ColorDecorrelation.of(FourierParameterization.of(1, 3, 224, 224)));
 * double[] p = param.initial(42);                                           // N(0, 0.01²), Lucid's init
 * INDArray img = Nd4j.create(DataType.FLOAT, param.imageShape());
 * param.image(p, img);                     // RGB in [0, 1]
 * // ... the model's input gradient dL/dimg ...
 * double[] gradP = new double[param.size()];
 * param.backward(p, gradImg, gradP);       // dL/dp, exact (tests check it by finite differences)
 * }</pre>
 *
 * <p>Implementations in this package hold the buffers they compute in (no image-sized allocation per step) and are
 * thread-safe (their methods synchronize on the instance); use one instance per concurrent run for speed.
 * Wrong lengths or shapes are {@link IllegalArgumentException}s naming the value found and the one expected.
 */
public interface ImageParameterization {
    /** Lucid's default initial noise: normal, standard deviation 0.01 ({@code spatial.py}, {@code sd or 0.01}). */
    double INITIAL_STD = 0.01;

    /** @return the number of parameters, the length of {@code p} */
    int size();

    /** @return the images' shape [N, C, H, W] (a copy) */
    long[] imageShape();

    /**
     * Lucid's initialization: every parameter drawn from N(0, 0.01²) (decorators pass their inner map's initial
     * vector on), from a {@link java.util.SplittableRandom} of this seed: the same seed gives the same vector.
     *
     * @return a new vector of {@link #size()} parameters
     */
    double[] initial(long seed);

    /**
     * The images for {@code p}.
     *
     * @param p   the parameters ({@link #size()} values; not modified)
     * @param out receives the images, [N, C, H, W] flattened row-major (overwritten)
     */
    void image(double[] p, double[] out);

    /**
     * The vector-Jacobian product at {@code p}: dL/dp = J(p)ᵀ dL/dImage.
     *
     * @param p         the parameters (not modified)
     * @param gradImage dL/dImage, [N, C, H, W] flattened row-major (not modified)
     * @param gradP     receives dL/dp ({@link #size()} values; overwritten)
     */
    void backward(double[] p, double[] gradImage, double[] gradP);

    /**
     * The images for {@code p}, written into {@code out} (float32 for a model, float64 for checks).
     *
     * @param out an array of shape {@link #imageShape()}, FLOAT or DOUBLE (overwritten)
     */
    void image(double[] p, INDArray out);

    /**
     * {@link #backward(double[], double[], double[])} with dL/dImage as an array of shape {@link #imageShape()}.
     */
    void backward(double[] p, INDArray gradImage, double[] gradP);

    /**
     * Lucid's default image, {@code param.image(w, h, batch, fft=True, decorrelate=True)}: a sigmoid of the
     * colour-decorrelated Fourier parameterization, RGB in (0, 1).
     *
     * @param n images in the batch
     * @param h height
     * @param w width
     */
    static ImageParameterization lucid(int n, int h, int w) {
        return of(n, h, w, true, true, true);
    }

    /**
     * Lucid's {@code param.image} with {@code to_valid_rgb}'s choices: RGB images (3 channels) from Fourier
     * coefficients or pixels, optionally colour-decorrelated, into [0, 1] through a sigmoid or a clip. The clip adds
     * Lucid's colour mean [0.48, 0.46, 0.41] when decorrelated (as {@code to_valid_rgb}) and 0.5 otherwise (see
     * {@link ValidRgb#clip(ImageParameterization)}).
     *
     * @param fft         Fourier coefficients ({@link FourierParameterization}) rather than pixels
     * @param decorrelate through Lucid's colour correlation ({@link ColorDecorrelation})
     * @param sigmoid     a sigmoid into (0, 1) rather than a clip to [0, 1]
     */
    static ImageParameterization of(int n, int h, int w, boolean fft, boolean decorrelate, boolean sigmoid) {
        ImageParameterization p = fft ? FourierParameterization.of(n, 3, h, w) : PixelParameterization.of(n, 3, h, w);
        if (decorrelate) {
            p = ColorDecorrelation.of(p);
        }
        if (sigmoid) {
            return ValidRgb.sigmoid(p);
        }
        return decorrelate ? ValidRgb.clip(p, ColorDecorrelation.COLOR_MEAN) : ValidRgb.clip(p);
    }
}
