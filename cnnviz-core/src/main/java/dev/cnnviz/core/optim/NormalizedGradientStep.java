package dev.cnnviz.core.optim;

/**
 * Gradient steps of a fixed size: the gradient is divided by a norm of itself, so that every step moves x by the
 * same amount whatever the scale of f. The two updates of feature visualization that predate Adam:
 * <ul>
 *   <li>{@link Norm#L2}: {@code x ← x − lr · g / ‖g‖₂}; the step's L2 norm is {@code lr}. The class-visualization
 *   update of Simonyan, Vedaldi &amp; Zisserman (2014, "Deep Inside Convolutional Networks") as written in Stanford
 *   CS231n's assignment 3 ({@code dX = learning_rate * g / ‖g‖₂}, ascending a class score; here f is minimized,
 *   so pass the negated score).</li>
 *   <li>{@link Norm#L1_MEAN}: {@code x ← x − lr · g / mean|g|}; the step's mean absolute value is {@code lr}.
 *   DeepDream's update (Mordvintsev, Olah &amp; Tyka 2015, "Inceptionism"; the original notebook's
 *   {@code src.data[:] += step_size / np.abs(g).mean() * g}).</li>
 * </ul>
 *
 * <p>Defaults. The step size is in the units of x, so no value suits every input; the defaults are these:
 * <ul>
 *   <li>L2: 1.0, a scale-free choice. The step spreads over all n coordinates (root-mean-square {@code lr/√n} per
 *   coordinate), so a useful rate grows with the image: CS231n uses 25 on 3×224×224 inputs normalized with the
 *   ImageNet mean and standard deviation (n = 150,528, about 0.064 per coordinate).</li>
 *   <li>L1_MEAN: 0.01, for inputs spanning about [−1, 1]. The DeepDream notebook uses {@code step_size = 1.5} on
 *   Caffe pixel values (0..255 less the mean), that is 1.5/255 of the value range per step, or 0.0118 on [−1, 1];
 *   TensorFlow's DeepDream tutorial uses 0.01 on [−1, 1] (it divides by the gradient's standard deviation rather
 *   than its mean absolute value). Scale it with the input: about {@code 1.5 · range / 255}; 1.5 for 0..255 pixels.</li>
 * </ul>
 *
 * <p>A zero gradient takes no step (the point is stationary, or the function's gradient vanished there); nothing
 * is divided by zero and no NaN appears. No epsilon is added to the norm (the tutorials add {@code 1e-8} only to
 * avoid 0/0), so every other step has exactly the stated size, up to rounding. The norms are computed scaled by
 * the largest absolute coordinate, so they neither overflow nor underflow for any finite gradient.
 *
 * <pre>{@code
 * // DeepDream-like ascent on a layer's activation norm, 0..255 pixels:
 * Optimizer dream = NormalizedGradientStep.l1Mean().withLearningRate(1.5);
 * dream.minimize(negatedObjective, pixels, 10, StepListener.NONE);
 *
 * // class visualization, CS231n's setting for 3x224x224 normalized inputs:
 * Optimizer classVis = NormalizedGradientStep.l2().withLearningRate(25);
 * }</pre>
 */
public final class NormalizedGradientStep implements Optimizer {
    /** The norm the gradient is divided by. */
    public enum Norm {
        /** The Euclidean norm {@code ‖g‖₂}: every step has L2 norm {@code lr}. Default learning rate 1.0. */
        L2(1.0),
        /** The mean absolute value {@code (1/n) Σ|g_i|}: every step moves coordinates by {@code lr} on average. Default 0.01. */
        L1_MEAN(0.01);

        private final double defaultLearningRate;

        Norm(double defaultLearningRate) {
            this.defaultLearningRate = defaultLearningRate;
        }

        /** @return this norm's default learning rate (see the class documentation for why). */
        public double defaultLearningRate() {
            return defaultLearningRate;
        }
    }

    private final Norm norm;
    private final double learningRate;

