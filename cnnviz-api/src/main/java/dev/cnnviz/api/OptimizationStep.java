package dev.cnnviz.api;

import java.awt.image.BufferedImage;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One step of an image optimization (class or neuron visualization, feature inversion, DeepDream, style transfer,
 * attacks), as a {@link ProgressListener} sees it and as a {@link Synthesis} keeps it in its history.
 *
 * <p>{@code loss} is the quantity the optimizer <b>minimizes</b> at the point the step started from (for gradient
 * ascent on an objective {@code J}, {@code loss = −J} plus the penalties); {@code terms} are its weighted parts by
 * name, in the order the method defines them, summing to {@code loss}.
 *
 * <pre>{@code
 * ProgressListener print = s -> { System.err.printf("%d/%d %.3f %s%n", s.step(), s.steps(), s.loss(), s.terms()); return true; };
 * }</pre>
 *
 * @param step     the 1-based step (0 for the evaluation of the starting point, e.g. {@code --steps 0})
 * @param steps    the number of steps the run was asked for (over all octaves or scales)
 * @param loss     the loss minimized, before the step
 * @param terms    the loss's weighted parts by name (unmodifiable, insertion-ordered)
 * @param snapshot the current image, on the steps where the run takes a snapshot (see the method's
 *                 {@code withSnapshotEvery}); empty otherwise. Not part of {@link #equals}.
 */
public record OptimizationStep(int step, int steps, double loss, Map<String, Double> terms, Optional<BufferedImage> snapshot) {

    /** Validates and copies. */
    public OptimizationStep {
        if (step < 0 || steps < 0) {
            throw new IllegalArgumentException("step and steps must be >= 0, got step " + step + " of " + steps);
        }
        terms = terms == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(terms));
        snapshot = snapshot == null ? Optional.empty() : snapshot;
    }

    /** A step without a snapshot. */
    public OptimizationStep(int step, int steps, double loss, Map<String, Double> terms) {
        this(step, steps, loss, terms, Optional.empty());
    }

    /** @return this step without its snapshot image (what a {@link Synthesis}' history keeps). */
    public OptimizationStep withoutSnapshot() {
        return snapshot.isEmpty() ? this : new OptimizationStep(step, steps, loss, terms, Optional.empty());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptimizationStep s && s.step == step && s.steps == steps
                && Double.compare(s.loss, loss) == 0 && s.terms.equals(terms);
    }

    @Override
    public int hashCode() {
        return ((step * 31 + steps) * 31 + Double.hashCode(loss)) * 31 + terms.hashCode();
    }

    @Override
    public String toString() {
        return "step " + step + "/" + steps + " loss " + loss + " " + terms + (snapshot.isPresent() ? " (snapshot)" : "");
    }
}
