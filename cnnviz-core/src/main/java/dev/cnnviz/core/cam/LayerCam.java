package dev.cnnviz.core.cam;

import dev.cnnviz.core.Model;

/**
 * Layer-CAM (Jiang, Zhang, Hou, Cheng &amp; Wei 2021, "LayerCAM: Exploring Hierarchical Class Activation Maps for
 * Localization", IEEE TIP).
 *
 * <p>Each position is weighted by its own positive gradient:
 * <pre>  M = ReLU( Σ_k ReLU(∂S/∂A_k) ⊙ A_k )</pre>
 * Because the weights are per position, it gives usable maps at shallow layers too. Same as pytorch-grad-cam's
 * {@code LayerCAM}. (The paper's multi-layer fusion, which rescales shallow maps with {@code tanh} before
 * combining layers, is left to the caller.)
 *
 * <p>Defaults: the last 4-D layer before the global pooling, ReLU on, batch size
 * {@value CamBase#DEFAULT_BATCH_SIZE}.
 *
 * <pre>{@code
 * Explanation e = LayerCam.of(model).explain(image, 285);
 * Explanation shallow = LayerCam.of(model).withLayer("fire3_concat").explain(image, 285);
 * shallow.save(Path.of("layercam-fire3.png"));
 * }</pre>
 */
public final class LayerCam extends CamBase<LayerCam> {

    private LayerCam(Model model, Settings s) {
        super(model, s);
    }

    /** @return Layer-CAM for a model, with the default layer. */
    public static LayerCam of(Model model) {
        return new LayerCam(model, defaults(model, DEFAULT_BATCH_SIZE));
    }

    @Override
    protected LayerCam with(Settings s) {
        return new LayerCam(model, s);
    }

    @Override
    public String name() {
        return "Layer-CAM";
    }

    @Override
    protected double[] map(Capture c) {
        int hw = c.positions();
        double[] m = new double[hw];
        for (int k = 0; k < c.channels(); k++) {
            for (int p = 0; p < hw; p++) {
                m[p] += Math.max(c.g(k, p), 0.0) * c.a(k, p);
            }
        }
        return m;
    }
}
