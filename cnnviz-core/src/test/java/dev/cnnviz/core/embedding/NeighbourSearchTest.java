package dev.cnnviz.core.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Exact k-NN against a brute-force double-precision reference, and HNSW's recall against the exact answer. */
class NeighbourSearchTest {

    /** Clustered points: {@code clusters} Gaussian blobs in {@code d} dimensions. */
    static float[][] clustered(int n, int d, int clusters, long seed) {
        Random r = new Random(seed);
        float[][] centres = new float[clusters][d];
        for (float[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = (float) (r.nextGaussian() * 4);
            }
        }
        float[][] x = new float[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = centres[i % clusters][j] + (float) r.nextGaussian();
            }
        }
        return x;
    }

    /** The brute-force answer: every distance in double precision, sorted by (distance, index). */
    static int[][] bruteForce(float[][] data, float[][] queries, int k, Metric metric, boolean self) {
        int[][] out = new int[queries.length][];
        for (int q = 0; q < queries.length; q++) {
            final int qi = q;
            double[] dist = new double[data.length];
            for (int j = 0; j < data.length; j++) {
                dist[j] = metric.distance(queries[q], data[j]);
            }
            out[q] = IntStream.range(0, data.length).filter(j -> !self || j != qi).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(j -> dist[j]).thenComparingInt(j -> j))
                    .limit(k).mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    @Test
    void exactSearchEqualsBruteForce() {
        float[][] data = clustered(700, 19, 6, 1);
        float[][] queries = clustered(40, 19, 6, 2);
        INDArray x = Nd4j.createFromArray(data);
        INDArray q = Nd4j.createFromArray(queries);
        for (Metric metric : Metric.values()) {
            ExactKnn knn = ExactKnn.of(x).withMetric(metric);
            Neighbours found = knn.search(q, 12);
            assertArrayEquals(bruteForce(data, queries, 12, metric, false), found.indices(), metric.name());
            for (int i = 0; i < queries.length; i++) {
                for (int j = 0; j < 12; j++) {
                    double expected = metric.distance(queries[i], data[found.indices()[i][j]]);
                    assertEquals(expected, found.distances()[i][j], 1e-5 * Math.max(1, expected));
                }
            }
            Neighbours self = knn.searchSelf(7);
            assertArrayEquals(bruteForce(data, data, 7, metric, true), self.indices(), metric + " self");
            assertEquals(1.0, self.recallAgainst(self));
        }
    }

    @Test
    void blocksOfQueriesIncludingAPartialLastOneEqualBruteForce() {
        float[][] data = clustered(2300, 5, 4, 5);   // 2300 queries: eight blocks of 256 and one of 252
        INDArray x = Nd4j.createFromArray(data);
        for (Metric metric : Metric.values()) {
            assertArrayEquals(bruteForce(data, data, 3, metric, true), ExactKnn.of(x).withMetric(metric).searchSelf(3).indices(),
                    metric.name());
        }
    }

    @Test
    void tiesGoToTheSmallerIndexAndSelfIsExcluded() {
        float[][] data = {{0, 0}, {1, 0}, {0, 1}, {-1, 0}, {0, 0}};
        Neighbours n = ExactKnn.of(Nd4j.createFromArray(data)).searchSelf(3);
        assertArrayEquals(new int[] {4, 1, 2}, n.indices()[0]);
        assertArrayEquals(new int[] {0, 1, 2}, n.indices()[4]);
        assertEquals(0f, n.distances()[0][0]);
        assertEquals(1f, n.distances()[0][1], 1e-7f);
    }

    @Test
    void coarseSelectionKeepsEveryRowWithinTheSlackOfTheKthBest() {
        // Keys on a coarse grid (many ties, also at the threshold), sizes around the group count (partial last chunk,
        // one row per group), the skipped row anywhere, k up to every row.
        Random r = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + r.nextInt(trial < 150 ? 40 : 3000);
            int k = 1 + r.nextInt(Math.min(n, trial % 3 == 0 ? n : 30));
            int groups = Math.min(n, Math.max(k, 1 + r.nextInt(trial % 2 == 0 ? 8 : 600)));
            int skip = n > k && r.nextBoolean() ? r.nextInt(n) : -1;
            int levels = 1 + r.nextInt(trial % 4 == 0 ? 3 : 50);
            double slack = r.nextInt(3) * 0.25;
            float[] products = new float[n];
            float[] offset = new float[n];
            for (int j = 0; j < n; j++) {
                products[j] = r.nextInt(levels) * 0.5f;
                offset[j] = r.nextInt(levels) * 0.25f;
            }
            assertCoarse(products, offset, k, groups, skip, slack);
        }
    }

    @Test
    void superGroupsHoldingAllTheBestRowsLoseNone() {
        // k = 4 and 32 groups (4 super-groups of 8 groups): the best rows all in the groups of super-group 0 (rows
        // 0, 4, 8, ...: groups 0, 4, 8, 12 of the first chunk, then the same groups again), ties at the threshold, and
        // group counts around 8k.
        for (int groups : new int[] {31, 32, 35, 40}) {
            int n = 3 * groups + 5;
            float[] products = new float[n];
            float[] offset = new float[n];
            for (int j = 0; j < n; j++) {
                offset[j] = (j % groups) % 4 == 0 ? 1 + 0.25f * (j % 3) : 10 + j % 5;
            }
            for (double slack : new double[] {0, 0.25, 2}) {
                assertCoarse(products, offset, 4, groups, -1, slack);
                assertCoarse(products, offset, 4, groups, 4, slack);
            }
        }
    }

    /** {@link ExactKnn#coarse} finds exactly the rows with a key at most its threshold, at least the k-th key + slack. */
    private static void assertCoarse(float[] products, float[] offset, int k, int groups, int skip, double slack) {
        int n = products.length;
        float[] keys = new float[n];
        for (int j = 0; j < n; j++) {
            keys[j] = j == skip ? Float.POSITIVE_INFINITY : offset[j] - products[j];
        }
        float[] sorted = keys.clone();
        Arrays.sort(sorted);
        ExactKnn.Survivors found = new ExactKnn.Survivors();
        double threshold = ExactKnn.coarse(ExactKnn.chunks(products, groups, 0f),
                ExactKnn.chunks(offset, groups, Float.POSITIVE_INFINITY), n, skip, slack,
                new ExactKnn.Scratch(groups, k), found);
        String what = "n=" + n + " k=" + k + " groups=" + groups + " skip=" + skip;
        assertTrue(threshold >= sorted[k - 1] + slack, what);
        int[] expected = IntStream.range(0, n).filter(j -> j != skip && keys[j] <= threshold).toArray();
        int[] rows = Arrays.copyOf(found.rows, found.size);
        Arrays.sort(rows);
        assertArrayEquals(expected, rows, what);
        for (int t = 0; t < found.size; t++) {
            assertEquals(keys[found.rows[t]], found.keys[t], what);
        }
    }

    @Test
    void boundOfGroupMinimaIsTheKthSmallest() {
        Random r = new Random(8);
        for (int trial = 0; trial < 200; trial++) {
            float[] values = new float[1 + r.nextInt(100)];
            for (int i = 0; i < values.length; i++) {
                values[i] = r.nextInt(1 + trial % 20);
            }
            int m = 1 + r.nextInt(values.length);
            float[] sorted = values.clone();
            Arrays.sort(sorted);
            assertEquals(sorted[m - 1], ExactKnn.bound(values, new float[m]));
        }
    }

    @Test
    void duplicatesAndAllButOneNeighbourEqualBruteForce() {
        // Every point four times (ties broken by index), and k up to every other row (nothing to prune).
        float[][] base = clustered(150, 6, 3, 9);
        float[][] data = new float[600][];
        for (int i = 0; i < data.length; i++) {
            data[i] = base[(i * 7) % base.length];
        }
        INDArray x = Nd4j.createFromArray(data);
        for (Metric metric : Metric.values()) {
            ExactKnn knn = ExactKnn.of(x).withMetric(metric);
            for (int k : new int[] {1, 3, 10, 299, 599}) {
                assertArrayEquals(bruteForce(data, data, k, metric, true), knn.searchSelf(k).indices(), metric + " self k=" + k);
            }
            float[][] queries = Arrays.copyOf(base, 20);
            assertArrayEquals(bruteForce(data, queries, 600, metric, false),
                    knn.search(Nd4j.createFromArray(queries), 600).indices(), metric + " k=n");
        }
    }

    @Test
    void nearTiesBelowFloatResolutionAreRankedInDoublePrecision() {
        // 13 points within 0.013 of a far-off centre, 30 others at least 100 away: the float keys of the near ones
        // (about ||c||² u = 0.04 apart by rounding) cannot order them, their distances (0.001 apart) can. With k = 5
        // all 13 are within the float error of the 5th best: none may be dropped before the double-precision re-rank.
        int d = 8;
        float[] centre = new float[d];
        Arrays.fill(centre, 300f);
        Random r = new Random(11);
        float[][] data = new float[43][];
        for (int i = 0; i < data.length; i++) {
            data[i] = centre.clone();
            if (i < 13) {
                data[i][i % d] += 0.001f * (13 - i);
            } else {
                for (int j = 0; j < d; j++) {
                    data[i][j] += (float) (r.nextGaussian() * 100 + (r.nextBoolean() ? 150 : -150));
                }
            }
        }
        float[][] queries = {centre.clone(), data[12].clone()};
        for (Metric metric : Metric.values()) {
            Neighbours found = ExactKnn.of(Nd4j.createFromArray(data)).withMetric(metric).search(Nd4j.createFromArray(queries), 5);
            assertArrayEquals(bruteForce(data, queries, 5, metric, false), found.indices(), metric.name());
        }
        assertArrayEquals(new int[] {12, 11, 10, 9, 8}, ExactKnn.of(Nd4j.createFromArray(data)).search(
                Nd4j.createFromArray(new float[][] {centre}), 5).indices()[0]);
    }

    @Test
    void badArgumentsAreNamed() {
        INDArray x = Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}});
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> ExactKnn.of(x).searchSelf(2));
        assertTrue(k.getMessage().contains("found 2"), k.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExactKnn.of(x).search(Nd4j.ones(1, 3), 1));
        assertThrows(IllegalArgumentException.class, () -> ExactKnn.of(Nd4j.ones(2)));
        INDArray nan = Nd4j.createFromArray(new float[][] {{1, Float.NaN}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExactKnn.of(nan));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void viewsAndDoubleInputsGiveTheAnswerOfTheirFloatCopies() {
        // The host copy is taken in bulk: a row-and-column view of a larger matrix (an offset and strides that are
        // not its own) and a float64 matrix must be read as their plain float32 copies.
        float[][] big = clustered(300, 12, 5, 13);
        INDArray whole = Nd4j.createFromArray(big);
        INDArray view = whole.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(37, 287),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 11));
        float[][] plain = new float[250][9];
        for (int i = 0; i < 250; i++) {
            System.arraycopy(big[37 + i], 2, plain[i], 0, 9);
        }
        INDArray queries = view.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(100, 130),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        for (Metric metric : Metric.values()) {
            ExactKnn knn = ExactKnn.of(view).withMetric(metric);
            assertArrayEquals(bruteForce(plain, plain, 6, metric, true), knn.searchSelf(6).indices(), metric.name());
            assertArrayEquals(bruteForce(plain, Arrays.copyOfRange(plain, 100, 130), 6, metric, false),
                    knn.search(queries, 6).indices(), metric + " view queries");
            assertEquals(knn.search(queries, 6), ExactKnn.of(view.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE))
                    .withMetric(metric).search(queries.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), 6), metric + " double");
        }
    }

    @Test
    void valuesThatOverflowFloatAreRejected() {
        // Finite in float64 but infinite as float32: the search would rank infinities.
        INDArray big = Nd4j.createFromArray(new double[][] {{1, 2}, {1e300, 0}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExactKnn.of(big));
        assertTrue(e.getMessage().contains("data") && e.getMessage().contains("infinite"), e.getMessage());
        ExactKnn knn = ExactKnn.of(Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}}));
        IllegalArgumentException q = assertThrows(IllegalArgumentException.class,
                () -> knn.search(Nd4j.createFromArray(new double[][] {{-1e300, 0}}), 1));
        assertTrue(q.getMessage().contains("queries"), q.getMessage());
    }

    @Test
    void hnswRecallOnClusteredData() {
        float[][] data = clustered(2000, 32, 10, 3);
        float[][] queries = clustered(200, 32, 10, 4);
        INDArray x = Nd4j.createFromArray(data);
        INDArray q = Nd4j.createFromArray(queries);
        for (Metric metric : Metric.values()) {
            Neighbours exact = ExactKnn.of(x).withMetric(metric).search(q, 10);
            Neighbours approx = HnswKnn.build(x, metric).search(q, 10);
            double recall = approx.recallAgainst(exact);
            assertTrue(recall >= 0.95, metric + " recall " + recall);
            for (int i = 0; i < queries.length; i++) {
                float[] d = approx.distances()[i];
                float[] sorted = d.clone();
                Arrays.sort(sorted);
                assertArrayEquals(sorted, d);
                assertEquals(metric.distance(queries[i], data[approx.indices()[i][0]]), d[0], 1e-4);
            }
        }
    }
}
