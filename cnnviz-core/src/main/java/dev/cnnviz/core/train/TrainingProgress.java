package dev.cnnviz.core.train;

import java.util.Map;

/**
 * What a {@link TrainingListener} is told after each step.
 *
 * @param step         the steps done, from 1
 * @param steps        the steps asked for
 * @param loss         the loss of this step's batch (the sum of the terms), before the update
 * @param terms        the loss terms by name (unmodifiable, in the objective's order)
 * @param elapsedNanos the time since the loop started
 */
public record TrainingProgress(int step, int steps, double loss, Map<String, Double> terms, long elapsedNanos) {
    /** Copies the terms. */
    public TrainingProgress {
        terms = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(terms));
    }

    /** @return the estimated time left in nanoseconds: the mean time per step so far times the steps left */
    public long etaNanos() {
        return step == 0 ? 0 : (long) ((double) elapsedNanos / step * (steps - step));
    }
}
