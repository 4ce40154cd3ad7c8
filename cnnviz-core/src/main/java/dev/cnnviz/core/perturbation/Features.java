package dev.cnnviz.core.perturbation;

import dev.cnnviz.core.render.Resample;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.global.opencv_ximgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_ximgproc.GraphSegmentation;
import org.bytedeco.opencv.opencv_ximgproc.SuperpixelSLIC;

/**
 * How an image is cut into the features that perturbation methods switch on and off: a grid of patches, superpixels
 * (OpenCV's SLIC and Felzenszwalb–Huttenlocher graph segmentation, from the ximgproc module of JavaCPP's OpenCV 4.5.5
 * preset), or a fixed {@link FeatureMask}. Superpixels are computed on the image as the model saw it (resized,
 * before normalisation).
 *
 * <ul>
 *   <li>{@link #grid(int) grid(px)}: square patches of {@code px} pixels;</li>
 *   <li>{@link #slic(int) slic(n)}: about {@code n} SLIC superpixels (Achanta et al. 2012; OpenCV's SLICO variant,
 *       which needs no compactness parameter, 10 iterations, then small fragments merged into neighbours);</li>
 *   <li>{@link #felzenszwalb(double) felzenszwalb(k)}: Felzenszwalb &amp; Huttenlocher 2004, scale {@code k}
 *       (larger: fewer, larger segments), Gaussian smoothing σ = 0.8 and segments of at least 20 pixels
 *       (scikit-image's defaults but for the minimum size, which keeps SqueezeNet's 224 × 224 input to a few
 *       hundred features);</li>
 *   <li>{@link #fixed(FeatureMask)}: the same mask for every image.</li>
 * </ul>
 *
 * <pre>{@code
 * Lime lime = Lime.of(model).withFeatures(Features.slic(50));
 * Features f = Features.parse("felzenszwalb:200");
 * FeatureMask m = Features.slic(100).apply(image, 224, 224);
 * }</pre>
 */
public final class Features {
    private enum Kind { GRID, SLIC, FELZENSZWALB, FIXED }

    /** The Gaussian smoothing of the graph segmentation before it runs (scikit-image's default). */
    public static final double FELZENSZWALB_SIGMA = 0.8;
    /** The smallest segment of the graph segmentation, in pixels. */
    public static final int FELZENSZWALB_MIN_SIZE = 20;
    /** SLIC iterations. */
    public static final int SLIC_ITERATIONS = 10;

    private final Kind kind;
    private final double parameter;
    private final FeatureMask mask;

    private Features(Kind kind, double parameter, FeatureMask mask) {
        this.kind = kind;
        this.parameter = parameter;
        this.mask = mask;
    }

    /**
     * @param patch the patch size in pixels, at least 1
     * @return square patches of {@code patch} pixels
     */
    public static Features grid(int patch) {
        if (patch < 1) {
            throw new IllegalArgumentException("grid patches must be at least 1 pixel, found " + patch);
        }
        return new Features(Kind.GRID, patch, null);
    }

    /**
     * @param regions the number of superpixels wanted, at least 1 (SLIC gives about that many)
     * @return SLIC superpixels
     */
    public static Features slic(int regions) {
        if (regions < 1) {
            throw new IllegalArgumentException("SLIC needs at least 1 superpixel, found " + regions);
        }
        return new Features(Kind.SLIC, regions, null);
    }

    /**
     * @param k the scale of the graph segmentation, positive and finite
     * @return Felzenszwalb–Huttenlocher segments
     */
    public static Features felzenszwalb(double k) {
        if (!(k > 0) || Double.isInfinite(k)) {
            throw new IllegalArgumentException("the Felzenszwalb scale k must be positive and finite, found " + k);
        }
        return new Features(Kind.FELZENSZWALB, k, null);
    }

    /** @return the same mask for every image; its size must be the model's input size */
    public static Features fixed(FeatureMask mask) {
        return new Features(Kind.FIXED, 0, Objects.requireNonNull(mask, "mask"));
    }

