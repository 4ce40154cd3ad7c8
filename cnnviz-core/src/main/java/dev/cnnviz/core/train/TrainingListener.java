package dev.cnnviz.core.train;

/** Told the progress of a {@link Trainer} after every step; may stop the run. */
@FunctionalInterface
public interface TrainingListener {
    /** A listener that never stops the run. */
    TrainingListener NONE = p -> true;

    /**
     * @param progress the step just done
     * @return whether to go on; false stops the run after this step (the result says it stopped)
     */
    boolean onStep(TrainingProgress progress);
}
