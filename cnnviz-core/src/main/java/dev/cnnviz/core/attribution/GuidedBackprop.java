package dev.cnnviz.core.attribution;

import dev.cnnviz.core.Model;

/**
 * Guided backpropagation (Springenberg, Dosovitskiy, Brox &amp; Riedmiller 2015, "Striving for Simplicity:
 * The All Convolutional Net").
 *
 * <p>The gradient {@code ∂S/∂x} computed with every ReLU's backward replaced by
 * {@link ReluRules#GUIDED}: {@code dx = [x > 0] · max(dy, 0)}, i.e. only positive gradient flows, and only
 * through units that were active in the forward pass. Every other operator uses its exact gradient (clipped
 * and leaky ReLUs included; see {@link ReluRules}).
 * <ul>
 *   <li>raw attribution: the signed guided gradient, shape {@code [C, H, W]} (as Captum's
 *       {@code GuidedBackprop});</li>
 *   <li>map: {@code M[h,w] = max_c |raw[c,h,w]|}, the common practice for pictures; non-negative, so
 *       {@code signed()} is false.</li>
 * </ul>
 * Default batch size {@value GradientAttribution#DEFAULT_BATCH_SIZE}; one forward and one backward pass per
 * batch.
 *
 * <pre>{@code
 * GuidedBackprop guided = GuidedBackprop.of(model);
 * Explanation e = guided.explain(image, 285);
 * Tensor g = e.attribution();                             // [C, H, W], signed
 * }</pre>
 */
public final class GuidedBackprop extends ModifiedGradient {

    private GuidedBackprop(Model model, int batchSize) {
        super(model, batchSize, ReluRules.guidedBackprop());
    }

    /** @return guided backprop for a model (batch size 32). */
    public static GuidedBackprop of(Model model) {
        return new GuidedBackprop(model, DEFAULT_BATCH_SIZE);
    }

    /** @return a copy that puts {@code n} examples into one forward/backward pass (at least 1). */
    public GuidedBackprop withBatchSize(int n) {
        return new GuidedBackprop(model, n);
    }

    @Override
    public String name() {
        return "Guided Backprop";
    }
}
