package dev.cnnviz.core.embedding;

/** Told after each batch of a dataset scan how far it has got (for a progress bar). */
@FunctionalInterface
public interface ScanProgress {
    /** A listener that ignores progress. */
    ScanProgress NONE = (done, total) -> { };

    /**
     * @param done  examples processed so far
     * @param total examples in the scan
     */
    void progress(int done, int total);
}
