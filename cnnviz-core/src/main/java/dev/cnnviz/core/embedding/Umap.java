package dev.cnnviz.core.embedding;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.MemoryBudget;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import tagbio.umap.metric.CosineMetric;
import tagbio.umap.metric.EuclideanMetric;

/**
 * UMAP (McInnes, Healy &amp; Melville 2018, "UMAP: Uniform Manifold Approximation and Projection for Dimension
 * Reduction") to two dimensions, through Tag.bio's Java port of umap-learn ({@code tagbio.umap}, MIT licence,
 * published on Maven Central as {@code tech.molecules:external-umap-java:1.0}).
 *
 * <p>The method: a fuzzy k-nearest-neighbour graph of the data (memberships {@code exp(-(d - ρ_i) / σ_i)}, with
 * {@code ρ_i} the distance to the nearest neighbour and {@code σ_i} set so that the memberships of a row sum to
 * {@code log2 k}), symmetrised by the fuzzy union {@code a + b - a·b}; then a 2-D layout whose pairwise similarities
 * {@code 1 / (1 + a·d^{2b})} ({@code a, b} fitted to {@code minDist} and spread 1) match it in cross-entropy, by
 * stochastic gradient descent with negative sampling, from a spectral initial layout. Compared with
 * {@link Tsne}, it keeps more of the global arrangement of the clusters and scales better with N.
 *
 * <p>Defaults are umap-learn's: 15 neighbours, {@code minDist} 0.1, Euclidean distances, the library's automatic
 * number of epochs (500 below 10,000 points, 200 above), seed 0. The computation runs on one thread by default so
 * that the same input, options and seed give the same layout bit for bit ({@link #withThreads} trades that for
 * speed: the library's parallel neighbour search is not deterministic). Where umap-learn differs: the port's
 * nearest neighbours are exact below 4,096 points and by nearest-neighbour descent above, as umap-learn's were before
 * it moved to pynndescent.
 *
 * <pre>{@code
 * double[][] xy = Umap.defaults().withNeighbours(30).withMinDist(0.3).withSeed(7).fit(embeddings.vectors());
 * }</pre>
 */
public final class Umap {
    private final int neighbours;
    private final double minDist;
    private final int epochs;
    private final Metric metric;
    private final long seed;
    private final int threads;

    private Umap(int neighbours, double minDist, int epochs, Metric metric, long seed, int threads) {
        this.neighbours = neighbours;
        this.minDist = minDist;
        this.epochs = epochs;
        this.metric = metric;
        this.seed = seed;
        this.threads = threads;
    }

    /** @return 15 neighbours, minDist 0.1, automatic epochs, L2, seed 0, one thread */
    public static Umap defaults() {
        return new Umap(15, 0.1, 0, Metric.L2, 0, 1);
    }

    /**
     * @param k the size of the local neighbourhood, 2..200 (larger: more global structure), below N at fit time
     * @return a copy
     */
    public Umap withNeighbours(int k) {
        if (k < 2 || k > 200) {
            throw new IllegalArgumentException("UMAP neighbours must be in 2..200, found " + k);
        }
        return new Umap(k, minDist, epochs, metric, seed, threads);
    }

    /** @return the number of neighbours */
    public int neighbours() {
        return neighbours;
    }

    /**
     * The fewest points {@link #fit} accepts: one more than the number of neighbours (16 by default). Callers that
     * stream a dataset can check its size against it before embedding anything.
     *
     * @return {@code neighbours() + 1}
     */
    public int minimumPoints() {
        return neighbours + 1;
    }

    /**
     * @param d the smallest distance between points in the layout, 0..1 (the spread is 1): small values pack
     *          clusters tightly
     * @return a copy
     */
    public Umap withMinDist(double d) {
        if (!(d >= 0 && d <= 1)) {
            throw new IllegalArgumentException("UMAP minDist must be in 0..1, found " + d);
        }
        return new Umap(neighbours, d, epochs, metric, seed, threads);
    }

    /** @return the minimum distance */
    public double minDist() {
        return minDist;
    }

