package dev.cnnviz.core.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A sequence of examples (images, with optional labels and ids) that is read in batches, so that a scan over it
 * keeps only one batch in memory: an image folder ({@link ImageFolder}), IDX files such as Fashion-MNIST's
 * ({@link IdxDataset}), or a preprocessed {@code .npy} batch ({@link NpyDataset}).
 *
 * <pre>{@code
 * Dataset test = IdxDataset.fashionMnist(IdxDataset.FASHION_MNIST_DIR, IdxDataset.Split.TEST);   // 10,000
 * test.forEachBatch(256, batch -> {
 *     INDArray x = batch.toInput(model.inputSpec());
 *     ...
 * });
 * Dataset folder = ImageFolder.of(Path.of("photos"));        // class sub-folders give the labels
 * Batch few = folder.select(3, 17, 42);                      // random access, in the order asked
 * }</pre>
 *
 * <p>Implementations are safe to use from several threads (reads are serialised where the source needs it).
 * Problems with the underlying files are {@link IOException}s naming the file; bad arguments are
 * {@link IllegalArgumentException}s naming the value.
 */
public interface Dataset {

    /** Called with each batch of a scan ({@link #forEachBatch}). */
    @FunctionalInterface
    interface BatchConsumer {
        /**
         * @param batch the next batch, in dataset order
         * @throws IOException to stop the scan with an error
         */
        void accept(Batch batch) throws IOException;
    }

    /** @return a short description for messages and provenance, e.g. the folder or file */
    String name();

    /** @return the number of examples */
    int size();

    /**
     * @return the class names, indexed by label; empty if the examples carry no labels (or only unnamed ones)
     */
    List<String> classes();

    /**
     * Reads the examples {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @param from the first example, {@code 0 <= from <= to}
     * @param to   one past the last example, {@code to <= size()}
     * @return the batch (empty if {@code from == to})
     * @throws IllegalArgumentException if the range is outside {@code 0..size()}
     * @throws IOException              naming the file if an example cannot be read
     */
    Batch read(int from, int to) throws IOException;

    /**
     * Reads some examples in the order given (repetitions allowed). The default implementation reads them in
     * increasing index order, one pass, so that sequential sources are not rewound for each one.
     *
     * @param indices the examples' indices
     * @return a batch holding them in the order of {@code indices}
     * @throws IllegalArgumentException if an index is outside {@code 0..size()-1}
     * @throws IOException              naming the file if an example cannot be read
     */
    default Batch select(int... indices) throws IOException {
        Objects.requireNonNull(indices, "indices");
        int n = size();
        for (int i : indices) {
            if (i < 0 || i >= n) {
                throw new IllegalArgumentException("example index " + i + " is outside 0.." + (n - 1)
                        + " of " + name());
            }
        }
        int[] sorted = Arrays.stream(indices).distinct().sorted().toArray();
        Batch[] read = new Batch[sorted.length];
        for (int k = 0; k < sorted.length; k++) {
            read[k] = read(sorted[k], sorted[k] + 1);
        }
        return Batches.gather(read, sorted, indices);
    }

    /**
     * Scans the whole dataset in order, in batches of {@code batchSize} (the last one may be smaller).
     *
     * @param batchSize examples per batch, at least 1
     * @param consumer  told each batch
     * @throws IllegalArgumentException if {@code batchSize < 1}
     * @throws IOException              if an example cannot be read, or the consumer throws one
     */
    default void forEachBatch(int batchSize, BatchConsumer consumer) throws IOException {
        Objects.requireNonNull(consumer, "consumer");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + batchSize);
        }
        int n = size();
        for (int from = 0; from < n; from += batchSize) {
            consumer.accept(read(from, Math.min(n, from + batchSize)));
        }
    }

    /**
     * The first {@code n} examples (all of them if there are fewer).
     *
     * @param n the most examples to keep, at least 0
     * @return a view of this dataset
     * @throws IllegalArgumentException if {@code n} is negative
     */
    default Dataset limit(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("limit must be at least 0, found " + n);
        }
        return n >= size() ? this : new Batches.Limited(this, n);
    }

    /**
     * The examples of several datasets one after the other (e.g. Fashion-MNIST's 60,000 training and 10,000 test
     * images as 70,000). Ids become {@code name-of-part:id}; the parts must have the same classes.
     *
     * @param parts the datasets, at least one
     * @return the concatenation
     * @throws IllegalArgumentException if there are no parts, their classes differ, or the total exceeds
     *                                  {@link Integer#MAX_VALUE}
     */
    static Dataset concat(List<? extends Dataset> parts) {
        return new Batches.Concat(new ArrayList<>(parts));
    }
}
