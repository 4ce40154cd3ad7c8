package dev.cnnviz.api;

/**
 * Told after every step of an image optimization; may stop it. A run that is stopped (the listener returns
 * false, or the calling thread is interrupted) returns what it has: its {@link Synthesis} holds the current image
 * and {@link Synthesis#interrupted()} is true. The listener is called on the thread that runs the optimization.
 *
 * <pre>{@code
 * Synthesis s = ClassVisualization.of(model).visualize(Target.classIndex(285),
 *         step -> step.loss() > -50);   // stop as soon as the score passes 50
 * }</pre>
 */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that never stops the run. */
    ProgressListener NONE = step -> true;

    /**
     * @param step the step just taken (with its snapshot on snapshot steps)
     * @return true to go on, false to stop now
     */
    boolean onStep(OptimizationStep step);
}
