package dev.cnnviz.core.perturbation;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * KernelSHAP (Lundberg &amp; Lee 2017, "A Unified Approach to Interpreting Model Predictions", NeurIPS): Shapley values
 * of the features as the solution of a weighted linear regression over coalitions {@code z ∈ {0,1}^M},
 * <pre>  φ = argmin Σ_z π(z) ( v(z) − φ₀ − Σ_j z_j φ_j )²,    π(z) = (M − 1) / ( C(M, |z|) · |z| · (M − |z|) )</pre>
 * (the Shapley kernel), with {@code φ₀ = v(∅) = f(baseline)} and the efficiency constraint
 * {@code Σ_j φ_j = f(x) − f(baseline)} imposed exactly (the last feature is eliminated before the regression, as the
 * {@code shap} package does). {@code v(z)} is the target on the input with the features outside {@code z} set to the
 * baseline.
 *
 * <p>With at least {@code 2^M − 2} samples every coalition is enumerated with its exact kernel weight, and the result
 * is the exact Shapley values; otherwise {@code samples} coalitions are drawn from the kernel (a size {@code s} with
 * probability ∝ {@code (M−1)/(s(M−s))}, then a uniform subset of that size) and weighted equally. Cost:
 * {@code samples + 1} perturbed inputs, forward only, in batches. Seeded.
 *
 * <p>Defaults: 1,000 samples, features {@code grid:16}, baseline {@code constant(0)}, seed 0.
 *
 * <pre>{@code
 * Explanation e = KernelShap.of(model).withFeatures(Features.slic(50)).withSamples(2000).explain(image, 285);
 * }</pre>
 */
public final class KernelShap extends PerturbationBase<KernelShap> {
    /** The default number of sampled coalitions. */
    public static final int DEFAULT_SAMPLES = 1000;
    /** The most samples accepted. */
    public static final int MAX_SAMPLES = 100_000;

    private final int samples;

    private KernelShap(Model model, Common c, int samples) {
        super(model, c);
        this.samples = samples;
    }

    /** @return KernelSHAP for a model with the defaults */
    public static KernelShap of(Model model) {
        return new KernelShap(model, Common.defaults(), DEFAULT_SAMPLES);
    }

    @Override
    protected KernelShap with(Common c) {
        return new KernelShap(model, c, samples);
    }

    /** @return a copy drawing {@code n} coalitions, 1 to {@value #MAX_SAMPLES} */
    public KernelShap withSamples(int n) {
        if (n < 1 || n > MAX_SAMPLES) {
            throw new IllegalArgumentException("KernelSHAP samples must be 1 to " + MAX_SAMPLES + ", found " + n);
        }
        return new KernelShap(model, common(), n);
    }

    /** @return the number of coalitions drawn */
    public int samples() {
        return samples;
    }

    @Override
    public String name() {
        return "KernelSHAP";
    }

    @Override
    protected Map<String, String> ownOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("samples", String.valueOf(samples));
        return m;
    }

    @Override
    protected boolean seeded() {
        return true;
    }

    @Override
    protected Explanation explainOne(Evaluator ev, FeatureMask mask, BufferedImage image) {
        int m = mask.count();
        if (m == 1) {
            double empty = ev.evaluateCoalitions(mask, 1, (k, z) -> { })[0];
            return featureResult(mask, new double[] {ev.original() - empty}, ev, image);
        }
        boolean enumerate = m < 31 && samples >= (1L << m) - 2;
        int n = enumerate ? (1 << m) - 2 : samples;
        model.graph().memoryBudget().check("the " + n + " coalitions of " + m + " features", MemoryBudget.bytesOf(8 + 1, n, m),
                "use fewer samples or features");
        boolean[][] coalitions = new boolean[n][m];
        double[] weights = new double[n];
        if (enumerate) {
            for (int k = 0; k < n; k++) {
                int set = k + 1;
                for (int j = 0; j < m; j++) {
                    coalitions[k][j] = (set >> j & 1) != 0;
                }
                int s = Integer.bitCount(set);
                weights[k] = Math.exp(Math.log(m - 1) - Shapley.logChoose(m, s) - Math.log(s) - Math.log(m - s));
            }
        } else {
            double[] cum = new double[m - 1];
            double total = 0;
            for (int s = 1; s < m; s++) {
                total += (double) (m - 1) / (s * (m - s));
                cum[s - 1] = total;
            }
            SplittableRandom rng = new SplittableRandom(seed());
            int[] idx = new int[m];
            for (int k = 0; k < n; k++) {
                double u = rng.nextDouble() * total;
                int s = 1;
                while (s < m - 1 && cum[s - 1] < u) {
                    s++;
                }
                for (int j = 0; j < m; j++) {
                    idx[j] = j;
                }
                for (int t = 0; t < s; t++) {
                    int r = t + rng.nextInt(m - t);
                    int tmp = idx[t];
                    idx[t] = idx[r];
                    idx[r] = tmp;
                    coalitions[k][idx[t]] = true;
                }
                weights[k] = 1;
            }
        }
        double[] v = ev.evaluateCoalitions(mask, n + 1, (k, z) -> {
            if (k > 0) {
                System.arraycopy(coalitions[k - 1], 0, z, 0, m);
            }
        });
        double empty = v[0];
        double delta = ev.original() - empty;
        double[][] x = new double[n][m - 1];
        double[] y = new double[n];
        for (int k = 0; k < n; k++) {
            double last = coalitions[k][m - 1] ? 1 : 0;
            for (int j = 0; j < m - 1; j++) {
                x[k][j] = (coalitions[k][j] ? 1 : 0) - last;
            }
            y[k] = v[k + 1] - empty - last * delta;
        }
        double[] head = Regression.leastSquares(x, y, weights);
        double[] phi = new double[m];
        double sum = 0;
        for (int j = 0; j < m - 1; j++) {
            phi[j] = head[j];
            sum += head[j];
        }
        phi[m - 1] = delta - sum;
        return featureResult(mask, phi, ev, image);
    }
}
