package dev.cnnviz.core.perturbation;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Shapley value sampling (Castro, Gómez &amp; Tejada 2009, "Polynomial calculation of the Shapley value based on
 * sampling"; Captum's {@code ShapleyValueSampling}): features are added one by one, in random orders, to the
 * all-baseline input, and each feature's attribution is its mean marginal contribution,
 * <pre>  φ_j = (1 / P) Σ_{π} [ v(Pre_π(j) ∪ {j}) − v(Pre_π(j)) ]</pre>
 * where {@code v(S)} is the target on the input with the features outside {@code S} set to the baseline and
 * {@code Pre_π(j)} the features before {@code j} in permutation {@code π}. Each permutation telescopes, so the
 * attributions sum to {@code f(x) − f(baseline)} exactly (efficiency) whatever the number of permutations.
 *
 * <p>{@link #withSamples(int)} sets the number of permutations {@code P} (default 25, Captum's {@code n_samples});
 * {@link #withAntithetic(boolean)} uses each random permutation together with its reverse (antithetic sampling:
 * {@code ⌈P/2⌉} drawn, {@code 2⌈P/2⌉} used), which lowers the variance. Cost: {@code 1 + P (M − 1)} perturbed inputs
 * for {@code M} features (the full coalition is the input itself), forward only, in batches. Seeded: the same seed
 * gives the same result.
 *
 * <pre>{@code
 * Explanation e = ShapleyValueSampling.of(model).withFeatures(Features.slic(50)).withSamples(50).withSeed(1)
 *         .explain(image, 285);
 * }</pre>
 */
public final class ShapleyValueSampling extends PerturbationBase<ShapleyValueSampling> {
    /** The default number of permutations (Captum's). */
    public static final int DEFAULT_SAMPLES = 25;
    /** The most permutations accepted. */
    public static final int MAX_SAMPLES = 10_000;

    private final int samples;
    private final boolean antithetic;

    private ShapleyValueSampling(Model model, Common c, int samples, boolean antithetic) {
        super(model, c);
        this.samples = samples;
        this.antithetic = antithetic;
    }

    /** @return Shapley value sampling with the defaults (25 permutations, grid:16, baseline 0) */
    public static ShapleyValueSampling of(Model model) {
        return new ShapleyValueSampling(model, Common.defaults(), DEFAULT_SAMPLES, false);
    }

    @Override
    protected ShapleyValueSampling with(Common c) {
        return new ShapleyValueSampling(model, c, samples, antithetic);
    }

    /** @return a copy with {@code n} permutations, 1 to {@value #MAX_SAMPLES} */
    public ShapleyValueSampling withSamples(int n) {
        if (n < 1 || n > MAX_SAMPLES) {
            throw new IllegalArgumentException("permutations must be 1 to " + MAX_SAMPLES + ", found " + n);
        }
        return new ShapleyValueSampling(model, common(), n, antithetic);
    }

    /** @return the number of permutations */
    public int samples() {
        return samples;
    }

    /** @return a copy that pairs each permutation with its reverse ({@code true}) or not */
    public ShapleyValueSampling withAntithetic(boolean a) {
        return new ShapleyValueSampling(model, common(), samples, a);
    }

    /** @return whether permutations are paired with their reverses */
    public boolean antithetic() {
        return antithetic;
    }

    @Override
    public String name() {
        return "Shapley value sampling";
    }

    @Override
    protected Map<String, String> ownOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("samples", String.valueOf(samples));
        m.put("antithetic", String.valueOf(antithetic));
        return m;
    }

    @Override
    protected boolean seeded() {
        return true;
    }

    @Override
    protected Explanation explainOne(Evaluator ev, FeatureMask mask, BufferedImage image) {
        int m = mask.count();
        int p = antithetic ? 2 * ((samples + 1) / 2) : samples;
        model.graph().memoryBudget().check("the permutations of " + p + " samples over " + m + " features",
                MemoryBudget.bytesOf(4 + 8, p, m), "use fewer samples or features");
        // rank[q][j]: position of feature j in permutation q.
        int[][] rank = new int[p][];
        int[][] perm = new int[p][];
        SplittableRandom rng = new SplittableRandom(seed());
        for (int q = 0; q < p; q++) {
            int[] order;
            if (antithetic && q % 2 == 1) {
                order = new int[m];
                for (int t = 0; t < m; t++) {
                    order[t] = perm[q - 1][m - 1 - t];
                }
            } else {
                order = Shapley.shuffled(m, rng);
            }
            perm[q] = order;
            rank[q] = new int[m];
            for (int t = 0; t < m; t++) {
                rank[q][order[t]] = t;
            }
        }
        int inner = m - 1;
        double[] v = ev.evaluateCoalitions(mask, 1 + p * inner, (k, z) -> {
            if (k == 0) {
                return; // the empty coalition
            }
            int q = (k - 1) / inner;
            int prefix = (k - 1) % inner + 1;
            int[] r = rank[q];
            for (int j = 0; j < m; j++) {
                z[j] = r[j] < prefix;
            }
        });
        double empty = v[0];
        double[] phi = new double[m];
        for (int q = 0; q < p; q++) {
            double prev = empty;
            for (int t = 0; t < m; t++) {
                double cur = t == m - 1 ? ev.original() : v[1 + q * inner + t];
                phi[perm[q][t]] += cur - prev;
                prev = cur;
            }
        }
        for (int j = 0; j < m; j++) {
            phi[j] /= p;
        }
        return featureResult(mask, phi, ev, image);
    }
}
