package dev.cnnviz.core.metrics;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The deletion and insertion metrics of Petsiuk, Das &amp; Saenko 2018 ("RISE: Randomized Input Sampling for
 * Explanation of Black-box Models", BMVC, Sec. 4.1): how fast the model's answer falls when the most salient pixels
 * are removed first (deletion, lower area is better), or rises when they are revealed first (insertion, higher is
 * better).
 *
 * <p>Pixels are ranked by the saliency map (resampled bilinearly to the input size, ties in row-major order). At step
 * {@code k = 0..n}, {@code n = ⌈P/s⌉} for {@code P} pixels and {@code s} pixels per step, the first
 * {@code min(k·s, P)} pixels of the ranking (all channels) are
 * <pre>  deletion:  x_k = x  with those pixels replaced by the substrate    (x_0 = x,  x_n = substrate)
 *   insertion: x_k = substrate with those pixels taken from x          (x_0 = substrate, x_n = x)</pre>
 * and the curve is {@code f(x_k)} against the fraction {@code min(k·s, P)/P}; its {@link Curve#auc() area} is the
 * metric. With a {@link #withFeatureMask feature mask} whole features (superpixels, patches) are ranked by their
 * mean saliency and {@code s} counts features. All {@code n + 1} inputs are evaluated forward only, in batches of
 * {@link #batchSize()}.
 *
 * <p>Defaults (as the paper): deletion; {@code s} = the input's width in pixels (224 for 224×224, the paper's step);
 * the deletion substrate {@code constant(0)} (the mean colour for mean-subtracted inputs), the insertion substrate
 * {@code blur(11, 5)}; {@code f} the target class's probability ({@link #withProbability}{@code (false)}: the score
 * before the softmax); batches of 32.
 *
 * <pre>{@code
 * Explanation e = GradCam.of(model).explain(x, Target.topClass());
 * double del = DeletionInsertion.of(model).curve(x, e).auc();
 * double ins = DeletionInsertion.of(model).withMode(DeletionInsertion.Mode.INSERTION).curve(x, e).auc();
 * }</pre>
 */
public final class DeletionInsertion {
    /** Which way pixels move. */
    public enum Mode {
        /** Remove the most salient pixels first, from the input. */
        DELETION,
        /** Reveal the most salient pixels first, on the substrate. */
        INSERTION
    }

    private final ModelScorer scorer;
    private final Mode mode;
    private final int step;
    private final Substrate substrate;
    private final int[][] featureMask;

    private DeletionInsertion(ModelScorer scorer, Mode mode, int step, Substrate substrate, int[][] featureMask) {
        this.scorer = scorer;
        this.mode = mode;
        this.step = step;
        this.substrate = substrate;
        this.featureMask = featureMask;
    }

    /** @return the deletion metric for {@code model} with the defaults of the class comment */
    public static DeletionInsertion of(Model model) {
        return new DeletionInsertion(ModelScorer.of(model), Mode.DELETION, 0, null, null);
    }

    /** @return a copy measuring {@code m}; @throws IllegalArgumentException if null */
    public DeletionInsertion withMode(Mode m) {
        if (m == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        return new DeletionInsertion(scorer, m, step, substrate, featureMask);
    }

    /**
     * @param pixels pixels (or features, with a feature mask) per step, at least 1
     * @return a copy with that step
     * @throws IllegalArgumentException if {@code pixels < 1}
     */
    public DeletionInsertion withStep(int pixels) {
        if (pixels < 1) {
            throw new IllegalArgumentException("the step must be at least 1 pixel or feature, found " + pixels);
        }
        return new DeletionInsertion(scorer, mode, pixels, substrate, featureMask);
    }

    /** @return a copy with this substrate instead of the mode's default; @throws IllegalArgumentException if null */
    public DeletionInsertion withSubstrate(Substrate s) {
        if (s == null) {
            throw new IllegalArgumentException("substrate must not be null");
        }
        return new DeletionInsertion(scorer, mode, step, s, featureMask);
    }

    /**
     * @param mask {@code [H][W]} feature labels (e.g. superpixels), each at least 0, at the model's input size; checked
     *             when a curve is computed
     * @return a copy removing whole features, ranked by their mean saliency
     * @throws IllegalArgumentException if the mask is null or empty
     */
    public DeletionInsertion withFeatureMask(int[][] mask) {
        if (mask == null || mask.length == 0) {
            throw new IllegalArgumentException("the feature mask must not be empty");
        }
        int[][] copy = new int[mask.length][];
        for (int i = 0; i < mask.length; i++) {
            copy[i] = mask[i] == null ? null : mask[i].clone();
        }
        return new DeletionInsertion(scorer, mode, step, substrate, copy);
    }

    /** @return a copy scoring class probabilities ({@code true}, the default) or scores before the softmax */
    public DeletionInsertion withProbability(boolean p) {
        return new DeletionInsertion(scorer.withProbability(p), mode, step, substrate, featureMask);
    }

    /** @return a copy evaluating {@code n} inputs per pass; @throws IllegalArgumentException if {@code n < 1} */
    public DeletionInsertion withBatchSize(int n) {
        return new DeletionInsertion(scorer.withBatchSize(n), mode, step, substrate, featureMask);
    }

    /** @return the mode */
    public Mode mode() {
        return mode;
    }

    /** @return the pixels (or features) per step; 0 means the input's width */
    public int step() {
        return step;
    }

    /** @return the substrate: the one chosen, or the mode's default */
    public Substrate substrate() {
        return substrate != null ? substrate : mode == Mode.DELETION ? Substrate.constant(0) : Substrate.blur(11, 5);
    }

    /** @return whether class probabilities are scored */
    public boolean probability() {
        return scorer.probability();
    }

    /** @return the inputs per inference pass */
    public int batchSize() {
        return scorer.batchSize();
    }

    /**
     * The curve for one input and one saliency map.
     *
     * @param x        {@code [C,H,W]} or {@code [1,C,H,W]}, preprocessed
     * @param saliency a map at any resolution (resampled bilinearly to {@code H×W}); higher is more salient
     * @param target   the target; {@link Target#topClass()} is fixed to the class predicted for {@code x}
     * @return the curve of {@code f} against the fraction of pixels removed (inserted)
     * @throws IllegalArgumentException for a bad input, target or feature mask
     */
    public Curve curve(INDArray x, Map2D saliency, Target target) {
        float[] in = scorer.example(x);
        ModelScorer.Fixed fixed = scorer.fix(in, target);
        return curve(in, saliency, fixed.target());
    }

    /** {@link #curve(INDArray, Map2D, Target)} with the explanation's map and its resolved target. */
    public Curve curve(INDArray x, Explanation e) {
        return curve(x, e.map(), fixedTarget(e));
    }

    /** {@link #curve(INDArray, Map2D, Target)} on a {@link Tensor} input. */
    public Curve curve(Tensor x, Map2D saliency, Target target) {
        try (INDArray a = toArray(x)) {
            return curve(a, saliency, target);
        }
    }

    /** Explains {@code x} with {@code method} and measures the explanation. */
    public Curve curve(Attribution method, INDArray x, Target target) {
        float[] in = scorer.example(x);
        Explanation e = method.explainTensor(tensor(in, scorer), List.of(target)).get(0);
        return curve(in, e.map(), fixedTarget(e));
    }

    private Curve curve(float[] x, Map2D saliency, Target fixed) {
        int c = scorer.model().inputSpec().channels();
        int h = scorer.model().inputSpec().height();
        int w = scorer.model().inputSpec().width();
        int plane = h * w;
        float[] s = Ranking.atInput(saliency, h, w);
        int[][] groups;
        if (featureMask != null) {
            groups = Ranking.featureGroups(Ranking.features(featureMask, h, w), s);
        } else {
            int[] order = Ranking.descending(s);
            groups = new int[plane][];
            for (int i = 0; i < plane; i++) {
                groups[i] = new int[] {order[i]};
            }
        }
        int units = groups.length;
        int perStep = step == 0 ? (featureMask != null ? 1 : w) : step;
        int n = (units + perStep - 1) / perStep;
        // rank[p]: the step at which pixel p moves (1-based).
        int[] moveStep = new int[plane];
        int[] movedBefore = new int[n + 1];
        int moved = 0;
        for (int g = 0; g < units; g++) {
            int k = g / perStep + 1;
            for (int p : groups[g]) {
                moveStep[p] = k;
            }
            moved += groups[g].length;
            movedBefore[Math.min(n, k)] = moved;
        }
        float[] sub = substrate().apply(x, c, h, w);
        boolean deletion = mode == Mode.DELETION;
        double[] values = scorer.evaluate(fixed, n + 1, (row, dst, off) -> {
            for (int ch = 0; ch < c; ch++) {
                int base = ch * plane;
                for (int p = 0; p < plane; p++) {
                    boolean hasMoved = moveStep[p] <= row;
                    dst[off + base + p] = hasMoved == deletion ? sub[base + p] : x[base + p];
                }
            }
        });
        double[] fractions = new double[n + 1];
        for (int k = 1; k <= n; k++) {
            fractions[k] = (double) movedBefore[k] / plane;
        }
        return new Curve(fractions, values);
    }

    static Target fixedTarget(Explanation e) {
        return e.target().classIndex() >= 0 ? Target.classIndex(e.target().classIndex()) : e.target().target();
    }

    static Tensor tensor(float[] x, ModelScorer scorer) {
        var spec = scorer.model().inputSpec();
        return Tensor.of(x.clone(), 1, spec.channels(), spec.height(), spec.width());
    }

    static INDArray toArray(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("input tensor must not be null");
        }
        long[] shape = java.util.Arrays.stream(x.shape()).asLongStream().toArray();
        return Nd4j.create(x.data(), shape, 'c');
    }

    @Override
    public String toString() {
        return (mode == Mode.DELETION ? "Deletion" : "Insertion") + "[step " + (step == 0 ? "width" : step)
                + ", " + substrate().describe() + (featureMask != null ? ", features" : "")
                + (probability() ? ", probability" : ", score") + "]";
    }
}
