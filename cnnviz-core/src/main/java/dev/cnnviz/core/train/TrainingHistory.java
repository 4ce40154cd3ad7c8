package dev.cnnviz.core.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The record of a training run: the loss and each term per step.
 *
 * @param loss         the loss of each step done ({@code loss.length} is the number of steps done)
 * @param terms        each term's value per step, by name
 * @param stopped      whether the run ended early (stopped by its listener or by an interrupt)
 * @param elapsedNanos the wall time of the run
 */
public record TrainingHistory(double[] loss, Map<String, double[]> terms, boolean stopped, long elapsedNanos) {
    /** Copies the arrays. */
    public TrainingHistory {
        loss = loss.clone();
        Map<String, double[]> t = new LinkedHashMap<>();
        terms.forEach((k, v) -> t.put(k, v.clone()));
        terms = Collections.unmodifiableMap(t);
    }

    /** @return the number of steps done */
    public int steps() {
        return loss.length;
    }

    /** @return a copy of the losses */
    @Override
    public double[] loss() {
        return loss.clone();
    }

    /** @return the term's values per step (a copy) @throws IllegalArgumentException for an unknown term */
    public double[] term(String name) {
        double[] v = terms.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no loss term '" + name + "'; the terms are " + terms.keySet());
        }
        return v.clone();
    }
}
