package dev.cnnviz.core.optim;

import dev.cnnviz.api.NonFiniteResultException;

/**
 * Adam (Kingma &amp; Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1). With {@code g} the
 * gradient at step {@code t = 1, 2, ...} and {@code m_0 = v_0 = 0}, element-wise:
 * <pre>
 * m_t = β₁ m_{t−1} + (1 − β₁) g
 * v_t = β₂ v_{t−1} + (1 − β₂) g²
 * m̂ = m_t / (1 − β₁ᵗ),   v̂ = v_t / (1 − β₂ᵗ)
 * x  ← x − lr · m̂ / (√v̂ + ε)
 * </pre>
 * This is also PyTorch's {@code torch.optim.Adam} without weight decay or AMSGrad (which computes the same
 * quantity as {@code (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)}; the two agree to rounding). TensorFlow 1's
 * {@code AdamOptimizer} differs slightly: its ε is added to {@code √v} before the bias correction (the paper's
 * "ε̂" variant). The moments are allocated once per {@link #minimize} call and start from zero: every call is a
 * fresh run.
 *
 * <p>Defaults: the paper's {@code lr = 0.001}, {@code β₁ = 0.9}, {@code β₂ = 0.999}, {@code ε = 1e-8} (also
 * PyTorch's). Feature visualization usually wants a larger rate: Lucid's {@code render_vis} uses Adam with
 * {@code lr = 0.05} on its decorrelated, sigmoid-squashed image parameterization. Since the first steps of Adam
 * move every coordinate by about {@code lr} (the ratio {@code m̂ / √v̂} is about ±1), choose lr in the units of x.
 * {@code β₁^t} and {@code β₂^t} are computed with {@link StrictMath#pow}, so runs are bit-reproducible across JVMs.
 *
 * <pre>{@code
 * Optimizer lucidLike = Adam.create().withLearningRate(0.05);
 * OptimizationTrace t = lucidLike.minimize(negatedObjective, params, 512, StepListener.NONE);
 * }</pre>
 */
public final class Adam implements Optimizer {
    /** The default learning rate, the paper's: 0.001. */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    /** The default decay of the first moment, the paper's: 0.9. */
    public static final double DEFAULT_BETA1 = 0.9;
    /** The default decay of the second moment, the paper's: 0.999. */
    public static final double DEFAULT_BETA2 = 0.999;
    /** The default ε, the paper's: 1e-8. */
    public static final double DEFAULT_EPSILON = 1e-8;

    private static final String NAME = "Adam";

    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;

