package dev.cnnviz.core.embedding;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.MemoryBudget;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Barnes-Hut t-SNE (van der Maaten 2014) to two dimensions, written here because no Apache- or MIT-licensed Java
 * implementation is on Maven Central (DL4J's is not published for this DL4J version; Smile 3+ is GPL; the BH code
 * derived from van der Maaten's carries his BSD-4 licence).
 *
 * <p>As in the paper and scikit-learn's {@code method='barnes_hut'}: input affinities from the {@code 3 *
 * perplexity} exact nearest neighbours ({@link ExactKnn}, squared Euclidean distances), each row's Gaussian
 * bandwidth found by bisection to the perplexity, symmetrised and normalised; the gradient's attractive part over
 * those sparse affinities, its repulsive part by a quadtree with the opening angle {@code theta}; gradient descent
 * with momentum 0.5 then 0.8, per-coordinate gains (+0.2 / ×0.8, at least 0.01), early exaggeration 12 for the first
 * 250 iterations, and scikit-learn's automatic learning rate {@code max(N / 12 / 4, 50)}. The initial layout is the
 * first two principal components scaled to a standard deviation of 1e-4 (scikit-learn's {@code init='pca'}), or
 * Gaussian noise from the seed ({@link Init#RANDOM}). The computation is single-threaded and deterministic: the same
 * input, options and seed give the same layout, bit for bit.
 *
 * <pre>{@code
 * double[][] xy = Tsne.defaults().withPerplexity(30).withSeed(7).fit(embeddings.vectors());   // [N][2]
 * }</pre>
 */
public final class Tsne {
    /** How the layout starts. */
    public enum Init {
        /** The first two principal components, scaled to a standard deviation of 1e-4. */
        PCA,
        /** Gaussian noise of standard deviation 1e-4, from the seed. */
        RANDOM
    }

    private static final double EXAGGERATION = 12;
    private static final int EXAGGERATION_ITERATIONS = 250;

    private final double perplexity;
    private final double theta;
    private final int iterations;
    private final double learningRate;
    private final long seed;
    private final Init init;

    private Tsne(double perplexity, double theta, int iterations, double learningRate, long seed, Init init) {
        this.perplexity = perplexity;
        this.theta = theta;
        this.iterations = iterations;
        this.learningRate = learningRate;
        this.seed = seed;
        this.init = init;
    }

    /** @return perplexity 30, theta 0.5, 1000 iterations, automatic learning rate, seed 0, PCA initialisation */
    public static Tsne defaults() {
        return new Tsne(30, 0.5, 1000, 0, 0, Init.PCA);
    }

    /**
     * @param newPerplexity the effective number of neighbours, 1..1000 (and below N - 1 at fit time / 3)
     * @return a copy
     */
    public Tsne withPerplexity(double newPerplexity) {
        if (!(newPerplexity >= 1 && newPerplexity <= 1000)) {
            throw new IllegalArgumentException("perplexity must be in 1..1000, found " + newPerplexity);
        }
        return new Tsne(newPerplexity, theta, iterations, learningRate, seed, init);
    }

    /** @return the perplexity */
    public double perplexity() {
        return perplexity;
    }

    /**
     * The fewest points {@link #fit} accepts with this perplexity: each point needs {@code 3 × perplexity} neighbours
     * (rounded down), and at least 4 points: 91 with the default perplexity of 30. Callers that stream
     * a dataset can check its size against it before embedding anything.
     *
     * @return {@code max(4, ceil(3 × perplexity + 1))}
     */
    public int minimumPoints() {
        return Math.max(4, (int) Math.ceil(3 * perplexity + 1));
    }

    /**
     * @param newTheta the Barnes-Hut opening angle, 0 (exact, slow) to 1
     * @return a copy
     */
    public Tsne withTheta(double newTheta) {
        if (!(newTheta >= 0 && newTheta <= 1)) {
            throw new IllegalArgumentException("theta must be in 0..1, found " + newTheta);
        }
        return new Tsne(perplexity, newTheta, iterations, learningRate, seed, init);
    }

    /** @return the opening angle */
    public double theta() {
        return theta;
    }

    /**
     * @param newIterations gradient steps, 1..100,000 (the first 250 with exaggeration)
     * @return a copy
     */
    public Tsne withIterations(int newIterations) {
        if (newIterations < 1 || newIterations > 100_000) {
            throw new IllegalArgumentException("iterations must be in 1..100000, found " + newIterations);
        }
        return new Tsne(perplexity, theta, newIterations, learningRate, seed, init);
    }

    /** @return the number of iterations */
    public int iterations() {
        return iterations;
    }

    /**
     * @param newLearningRate the step size, positive and finite, or 0 for automatic ({@code max(N / 48, 50)})
     * @return a copy
     */
    public Tsne withLearningRate(double newLearningRate) {
        if (!(newLearningRate >= 0 && newLearningRate < 1e6)) {
            throw new IllegalArgumentException("learning rate must be 0 (automatic) or positive below 1e6, found "
                    + newLearningRate);
        }
        return new Tsne(perplexity, theta, iterations, newLearningRate, seed, init);
    }

    /** @return the learning rate, 0 for automatic */
    public double learningRate() {
        return learningRate;
    }

    /**
     * @param newSeed the seed of the random initialisation
     * @return a copy
     */
    public Tsne withSeed(long newSeed) {
        return new Tsne(perplexity, theta, iterations, learningRate, newSeed, init);
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /**
     * @param newInit how the layout starts
     * @return a copy
     */
    public Tsne withInit(Init newInit) {
        return new Tsne(perplexity, theta, iterations, learningRate, seed, Objects.requireNonNull(newInit, "init"));
    }

    /** @return how the layout starts */
    public Init init() {
        return init;
    }

    /**
     * Lays out the rows of {@code data} in two dimensions.
     *
     * @param data a finite floating-point {@code [N, D]} matrix with {@code N > 3 * perplexity + 1}
     * @return {@code [N][2]} coordinates
     * @throws IllegalArgumentException if the matrix is invalid or too small for the perplexity
     */
    public double[][] fit(INDArray data) {
        Objects.requireNonNull(data, "data");
        if (data.rank() != 2 || !data.dataType().isFPType()) {
            throw new IllegalArgumentException("t-SNE needs a floating-point [N, D] matrix, found " + data.dataType()
                    + " " + Arrays.toString(data.shape()));
        }
        int n = (int) data.size(0);
        if (n < minimumPoints()) {
            throw new IllegalArgumentException("t-SNE with perplexity " + perplexity + " needs at least "
                    + minimumPoints() + " points, found " + n + " (lower the perplexity)");
        }
        int k = (int) Math.floor(3 * perplexity);
        MemoryBudget.defaultBudget().check("the t-SNE affinities of " + n + " points with " + k + " neighbours",
                MemoryBudget.bytesOf(48, n, k));
        Neighbours nn = ExactKnn.of(data.castTo(DataType.FLOAT)).searchSelf(k);
        Sparse p = affinities(nn, n, k);
        double[] y = initialLayout(data, n);
        optimise(p, y, n);
        double[][] out = new double[n][2];
        for (int i = 0; i < n; i++) {
            out[i][0] = y[2 * i];
            out[i][1] = y[2 * i + 1];
        }
        return out;
    }

    /** A symmetric sparse matrix in compressed rows. */
    private record Sparse(int[] rowStart, int[] cols, double[] values) {
    }

    private Sparse affinities(Neighbours nn, int n, int k) {
        double target = Math.log(perplexity);
        double[] cond = new double[n * k];
        double[] d2 = new double[k];
        for (int i = 0; i < n; i++) {
            float[] dist = nn.distances()[i];
            for (int j = 0; j < k; j++) {
                d2[j] = (double) dist[j] * dist[j];
            }
            double beta = 1;
            double lo = Double.NEGATIVE_INFINITY;
            double hi = Double.POSITIVE_INFINITY;
            double[] row = new double[k];
            for (int step = 0; step < 200; step++) {
                double sum = 0;
                double weighted = 0;
                for (int j = 0; j < k; j++) {
                    row[j] = Math.exp(-beta * (d2[j] - d2[0]));
                    sum += row[j];
                    weighted += row[j] * (d2[j] - d2[0]);
                }
                double h = Math.log(sum) + beta * weighted / sum;
                for (int j = 0; j < k; j++) {
                    row[j] /= sum;
                }
                double diff = h - target;
                if (Math.abs(diff) < 1e-5) {
                    break;
                }
                if (diff > 0) {
                    lo = beta;
                    beta = hi == Double.POSITIVE_INFINITY ? beta * 2 : (beta + hi) / 2;
                } else {
                    hi = beta;
                    beta = lo == Double.NEGATIVE_INFINITY ? beta / 2 : (beta + lo) / 2;
                }
            }
            System.arraycopy(row, 0, cond, i * k, k);
        }
        // Transpose by counting sort: incoming[j] lists (i, p_j|i) in increasing i.
        int[] inCount = new int[n + 1];
        for (int i = 0; i < n; i++) {
            for (int j : nn.indices()[i]) {
                inCount[j + 1]++;
            }
        }
        for (int j = 0; j < n; j++) {
            inCount[j + 1] += inCount[j];
        }
        int[] inSrc = new int[n * k];
        double[] inVal = new double[n * k];
        int[] fill = Arrays.copyOf(inCount, n);
        for (int i = 0; i < n; i++) {
            int[] idx = nn.indices()[i];
            for (int t = 0; t < k; t++) {
                int j = idx[t];
                inSrc[fill[j]] = i;
                inVal[fill[j]++] = cond[i * k + t];
            }
        }
        int[] rowStart = new int[n + 1];
        int[] cols = new int[2 * n * k];
        double[] vals = new double[2 * n * k];
        int nnz = 0;
        Integer[] order = new Integer[k];
        int[] ownIdx = new int[k];
        double[] ownVal = new double[k];
        for (int i = 0; i < n; i++) {
            rowStart[i] = nnz;
            int[] idx = nn.indices()[i];
            for (int t = 0; t < k; t++) {
                order[t] = t;
            }
            Arrays.sort(order, (a, b) -> Integer.compare(idx[a], idx[b]));
            for (int t = 0; t < k; t++) {
                ownIdx[t] = idx[order[t]];
                ownVal[t] = cond[i * k + order[t]];
            }
            int a = 0;
            int b = inCount[i];
            int bEnd = inCount[i + 1];
            while (a < k || b < bEnd) {
                int ja = a < k ? ownIdx[a] : Integer.MAX_VALUE;
                int jb = b < bEnd ? inSrc[b] : Integer.MAX_VALUE;
                int j = Math.min(ja, jb);
                double v = 0;
                if (ja == j) {
                    v += ownVal[a++];
                }
                if (jb == j) {
                    v += inVal[b++];
                }
                cols[nnz] = j;
                vals[nnz++] = v / (2.0 * n);
            }
        }
        rowStart[n] = nnz;
        return new Sparse(rowStart, Arrays.copyOf(cols, nnz), Arrays.copyOf(vals, nnz));
    }

    private double[] initialLayout(INDArray data, int n) {
        double[] y = new double[2 * n];
        if (init == Init.RANDOM) {
            Random r = new Random(seed);
            for (int i = 0; i < 2 * n; i++) {
                y[i] = r.nextGaussian() * 1e-4;
            }
            return y;
        }
        int d = (int) data.size(1);
        double[][] pcs = Pca.fit(data, Math.min(2, d)).project(data);
        double mean = 0;
        for (double[] row : pcs) {
            mean += row[0];
        }
        mean /= n;
        double var = 0;
        for (double[] row : pcs) {
            var += (row[0] - mean) * (row[0] - mean);
        }
        double std = Math.sqrt(var / n);
        double scale = std > 0 ? 1e-4 / std : 1;
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            y[2 * i] = pcs[i][0] * scale;
            y[2 * i + 1] = pcs[i].length > 1 ? pcs[i][1] * scale : r.nextGaussian() * 1e-4;
        }
        return y;
    }

    private void optimise(Sparse p, double[] y, int n) {
        double eta = learningRate > 0 ? learningRate : Math.max(n / EXAGGERATION / 4, 50);
        double[] update = new double[2 * n];
        double[] gains = new double[2 * n];
        Arrays.fill(gains, 1);
        double[] grad = new double[2 * n];
        double[] neg = new double[2 * n];
        double[] f = new double[2];
        QuadTree tree = new QuadTree();
        for (int iter = 0; iter < iterations; iter++) {
            boolean early = iter < EXAGGERATION_ITERATIONS;
            double exaggeration = early ? EXAGGERATION : 1;
            double momentum = early ? 0.5 : 0.8;
            tree.build(y, n);
            double sumQ = 0;
            for (int i = 0; i < n; i++) {
                sumQ += tree.repulsion(i, theta, f);
                neg[2 * i] = f[0];
                neg[2 * i + 1] = f[1];
            }
            for (int i = 0; i < n; i++) {
                double px = 0;
                double py = 0;
                double yx = y[2 * i];
                double yy = y[2 * i + 1];
                for (int e = p.rowStart()[i]; e < p.rowStart()[i + 1]; e++) {
                    int j = p.cols()[e];
                    double dx = yx - y[2 * j];
                    double dy = yy - y[2 * j + 1];
                    double m = exaggeration * p.values()[e] / (1 + dx * dx + dy * dy);
                    px += m * dx;
                    py += m * dy;
                }
                grad[2 * i] = 4 * (px - neg[2 * i] / sumQ);
                grad[2 * i + 1] = 4 * (py - neg[2 * i + 1] / sumQ);
            }
            double mx = 0;
            double my = 0;
            for (int t = 0; t < 2 * n; t++) {
                boolean sameSign = (grad[t] > 0) == (update[t] > 0);
                gains[t] = sameSign ? Math.max(0.01, gains[t] * 0.8) : gains[t] + 0.2;
                update[t] = momentum * update[t] - eta * gains[t] * grad[t];
                y[t] += update[t];
            }
            for (int i = 0; i < n; i++) {
                mx += y[2 * i];
                my += y[2 * i + 1];
            }
            mx /= n;
            my /= n;
            for (int i = 0; i < n; i++) {
                y[2 * i] -= mx;
                y[2 * i + 1] -= my;
            }
        }
        NonFiniteResultException.requireFinite(y, "the t-SNE layout");
    }
}
