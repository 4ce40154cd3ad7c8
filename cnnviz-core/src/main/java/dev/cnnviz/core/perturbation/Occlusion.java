package dev.cnnviz.core.perturbation;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.ExplanationResult;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Occlusion (Zeiler &amp; Fergus 2014, "Visualizing and Understanding Convolutional Networks", ECCV): a square window of
 * the baseline slides over the input (all channels at once) and the model is run on every occluded copy.
 *
 * <p>Two outputs, chosen with {@link #withMode(Mode)}:
 * <ul>
 *   <li>{@link Mode#DIFFERENCE} (default, Captum's {@code Occlusion}): for window positions {@code k} covering pixel
 *       {@code p},
 *       <pre>  A[c, p] = (1 / |K_p|) Σ_{k ∈ K_p} ( f(x) − f(x with window k set to the baseline) )</pre>
 *       the same for every channel {@code c}; pixels no window covers get 0. The attribution is {@code [C, H, W]},
 *       like the input. On a linear model with a 1 × 1 window this is {@code Σ_c w[c,p] (x[c,p] − b[c,p])}.</li>
 *   <li>{@link Mode#OUTPUT_MAP} (the lecture's and the paper's figure, with {@code withProbability(true)}): the
 *       target's value (the class probability) with the window at each position, an {@code [h', w']} map with
 *       {@code h' = (H − window) / stride + 1}; low values mark what the model needs.</li>
 * </ul>
 * Windows start at 0 and move by {@code stride}; a window that would stick out of the input is not used (as Captum).
 * Every window is one perturbed input: {@code h' × w'} of them, evaluated forward only in batches of
 * {@link #batchSize()} (SqueezeNet at 224 × 224 with window 16 and stride 8: 27 × 27 = 729 inputs, 23 passes of 32).
 *
 * <p>Defaults: window 16, stride 8, baseline {@code constant(0)} (for a mean-subtracted model, the mean colour: a
 * grey square), the score before the softmax, 32 inputs per pass.
 *
 * <pre>{@code
 * Explanation e = Occlusion.of(model).withWindow(16).withStride(8).explain(image, 285);
 * Explanation zf = Occlusion.of(model).withMode(Occlusion.Mode.OUTPUT_MAP).withProbability(true).explain(image, 285);
 * }</pre>
 */
public final class Occlusion extends PerturbationBase<Occlusion> {
    /** What the method returns; see the class comment. */
    public enum Mode {
        /** Captum's definition: the mean output drop of the windows covering each pixel, {@code [C, H, W]}. */
        DIFFERENCE,
        /** The target's value with the window at each position, {@code [h', w']} (Zeiler &amp; Fergus's figure). */
        OUTPUT_MAP
    }

    /** The default window, in pixels. */
    public static final int DEFAULT_WINDOW = 16;
    /** The default stride, in pixels. */
    public static final int DEFAULT_STRIDE = 8;

    private final int window;
    private final int stride;
    private final Mode mode;

    private Occlusion(Model model, Common c, int window, int stride, Mode mode) {
        super(model, c);
        this.window = window;
        this.stride = stride;
        this.mode = mode;
    }

    /** @return occlusion for a model with the defaults (window 16, stride 8, baseline 0, Captum's definition) */
    public static Occlusion of(Model model) {
        return new Occlusion(model, Common.defaults(), DEFAULT_WINDOW, DEFAULT_STRIDE, Mode.DIFFERENCE);
    }

    @Override
    protected Occlusion with(Common c) {
        return new Occlusion(model, c, window, stride, mode);
    }

    /** @return a copy with a square window of {@code n} pixels (at least 1, at most the input's size) */
    public Occlusion withWindow(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("the occlusion window must be at least 1 pixel, found " + n);
        }
        return new Occlusion(model, common(), n, stride, mode);
    }

    /** @return the window size in pixels */
    public int window() {
        return window;
    }

    /** @return a copy moving the window by {@code n} pixels (at least 1) */
    public Occlusion withStride(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("the occlusion stride must be at least 1 pixel, found " + n);
        }
        return new Occlusion(model, common(), window, n, mode);
    }

    /** @return the stride in pixels */
    public int stride() {
        return stride;
    }

    /** @return a copy with another output */
    public Occlusion withMode(Mode m) {
        if (m == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        return new Occlusion(model, common(), window, stride, m);
    }

    /** @return the output */
    public Mode mode() {
        return mode;
    }

    @Override
    public String name() {
        return "Occlusion";
    }

    @Override
    protected Map<String, String> ownOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("window", String.valueOf(window));
        m.put("stride", String.valueOf(stride));
        m.put("mode", mode.name());
        return m;
    }

    @Override
    protected boolean usesFeatures() {
        return false;
    }

    @Override
    protected void check(int height, int width) {
        if (window > height || window > width) {
            throw new IllegalArgumentException("the occlusion window of " + window + " pixels is larger than the "
                    + height + " x " + width + " input");
        }
    }

    @Override
    protected Explanation explainOne(Evaluator ev, FeatureMask mask, BufferedImage image) {
        int[] dims = ev.dims();
        int h = dims[1];
        int w = dims[2];
        int channels = dims[0];
        int rows = (h - window) / stride + 1;
        int cols = (w - window) / stride + 1;
        final int hh = h;
        final int ww = w;
        double[] v = ev.evaluate(rows * cols, (k, keep) -> {
            Arrays.fill(keep, 1f);
            int y0 = (k / cols) * stride;
            int x0 = (k % cols) * stride;
            for (int y = y0; y < y0 + window; y++) {
                Arrays.fill(keep, y * ww + x0, y * ww + x0 + window, 0f);
            }
        });
        if (mode == Mode.OUTPUT_MAP) {
            float[] map = new float[rows * cols];
            for (int k = 0; k < map.length; k++) {
                map[k] = (float) v[k];
            }
            boolean signed = false;
            for (float f : map) {
                signed |= f < 0;
            }
            return pixelResult(map, rows, cols, signed, ev, image);
        }
        double[] sum = new double[hh * ww];
        int[] n = new int[hh * ww];
        double f = ev.original();
        for (int k = 0; k < v.length; k++) {
            int y0 = (k / cols) * stride;
            int x0 = (k % cols) * stride;
            for (int y = y0; y < y0 + window; y++) {
                for (int x = x0; x < x0 + window; x++) {
                    sum[y * ww + x] += f - v[k];
                    n[y * ww + x]++;
                }
            }
        }
        float[] hw = new float[hh * ww];
        for (int p = 0; p < hw.length; p++) {
            hw[p] = n[p] == 0 ? 0f : (float) (sum[p] / n[p]);
        }
        NonFiniteResultException.requireFinite(hw, "the attribution");
        float[] chw = new float[channels * hh * ww];
        for (int c = 0; c < channels; c++) {
            System.arraycopy(hw, 0, chw, c * hw.length, hw.length);
        }
        return new ExplanationResult(Tensor.of(chw, channels, hh, ww), new Map2D(hh, ww, hw), true, ev.resolved(),
                provenance("", null), image);
    }
}
