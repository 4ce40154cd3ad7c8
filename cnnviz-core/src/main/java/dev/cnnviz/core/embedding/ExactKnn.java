package dev.cnnviz.core.embedding;

import dev.cnnviz.core.MemoryBudget;
import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Exact k-nearest-neighbour search by batched matrix products: for a block of queries {@code Q} and the data
 * {@code X}, {@code ||q - x||² = ||q||² - 2 q·x + ||x||²} with {@code q·x} one float32 product {@code Q Xᵀ}
 * (cosine: the same on L2-normalised rows). The {@code k + margin} best candidates of each query by that product
 * are then re-ranked by their distances computed in double precision ({@link Metric#distance}), so the answer is
 * the exact one unless float32 rounding pushes a true neighbour below {@code k + max(8, k)} others (distances
 * agree with the double-precision reference to about 1e-6 relative).
 *
 * <pre>{@code
 * ExactKnn knn = ExactKnn.of(embeddings.vectors()).withMetric(Metric.COSINE);
 * Neighbours n = knn.search(queries, 10);      // queries [Q, D]
 * Neighbours self = knn.searchSelf(5);         // each row's 5 neighbours, itself excluded
 * }</pre>
 */
public final class ExactKnn {
    private static final long BLOCK_BYTES = 64L << 20;

    private final INDArray data;
    private final float[] host;
    private final int n;
    private final int d;
    private final Metric metric;
    private final INDArray prepared;
    private final double[] norms;

    private ExactKnn(INDArray data, float[] host, Metric metric) {
        this.data = data;
        this.host = host;
        this.n = (int) data.size(0);
        this.d = (int) data.size(1);
        this.metric = metric;
        if (metric == Metric.COSINE) {
            this.prepared = normalizeRows(data, host, d);
            this.norms = null;
        } else {
            this.prepared = data;
            this.norms = squaredNorms(host, d);
        }
    }

    /**
     * An index over the rows of {@code data} (L2 metric).
     *
     * @param data a float {@code [N, D]} matrix, N and D at least 1, all values finite (not copied: do not modify it
     *             while the index is used)
     * @return the index
     * @throws IllegalArgumentException if {@code data} is not such a matrix
     */
    public static ExactKnn of(INDArray data) {
        Objects.requireNonNull(data, "data");
        checkMatrix(data, "data");
        MemoryBudget.defaultBudget().check("a host copy of " + data.size(0) + " x " + data.size(1) + " embeddings",
                MemoryBudget.bytesOf(8, data.size(0), data.size(1)));
        INDArray c = data.dataType() == DataType.FLOAT ? data : data.castTo(DataType.FLOAT);
        return new ExactKnn(c, c.dup('c').data().asFloat(), Metric.L2);
    }

    /**
     * @param newMetric the distance
     * @return a copy searching with {@code newMetric}
     */
    public ExactKnn withMetric(Metric newMetric) {
        Objects.requireNonNull(newMetric, "metric");
        return newMetric == metric ? this : new ExactKnn(data, host, newMetric);
    }

    /** @return the distance used */
    public Metric metric() {
        return metric;
    }

    /** @return the number of rows searched */
    public int size() {
        return n;
    }

    /**
     * The {@code k} nearest rows of each query.
     *
     * @param queries a float {@code [Q, D]} matrix
     * @param k       neighbours per query, {@code 1..size()}
     * @return the neighbours, nearest first
     * @throws IllegalArgumentException if {@code k} is out of range or the queries' width is not D
     */
    public Neighbours search(INDArray queries, int k) {
        Objects.requireNonNull(queries, "queries");
        checkMatrix(queries, "queries");
        if (queries.size(1) != d) {
            throw new IllegalArgumentException("queries have " + queries.size(1) + " values each, the data " + d);
        }
        checkK(k, n);
        INDArray q = queries.dataType() == DataType.FLOAT ? queries : queries.castTo(DataType.FLOAT);
        return run(q, q.dup('c').data().asFloat(), k, false);
    }

    /**
     * The {@code k} nearest other rows of every row (a k-NN graph): row {@code i} is never its own neighbour.
     *
     * @param k neighbours per row, {@code 1..size()-1}
     * @return the neighbours of rows {@code 0..size()-1}
     * @throws IllegalArgumentException if {@code k} is out of range
     */
    public Neighbours searchSelf(int k) {
        checkK(k, n - 1);
        return run(data, host, k, true);
    }

    private Neighbours run(INDArray queries, float[] queryHost, int k, boolean self) {
        int qn = (int) queries.size(0);
        int candidates = Math.min(self ? n - 1 : n, k + Math.max(8, k));
        int block = (int) Math.max(1, Math.min(Math.min(1024, qn), BLOCK_BYTES / (4L * n)));
        MemoryBudget.defaultBudget().check("a block of " + block + " x " + n + " distances",
                MemoryBudget.bytesOf(8, block, n));
        INDArray preparedQ = metric == Metric.COSINE ? normalizeRows(queries, queryHost, d) : queries;
        // The coarse ranking key, in float: cosine 1 - q·x ranks as -q·x; L2 ||q||² + ||x||² - 2 q·x ranks as
        // ||x||²/2 - q·x (the query's norm is the same for every x).
        float[] offset = new float[n];
        if (metric != Metric.COSINE) {
            for (int j = 0; j < n; j++) {
                offset[j] = (float) (norms[j] / 2);
            }
        }
        int[][] outIdx = new int[qn][k];
        float[][] outDist = new float[qn][k];
        try (INDArray products = Nd4j.createUninitialized(DataType.FLOAT, block, n)) {
            // The products are scanned where the gemm wrote them (a direct view, no copy to the heap).
            java.nio.FloatBuffer gram = new org.bytedeco.javacpp.FloatPointer(products.data().pointer())
                    .capacity((long) block * n).asBuffer();
            for (int from = 0; from < qn; from += block) {
                int rows = Math.min(qn, from + block) - from;
                INDArray out = rows == block ? products : products.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
                Nd4j.gemm(preparedQ.get(NDArrayIndex.interval(from, from + rows), NDArrayIndex.all()), prepared, out,
                        false, true, 1.0, 0.0);
                int first = from;
                // Rows are independent: scan them on the common pool (the product above already used every core).
                java.util.stream.IntStream.range(0, rows).parallel().forEach(r -> {
                    int qi = first + r;
                    selectRow(gram, r * n, offset, self ? qi : -1, candidates, k, queryHost, qi, outIdx[qi], outDist[qi]);
                });
            }
        }
        return new Neighbours(metric, outIdx, outDist);
    }

    /**
     * One query's neighbours: the {@code candidates} best by the float ranking key in a bounded heap (a float compare
     * per data row, the heap touched only by rows that beat its worst), then those re-ranked by their distances in
     * double precision.
     */
    private void selectRow(java.nio.FloatBuffer gram, int base, float[] offset, int skip, int candidates, int k, float[] queryHost,
                           int qi, int[] outIdx, float[] outDist) {
        TopK coarse = new TopK(candidates);
        float bound = Float.POSITIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            float key = offset[j] - gram.get(base + j);
            if (key < bound && j != skip) {
                coarse.offer(key, j);
                bound = (float) coarse.bound();
            }
        }
        int c = coarse.size();
        int[] candIdx = new int[c];
        double[] candVal = new double[c];
        coarse.drainSorted(candIdx, candVal);
        float[] a = Arrays.copyOfRange(queryHost, qi * d, (qi + 1) * d);
        float[] b = new float[d];
        TopK fine = new TopK(k);
        for (int t = 0; t < c; t++) {
            System.arraycopy(host, candIdx[t] * d, b, 0, d);
            fine.offer(metric.distance(a, b), candIdx[t]);
        }
        int[] idx = new int[k];
        double[] val = new double[k];
        fine.drainSorted(idx, val);
        for (int t = 0; t < k; t++) {
            outIdx[t] = idx[t];
            outDist[t] = (float) val[t];
        }
    }

    private static INDArray normalizeRows(INDArray m, float[] host, int d) {
        double[] sq = squaredNorms(host, d);
        float[] inv = new float[sq.length];
        for (int i = 0; i < sq.length; i++) {
            inv[i] = sq[i] == 0 ? 0f : (float) (1 / Math.sqrt(sq[i])); // zero rows stay zero
        }
        return m.mulColumnVector(Nd4j.createFromArray(inv).reshape(sq.length, 1));
    }

    private static double[] squaredNorms(float[] host, int d) {
        int rows = host.length / d;
        double[] out = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = i * d, end = j + d; j < end; j++) {
                s += (double) host[j] * host[j];
            }
            out[i] = s;
        }
        return out;
    }

    private static void checkMatrix(INDArray m, String what) {
        if (m.rank() != 2 || m.size(0) < 1 || m.size(1) < 1) {
            throw new IllegalArgumentException(what + " must be an [N, D] matrix with N, D >= 1, found "
                    + Arrays.toString(m.shape()));
        }
        if (!m.dataType().isFPType()) {
            throw new IllegalArgumentException(what + " must be floating point, found " + m.dataType());
        }
        if (m.size(0) > Integer.MAX_VALUE || m.size(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " is too large: " + Arrays.toString(m.shape()));
        }
        if (!Double.isFinite(m.sumNumber().doubleValue())) {
            throw new IllegalArgumentException(what + " holds NaN or infinite values");
        }
    }

    private static void checkK(int k, int max) {
        if (k < 1 || k > max) {
            throw new IllegalArgumentException("k must be in 1.." + max + ", found " + k);
        }
    }
}
