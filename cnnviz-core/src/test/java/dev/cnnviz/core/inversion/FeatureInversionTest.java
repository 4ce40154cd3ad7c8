package dev.cnnviz.core.inversion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.optim.Lbfgs;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Feature inversion on hand-built nets: recovery, the loss's gradient, options, listener, errors. */
class FeatureInversionTest {

    private static INDArray unitInput(long seed) {
        Random r = new Random(seed);
        INDArray a = Nd4j.create(DataType.DOUBLE, 1, 3, 6, 6);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, 0.1 + 0.8 * r.nextDouble());
        }
        return a;
    }

    @Test
    void recoversTheInputOfAnInvertibleNet() {
        Model m = TinyNets.invertible(3);
        INDArray x0 = unitInput(4);
        Synthesis s = FeatureInversion.of(m).withTv(0).withAlphaWeight(0).withSteps(300)
                .withOptimizer(Lbfgs.create()).invert(x0, "code", ProgressListener.NONE);
        float[] got = s.input().data();
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - x0.getDouble(i)));
        }
        assertTrue(worst < 1e-3, "largest pixel error " + worst + " (the net is invertible)");
        double err = Double.parseDouble(s.provenance().options().get("featureError"));
        assertTrue(err < 1e-8, "relative feature error " + err);
        assertEquals(List.of(1, 3, 6, 6), List.of(s.input().shape()[0], s.input().shape()[1], s.input().shape()[2],
                s.input().shape()[3]));
        assertEquals(6, s.image().getWidth());
    }

    @Test
    void defaultsReduceTheFeatureErrorOnTheInvertibleNet() {
        Model m = TinyNets.invertible(5);
        INDArray smooth = Nd4j.create(DataType.DOUBLE, 1, 3, 6, 6);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 6; x++) {
                    smooth.putScalar(new long[] {0, c, y, x}, 0.2 + 0.1 * c + 0.02 * (x + y)); // a gentle ramp: the priors like it
                }
            }
        }
        Synthesis s = FeatureInversion.of(m).withSteps(100).invert(smooth, "code", ProgressListener.NONE);
        double[] losses = s.losses();
        assertEquals(100, losses.length);
        assertTrue(losses[99] < losses[0], "loss " + losses[0] + " -> " + losses[99]);
        double f0 = s.history().get(0).terms().get("feature");
        double f99 = s.history().get(99).terms().get("feature");
        assertTrue(f99 < 0.2 * f0, "feature term " + f0 + " -> " + f99);
        double sum = s.history().get(99).terms().values().stream().mapToDouble(Double::doubleValue).sum();
        assertEquals(losses[99], sum, 1e-12, "the terms add up to the loss");
        assertEquals(List.of("feature", "alpha", "tv"), List.copyOf(s.history().get(0).terms().keySet()));
    }

    /** Gradient of the whole inversion loss (graph + data term + priors) against central differences. */
    @Test
    void everyLossCombinationsGradientMatchesFiniteDifferences() {
        Model m = TinyNets.convolutional(11);
        INDArray x0 = TinyNets.caffeInput(12, 3, 16, 16);
        double[][] combos = {
            // tv, beta, alphaWeight, alpha
            {0, 2, 0, 6}, {1, 2, 0, 6}, {0, 2, 1, 6}, {1, 2, 1, 6}, {2, 1.5, 0.5, 3}, {0.7, 1, 0.3, 2.5}};
        for (double[] c : combos) {
            FeatureInversion inv = FeatureInversion.of(m).withTv(c[0]).withBeta(c[1]).withAlphaWeight(c[2]).withAlpha(c[3]);
            try (FeatureInversion.Run run = inv.start(x0, "r2")) {
                Random r = new Random(13);
                double[] x = new double[(int) x0.length()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = x0.getDouble(i) + 20 * r.nextGaussian();
                }
                double[] g = new double[x.length];
                run.evaluate(x, g);
                double[] scratch = new double[x.length];
                double h = 1e-4;
                double worst = 0;
                for (int k = 0; k < 40; k++) {
                    int i = r.nextInt(x.length);
                    double xi = x[i];
                    x[i] = xi + h;
                    double up = run.evaluate(x, scratch);
                    x[i] = xi - h;
                    double down = run.evaluate(x, scratch);
                    x[i] = xi;
                    double numeric = (up - down) / (2 * h);
                    worst = Math.max(worst, Math.abs(numeric - g[i]) / (1e-6 + Math.abs(numeric) + Math.abs(g[i])));
                }
                assertTrue(worst < 1e-4, java.util.Arrays.toString(c) + ": relative gradient error " + worst);
            }
        }
    }

    @Test
    void sameSeedSameImageOtherSeedOtherImage() {
        Model m = TinyNets.convolutional(21);
        INDArray x0 = TinyNets.caffeInput(22, 3, 16, 16);
        FeatureInversion inv = FeatureInversion.of(m).withSteps(15);
        Synthesis a = inv.invert(x0, "r1", ProgressListener.NONE);
        Synthesis b = inv.invert(x0, "r1", ProgressListener.NONE);
        Synthesis c = inv.withSeed(99).invert(x0, "r1", ProgressListener.NONE);
        assertArrayEquals(a.input().data(), b.input().data());
        assertArrayEquals(a.losses(), b.losses());
        assertFalse(java.util.Arrays.equals(a.input().data(), c.input().data()));
        assertEquals(Long.valueOf(FeatureInversion.DEFAULT_SEED), a.provenance().seed());
        assertEquals("r1", a.provenance().layer());
    }

    @Test
    void listenerStopsTheRunAndSnapshotsAreTaken() {
        Model m = TinyNets.convolutional(31);
        INDArray x0 = TinyNets.caffeInput(32, 3, 16, 16);
        AtomicInteger seen = new AtomicInteger();
        Synthesis s = FeatureInversion.of(m).withSteps(50).withSnapshotEvery(2)
                .invert(x0, "r2", step -> seen.incrementAndGet() < 5);
        assertTrue(s.interrupted());
        assertEquals(5, s.steps());
        assertEquals(2, s.snapshots().size());
        Synthesis full = FeatureInversion.of(m).withSteps(4).invert(x0, "r2", ProgressListener.NONE);
        assertFalse(full.interrupted());
        assertTrue(full.snapshots().isEmpty());
    }

    @Test
    void interruptStopsTheRun() {
        Model m = TinyNets.convolutional(41);
        INDArray x0 = TinyNets.caffeInput(42, 3, 16, 16);
        try {
            Synthesis s = FeatureInversion.of(m).withSteps(50).invert(x0, "r2", step -> {
                if (step.step() == 3) {
                    Thread.currentThread().interrupt();
                }
                return true;
            });
            assertTrue(s.interrupted());
            assertEquals(3, s.steps());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void zeroStepsEvaluatesTheStart() {
        Model m = TinyNets.convolutional(51);
        Synthesis s = FeatureInversion.of(m).withSteps(0).invert(TinyNets.caffeInput(52, 3, 16, 16), "r1",
                ProgressListener.NONE);
        assertEquals(0, s.steps());
        assertEquals(1, s.history().size());
        assertEquals(0, s.history().get(0).step());
    }

    @Test
    void tensorAndImageForms() {
        Model m = TinyNets.convolutional(61);
        INDArray x0 = TinyNets.caffeInput(62, 3, 16, 16);
        INDArray x0f = x0.castTo(DataType.FLOAT);
        float[] data = x0f.data().asFloat();
        Synthesis t = FeatureInversion.of(m).withSteps(3).invertTensor(Tensor.of(data, 3, 16, 16), "r1");
        Synthesis n = FeatureInversion.of(m).withSteps(3).invert(x0f, "r1", ProgressListener.NONE);
        assertArrayEquals(n.input().data(), t.input().data());
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        Synthesis i = FeatureInversion.of(m).withSteps(2).invert(img, "r1");
        assertEquals(16, i.image().getWidth(), "resized to the model's input");
    }

    @Test
    void badArguments() {
        Model m = TinyNets.convolutional(71);
        INDArray x0 = TinyNets.caffeInput(72, 3, 16, 16);
        FeatureInversion inv = FeatureInversion.of(m).withSteps(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> inv.invert(x0, "r3", ProgressListener.NONE));
        assertTrue(e.getMessage().contains("'r3'") && e.getMessage().contains("r2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> inv.invert(x0, "w1", ProgressListener.NONE));
        assertTrue(e.getMessage().contains("constant"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> inv.invert(x0, "", ProgressListener.NONE));
        e = assertThrows(IllegalArgumentException.class,
                () -> inv.invert(TinyNets.caffeInput(1, 3, 15, 16), "r1", ProgressListener.NONE));
        assertTrue(e.getMessage().contains("15"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> inv.withSteps(-1));
        assertThrows(IllegalArgumentException.class, () -> inv.withTv(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> inv.withTv(-1));
        assertThrows(IllegalArgumentException.class, () -> inv.withBeta(0.5));
        assertThrows(IllegalArgumentException.class, () -> inv.withAlpha(0.9));
        assertThrows(IllegalArgumentException.class, () -> inv.withAlphaWeight(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> inv.withOptimizer(null));
        assertThrows(IllegalArgumentException.class, () -> inv.withSnapshotEvery(-2));
        assertThrows(IllegalArgumentException.class, () -> FeatureInversion.of(null));
        assertThrows(IllegalArgumentException.class, () -> inv.invert(x0, "r1", null));
    }

    @Test
    void anAllZeroCodeIsRefused() {
        dev.cnnviz.core.graph.Graph g = dev.cnnviz.core.graph.Graph.builder()
                .input("x", 3, 16, 16)
                .constant("w", Nd4j.zeros(DataType.DOUBLE, 2, 3, 1, 1))
                .add("c", dev.cnnviz.core.graph.ops.Conv.simple(), "x", "w")
                .build();
        Model m = new Model(g, TinyNets.convolutional(1).inputSpec(), List.of(), "zero net");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeatureInversion.of(m).invert(TinyNets.caffeInput(2, 3, 16, 16), "c", ProgressListener.NONE));
        assertTrue(e.getMessage().contains("all zeros"), e.getMessage());
    }

    @Test
    void panelHasOneTilePerLayerPlusTheImage() {
        Model m = TinyNets.convolutional(81);
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, (x * 16) << 16 | (y * 16) << 8 | 128);
            }
        }
        InversionPanel.Result r = InversionPanel.byDepth(FeatureInversion.of(m).withSteps(2), img, List.of("r1", "r2"));
        assertEquals(2, r.reconstructions().size());
        assertEquals("r2", r.reconstructions().get(1).provenance().layer());
        int tile = InversionPanel.TILE;
        assertTrue(r.panel().getWidth() >= 3 * tile, "three tiles: " + r.panel().getWidth());
        assertTrue(r.panel().getHeight() > tile);
        assertThrows(IllegalArgumentException.class, () -> InversionPanel.byDepth(FeatureInversion.of(m), img, List.of()));
    }
}
