package dev.cnnviz.examples.tour;

/**
 * One step of a section: a technique run on the tour's model, giving one figure. A step that does not apply to the
 * model (a caller's mistake for it, such as a CAM on a network without a spatial layer) throws
 * {@link IllegalArgumentException}; the page then says so instead of the figure.
 *
 * @param technique the technique's name, for the progress bar and for the note when it does not apply
 * @param work      what computes the figure
 */
public record TourStep(String technique, Work work) {
    /** The computation of a step. */
    @FunctionalInterface
    public interface Work {
        /**
         * @return the figure (its seconds are measured by the caller)
         * @throws Exception if the technique fails
         */
        Figure run() throws Exception;
    }
}
