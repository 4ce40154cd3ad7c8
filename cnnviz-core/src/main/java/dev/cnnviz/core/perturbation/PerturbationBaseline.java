package dev.cnnviz.core.perturbation;

import dev.cnnviz.api.Tensor;
import java.util.Arrays;
import java.util.Locale;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * What hidden features are filled with, in the model's preprocessed input space:
 * <ul>
 *   <li>{@link #constant(double) constant(v)}: every channel {@code v} (the default is {@code 0}, Captum's default
 *       baseline; for mean-subtracted models this is the mean image, a grey square);</li>
 *   <li>{@link #featureMean()}: each feature's mean colour per channel, as the {@code lime} package fills hidden
 *       superpixels ({@code hide_color=None});</li>
 *   <li>{@link #blur(double) blur(σ)}: the input blurred with a Gaussian of σ pixels (OpenCV's {@code GaussianBlur},
 *       per channel, reflected borders);</li>
 *   <li>{@link #of(Tensor)}: any input {@code [C, H, W]} (or {@code [1, C, H, W]}) of the model's shape.</li>
 * </ul>
 *
 * <pre>{@code
 * Occlusion.of(model).withBaseline(PerturbationBaseline.constant(0));
 * Lime.of(model).withBaseline(PerturbationBaseline.featureMean());
 * PerturbationBaseline b = PerturbationBaseline.parse("blur");
 * }</pre>
 */
public final class PerturbationBaseline {
    private enum Kind { CONSTANT, FEATURE_MEAN, BLUR, TENSOR }

    /** The blur's default σ in pixels. */
    public static final double DEFAULT_BLUR_SIGMA = 10;

    private final Kind kind;
    private final double value;
    private final Tensor tensor;

    private PerturbationBaseline(Kind kind, double value, Tensor tensor) {
        this.kind = kind;
        this.value = value;
        this.tensor = tensor;
    }

    /**
     * @param v the value, finite, in the model's preprocessed input space
     * @return every hidden element set to {@code v}
     */
    public static PerturbationBaseline constant(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("a constant baseline must be finite, found " + v);
        }
        return new PerturbationBaseline(Kind.CONSTANT, v, null);
    }

    /** @return each feature filled with its mean per channel */
    public static PerturbationBaseline featureMean() {
        return new PerturbationBaseline(Kind.FEATURE_MEAN, 0, null);
    }

    /**
     * @param sigma the Gaussian's standard deviation in pixels, positive and at most 1000
     * @return the blurred input
     */
    public static PerturbationBaseline blur(double sigma) {
        if (!(sigma > 0) || sigma > 1000) {
            throw new IllegalArgumentException("the blur's sigma must be in (0, 1000] pixels, found " + sigma);
        }
        return new PerturbationBaseline(Kind.BLUR, sigma, null);
    }

    /**
     * @param t a preprocessed input {@code [C, H, W]} or {@code [1, C, H, W]}, finite
     * @return that input
     */
    public static PerturbationBaseline of(Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException("baseline tensor must not be null");
        }
        int[] s = t.shape();
        if (s.length == 4 && s[0] == 1) {
            t = Tensor.of(t.data(), s[1], s[2], s[3]);
        } else if (s.length != 3) {
            throw new IllegalArgumentException("a baseline tensor must be [C, H, W] or [1, C, H, W], found " + Arrays.toString(s));
        }
        for (float v : t.data()) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("a baseline tensor must be finite, found " + v);
            }
        }
        return new PerturbationBaseline(Kind.TENSOR, 0, t);
    }

    /**
     * Parses a number (a constant), {@code mean} or {@code blur} (optionally {@code blur:SIGMA}). Files are read by
     * the caller and given to {@link #of(Tensor)}.
     *
     * @throws IllegalArgumentException naming the text
     */
    public static PerturbationBaseline parse(String spec) {
        String s = spec == null ? "" : spec.strip().toLowerCase(Locale.ROOT);
        if (s.equals("mean")) {
            return featureMean();
        }
        if (s.equals("blur")) {
            return blur(DEFAULT_BLUR_SIGMA);
        }
        try {
            if (s.startsWith("blur:")) {
                return blur(Double.parseDouble(s.substring(5)));
            }
            return constant(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("baseline '" + spec + "' is not a number, 'mean', 'blur', 'blur:SIGMA' or a file");
        }
    }

    /** @return whether the baseline depends on the feature mask ({@link #featureMean()}) */
    public boolean needsFeatures() {
        return kind == Kind.FEATURE_MEAN;
    }

    /**
     * The baseline for one input.
     *
     * @param x    the input {@code [C, H, W]}, row-major
     * @param mask the features (used by {@link #featureMean()}; may be null otherwise)
     * @return the baseline {@code [C, H, W]}, row-major
     * @throws IllegalArgumentException if a tensor baseline's shape differs from the input's
     */
    public double[] values(double[] x, int channels, int height, int width, FeatureMask mask) {
        int plane = height * width;
        double[] b = new double[channels * plane];
        switch (kind) {
            case CONSTANT:
                Arrays.fill(b, value);
                return b;
            case TENSOR: {
                int[] want = {channels, height, width};
                if (!Arrays.equals(want, tensor.shape())) {
                    throw new IllegalArgumentException("the baseline has shape " + Arrays.toString(tensor.shape())
                            + " but the model takes [C, H, W] = " + Arrays.toString(want));
                }
                float[] d = tensor.data();
                for (int i = 0; i < b.length; i++) {
                    b[i] = d[i];
                }
                return b;
            }
            case FEATURE_MEAN: {
                if (mask == null) {
                    throw new IllegalArgumentException("the 'mean' baseline needs features (a feature mask)");
                }
                int[] l = mask.labelsView();
                int[] n = mask.sizes();
                for (int c = 0; c < channels; c++) {
                    double[] sum = new double[mask.count()];
                    for (int p = 0; p < plane; p++) {
                        sum[l[p]] += x[c * plane + p];
                    }
                    for (int p = 0; p < plane; p++) {
                        b[c * plane + p] = sum[l[p]] / n[l[p]];
                    }
                }
                return b;
            }
            default: {
                float[] ch = new float[plane];
                for (int c = 0; c < channels; c++) {
                    for (int p = 0; p < plane; p++) {
                        ch[p] = (float) x[c * plane + p];
                    }
                    try (Mat src = OpenCvMats.floats(ch, height, width); Mat dst = new Mat(); Size k = new Size(0, 0)) {
                        opencv_imgproc.GaussianBlur(src, dst, k, value, value, opencv_core.BORDER_REFLECT101);
                        float[] out = OpenCvMats.floats(dst);
                        for (int p = 0; p < plane; p++) {
                            b[c * plane + p] = out[p];
                        }
                    }
                }
                return b;
            }
        }
    }

    /** @return e.g. {@code 0.0}, {@code mean}, {@code blur:10.0}, {@code tensor[3, 224, 224]} */
    public String describe() {
        return switch (kind) {
            case CONSTANT -> String.valueOf(value);
            case FEATURE_MEAN -> "mean";
            case BLUR -> "blur:" + value;
            case TENSOR -> "tensor" + Arrays.toString(tensor.shape());
        };
    }

    @Override
    public String toString() {
        return describe();
    }
}
