package dev.cnnviz.core.attribution;

import dev.cnnviz.core.Model;

/**
 * Deconvnet visualisation (Zeiler &amp; Fergus 2014, "Visualizing and Understanding Convolutional
 * Networks"), as a modified backward pass.
 *
 * <p>The gradient {@code ∂S/∂x} computed with every ReLU's backward replaced by
 * {@link ReluRules#DECONVNET}: {@code dx = max(dy, 0)} whatever the forward input (the "unpooling + ReLU
 * on the way back" of the paper; max-pooling switches are the exact max-pool gradient). Every other
 * operator uses its exact gradient (clipped and leaky ReLUs included; see {@link ReluRules}).
 * <ul>
 *   <li>raw attribution: the signed deconvnet signal, shape {@code [C, H, W]} (as Captum's
 *       {@code Deconvolution});</li>
 *   <li>map: {@code M[h,w] = max_c |raw[c,h,w]|}; non-negative, so {@code signed()} is false.</li>
 * </ul>
 * Default batch size {@value GradientAttribution#DEFAULT_BATCH_SIZE}; one forward and one backward pass per
 * batch.
 *
 * <pre>{@code
 * Deconvnet deconv = Deconvnet.of(model);
 * Explanation e = deconv.explain(image, Target.neuron("conv5", 17, 6, 6));
 * e.save(Path.of("deconvnet.png"));
 * }</pre>
 */
public final class Deconvnet extends ModifiedGradient {

    private Deconvnet(Model model, int batchSize) {
        super(model, batchSize, ReluRules.deconvnet());
    }

    /** @return deconvnet for a model (batch size 32). */
    public static Deconvnet of(Model model) {
        return new Deconvnet(model, DEFAULT_BATCH_SIZE);
    }

    /** @return a copy that puts {@code n} examples into one forward/backward pass (at least 1). */
    public Deconvnet withBatchSize(int n) {
        return new Deconvnet(model, n);
    }

    @Override
    public String name() {
        return "Deconvnet";
    }
}