    private Adam(double learningRate, double beta1, double beta2, double epsilon) {
        this.learningRate = Runs.checkLearningRate(NAME, learningRate);
        this.beta1 = checkBeta("beta1", beta1);
        this.beta2 = checkBeta("beta2", beta2);
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException(NAME + ": epsilon must be a finite number > 0, found " + epsilon);
        }
        this.epsilon = epsilon;
    }

    private static double checkBeta(String which, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException(NAME + ": " + which + " must be in [0, 1), found " + beta);
        }
        return beta;
    }

    /** @return Adam with the paper's defaults: lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-8. */
    public static Adam create() {
        return new Adam(DEFAULT_LEARNING_RATE, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON);
    }

    /** @return a copy with another learning rate (finite, {@code > 0}). */
    public Adam withLearningRate(double newLearningRate) {
        return new Adam(newLearningRate, beta1, beta2, epsilon);
    }

    /** @return a copy with other moment decays, each in {@code [0, 1)}. */
    public Adam withBetas(double newBeta1, double newBeta2) {
        return new Adam(learningRate, newBeta1, newBeta2, epsilon);
    }

    /** @return a copy with another ε (finite, {@code > 0}). */
    public Adam withEpsilon(double newEpsilon) {
        return new Adam(learningRate, beta1, beta2, newEpsilon);
    }

    /** @return the learning rate. */
    public double learningRate() {
        return learningRate;
    }

    /** @return the decay of the first moment, β₁. */
    public double beta1() {
        return beta1;
    }

    /** @return the decay of the second moment, β₂. */
    public double beta2() {
        return beta2;
    }

    /** @return ε, added to √v̂. */
    public double epsilon() {
        return epsilon;
    }

    @Override
    public OptimizationTrace minimize(DifferentiableFunction f, double[] x, int steps, StepListener listener) {
        Runs.checkArguments(NAME, f, x, steps, listener);
        double[] m = new double[x.length];
        double[] v = new double[x.length];
        double lr = learningRate;
        double b1 = beta1;
        double b2 = beta2;
        double eps = epsilon;
        return Runs.firstOrder(NAME, f, x, steps, listener, (p, g, t) -> {
            double c1 = biasCorrection(b1, t);
            double c2 = biasCorrection(b2, t);
            for (int i = 0; i < p.length; i++) {
                double gi = g[i];
                m[i] = moment(b1, m[i], gi);
                v[i] = moment(b2, v[i], gi * gi);
                if (v[i] == Double.POSITIVE_INFINITY) {
                    throw new NonFiniteResultException(NAME + ": the second moment of x[" + i + "] overflowed at step "
                            + t + " (gradient " + gi + "; its square exceeds the largest double)");
                }
                p[i] -= step(lr, eps, m[i], v[i], c1, c2);
            }
            return false;
        });
    }

    /**
     * The bias correction of step {@code t}, {@code 1 − βᵗ}, with {@link StrictMath#pow} (bit-reproducible across
     * JVMs). The update rule's three pieces ({@code biasCorrection}, {@link #moment}, {@link #step}) are the one
     * definition of Adam's arithmetic in cnnviz: {@link #minimize} and the trainer's per-parameter Adam
     * ({@code dev.cnnviz.core.train.ParameterAdam}) both compute with them, so they agree bit for bit in float64.
     *
     * @param beta β₁ or β₂
     * @param t    the step, from 1
     * @return {@code 1 − βᵗ}
     */
    public static double biasCorrection(double beta, long t) {
        return 1 - StrictMath.pow(beta, t);
    }

    /**
     * A moment's update: {@code β · previous + (1 − β) · value}, with {@code value} the gradient for the first moment
     * and its square for the second.
     *
     * @param beta     β₁ or β₂
     * @param previous {@code m_{t−1}} or {@code v_{t−1}}
     * @param value    {@code g} or {@code g²}
     * @return {@code m_t} or {@code v_t}
     */
    public static double moment(double beta, double previous, double value) {
        return beta * previous + (1 - beta) * value;
    }

    /**
     * The amount subtracted from a coordinate: {@code lr · m̂ / (√v̂ + ε)} with {@code m̂ = m / c₁} and
     * {@code v̂ = v / c₂}, evaluated in that order.
     *
     * @param learningRate lr
     * @param epsilon      ε
     * @param m            the first moment {@code m_t}
     * @param v            the second moment {@code v_t}
     * @param c1           {@link #biasCorrection} of β₁ at this step
     * @param c2           {@link #biasCorrection} of β₂ at this step
     * @return the step
     */
    public static double step(double learningRate, double epsilon, double m, double v, double c1, double c2) {
        return learningRate * (m / c1) / (Math.sqrt(v / c2) + epsilon);
    }

    /** Equal when every option is. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Adam a
                && Double.compare(learningRate, a.learningRate) == 0
                && Double.compare(beta1, a.beta1) == 0
                && Double.compare(beta2, a.beta2) == 0
                && Double.compare(epsilon, a.epsilon) == 0;
    }

    /** @return a hash consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        int h = Double.hashCode(learningRate);
        h = 31 * h + Double.hashCode(beta1);
        h = 31 * h + Double.hashCode(beta2);
        return 31 * h + Double.hashCode(epsilon);
    }

    /** @return e.g. {@code Adam[learningRate=0.001, beta1=0.9, beta2=0.999, epsilon=1.0E-8]}. */
    @Override
    public String toString() {
        return NAME + "[learningRate=" + learningRate + ", beta1=" + beta1 + ", beta2=" + beta2 + ", epsilon="
                + epsilon + "]";
    }
}
