package dev.cnnviz.core.optim;

/**
 * Minimizes a function in place. Maximize by minimizing -f. Implementations are immutable and thread-safe.
 *
 * <p>The implementations of this package draw no random numbers and use only IEEE arithmetic whose results Java
 * fixes ({@code +, -, *, /}, {@link Math#sqrt} and {@link StrictMath}): the same function, starting point, step
 * count and options give bit-identical points and traces on every JVM. Randomness (jitter, noise) belongs to the
 * function, seeded by its caller.
 *
 * <p>Every implementation checks its arguments ({@link IllegalArgumentException} naming the value: a null
 * function, listener or point, an empty point, a point with a NaN or infinite coordinate, {@code steps < 0}) and
 * every evaluation: a NaN or infinite value or gradient throws {@link dev.cnnviz.api.NonFiniteResultException}
 * naming the step (for a first-order method, {@code x} then holds the point that was evaluated; for
 * {@link Lbfgs}, the last accepted point).
 *
 * <pre>{@code
 * double[] x = {-1.2, 1.0};
 * OptimizationTrace t = Lbfgs.create().minimize(rosenbrock, x, 100, StepListener.NONE);
 * // x is now close to (1, 1); t.losses()[k] is f before step k + 1; t.finalLoss() is f(x)
 * }</pre>
 */
public interface Optimizer {
    /**
     * Minimizes f starting at x, updating x in place, for at most `steps` steps (L-BFGS: iterations).
     * Allocates its state once per call (no per-step allocation of x-sized arrays).
     *
     * @param f        the function to minimize
     * @param x        the starting point (finite, at least one coordinate); receives the final point
     * @param steps    the most steps to take ({@code >= 0})
     * @param listener told after every step; may stop the run ({@link StepListener#NONE} for none)
     * @return the trace: loss per step, steps taken, whether stopped by the listener, the final loss
     */
    OptimizationTrace minimize(DifferentiableFunction f, double[] x, int steps, StepListener listener);
}
