package dev.cnnviz.core.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Barnes-Hut t-SNE: neighbourhoods kept (trustworthiness), clusters separated, seeded reproducibility. */
class TsneTest {

    @Test
    void keepsNeighbourhoodsOfClusteredData() {
        float[][] data = NeighbourSearchTest.clustered(600, 20, 6, 11);
        INDArray x = Nd4j.createFromArray(data);
        double[][] y = Tsne.defaults().withIterations(500).fit(x);
        double t = Trustworthiness.of(x, y, 5);
        assertTrue(t > 0.9, "trustworthiness " + t);
        // Clusters separated: a point's nearest layout neighbour is in its own cluster nearly always.
        Neighbours nn = ExactKnn.of(Nd4j.createFromArray(toFloat(y))).searchSelf(1);
        int same = 0;
        for (int i = 0; i < data.length; i++) {
            if (nn.indices()[i][0] % 6 == i % 6) {
                same++;
            }
        }
        assertTrue(same > 0.95 * data.length, same + " of " + data.length);
    }

    @Test
    void sameSeedSameLayoutOtherSeedOtherLayout() {
        INDArray x = Nd4j.createFromArray(NeighbourSearchTest.clustered(200, 8, 4, 5));
        Tsne random = Tsne.defaults().withInit(Tsne.Init.RANDOM).withIterations(300).withPerplexity(15);
        double[][] a = random.withSeed(1).fit(x);
        double[][] b = random.withSeed(1).fit(x);
        double[][] c = random.withSeed(2).fit(x);
        assertArrayEquals(a, b);
        assertFalse(Arrays.deepEquals(a, c));
        double[][] p1 = Tsne.defaults().withIterations(300).withPerplexity(15).fit(x);
        double[][] p2 = Tsne.defaults().withIterations(300).withPerplexity(15).fit(x);
        assertArrayEquals(p1, p2);
    }

    @Test
    void trustworthinessKnownCases() {
        Random r = new Random(3);
        float[][] pts = new float[200][2];
        double[][] same = new double[200][2];
        double[][] shuffled = new double[200][2];
        for (int i = 0; i < 200; i++) {
            pts[i][0] = (float) r.nextGaussian();
            pts[i][1] = (float) r.nextGaussian();
            same[i][0] = pts[i][0];
            same[i][1] = pts[i][1];
            shuffled[i][0] = r.nextGaussian();
            shuffled[i][1] = r.nextGaussian();
        }
        INDArray x = Nd4j.createFromArray(pts);
        assertEquals(1.0, Trustworthiness.of(x, same, 5), 1e-12);
        double t = Trustworthiness.of(x, shuffled, 5);
        assertTrue(t > 0.35 && t < 0.65, "random layout: " + t);
        assertThrows(IllegalArgumentException.class, () -> Trustworthiness.of(x, same, 100));
    }

    @Test
    void rejectsTooFewPointsForThePerplexity() {
        INDArray x = Nd4j.rand(50, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tsne.defaults().fit(x));
        assertTrue(e.getMessage().contains("perplexity 30") && e.getMessage().contains("at least 91"), e.getMessage());
        // The bound is exact: 3 × perplexity neighbours each, and at least four points.
        assertEquals(91, Tsne.defaults().minimumPoints());
        assertEquals(4, Tsne.defaults().withPerplexity(1).minimumPoints());
        assertEquals(9, Tsne.defaults().withPerplexity(2.5).minimumPoints());
        Tsne small = Tsne.defaults().withPerplexity(2.5).withIterations(10);
        assertThrows(IllegalArgumentException.class, () -> small.fit(Nd4j.rand(8, 3)));
        assertEquals(9, small.fit(Nd4j.rand(9, 3)).length);
        assertThrows(IllegalArgumentException.class, () -> Tsne.defaults().withTheta(2));
        assertThrows(IllegalArgumentException.class, () -> Tsne.defaults().withPerplexity(Double.NaN));
    }

    private static float[][] toFloat(double[][] y) {
        float[][] f = new float[y.length][2];
        for (int i = 0; i < y.length; i++) {
            f[i][0] = (float) y[i][0];
            f[i][1] = (float) y[i][1];
        }
        return f;
    }
}
