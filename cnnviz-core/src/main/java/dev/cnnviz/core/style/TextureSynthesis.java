package dev.cnnviz.core.style;

import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Stylization;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.optim.Lbfgs;
import dev.cnnviz.core.optim.Optimizer;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Texture synthesis with Gram matrices (Gatys, Ecker &amp; Bethge 2015, "Texture Synthesis Using Convolutional
 * Neural Networks", NeurIPS): from seeded noise, the image whose Gram matrices at chosen layers match a texture's,
 * found by minimizing over its pixels
 * <pre>
 *   L(u) = Σ_l w_l Σ_ij (G_l(u) − A_l)²,   G_l = F_l F_lᵀ / (C_l·H_l·W_l)      "style:l"
 *        + w_tv Σ (dh² + dv²)  (default 0)                                     "tv"
 *        + w_r Σ (max(u − 255, 0)² + max(−u, 0)²)                              "range"
 * </pre>
 * the style term of {@link GatysStyle} without content (same Gram normaliser, same image space in pixels 0..255,
 * same range penalty, result clipped to 0..255). More layers, deeper, reproduce larger structures: the lecture's
 * figure is one texture synthesized with Gram losses on the first layer only, then adding deeper ones.
 *
 * <p>Defaults: the layers and weights of {@link GatysStyle#SQUEEZENET_STYLE_LAYERS} /
 * {@link GatysStyle#DEFAULT_STYLE_WEIGHTS} (the shared SqueezeNet), L-BFGS, 200 iterations, a square image of
 * {@value GatysStyle#DEFAULT_SIZE} pixels, the texture scaled so that its longer side is that size, noise
 * {@code 127.5 + 32·N(0, 1)}, clipped. The same seed gives the same texture bit for bit.
 *
 * <pre>{@code
 * Stylization t = TextureSynthesis.of(squeezenet).withSteps(300).synthesize(brick);
 * TextureSynthesis.of(squeezenet).withLayers(List.of("relu_conv1_2", "concat_fire3/concat_1"), 300000, 1000);
 * }</pre>
 *
 * <h2>Per-layer normalisation</h2>
 * With {@link #withNormalizedTerms withNormalizedTerms(true)} the starting style loss is shared among the layers in
 * proportion to their weights: the weight of layer {@code l} becomes {@code w_l · T / (W · E_l(u₀))}, where
 * {@code E_l(u₀) = Σ_ij (G_l(u₀) − A_l)²} is the layer's unweighted Gram loss at the starting noise {@code u₀},
 * {@code T = Σ_l w_l E_l(u₀)} the usual weighted starting style loss and {@code W = Σ_l w_l}. Term {@code l} then
 * starts at {@code w_l T / W}: the weights say how much each layer counts relative to the others (give equal
 * weights for layers that count alike), while the total, and so the balance against the range penalty and the total
 * variation, stays what it was. Why: the unweighted terms differ by orders of magnitude from layer to layer and
 * from model to model (on the shared SqueezeNet at 48 px, fire3's starts 100× conv1's; the CS231n weights, tuned for
 * their four layers, turn that into conv1's term starting near 2e10 against fire5's near 3e6 at 256 px), so weights
 * chosen for one set of layers mean nothing for another. Normalised, equal weights make every layer count alike on
 * any model. Both ways grow the structure with depth on the shared SqueezeNet (brick.png at 192 px, 150 L-BFGS
 * steps, the four default layers, looked at): the first layer's term falls fastest, then the deeper ones lead.
 * Off by default: the defaults are the CS231n assignment's. The {@code E_l} are measured by one extra forward
 * pass before the run, at the first scale's starting point, and recorded in the provenance ({@code "normalizers"}).
 * Gatys et al. 2015 weight every layer equally with Gram matrices normalised by {@code 4 N_l² M_l²}; this option
 * equalises the starting terms instead, which does not depend on the normaliser.
 *
 * <pre>{@code
 * List<String> l = GatysStyle.SQUEEZENET_STYLE_LAYERS;
 * TextureSynthesis t = TextureSynthesis.of(squeezenet).withLayers(l, 1, 1, 1, 1).withNormalizedTerms(true);
 * }</pre>
 *
 * <p>A one-channel GREY loss model (such as the embedded Fashion-MNIST CNN) is accepted as well: it sees the
 * texture's luminance, the start is grey noise and the gradient is taken among grey images, so the texture comes
 * out grey. (Style transfer needs a colour model.)
 *
 * <p>Errors as {@link GatysStyle}'s, except that a grey model is accepted.
 */
public final class TextureSynthesis implements Cloneable {
    /** The default seed. */
    public static final long DEFAULT_SEED = 20150527L;
    private static final String NAME = "Texture synthesis";

    private final Model model;
    private List<String> layers = GatysStyle.SQUEEZENET_STYLE_LAYERS;
    private double[] weights = GatysStyle.defaultStyleWeights();
    private double tv;
    private double rangeWeight = GatysStyle.DEFAULT_RANGE_WEIGHT;
    private int steps = GatysStyle.DEFAULT_STEPS;
    private Optimizer optimizer = Lbfgs.create();
    private int size = GatysStyle.DEFAULT_SIZE;
    private int scales = 1;
    private long seed = DEFAULT_SEED;
    private boolean normalizedTerms;

    private TextureSynthesis(Model model) {
        this.model = model;
    }

    /**
     * @param lossModel the loss network (any imported colour image model, or a one-channel grey one, which
     *                  matches the texture's luminance and makes a grey texture)
     * @return texture synthesis with the defaults of the class comment
     * @throws IllegalArgumentException if the model is null
     */
    public static TextureSynthesis of(Model lossModel) {
        if (lossModel == null) {
            throw new IllegalArgumentException("the loss model must not be null");
        }
        return new TextureSynthesis(lossModel);
    }

    private TextureSynthesis with(Consumer<TextureSynthesis> change) {
        try {
            TextureSynthesis c = (TextureSynthesis) super.clone();
            change.accept(c);
            return c;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * @param newLayers  the Gram layers, at least one, distinct
     * @param newWeights one weight per layer (finite, {@code >= 0}, not all 0)
     * @return a copy matching Gram matrices at those layers
     */
    public TextureSynthesis withLayers(List<String> newLayers, double... newWeights) {
        GatysStyle checked = GatysStyle.of(model).withStyleLayers(newLayers, newWeights);
        return with(c -> {
            c.layers = checked.styleLayers();
            c.weights = checked.styleLayerWeights();
        });
    }

    /** @return a copy with total variation weight {@code w} (pixel units; finite, {@code >= 0}; default 0) */
    public TextureSynthesis withTv(double w) {
        double v = GatysStyle.requireWeight("tv weight", w);
        return with(c -> c.tv = v);
    }

    /** @return a copy with range penalty weight {@code w} (finite, {@code >= 0}) */
    public TextureSynthesis withRangeWeight(double w) {
        double v = GatysStyle.requireWeight("range weight", w);
        return with(c -> c.rangeWeight = v);
    }

    /** @return a copy taking {@code n} steps per scale (0 to {@value GatysStyle#MAX_STEPS}) */
    public TextureSynthesis withSteps(int n) {
        GatysStyle.of(model).withSteps(n);
        return with(c -> c.steps = n);
    }

    /** @return a copy minimizing with {@code o} (default {@link Lbfgs}) */
    public TextureSynthesis withOptimizer(Optimizer o) {
        GatysStyle.of(model).withOptimizer(o);
        return with(c -> c.optimizer = o);
    }

    /** @return a copy making {@code n × n} textures (1 to {@value GatysStyle#MAX_SIZE}) */
    public TextureSynthesis withSize(int n) {
        GatysStyle.of(model).withSize(n);
        return with(c -> c.size = n);
    }

    /** @return a copy optimizing at {@code k} scales (1 to {@value GatysStyle#MAX_SCALES}) */
    public TextureSynthesis withScales(int k) {
        GatysStyle.of(model).withScales(k);
        return with(c -> c.scales = k);
    }

    /**
     * @param on whether each style term is divided by its value at the starting noise (see "Per-layer
     *           normalisation" in the class comment); default false
     * @return a copy with that setting
     */
    public TextureSynthesis withNormalizedTerms(boolean on) {
        return with(c -> c.normalizedTerms = on);
    }

    /** @return whether each style term is divided by its value at the starting noise */
    public boolean normalizedTerms() {
        return normalizedTerms;
    }

    /** @return a copy whose starting noise is drawn with {@code s} */
    public TextureSynthesis withSeed(long s) {
        return with(c -> c.seed = s);
    }

    /** @return the Gram layers */
    public List<String> layers() {
        return layers;
    }

    /** @return the layers' weights (a copy) */
    public double[] weights() {
        return weights.clone();
    }

    /** @return the steps per scale */
    public int steps() {
        return steps;
    }

    /** @return the optimizer */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** @return the side of the generated texture */
    public int size() {
        return size;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** Synthesizes a texture like {@code texture}. */
    public Stylization synthesize(BufferedImage texture) {
        return synthesize(texture, ProgressListener.NONE);
    }

    /**
     * Synthesizes a texture like {@code texture}, reporting every step.
     *
     * @param texture  the example texture (any size: scaled so that its longer side is {@link #size()})
     * @param listener told after every step; returning false stops the run, which returns what it has
     */
    public Stylization synthesize(BufferedImage texture, ProgressListener listener) {
        if (texture == null) {
            throw new IllegalArgumentException("the texture image must not be null");
        }
        LossNetwork net = LossNetwork.ofAnyImage(model, layers);
        Pixels.Planes t = Pixels.of(texture, size, net.graph().memoryBudget(), "the texture image");
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("layers", String.join(",", layers));
        opts.put("weights", Arrays.toString(weights));
        double[] effective = weights;
        if (normalizedTerms) {
            double[] start = startingTerms(net, t);
            double total = 0;
            double weightSum = 0;
            for (int i = 0; i < weights.length; i++) {
                total += weights[i] * start[i];
                weightSum += weights[i];
            }
            effective = new double[weights.length];
            for (int i = 0; i < weights.length; i++) {
                effective[i] = weights[i] * total / (weightSum * start[i]);
            }
            opts.put("normalizedTerms", "true");
            opts.put("normalizers", Arrays.toString(start));
        }
        opts.put("tv", Double.toString(tv));
        opts.put("rangeWeight", Double.toString(rangeWeight));
        opts.put("steps", Integer.toString(steps));
        opts.put("optimizer", optimizer.toString());
        opts.put("size", Integer.toString(size));
        opts.put("scales", Integer.toString(scales));
        opts.put("gram", "CHW");
        return StyleEngine.run(job(net, t, effective, steps, opts), listener);
    }

    /** The engine's job for this synthesis: no content, the texture as the one style, these weights and steps. */
    private StyleEngine.Job job(LossNetwork net, Pixels.Planes t, double[] layerWeights, int stepCount,
                                Map<String, String> opts) {
        return new StyleEngine.Job(NAME, net, new float[3 * size * size], size, size, null, 0, List.of(t.values()),
                List.of(new int[] {t.height(), t.width()}), new double[] {1}, layers, layerWeights, tv, rangeWeight,
                true, false, optimizer, stepCount, scales, seed, opts);
    }

    /**
     * Each layer's unweighted Gram loss at the starting point of the run (a 0-step run with unit weights: one
     * forward pass). A term that is 0 there (the noise already matches, or a dead layer) keeps its weight as given.
     */
    private double[] startingTerms(LossNetwork net, Pixels.Planes t) {
        double[] ones = new double[layers.size()];
        Arrays.fill(ones, 1);
        Map<String, Double> terms = StyleEngine.run(job(net, t, ones, 0, new LinkedHashMap<>()), ProgressListener.NONE)
                .history().get(0).terms();
        double[] out = new double[layers.size()];
        for (int i = 0; i < out.length; i++) {
            Double v = terms.get("style:" + layers.get(i));
            if (v == null || !Double.isFinite(v)) {
                throw new IllegalStateException("the starting style term of " + layers.get(i) + " is " + v
                        + " (terms: " + terms + ")");
            }
            out[i] = v > 0 ? v : 1;
        }
        return out;
    }

    @Override
    public String toString() {
        return "TextureSynthesis[" + layers + " x" + Arrays.toString(weights) + ", tv " + tv + ", steps " + steps
                + ", " + optimizer + ", size " + size + ", scales " + scales + ", seed " + seed
                + (normalizedTerms ? ", normalized terms" : "") + "]";
    }
}
