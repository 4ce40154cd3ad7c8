package dev.cnnviz.spark;

import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * One Spark partition of an {@link ImageTable} as a cnnviz {@link Dataset}, so that the single-JVM scans
 * ({@code MaxActivatingPatches}, {@code Embeddings}) run on it unchanged. Its batches carry the rows' own (global)
 * indices, ids and labels, so that results name the images as the whole table does; {@link #select} takes those
 * global indices. Rows are kept encoded and decoded per batch.
 */
public final class PartitionDataset implements Dataset {
    private final List<Row> rows;
    private final Map<Integer, Integer> position = new HashMap<>();
    private final String name;

    /**
     * @param rows the partition's rows ({@link ImageTable#SCHEMA}), consumed now
     * @param name a description for messages
     * @throws IllegalArgumentException if two rows have the same index
     */
    public PartitionDataset(Iterator<Row> rows, String name) {
        this.rows = new ArrayList<>();
        this.name = name;
        while (rows.hasNext()) {
            Row r = rows.next();
            Integer prev = position.put(ImageTable.index(r), this.rows.size());
            if (prev != null) {
                throw new IllegalArgumentException(name + ": index " + r.getLong(0) + " appears twice (ids "
                        + this.rows.get(prev).getString(1) + " and " + r.getString(1) + ")");
            }
            this.rows.add(r);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return rows.size();
    }

    /** @return no class names: labels are carried by the rows */
    @Override
    public List<String> classes() {
        return List.of();
    }

    @Override
    public Batch read(int from, int to) throws IOException {
        if (from < 0 || to < from || to > rows.size()) {
            throw new IllegalArgumentException("range " + from + ".." + to + " is outside 0.." + rows.size() + " of " + name);
        }
        return ImageTable.decode(rows.subList(from, to));
    }

    /**
     * @param indices global indices (the rows' {@code index} values), in the order wanted
     * @return those rows' batch
     * @throws IllegalArgumentException if an index is not in this partition
     */
    @Override
    public Batch select(int... indices) throws IOException {
        List<Row> picked = new ArrayList<>(indices.length);
        for (int i : indices) {
            Integer p = position.get(i);
            if (p == null) {
                throw new IllegalArgumentException("image index " + i + " is not in " + name);
            }
            picked.add(rows.get(p));
        }
        return ImageTable.decode(picked);
    }
}
