package dev.cnnviz.core.optim;

/**
 * A scalar function of a flat parameter vector, evaluated with its gradient in one call.
 *
 * <p>One call is one forward and one backward pass when {@code f} is a network objective: the optimizers of this
 * package never ask for the value alone. Maximize a score by minimizing its negation.
 *
 * <pre>{@code
 * // f(x) = 0.5 * |x|^2, gradient x
 * DifferentiableFunction f = (x, g) -> {
 *     double s = 0;
 *     for (int i = 0; i < x.length; i++) {
 *         g[i] = x[i];
 *         s += x[i] * x[i];
 *     }
 *     return 0.5 * s;
 * };
 * }</pre>
 */
@FunctionalInterface
public interface DifferentiableFunction {
    /**
     * @param x        the point (must not be modified)
     * @param gradient receives df/dx (same length as x; overwritten)
     * @return f(x); must be finite (implementations throw dev.cnnviz.api.NonFiniteResultException otherwise)
     */
    double evaluate(double[] x, double[] gradient);

    /**
     * Whether {@link #evaluate} itself guarantees a finite gradient (it throws
     * {@link dev.cnnviz.api.NonFiniteResultException} rather than return NaN or infinite values). The first-order
     * optimizers then skip their own pass over the gradient, which on an image-sized vector costs as much as a
     * step's other host work. Default false: the optimizers check.
     *
     * @return true only if every gradient {@code evaluate} returns is finite
     */
    default boolean checksGradient() {
        return false;
    }
}
