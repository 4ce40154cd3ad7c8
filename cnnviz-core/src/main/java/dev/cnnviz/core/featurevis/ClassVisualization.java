package dev.cnnviz.core.featurevis;

import dev.cnnviz.api.FeatureVisualizer;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.optim.NormalizedGradientStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Class (and unit) visualization by gradient ascent on the input pixels: Simonyan, Vedaldi &amp; Zisserman 2014,
 * "Deep Inside Convolutional Networks", with the regularizers of Yosinski, Clune, Nguyen, Fuchs &amp; Lipson 2015,
 * "Understanding Neural Networks Through Deep Visualization". It maximizes
 * <pre>   S_c(x) − λ ‖x‖²</pre>
 * over the model's preprocessed input {@code x}, with the L2-normalized step {@code x ← x + lr · g / ‖g‖₂}
 * ({@link NormalizedGradientStep}), the image rolled by a random 0..J pixels before each step and back after it,
 * a Gaussian blur every k steps, optionally the pixels of small norm or small contribution set to 0 (Yosinski's
 * clipping; 0 is the dataset mean for mean-subtracted inputs), clamped to the range of valid pixels after every
 * step, optionally over octaves (optimize at a smaller size, upsample bilinearly, continue).
 *
 * <p><b>Defaults and their scale.</b> The defaults are Stanford CS231n's SqueezeNet setting (assignment 3,
 * {@code create_class_visualization}): λ = 1e-3, lr = 25, 100 steps, blur σ = 0.5 every 10 steps, jitter up to 16
 * pixels, start from N(0, 1) noise. They are defined on an input normalized by the ImageNet mean and standard
 * deviation, {@code z = (p/255 − m)/σ}, whose unit is about {@code 255 · 0.226} pixel levels. A model's own input
 * {@code x} ({@link Preprocessing}: {@code x = (p · scale − mean)/std}) relates to it by {@code x ≈ s · z + const}
 * with
 * <pre>   s = 255 · 0.226 · mean_c(scale / std_c)</pre>
 * (Caffe-style SqueezeNet, 0..255 BGR minus the mean: s ≈ 57.6; torchvision's normalization: s ≈ 1.0; pixels/255:
 * s ≈ 0.226). Written in x, the same optimization is {@code S − (λ/s²) ‖x‖²} and steps of L2 norm {@code s · lr}
 * (the normalized gradient's direction does not change with the scale), from noise of standard deviation s. So the
 * run uses {@code λ_x = λ / s²}, {@code lr_x = s · lr}, {@code std_x = s}, and gives the lecture's result on any
 * model. Two more adjustments keep the lecture's per-pixel behaviour on inputs of another size than 3×224×224:
 * the step's L2 norm spreads over all n = C·H·W values, so lr is multiplied by {@code √(n / 150528)} (the same
 * root-mean-square change per value: 0.064 unit-variance units per step), and the jitter is {@code 16 · W/224}
 * pixels (2 pixels on a 28×28 input). Both factors are 1 on a 224×224 RGB model. The noise starts at 0 of x (the
 * mean pixel of a mean-subtracted input), or at the middle of the valid range when 0 is at its edge (inputs in
 * [0, 1]). {@link #withInputScaling withInputScaling(false)} takes λ, lr and the jitter as given, in x's units and
 * pixels (on the Caffe SqueezeNet the unscaled defaults leave the class probability below 0.003 after 100 steps).
 *
 * <pre>{@code
 * Synthesis dumbbell = ClassVisualization.of(model).visualize(543);
 * ClassVisualization.of(model).withSteps(200).withBlur(5, 0.5).withSeed(7).visualize(Target.label("lemon"));
 * }</pre>
 * Thread-safe and immutable; the same seed gives the same image bit for bit.
 */
public final class ClassVisualization implements FeatureVisualizer {
    /** The standard deviation of ImageNet's normalization, averaged over channels (0.229, 0.224, 0.225). */
    public static final double IMAGENET_STD = 0.226;
    /** Default seed. */
    public static final long DEFAULT_SEED = 42;

    private final Model model;
    private final double l2;
    private final double learningRate;
    private final int steps;
    private final int blurEvery;
    private final double blurSigma;
    private final int jitter;
    private final double initialStd;
    private final boolean inputScaling;
    private final double clipNormPercentile;
    private final double clipContributionPercentile;
    private final int octaves;
    private final double octaveScale;
    private final long seed;
    private final int snapshotEvery;
    private final double totalVariation;
    private final Tensor start;

    private ClassVisualization(Model model, double l2, double learningRate, int steps, int blurEvery, double blurSigma,
                               int jitter, double initialStd, boolean inputScaling, double clipNormPercentile,
                               double clipContributionPercentile, int octaves, double octaveScale, long seed,
                               int snapshotEvery, double totalVariation, Tensor start) {
        this.model = model;
        this.l2 = l2;
        this.learningRate = learningRate;
        this.steps = steps;
        this.blurEvery = blurEvery;
        this.blurSigma = blurSigma;
        this.jitter = jitter;
        this.initialStd = initialStd;
        this.inputScaling = inputScaling;
        this.clipNormPercentile = clipNormPercentile;
        this.clipContributionPercentile = clipContributionPercentile;
        this.octaves = octaves;
        this.octaveScale = octaveScale;
        this.seed = seed;
        this.snapshotEvery = snapshotEvery;
        this.totalVariation = totalVariation;
        this.start = start;
    }

    /** @return class visualization of {@code model} with CS231n's defaults, scaled to the model's input */
    public static ClassVisualization of(Model model) {
        Objects.requireNonNull(model, "model");
        return new ClassVisualization(model, 1e-3, 25, 100, 10, 0.5, 16, 1.0, true, 0, 0, 1, 1.4, DEFAULT_SEED, 0, 0, null);
    }

    private ClassVisualization copy(double l2, double lr, int steps, int blurEvery, double blurSigma, int jitter,
                                    double initialStd, boolean scaling, double clipNorm, double clipContribution,
                                    int octaves, double octaveScale, long seed, int snapshotEvery, double tv, Tensor start) {
        return new ClassVisualization(model, l2, lr, steps, blurEvery, blurSigma, jitter, initialStd, scaling, clipNorm,
                clipContribution, octaves, octaveScale, seed, snapshotEvery, tv, start);
    }

    private static double nonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be a finite number >= 0, found " + v);
        }
        return v;
    }

    private static double percentile(String what, double v) {
        if (!(v >= 0 && v < 100)) {
            throw new IllegalArgumentException(what + " must be a percentile in [0, 100), found " + v);
        }
        return v;
    }

    /** @return a copy with L2 decay λ (finite, >= 0; in unit-variance units unless input scaling is off) */
    public ClassVisualization withL2(double newL2) {
        return copy(nonNegative("the L2 weight", newL2), learningRate, steps, blurEvery, blurSigma, jitter, initialStd,
                inputScaling, clipNormPercentile, clipContributionPercentile, octaves, octaveScale, seed, snapshotEvery,
                totalVariation, start);
    }

    /** @return a copy with another learning rate: the L2 norm of every step (finite, > 0) */
    public ClassVisualization withLearningRate(double newLearningRate) {
        if (!(newLearningRate > 0) || Double.isInfinite(newLearningRate)) {
            throw new IllegalArgumentException("the learning rate must be a finite number > 0, found " + newLearningRate);
        }
        return copy(l2, newLearningRate, steps, blurEvery, blurSigma, jitter, initialStd, inputScaling, clipNormPercentile,
                clipContributionPercentile, octaves, octaveScale, seed, snapshotEvery, totalVariation, start);
    }

    /** @return a copy taking {@code newSteps} steps (>= 0) per octave */
    public ClassVisualization withSteps(int newSteps) {
        if (newSteps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, found " + newSteps);
        }
        return copy(l2, learningRate, newSteps, blurEvery, blurSigma, jitter, initialStd, inputScaling, clipNormPercentile,
                clipContributionPercentile, octaves, octaveScale, seed, snapshotEvery, totalVariation, start);
    }

    /** @return a copy blurring with σ (pixels, >= 0) after every {@code every}-th step ({@code every} 0: never) */
    public ClassVisualization withBlur(int every, double sigma) {
        if (every < 0) {
            throw new IllegalArgumentException("blur every must be >= 0 steps (0: never), found " + every);
        }
        return copy(l2, learningRate, steps, every, nonNegative("the blur sigma", sigma), jitter, initialStd, inputScaling,
                clipNormPercentile, clipContributionPercentile, octaves, octaveScale, seed, snapshotEvery, totalVariation, start);
    }

    /** @return a copy rolling the image by up to {@code pixels} (>= 0) before each step */
    public ClassVisualization withJitter(int pixels) {
        if (pixels < 0) {
            throw new IllegalArgumentException("jitter must be >= 0 pixels, found " + pixels);
        }
        return copy(l2, learningRate, steps, blurEvery, blurSigma, pixels, initialStd, inputScaling, clipNormPercentile,
                clipContributionPercentile, octaves, octaveScale, seed, snapshotEvery, totalVariation, start);
    }

    /** @return a copy starting from noise of this standard deviation (>= 0; unit-variance units when scaled) */
    public ClassVisualization withInitialStd(double std) {
        return copy(l2, learningRate, steps, blurEvery, blurSigma, jitter, nonNegative("the initial noise", std), inputScaling,
                clipNormPercentile, clipContributionPercentile, octaves, octaveScale, seed, snapshotEvery, totalVariation, start);
    }

    /** @return a copy that scales λ, lr and the initial noise to the model's input (true, default) or not */
    public ClassVisualization withInputScaling(boolean scaling) {
        return copy(l2, learningRate, steps, blurEvery, blurSigma, jitter, initialStd, scaling, clipNormPercentile,
                clipContributionPercentile, octaves, octaveScale, seed, snapshotEvery, totalVariation, start);
    }

    /**
     * Yosinski et al.'s clipping: after every step, set to 0 the pixels whose norm over channels is below the
     * {@code normPercentile}-th percentile, and those whose contribution {@code |Σ_c x_c ∂S/∂x_c|} is below the
     * {@code contributionPercentile}-th (each in [0, 100); 0 turns it off, the default).
     */
    public ClassVisualization withClipping(double normPercentile, double contributionPercentile) {
        return copy(l2, learningRate, steps, blurEvery, blurSigma, jitter, initialStd, inputScaling,
                percentile("the norm percentile", normPercentile), percentile("the contribution percentile", contributionPercentile),
                octaves, octaveScale, seed, snapshotEvery, totalVariation, start);
    }

    /** @return a copy optimizing over {@code count} octaves (>= 1), each {@code scale} (> 1) times larger than the last */
    public ClassVisualization withOctaves(int count, double scale) {
        if (count < 1 || count > 8) {
            throw new IllegalArgumentException("octaves must be 1..8, found " + count);
        }
        if (!(scale > 1) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("the octave scale must be a finite number > 1, found " + scale);
        }
        return copy(l2, learningRate, steps, blurEvery, blurSigma, jitter, initialStd, inputScaling, clipNormPercentile,
                clipContributionPercentile, count, scale, seed, snapshotEvery, totalVariation, start);
    }

    /** @return a copy drawing its noise and jitter from this seed */
    public ClassVisualization withSeed(long newSeed) {
        return copy(l2, learningRate, steps, blurEvery, blurSigma, jitter, initialStd, inputScaling, clipNormPercentile,
                clipContributionPercentile, octaves, octaveScale, newSeed, snapshotEvery, totalVariation, start);
    }

    /** @return a copy taking a snapshot every {@code every} steps (0: none, the default) and of the start */
    public ClassVisualization withSnapshotEvery(int every) {
        if (every < 0) {
            throw new IllegalArgumentException("snapshot every must be >= 0 steps, found " + every);
        }
        return copy(l2, learningRate, steps, blurEvery, blurSigma, jitter, initialStd, inputScaling, clipNormPercentile,
                clipContributionPercentile, octaves, octaveScale, seed, every, totalVariation, start);
    }

    /** @return a copy subtracting {@code weight} times the total variation {@code Σ dh² + dv²} of x (in x's units) */
    public ClassVisualization withTotalVariation(double weight) {
        return copy(l2, learningRate, steps, blurEvery, blurSigma, jitter, initialStd, inputScaling, clipNormPercentile,
                clipContributionPercentile, octaves, octaveScale, seed, snapshotEvery, nonNegative("the TV weight", weight), start);
    }

    /**
     * @param input the model's preprocessed input [1, C, H, W] (at the first octave's size) to start from instead of
     *              noise, or null for noise
     */
    public ClassVisualization withStart(Tensor input) {
        return copy(l2, learningRate, steps, blurEvery, blurSigma, jitter, initialStd, inputScaling, clipNormPercentile,
                clipContributionPercentile, octaves, octaveScale, seed, snapshotEvery, totalVariation, input);
    }

    /**
     * @return the same run with input scaling off and λ, lr, the initial noise and the jitter converted to the
     *         model's input units and pixels ({@code λ/s²}, {@code s·lr·√(n/150528)}, {@code s·std},
     *         {@code jitter·W/224}), so that changing one of them keeps the others; this copy if scaling is off
     */
    public ClassVisualization inInputUnits() {
        if (!inputScaling) {
            return this;
        }
        var spec = model.inputSpec();
        double s = inputScale();
        double f = sizeFactor(spec.channels(), spec.height(), spec.width());
        return copy(l2 / (s * s), s * f * learningRate, steps, blurEvery, blurSigma,
                (int) Math.round(jitter * spec.width() / 224.0), s * initialStd, false, clipNormPercentile,
                clipContributionPercentile, octaves, octaveScale, seed, snapshotEvery, totalVariation, start);
    }

    /** @return λ */
    public double l2() {
        return l2;
    }

    /** @return the learning rate */
    public double learningRate() {
        return learningRate;
    }

    /** @return the steps per octave */
    public int steps() {
        return steps;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** @return whether λ, lr and the noise are scaled to the model's input */
    public boolean inputScaling() {
        return inputScaling;
    }

    /**
     * @return the scale {@code s = 255 · 0.226 · mean_c(scale/std_c)} of the model's input relative to an
     *         ImageNet-normalized input (see the class documentation)
     */
    public double inputScale() {
        return inputScale(model.inputSpec().preprocessing());
    }

    /** @return {@code √(n / (3·224·224))} for an input of n = C·H·W values (1 for CS231n's input) */
    static double sizeFactor(int c, int h, int w) {
        return Math.sqrt((double) c * h * w / (3.0 * 224 * 224));
    }

    static double inputScale(Preprocessing pre) {
        double[] std = pre.std();
        double sum = 0;
        for (double v : std) {
            sum += pre.scale() / v;
        }
        return 255 * IMAGENET_STD * sum / std.length;
    }

    @Override
    public String name() {
        return "Class visualization";
    }

    @Override
    public Synthesis visualize(Target target, ProgressListener listener) {
        Objective o = TargetObjectives.of(model, target, name());
        return run(o, TargetObjectives.layerOf(target), listener);
    }

    /**
     * Maximizes any objective (e.g. a sum of class scores) with this method's regularizers.
     *
     * @throws IllegalArgumentException as {@link Objective#bind}
     */
    public Synthesis visualize(Objective objective, ProgressListener listener) {
        if (objective == null) {
            throw new IllegalArgumentException(name() + ": the objective must not be null");
        }
        return run(objective, "", listener);
    }

    private Synthesis run(Objective objective, String layer, ProgressListener listener) {
        double s = inputScaling ? inputScale() : 1.0;
        var spec = model.inputSpec();
        double sizeFactor = inputScaling ? sizeFactor(spec.channels(), spec.height(), spec.width()) : 1.0;
        int jitterPx = inputScaling ? (int) Math.round(jitter * spec.width() / 224.0) : jitter;
        double lambda = l2 / (s * s);
        List<SynthesisEngine.Term> terms = new ArrayList<>();
        terms.add(new SynthesisEngine.Term(objective.describe(), objective));
        if (lambda > 0) {
            terms.add(new SynthesisEngine.Term("l2", Objective.inputL2().times(-lambda)));
        }
        if (totalVariation > 0) {
            terms.add(new SynthesisEngine.Term("tv", Objective.totalVariation(dev.cnnviz.core.optim.TotalVariationLoss.of())
                    .times(-totalVariation)));
        }
        Map<String, String> options = new LinkedHashMap<>();
        options.put("objective", objective.describe());
        options.put("l2", Double.toString(l2));
        options.put("learningRate", Double.toString(learningRate));
        options.put("inputScale", Double.toString(s));
        options.put("sizeFactor", Double.toString(sizeFactor));
        options.put("steps", Integer.toString(steps));
        options.put("blur", blurEvery + "@" + blurSigma);
        options.put("jitter", Integer.toString(jitter));
        options.put("clipping", clipNormPercentile + "/" + clipContributionPercentile);
        options.put("octaves", octaves + "x" + octaveScale);
        options.put("tv", Double.toString(totalVariation));
        SynthesisEngine.Settings settings = new SynthesisEngine.Settings(model, terms, null,
                jitterPx > 0 ? new Roll(jitterPx) : null, NormalizedGradientStep.l2().withLearningRate(s * sizeFactor * learningRate),
                steps, 1, spec.height(), spec.width(), seed, s * initialStd, start, blurEvery, blurSigma,
                clipNormPercentile, clipContributionPercentile, true, octaves, octaveScale, snapshotEvery, name(), options, layer,
                dev.cnnviz.core.graph.BackwardRules.standard());
        return new SynthesisEngine(settings).run(listener);
    }

    @Override
    public String toString() {
        return "ClassVisualization[l2=" + l2 + ", lr=" + learningRate + ", steps=" + steps + ", blur=" + blurEvery + "@"
                + blurSigma + ", jitter=" + jitter + ", seed=" + seed + ", scaled=" + inputScaling + "]";
    }
}
