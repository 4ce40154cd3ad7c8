package dev.cnnviz.core.optim;

import dev.cnnviz.api.NonFiniteResultException;
import java.util.Arrays;

/** Argument checks, checked evaluation and the loop shared by the first-order optimizers of this package. */
final class Runs {
    private Runs() {
    }

    /** One first-order update, applied in place: x receives the point after step {@code step} (1-based). */
    @FunctionalInterface
    interface StepRule {
        /**
         * @return true if the rule checked, in its own pass, that every coordinate of the new x is finite (then
         *         {@link #firstOrder} does not check again); false to have it checked
         */
        boolean apply(double[] x, double[] gradient, int step);
    }

    /** Throws {@link IllegalArgumentException} naming the first bad argument of {@link Optimizer#minimize}. */
    static void checkArguments(String who, DifferentiableFunction f, double[] x, int steps, StepListener listener) {
        if (f == null) {
            throw new IllegalArgumentException(who + ": the function to minimize must not be null");
        }
        if (x == null) {
            throw new IllegalArgumentException(who + ": the starting point x must not be null");
        }
        if (x.length == 0) {
            throw new IllegalArgumentException(who + ": the starting point x must have at least one coordinate, found 0");
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw new IllegalArgumentException(who + ": the starting point must be finite, found x[" + i + "] = "
                        + x[i]);
            }
        }
        if (steps < 0) {
            throw new IllegalArgumentException(who + ": steps must be >= 0, found " + steps);
        }
        if (listener == null) {
            throw new IllegalArgumentException(who + ": the listener must not be null (use StepListener.NONE)");
        }
    }

    /** @return {@code lr} if it is finite and {@code > 0}; throws {@link IllegalArgumentException} naming it otherwise. */
    static double checkLearningRate(String who, double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(who + ": the learning rate must be a finite number > 0, found " + lr);
        }
        return lr;
    }

    /**
     * Evaluates f at x into g and checks the value and the gradient.
     *
     * @param step  the step the point belongs to, for messages
     * @param after true: the point after {@code step} (0: the starting point); false: the point before it
     * @throws NonFiniteResultException if the value or a gradient coordinate is NaN or infinite
     */
    static double evaluate(String who, DifferentiableFunction f, double[] x, double[] g, int step, boolean after) {
        double value = f.evaluate(x, g);
        if (!Double.isFinite(value)) {
            throw new NonFiniteResultException(who + ": the function value " + where(step, after) + " is " + value
                    + " (the optimizer needs finite values)");
        }
        if (f.checksGradient()) {
            return value;
        }
        for (double e : g) {
            if (!Double.isFinite(e)) {
                NonFiniteResultException.requireFinite(g, who + ": the gradient " + where(step, after));
            }
        }
        return value;
    }

    /** @return "before step 3", "after step 3" or "at the starting point". */
    static String where(int step, boolean after) {
        if (!after) {
            return "before step " + step;
        }
        return step == 0 ? "at the starting point" : "after step " + step;
    }

    /**
     * @throws NonFiniteResultException if the step just taken made a coordinate of x NaN or infinite (an update that
     *                                  overflowed: a learning rate or gradient far too large)
     */
    static void requireFinitePoint(String who, double[] x, int step) {
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw new NonFiniteResultException(who + ": step " + step + " made x[" + i + "] " + x[i]
                        + " (the update overflowed: the learning rate or the gradient is far too large)");
            }
        }
    }

    /**
     * The losses of a run, grown by doubling: a step budget far beyond what a run takes (a large bound for a run
     * that stops on convergence) costs no memory up front.
     */
    static final class Losses {
        private double[] values;
        private int size;

        Losses(int steps) {
            values = new double[Math.min(steps, 1024)];
        }

        void add(double loss) {
            if (size == values.length) {
                values = Arrays.copyOf(values, Math.max(16, 2 * size));
            }
            values[size++] = loss;
        }

        /** @return the losses added, in order (the trace copies them). */
        double[] values() {
            return size == values.length ? values : Arrays.copyOf(values, size);
        }
    }

    /** @return the largest absolute value of {@code v} (0 for a zero vector). */
    static double maxAbs(double[] v) {
        double m = 0;
        for (double e : v) {
            double a = Math.abs(e);
            m = a > m ? a : m;   // a compare and select (Math.max also orders -0 and NaN, which |e| never needs here)
        }
        return m;
    }

    /**
     * The loop of a first-order method: for each step, evaluate f and its gradient at x, record the value, apply
     * the rule, tell the listener; after the last step (or the listener's stop), evaluate f once more for the
     * trace's final loss. {@code steps + 1} evaluations at most.
     */
    static OptimizationTrace firstOrder(String who, DifferentiableFunction f, double[] x, int steps,
                                        StepListener listener, StepRule rule) {
        double[] g = new double[x.length];
        Losses losses = new Losses(steps);
        int taken = 0;
        boolean stopped = false;
        while (taken < steps) {
            double loss = evaluate(who, f, x, g, taken + 1, false);
            losses.add(loss);
            boolean checked = rule.apply(x, g, taken + 1);
            taken++;
            if (!checked) {
                requireFinitePoint(who, x, taken);
            }
            if (!listener.afterStep(taken, loss, x)) {
                stopped = true;
                break;
            }
        }
        double last = evaluate(who, f, x, g, taken, true);
        return new OptimizationTrace(losses.values(), taken, stopped, last);
    }
}
