package dev.cnnviz.core.graph;

import dev.cnnviz.core.graph.ops.OpSupport;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Lucid's redirected ReLU gradient (Olah, Mordvintsev &amp; Schubert 2017, "Feature Visualization", Distill;
 * {@code lucid.optvis.overrides.redirected_relu_grad}), for feature visualization: a unit that is off on the start
 * image (a near-uniform grey, say) passes no gradient through its ReLU, so the optimization of that unit never
 * starts. This rule lets gradient through such a ReLU, for an example whose exact gradient there is zero everywhere,
 * in the directions that raise the unit. With {@code y = max(x, 0)} and {@code dy} the gradient arriving at the
 * ReLU's output, per example {@code i} of the batch:
 * <pre>   exact_i = [y_i &gt; 0] · dy_i
 *   dx_i = exact_i                                  if exact_i has a non-zero element
 *   dx_i = [not (y_i ≤ 0 and dy_i &lt; 0)] · dy_i    otherwise</pre>
 * so the rule changes nothing once the unit fires for that example, and while it is off it never pushes an input
 * that is already off further down.
 *
 * <p><b>Sign.</b> {@code dy} is the gradient of a quantity being <em>increased</em> (the objective of
 * {@link dev.cnnviz.core.featurevis.GraphObjective}), so "further down" is {@code dy < 0}. Lucid's TensorFlow
 * code receives the gradient of the loss it minimizes ({@code −objective}) and blocks {@code grad > 0}: the same
 * rule. Lucid tests {@code x < 0}; here the test is {@code y ≤ 0}, i.e. {@code x ≤ 0}, which differs only at inputs
 * that are exactly zero. Lucent (PyTorch) does not apply it; {@code FeatureVisualization.withRedirectedRelu(false)}
 * gives that behaviour.
 *
 * <p>Both engines run it: the oneDNN plan computes the exact gradient with its own primitive and redirects on the
 * host only for the examples whose gradient there is zero (checking stops at the first non-zero value, so a live
 * unit costs a few reads).
 *
 * <pre>{@code
 * BackwardRules lucid = BackwardRules.standard().with(Relu.class, RedirectedRelu.RULE);
 * Gradients g = pass.backward(seeds, List.of(graph.inputName()), lucid);
 * }</pre>
 */
public record RedirectedRelu() implements BackwardRule {
    /** The rule (it has no settings). */
    public static final RedirectedRelu RULE = new RedirectedRelu();

    @Override
    public INDArray[] backward(Op op, INDArray[] inputs, INDArray output, INDArray dy, boolean[] wanted) {
        INDArray exact = OpSupport.maskPositive(inputs[0], dy);
        int examples = (int) Math.max(1, dy.size(0));
        float[] dx = HostArrays.floats(exact);
        redirect(FloatBuffer.wrap(HostArrays.floats(output)), FloatBuffer.wrap(HostArrays.floats(dy)), FloatBuffer.wrap(dx),
                examples);
        OpSupport.release(exact);
        return new INDArray[] {Nd4j.create(dx, dy.shape(), 'c').castTo(dy.dataType())};
    }

    /**
     * Applies the rule in place: {@code dx} holds the exact gradient {@code [y > 0] · dy} and becomes the redirected
     * one. The three buffers are laid out alike (any layout whose outermost dimension is the example, padding zero),
     * {@code examples} equal chunks from position 0.
     *
     * @return how many examples were redirected
     */
    static int redirect(FloatBuffer y, FloatBuffer dy, FloatBuffer dx, int examples) {
        int per = dx.limit() / examples;
        int redirected = 0;
        for (int e = 0; e < examples; e++) {
            int from = e * per;
            int to = from + per;
            boolean live = false;
            for (int j = from; j < to; j++) {
                if (dx.get(j) != 0f) {
                    live = true;
                    break;
                }
            }
            if (live) {
                continue;
            }
            redirected++;
            for (int j = from; j < to; j++) {
                float g = dy.get(j);
                dx.put(j, y.get(j) <= 0f && g < 0f ? 0f : g);
            }
        }
        return redirected;
    }
}
