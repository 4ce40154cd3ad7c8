package dev.cnnviz.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class RoadTest {

    @Test
    void noiselessImputationReproducesALinearRamp() {
        // The weighted mean of the 8 neighbours (symmetric weights) of a linear function is the function itself.
        int h = 9;
        int w = 11;
        float[] x = new float[2 * h * w];
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    x[c * h * w + y * w + xx] = (float) (0.5 * y - 0.25 * xx + c);
                }
            }
        }
        boolean[] removed = new boolean[h * w];
        for (int y = 2; y < 7; y++) {
            for (int xx = 2; xx < 8; xx++) {
                removed[y * w + xx] = true; // inside: at the border the neighbours are one-sided
            }
        }
        float[] damaged = x.clone();
        for (int c = 0; c < 2; c++) {
            for (int p = 0; p < h * w; p++) {
                if (removed[p]) {
                    damaged[c * h * w + p] = 99;
                }
            }
        }
        float[] out = new NoisyLinearImputer(0).impute(damaged, removed, 2, h, w, new Random(1));
        assertArrayEquals(x, out, 1e-4f);
    }

    @Test
    void holesInABlackBackgroundImputeToBlack() {
        // Fashion-MNIST: a hole whose kept neighbours are all 0 while the image is not (the right-hand side is 0).
        float[] x = new float[100];
        x[99] = 200;
        boolean[] removed = new boolean[100];
        for (int y = 1; y < 4; y++) {
            for (int xx = 1; xx < 4; xx++) {
                removed[y * 10 + xx] = true;
            }
        }
        float[] out = new NoisyLinearImputer(0).impute(x, removed, 1, 10, 10, new Random(1));
        assertArrayEquals(x, out, 1e-6f);
    }

    @Test
    void noiseIsSeededAndOnlyOnImputedPixels() {
        float[] x = new float[25];
        boolean[] removed = new boolean[25];
        removed[12] = true;
        float[] a = new NoisyLinearImputer(0.5).impute(x, removed, 1, 5, 5, new Random(3));
        float[] b = new NoisyLinearImputer(0.5).impute(x, removed, 1, 5, 5, new Random(3));
        assertArrayEquals(a, b);
        assertTrue(a[12] != 0);
        for (int p = 0; p < 25; p++) {
            if (p != 12) {
                assertEquals(0f, a[p]);
            }
        }
    }

    @Test
    void morfOfTheTrueRankingFallsBelowLerf() {
        int n = 10;
        Model m = MetricNets.region(n, 3);
        INDArray x = Nd4j.zeros(DataType.FLOAT, 1, 1, n, n);
        for (int y = 0; y < 3; y++) {
            for (int xx = 0; xx < 3; xx++) {
                x.putScalar(new long[] {0, 0, y, xx}, 1);
            }
        }
        Road road = Road.of(m).withProbability(false).withNoise(0);
        Curve morf = road.curve(x, MetricNets.regionMap(n, 3), Target.classIndex(0));
        Curve lerf = road.withOrder(Road.Order.LERF).curve(x, MetricNets.regionMap(n, 3), Target.classIndex(0));
        assertEquals(9, morf.size());
        assertEquals(0.0, morf.values()[0], 1e-4, "10% = the 9 region pixels (of 100) removed, imputed from zeros");
        assertTrue(morf.auc() < 0.5 && lerf.auc() > 5, "MoRF " + morf.auc() + ", LeRF " + lerf.auc());
        Curve again = Road.of(m).withProbability(false).withSeed(5).curve(x, MetricNets.regionMap(n, 3), Target.classIndex(0));
        assertEquals(again, Road.of(m).withProbability(false).withSeed(5).curve(x, MetricNets.regionMap(n, 3), Target.classIndex(0)));
    }

    @Test
    void badArgumentsAreClearErrors() {
        Model m = MetricNets.region(6, 2);
        assertThrows(IllegalArgumentException.class, () -> Road.of(m).withFractions());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Road.of(m).withFractions(0.5, 1.0)).getMessage().contains("1.0"));
        assertThrows(IllegalArgumentException.class, () -> Road.of(m).withFractions(0.5, 0.2));
        assertThrows(IllegalArgumentException.class, () -> Road.of(m).withNoise(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NoisyLinearImputer(0).impute(new float[4], new boolean[] {true, true, true, true}, 1, 2, 2, new Random()));
        assertTrue(e.getMessage().contains("all 4 pixels"), e.getMessage());
    }
}