    /**
     * Parses {@code grid:PX}, {@code slic:N}, {@code felzenszwalb:K} or a {@code .npy} file name (an {@code [H, W]}
     * integer mask of the model's input size).
     *
     * @throws IllegalArgumentException naming the text if it is none of these
     * @throws IOException              naming the file if the mask cannot be read
     */
    public static Features parse(String spec, int height, int width) throws IOException {
        String s = spec == null ? "" : spec.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".npy")) {
            return fixed(FeatureMask.readNpy(Path.of(s), height, width));
        }
        int colon = s.indexOf(':');
        String kind = colon < 0 ? lower : lower.substring(0, colon);
        String value = colon < 0 ? "" : s.substring(colon + 1).strip();
        try {
            switch (kind) {
                case "grid":
                    return grid(Integer.parseInt(value));
                case "slic":
                    return slic(Integer.parseInt(value));
                case "felzenszwalb":
                    return felzenszwalb(Double.parseDouble(value));
                default:
                    break;
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("segments '" + spec + "': '" + value + "' is not a number");
        }
        throw new IllegalArgumentException("segments '" + spec + "' is not one of grid:PX, slic:N, felzenszwalb:K or FILE.npy");
    }

    /**
     * Cuts an image into features.
     *
     * @param image  the image as the model saw it; resized to {@code height × width} if its size differs
     * @param height the model's input height
     * @param width  the model's input width
     * @throws IllegalArgumentException if a grid patch or a fixed mask does not fit the input
     */
    public FeatureMask apply(BufferedImage image, int height, int width) {
        switch (kind) {
            case GRID:
                return FeatureMask.grid(height, width, (int) parameter);
            case FIXED:
                if (mask.height() != height || mask.width() != width) {
                    throw new IllegalArgumentException("the feature mask is " + mask.height() + " x " + mask.width()
                            + " but the model's input is " + height + " x " + width);
                }
                return mask;
            default:
                break;
        }
        BufferedImage img = image.getHeight() == height && image.getWidth() == width ? image
                : Resample.resize(image, width, height);
        try (Mat bgr = OpenCvMats.bgr(img); Mat labels = new Mat()) {
            if (kind == Kind.SLIC) {
                int region = (int) Math.max(1, Math.round(Math.sqrt((double) height * width / parameter)));
                try (Mat lab = new Mat()) {
                    opencv_imgproc.cvtColor(bgr, lab, opencv_imgproc.COLOR_BGR2Lab);
                    try (SuperpixelSLIC slic = opencv_ximgproc.createSuperpixelSLIC(lab, opencv_ximgproc.SLICO, region, 10f)) {
                        slic.iterate(SLIC_ITERATIONS);
                        slic.enforceLabelConnectivity(25);
                        slic.getLabels(labels);
                    }
                }
            } else {
                try (GraphSegmentation gs = opencv_ximgproc.createGraphSegmentation(FELZENSZWALB_SIGMA, (float) parameter,
                        FELZENSZWALB_MIN_SIZE)) {
                    gs.processImage(bgr, labels);
                }
            }
            return FeatureMask.of(OpenCvMats.ints(labels), height, width);
        }
    }

    /** @return e.g. {@code grid:16}, {@code slic:50}, {@code felzenszwalb:100}, {@code mask[224x224, 37 features]} */
    public String describe() {
        return switch (kind) {
            case GRID -> "grid:" + (int) parameter;
            case SLIC -> "slic:" + (int) parameter;
            case FELZENSZWALB -> "felzenszwalb:" + (parameter == Math.rint(parameter) ? String.valueOf((long) parameter) : String.valueOf(parameter));
            case FIXED -> "mask[" + mask.height() + "x" + mask.width() + ", " + mask.count() + " features]";
        };
    }

    @Override
    public String toString() {
        return describe();
    }
}
