package dev.cnnviz.core.cam;

import dev.cnnviz.core.Model;

/**
 * HiResCAM (Draelos &amp; Carin 2020, "Use HiResCAM instead of Grad-CAM for faithful explanations of convolutional
 * neural networks").
 *
 * <p>The element-wise product of gradient and activation, summed over channels:
 * <pre>  M = ReLU( Σ_k ∂S/∂A_k ⊙ A_k )</pre>
 * Unlike Grad-CAM, the gradients are not averaged over positions, so the map shows exactly the locations that
 * raise the score; at a layer followed only by global average pooling and one linear layer, where the gradient
 * is the same at every position, it equals Grad-CAM.
 * Same as pytorch-grad-cam's {@code HiResCAM}.
 *
 * <p>Defaults: the last 4-D layer before the global pooling, ReLU on, batch size
 * {@value CamBase#DEFAULT_BATCH_SIZE}.
 *
 * <pre>{@code
 * Explanation e = HiResCam.of(model).explain(image, 285);
 * Map2D m = e.map();                        // [h, w] at the layer's resolution
 * e.save(Path.of("hirescam.png"));
 * }</pre>
 */
public final class HiResCam extends CamBase<HiResCam> {

    private HiResCam(Model model, Settings s) {
        super(model, s);
    }

    /** @return HiResCAM for a model, with the default layer. */
    public static HiResCam of(Model model) {
        return new HiResCam(model, defaults(model, DEFAULT_BATCH_SIZE));
    }

    @Override
    protected HiResCam with(Settings s) {
        return new HiResCam(model, s);
    }

    @Override
    public String name() {
        return "HiResCAM";
    }

    @Override
    protected double[] map(Capture c) {
        int hw = c.positions();
        double[] m = new double[hw];
        for (int k = 0; k < c.channels(); k++) {
            for (int p = 0; p < hw; p++) {
                m[p] += c.g(k, p) * c.a(k, p);
            }
        }
        return m;
    }
}
