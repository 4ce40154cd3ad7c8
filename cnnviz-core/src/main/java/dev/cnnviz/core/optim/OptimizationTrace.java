package dev.cnnviz.core.optim;

import java.util.Arrays;

/**
 * What a run of an {@link Optimizer} did: the loss before every step, how many steps it took, whether it stopped
 * before its step budget and the loss at the point it returned.
 *
 * <p>The record is immutable: the losses are copied in and out. Two traces are equal when their losses are equal
 * bit for bit (as {@link Arrays#equals(double[], double[])}) and so are the other components, which is what the
 * optimizers' determinism promises.
 *
 * <pre>{@code
 * OptimizationTrace t = Adam.create().minimize(f, x, 200, StepListener.NONE);
 * double first = t.losses()[0];           // f at the starting point
 * double last = t.finalLoss();             // f at the returned x
 * }</pre>
 *
 * @param losses       loss before each step: {@code losses[k]} is f at the point step {@code k + 1} started from
 *                     (finite values, {@code steps} of them)
 * @param steps        the steps taken ({@code >= 0}; L-BFGS: iterations)
 * @param stoppedEarly listener said stop or converged (L-BFGS's tolerances or a failed line search); false when the
 *                     run used its whole step budget
 * @param finalLoss    f at the point the run returned (finite)
 */
public record OptimizationTrace(double[] losses, int steps, boolean stoppedEarly, double finalLoss) {
    /** At most this many losses are spelled out by {@link #toString()}. */
    private static final int SHOWN = 8;

    /**
     * Checks and copies the components.
     *
     * @throws IllegalArgumentException if {@code losses} is null, {@code steps} is negative or differs from the number
     *                                  of losses, or a loss or {@code finalLoss} is NaN or infinite
     */
    public OptimizationTrace {
        if (losses == null) {
            throw new IllegalArgumentException("losses must not be null");
        }
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, found " + steps);
        }
        if (losses.length != steps) {
            throw new IllegalArgumentException("a trace holds one loss per step: found " + losses.length
                    + " losses for " + steps + " steps");
        }
        for (int i = 0; i < losses.length; i++) {
            if (!Double.isFinite(losses[i])) {
                throw new IllegalArgumentException("losses[" + i + "] must be finite, found " + losses[i]);
            }
        }
        if (!Double.isFinite(finalLoss)) {
            throw new IllegalArgumentException("finalLoss must be finite, found " + finalLoss);
        }
        losses = losses.clone();
    }

    /** @return a copy of the loss before each step. */
    @Override
    public double[] losses() {
        return losses.clone();
    }

    /** @return the loss before the first step, or {@link #finalLoss()} when no step was taken. */
    public double initialLoss() {
        return steps == 0 ? finalLoss : losses[0];
    }

    /** Equal when every component is, the losses compared bit for bit ({@link Arrays#equals(double[], double[])}). */
    @Override
    public boolean equals(Object o) {
        return o instanceof OptimizationTrace t
                && steps == t.steps
                && stoppedEarly == t.stoppedEarly
                && Double.compare(finalLoss, t.finalLoss) == 0
                && Arrays.equals(losses, t.losses);
    }

    /** @return a hash consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        int h = Arrays.hashCode(losses);
        h = 31 * h + steps;
        h = 31 * h + Boolean.hashCode(stoppedEarly);
        return 31 * h + Double.hashCode(finalLoss);
    }

    /**
     * @return e.g. {@code OptimizationTrace[steps=100, stoppedEarly=false, finalLoss=0.25, losses=[4.0, 3.1, 2.5,
     *         2.1, ..., 0.26, 0.25] (100)]}: the first and last few losses when there are more than 8
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("OptimizationTrace[steps=").append(steps)
                .append(", stoppedEarly=").append(stoppedEarly)
                .append(", finalLoss=").append(finalLoss)
                .append(", losses=");
        if (losses.length <= SHOWN) {
            b.append(Arrays.toString(losses));
        } else {
            b.append('[');
            for (int i = 0; i < SHOWN / 2; i++) {
                b.append(losses[i]).append(", ");
            }
            b.append("...");
            for (int i = losses.length - 2; i < losses.length; i++) {
                b.append(", ").append(losses[i]);
            }
            b.append("] (").append(losses.length).append(')');
        }
        return b.append(']').toString();
    }
}
