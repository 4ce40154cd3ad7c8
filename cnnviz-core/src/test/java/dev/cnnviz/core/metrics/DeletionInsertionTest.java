package dev.cnnviz.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DeletionInsertionTest {
    private static final int N = 8;
    private static final int R = 3;

    private static INDArray ones() {
        return Nd4j.ones(DataType.FLOAT, 1, 1, N, N);
    }

    private static Map2D randomMap(long seed) {
        Random r = new Random(seed);
        return Map2D.generate(N, N, (y, x) -> r.nextFloat());
    }

    @Test
    void deletionOfTheTrueRankingBeatsRandomRankings() {
        Model m = MetricNets.region(N, R);
        DeletionInsertion del = DeletionInsertion.of(m);
        double truth = del.curve(ones(), MetricNets.regionMap(N, R), Target.classIndex(0)).auc();
        double sum = 0;
        for (int s = 0; s < 20; s++) {
            double random = del.curve(ones(), randomMap(s), Target.classIndex(0)).auc();
            assertTrue(random >= truth - 1e-9, "random ranking " + s + " beat the truth: " + random + " < " + truth);
            sum += random;
        }
        assertTrue(sum / 20 > truth + 0.1, "mean random deletion AUC " + sum / 20 + " vs the truth's " + truth);
    }

    @Test
    void insertionOfTheTrueRankingBeatsRandomRankings() {
        Model m = MetricNets.region(N, R);
        DeletionInsertion ins = DeletionInsertion.of(m).withMode(DeletionInsertion.Mode.INSERTION)
                .withSubstrate(Substrate.constant(0)).withProbability(false);
        double truth = ins.curve(ones(), MetricNets.regionMap(N, R), Target.classIndex(0)).auc();
        double sum = 0;
        for (int s = 0; s < 20; s++) {
            sum += ins.curve(ones(), randomMap(s), Target.classIndex(0)).auc();
        }
        assertTrue(truth > sum / 20 + 1, "insertion AUC of the truth " + truth + " vs random " + sum / 20);
    }

    @Test
    void curveValuesAreTheLinearModelsScores() {
        // Score = sum of the region; step 1, scores before the softmax: after k deletions of region pixels the
        // score is R*R - k, then stays 0.
        Model m = MetricNets.region(N, R);
        Curve c = DeletionInsertion.of(m).withStep(1).withProbability(false)
                .curve(ones(), MetricNets.regionMap(N, R), Target.classIndex(0));
        assertEquals(N * N + 1, c.size());
        double[] v = c.values();
        for (int k = 0; k <= N * N; k++) {
            assertEquals(Math.max(0, R * R - k), v[k], 1e-9, "step " + k);
        }
        assertEquals(0.0, c.fractions()[0]);
        assertEquals(1.0, c.fractions()[N * N], 1e-12);
        // Trapezoid: area of the ramp from 9 to 0 over the first 9 of 64 steps.
        assertEquals(R * R * (R * R / 64.0) / 2, c.auc(), 1e-9);
    }

    @Test
    void defaultStepIsOneRowAndTheLastStepReachesTheSubstrate() {
        Model m = MetricNets.region(N, R);
        Curve c = DeletionInsertion.of(m).withProbability(false).curve(ones(), MetricNets.regionMap(N, R), Target.topClass());
        assertEquals(N + 1, c.size());
        assertEquals(0.0, c.values()[N], 1e-9);
        assertEquals(R * R, c.values()[0], 1e-9);
    }

    @Test
    void featureMasksMoveWholeFeatures() {
        Model m = MetricNets.region(N, R);
        int[][] mask = new int[N][N];
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                mask[y][x] = (y / 4) * 2 + x / 4; // four 4x4 quadrants
            }
        }
        Curve c = DeletionInsertion.of(m).withFeatureMask(mask).withProbability(false)
                .curve(ones(), MetricNets.regionMap(N, R), Target.classIndex(0));
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, c.fractions(), 1e-12);
        assertArrayEquals(new double[] {9, 0, 0, 0, 0}, c.values(), 1e-9);
    }

    @Test
    void blurSubstrateKeepsConstantImagesAndSmoothsEdges() {
        float[] flat = new float[16];
        java.util.Arrays.fill(flat, 3f);
        float[] b = Substrate.blur(5, 2).apply(flat, 1, 4, 4);
        for (float v : b) {
            assertEquals(3f, v, 1e-5);
        }
        float[] edge = new float[16];
        edge[5] = 16;
        float[] s = Substrate.blur(3, 1).apply(edge, 1, 4, 4);
        assertTrue(s[5] < 16 && s[4] > 0 && s[6] > 0);
    }

    @Test
    void badArgumentsAreClearErrors() {
        Model m = MetricNets.region(N, R);
        DeletionInsertion d = DeletionInsertion.of(m);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> d.withStep(0)).getMessage().contains("found 0"));
        assertThrows(IllegalArgumentException.class, () -> d.withFeatureMask(new int[0][]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.withFeatureMask(new int[N][N + 1]).curve(ones(), MetricNets.regionMap(N, R), Target.classIndex(0)));
        assertTrue(e.getMessage().contains("columns") && e.getMessage().contains(N + "x" + N), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> d.curve(Nd4j.ones(DataType.FLOAT, 1, 1, N, N + 2), MetricNets.regionMap(N, R), Target.classIndex(0)));
        assertTrue(e.getMessage().contains("[1, 1, 8, 10]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> d.curve(ones(), MetricNets.regionMap(N, R), Target.classIndex(7)));
        assertTrue(e.getMessage().contains("class index 7"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Substrate.blur(4, 1));
        assertThrows(IllegalArgumentException.class, () -> Substrate.constant(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> d.withBatchSize(0));
    }
}
