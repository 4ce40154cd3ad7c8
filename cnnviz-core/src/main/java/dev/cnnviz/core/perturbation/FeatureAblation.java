package dev.cnnviz.core.perturbation;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.core.Model;
import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * Feature ablation (Captum's {@code FeatureAblation}): each feature of a {@link FeatureMask} in turn is set to the
 * baseline and the drop of the target is its attribution,
 * <pre>  A_j = f(x) − f(x with feature j set to the baseline)</pre>
 * mapped back to the feature's pixels, {@code [H, W]}. {@code M} features cost {@code M} perturbed inputs, evaluated
 * forward only in batches. On a linear model {@code A_j = Σ_{(c,p) ∈ j} w[c,p] (x[c,p] − b[c,p])}.
 *
 * <p>Defaults: features {@code grid:16}, baseline {@code constant(0)}, the score, 32 inputs per pass.
 *
 * <pre>{@code
 * Explanation e = FeatureAblation.of(model).withFeatures(Features.slic(100)).explain(image, 285);
 * }</pre>
 */
public final class FeatureAblation extends PerturbationBase<FeatureAblation> {
    private FeatureAblation(Model model, Common c) {
        super(model, c);
    }

    /** @return feature ablation for a model with the defaults */
    public static FeatureAblation of(Model model) {
        return new FeatureAblation(model, Common.defaults());
    }

    @Override
    protected FeatureAblation with(Common c) {
        return new FeatureAblation(model, c);
    }

    @Override
    public String name() {
        return "Feature ablation";
    }

    @Override
    protected Explanation explainOne(Evaluator ev, FeatureMask mask, BufferedImage image) {
        int m = mask.count();
        double[] v = ev.evaluateCoalitions(mask, m, (j, z) -> {
            java.util.Arrays.fill(z, true);
            z[j] = false;
        });
        double[] a = new double[m];
        for (int j = 0; j < m; j++) {
            a[j] = ev.original() - v[j];
        }
        return featureResult(mask, a, ev, image);
    }
}
