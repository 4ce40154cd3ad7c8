package dev.cnnviz.core.embedding;

import java.util.Arrays;
import java.util.Objects;

/**
 * The {@code k} nearest neighbours of each query, nearest first: {@code indices()[q][j]} is a row of the searched
 * set and {@code distances()[q][j]} its distance ({@link Metric}); ties are broken by the smaller index.
 *
 * @param metric    the distance used
 * @param indices   per query, the neighbours' row indices
 * @param distances per query, their distances, non-decreasing
 */
public record Neighbours(Metric metric, int[][] indices, float[][] distances) {
    /**
     * Checks the shapes.
     *
     * @throws IllegalArgumentException if the two arrays do not have the same shape
     */
    public Neighbours {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(indices, "indices");
        Objects.requireNonNull(distances, "distances");
        if (indices.length != distances.length) {
            throw new IllegalArgumentException(indices.length + " index rows but " + distances.length
                    + " distance rows");
        }
        for (int q = 0; q < indices.length; q++) {
            if (indices[q].length != distances[q].length) {
                throw new IllegalArgumentException("query " + q + " has " + indices[q].length + " indices but "
                        + distances[q].length + " distances");
            }
        }
    }

    /** @return the number of queries */
    public int queries() {
        return indices.length;
    }

    /**
     * The fraction of these neighbours that are among the exact ones ({@code |found ∩ exact| / |exact|} summed over
     * the queries): the recall of an approximate search.
     *
     * @param exact the exact answer for the same queries and {@code k}
     * @return the recall in {@code 0..1}
     * @throws IllegalArgumentException if the query counts differ
     */
    public double recallAgainst(Neighbours exact) {
        if (exact.queries() != queries()) {
            throw new IllegalArgumentException("recall needs the same queries: " + queries() + " here, "
                    + exact.queries() + " in the exact answer");
        }
        long hit = 0;
        long total = 0;
        for (int q = 0; q < queries(); q++) {
            int[] truth = exact.indices[q].clone();
            Arrays.sort(truth);
            total += truth.length;
            for (int i : indices[q]) {
                if (Arrays.binarySearch(truth, i) >= 0) {
                    hit++;
                }
            }
        }
        return total == 0 ? 1 : (double) hit / total;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Neighbours n && n.metric == metric && Arrays.deepEquals(n.indices, indices)
                && Arrays.deepEquals(n.distances, distances);
    }

    @Override
    public int hashCode() {
        return Objects.hash(metric, Arrays.deepHashCode(indices), Arrays.deepHashCode(distances));
    }

    @Override
    public String toString() {
        return "Neighbours[" + metric + ", " + queries() + " queries, k=" + (queries() == 0 ? 0 : indices[0].length)
                + "]";
    }
}
