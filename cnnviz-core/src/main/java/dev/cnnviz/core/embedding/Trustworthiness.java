package dev.cnnviz.core.embedding;

import dev.cnnviz.core.MemoryBudget;
import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How well a low-dimensional layout keeps the neighbourhoods of the original space (Venna &amp; Kaski 2001), as
 * scikit-learn's {@code sklearn.manifold.trustworthiness}:
 * <pre>   T(k) = 1 - 2 / (n k (2n - 3k - 1)) · Σᵢ Σ_{j ∈ Uᵢ(k)} (r(i, j) - k)</pre>
 * where {@code Uᵢ(k)} are the {@code k} nearest neighbours of {@code i} in the layout that are not among its
 * {@code k} nearest in the original space, and {@code r(i, j)} is the rank of {@code j} among {@code i}'s neighbours
 * in the original space (1 = nearest). 1 is perfect; a random layout scores about 0.5. Euclidean distances in both
 * spaces; O(n² log n) time, O(n) memory beyond the inputs.
 */
public final class Trustworthiness {
    private Trustworthiness() {
    }

    /**
     * @param original the original points, a floating-point {@code [n, D]} matrix
     * @param layout   their layout, {@code [n][d]}
     * @param k        the neighbourhood size, {@code 1 <= k < n / 2}
     * @return the trustworthiness in {@code [0, 1]}
     * @throws IllegalArgumentException if the counts differ or {@code k} is out of range
     */
    public static double of(INDArray original, double[][] layout, int k) {
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(layout, "layout");
        int n = layout.length;
        if (original.rank() != 2 || original.size(0) != n) {
            throw new IllegalArgumentException("expected " + n + " original points, found "
                    + Arrays.toString(original.shape()));
        }
        if (k < 1 || k >= n / 2.0) {
            throw new IllegalArgumentException("k must be in 1.." + ((n - 1) / 2) + " for " + n + " points, found " + k);
        }
        int d = (int) original.size(1);
        MemoryBudget.defaultBudget().check("a host copy of " + n + " x " + d + " points", MemoryBudget.bytesOf(4, n, d));
        float[] x = original.castTo(DataType.FLOAT).dup('c').data().asFloat();
        double[] dist = new double[n];
        Integer[] order = new Integer[n];
        int[] rank = new int[n];
        double penalty = 0;
        TopK low = new TopK(k);
        int[] lowIdx = new int[k];
        double[] lowVal = new double[k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int t = 0; t < d; t++) {
                    double diff = (double) x[i * d + t] - x[j * d + t];
                    s += diff * diff;
                }
                dist[j] = s;
                order[j] = j;
            }
            final int self = i;
            Arrays.sort(order, (a, b) -> a == self ? -1 : b == self ? 1
                    : dist[a] != dist[b] ? Double.compare(dist[a], dist[b]) : Integer.compare(a, b));
            for (int r = 0; r < n; r++) {
                rank[order[r]] = r; // self has rank 0, the nearest other point rank 1
            }
            low.clear();
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                double s = 0;
                for (int t = 0; t < layout[i].length; t++) {
                    double diff = layout[i][t] - layout[j][t];
                    s += diff * diff;
                }
                low.offer(s, j);
            }
            low.drainSorted(lowIdx, lowVal);
            for (int j : lowIdx) {
                if (rank[j] > k) {
                    penalty += rank[j] - k;
                }
            }
        }
        return 1 - 2.0 / ((double) n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty;
    }
}
