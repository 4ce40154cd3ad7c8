package dev.cnnviz.core.perturbation;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.core.Model;
import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * Exact Shapley values (Shapley 1953; Captum's {@code ShapleyValues}) of the features of a {@link FeatureMask}: the
 * model is run on all {@code 2^M} coalitions and
 * <pre>  φ_j = Σ_{S ⊆ F∖{j}} |S|! (M − |S| − 1)! / M! · [ v(S ∪ {j}) − v(S) ]</pre>
 * where {@code v(S)} is the target on the input with the features outside {@code S} set to the baseline. The values
 * sum to {@code f(x) − f(baseline)} (efficiency), are symmetric, and give 0 to features that change nothing.
 *
 * <p>At most {@value #MAX_FEATURES} features ({@code 2^16 = 65,536} perturbed inputs, forward only, in batches);
 * more is an {@link IllegalArgumentException} advising {@link ShapleyValueSampling} or {@link KernelShap}. Default
 * features: {@code grid:56} (16 patches on a 224 × 224 input).
 *
 * <pre>{@code
 * Explanation e = ShapleyValues.of(model).withFeatures(Features.grid(56)).explain(image, 285);
 * }</pre>
 */
public final class ShapleyValues extends PerturbationBase<ShapleyValues> {
    /** The most features exact Shapley values are computed for. */
    public static final int MAX_FEATURES = 16;

    private ShapleyValues(Model model, Common c) {
        super(model, c);
    }

    /** @return exact Shapley values for a model, on a {@code grid:56} by default */
    public static ShapleyValues of(Model model) {
        Common d = Common.defaults();
        return new ShapleyValues(model, new Common(d.batchSize(), d.probability(), d.baseline(), Features.grid(56), d.seed()));
    }

    @Override
    protected ShapleyValues with(Common c) {
        return new ShapleyValues(model, c);
    }

    @Override
    public String name() {
        return "Shapley values";
    }

    @Override
    protected Explanation explainOne(Evaluator ev, FeatureMask mask, BufferedImage image) {
        int m = mask.count();
        if (m > MAX_FEATURES) {
            throw new IllegalArgumentException("exact Shapley values take at most " + MAX_FEATURES + " features (2^"
                    + MAX_FEATURES + " model evaluations), found " + m + " (" + features().describe()
                    + "); use coarser features, Shapley value sampling or KernelSHAP");
        }
        int all = (1 << m) - 1;
        double[] v = new double[all + 1];
        double[] got = ev.evaluateCoalitions(mask, all, (k, z) -> {
            for (int j = 0; j < m; j++) {
                z[j] = (k >> j & 1) != 0;
            }
        });
        System.arraycopy(got, 0, v, 0, all);
        v[all] = ev.original();
        return featureResult(mask, exact(v, m), ev, image);
    }

    /**
     * Exact Shapley values of a game given by its value on every coalition.
     *
     * @param v {@code 2^m} values, coalition {@code S} at index {@code Σ_{j ∈ S} 2^j}
     * @param m the number of players
     * @return one value per player
     */
    static double[] exact(double[] v, int m) {
        double[] w = new double[m];
        for (int s = 0; s < m; s++) {
            w[s] = Shapley.weight(s, m);
        }
        double[] phi = new double[m];
        for (int set = 0; set < v.length; set++) {
            int size = Integer.bitCount(set);
            for (int j = 0; j < m; j++) {
                if ((set >> j & 1) == 0) {
                    phi[j] += w[size] * (v[set | (1 << j)] - v[set]);
                }
            }
        }
        return phi;
    }
}
