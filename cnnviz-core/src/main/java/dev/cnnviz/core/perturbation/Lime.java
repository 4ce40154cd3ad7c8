package dev.cnnviz.core.perturbation;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * LIME for images (Ribeiro, Singh &amp; Guestrin 2016, "Why Should I Trust You?", KDD): the image is cut into
 * superpixels, random subsets are switched off (filled with the baseline; the {@code lime} package's default is each
 * superpixel's mean colour, {@link PerturbationBaseline#featureMean()}), and a weighted linear model of the target on
 * the on/off vector {@code z ∈ {0,1}^M} is fitted; its coefficients are the attributions:
 * <pre>  β = argmin Σ_i π(z_i) ( v(z_i) − β₀ − z_i·β )² + α ‖β‖²,     π(z) = √exp(−d(z, 1)² / σ²)</pre>
 * with {@code d} the cosine distance of {@code z} from the all-on vector and σ = 0.25 (the {@code lime} package's
 * image explainer: kernel width 0.25, {@code Ridge(alpha=1)}). Samples as in {@code lime}: the first is the whole
 * image, the others switch each superpixel on with probability ½. {@link Regularizer#LASSO} fits Captum's
 * {@code Lasso(alpha)} instead (with α = 0.01 as in Captum). {@link #renderTopFeatures} draws the paper's figure (the
 * top-k superpixels, the rest greyed out).
 *
 * <p>Defaults: 1,000 samples, SLIC with about 50 superpixels, baseline {@code mean}, ridge with α = 1, kernel width
 * 0.25, seed 0. Cost: {@code samples} perturbed inputs, forward only, in batches. Seeded.
 *
 * <pre>{@code
 * Explanation e = Lime.of(model).withSamples(1000).explain(image, 285);
 * BufferedImage fig = Lime.renderTopFeatures(e, 5);
 * Lime lasso = Lime.of(model).withRegularizer(Lime.Regularizer.LASSO).withAlpha(0.01);
 * }</pre>
 */
public final class Lime extends PerturbationBase<Lime> {
    /** The regression fitted. */
    public enum Regularizer {
        /** Ridge ({@code lime}'s default). */
        RIDGE,
        /** Lasso (Captum's default for {@code Lime}). */
        LASSO
    }

    /** The default number of samples. */
    public static final int DEFAULT_SAMPLES = 1000;
    /** The most samples accepted. */
    public static final int MAX_SAMPLES = 100_000;
    /** The default kernel width on the cosine distance. */
    public static final double DEFAULT_KERNEL_WIDTH = 0.25;
    /** The default number of SLIC superpixels. */
    public static final int DEFAULT_SUPERPIXELS = 50;

    private final int samples;
    private final double kernelWidth;
    private final Regularizer regularizer;
    private final double alpha;

    private Lime(Model model, Common c, int samples, double kernelWidth, Regularizer regularizer, double alpha) {
        super(model, c);
        this.samples = samples;
        this.kernelWidth = kernelWidth;
        this.regularizer = regularizer;
        this.alpha = alpha;
    }

    /** @return LIME for a model with the defaults */
    public static Lime of(Model model) {
        Common d = Common.defaults();
        return new Lime(model, new Common(d.batchSize(), d.probability(), PerturbationBaseline.featureMean(),
                Features.slic(DEFAULT_SUPERPIXELS), d.seed()), DEFAULT_SAMPLES, DEFAULT_KERNEL_WIDTH, Regularizer.RIDGE, 1.0);
    }

    @Override
    protected Lime with(Common c) {
        return new Lime(model, c, samples, kernelWidth, regularizer, alpha);
    }

    /** @return a copy with {@code n} samples, 2 to {@value #MAX_SAMPLES} */
    public Lime withSamples(int n) {
        if (n < 2 || n > MAX_SAMPLES) {
            throw new IllegalArgumentException("LIME samples must be 2 to " + MAX_SAMPLES + ", found " + n);
        }
        return new Lime(model, common(), n, kernelWidth, regularizer, alpha);
    }

    /** @return the number of samples */
    public int samples() {
        return samples;
    }

    /** @return a copy with another kernel width (positive, finite) */
    public Lime withKernelWidth(double w) {
        if (!(w > 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException("the kernel width must be positive and finite, found " + w);
        }
        return new Lime(model, common(), samples, w, regularizer, alpha);
    }

    /** @return the kernel width */
    public double kernelWidth() {
        return kernelWidth;
    }

    /** @return a copy fitting another regression (keeps α; set it with {@link #withAlpha}) */
    public Lime withRegularizer(Regularizer r) {
        if (r == null) {
            throw new IllegalArgumentException("regularizer must not be null");
        }
        return new Lime(model, common(), samples, kernelWidth, r, alpha);
    }

    /** @return the regression fitted */
    public Regularizer regularizer() {
        return regularizer;
    }

    /** @return a copy with regularisation strength {@code a} (non-negative, finite) */
    public Lime withAlpha(double a) {
        if (!(a >= 0) || Double.isInfinite(a)) {
            throw new IllegalArgumentException("alpha must be non-negative and finite, found " + a);
        }
        return new Lime(model, common(), samples, kernelWidth, regularizer, a);
    }

    /** @return the regularisation strength */
    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "LIME";
    }

    @Override
    protected Map<String, String> ownOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("samples", String.valueOf(samples));
        m.put("kernelWidth", String.valueOf(kernelWidth));
        m.put("regularizer", regularizer.name());
        m.put("alpha", String.valueOf(alpha));
        return m;
    }

    @Override
    protected boolean seeded() {
        return true;
    }

    @Override
    protected Explanation explainOne(Evaluator ev, FeatureMask mask, BufferedImage image) {
        int m = mask.count();
        model.graph().memoryBudget().check("the " + samples + " samples of " + m + " features",
                MemoryBudget.bytesOf(8, samples, m + 1), "use fewer samples or superpixels");
        double[][] z = new double[samples][m];
        SplittableRandom rng = new SplittableRandom(seed());
        Arrays.fill(z[0], 1);
        for (int i = 1; i < samples; i++) {
            for (int j = 0; j < m; j++) {
                z[i][j] = rng.nextBoolean() ? 1 : 0;
            }
        }
        double[] v = ev.evaluateCoalitions(mask, samples - 1, (k, present) -> {
            for (int j = 0; j < m; j++) {
                present[j] = z[k + 1][j] != 0;
            }
        });
        double[] y = new double[samples];
        y[0] = ev.original();
        System.arraycopy(v, 0, y, 1, samples - 1);
        double[] w = new double[samples];
        for (int i = 0; i < samples; i++) {
            double on = 0;
            for (double e : z[i]) {
                on += e;
            }
            double d = on == 0 ? 1 : 1 - Math.sqrt(on / m);
            w[i] = Math.sqrt(Math.exp(-d * d / (kernelWidth * kernelWidth)));
        }
        double[] beta = regularizer == Regularizer.RIDGE ? Regression.ridge(z, y, w, alpha) : Regression.lasso(z, y, w, alpha);
        return featureResult(mask, beta, ev, image);
    }

    /**
     * The figure of the LIME paper: the image with only the {@code k} superpixels of largest positive weight shown,
     * the rest grey, and the superpixels' borders in yellow. Superpixels are read back from the attribution (each
     * holds its superpixel's weight), so superpixels of exactly equal weight count as one.
     *
     * @param e a per-feature explanation ({@code [H, W]} attribution) of this package
     * @param k how many superpixels, at least 1
     * @return a new image of the explanation's image size
     * @throws IllegalArgumentException if {@code k < 1} or the attribution is not {@code [H, W]} at the image's size
     */
    public static BufferedImage renderTopFeatures(Explanation e, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, found " + k);
        }
        BufferedImage img = e.image();
        int h = img.getHeight();
        int w = img.getWidth();
        int[] s = e.attribution().shape();
        if (s.length != 2 || s[0] != h || s[1] != w) {
            throw new IllegalArgumentException("a per-feature attribution of " + h + " x " + w + " is needed, found "
                    + Arrays.toString(s));
        }
        float[] a = e.attribution().data();
        TreeSet<Float> values = new TreeSet<>();
        for (float v : a) {
            if (v > 0) {
                values.add(v);
            }
        }
        TreeSet<Float> top = new TreeSet<>();
        for (Float v : values.descendingSet()) {
            if (top.size() == k) {
                break;
            }
            top.add(v);
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = a[y * w + x];
                boolean shown = top.contains(v);
                boolean border = (x + 1 < w && a[y * w + x + 1] != v) || (y + 1 < h && a[(y + 1) * w + x] != v);
                int rgb;
                if (shown && border) {
                    rgb = 0xffff00;
                } else if (shown) {
                    rgb = img.getRGB(x, y) & 0xffffff;
                } else {
                    rgb = 0x808080;
                }
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }
}
