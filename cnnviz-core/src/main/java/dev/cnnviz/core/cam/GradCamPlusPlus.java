package dev.cnnviz.core.cam;

import dev.cnnviz.core.Model;

/**
 * Grad-CAM++ (Chattopadhyay, Sarkar, Howlader &amp; Balasubramanian 2018, "Grad-CAM++: Generalized Gradient-based
 * Visual Explanations for Deep Convolutional Networks", WACV).
 *
 * <p>With {@code g = ∂S/∂A} the gradient of the class score before the softmax, the paper's closed form for the
 * exponential of the score ({@code Y = exp(S)}, Eq. 19, exact for piecewise-linear networks) is
 * <pre>  a_k^{ij} = g_k^{ij}² / ( 2 g_k^{ij}² + Σ_{a,b} A_k^{ab} · g_k^{ij}³ )      (0 where the denominator is 0)
 *   α_k     = Σ_{i,j} a_k^{ij} · ReLU(g_k^{ij})
 *   M       = ReLU( Σ_k α_k A_k )</pre>
 * The paper's weights carry an extra factor {@code exp(S)} (from {@code ∂Y/∂A = exp(S)·g}); it is the same for
 * every channel and position, so it only scales the map, and is dropped here as in pytorch-grad-cam's
 * {@code GradCAMPlusPlus} (it would overflow for scores above ~88). pytorch-grad-cam also adds {@code 1e-6} to
 * the denominator; here a zero denominator gives {@code a = 0} instead, as in the authors' code.
 *
 * <p>Defaults: the last 4-D layer before the global pooling, ReLU on, batch size
 * {@value CamBase#DEFAULT_BATCH_SIZE}.
 *
 * <pre>{@code
 * Explanation e = GradCamPlusPlus.of(model).explain(image, 285);
 * Explanation f = GradCamPlusPlus.of(model).withLayer("fire9_concat").explain(image, 285);
 * e.save(Path.of("gradcam++.png"));
 * }</pre>
 */
public final class GradCamPlusPlus extends CamBase<GradCamPlusPlus> {

    private GradCamPlusPlus(Model model, Settings s) {
        super(model, s);
    }

    /** @return Grad-CAM++ for a model, with the default layer. */
    public static GradCamPlusPlus of(Model model) {
        return new GradCamPlusPlus(model, defaults(model, DEFAULT_BATCH_SIZE));
    }

    @Override
    protected GradCamPlusPlus with(Settings s) {
        return new GradCamPlusPlus(model, s);
    }

    @Override
    public String name() {
        return "Grad-CAM++";
    }

    @Override
    protected double[] weights(Capture c) {
        int hw = c.positions();
        double[] alpha = new double[c.channels()];
        for (int k = 0; k < alpha.length; k++) {
            double sumA = 0;
            for (int p = 0; p < hw; p++) {
                sumA += c.a(k, p);
            }
            double w = 0;
            for (int p = 0; p < hw; p++) {
                double g = c.g(k, p);
                if (g <= 0) {
                    continue; // ReLU(g) = 0
                }
                double g2 = g * g;
                double denom = 2 * g2 + sumA * g2 * g;
                if (denom != 0) {
                    w += g2 / denom * g;
                }
            }
            alpha[k] = w;
        }
        return alpha;
    }
}
