package dev.cnnviz.core.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** UMAP through Tag.bio's port: neighbourhoods kept, clusters separated, seeded reproducibility, clear errors. */
class UmapTest {

    @Test
    void keepsNeighbourhoodsAndSeparatesClusters() {
        float[][] data = NeighbourSearchTest.clustered(600, 20, 6, 11);
        INDArray x = Nd4j.createFromArray(data);
        double[][] y = Umap.defaults().withEpochs(200).fit(x);
        double t = Trustworthiness.of(x, y, 5);
        assertTrue(t > 0.9, "trustworthiness " + t);
        float[][] yf = new float[y.length][2];
        for (int i = 0; i < y.length; i++) {
            yf[i][0] = (float) y[i][0];
            yf[i][1] = (float) y[i][1];
        }
        Neighbours nn = ExactKnn.of(Nd4j.createFromArray(yf)).searchSelf(1);
        int same = 0;
        for (int i = 0; i < data.length; i++) {
            if (nn.indices()[i][0] % 6 == i % 6) {
                same++;
            }
        }
        assertTrue(same > 0.95 * data.length, same + " of " + data.length);
        // A random layout is far less trustworthy: the test can fail.
        double[][] noise = new double[y.length][2];
        java.util.Random r = new java.util.Random(1);
        for (double[] p : noise) {
            p[0] = r.nextGaussian();
            p[1] = r.nextGaussian();
        }
        assertTrue(Trustworthiness.of(x, noise, 5) < 0.7);
    }

    @Test
    void sameSeedSameLayoutOtherSeedOtherLayout() {
        INDArray x = Nd4j.createFromArray(NeighbourSearchTest.clustered(200, 8, 4, 5));
        Umap u = Umap.defaults().withEpochs(100).withNeighbours(10);
        double[][] a = u.withSeed(1).fit(x);
        double[][] b = u.withSeed(1).fit(x);
        double[][] c = u.withSeed(2).fit(x);
        assertArrayEquals(a, b);
        assertFalse(Arrays.deepEquals(a, c));
        double[][] cos = u.withMetric(Metric.COSINE).withSeed(1).fit(x);
        assertFalse(Arrays.deepEquals(a, cos));
    }

    @Test
    void rejectsBadInputNamingIt() {
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                () -> Umap.defaults().fit(Nd4j.rand(10, 3)));
        assertTrue(few.getMessage().contains("15 neighbours") && few.getMessage().contains("found 10"), few.getMessage());
        // The bound is exact: one point more than the neighbours.
        assertEquals(16, Umap.defaults().minimumPoints());
        Umap u = Umap.defaults().withNeighbours(4).withEpochs(11);
        assertEquals(5, u.minimumPoints());
        assertThrows(IllegalArgumentException.class, () -> u.fit(Nd4j.rand(4, 3)));
        assertEquals(5, u.fit(Nd4j.rand(5, 3)).length);
        INDArray nan = Nd4j.rand(40, 3);
        nan.putScalar(7, 1, Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Umap.defaults().fit(nan));
        assertTrue(e.getMessage().contains("row 7, column 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Umap.defaults().fit(Nd4j.rand(4, 4, 4)));
        assertThrows(IllegalArgumentException.class, () -> Umap.defaults().withNeighbours(1));
        assertThrows(IllegalArgumentException.class, () -> Umap.defaults().withMinDist(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Umap.defaults().withEpochs(-1));
        // The library refuses 10 epochs or fewer at fit time; the option refuses them when given, naming the range.
        IllegalArgumentException epochs = assertThrows(IllegalArgumentException.class,
                () -> Umap.defaults().withEpochs(10));
        assertTrue(epochs.getMessage().contains("11..10000") && epochs.getMessage().contains("found 10"),
                epochs.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Umap.defaults().withEpochs(1));
        assertEquals(0, Umap.defaults().withEpochs(0).epochs());
        assertThrows(IllegalArgumentException.class, () -> Umap.defaults().withThreads(0));
    }
}
