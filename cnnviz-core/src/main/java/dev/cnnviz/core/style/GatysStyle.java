package dev.cnnviz.core.style;

import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Stylization;
import dev.cnnviz.api.Stylizer;
import dev.cnnviz.api.WeightedStyle;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.optim.Adam;
import dev.cnnviz.core.optim.Lbfgs;
import dev.cnnviz.core.optim.Optimizer;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Style transfer by optimization (Gatys, Ecker &amp; Bethge 2016, "Image Style Transfer Using Convolutional Neural
 * Networks", CVPR): the image whose features at one layer match a content image's and whose Gram matrices at
 * several layers match a style image's, found by minimizing over its pixels
 * <pre>
 *   L(u) = w_c Σ (F(u) − F(content))²                                   at the content layer       "content"
 *        + Σ_l w_l Σ_ij (G_l(u) − A_l)²,   G_l = F_l F_lᵀ / (C_l·H_l·W_l)  at each style layer l     "style:l"
 *        + w_tv Σ (dh² + dv²)                                            on the pixels, per channel  "tv"
 *        + w_r Σ (max(u − 255, 0)² + max(−u, 0)²)                        keeps pixels valid          "range"
 * </pre>
 * with {@code A_l} the style image's Gram matrix (for a blend of styles, their weighted mean, weights normalised to
 * sum 1). Every weight {@code w_l} is multiplied by {@link #withStyleWeight the style weight} (default 1).
 *
 * <p><b>Gram normaliser.</b> {@code G = F Fᵀ / (C·H·W)} ({@link dev.cnnviz.core.optim.GramNormalization#CHW}):
 * an average over positions, so a style image of another size than the generated image gives a comparable target,
 * and the sum of squared differences over the {@code C×C} entries (not their mean), exactly the CS231n
 * assignment's {@code gram_matrix(normalize=True)} and {@code style_loss}, so that its weights carry over.
 *
 * <p><b>Image space.</b> The optimized variable is the image as RGB pixels in 0..255 (float), whatever the loss
 * model's preprocessing, which is applied (and its adjoint on the way back) inside every evaluation: the
 * regularisers' weights mean the same for every model. Pixels are kept valid by the smooth penalty "range"
 * (weight {@value #DEFAULT_RANGE_WEIGHT}; it is 0 inside 0..255, so L-BFGS keeps its smooth problem) and the result
 * is clipped to 0..255.
 *
 * <p><b>Defaults, for the shared SqueezeNet 1.1</b> (the loss network of the CS231n assignment's SqueezeNet
 * version). That assignment takes torchvision's {@code features} modules by index: content layer 3, style layers
 * 1, 4, 6, 7, which in the ONNX file's names ({@code ./cnnviz summary}) are {@value #SQUEEZENET_CONTENT_LAYER}
 * (fire2's output) for content and {@code relu_conv1_2}, {@code concat_fire3/concat_1}, {@code concat_fire4/concat_1},
 * {@code concat_fire5/concat_1} for style: low layers for colours and strokes, fire4 and fire5 (receptive fields
 * 47 and 63 pixels) for larger motifs, nothing deeper (whose Gram matrices carry object parts, not style). Its weights
 * for "Starry Night" (content 6e-2; style 300000, 1000, 15, 3; TV 2e-2) are kept as they are. They were set for
 * torchvision's network fed images normalised by ImageNet's mean and standard deviation, and the shared ONNX file
 * is DeepScale's Caffe network fed raw 0..255 pixels, with the TV here on 0..255 pixels as well, so the terms are
 * not on the assignment's scales; but looked at on {@code chelsea.png} with the three shared paintings they still
 * give the balance the assignment aims at (the content recognisable, the painting's colours and strokes
 * everywhere; with content init the first layer's style term dominates the start and falls by four orders of
 * magnitude in 60 iterations), so they stay, and {@link #withStyleWeight} / {@link #withContentWeight} move the
 * balance. The start is the content image; the optimizer L-BFGS, 200
 * iterations, one scale, image's longer side {@value #DEFAULT_SIZE} pixels.
 *
 * <p><b>Colour preservation</b> ({@link #withPreserveColor}; Gatys, Bethge, Hertzmann &amp; Shechtman 2017,
 * "Controlling Perceptual Factors in Neural Style Transfer", CVPR, section 5.1, luminance-only transfer): the
 * content and style images are replaced by their luminance {@code Y} of <b>YIQ</b> (NTSC:
 * {@code Y = 0.299 R + 0.587 G + 0.114 B}), replicated into three grey channels, the style's luminance first moved
 * to the content's mean and standard deviation ({@code Y_s' = σ_c/σ_s (Y_s − μ_s) + μ_c}); the transfer runs on
 * these grey images; the colour is then restored by taking the result's {@code Y} with the content's {@code I} and
 * {@code Q} and converting back to RGB (then clipping to 0..255). The result's chrominance is thus the content's.
 *
 * <p><b>Multi-scale</b> ({@link #withScales}): with {@code k} scales the image is optimized at 1/2^(k−1) of the size
 * first, then upsampled (bilinear) and optimized again at twice the size, to full size; every scale takes
 * {@code steps} steps, and the style images are scaled by the same factors.
 *
 * <p>One evaluation is one forward pass of the loss network to its deepest loss layer (the graph is cut there) and
 * one backward pass to the image. The same seed gives the same image bit for bit (the seed only matters for a
 * noise start). A listener returning false, or an interrupt, stops the run after the current step, and the result
 * is marked interrupted.
 *
 * <pre>{@code
 * Model squeezenet = Models.load(Path.of("squeezenet1.1-imagenet.onnx")).withPreprocessing(Preprocessing.caffeBgr(104, 117, 123));
 * Stylization s = GatysStyle.of(squeezenet).withSteps(200).stylize(photo, starryNight);
 * GatysStyle.of(squeezenet).withOptimizer(Adam.create().withLearningRate(2)).withScales(2).withPreserveColor(true);
 * }</pre>
 *
 * <p>Errors: an unknown layer is an {@link IllegalArgumentException} naming the closest layers (a model other than
 * SqueezeNet needs its layers named: {@link #withContentLayer}, {@link #withStyleLayers}); an image too small for a
 * layer one naming the layer and the size; a grey loss model one saying a colour model is needed; a run over the
 * memory budget a {@link dev.cnnviz.api.ResourceLimitException}; a NaN or infinite loss a
 * {@link dev.cnnviz.api.NonFiniteResultException}.
 */
public final class GatysStyle implements Stylizer, Cloneable {
    /** The content layer of the CS231n SqueezeNet assignment (its index 3): fire2's output. */
    public static final String SQUEEZENET_CONTENT_LAYER = "concat_fire2/concat_1";
    /** The style layers of the CS231n SqueezeNet assignment (its indices 1, 4, 6, 7). */
    public static final List<String> SQUEEZENET_STYLE_LAYERS = List.of("relu_conv1_2", "concat_fire3/concat_1",
            "concat_fire4/concat_1", "concat_fire5/concat_1");
    /** The style weights of {@link #SQUEEZENET_STYLE_LAYERS}: the CS231n assignment's, see the class comment. */
    public static final List<Double> DEFAULT_STYLE_WEIGHTS = List.of(300000.0, 1000.0, 15.0, 3.0);
    /** The default content weight (the CS231n assignment's, see the class comment). */
    public static final double DEFAULT_CONTENT_WEIGHT = 6e-2;
    /** The default total variation weight, in pixel units (0..255). */
    public static final double DEFAULT_TV = 2e-2;
    /**
     * The default weight of the pixel range penalty: at 1, L-BFGS left pixels about 13 levels outside 0..255 (root
     * mean square of the excess) on chelsea with "Starry Night"; 100 makes an excess cost as much as the style terms
     * gain from it only for a few levels.
     */
    public static final double DEFAULT_RANGE_WEIGHT = 100.0;
    /** The default number of steps per scale. */
    public static final int DEFAULT_STEPS = 200;
    /** The most steps per scale accepted. */
    public static final int MAX_STEPS = 100_000;
    /** The default longer side of the generated image, in pixels. */
    public static final int DEFAULT_SIZE = 256;
    /** The largest longer side accepted. */
    public static final int MAX_SIZE = 8192;
    /** The most scales accepted. */
    public static final int MAX_SCALES = 6;
    /** The default seed. */
    public static final long DEFAULT_SEED = 20160627L;
    private static final String NAME = "Gatys style transfer";

    /** Where the optimization starts. */
    public enum Init {
        /** The content image (the default). */
        CONTENT,
        /** Seeded Gaussian noise around mid-grey (standard deviation 32 pixel units). */
        NOISE
    }

    private final Model model;
    private String contentLayer;
    private double contentWeight = DEFAULT_CONTENT_WEIGHT;
    private List<String> styleLayers;
    private double[] styleLayerWeights;
    private double styleWeight = 1;
    private double tv = DEFAULT_TV;
    private double rangeWeight = DEFAULT_RANGE_WEIGHT;
    private int steps = DEFAULT_STEPS;
    private Optimizer optimizer = Lbfgs.create();
    private int size = DEFAULT_SIZE;
    private Init init = Init.CONTENT;
    private int scales = 1;
    private boolean preserveColor;
    private long seed = DEFAULT_SEED;

    private GatysStyle(Model model) {
        this.model = model;
        this.contentLayer = SQUEEZENET_CONTENT_LAYER;
        this.styleLayers = SQUEEZENET_STYLE_LAYERS;
        this.styleLayerWeights = defaultStyleWeights();
    }

    /** @return a fresh array of {@link #DEFAULT_STYLE_WEIGHTS} */
    static double[] defaultStyleWeights() {
        return DEFAULT_STYLE_WEIGHTS.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * @param lossModel the loss network (any imported colour image model; its layers by name)
     * @return Gatys style transfer with the defaults of the class comment
     * @throws IllegalArgumentException if the model is null
     */
    public static GatysStyle of(Model lossModel) {
        if (lossModel == null) {
            throw new IllegalArgumentException("the loss model must not be null");
        }
        return new GatysStyle(lossModel);
    }

    private GatysStyle with(Consumer<GatysStyle> change) {
        try {
            GatysStyle c = (GatysStyle) super.clone();
            change.accept(c);
            return c;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    /** @return a copy matching content at {@code layer} (as {@code summary} names it; checked when run) */
    public GatysStyle withContentLayer(String layer) {
        requireName("content layer", layer);
        return with(c -> c.contentLayer = layer);
    }

    /** @return a copy with content weight {@code w} (finite, {@code >= 0}; 0 drops the content term) */
    public GatysStyle withContentWeight(double w) {
        double v = requireWeight("content weight", w);
        return with(c -> c.contentWeight = v);
    }

    /**
     * @param layers  the style layers, at least one, distinct
     * @param weights one weight {@code w_l} per layer (finite, {@code >= 0}, not all 0)
     * @return a copy matching Gram matrices at those layers
     */
    public GatysStyle withStyleLayers(List<String> layers, double... weights) {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("style layers: need at least one, found " + layers);
        }
        if (weights == null || weights.length != layers.size()) {
            throw new IllegalArgumentException("style layers: need one weight per layer, found " + layers.size()
                    + " layers and " + (weights == null ? "no" : weights.length) + " weights");
        }
        if (layers.stream().distinct().count() != layers.size()) {
            throw new IllegalArgumentException("style layers must be distinct, found " + layers);
        }
        layers.forEach(l -> requireName("style layer", l));
        boolean any = false;
        for (double w : weights) {
            requireWeight("style layer weight", w);
            any |= w > 0;
        }
        if (!any) {
            throw new IllegalArgumentException("style layer weights must not all be 0, found " + Arrays.toString(weights));
        }
        List<String> l = List.copyOf(layers);
        double[] ws = weights.clone();
        return with(c -> {
            c.styleLayers = l;
            c.styleLayerWeights = ws;
        });
    }

    /** @return a copy multiplying every style layer weight by {@code w} (finite, {@code > 0}; default 1) */
    public GatysStyle withStyleWeight(double w) {
        if (!(w > 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException("style weight must be a finite number > 0, found " + w);
        }
        return with(c -> c.styleWeight = w);
    }

    /** @return a copy with total variation weight {@code w} (pixel units; finite, {@code >= 0}) */
    public GatysStyle withTv(double w) {
        double v = requireWeight("tv weight", w);
        return with(c -> c.tv = v);
    }

    /** @return a copy with range penalty weight {@code w} (finite, {@code >= 0}; 0: pixels only clipped at the end) */
    public GatysStyle withRangeWeight(double w) {
        double v = requireWeight("range weight", w);
        return with(c -> c.rangeWeight = v);
    }

    /** @return a copy taking {@code n} steps per scale (0 to {@value #MAX_STEPS}; 0 evaluates the start only) */
    public GatysStyle withSteps(int n) {
        if (n < 0 || n > MAX_STEPS) {
            throw new IllegalArgumentException("steps must be in 0.." + MAX_STEPS + ", found " + n);
        }
        return with(c -> c.steps = n);
    }

    /** @return a copy minimizing with {@code o} (default {@link Lbfgs}; e.g. {@link Adam} with rate 2) */
    public GatysStyle withOptimizer(Optimizer o) {
        if (o == null) {
            throw new IllegalArgumentException("optimizer must not be null");
        }
        return with(c -> c.optimizer = o);
    }

    /** @return a copy making images whose longer side is {@code n} pixels (1 to {@value #MAX_SIZE}) */
    public GatysStyle withSize(int n) {
        if (n < 1 || n > MAX_SIZE) {
            throw new IllegalArgumentException("size must be in 1.." + MAX_SIZE + ", found " + n);
        }
        return with(c -> c.size = n);
    }

    /** @return a copy starting from {@code i} */
    public GatysStyle withInit(Init i) {
        if (i == null) {
            throw new IllegalArgumentException("init must be one of " + Arrays.toString(Init.values()) + ", found null");
        }
        return with(c -> c.init = i);
    }

    /** @return a copy optimizing at {@code k} scales, each twice the previous (1 to {@value #MAX_SCALES}) */
    public GatysStyle withScales(int k) {
        if (k < 1 || k > MAX_SCALES) {
            throw new IllegalArgumentException("scales must be in 1.." + MAX_SCALES + ", found " + k);
        }
        return with(c -> c.scales = k);
    }

    /** @return a copy transferring luminance only and keeping the content's colours (see the class comment) */
    public GatysStyle withPreserveColor(boolean on) {
        return with(c -> c.preserveColor = on);
    }

    /** @return a copy whose noise start is drawn with {@code s} */
    public GatysStyle withSeed(long s) {
        return with(c -> c.seed = s);
    }

    static void requireName(String what, String layer) {
        if (layer == null || layer.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank, found '" + layer + "'");
        }
    }

    static double requireWeight(String what, double w) {
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException(what + " must be a finite number >= 0, found " + w);
        }
        return w;
    }

    /** @return the content layer */
    public String contentLayer() {
        return contentLayer;
    }

    /** @return the content weight */
    public double contentWeight() {
        return contentWeight;
    }

    /** @return the style layers */
    public List<String> styleLayers() {
        return styleLayers;
    }

    /** @return the style layers' weights (a copy), before the style weight */
    public double[] styleLayerWeights() {
        return styleLayerWeights.clone();
    }

    /** @return the style weight multiplier */
    public double styleWeight() {
        return styleWeight;
    }

    /** @return the total variation weight */
    public double tv() {
        return tv;
    }

    /** @return the range penalty weight */
    public double rangeWeight() {
        return rangeWeight;
    }

    /** @return the steps per scale */
    public int steps() {
        return steps;
    }

    /** @return the optimizer */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** @return the longer side of the generated image */
    public int size() {
        return size;
    }

    /** @return where the optimization starts */
    public Init init() {
        return init;
    }

    /** @return the number of scales */
    public int scales() {
        return scales;
    }

    /** @return whether the content's colours are kept */
    public boolean preserveColor() {
        return preserveColor;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** @return the loss model */
    public Model model() {
        return model;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The content image is resized so that its longer side is {@link #size()}; each style image likewise.
     */
    @Override
    public Stylization stylize(BufferedImage content, List<WeightedStyle> styles, ProgressListener listener) {
        return StyleEngine.run(job(content, styles), listener);
    }

    /**
     * The loss of this transfer at full size (one scale, whatever {@link #scales()} says) as a function of the
     * pixels, for timing one evaluation or running another optimizer: {@link StyleObjective#start()} is the
     * starting point, {@link StyleObjective#evaluate} one forward and backward pass. Close it to free its buffers.
     *
     * @throws IllegalArgumentException as {@link #stylize}
     */
    public StyleObjective objective(BufferedImage content, List<WeightedStyle> styles) {
        return StyleEngine.objective(job(content, styles));
    }

    private StyleEngine.Job job(BufferedImage content, List<WeightedStyle> styles) {
        if (content == null) {
            throw new IllegalArgumentException("the content image must not be null");
        }
        if (styles == null || styles.isEmpty()) {
            throw new IllegalArgumentException(NAME + " needs at least one style image, found " + styles);
        }
        List<String> layers = new ArrayList<>();
        if (contentWeight > 0) {
            layers.add(contentLayer);
        }
        layers.addAll(styleLayers);
        LossNetwork net = LossNetwork.of(model, layers.stream().distinct().toList());
        var budget = net.graph().memoryBudget();
        Pixels.Planes c = Pixels.of(content, size, budget, "the content image");
        List<float[]> st = new ArrayList<>();
        List<int[]> sizes = new ArrayList<>();
        double[] blend = new double[styles.size()];
        for (int i = 0; i < styles.size(); i++) {
            Pixels.Planes p = Pixels.of(styles.get(i).image(), size, budget, "style image " + (i + 1));
            st.add(p.values());
            sizes.add(new int[] {p.height(), p.width()});
            blend[i] = styles.get(i).weight();
        }
        double[] ws = new double[styleLayerWeights.length];
        for (int i = 0; i < ws.length; i++) {
            ws[i] = styleLayerWeights[i] * styleWeight;
        }
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("contentLayer", contentLayer);
        opts.put("contentWeight", Double.toString(contentWeight));
        opts.put("styleLayers", String.join(",", styleLayers));
        opts.put("styleLayerWeights", Arrays.toString(styleLayerWeights));
        opts.put("styleWeight", Double.toString(styleWeight));
        opts.put("styleBlend", Arrays.toString(blend));
        opts.put("tv", Double.toString(tv));
        opts.put("rangeWeight", Double.toString(rangeWeight));
        opts.put("steps", Integer.toString(steps));
        opts.put("optimizer", optimizer.toString());
        opts.put("size", Integer.toString(size));
        opts.put("init", init.name().toLowerCase(java.util.Locale.ROOT));
        opts.put("scales", Integer.toString(scales));
        opts.put("preserveColor", Boolean.toString(preserveColor));
        opts.put("gram", "CHW");
        return new StyleEngine.Job(NAME, net, c.values(), c.height(), c.width(),
                contentWeight > 0 ? contentLayer : null, contentWeight, st, sizes, blend, styleLayers, ws, tv,
                rangeWeight, init == Init.NOISE, preserveColor, optimizer, steps, scales, seed, opts);
    }

    @Override
    public String toString() {
        return "GatysStyle[content " + contentLayer + " x" + contentWeight + ", style " + styleLayers + " x"
                + Arrays.toString(styleLayerWeights) + " x" + styleWeight + ", tv " + tv + ", steps " + steps + ", "
                + optimizer + ", size " + size + ", init " + init + ", scales " + scales + ", preserveColor "
                + preserveColor + ", seed " + seed + "]";
    }
}
