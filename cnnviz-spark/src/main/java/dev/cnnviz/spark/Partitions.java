package dev.cnnviz.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;

/** Helpers for reading a partition's rows in chunks. */
final class Partitions {
    private Partitions() {
    }

    /** Called with each chunk of rows. */
    @FunctionalInterface
    interface ChunkConsumer {
        void accept(List<Row> chunk) throws Exception;
    }

    /**
     * Hands the rows to {@code consumer} in chunks of at most {@code size}, in order.
     *
     * @throws IllegalArgumentException if {@code size < 1}
     */
    static void chunks(Iterator<Row> rows, int size, ChunkConsumer consumer) throws Exception {
        if (size < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + size);
        }
        List<Row> chunk = new ArrayList<>(size);
        while (rows.hasNext()) {
            chunk.add(rows.next());
            if (chunk.size() == size) {
                consumer.accept(chunk);
                chunk = new ArrayList<>(size);
            }
        }
        if (!chunk.isEmpty()) {
            consumer.accept(chunk);
        }
    }
}
