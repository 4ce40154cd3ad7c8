package dev.cnnviz.core.embedding;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * {@link ExactKnn}'s fused product-and-selection kernel, in C ({@code cnnviz-core/src/main/c/cnnviz_knn.c}, built by
 * the Maven build when a C compiler is present, Linux x86-64 only, and loaded from the jar). For a block of queries it
 * multiplies them with every data row in registers (a register-blocked micro-kernel: 14 queries × 32 rows with
 * AVX-512, 6 × 16 with AVX2), compares each product's key at once with the query's running threshold, so the
 * {@code Q × N} products never reach memory, and re-ranks the few rows kept in double precision: {@link #search}.
 * {@link #searchSelf} computes each product of a self-search once, for both of its rows.
 *
 * <p>Where the library cannot be loaded, the CPU has neither AVX-512 nor AVX2 with FMA, oneDNN runs below AVX2, or
 * {@code -Dcnnviz.knn.native=false} is set, {@link #isa()} is 0 and {@link ExactKnn} multiplies with ND4J and
 * selects on the JVM instead (same answers, about twice the time); {@link #status()} says which. The kernel never
 * runs above oneDNN's effective ISA ({@link #isaCap}): {@code DNNL_MAX_CPU_ISA=AVX2}, which caps oneDNN, hence ND4J's
 * products and the graph's kernels, gives the AVX2 kernel, so that one setting emulates an AVX2 host for all.
 */
final class NativeKnn {
    /** The AVX-512 kernel. */
    static final int AVX512 = 2;
    /** The AVX2 + FMA kernel. */
    static final int AVX2 = 1;
    /** Rows per panel of the packed data ({@link #pack}), {@code PANEL} in {@code cnnviz_knn.c}. */
    static final int PANEL = 32;

    /** The largest k {@link #search} takes (each query's buffer holds {@code 4k + 96} rows). */
    static final int MAX_K = 256;

    private static final int ISA;
    private static final String STATUS;
    /** {@code cnnviz_knn_layout} of each kernel: queries per tile, queries per block, rows per self-search block. */
    private static final int[][] LAYOUT = new int[AVX512 + 1][];
    /** Whether this JVM pins arrays without copying them, which {@link #searchSelf} needs. */
    private static final boolean PINS_IN_PLACE;

    static {
        int isa = 0;
        String status;
        String arch = System.getProperty("os.arch", "");
        String os = System.getProperty("os.name", "");
        if (!Boolean.parseBoolean(System.getProperty("cnnviz.knn.native", "true"))) {
            status = "disabled by -Dcnnviz.knn.native=false";
        } else if (!os.startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            status = "no native kernel for " + os + " " + arch;
        } else {
            String loaded = load();
            if (loaded != null) {
                status = loaded;
            } else {
                int cpu = cpuIsa();
                int cap = oneDnnCap();
                isa = Math.min(cpu, cap);
                for (int k = AVX2; k <= isa; k++) {
                    LAYOUT[k] = new int[3];
                    layout0(k, LAYOUT[k]);
                }
                String capped = " (oneDNN's effective ISA; DNNL_MAX_CPU_ISA=" + System.getenv("DNNL_MAX_CPU_ISA") + ")";
                status = isa == AVX512 ? "AVX-512 kernel"
                        : isa == AVX2 ? "AVX2 kernel" + (cpu > AVX2 ? capped : "")
                        : cpu == 0 ? "the CPU has neither AVX-512 nor AVX2 with FMA"
                        : "no kernel below AVX2" + capped;
            }
        }
        ISA = isa;
        STATUS = status;
        PINS_IN_PLACE = isa > 0 && pinsInPlace0(new float[1]) == 1;
    }

    private NativeKnn() {
    }

    /** @return {@link #AVX512}, {@link #AVX2}, or 0 when the kernel is not used */
    static int isa() {
        return ISA;
    }

    /**
     * @return whether {@link #searchSelf} can run here: its calls on several threads update one set of Java arrays (in
     *         disjoint parts), which they pin; a JVM that copied pinned arrays would lose updates (G1, the default,
     *         pins them in place)
     */
    static boolean pinsInPlace() {
        return PINS_IN_PLACE;
    }

    /** @return which kernel {@link ExactKnn} uses, or why none */
    static String status() {
        return STATUS;
    }

    /**
     * The highest kernel oneDNN's own kernels run at here ({@code dnnl_get_effective_cpu_isa}, which follows
     * {@code DNNL_MAX_CPU_ISA} and {@code dnnl_set_max_cpu_isa}, as {@code OneDnn} asks for the graph's kernels), or
     * {@link #AVX512} (no cap) where oneDNN cannot be loaded.
     */
    private static int oneDnnCap() {
        try {
            return isaCap(org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa());
        } catch (LinkageError e) {
            return AVX512;
        }
    }

    /**
     * The highest kernel a oneDNN ISA ({@code dnnl_cpu_isa_t}, a set of feature bits) allows: {@link #AVX512} from
     * {@code avx512_core} up (and for {@code all}), {@link #AVX2} from {@code avx2} up, else 0 ({@code sse41},
     * {@code avx}).
     */
    static int isaCap(int dnnlIsa) {
        int avx512 = org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core;
        int avx2 = org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx2;
        if (dnnlIsa == org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_all || (dnnlIsa & avx512) == avx512) {
            return AVX512;
        }
        return (dnnlIsa & avx2) == avx2 ? AVX2 : 0;
    }

    /** Loads the library from the class path; null if loaded, else why not. */
    private static String load() {
        String resource = "linux-x86_64/libcnnviz_knn.so";
        try (InputStream in = NativeKnn.class.getResourceAsStream(resource)) {
            if (in == null) {
                return "the native kernel was not built (no C compiler when cnnviz-core was built)";
            }
            Path file = Files.createTempFile("cnnviz_knn", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            } finally {
                Files.deleteIfExists(file); // the mapping stays; nothing is left in the temporary directory
            }
            return null;
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            return "the native kernel could not be loaded: " + e;
        }
    }

    /**
     * The data rows packed for the kernel: panel {@code p} holds rows {@code 32p .. 32p + 31}, dimension {@code t} of
     * row {@code 32p + l} at {@code (p * d + t) * 32 + l}; the last panel's missing rows are zeros. (A Java array, so
     * that it lives in memory the JVM has already touched: a fresh 5 MB native buffer costs more to fault in on some
     * hosts than the packing. The kernels load it unaligned, which measured within 3% of aligned loads.)
     *
     * @param rows row-major {@code [n, d]}
     */
    static float[] pack(float[] rows, int n, int d) {
        int panels = (n + PANEL - 1) / PANEL;
        float[] out = new float[Math.multiplyExact(Math.multiplyExact(panels, d), PANEL)];
        for (int p = 0; p < panels; p++) {
            int base = p * d * PANEL;
            for (int l = 0, j = p * PANEL; l < PANEL && j < n; l++, j++) {
                for (int t = 0, from = j * d; t < d; t++) {
                    out[base + t * PANEL + l] = rows[from + t];
                }
            }
        }
        return out;
    }

    /** The keys' offsets for {@link #candidates}, padded to whole panels with NaN (which no threshold keeps). */
    static float[] padOffsets(float[] offsets) {
        int padded = (offsets.length + PANEL - 1) / PANEL * PANEL;
        float[] out = Arrays.copyOf(offsets, padded);
        Arrays.fill(out, offsets.length, padded, Float.NaN);
        return out;
    }

    /**
     * The {@code k} nearest data rows of queries {@code from .. from + count - 1}, exactly, as {@link ExactKnn}
     * defines them. With {@code key_j = offsets[j] - q·x_j} (float products, summed in any order), the kernel keeps
     * every row {@code j != skip} whose key is at most {@code b + slack[i]}, {@code b} at least the query's
     * {@code k}-th smallest key (a running threshold: the {@code k}-th smallest key so far plus the slack, rounded up),
     * and re-ranks the rows it kept by their distances in double precision, computed bit for bit as
     * {@link Metric#distance} does, ties to the smaller row. With {@code slack[i]} at least twice the query's largest
     * key error ({@link ExactKnn}), every row that can be among the {@code k} nearest is kept, so the answer equals
     * {@link ExactKnn}'s search on the JVM.
     *
     * <p>Query {@code from + r}'s neighbours go to {@code outIdx} and {@code outDist} from {@code r * k}, nearest
     * first; {@code status[r]} is 0, or -1 when more than {@code 2k + 32} rows stayed within the slack of one another
     * (many equal points): that query must be answered another way.
     *
     * @param queries  the queries as multiplied, row-major {@code [*, d]} (cosine: normalised)
     * @param raw      the queries as given, for the distances, indexed like {@code queries}
     * @param panels   {@link #pack}ed data, {@code n} rows
     * @param offsets  {@link #padOffsets}: {@code ||x||²/2} (L2) or 0 (cosine), finite
     * @param data     the data rows as given, row-major {@code [n, d]}, for the distances
     * @param slack    per query, indexed like the queries, at least 0
     * @param skipFrom -1, or query {@code from + r} skips row {@code skipFrom + from + r} (a self-search)
     * @param cosine   the distance: {@link Metric#COSINE}, else {@link Metric#L2}
     * @param isa      {@link #AVX512} or {@link #AVX2}, at most {@link #isa()}
     * @throws IllegalArgumentException if a length or index does not fit
     * @throws IllegalStateException    if the kernel is not loaded or runs out of native memory
     */
    static void search(float[] queries, float[] raw, int from, int count, int d, float[] panels, float[] offsets,
                       float[] data, int n, int k, float[] slack, int skipFrom, boolean cosine, int[] outIdx,
                       float[] outDist, int[] status, int isa) {
        if (isa < AVX2 || isa > ISA) {
            throw new IllegalStateException("the native k-NN kernel " + isa + " is not available: " + STATUS);
        }
        int panelCount = n < 1 ? 0 : (n + PANEL - 1) / PANEL;
        if (d < 1 || n < 1 || count < 0 || from < 0 || k < 1 || k > n || k > MAX_K
                || (long) from + count > queries.length / d || raw.length != queries.length
                || (long) from + count > slack.length || panels.length != (long) panelCount * d * PANEL
                || offsets.length != panelCount * PANEL || data.length != (long) n * d
                || (long) count * k > outIdx.length || (long) count * k > outDist.length || count > status.length
                || (skipFrom >= 0 && ((long) skipFrom + from + count > n || k > n - 1))) {
            throw new IllegalArgumentException("native k-NN arguments do not fit: from " + from + ", count " + count
                    + ", d " + d + ", n " + n + ", k " + k + ", skipFrom " + skipFrom);
        }
        if (count == 0) {
            return;
        }
        check(search0(queries, raw, from, count, d, panels, offsets, data, n, k, slack, skipFrom, cosine, outIdx,
                outDist, status, isa));
    }

    /** @return the kernel's queries per tile ({@link #packTiles}): 14 with AVX-512, 6 with AVX2 */
    static int tileQueries(int isa) {
        return LAYOUT[isa][0];
    }

    /**
     * @return the queries {@link #search}'s kernel multiplies together (4 tiles of 14 with AVX-512, 8 of 6 with AVX2),
     *         whose packed values and one panel of the data stay in L1 while the panels pass
     */
    static int blockQueries(int isa) {
        return LAYOUT[isa][1];
    }

    /** @return the rows per block of {@link #searchSelf}: 224 with AVX-512, 96 with AVX2 (whole tiles and panels) */
    static int selfBlock(int isa) {
        return LAYOUT[isa][2];
    }

    /**
     * The rows packed as the kernel reads its queries: tile {@code s} holds rows {@code s*mr .. s*mr + mr - 1},
     * dimension {@code t} of row {@code s*mr + i} at {@code s*d*mr + t*mr + i}; the last tile's missing rows are
     * zeros.
     *
     * @param rows row-major {@code [n, d]}
     * @param mr   {@link #tileQueries}
     */
    static float[] packTiles(float[] rows, int n, int d, int mr) {
        int tiles = (n + mr - 1) / mr;
        float[] out = new float[Math.multiplyExact(Math.multiplyExact(tiles, d), mr)];
        for (int j = 0; j < n; j++) {
            int base = j / mr * d * mr + j % mr;
            for (int t = 0, from = j * d; t < d; t++) {
                out[base + t * mr] = rows[from + t];
            }
        }
        return out;
    }

    /**
     * {@link #search} of every query, in chunks of two of the kernel's blocks (a few milliseconds of work, and many
     * calls to share among the cores) over the common pool.
     *
     * @param queries as multiplied (cosine: normalised), row-major {@code [q, d]}
     * @param raw     the queries as given
     * @param self    whether query {@code i} is data row {@code i}, never its own neighbour
     * @param outIdx  receives query {@code i}'s neighbours, nearest first, unless {@code left[i]}
     * @param outDist their distances
     * @param left    set for the queries the kernel gave up on, to be answered another way
     */
    static void searchQueries(float[] queries, float[] raw, int d, float[] panels, float[] offsets, float[] data,
                              int n, int k, float[] slack, boolean self, boolean cosine, int[][] outIdx,
                              float[][] outDist, boolean[] left, int isa) {
        inChunks(outIdx.length, 2 * blockQueries(isa), k, outIdx, outDist, left,
                (from, count, idx, dist, status) -> search(queries, raw, from, count, d, panels, offsets, data, n, k,
                        slack, self ? 0 : -1, cosine, idx, dist, status, isa));
    }

    /** One native call that answers queries {@code from .. from + count - 1} into flat outputs, as {@link #search}. */
    @FunctionalInterface
    private interface ChunkCall {
        void answer(int from, int count, int[] idx, float[] dist, int[] status);
    }

    /**
     * Answers queries {@code 0 .. total - 1} in chunks over the common pool, one {@code call} each, and copies each
     * query's answer into {@code outIdx} and {@code outDist}, or sets {@code left} where the kernel gave up.
     */
    private static void inChunks(int total, int chunk, int k, int[][] outIdx, float[][] outDist, boolean[] left,
                                 ChunkCall call) {
        IntStream.range(0, (total + chunk - 1) / chunk).parallel().forEach(c -> {
            int from = c * chunk;
            int count = Math.min(total, from + chunk) - from;
            int[] idx = new int[count * k];
            float[] dist = new float[count * k];
            int[] status = new int[count];
            call.answer(from, count, idx, dist, status);
            for (int r = 0; r < count; r++) {
                if (status[r] != 0) {
                    left[from + r] = true;
                } else {
                    System.arraycopy(idx, r * k, outIdx[from + r], 0, k);
                    System.arraycopy(dist, r * k, outDist[from + r], 0, k);
                }
            }
        });
    }

    /**
     * The bytes {@link #searchSelf} holds for its state: per row, its kept keys and rows ({@code 4k + 96} of each), its
     * {@code max(k, 16)} best keys, threshold and count, and the rows packed as queries.
     */
    static long selfStateBytes(int n, int d, int k) {
        int[] state = rowState(k);
        return (long) n * ((long) state[0] * 8 + state[1] * 4L + 8 + 4L * d);
    }

    /**
     * The self-search's state per row, as the kernel lays it out ({@code cnnviz_knn_row_state}): {kept keys and rows,
     * floats of the best keys}, {@code {4k + 96, max(k, 16)}}.
     *
     * @throws IllegalStateException if the kernel is not loaded
     */
    private static int[] rowState(int k) {
        if (ISA == 0) {
            throw new IllegalStateException("the native k-NN kernel is not available: " + STATUS);
        }
        int[] out = new int[2];
        rowState0(k, out);
        return out;
    }

    /**
     * The {@code k} nearest other rows of every data row, exactly, with each product computed once: a product
     * {@code x_i·x_j} ranks {@code j} for {@code i} and {@code i} for {@code j}, so the kernel multiplies each pair of
     * blocks of rows ({@code 224} rows with AVX-512, {@code 96} with AVX2) once, half the product of
     * {@link #search}, and compares every product with both rows' thresholds. The pairs of blocks run on the common
     * pool, no two that share a block at once ({@link BlockPairs}), so that no row's state is updated by two threads.
     * The answers equal {@link #search}'s with {@code skipFrom} 0, which the kept rows and thresholds follow in a
     * different order only.
     *
     * @param tiles   the rows as multiplied (cosine: normalised), {@link #packTiles packed} for this kernel
     * @param data    the rows as given, for the distances
     * @param panels  {@link #pack}ed {@code rows}
     * @param offsets {@link #padOffsets}
     * @param slack   per row, at least 0
     * @param outIdx  receives row {@code i}'s neighbours, nearest first, unless {@code left[i]}
     * @param outDist their distances
     * @param left    set for the rows the kernel gave up on (more than {@code 2k + 32} rows within the slack of one
     *                another), to be answered another way
     * @throws IllegalArgumentException if a length does not fit
     * @throws IllegalStateException    if the kernel is not loaded or runs out of native memory
     */
    static void searchSelf(float[] tiles, float[] data, int n, int d, float[] panels, float[] offsets, int k,
                           float[] slack, boolean cosine, int[][] outIdx, float[][] outDist, boolean[] left,
                           int isa) {
        if (isa < AVX2 || isa > ISA || !PINS_IN_PLACE) {
            throw new IllegalStateException("the native self-search is not available: " + STATUS
                    + (PINS_IN_PLACE ? "" : ", and this JVM copies pinned arrays"));
        }
        int panelCount = n < 1 ? 0 : (n + PANEL - 1) / PANEL;
        int mr = tileQueries(isa);
        if (d < 1 || n < 2 || k < 1 || k > n - 1 || k > MAX_K || tiles.length != (long) (n + mr - 1) / mr * d * mr
                || data.length != (long) n * d || panels.length != (long) panelCount * d * PANEL
                || offsets.length != panelCount * PANEL || slack.length != n || outIdx.length != n
                || outDist.length != n || left.length != n) {
            throw new IllegalArgumentException("native self-search arguments do not fit: n " + n + ", d " + d
                    + ", k " + k);
        }
        int[] state = rowState(k);
        int cap = state[0];
        int width = state[1];
        float[] theta = new float[panelCount * PANEL];
        Arrays.fill(theta, 0, n, Float.POSITIVE_INFINITY);
        Arrays.fill(theta, n, theta.length, Float.NaN); // padding rows: no threshold is ever passed
        float[] best = new float[Math.multiplyExact(n, width)];
        Arrays.fill(best, Float.POSITIVE_INFINITY);
        float[] keys = new float[Math.multiplyExact(n, cap)];
        int[] kept = new int[keys.length];
        int[] counts = new int[n];
        int bq = selfBlock(isa);
        int blocks = (n + bq - 1) / bq;
        // The pairs of blocks on every core, no two that share a block at once (BlockPairs).
        BlockPairs pairs = new BlockPairs(blocks);
        IntStream.range(0, ForkJoinPool.getCommonPoolParallelism() + 1)
                .parallel().forEach(w -> {
                    for (long p = pairs.take(); p >= 0; p = pairs.take()) {
                        try {
                            check(selfPair0(tiles, panels, offsets, theta, best, keys, kept, counts, slack, n, d, k,
                                    isa, (int) (p >>> 32), (int) p));
                        } finally {
                            pairs.done(p);
                        }
                    }
                });
        inChunks(n, 256, k, outIdx, outDist, left, (from, count, idx, dist, status) -> check(selfAnswer0(data, theta,
                best, keys, kept, counts, slack, d, k, cosine, from, count, idx, dist, status)));
    }

    private static void check(int result) {
        if (result != 0) {
            throw new IllegalStateException("the native k-NN kernel failed (" + (result == -1 ? "out of native memory"
                    : result == -3 ? "the JVM copied arrays it pinned" : "could not pin its arrays") + ")");
        }
    }

    private static native int cpuIsa();

    private static native int pinsInPlace0(float[] probe);

    private static native void layout0(int isa, int[] out);

    private static native void rowState0(int k, int[] out);

    private static native int selfPair0(float[] apack, float[] panels, float[] offsets, float[] theta, float[] best,
                                        float[] keys, int[] rows, int[] counts, float[] slack, int n, int d, int k,
                                        int isa, int bi, int bj);

    private static native int selfAnswer0(float[] data, float[] theta, float[] best, float[] keys, int[] rows,
                                          int[] counts, float[] slack, int d, int k, boolean cosine, int from,
                                          int count, int[] outIdx, float[] outDist, int[] status);

    private static native int search0(float[] queries, float[] raw, int from, int count, int d, float[] panels,
                                      float[] offsets, float[] data, int n, int k, float[] slack, int skipFrom,
                                      boolean cosine, int[] outIdx, float[] outDist, int[] status, int isa);
}
