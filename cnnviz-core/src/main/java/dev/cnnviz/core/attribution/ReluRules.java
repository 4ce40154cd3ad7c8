package dev.cnnviz.core.attribution;

import dev.cnnviz.core.graph.BackwardRule;
import dev.cnnviz.core.graph.BackwardRules;
import dev.cnnviz.core.graph.ReluGate;
import dev.cnnviz.core.graph.ops.Relu;

/**
 * The modified ReLU backward rules of the "guided" gradient methods, for reuse (guided backprop,
 * deconvnet, Guided Grad-CAM). With {@code x} the ReLU's forward input and {@code dy} the gradient arriving
 * at its output:
 * <ul>
 *   <li>plain gradient: {@code dx = [x > 0] · dy};</li>
 *   <li>{@link #GUIDED} (Springenberg et al. 2015, "Striving for Simplicity: The All Convolutional Net"):
 *       {@code dx = [x > 0] · max(dy, 0)} — only positive gradient through active units;</li>
 *   <li>{@link #DECONVNET} (Zeiler &amp; Fergus 2014, "Visualizing and Understanding Convolutional Networks"):
 *       {@code dx = max(dy, 0)} whatever the forward input.</li>
 * </ul>
 * The rules are registered for {@link Relu} only. Clipped ReLUs ({@code Clip(0, 6)}, ReLU6), leaky ReLUs
 * and other activations keep their exact gradient; this matches Captum, whose guided backprop and
 * deconvolution hook {@code torch.nn.ReLU} modules only.
 *
 * <pre>{@code
 * BackwardRules rules = ReluRules.guidedBackprop();
 * try (ForwardPass pass = graph.forward(x);
 *      Gradients g = pass.backward(seeds, List.of(graph.inputName()), rules)) { ... }
 * }</pre>
 */
public final class ReluRules {
    private ReluRules() {
    }

    /** Guided backprop's ReLU rule: {@code dx = [x > 0] · max(dy, 0)}. */
    public static final BackwardRule GUIDED = new ReluGate(true, true);

    /** The deconvnet's ReLU rule: {@code dx = max(dy, 0)}, ignoring the forward input. */
    public static final BackwardRule DECONVNET = new ReluGate(false, true);

    private static final BackwardRules GUIDED_RULES = BackwardRules.standard().with(Relu.class, GUIDED)
            .named("guided-backprop");
    private static final BackwardRules DECONVNET_RULES = BackwardRules.standard().with(Relu.class, DECONVNET)
            .named("deconvnet");

    /** @return exact gradients everywhere except {@link Relu}, which uses {@link #GUIDED}. */
    public static BackwardRules guidedBackprop() {
        return GUIDED_RULES;
    }

    /** @return exact gradients everywhere except {@link Relu}, which uses {@link #DECONVNET}. */
    public static BackwardRules deconvnet() {
        return DECONVNET_RULES;
    }
}
