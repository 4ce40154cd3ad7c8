package dev.cnnviz.core.cam;

import dev.cnnviz.core.Model;

/**
 * XGrad-CAM (Fu, Hu, Dong, Wang, Zhou &amp; Xu 2020, "Axiom-based Grad-CAM: Towards Accurate Visualization and
 * Explanation of CNNs", BMVC).
 *
 * <p>Gradients weighted by the normalised activation, chosen to satisfy the sensitivity and conservation axioms:
 * <pre>  α_k = Σ_{i,j} ( A_k^{ij} / Σ_{a,b} A_k^{ab} ) · ∂S/∂A_k^{ij}
 *   M   = ReLU( Σ_k α_k A_k )</pre>
 * A channel whose activations sum to zero gets {@code α_k = 0} (pytorch-grad-cam's {@code XGradCAM} instead adds
 * {@code 1e-7} to the denominator, which differs only for such channels).
 *
 * <p>Defaults: the last 4-D layer before the global pooling, ReLU on, batch size
 * {@value CamBase#DEFAULT_BATCH_SIZE}.
 *
 * <pre>{@code
 * Explanation e = XGradCam.of(model).explain(image, 285);
 * Explanation raw = XGradCam.of(model).withRelu(false).explain(image, 285);
 * e.save(Path.of("xgradcam.png"));
 * }</pre>
 */
public final class XGradCam extends CamBase<XGradCam> {

    private XGradCam(Model model, Settings s) {
        super(model, s);
    }

    /** @return XGrad-CAM for a model, with the default layer. */
    public static XGradCam of(Model model) {
        return new XGradCam(model, defaults(model, DEFAULT_BATCH_SIZE));
    }

    @Override
    protected XGradCam with(Settings s) {
        return new XGradCam(model, s);
    }

    @Override
    public String name() {
        return "XGrad-CAM";
    }

    @Override
    protected double[] weights(Capture c) {
        int hw = c.positions();
        double[] alpha = new double[c.channels()];
        for (int k = 0; k < alpha.length; k++) {
            double sumA = 0;
            double dot = 0;
            for (int p = 0; p < hw; p++) {
                sumA += c.a(k, p);
                dot += c.a(k, p) * c.g(k, p);
            }
            alpha[k] = sumA == 0 ? 0 : dot / sumA;
        }
        return alpha;
    }
}
