package dev.cnnviz.core.embedding;

import com.github.jelmerk.knn.DistanceFunction;
import com.github.jelmerk.knn.DistanceFunctions;
import com.github.jelmerk.knn.Item;
import com.github.jelmerk.knn.SearchResult;
import com.github.jelmerk.knn.hnsw.HnswIndex;
import dev.cnnviz.core.MemoryBudget;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Approximate nearest neighbours with a hierarchical navigable small-world graph (HNSW, Malkov &amp; Yashunin 2016),
 * built with {@code com.github.jelmerk:hnswlib-core} (Apache-2.0): for sets too large for {@link ExactKnn}'s
 * {@code N x N} products. Measure its recall against the exact answer on a sample with
 * {@link Neighbours#recallAgainst}.
 *
 * <pre>{@code
 * HnswKnn index = HnswKnn.build(vectors, Metric.L2);                  // M = 16, efConstruction = 200
 * Neighbours approx = index.withEf(100).search(queries, 10);
 * double recall = approx.recallAgainst(ExactKnn.of(vectors).search(queries, 10));
 * }</pre>
 *
 * <p>Distances are float32, computed by the library ({@code ||a - b||} for L2, {@code 1 - cos} for cosine).
 */
public final class HnswKnn {
    /** Graph degree used by {@link #build(INDArray, Metric)}. */
    public static final int DEFAULT_M = 16;
    /** Candidate list size while building, used by {@link #build(INDArray, Metric)}. */
    public static final int DEFAULT_EF_CONSTRUCTION = 200;
    /** Candidate list size while searching (raised to k when k is larger). */
    public static final int DEFAULT_EF = 100;

    /** One row of the indexed matrix. */
    private record Row(Integer id, float[] vector) implements Item<Integer, float[]> {
        @Override
        public int dimensions() {
            return vector.length;
        }
    }

    private final HnswIndex<Integer, float[], Row, Float> index;
    private final Metric metric;
    private final int size;
    private final int dimension;
    private final int ef;

    private HnswKnn(HnswIndex<Integer, float[], Row, Float> index, Metric metric, int size, int dimension, int ef) {
        this.index = index;
        this.metric = metric;
        this.size = size;
        this.dimension = dimension;
        this.ef = ef;
    }

    /**
     * Builds an index with {@link #DEFAULT_M} and {@link #DEFAULT_EF_CONSTRUCTION}.
     *
     * @param data   a float {@code [N, D]} matrix (copied)
     * @param metric the distance
     * @return the index
     */
    public static HnswKnn build(INDArray data, Metric metric) {
        return build(data, metric, DEFAULT_M, DEFAULT_EF_CONSTRUCTION);
    }

    /**
     * Builds an index.
     *
     * @param data           a finite floating-point {@code [N, D]} matrix (copied), N and D at least 1
     * @param metric         the distance
     * @param m              graph degree, 2..100
     * @param efConstruction candidate list size while building, at least {@code m}, at most 10,000
     * @return the index
     * @throws IllegalArgumentException if an argument is out of range
     */
    public static HnswKnn build(INDArray data, Metric metric, int m, int efConstruction) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(metric, "metric");
        if (data.rank() != 2 || data.size(0) < 1 || data.size(1) < 1 || !data.dataType().isFPType()) {
            throw new IllegalArgumentException("HNSW needs a floating-point [N, D] matrix, found " + data.dataType()
                    + " " + Arrays.toString(data.shape()));
        }
        if (m < 2 || m > 100) {
            throw new IllegalArgumentException("m must be in 2..100, found " + m);
        }
        if (efConstruction < m || efConstruction > 10_000) {
            throw new IllegalArgumentException("efConstruction must be in " + m + "..10000, found " + efConstruction);
        }
        if (!Double.isFinite(data.sumNumber().doubleValue())) {
            throw new IllegalArgumentException("HNSW input holds NaN or infinite values");
        }
        int n = (int) data.size(0);
        int d = (int) data.size(1);
        // The vectors plus about 2m links per element at level 0.
        MemoryBudget.defaultBudget().check("an HNSW index of " + n + " vectors of " + d,
                MemoryBudget.bytesOf(1, n, 4L * d + 16L * m + 64));
        float[] host = data.castTo(DataType.FLOAT).dup('c').data().asFloat();
        DistanceFunction<float[], Float> f = metric == Metric.L2 ? DistanceFunctions.FLOAT_EUCLIDEAN_DISTANCE
                : DistanceFunctions.FLOAT_COSINE_DISTANCE;
        HnswIndex<Integer, float[], Row, Float> index = HnswIndex.newBuilder(d, f, n)
                .withM(m).withEfConstruction(efConstruction).withEf(DEFAULT_EF).build();
        for (int i = 0; i < n; i++) {
            index.add(new Row(i, Arrays.copyOfRange(host, i * d, (i + 1) * d)));
        }
        return new HnswKnn(index, metric, n, d, DEFAULT_EF);
    }

    /**
     * @param newEf the candidate list size while searching, 1..10,000 (larger: slower, higher recall)
     * @return a copy searching with it (the same graph)
     */
    public HnswKnn withEf(int newEf) {
        if (newEf < 1 || newEf > 10_000) {
            throw new IllegalArgumentException("ef must be in 1..10000, found " + newEf);
        }
        return new HnswKnn(index, metric, size, dimension, newEf);
    }

    /** @return the candidate list size while searching */
    public int ef() {
        return ef;
    }

    /** @return the distance */
    public Metric metric() {
        return metric;
    }

    /**
     * The approximate {@code k} nearest rows of each query.
     *
     * @param queries a floating-point {@code [Q, D]} matrix
     * @param k       neighbours per query, {@code 1..N}
     * @return the neighbours, nearest first
     * @throws IllegalArgumentException if {@code k} or the width is wrong
     */
    public Neighbours search(INDArray queries, int k) {
        Objects.requireNonNull(queries, "queries");
        if (queries.rank() != 2 || queries.size(1) != dimension) {
            throw new IllegalArgumentException("queries must be [Q, " + dimension + "], found "
                    + Arrays.toString(queries.shape()));
        }
        if (k < 1 || k > size) {
            throw new IllegalArgumentException("k must be in 1.." + size + ", found " + k);
        }
        int q = (int) queries.size(0);
        float[] host = queries.castTo(DataType.FLOAT).dup('c').data().asFloat();
        int[][] idx = new int[q][];
        float[][] dist = new float[q][];
        synchronized (index) {
            index.setEf(Math.max(ef, k));
            for (int i = 0; i < q; i++) {
                List<SearchResult<Row, Float>> r = index.findNearest(
                        Arrays.copyOfRange(host, i * dimension, (i + 1) * dimension), k);
                idx[i] = new int[r.size()];
                dist[i] = new float[r.size()];
                for (int j = 0; j < r.size(); j++) {
                    idx[i][j] = r.get(j).item().id();
                    dist[i][j] = r.get(j).distance();
                }
            }
        }
        return new Neighbours(metric, idx, dist);
    }
}
