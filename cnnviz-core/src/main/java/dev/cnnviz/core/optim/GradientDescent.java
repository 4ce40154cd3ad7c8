package dev.cnnviz.core.optim;

/**
 * Plain gradient descent: {@code x ← x − lr · ∇f(x)}, one evaluation per step.
 *
 * <p>A baseline, and the update whose iterates have a closed form on a quadratic
 * {@code f(x) = ½ xᵀAx − bᵀx}: {@code x_k − x* = (I − lr·A)ᵏ (x_0 − x*)}, which converges when
 * {@code 0 < lr < 2 / λ_max(A)}. Maximizing a class score {@code S(x)} by minimizing {@code −S(x)} with it is
 * Simonyan, Vedaldi &amp; Zisserman's (2014) unnormalized gradient ascent; see {@link NormalizedGradientStep} for
 * the normalized updates used in practice.
 *
 * <p>No default learning rate: the right one depends on the scale of f and of x (PyTorch's {@code SGD} also makes
 * the caller choose). A zero gradient takes no step.
 *
 * <pre>{@code
 * OptimizationTrace t = GradientDescent.of(0.1).minimize(f, x, 100, StepListener.NONE);
 * }</pre>
 */
public final class GradientDescent implements Optimizer {
    private static final String NAME = "GradientDescent";

    private final double learningRate;

    private GradientDescent(double learningRate) {
        this.learningRate = Runs.checkLearningRate(NAME, learningRate);
    }

    /**
     * @param learningRate the step factor, finite and {@code > 0}
     * @return plain gradient descent with that learning rate
     * @throws IllegalArgumentException if the learning rate is NaN, infinite or {@code <= 0}
     */
    public static GradientDescent of(double learningRate) {
        return new GradientDescent(learningRate);
    }

    /** @return a copy with another learning rate (finite, {@code > 0}). */
    public GradientDescent withLearningRate(double newLearningRate) {
        return new GradientDescent(newLearningRate);
    }

    /** @return the learning rate. */
    public double learningRate() {
        return learningRate;
    }

    @Override
    public OptimizationTrace minimize(DifferentiableFunction f, double[] x, int steps, StepListener listener) {
        Runs.checkArguments(NAME, f, x, steps, listener);
        double lr = learningRate;
        return Runs.firstOrder(NAME, f, x, steps, listener, (p, g, step) -> {
            for (int i = 0; i < p.length; i++) {
                p[i] -= lr * g[i];
            }
            return false;
        });
    }

    /** Equal when the learning rates are. */
    @Override
    public boolean equals(Object o) {
        return o instanceof GradientDescent d && Double.compare(learningRate, d.learningRate) == 0;
    }

    /** @return a hash consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return Double.hashCode(learningRate);
    }

    /** @return e.g. {@code GradientDescent[learningRate=0.1]}. */
    @Override
    public String toString() {
        return NAME + "[learningRate=" + learningRate + "]";
    }
}