    /**
     * @param n optimisation epochs, 11..10,000 (the library refuses 10 or fewer), or 0 for the library's choice (500
     *          below 10,000 points, else 200)
     * @return a copy
     */
    public Umap withEpochs(int n) {
        if (n < 0 || n > 10_000 || n > 0 && n <= 10) {
            throw new IllegalArgumentException("UMAP epochs must be 0 (automatic) or in 11..10000, found " + n);
        }
        return new Umap(neighbours, minDist, n, metric, seed, threads);
    }

    /** @return the epochs, 0 for automatic */
    public int epochs() {
        return epochs;
    }

    /**
     * @param m the input-space distance
     * @return a copy
     */
    public Umap withMetric(Metric m) {
        return new Umap(neighbours, minDist, epochs, Objects.requireNonNull(m, "metric"), seed, threads);
    }

    /** @return the input-space distance */
    public Metric metric() {
        return metric;
    }

    /**
     * @param s the seed of the layout's random numbers
     * @return a copy
     */
    public Umap withSeed(long s) {
        return new Umap(neighbours, minDist, epochs, metric, s, threads);
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /**
     * @param n threads for the neighbour search, 1..256; above 1 the layout is no longer reproducible bit for bit
     * @return a copy
     */
    public Umap withThreads(int n) {
        if (n < 1 || n > 256) {
            throw new IllegalArgumentException("UMAP threads must be in 1..256, found " + n);
        }
        return new Umap(neighbours, minDist, epochs, metric, seed, n);
    }

    /** @return the threads */
    public int threads() {
        return threads;
    }

    /**
     * Lays out the rows of {@code data} in 2-D.
     *
     * @param data {@code [N, D]} floating-point rows, finite, with N above the number of neighbours
     * @return {@code [N][2]} coordinates
     * @throws IllegalArgumentException if the matrix is not {@code [N, D]} floating point, holds NaN or infinite
     *                                  values, or has too few rows for the neighbours
     * @throws NonFiniteResultException if the layout diverges
     */
    public double[][] fit(INDArray data) {
        Objects.requireNonNull(data, "data");
        if (data.rank() != 2 || !data.dataType().isFPType()) {
            throw new IllegalArgumentException("UMAP needs a floating-point [N, D] matrix, found " + data.dataType()
                    + " " + Arrays.toString(data.shape()));
        }
        int n = (int) data.size(0);
        int d = (int) data.size(1);
        if (n < minimumPoints()) {
            throw new IllegalArgumentException("UMAP with " + neighbours + " neighbours needs at least "
                    + minimumPoints() + " points, found " + n + " (lower the neighbours)");
        }
        MemoryBudget.defaultBudget().check("UMAP of " + n + " points of dimension " + d,
                MemoryBudget.saturatedAdd(MemoryBudget.bytesOf(4, n, d), MemoryBudget.bytesOf(48, n, neighbours)));
        float[][] rows;
        if (data.dataType() == DataType.FLOAT) {
            rows = data.toFloatMatrix();
        } else {
            try (INDArray f = data.castTo(DataType.FLOAT)) {
                rows = f.toFloatMatrix();
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                if (!Float.isFinite(rows[i][j])) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT,
                            "UMAP needs finite values, found %s at row %d, column %d", rows[i][j], i, j));
                }
            }
        }
        tagbio.umap.Umap u = new tagbio.umap.Umap()
                .setNumberComponents(2)
                .setNumberNearestNeighbours(neighbours)
                .setMinDist((float) minDist)
                .setMetric(metric == Metric.L2 ? EuclideanMetric.SINGLETON : CosineMetric.SINGLETON)
                .setSeed(seed)
                .setThreads(threads)
                .setVerbose(false);
        if (epochs > 0) {
            u.setNumberEpochs(epochs);
        }
        float[][] xy = u.fitTransform(rows);
        double[][] out = new double[n][2];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 2; k++) {
                if (!Float.isFinite(xy[i][k])) {
                    throw new NonFiniteResultException("the UMAP layout of point " + i + " is " + xy[i][k]);
                }
                out[i][k] = xy[i][k];
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "UMAP{neighbours=%d, minDist=%s, epochs=%s, metric=%s, seed=%d, threads=%d}",
                neighbours, minDist, epochs == 0 ? "auto" : String.valueOf(epochs), metric, seed, threads);
    }
}
