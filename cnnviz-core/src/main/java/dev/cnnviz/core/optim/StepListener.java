package dev.cnnviz.core.optim;

/**
 * Told after every step; may stop the run.
 *
 * <p>A listener runs on the optimizing thread, between two steps; it may record progress, render the current
 * point or cancel the run by returning {@code false}. The run then returns at once with what it has (the trace's
 * {@code stoppedEarly} is {@code true} and {@code x} holds the point after the step just reported).
 *
 * <pre>{@code
 * StepListener everyTenth = (step, loss, x) -> {
 *     if (step % 10 == 0) {
 *         System.out.printf("step %d: loss %.4f%n", step, loss);
 *     }
 *     return !Thread.currentThread().isInterrupted();
 * };
 * }</pre>
 */
@FunctionalInterface
public interface StepListener {
    /**
     * @param step the 1-based step just taken
     * @param loss f at the point before the step (the value the step's gradient came with)
     * @param x    the current point after the step (read only)
     * @return true to go on, false to stop now (cancellation: the run returns what it has)
     */
    boolean afterStep(int step, double loss, double[] x);

    /** A listener that never stops a run and records nothing. */
    StepListener NONE = (s, l, x) -> true;
}
