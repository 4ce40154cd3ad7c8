package dev.cnnviz.core.segmentation;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.perturbation.OpenCvMats;
import dev.cnnviz.core.render.Resample;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Object segmentation from a saliency map with GrabCut (Simonyan, Vedaldi &amp; Zisserman 2014, "Deep Inside
 * Convolutional Networks", section 3.2; Rother, Kolmogorov &amp; Blake 2004, "GrabCut"): the pixels whose saliency is
 * above the map's {@code foregroundQuantile} (default 0.95) are sure foreground, those below its
 * {@code backgroundQuantile} (default 0.30) sure background, the paper's thresholds; the rest start as probable
 * foreground or background (above or below the midpoint of the two thresholds). OpenCV's {@code grabCut} (JavaCPP's
 * OpenCV 4.5.5 preset) then fits colour models to the seeds and propagates them to the rest of the image with a graph
 * cut ({@link #iterations()} rounds, default 5). Works with any attribution: its map (at any resolution; upsampled
 * bilinearly) is taken as is, so high values mean foreground. The segmentation is of the image as the model saw it.
 *
 * <p>GrabCut never relabels sure seeds, so a pixel-space map's speckle (saliency, guided backprop) would survive as
 * speckle in the mask; the map is therefore smoothed with a Gaussian of {@link #smoothing()} times the image's
 * shorter side before the quantiles are taken (default 0.02: 4.5 pixels on a 224 × 224 image; 0 turns it off, as in
 * the paper's description).
 *
 * <pre>{@code
 * Segmentation s = GrabCut.of(Saliency.of(model)).segment(image, Target.classIndex(285));
 * Segmentation t = GrabCut.defaults().withIterations(10).segment(image, saliencyMap);
 * ImageIO.write(s.panel(), "png", new File("grabcut.png"));
 * }</pre>
 */
public final class GrabCut {
    /** The default foreground quantile (Simonyan et al.). */
    public static final double DEFAULT_FOREGROUND_QUANTILE = 0.95;
    /** The default background quantile (Simonyan et al.). */
    public static final double DEFAULT_BACKGROUND_QUANTILE = 0.30;
    /** The default number of GrabCut iterations. */
    public static final int DEFAULT_ITERATIONS = 5;
    /** The most iterations accepted. */
    public static final int MAX_ITERATIONS = 100;

    private final Attribution attribution;
    private final double foregroundQuantile;
    private final double backgroundQuantile;
    private final int iterations;
    private final double smoothing;

    /** The default smoothing of the map, as a fraction of the image's shorter side. */
    public static final double DEFAULT_SMOOTHING = 0.02;

    private GrabCut(Attribution attribution, double fg, double bg, int iterations, double smoothing) {
        this.attribution = attribution;
        this.foregroundQuantile = fg;
        this.backgroundQuantile = bg;
        this.iterations = iterations;
        this.smoothing = smoothing;
    }

    /** @return a copy smoothing the map with a Gaussian of {@code f} times the image's shorter side, {@code f} in [0, 1] */
    public GrabCut withSmoothing(double f) {
        if (!(f >= 0 && f <= 1)) {
            throw new IllegalArgumentException("the smoothing must be between 0 and 1 (a fraction of the image's size), found " + f);
        }
        return new GrabCut(attribution, foregroundQuantile, backgroundQuantile, iterations, f);
    }

    /** @return the smoothing of the map, a fraction of the image's shorter side */
    public double smoothing() {
        return smoothing;
    }

    /** @return GrabCut seeded by the maps of {@code attribution}, with the defaults */
    public static GrabCut of(Attribution attribution) {
        if (attribution == null) {
            throw new IllegalArgumentException("attribution must not be null");
        }
        return new GrabCut(attribution, DEFAULT_FOREGROUND_QUANTILE, DEFAULT_BACKGROUND_QUANTILE, DEFAULT_ITERATIONS, DEFAULT_SMOOTHING);
    }

    /** @return GrabCut for maps given directly ({@link #segment(BufferedImage, Map2D)}), with the defaults */
    public static GrabCut defaults() {
        return new GrabCut(null, DEFAULT_FOREGROUND_QUANTILE, DEFAULT_BACKGROUND_QUANTILE, DEFAULT_ITERATIONS, DEFAULT_SMOOTHING);
    }

    /** @return a copy with sure foreground above quantile {@code q} of the map, in (backgroundQuantile, 1) */
    public GrabCut withForegroundQuantile(double q) {
        if (!(q > backgroundQuantile && q < 1)) {
            throw new IllegalArgumentException("the foreground quantile must be above the background quantile ("
                    + backgroundQuantile + ") and below 1, found " + q);
        }
        return new GrabCut(attribution, q, backgroundQuantile, iterations, smoothing);
    }

    /** @return the foreground quantile */
    public double foregroundQuantile() {
        return foregroundQuantile;
    }

    /** @return a copy with sure background below quantile {@code q} of the map, in (0, foregroundQuantile) */
    public GrabCut withBackgroundQuantile(double q) {
        if (!(q > 0 && q < foregroundQuantile)) {
            throw new IllegalArgumentException("the background quantile must be above 0 and below the foreground quantile ("
                    + foregroundQuantile + "), found " + q);
        }
        return new GrabCut(attribution, foregroundQuantile, q, iterations, smoothing);
    }

    /** @return the background quantile */
    public double backgroundQuantile() {
        return backgroundQuantile;
    }

    /** @return a copy running {@code n} GrabCut iterations, 1 to {@value #MAX_ITERATIONS} */
    public GrabCut withIterations(int n) {
        if (n < 1 || n > MAX_ITERATIONS) {
            throw new IllegalArgumentException("GrabCut iterations must be 1 to " + MAX_ITERATIONS + ", found " + n);
        }
        return new GrabCut(attribution, foregroundQuantile, backgroundQuantile, n, smoothing);
    }

    /** @return the number of GrabCut iterations */
    public int iterations() {
        return iterations;
    }

    /**
     * Explains {@code image} with the attribution and segments it from the map.
     *
     * @throws IllegalStateException if this GrabCut has no attribution ({@link #defaults()})
     */
    public Segmentation segment(BufferedImage image, Target target) {
        if (attribution == null) {
            throw new IllegalStateException("GrabCut.defaults() has no attribution; use GrabCut.of(attribution) or give the map");
        }
        return segment(attribution.explain(image, target));
    }

    /** Segments the image an explanation was computed on, from its map. */
    public Segmentation segment(Explanation e) {
        return segment(e.image(), e.map());
    }

    /**
     * Segments an image from a saliency map.
     *
     * @param image    the image
     * @param saliency the map, any size (upsampled bilinearly to the image), finite, high values meaning foreground
     * @throws IllegalArgumentException if the map holds a non-finite value or is too flat to give both seeds
     */
    public Segmentation segment(BufferedImage image, Map2D saliency) {
        if (image == null || saliency == null) {
            throw new IllegalArgumentException("an image and a saliency map are needed");
        }
        int h = image.getHeight();
        int w = image.getWidth();
        Map2D up = saliency.height() == h && saliency.width() == w ? saliency : Resample.bilinear(saliency, h, w);
        float[] v = up.values();
        for (float f : v) {
            if (!Float.isFinite(f)) {
                throw new IllegalArgumentException("the saliency map holds a non-finite value " + f);
            }
        }
        double sigma = smoothing * Math.min(h, w);
        if (sigma > 0) {
            try (Mat m = OpenCvMats.floats(v, h, w); Mat blurred = new Mat(); Size k = new Size(0, 0)) {
                opencv_imgproc.GaussianBlur(m, blurred, k, sigma, sigma, opencv_core.BORDER_REFLECT101);
                v = OpenCvMats.floats(blurred);
            }
        }
        float[] sorted = v.clone();
        Arrays.sort(sorted);
        float hi = quantile(sorted, foregroundQuantile);
        float lo = quantile(sorted, backgroundQuantile);
        float mid = (hi + lo) / 2;
        int[] seeds = new int[v.length];
        int nf = 0;
        int nb = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] > hi || (v[i] == hi && hi > lo)) {
                seeds[i] = Segmentation.SURE_FOREGROUND;
                nf++;
            } else if (v[i] < lo || (v[i] == lo && hi > lo)) {
                seeds[i] = Segmentation.SURE_BACKGROUND;
                nb++;
            } else {
                seeds[i] = v[i] >= mid ? Segmentation.PROBABLE_FOREGROUND : Segmentation.PROBABLE_BACKGROUND;
            }
        }
        if (nf == 0 || nb == 0) {
            throw new IllegalArgumentException("the saliency map is too flat to seed GrabCut: its " + backgroundQuantile
                    + " and " + foregroundQuantile + " quantiles are both " + hi);
        }
        boolean[] fg = new boolean[v.length];
        try (Mat img = OpenCvMats.bgr(image); Mat mask = OpenCvMats.bytes(seeds, h, w); Mat bgd = new Mat(); Mat fgd = new Mat();
                Rect none = new Rect()) {
            opencv_imgproc.grabCut(img, mask, none, bgd, fgd, iterations, opencv_imgproc.GC_INIT_WITH_MASK);
            int[] out = OpenCvMats.bytes(mask);
            for (int i = 0; i < out.length; i++) {
                fg[i] = out[i] == Segmentation.SURE_FOREGROUND || out[i] == Segmentation.PROBABLE_FOREGROUND;
            }
        }
        return new Segmentation(image, fg, seeds);
    }

    /** @return the {@code q} quantile of sorted values (linear interpolation, as numpy's default) */
    static float quantile(float[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int i = (int) Math.floor(pos);
        int j = Math.min(sorted.length - 1, i + 1);
        return (float) (sorted[i] + (pos - i) * (sorted[j] - sorted[i]));
    }

    @Override
    public String toString() {
        return "GrabCut[" + (attribution == null ? "map" : attribution.name()) + ", foreground > q" + foregroundQuantile
                + ", background < q" + backgroundQuantile + ", " + iterations + " iterations, smoothing " + smoothing + "]";
    }
}
