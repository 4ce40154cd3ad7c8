package dev.cnnviz.core.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bytedeco.dnnl.global.dnnl;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link NativeKnn}'s fused kernel against the search on the JVM ({@link ExactKnn#withKernel} 0): the same
 * neighbours and the same distances, bit for bit, for every kernel this CPU runs, on data of awkward sizes (rows not a
 * multiple of the 32-row panels, queries not a multiple of the tiles, widths not a multiple of 4), with ties, with
 * many equal points (more than the kernel's buffer: those queries go to the JVM), and for both metrics.
 */
class NativeKnnTest {

    /** The kernels to compare with the JVM: every one this CPU runs, AVX2 included on an AVX-512 CPU. */
    static List<Integer> kernels() {
        List<Integer> out = new ArrayList<>();
        for (int isa = 1; isa <= NativeKnn.isa(); isa++) {
            out.add(isa);
        }
        return out;
    }

    static void assertSameAsJvm(ExactKnn knn, INDArray queries, int k, String what) {
        ExactKnn jvm = knn.withKernel(0);
        Neighbours expected = queries == null ? jvm.searchSelf(k) : jvm.search(queries, k);
        for (int isa : kernels()) {
            ExactKnn nat = knn.withKernel(isa);
            Neighbours found = queries == null ? nat.searchSelf(k) : nat.search(queries, k);
            assertArrayEquals(expected.indices(), found.indices(), what + ", kernel " + isa);
            assertArrayEquals(expected.distances(), found.distances(), what + ", kernel " + isa);
        }
    }

    @Test
    void theKernelIsBuiltAndLoadedWhereACompilerIs() {
        boolean linux64 = System.getProperty("os.name", "").startsWith("Linux")
                && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
        boolean compiler = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            compiler |= new File(dir, "cc").canExecute();
        }
        int cap = NativeKnn.isaCap(org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa());
        if (linux64 && compiler && cap > 0
                && Boolean.parseBoolean(System.getProperty("cnnviz.knn.native", "true"))) {
            assertTrue(NativeKnn.isa() > 0, "the build had a C compiler, so ExactKnn should use its kernel: "
                    + NativeKnn.status());
        }
    }

    @Test
    void oneDnnsEffectiveIsaCapsTheKernel() {
        assertEquals(NativeKnn.AVX512, NativeKnn.isaCap(dnnl.dnnl_cpu_isa_all));
        assertEquals(NativeKnn.AVX512, NativeKnn.isaCap(dnnl.dnnl_cpu_isa_avx512_core));
        assertEquals(NativeKnn.AVX512, NativeKnn.isaCap(dnnl.dnnl_cpu_isa_avx512_core_bf16));
        assertEquals(NativeKnn.AVX512, NativeKnn.isaCap(dnnl.dnnl_cpu_isa_avx512_core_amx));
        assertEquals(NativeKnn.AVX2, NativeKnn.isaCap(dnnl.dnnl_cpu_isa_avx2));
        assertEquals(NativeKnn.AVX2, NativeKnn.isaCap(dnnl.dnnl_cpu_isa_avx2_vnni));
        assertEquals(0, NativeKnn.isaCap(dnnl.dnnl_cpu_isa_sse41));
        assertEquals(0, NativeKnn.isaCap(dnnl.dnnl_cpu_isa_avx));
        // Here: never above what oneDNN runs.
        assertTrue(NativeKnn.isa() <= NativeKnn.isaCap(dnnl.dnnl_get_effective_cpu_isa()), NativeKnn.status());
    }

    @Property(tries = 40)
    void sameNeighboursAndDistancesAsTheJvm(@ForAll @IntRange(min = 2, max = 300) int n,
                                            @ForAll @IntRange(min = 1, max = 40) int d,
                                            @ForAll @IntRange(min = 1, max = 40) int k,
                                            @ForAll @IntRange(min = 1, max = 130) int queries,
                                            @ForAll long seed) {
        float[][] data = NeighbourSearchTest.clustered(n, d, 1 + (int) Math.floorMod(seed, 5L), seed);
        float[][] q = NeighbourSearchTest.clustered(queries, d, 3, seed + 1);
        INDArray x = Nd4j.createFromArray(data);
        for (Metric metric : Metric.values()) {
            ExactKnn knn = ExactKnn.of(x).withMetric(metric);
            assertSameAsJvm(knn, Nd4j.createFromArray(q), Math.min(k, n), metric + " search");
            assertSameAsJvm(knn, null, Math.min(k, n - 1), metric + " self");
        }
    }

    @Test
    void manyBlocksOfTheSelfSearchAsOnTheJvm() {
        // 1,500 rows: 7 blocks of 224 with AVX-512 (an odd number: one sits out each round of the tournament), 16 of
        // 96 with AVX2; a width that is not a multiple of 4.
        float[][] data = NeighbourSearchTest.clustered(1500, 33, 7, 11);
        INDArray x = Nd4j.createFromArray(data);
        for (Metric metric : Metric.values()) {
            ExactKnn knn = ExactKnn.of(x).withMetric(metric);
            assertSameAsJvm(knn, null, 10, metric + " self, k 10");
            assertSameAsJvm(knn, null, 23, metric + " self, k 23");
        }
        float[][] odd = NeighbourSearchTest.clustered(1000, 16, 3, 12);  // 5 blocks of 224 and 11 of 96: odd numbers
        float[][] even = NeighbourSearchTest.clustered(1300, 16, 3, 13); // 6 and 14: even numbers
        assertSameAsJvm(ExactKnn.of(Nd4j.createFromArray(odd)), null, 4, "1,000 rows");
        assertSameAsJvm(ExactKnn.of(Nd4j.createFromArray(even)), null, 4, "1,300 rows");
    }

    @Test
    void theSelfSearchEqualsTheSearchThatMultipliesEveryPairTwice() {
        int n = 777;
        int d = 10;
        int k = 6;
        float[][] rows = NeighbourSearchTest.clustered(n, d, 5, 21);
        float[] host = new float[n * d];
        float[] offsets = new float[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[i], 0, host, i * d, d);
            double s = 0;
            for (float v : rows[i]) {
                s += (double) v * v;
            }
            offsets[i] = (float) (s / 2);
        }
        float[] slack = new float[n];
        java.util.Arrays.fill(slack, 1e-3f);
        float[] panels = NativeKnn.pack(host, n, d);
        float[] padded = NativeKnn.padOffsets(offsets);
        for (int isa : kernels()) {
            int[] idx = new int[n * k];
            float[] dist = new float[n * k];
            int[] status = new int[n];
            NativeKnn.search(host, host, 0, n, d, panels, padded, host, n, k, slack, 0, false, idx, dist, status,
                    isa);
            int[][] selfIdx = new int[n][k];
            float[][] selfDist = new float[n][k];
            boolean[] left = new boolean[n];
            NativeKnn.searchSelf(NativeKnn.packTiles(host, n, d, NativeKnn.tileQueries(isa)), host, n, d, panels,
                    padded, k, slack, false, selfIdx, selfDist, left, isa);
            for (int i = 0; i < n; i++) {
                assertEquals(0, status[i]);
                assertTrue(!left[i]);
                assertArrayEquals(java.util.Arrays.copyOfRange(idx, i * k, i * k + k), selfIdx[i], "row " + i);
                assertArrayEquals(java.util.Arrays.copyOfRange(dist, i * k, i * k + k), selfDist[i], "row " + i);
            }
        }
    }

    @Test
    void tiesAndSmallIntegersRankByIndexAsOnTheJvm() {
        // Values in {0, 1, 2}: many exactly equal distances, which must go to the smaller row in both.
        Random r = new Random(3);
        float[][] data = new float[517][6];
        for (float[] row : data) {
            for (int j = 0; j < row.length; j++) {
                row[j] = r.nextInt(3);
            }
        }
        INDArray x = Nd4j.createFromArray(data);
        for (Metric metric : Metric.values()) {
            ExactKnn knn = ExactKnn.of(x).withMetric(metric);
            assertSameAsJvm(knn, null, 9, metric + " self");
            assertSameAsJvm(knn, x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 77),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()), 30, metric + " search");
            assertArrayEquals(NeighbourSearchTest.bruteForce(data, data, 9, metric, true),
                    knn.searchSelf(9).indices(), metric + " brute force");
        }
    }

    @Test
    void manyEqualPointsOverflowTheKernelAndAreAnsweredOnTheJvm() {
        // 100 points, then 400 copies of one point far from them: every copy has 399 rows at distance 0, far more
        // than the kernel keeps (2k + 32 within the slack), so those queries are answered by the JVM's selection.
        // (The others have their neighbours among the first rows, so the copies never pass their thresholds.)
        float[][] data = new float[500][8];
        Random r = new Random(4);
        for (int i = 100; i < 500; i++) {
            java.util.Arrays.fill(data[i], 100f);
        }
        for (int i = 0; i < 100; i++) {
            for (int j = 0; j < 8; j++) {
                data[i][j] = (float) r.nextGaussian();
            }
        }
        INDArray x = Nd4j.createFromArray(data);
        for (Metric metric : Metric.values()) {
            ExactKnn knn = ExactKnn.of(x).withMetric(metric);
            assertSameAsJvm(knn, null, 5, metric + " self");
            for (int isa : kernels()) {
                // The kernel itself gives up on a copy (status -1) and answers the distinct points.
                float[] host = new float[500 * 8];
                for (int i = 0; i < 500; i++) {
                    System.arraycopy(data[i], 0, host, i * 8, 8);
                }
                float[] offsets = new float[500];
                for (int i = 0; i < 500; i++) {
                    for (float v : data[i]) {
                        offsets[i] += v * v / 2;
                    }
                }
                float[] slack = new float[500];
                java.util.Arrays.fill(slack, 1e-3f);
                int[] status = new int[500];
                NativeKnn.search(host, host, 0, 500, 8, NativeKnn.pack(host, 500, 8), NativeKnn.padOffsets(offsets),
                        host, 500, 5, slack, 0, false, new int[500 * 5], new float[500 * 5], status, isa);
                assertEquals(-1, status[100], "kernel " + isa);
                assertEquals(-1, status[499], "kernel " + isa);
                assertEquals(0, status[50], "kernel " + isa);
            }
            int[][] found = knn.searchSelf(5).indices();
            assertArrayEquals(new int[] {101, 102, 103, 104, 105}, found[100], metric + " copies rank by index");
            assertArrayEquals(new int[] {100, 101, 102, 103, 104}, found[107], metric + " copies rank by index");
        }
    }

    @Test
    void argumentsThatDoNotFitAreRefusedBeforeTheNativeCall() {
        int isa = Math.max(1, NativeKnn.isa());
        float[] data = new float[40 * 4];
        float[] panels = NativeKnn.pack(data, 40, 4);
        float[] offsets = NativeKnn.padOffsets(new float[40]);
        float[] slack = new float[40];
        int[] idx = new int[40 * 3];
        float[] dist = new float[40 * 3];
        int[] status = new int[40];
        if (NativeKnn.isa() > 0) {
            // From 30, 20 queries run past the 40 given.
            assertThrows(IllegalArgumentException.class, () -> NativeKnn.search(data, data, 30, 20, 4, panels,
                    offsets, data, 40, 3, slack, -1, false, idx, dist, status, isa));
            // Panels packed for another width.
            assertThrows(IllegalArgumentException.class, () -> NativeKnn.search(data, data, 0, 10, 4,
                    NativeKnn.pack(new float[40 * 5], 40, 5), offsets, data, 40, 3, slack, -1, false, idx, dist,
                    status, isa));
            // k above the data, and above MAX_K.
            assertThrows(IllegalArgumentException.class, () -> NativeKnn.search(data, data, 0, 10, 4, panels,
                    offsets, data, 40, 41, slack, -1, false, idx, dist, status, isa));
            // A self-search needs k <= n - 1.
            assertThrows(IllegalArgumentException.class, () -> NativeKnn.search(data, data, 0, 10, 4, panels,
                    offsets, data, 40, 40, slack, 0, false, new int[400], new float[400], status, isa));
            // Outputs too short.
            assertThrows(IllegalArgumentException.class, () -> NativeKnn.search(data, data, 0, 40, 4, panels,
                    offsets, data, 40, 3, slack, -1, false, new int[10], dist, status, isa));
        } else {
            assertThrows(IllegalStateException.class, () -> NativeKnn.search(data, data, 0, 10, 4, panels,
                    offsets, data, 40, 3, slack, -1, false, idx, dist, status, isa));
        }
    }

    @Test
    void packingPutsRowsInPanelsOf32() {
        int n = 37;
        int d = 3;
        float[] rows = new float[n * d];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i + 1;
        }
        float[] p = NativeKnn.pack(rows, n, d);
        assertEquals(2 * d * 32, p.length);
        // Row 33 = panel 1, lane 1; dimension 2 at (1 * 3 + 2) * 32 + 1.
        assertEquals(rows[33 * d + 2], p[(d + 2) * 32 + 1]);
        assertEquals(rows[5 * d], p[5]);
        assertEquals(0f, p[(d + 0) * 32 + 31]); // missing rows are zeros
        float[] o = NativeKnn.padOffsets(new float[n]);
        assertEquals(64, o.length);
        assertTrue(Float.isNaN(o[n]) && Float.isNaN(o[63]) && o[n - 1] == 0f);
    }
}
