package dev.cnnviz.core.metrics;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ROAD, RemOve And Debias (Rong, Leemann, Borisov, Kasneci &amp; Kasneci 2022, "A Consistent and Efficient
 * Evaluation Strategy for Attribution Methods", ICML): a removal metric without retraining whose removed pixels are
 * filled by {@link NoisyLinearImputer noisy linear imputation}, so that the shape of the removed region does not leak
 * class information into the imputed image (the "class information leakage" of plain deletion).
 *
 * <p>For each fraction {@code q} the {@code round(q·P)} pixels ranked first (of {@code P}) are removed and imputed,
 * <pre>  MoRF (most relevant first): remove the most salient pixels     — a good map makes f fall fast (low curve)
 *   LeRF (least relevant first): remove the least salient pixels   — a good map keeps f high (high curve)</pre>
 * and the curve is {@code f(x_q)} against {@code q}; its {@link Curve#auc()} over {@code [q_min, q_max]} is the mean
 * response. The imputed inputs are built on the CPU and evaluated forward only in batches.
 *
 * <p>Defaults: MoRF; fractions {@code 0.1, 0.2, ..., 0.9} (the paper's); noise {@code σ = 0.01}; seed 0;
 * {@code f} the target class's probability; batches of 32.
 *
 * <pre>{@code
 * Explanation e = Saliency.of(model).explain(x, Target.topClass());
 * double morf = Road.of(model).curve(x, e).auc();
 * double lerf = Road.of(model).withOrder(Road.Order.LERF).curve(x, e).auc();
 * }</pre>
 */
public final class Road {
    /** Which pixels go first. */
    public enum Order {
        /** Most relevant first. */
        MORF,
        /** Least relevant first. */
        LERF
    }

    private static final double[] DEFAULT_FRACTIONS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

    private final ModelScorer scorer;
    private final Order order;
    private final double[] fractions;
    private final NoisyLinearImputer imputer;
    private final long seed;

    private Road(ModelScorer scorer, Order order, double[] fractions, NoisyLinearImputer imputer, long seed) {
        this.scorer = scorer;
        this.order = order;
        this.fractions = fractions;
        this.imputer = imputer;
        this.seed = seed;
    }

    /** @return ROAD for {@code model} with the defaults of the class comment */
    public static Road of(Model model) {
        return new Road(ModelScorer.of(model), Order.MORF, DEFAULT_FRACTIONS,
                new NoisyLinearImputer(NoisyLinearImputer.DEFAULT_NOISE), 0);
    }

    /** @return a copy removing pixels in {@code o}'s order; @throws IllegalArgumentException if null */
    public Road withOrder(Order o) {
        if (o == null) {
            throw new IllegalArgumentException("order must not be null");
        }
        return new Road(scorer, o, fractions, imputer, seed);
    }

    /**
     * @param q the fractions of pixels removed, increasing, each in {@code [0, 1)}
     * @return a copy evaluated at these fractions
     * @throws IllegalArgumentException if empty, not increasing, or out of range
     */
    public Road withFractions(double... q) {
        if (q == null || q.length == 0) {
            throw new IllegalArgumentException("ROAD needs at least one fraction");
        }
        for (int i = 0; i < q.length; i++) {
            if (!(q[i] >= 0 && q[i] < 1)) {
                throw new IllegalArgumentException("ROAD fractions must be in [0, 1) (at least one pixel is kept to impute from), found "
                        + q[i]);
            }
            if (i > 0 && !(q[i] > q[i - 1])) {
                throw new IllegalArgumentException("ROAD fractions must increase, found " + Arrays.toString(q));
            }
        }
        return new Road(scorer, order, q.clone(), imputer, seed);
    }

    /** @return a copy adding noise of standard deviation {@code sigma} to imputed values */
    public Road withNoise(double sigma) {
        return new Road(scorer, order, fractions, new NoisyLinearImputer(sigma), seed);
    }

    /** @return a copy whose imputation noise comes from {@code s} */
    public Road withSeed(long s) {
        return new Road(scorer, order, fractions, imputer, s);
    }

    /** @return a copy scoring class probabilities ({@code true}, the default) or scores before the softmax */
    public Road withProbability(boolean p) {
        return new Road(scorer.withProbability(p), order, fractions, imputer, seed);
    }

    /** @return a copy evaluating {@code n} inputs per pass; @throws IllegalArgumentException if {@code n < 1} */
    public Road withBatchSize(int n) {
        return new Road(scorer.withBatchSize(n), order, fractions, imputer, seed);
    }

    /** @return the order */
    public Order order() {
        return order;
    }

    /** @return the fractions */
    public double[] fractions() {
        return fractions.clone();
    }

    /** @return the imputation noise */
    public double noise() {
        return imputer.noise();
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /**
     * The ROAD curve of one input and one saliency map.
     *
     * @param x        {@code [C,H,W]} or {@code [1,C,H,W]}, preprocessed
     * @param saliency a map at any resolution (resampled bilinearly to {@code H×W})
     * @param target   the target; {@link Target#topClass()} is fixed to the class predicted for {@code x}
     * @throws IllegalArgumentException for a bad input or target
     */
    public Curve curve(INDArray x, Map2D saliency, Target target) {
        float[] in = scorer.example(x);
        return curve(in, saliency, scorer.fix(in, target).target());
    }

    /** {@link #curve(INDArray, Map2D, Target)} with the explanation's map and resolved target. */
    public Curve curve(INDArray x, Explanation e) {
        return curve(x, e.map(), DeletionInsertion.fixedTarget(e));
    }

    /** Explains {@code x} with {@code method} and measures the explanation. */
    public Curve curve(Attribution method, INDArray x, Target target) {
        float[] in = scorer.example(x);
        Explanation e = method.explainTensor(DeletionInsertion.tensor(in, scorer), List.of(target)).get(0);
        return curve(in, e.map(), DeletionInsertion.fixedTarget(e));
    }

    private Curve curve(float[] x, Map2D saliency, Target fixed) {
        int c = scorer.model().inputSpec().channels();
        int h = scorer.model().inputSpec().height();
        int w = scorer.model().inputSpec().width();
        int plane = h * w;
        float[] s = Ranking.atInput(saliency, h, w);
        int[] rank = order == Order.MORF ? Ranking.descending(s) : Ranking.ascending(s);
        int len = c * plane;
        dev.cnnviz.core.MemoryBudget.defaultBudget().check("ROAD's " + fractions.length + " imputed inputs of " + len + " values",
                dev.cnnviz.core.MemoryBudget.bytesOf(4, fractions.length, len), "use fewer fractions");
        float[][] imputed = new float[fractions.length][];
        for (int f = 0; f < fractions.length; f++) {
            int removedCount = (int) Math.round(fractions[f] * plane);
            boolean[] removed = new boolean[plane];
            for (int i = 0; i < removedCount; i++) {
                removed[rank[i]] = true;
            }
            imputed[f] = imputer.impute(x, removed, c, h, w, new Random(seed * 1_000_003L + f));
        }
        double[] values = scorer.evaluate(fixed, fractions.length,
                (row, dst, off) -> System.arraycopy(imputed[row], 0, dst, off, len));
        return new Curve(fractions, values);
    }

    @Override
    public String toString() {
        return "ROAD[" + order + ", fractions " + Arrays.toString(fractions) + ", noise " + imputer.noise() + ", seed " + seed + "]";
    }
}
