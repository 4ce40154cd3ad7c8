package dev.cnnviz.core.embedding;

import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.graph.HostArrays;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Exact k-nearest-neighbour search by matrix products: for a query {@code q} and the data {@code X},
 * {@code ||q - x||² = ||q||² - 2 q·x + ||x||²} with {@code q·x} from a float32 product {@code Q Xᵀ} (cosine: the same
 * on L2-normalised rows), ranked by the float key {@code ||x||²/2 - q·x} (cosine {@code -q·x}). Rows whose key is
 * within its proven rounding error ({@link #keyError}) of the {@code k}-th best are re-ranked by their distances
 * computed in double precision ({@link Metric#distance}), so the answer is the exact one by those distances, ties to
 * the smaller index (the distances agree with the double-precision reference to about 1e-6 relative).
 *
 * <p>Two implementations give the same answers, bit for bit:
 * <ul>
 * <li>{@link NativeKnn}'s fused kernel (C, AVX-512 or AVX2, built with cnnviz-core where a C compiler is), used when
 * it is loaded and {@code k <= 256}: a register-blocked product whose every key is compared with the query's running
 * threshold while it is still in a register, so the {@code Q × N} products never reach memory, then the re-ranking
 * of the few rows kept (FAISS's brute-force search writes a block of products with BLAS and selects from it with
 * heaps afterwards, as the JVM path below does; its answers are float32 distances, without the re-ranking that makes
 * these exact). {@link #searchSelf} computes each product {@code x_i·x_j} once, for both rows (half the
 * product; {@link NativeKnn#searchSelf}). Measured on the 10,000 Fashion-MNIST test embeddings (D = 128, k = 10) on
 * 2 cores with AVX-512, {@code searchSelf(10)} took 60-61 ms against 67-68 ms for ND4J's 10,000 × 10,000 product
 * alone (0.9×; 0.85× with AVX2 only; {@code KnnInterleaved} in cnnviz-examples), and {@code search} of 10,000 queries
 * 77-78 ms (1.14×).</li>
 * <li>Otherwise ND4J's products in blocks of 256 queries, each query's row selected on the JVM while the block is
 * still in the cache ({@link #coarse}: a vectorised pass of group minima bounds the selection, so only a few dozen of
 * the {@code N} products are looked at again): the product plus about 8 µs per query for N = 10,000 on one core,
 * 1.6× the product alone. Queries the kernel gives up on (more than {@code 2k + 32} rows within the rounding
 * error of one another: many equal points) are answered this way too.</li>
 * </ul>
 *
 * <pre>{@code
 * ExactKnn knn = ExactKnn.of(embeddings.vectors()).withMetric(Metric.COSINE);
 * Neighbours n = knn.search(queries, 10);      // queries [Q, D]
 * Neighbours self = knn.searchSelf(5);         // each row's 5 neighbours, itself excluded
 * }</pre>
 */
public final class ExactKnn {
    /**
     * Queries per matrix product: 256 rows of 10,000 products (10 MB) are still in the cache when the selection reads
     * them right after the product; blocks of 1,024 (40 MB) are read back from memory, which cost more than the scan.
     */
    private static final int BLOCK_ROWS = 256;
    private static final long BLOCK_BYTES = 64L << 20;
    /** Strided groups of the coarse selection ({@link #coarse}): 512 minima, of which about k are scanned again. */
    private static final int GROUPS = 512;
    /**
     * The most state {@link NativeKnn#searchSelf} may hold (about 1.2 KB per row for k = 10, so up to about 200,000
     * rows); beyond it, or a quarter of the memory budget, the self-search multiplies every product twice in
     * {@link NativeKnn#search}, whose state is per call.
     */
    private static final long SELF_STATE_BYTES = 256L << 20;

    private final INDArray data;
    private final float[] host;
    private final int n;
    private final int d;
    private final Metric metric;
    /** {@link NativeKnn#isa()}, or a lower one for tests: 0 is the search on the JVM ({@link #withKernel}). */
    private final int kernel;
    /** {@link #transposedData}, built on first use. */
    private INDArray preparedT;
    /** {@link #rowsAsMultiplied}, built on first use. */
    private float[] multiplied;
    /** {@link #nativeData}, built on first use. */
    private NativeData nativeData;
    /** {@link #selfTiles}, built on first use. */
    private float[] selfTiles;
    private final double[] norms;
    private final double[] roots;
    private final double maxRoot;
    private final double errorScale;

    private ExactKnn(INDArray data, float[] host, Metric metric, int kernel) {
        this.kernel = kernel;
        this.data = data;
        this.host = host;
        this.n = (int) data.size(0);
        this.d = (int) data.size(1);
        this.metric = metric;
        if (metric == Metric.COSINE) {
            this.norms = null;
            this.roots = null;
            this.maxRoot = 1;
        } else {
            this.norms = squaredNorms(host, d);
            this.roots = new double[n];
            double max = 0;
            for (int j = 0; j < n; j++) {
                roots[j] = Math.sqrt(norms[j]);
                max = Math.max(max, roots[j]);
            }
            this.maxRoot = max;
        }
        double du = (d + 6) * 0x1p-24;
        this.errorScale = du < 0x1p-8 ? 1.1 * du : Double.POSITIVE_INFINITY;
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
        MemoryBudget.defaultBudget().check("host and packed copies of " + data.size(0) + " x " + data.size(1)
                + " embeddings", MemoryBudget.bytesOf(12, data.size(0), data.size(1)));
        INDArray c = data.dataType() == DataType.FLOAT ? data : data.castTo(DataType.FLOAT);
        return new ExactKnn(c, hostCopy(c, "data"), Metric.L2, NativeKnn.isa());
    }

    /**
     * @param newMetric the distance
     * @return a copy searching with {@code newMetric}
     */
    public ExactKnn withMetric(Metric newMetric) {
        Objects.requireNonNull(newMetric, "metric");
        return newMetric == metric ? this : new ExactKnn(data, host, newMetric, kernel);
    }

    /**
     * A copy that searches with the given kernel: {@link NativeKnn#AVX512}, {@link NativeKnn#AVX2} (at most
     * {@link NativeKnn#isa()}), or 0 for the products by ND4J and the selection on the JVM. For tests that compare
     * them.
     */
    ExactKnn withKernel(int newKernel) {
        if (newKernel < 0 || newKernel > NativeKnn.isa()) {
            throw new IllegalArgumentException("kernel must be in 0.." + NativeKnn.isa() + ", found " + newKernel);
        }
        return new ExactKnn(data, host, metric, newKernel);
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
        return run(q, hostCopy(q, "queries"), k, false);
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
        double[] qRoots = null;
        if (metric != Metric.COSINE) {
            qRoots = self ? roots : squaredNorms(queryHost, d);
            if (!self) {
                for (int i = 0; i < qn; i++) {
                    qRoots[i] = Math.sqrt(qRoots[i]);
                }
            }
        }
        int[][] outIdx = new int[qn][k];
        float[][] outDist = new float[qn][k];
        int[] rest = nativeUsable(k, qRoots)
                ? searchNative(queryHost, qRoots, k, self, outIdx, outDist)
                : IntStream.range(0, qn).toArray();
        if (rest.length > 0) {
            INDArray preparedQ = metric == Metric.COSINE ? normalizeRows(queryHost, d) : queries;
            searchJvm(preparedQ, queryHost, qRoots, rest, k, self, outIdx, outDist);
        }
        return new Neighbours(metric, outIdx, outDist);
    }

    /**
     * Whether {@link NativeKnn}'s fused kernel answers this search: it is loaded, {@code k} is at most
     * {@link NativeKnn#MAX_K}, the rounding bound is finite, and no float key can overflow (the keys are below
     * {@code ||x||²/2 + ||q|| ||x||}, kept under 1e37).
     */
    private boolean nativeUsable(int k, double[] qRoots) {
        if (kernel == 0 || k > NativeKnn.MAX_K || errorScale == Double.POSITIVE_INFINITY) {
            return false;
        }
        if (qRoots == null) {
            return true;
        }
        double maxQuery = 0;
        for (double r : qRoots) {
            maxQuery = Math.max(maxQuery, r);
        }
        return maxRoot * maxRoot / 2 + maxQuery * maxRoot < 1e37;
    }

    /**
     * The fused search: {@link NativeKnn#searchSelf} (each product once, for both of its rows) for a self-search
     * whose state fits, else {@link NativeKnn#searchQueries}.
     *
     * @return the queries left to {@link #searchJvm} (more than {@code 2k + 32} rows within the rounding slack of one
     *         another: many equal points), usually none
     */
    private int[] searchNative(float[] queryHost, double[] qRoots, int k, boolean self, int[][] outIdx,
                               float[][] outDist) {
        int qn = outIdx.length;
        boolean cosine = metric == Metric.COSINE;
        NativeData nd = nativeData();
        float[] slack = new float[qn];
        for (int i = 0; i < qn; i++) {
            double s = 2 * keyError(qRoots == null ? 0 : qRoots[i], -1);
            float f = (float) s;
            slack[i] = f < s ? Math.nextUp(f) : f;
        }
        boolean[] left = new boolean[qn];
        if (self && NativeKnn.pinsInPlace() && NativeKnn.selfStateBytes(n, d, k) <= Math.min(SELF_STATE_BYTES,
                MemoryBudget.defaultBudget().bytes() / 4)) {
            NativeKnn.searchSelf(selfTiles(), host, n, d, nd.panels, nd.offsets, k, slack, cosine, outIdx, outDist,
                    left, kernel);
        } else {
            float[] prepared = !cosine ? queryHost : self ? rowsAsMultiplied() : normalizedRows(queryHost, d);
            NativeKnn.searchQueries(prepared, queryHost, d, nd.panels, nd.offsets, host, n, k, slack, self, cosine,
                    outIdx, outDist, left, kernel);
        }
        return IntStream.range(0, qn).filter(i -> left[i]).toArray();
    }

    /**
     * The float ranking key's offsets: cosine {@code 1 - q·x} ranks as {@code -q·x} (offsets 0); L2
     * {@code ||q||² + ||x||² - 2 q·x} ranks as {@code ||x||²/2 - q·x} (the query's norm is the same for every x).
     */
    private float[] keyOffsets() {
        float[] offset = new float[n];
        if (metric != Metric.COSINE) {
            for (int j = 0; j < n; j++) {
                offset[j] = (float) (norms[j] / 2);
            }
        }
        return offset;
    }

    /** The rows as both searches multiply them: the data, or for cosine the normalised rows; built on first use. */
    private synchronized float[] rowsAsMultiplied() {
        if (multiplied == null) {
            multiplied = metric == Metric.COSINE ? normalizedRows(host, d) : host;
        }
        return multiplied;
    }

    /** The rows as multiplied (normalised for cosine), packed and with their key offsets, built on first use. */
    private synchronized NativeData nativeData() {
        if (nativeData == null) {
            nativeData = new NativeData(NativeKnn.pack(rowsAsMultiplied(), n, d), NativeKnn.padOffsets(keyOffsets()));
        }
        return nativeData;
    }

    /** The rows as multiplied, packed as the self-search's queries ({@link NativeKnn#packTiles}), built on first use. */
    private synchronized float[] selfTiles() {
        if (selfTiles == null) {
            selfTiles = NativeKnn.packTiles(rowsAsMultiplied(), n, d, NativeKnn.tileQueries(kernel));
        }
        return selfTiles;
    }

    /**
     * {@link NativeKnn}'s inputs for this index.
     *
     * @param panels  {@link NativeKnn#pack}ed {@link #rowsAsMultiplied}
     * @param offsets {@link NativeKnn#padOffsets} of {@link #keyOffsets}
     */
    private record NativeData(float[] panels, float[] offsets) {
    }

    /**
     * The search by ND4J products and {@link #coarse} selection, for the queries {@code which}, in blocks of
     * {@link #BLOCK_ROWS}.
     */
    private void searchJvm(INDArray preparedQ, float[] queryHost, double[] qRoots, int[] which, int k, boolean self,
                           int[][] outIdx, float[][] outDist) {
        int qn = which.length;
        boolean all = qn == preparedQ.size(0);
        INDArray q = all ? preparedQ : preparedQ.getRows(which);
        int block = (int) Math.max(1, Math.min(Math.min(BLOCK_ROWS, qn), BLOCK_BYTES / (4L * n)));
        MemoryBudget.defaultBudget().check("a block of " + block + " x " + n + " distances",
                MemoryBudget.bytesOf(8, block, n));
        float[] offset = keyOffsets();
        int groups = Math.min(n, Math.max(GROUPS, k));
        float[][] offsetChunks = chunks(offset, groups, Float.POSITIVE_INFINITY);
        ThreadLocal<RowSelector> selectors = ThreadLocal.withInitial(() -> new RowSelector(n, groups, k));
        INDArray preparedT = transposedData();
        try (INDArray products = Nd4j.createUninitialized(DataType.FLOAT, block, n)) {
            // The products are read where the gemm wrote them (a direct view, no copy of the block to the heap).
            java.nio.FloatBuffer gram = HostArrays.floatValues(products);
            for (int from = 0; from < qn; from += block) {
                int rows = Math.min(qn, from + block) - from;
                INDArray out = rows == block ? products : products.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
                Nd4j.gemm(q.get(NDArrayIndex.interval(from, from + rows), NDArrayIndex.all()), preparedT, out,
                        false, false, 1.0, 0.0);
                int first = from;
                // Rows are independent: select them on the common pool (the product above already used every core).
                IntStream.range(0, rows).parallel().forEach(r -> {
                    int qi = which[first + r];
                    RowSelector sel = selectors.get();
                    sel.load(gram, r * n);
                    sel.select(offsetChunks, self ? qi : -1, queryHost, qi, qRoots == null ? 0 : qRoots[qi],
                            outIdx[qi], outDist[qi]);
                });
            }
        }
    }

    /**
     * The searched rows as the ND4J product reads them, transposed: a row-major {@code [D, N]} copy (normalised rows
     * for cosine), built on first use, so that each block is one plain product {@code Q Xᵀ} with neither operand
     * transposed. The transposed-operand path of the sgemm behind {@code Nd4j.gemm} (oneDNN's in this build: its
     * speed follows {@code DNNL_MAX_CPU_ISA}) was 7-20% slower for blocks of 256 queries on this project's hosts.
     */
    private synchronized INDArray transposedData() {
        if (preparedT == null) {
            INDArray rows = metric == Metric.COSINE ? Nd4j.createFromArray(rowsAsMultiplied()).reshape(n, d) : data;
            preparedT = rows.transpose().dup('c');
        }
        return preparedT;
    }

    /**
     * Every data row of one query whose float key {@code offset[j] - row[j]} ({@code row} the query's products) is at
     * most {@code b + slack}, {@code b} a bound on the {@code k}-th best key (below, {@code k = scratch.bounds.length}),
     * {@code skip} excluded, into {@code out}. Those are all the rows within {@code slack} of the {@code k}-th best key
     * and a few more, found while touching {@code out} for those rows only. Both vectors come cut into chunks of
     * {@code groups} values, row {@code j} at {@code [j / groups][j % groups]}, so that group {@code g} holds the rows
     * {@code j ≡ g (mod groups)}:
     * <ol>
     * <li>A branch-free pass takes the minimum key of each group, chunk after chunk. It is a plain loop over arrays
     * indexed alike, which C2 vectorises (an index offset by a loop invariant, as in one flat array, defeats it in
     * JDK 17).</li>
     * <li>With at least {@code 8k} groups, the minima are cut once more into {@code s = groups / 8} super-groups,
     * group {@code g} in super-group {@code g mod s}, and {@code b} is the {@code k}-th smallest of the
     * {@code s} super-group minima (a heap of {@code k} over {@code s} values rather than over all {@code groups}:
     * most of the selection's branches and heap moves). With fewer groups, {@code b} is the {@code k}-th smallest
     * group minimum. Either way {@code b} is the {@code k}-th smallest of minima over disjoint sets of rows, so they
     * are keys of {@code k} distinct rows: at least {@code k} rows have a key at most {@code b}, the {@code k}-th
     * best key is at most {@code b}, and every row with a key at most {@code b + slack} lies in a group (and a
     * super-group) whose minimum is at most that. (The skipped row and the padding count as +∞; if such a row is
     * among those minima, {@code b} is +∞ and nothing is pruned.)</li>
     * <li>Only the groups whose minimum is at most {@code b + slack} (found through the super-groups whose minimum
     * is) are scanned, for their rows with a key at most {@code b + slack}.</li>
     * </ol>
     * Each key is one float subtraction, rounded alike in both passes. With {@code k} well below {@code groups},
     * about {@code k} groups are scanned: each key is read once by a vector instruction and a few hundred again. (On
     * the 10,000 Fashion-MNIST embeddings, k = 10 and 512 groups: about 10.7 groups scanned with super-groups, 10.0
     * with the exact {@code k}-th group minimum; finding them took 1.8 instead of 2.4 µs per query, single-threaded.)
     *
     * @param row     the products of the query with the data rows in chunks, the last one padded with finite values;
     *                row {@code skip}'s value is overwritten
     * @param offset  {@code ||x||²/2} (L2) or 0 (cosine) in chunks like {@code row}, padded with +∞
     * @param n       the number of data rows
     * @param skip    the row to exclude, or -1
     * @param slack   how far past {@code b} to keep rows, at least 0
     * @param scratch for {@code groups} groups and this {@code k}
     * @param out     receives the rows, emptied first
     * @return {@code b + slack}
     */
    static double coarse(float[][] row, float[][] offset, int n, int skip, double slack, Scratch scratch,
                         Survivors out) {
        float[] mins = scratch.mins;
        int groups = mins.length;
        if (skip >= 0) {
            row[skip / groups][skip % groups] = Float.NEGATIVE_INFINITY; // its key is +inf
        }
        Arrays.fill(mins, Float.POSITIVE_INFINITY);
        for (int c = 0; c < row.length; c++) {
            float[] x = row[c];
            float[] o = offset[c];
            for (int g = 0; g < groups; g++) {
                mins[g] = Math.min(mins[g], o[g] - x[g]);
            }
        }
        int[] liveGroups = scratch.liveGroups;
        float[] supers = scratch.supers;
        int s = supers.length;
        int live = 0;
        double threshold;
        if (s == 0) {
            threshold = bound(mins, scratch.bounds) + slack;
            for (int g = 0; g < groups; g++) {
                liveGroups[live] = g; // kept only if counted: a conditional move, not a branch taken at random
                live += mins[g] <= threshold ? 1 : 0;
            }
        } else {
            Arrays.fill(supers, Float.POSITIVE_INFINITY);
            for (int at = 0; at < groups; at += s) {
                for (int t = 0, end = Math.min(s, groups - at); t < end; t++) {
                    supers[t] = Math.min(supers[t], mins[at + t]);
                }
            }
            threshold = bound(supers, scratch.bounds) + slack;
            int[] liveSupers = scratch.liveSupers;
            int ls = 0;
            for (int t = 0; t < s; t++) {
                liveSupers[ls] = t;
                ls += supers[t] <= threshold ? 1 : 0;
            }
            for (int u = 0; u < ls; u++) {
                for (int g = liveSupers[u]; g < groups; g += s) {
                    liveGroups[live] = g;
                    live += mins[g] <= threshold ? 1 : 0;
                }
            }
        }
        out.clear();
        for (int c = 0, base = 0; c < row.length; c++, base += groups) {
            float[] x = row[c];
            float[] o = offset[c];
            for (int t = 0; t < live; t++) {
                int g = liveGroups[t];
                float key = o[g] - x[g];
                if (key <= threshold && base + g < n && base + g != skip) {
                    out.add(key, base + g);
                }
            }
        }
        return threshold;
    }

    /** The scratch arrays of {@link #coarse} for one worker, {@code groups} groups and a given {@code k}. */
    static final class Scratch {
        final float[] mins;
        final float[] bounds;
        /** The super-group minima: {@code groups / 8} of them if that is at least {@code k}, else none. */
        final float[] supers;
        final int[] liveSupers;
        final int[] liveGroups;

        Scratch(int groups, int k) {
            if (k < 1 || k > groups) {
                throw new IllegalArgumentException("k must be in 1.." + groups + ", found " + k);
            }
            this.mins = new float[groups];
            this.bounds = new float[k];
            this.supers = new float[groups / 8 >= k ? groups / 8 : 0];
            this.liveSupers = new int[supers.length];
            this.liveGroups = new int[groups];
        }
    }

    /** Rows with their float keys, in a growing pair of arrays. Not thread-safe. */
    static final class Survivors {
        float[] keys = new float[64];
        int[] rows = new int[64];
        int size;

        void clear() {
            size = 0;
        }

        void add(float key, int row) {
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, 2 * size);
                rows = Arrays.copyOf(rows, 2 * size);
            }
            keys[size] = key;
            rows[size++] = row;
        }
    }

    /**
     * The {@code heap.length}-th smallest of {@code values} ({@code heap.length <= values.length}), with a max-heap
     * of the smallest seen: a compare per value, the heap touched only by values below its top.
     */
    static float bound(float[] values, float[] heap) {
        int m = heap.length;
        for (int i = 0; i < m; i++) {
            float v = values[i];
            int at = i;
            while (at > 0 && heap[(at - 1) / 2] < v) {
                heap[at] = heap[(at - 1) / 2];
                at = (at - 1) / 2;
            }
            heap[at] = v;
        }
        for (int i = m; i < values.length; i++) {
            float v = values[i];
            if (v < heap[0]) {
                siftDown(heap, v);
            }
        }
        return heap[0];
    }

    /** Replaces the top of a max-heap by {@code v} (not larger) and restores the order. */
    private static void siftDown(float[] heap, float v) {
        int m = heap.length;
        int at = 0;
        while (true) {
            int child = 2 * at + 1;
            if (child >= m) {
                break;
            }
            if (child + 1 < m && heap[child + 1] > heap[child]) {
                child++;
            }
            if (heap[child] <= v) {
                break;
            }
            heap[at] = heap[child];
            at = child;
        }
        heap[at] = v;
    }

    /**
     * {@code values} cut into chunks of {@code groups}, the last one padded with {@code pad}.
     *
     * @return {@code ceil(values.length / groups)} arrays of {@code groups} values
     */
    static float[][] chunks(float[] values, int groups, float pad) {
        float[][] out = new float[(values.length + groups - 1) / groups][groups];
        for (int c = 0; c < out.length; c++) {
            int from = c * groups;
            int len = Math.min(groups, values.length - from);
            System.arraycopy(values, from, out[c], 0, len);
            Arrays.fill(out[c], len, groups, pad);
        }
        return out;
    }

    /** One worker's scratch for selecting a query's neighbours. */
    private final class RowSelector {
        private final float[][] row;
        private final Scratch scratch;
        private final Survivors survivors = new Survivors();
        private final TopK best;
        private final TopK fine;
        private final int[] idx;
        private final double[] val;
        /** The rows to re-rank. */
        private int[] ranked = new int[64];
        /** The sum of the values read ahead of the re-ranking, kept so that the reads are not optimised away. */
        float touched;

        RowSelector(int n, int groups, int k) {
            this.row = new float[(n + groups - 1) / groups][groups]; // the last chunk's padding stays 0
            this.scratch = new Scratch(groups, k);
            this.best = new TopK(k);
            this.fine = new TopK(k);
            this.idx = new int[k];
            this.val = new double[k];
        }

        /** Copies one query's products, {@code n} values from {@code gram[base]}, into {@link #row}. */
        void load(java.nio.FloatBuffer gram, int base) {
            int groups = scratch.mins.length;
            for (int c = 0, from = 0; from < n; c++, from += groups) {
                gram.get(base + from, row[c], 0, Math.min(groups, n - from));
            }
        }

        /**
         * One query's neighbours from its products in {@link #row}, exactly: the rows that can be among the
         * {@code k} nearest by their float keys, re-ranked by their distances in double precision.
         * <ul>
         * <li>{@link #keyError} bounds the float key's error (by {@code e <= emax} for every row). The {@code k}
         * best rows by float key have exact keys at most {@code reach = max(key + e)} over them, so a row with
         * {@code key - e > reach} has at least {@code k} rows strictly nearer and cannot be among the {@code k}
         * nearest: only the others are re-ranked.</li>
         * <li>{@code reach <= b + emax} ({@code b} of {@link #coarse}, at least the {@code k}-th best key), so every
         * row that may be re-ranked has {@code key <= b + 2 emax}: {@link #coarse} with that slack finds them all,
         * including the {@code k} best.</li>
         * </ul>
         * Usually few rows beyond the {@code k} best are that close; many equal or nearly equal points are all
         * re-ranked, as the exact answer needs.
         *
         * @param queryRoot {@code ||q||} (L2; unused for cosine)
         */
        void select(float[][] offset, int skip, float[] queryHost, int qi, double queryRoot, int[] outIdx,
                    float[] outDist) {
            ExactKnn.coarse(row, offset, n, skip, 2 * keyError(queryRoot, -1), scratch, survivors);
            int m = survivors.size;
            float[] keys = survivors.keys;
            int[] rows = survivors.rows;
            best.clear();
            for (int t = 0; t < m; t++) {
                best.offer(keys[t], rows[t]);
            }
            int k = outIdx.length;
            best.drainSorted(idx, val);
            double reach = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < k; t++) {
                reach = Math.max(reach, val[t] + keyError(queryRoot, idx[t]));
            }
            if (ranked.length < m) {
                ranked = new int[Math.max(m, 2 * ranked.length)];
            }
            int r = 0;
            for (int t = 0; t < m; t++) {
                int j = rows[t];
                ranked[r] = j;
                r += keys[t] - keyError(queryRoot, j) <= reach ? 1 : 0;
            }
            // The rows are scattered over the data (which the block of products has pushed out of the near caches):
            // read one value of each of their cache lines first, independent loads that overlap, so that the
            // distances below find them in the nearest cache instead of waiting for one line after another.
            float touch = 0;
            for (int t = 0; t < r; t++) {
                int from = ranked[t] * d;
                for (int at = from, end = from + d; at < end; at += 16) {
                    touch += host[at];
                }
                touch += host[from + d - 1];
            }
            touched += touch;
            fine.clear();
            for (int t = 0; t < r; t++) {
                int j = ranked[t];
                fine.offer(metric.distance(queryHost, qi * d, host, j * d, d), j);
            }
            fine.drainSorted(idx, val);
            for (int t = 0; t < k; t++) {
                outIdx[t] = idx[t];
                outDist[t] = (float) val[t];
            }
        }
    }

    /**
     * A bound on {@code |key - K|} for data row {@code j}, {@code key} the float ranking key of {@link #coarse} and
     * {@code K} its exact value ({@code ||x||²/2 - q·x} for L2, {@code -cos(q, x)} for cosine), widened so that keys
     * further apart than the bounds also rank alike by {@link Metric#distance}. With {@code u = 2^-24}:
     * <ul>
     * <li>the float product {@code q·x} is within {@code γ_D Σ|q_i x_i| <= γ_D ||q|| ||x||} of the exact one in any
     * order of summation, {@code γ_D = D u / (1 - D u)};</li>
     * <li>L2: {@code ||x||²/2} rounded to float and the subtraction add {@code u ||x||²/2 + u (||x||²/2 + ||q|| ||x||)}
     * at most (to first order), so {@code (D + 6) u (||q|| ||x|| + ||x||²/2)} with the factor 1.1 covers the
     * second-order terms while {@code (D + 6) u < 2^-8};</li>
     * <li>cosine: the rows normalised in float are within {@code 2u} of the unit vectors in every element, so the
     * product is within {@code (D + 6) u} of the cosine (times 1.1, likewise);</li>
     * <li>the double-precision distances are within {@code D 2^-53} relative, below {@code 2^-30 (||q|| + ||x||)²}
     * (L2) or {@code 2^-28} (cosine), added to the bound.</li>
     * </ul>
     * Beyond {@code (D + 6) u >= 2^-8} (D above about 65,000) the bound is infinite and nothing is pruned.
     *
     * @param j a data row, or -1 for the largest bound over all rows (with the largest norm)
     */
    private double keyError(double queryRoot, int j) {
        if (errorScale == Double.POSITIVE_INFINITY) {
            return errorScale;
        }
        if (metric == Metric.COSINE) {
            return errorScale + 0x1p-28;
        }
        double xr = j < 0 ? maxRoot : roots[j];
        double sum = queryRoot + xr;
        return errorScale * (queryRoot * xr + xr * xr / 2) + 0x1p-30 * sum * sum;
    }

    /** The rows of {@code host} ({@code [rows, d]}) scaled to unit length in float32; zero rows stay zero. */
    private static float[] normalizedRows(float[] host, int d) {
        double[] sq = squaredNorms(host, d);
        float[] out = new float[host.length];
        for (int i = 0; i < sq.length; i++) {
            float inv = sq[i] == 0 ? 0f : (float) (1 / Math.sqrt(sq[i]));
            for (int j = i * d, end = j + d; j < end; j++) {
                out[j] = host[j] * inv;
            }
        }
        return out;
    }

    /** {@link #normalizedRows} as a {@code [rows, d]} matrix, for ND4J's products. */
    private static INDArray normalizeRows(float[] host, int d) {
        return Nd4j.createFromArray(normalizedRows(host, d)).reshape(host.length / d, d);
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
    }

    /**
     * The float32 matrix's values, row-major, copied in bulk ({@link HostArrays#floats}: {@code data().asFloat()}
     * reads element by element, about 40 ms for 10,000 × 128 values), checked to be finite.
     *
     * @throws IllegalArgumentException if a value is NaN or infinite (also one that overflowed the cast to float32)
     */
    private static float[] hostCopy(INDArray m, String what) {
        float[] host = HostArrays.floats(m);
        if (!HostArrays.allFinite(host, 0, host.length)) {
            throw new IllegalArgumentException(what + " holds NaN or infinite values (as float32)");
        }
        return host;
    }

    private static void checkK(int k, int max) {
        if (k < 1 || k > max) {
            throw new IllegalArgumentException("k must be in 1.." + max + ", found " + k);
        }
    }
}
