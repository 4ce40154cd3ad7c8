package dev.cnnviz.core.train;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.graph.Parameters;
import dev.cnnviz.core.optim.Adam;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam's state for a set of named parameter arrays: the first and second moments of each, updated in place on the
 * ND4J arrays. The maths are {@link Adam}'s (Kingma &amp; Ba 2015, Algorithm 1; PyTorch's {@code torch.optim.Adam}
 * without weight decay), element-wise per parameter, with the options of an {@link Adam} value:
 * <pre>
 * m ← β₁ m + (1 − β₁) g        v ← β₂ v + (1 − β₂) g²
 * p ← p − (lr / (1 − β₁ᵗ)) · m / (√(v / (1 − β₂ᵗ)) + ε)
 * </pre>
 * The moments are allocated at the first step of each parameter (its shape and data type) and start from zero.
 * Not thread-safe: one training loop owns one instance.
 *
 * <pre>{@code
 * ParameterAdam adam = ParameterAdam.of(Adam.create().withLearningRate(1e-3));
 * adam.step(Map.of("conv1_w", w), Map.of("conv1_w", dw));   // w changes in place
 * }</pre>
 */
public final class ParameterAdam implements AutoCloseable {
    private final Adam options;
    private final Map<String, INDArray[]> moments = new LinkedHashMap<>();
    private int t;

    private ParameterAdam(Adam options) {
        this.options = options;
    }

    /**
     * @param options the learning rate, β₁, β₂ and ε
     * @return a fresh state (step 0)
     * @throws IllegalArgumentException if options is null
     */
    public static ParameterAdam of(Adam options) {
        if (options == null) {
            throw new IllegalArgumentException("ParameterAdam needs Adam options, found null");
        }
        return new ParameterAdam(options);
    }

    /** @return the options */
    public Adam options() {
        return options;
    }

    /** @return the number of steps taken */
    public int steps() {
        return t;
    }

    /**
     * Takes one Adam step: every parameter moves against its gradient, in place.
     *
     * @param parameters the arrays to update, by name (the same arrays at every step)
     * @param gradients  a gradient per parameter, same shape; a parameter without one is left as it is
     * @throws IllegalArgumentException if a gradient's shape differs from its parameter's (naming both)
     * @throws NonFiniteResultException if a gradient holds NaN or infinity (naming the parameter and step); nothing
     *                                  is updated then
     */
    public void step(Map<String, INDArray> parameters, Map<String, INDArray> gradients) {
        check(parameters, gradients);
        t++;
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            update(e.getKey(), e.getValue(), gradients.get(e.getKey()));
        }
    }

    /**
     * Takes one Adam step on a graph's {@link Parameters}, through {@link Parameters#forEach} (so that graphs bound to
     * them, and their compiled plans, see the new values).
     *
     * @param parameters the parameters
     * @param gradients  a gradient per parameter name; a parameter without one is left as it is
     * @throws IllegalArgumentException as {@link #step(Map, Map)}
     * @throws NonFiniteResultException as {@link #step(Map, Map)}
     */
    public void step(Parameters parameters, Map<String, INDArray> gradients) {
        Map<String, INDArray> live = new LinkedHashMap<>();
        for (String n : parameters.names()) {
            live.put(n, parameters.get(n));
        }
        check(live, gradients);
        t++;
        parameters.forEach((name, p) -> update(name, p, gradients.get(name)));
    }

    private void check(Map<String, INDArray> parameters, Map<String, INDArray> gradients) {
        int step = t + 1;
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            INDArray g = gradients.get(e.getKey());
            if (g == null) {
                continue;
            }
            if (!Arrays.equals(g.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("the gradient of parameter '" + e.getKey() + "' has shape "
                        + Arrays.toString(g.shape()) + ", the parameter " + Arrays.toString(e.getValue().shape()));
            }
            if (!Double.isFinite(g.sumNumber().doubleValue()) || !Double.isFinite(g.amaxNumber().doubleValue())) {
                throw new NonFiniteResultException("Adam: the gradient of parameter '" + e.getKey() + "' "
                        + Arrays.toString(g.shape()) + " is not finite at step " + step);
            }
        }
    }

    /** One parameter's update at step {@code t}. */
    private void update(String name, INDArray p, INDArray g) {
        if (g == null) {
            return;
        }
        double c1 = 1 - StrictMath.pow(options.beta1(), t);
        double c2 = 1 - StrictMath.pow(options.beta2(), t);
        double b1 = options.beta1();
        double b2 = options.beta2();
        INDArray gp = g.castTo(p.dataType());
        INDArray[] mv = moments.computeIfAbsent(name, k -> new INDArray[] {p.ulike().assign(0), p.ulike().assign(0)});
        INDArray m = mv[0];
        INDArray v = mv[1];
        m.muli(b1).addi(gp.mul(1 - b1));
        v.muli(b2).addi(gp.mul(gp).muli(1 - b2));
        try (INDArray denom = Transforms.sqrt(v.div(c2), false).addi(options.epsilon());
             INDArray change = m.div(denom).muli(options.learningRate() / c1)) {
            p.subi(change);
        }
    }

    /** Frees the moments (native memory). */
    @Override
    public void close() {
        for (INDArray[] mv : moments.values()) {
            mv[0].close();
            mv[1].close();
        }
        moments.clear();
    }
}
