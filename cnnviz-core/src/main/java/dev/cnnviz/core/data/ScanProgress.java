package dev.cnnviz.core.data;

/**
 * Told after each batch of a dataset scan how far it has got (for a progress bar): the one listener of every scan
 * over a {@link Dataset} ({@code Embeddings.compute}, {@code MaxActivatingPatches.scan}).
 *
 * <pre>{@code
 * EmbeddingSet e = Embeddings.of(model).compute(dataset, (done, total) -> System.err.printf("%d/%d%n", done, total));
 * }</pre>
 */
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