    private NormalizedGradientStep(Norm norm, double learningRate) {
        if (norm == null) {
            throw new IllegalArgumentException("NormalizedGradientStep: the norm must not be null (L2 or L1_MEAN)");
        }
        this.norm = norm;
        this.learningRate = Runs.checkLearningRate(name(norm), learningRate);
    }

    /** @return steps normalized by {@code norm}, with its default learning rate. */
    public static NormalizedGradientStep of(Norm norm) {
        return new NormalizedGradientStep(norm, norm == null ? 1.0 : norm.defaultLearningRate());
    }

    /** @return the L2-normalized step (class visualization), learning rate 1.0. */
    public static NormalizedGradientStep l2() {
        return of(Norm.L2);
    }

    /** @return the mean-absolute-value-normalized step (DeepDream), learning rate 0.01. */
    public static NormalizedGradientStep l1Mean() {
        return of(Norm.L1_MEAN);
    }

    /** @return a copy with another learning rate: the step size, finite and {@code > 0}. */
    public NormalizedGradientStep withLearningRate(double newLearningRate) {
        return new NormalizedGradientStep(norm, newLearningRate);
    }

    /** @return a copy normalizing by another norm, keeping this learning rate. */
    public NormalizedGradientStep withNorm(Norm newNorm) {
        return new NormalizedGradientStep(newNorm, learningRate);
    }

    /** @return the norm the gradient is divided by. */
    public Norm norm() {
        return norm;
    }

    /** @return the learning rate (the size of every step, in the sense of the norm). */
    public double learningRate() {
        return learningRate;
    }

    @Override
    public OptimizationTrace minimize(DifferentiableFunction f, double[] x, int steps, StepListener listener) {
        String who = name(norm);
        Runs.checkArguments(who, f, x, steps, listener);
        double lr = learningRate;
        boolean l2 = norm == Norm.L2;
        return Runs.firstOrder(who, f, x, steps, listener, (p, g, step) -> {
            // One pass for the usual case: Σ g² (or Σ |g|) and the largest |g| together. Only if that sum overflowed or
            // lost its precision to underflow is it taken again on g / max|g|, where it lies in [1, n].
            double sum = 0;
            double scale = 0;
            for (double e : g) {
                double a = Math.abs(e);
                sum += l2 ? a * a : a;
                scale = a > scale ? a : scale;
            }
            if (scale == 0) {
                return false;   // zero gradient: no step (x is as it was, and checked as usual)
            }
            double factor;   // lr / ‖g‖
            if (Double.isFinite(sum) && sum >= 0x1p-900) {
                factor = lr / (l2 ? Math.sqrt(sum) : sum / g.length);
            } else {
                double inverse = 1 / scale;
                double scaled = 0;
                for (double e : g) {
                    double u = Math.abs(e) * inverse;
                    scaled += l2 ? u * u : u;
                }
                // the norm of g / scale, in [1/n, n]: dividing by it, then by scale, neither overflows nor underflows
                factor = lr / (l2 ? Math.sqrt(scaled) : scaled / g.length) / scale;
            }
            // the update checks its own results (an integer OR over the magnitude bits, negative iff one of them is NaN
            // or infinite) in the same pass, instead of a second pass over x
            long bad = 0;
            for (int i = 0; i < p.length; i++) {
                double v = p[i] - factor * g[i];
                p[i] = v;
                bad |= 0x7fefffffffffffffL - (Double.doubleToRawLongBits(v) & 0x7fffffffffffffffL);
            }
            return bad >= 0;
        });
    }

    private static String name(Norm norm) {
        return "NormalizedGradientStep(" + norm + ")";
    }

    /** Equal when the norms and the learning rates are. */
    @Override
    public boolean equals(Object o) {
        return o instanceof NormalizedGradientStep s && norm == s.norm
                && Double.compare(learningRate, s.learningRate) == 0;
    }

    /** @return a hash consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return 31 * norm.ordinal() + Double.hashCode(learningRate);
    }

    /** @return e.g. {@code NormalizedGradientStep[norm=L1_MEAN, learningRate=0.01]}. */
    @Override
    public String toString() {
        return "NormalizedGradientStep[norm=" + norm + ", learningRate=" + learningRate + "]";
    }
}
