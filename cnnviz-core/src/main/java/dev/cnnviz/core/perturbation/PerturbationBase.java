package dev.cnnviz.core.perturbation;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.AttributionBase;
import dev.cnnviz.core.attribution.ExplanationResult;
import dev.cnnviz.core.graph.HostArrays;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The template of the perturbation methods: they evaluate the model on many perturbed copies of each input, in
 * batches of {@link #batchSize()} inference-only passes, and never take a gradient. Options every method shares,
 * each an immutable {@code withX} copy read by {@code x()}:
 * <ul>
 *   <li>{@link #withBatchSize(int)}: perturbed inputs per forward pass (default {@value #DEFAULT_BATCH_SIZE});</li>
 *   <li>{@link #withProbability(boolean)}: explain the softmax probability of a class target instead of its score
 *       before the softmax (default: the score, as the gradient methods);</li>
 *   <li>{@link #withBaseline(PerturbationBaseline)}: what hidden features are filled with (default
 *       {@code constant(0)} in preprocessed space);</li>
 *   <li>{@link #withFeatures(Features)}: the features of the per-feature methods (default {@code grid:16});</li>
 *   <li>{@link #withSeed(long)}: the seed of the sampling methods (default 0): same seed, same result.</li>
 * </ul>
 * Per-feature methods return an attribution {@code [H, W]}: each pixel holds its feature's value.
 *
 * @param <T> the method's own type, returned by the {@code withX} methods
 */
public abstract class PerturbationBase<T extends PerturbationBase<T>> extends AttributionBase {
    /** The default number of perturbed inputs per forward pass. */
    public static final int DEFAULT_BATCH_SIZE = 32;
    /** The default features: 16-pixel squares. */
    public static final int DEFAULT_GRID = 16;

    /**
     * The options every perturbation method has.
     *
     * @param batchSize   perturbed inputs per pass, at least 1
     * @param probability explain the probability instead of the score
     * @param baseline    the fill of hidden features
     * @param features    how an image is cut into features
     * @param seed        the random seed
     */
    protected record Common(int batchSize, boolean probability, PerturbationBaseline baseline, Features features, long seed) {
        /** The defaults. */
        static Common defaults() {
            return new Common(DEFAULT_BATCH_SIZE, false, PerturbationBaseline.constant(0), Features.grid(DEFAULT_GRID), 0L);
        }
    }

    private final Common common;

    /** @param model the model; @param common the shared options */
    protected PerturbationBase(Model model, Common common) {
        super(model, common.batchSize());
        this.common = common;
    }

    /** @return the shared options */
    protected Common common() {
        return common;
    }

    /** @return a copy of this method with other shared options */
    protected abstract T with(Common c);

    /** @return a copy evaluating {@code n} perturbed inputs per forward pass (at least 1) */
    public T withBatchSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + n);
        }
        return with(new Common(n, common.probability(), common.baseline(), common.features(), common.seed()));
    }

    /** @return a copy explaining the class probability ({@code true}) or the score before the softmax */
    public T withProbability(boolean p) {
        return with(new Common(common.batchSize(), p, common.baseline(), common.features(), common.seed()));
    }

    /** @return whether the probability is explained instead of the score */
    public boolean probability() {
        return common.probability();
    }

    /** @return a copy filling hidden features with {@code b} */
    public T withBaseline(PerturbationBaseline b) {
        if (b == null) {
            throw new IllegalArgumentException("baseline must not be null");
        }
        return with(new Common(common.batchSize(), common.probability(), b, common.features(), common.seed()));
    }

    /** @return the fill of hidden features */
    public PerturbationBaseline baseline() {
        return common.baseline();
    }

    /** @return a copy cutting images into features with {@code f} */
    public T withFeatures(Features f) {
        if (f == null) {
            throw new IllegalArgumentException("features must not be null");
        }
        return with(new Common(common.batchSize(), common.probability(), common.baseline(), f, common.seed()));
    }

    /** @return how images are cut into features */
    public Features features() {
        return common.features();
    }

    /** @return a copy drawing its random numbers from {@code seed} */
    public T withSeed(long seed) {
        return with(new Common(common.batchSize(), common.probability(), common.baseline(), common.features(), seed));
    }

    /** @return the random seed */
    public long seed() {
        return common.seed();
    }

    /** @return the method's own options for provenance, in order (default: none) */
    protected Map<String, String> ownOptions() {
        return Map.of();
    }

    /** @return whether the method uses {@link #features()} (default: yes; occlusion and RISE make their own masks) */
    protected boolean usesFeatures() {
        return true;
    }

    /** @return whether the method draws random numbers, its provenance then recording the seed (default: no) */
    protected boolean seeded() {
        return false;
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>(ownOptions());
        m.put("baseline", common.baseline().describe());
        if (usesFeatures()) {
            m.put("features", common.features().describe());
        }
        m.put("output", common.probability() ? "probability" : "score");
        m.put("batchSize", String.valueOf(common.batchSize()));
        return m;
    }

    /**
     * Explains one example.
     *
     * @param ev    the evaluator of the example (target resolved, baseline fixed)
     * @param mask  its features (null when the method does not use them)
     * @param image the image as the model saw it
     */
    protected abstract Explanation explainOne(Evaluator ev, FeatureMask mask, BufferedImage image);

    @Override
    protected List<Explanation> compute(INDArray x, List<Target> targetList, List<BufferedImage> images) {
        int channels = (int) x.size(1);
        int height = (int) x.size(2);
        int width = (int) x.size(3);
        List<Explanation> out = new ArrayList<>();
        for (int i = 0; i < x.size(0); i++) {
            double[] xi = HostArrays.doubles(x.get(NDArrayIndex.point(i)));
            NonFiniteResultException.requireFinite(xi, "the input");
            check(height, width);
            FeatureMask mask = usesFeatures() || common.baseline().needsFeatures()
                    ? common.features().apply(images.get(i), height, width) : null;
            double[] b = common.baseline().values(xi, channels, height, width, mask);
            Evaluator ev = new Evaluator(model, targets, xi, b, channels, height, width, targetList.get(i),
                    common.probability(), n -> passSizes(n, batchSize()));
            out.add(explainOne(ev, usesFeatures() ? mask : null, images.get(i)));
        }
        return out;
    }

    /**
     * Checks the method's options against the input size before any work.
     *
     * @throws IllegalArgumentException naming the option and the size
     */
    protected void check(int height, int width) {
    }

    /** @return an explanation whose attribution is one value per feature mapped to pixels, {@code [H, W]} */
    protected Explanation featureResult(FeatureMask mask, double[] perFeature, Evaluator ev, BufferedImage image) {
        float[] px = mask.toPixels(perFeature);
        return pixelResult(px, mask.height(), mask.width(), true, ev, image);
    }

    /** @return an explanation with an {@code [H, W]} attribution */
    protected Explanation pixelResult(float[] hw, int height, int width, boolean signed, Evaluator ev, BufferedImage image) {
        NonFiniteResultException.requireFinite(hw, "the attribution");
        Tensor t = Tensor.of(hw, height, width);
        Map2D map = new Map2D(height, width, hw.clone());
        return new ExplanationResult(t, map, signed, ev.resolved(), provenance("", seeded() ? common.seed() : null), image);
    }
}
