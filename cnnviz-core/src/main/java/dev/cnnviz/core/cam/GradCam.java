package dev.cnnviz.core.cam;

import dev.cnnviz.core.Model;

/**
 * Grad-CAM (Selvaraju, Cogswell, Das, Vedantam, Parikh &amp; Batra 2017, "Grad-CAM: Visual Explanations from Deep
 * Networks via Gradient-based Localization").
 *
 * <p>With {@code A} the layer's activation and {@code S} the target (a class score before the softmax):
 * <pre>  α_k = (1/Z) Σ_{i,j} ∂S/∂A_k^{ij}        (Z = h·w, global-average-pooled gradients)
 *   M   = ReLU( Σ_k α_k A_k )</pre>
 * One forward and one backward pass per batch. At the layer feeding a global average pooling that is followed
 * by one linear layer, Grad-CAM equals {@link Cam CAM} divided by {@code h·w}. Same as pytorch-grad-cam's
 * {@code GradCAM}.
 *
 * <p>Defaults: the last 4-D layer before the global pooling (see {@link CamBase}), ReLU on, batch size
 * {@value CamBase#DEFAULT_BATCH_SIZE}.
 *
 * <pre>{@code
 * Explanation e = GradCam.of(model).explain(image, 285);
 * Explanation f = GradCam.of(model).withLayer("fire9_concat").explain(Path.of("cat.jpg"), 285);
 * e.save(Path.of("gradcam.png"));
 * }</pre>
 */
public final class GradCam extends CamBase<GradCam> {

    private GradCam(Model model, Settings s) {
        super(model, s);
    }

    /** @return Grad-CAM for a model, with the default layer. */
    public static GradCam of(Model model) {
        return new GradCam(model, defaults(model, DEFAULT_BATCH_SIZE));
    }

    @Override
    protected GradCam with(Settings s) {
        return new GradCam(model, s);
    }

    @Override
    public String name() {
        return "Grad-CAM";
    }

    @Override
    protected double[] weights(Capture c) {
        return meanGradients(c);
    }

    /** @return {@code α_k = (1/hw) Σ_p ∂S/∂A[k, p]}. */
    static double[] meanGradients(Capture c) {
        int hw = c.positions();
        double[] alpha = new double[c.channels()];
        for (int k = 0; k < alpha.length; k++) {
            double s = 0;
            for (int p = 0; p < hw; p++) {
                s += c.g(k, p);
            }
            alpha[k] = s / hw;
        }
        return alpha;
    }
}
