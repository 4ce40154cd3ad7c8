package dev.cnnviz.core.style;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Stylization;
import dev.cnnviz.api.WeightedStyle;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.inversion.TinyNets;
import dev.cnnviz.core.optim.Adam;
import dev.cnnviz.core.optim.TotalVariationLoss;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** GatysStyle and TextureSynthesis on a tiny random convolutional net (float64): known answers and properties. */
class GatysStyleTest {
    private static final Model NET = TinyNets.convolutional(5);
    private static final List<String> LAYERS = List.of("r1", "r2");

    /** A colourful seeded image: smooth colour gradients plus noise. */
    static BufferedImage image(long seed, int w, int h) {
        Random r = new Random(seed);
        double[] f = {r.nextDouble() * 0.8 + 0.2, r.nextDouble() * 0.8 + 0.2, r.nextDouble() * 0.8 + 0.2};
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] c = new int[3];
                for (int k = 0; k < 3; k++) {
                    double v = 127 + 90 * Math.sin(f[k] * (x + 2 * k) + 0.7 * f[(k + 1) % 3] * y) + 25 * r.nextGaussian();
                    c[k] = (int) Math.max(0, Math.min(255, Math.round(v)));
                }
                img.setRGB(x, y, (c[0] << 16) | (c[1] << 8) | c[2]);
            }
        }
        return img;
    }

    static double styleSum(OptimizationStep s) {
        return s.terms().entrySet().stream().filter(e -> e.getKey().startsWith("style:"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    private static TextureSynthesis texture() {
        return TextureSynthesis.of(NET).withLayers(LAYERS, 1, 1).withSize(16).withSeed(11);
    }

    @Test
    void textureStyleLossFallsTenfoldAndIsDeterministic() {
        BufferedImage brick = image(1, 16, 16);
        Stylization a = texture().withSteps(40).synthesize(brick);
        List<OptimizationStep> h = a.history();
        double first = styleSum(h.get(0));
        double last = styleSum(h.get(h.size() - 1));
        assertTrue(first > 0 && last <= first / 10, "style loss " + first + " -> " + last);
        Stylization b = texture().withSteps(40).synthesize(brick);
        assertArrayEquals(a.pixels().data(), b.pixels().data(), "same seed, same bits");
        Stylization c = texture().withSeed(12).withSteps(40).synthesize(brick);
        assertFalse(java.util.Arrays.equals(a.pixels().data(), c.pixels().data()), "another seed, another texture");
        for (float v : a.pixels().data()) {
            assertTrue(v >= 0 && v <= 255, "pixels valid: " + v);
        }
    }

    @Test
    void normalizedTermsStartAtTheirWeightsAndKeepTheRunOtherwiseAlike() {
        BufferedImage brick = image(3, 16, 16);
        Stylization plain = texture().withSteps(0).synthesize(brick);
        Map<String, Double> raw = plain.history().get(0).terms();
        assertTrue(raw.get("style:r1") > 0 && raw.get("style:r2") > 0, "raw terms " + raw);
        Stylization n = texture().withLayers(LAYERS, 2, 5).withNormalizedTerms(true).withSteps(0).synthesize(brick);
        Map<String, Double> start = n.history().get(0).terms();
        double total = 2 * raw.get("style:r1") + 5 * raw.get("style:r2");   // the weighted start, shared 2 : 5
        assertEquals(total * 2 / 7, start.get("style:r1"), 1e-9 * total, "terms " + start);
        assertEquals(total * 5 / 7, start.get("style:r2"), 1e-9 * total, "terms " + start);
        assertEquals("[" + raw.get("style:r1") + ", " + raw.get("style:r2") + "]",
                n.provenance().options().get("normalizers"));
        // the normalised run optimizes, deterministically; the layer with the smaller raw term counts for more than
        // without normalisation, so it falls by a larger factor, and the total falls as much as the plain run's
        Stylization a = texture().withNormalizedTerms(true).withSteps(40).synthesize(brick);
        Stylization b = texture().withNormalizedTerms(true).withSteps(40).synthesize(brick);
        assertArrayEquals(a.pixels().data(), b.pixels().data(), "same seed, same bits");
        Stylization u = texture().withSteps(40).synthesize(brick);
        String small = raw.get("style:r1") < raw.get("style:r2") ? "style:r1" : "style:r2";
        double fallNormalized = a.history().get(0).terms().get(small) / last(a).get(small);
        double fallPlain = u.history().get(0).terms().get(small) / last(u).get(small);
        assertTrue(fallNormalized > fallPlain, small + " fell " + fallNormalized + "x normalized, " + fallPlain
                + "x plain; raw start " + raw + ", ends " + last(a) + " / " + last(u));
        assertTrue(styleSum(a.history().get(a.history().size() - 1)) <= styleSum(a.history().get(0)) / 10,
                "the normalized loss falls tenfold: " + a.history().get(0).terms() + " -> " + last(a));
        assertFalse(texture().normalizedTerms());
    }

    private static Map<String, Double> last(Stylization s) {
        return s.history().get(s.history().size() - 1).terms();
    }

    private static INDArray gaussian(Random r, double sd, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, r.nextGaussian() * sd);
        }
        return a;
    }

    @Test
    void aGreyModelSynthesizesAGreyTextureFromTheLuminance() {
        Random r = new Random(3);
        dev.cnnviz.core.graph.Graph g = dev.cnnviz.core.graph.Graph.builder()
                .input("x", 1, 16, 16)
                .constant("w1", gaussian(r, 0.4, 8, 1, 3, 3))
                .constant("w2", gaussian(r, 0.2, 8, 8, 3, 3))
                .add("c1", dev.cnnviz.core.graph.ops.Conv.padded(1), "x", "w1")
                .add("r1", new dev.cnnviz.core.graph.ops.Relu(), "c1")
                .add("p1", dev.cnnviz.core.graph.ops.MaxPool.of(2, 2), "r1")
                .add("c2", dev.cnnviz.core.graph.ops.Conv.simple(), "p1", "w2")
                .add("r2", new dev.cnnviz.core.graph.ops.Relu(), "c2")
                .build();
        Model grey = new Model(g, new InputSpec(1, 16, 16, Layout.NCHW, Preprocessing.unit(ChannelOrder.GREY)), List.of(),
                "tiny grey net");
        Stylization t = TextureSynthesis.of(grey).withLayers(LAYERS, 1e6, 1e6).withSize(16).withSeed(11).withSteps(40)
                .synthesize(image(1, 16, 16));
        double first = styleSum(t.history().get(0));
        double last = styleSum(t.history().get(t.history().size() - 1));
        assertTrue(first > 0 && last <= first / 10, "style loss " + first + " -> " + last);
        float[] p = t.pixels().data();
        int plane = 16 * 16;
        for (int i = 0; i < plane; i++) {
            assertEquals(p[i], p[plane + i], 0, "grey at " + i);
            assertEquals(p[i], p[2 * plane + i], 0, "grey at " + i);
        }
    }

    @Test
    void lbfgsBeatsAdamAtEqualSteps() {
        BufferedImage brick = image(2, 16, 16);
        int steps = 25;
        Stylization l = texture().withSteps(steps).synthesize(brick);
        Stylization a = texture().withSteps(steps).withOptimizer(Adam.create().withLearningRate(4)).synthesize(brick);
        double lb = l.history().get(l.history().size() - 1).loss();
        double ad = a.history().get(a.history().size() - 1).loss();
        assertEquals(l.history().get(0).loss(), a.history().get(0).loss(), 0, "same start");
        assertTrue(lb < ad, "L-BFGS " + lb + " should beat Adam " + ad + " after " + steps + " steps");
    }

    @Test
    void styleTransferStyleLossFallsTenfold() {
        GatysStyle g = GatysStyle.of(NET).withContentLayer("r2").withContentWeight(1e-3)
                .withStyleLayers(LAYERS, 1, 1).withSize(16).withSteps(40);
        Stylization s = g.stylize(image(3, 16, 16), image(4, 16, 16));
        double first = styleSum(s.history().get(0));
        double last = styleSum(s.history().get(s.history().size() - 1));
        assertTrue(last <= first / 10, "style loss " + first + " -> " + last);
        assertEquals(0.0, s.history().get(0).terms().get("content"), "content init: no content loss at the start");
        assertEquals(40, s.steps());
        assertFalse(s.interrupted());
    }

    @Test
    void stepsZeroReportsTheStartWithTheTvOfTheContentImage() {
        BufferedImage content = image(5, 12, 10);
        Stylization s = GatysStyle.of(NET).withContentLayer("r1").withStyleLayers(LAYERS, 1, 1).withTv(0.5)
                .withSize(12).withSteps(0).stylize(content, image(6, 16, 16));
        assertEquals(1, s.history().size());
        OptimizationStep start = s.history().get(0);
        assertEquals(0, start.step());
        Pixels.Planes p = Pixels.of(content, 12, MemoryBudget.unlimited(), "content");
        assertEquals(10, p.height());
        double expected;
        try (INDArray a = Nd4j.create(p.values(), new long[] {1, 3, p.height(), p.width()}, DataType.FLOAT)
                .castTo(DataType.DOUBLE); INDArray g = a.ulike()) {
            expected = TotalVariationLoss.of().withWeight(0.5).evaluate(a, g);
        }
        assertEquals(expected, start.terms().get("tv"), 1e-9 * expected);
        assertEquals(0.0, start.terms().get("content"));
        assertEquals(0.0, start.terms().get("range"));
        double sum = start.terms().values().stream().mapToDouble(Double::doubleValue).sum();
        assertEquals(start.loss(), sum, 1e-12 * Math.abs(sum), "the terms add up to the loss");
        assertArrayEquals(p.values(), s.pixels().data(), "0 steps: the content image itself");
    }

    @Test
    void objectiveIsTheLossStylizeStartsFromWithItsGradient() {
        BufferedImage content = image(9, 12, 12);
        List<WeightedStyle> style = List.of(new WeightedStyle(image(10, 16, 16), 1));
        GatysStyle g = GatysStyle.of(NET).withContentLayer("r2").withStyleLayers(LAYERS, 1, 1).withTv(0.5)
                .withInit(GatysStyle.Init.NOISE).withSeed(4).withSize(12).withSteps(0);
        double atStart = g.stylize(content, style).history().get(0).loss();
        try (StyleObjective f = g.objective(content, style)) {
            assertEquals(12, f.height());
            assertEquals(12, f.width());
            double[] x = f.start();
            double[] grad = new double[x.length];
            double loss = f.evaluate(x, grad);
            assertEquals(atStart, loss, 1e-12 * Math.abs(atStart), "the loss stylize reports at step 0");
            assertTrue(f.terms(loss).get("content") > 0, "a noise start is far from the content: " + f.terms(loss));
            double[] scratch = new double[x.length];
            for (int i : new int[] {0, 77, 200, x.length - 1}) {
                double h = 1e-3;
                double[] xp = x.clone();
                double[] xm = x.clone();
                xp[i] += h;
                xm[i] -= h;
                double fd = (f.evaluate(xp, scratch) - f.evaluate(xm, scratch)) / (2 * h);
                assertEquals(fd, grad[i], 1e-4 * Math.max(1, Math.abs(fd)), "d loss / d pixel " + i);
            }
            assertThrows(IllegalArgumentException.class, () -> f.evaluate(new double[3], new double[3]));
        }
    }

    @Test
    void colourPreservationKeepsTheContentsChrominance() {
        BufferedImage content = image(7, 16, 16);
        BufferedImage style = image(8, 16, 16);
        GatysStyle g = GatysStyle.of(NET).withContentLayer("r2").withStyleLayers(LAYERS, 1, 1).withSize(16)
                .withSteps(15);
        float[] c = Pixels.of(content, 16, MemoryBudget.unlimited(), "content").values();
        double[] cy = Pixels.toYiq(c);
        float[] kept = g.withPreserveColor(true).stylize(content, style).pixels().data();
        float[] free = g.stylize(content, style).pixels().data();
        int plane = 16 * 16;
        double keptErr = chrominanceError(kept, cy, plane);
        double freeErr = chrominanceError(free, cy, plane);
        assertTrue(keptErr < 1e-3, "chrominance kept within float rounding, found " + keptErr);
        assertTrue(freeErr > 1, "without the option the chrominance moves (so the check can fail), found " + freeErr);
    }

    /** The largest I or Q difference to the content over the pixels that were not clipped. */
    private static double chrominanceError(float[] rgb, double[] contentYiq, int plane) {
        double[] y = Pixels.toYiq(rgb);
        double worst = 0;
        for (int i = 0; i < plane; i++) {
            boolean clipped = false;
            for (int k = 0; k < 3; k++) {
                float v = rgb[k * plane + i];
                clipped |= v <= 0f || v >= 255f;
            }
            if (!clipped) {
                worst = Math.max(worst, Math.abs(y[plane + i] - contentYiq[plane + i]));
                worst = Math.max(worst, Math.abs(y[2 * plane + i] - contentYiq[2 * plane + i]));
            }
        }
        return worst;
    }

    @Test
    void yiqRoundTrips() {
        float[] p = Pixels.of(image(9, 8, 8), 8, MemoryBudget.unlimited(), "x").values();
        float[] back = Pixels.fromYiq(Pixels.toYiq(p));
        for (int i = 0; i < p.length; i++) {
            assertEquals(p[i], back[i], 1e-3);
        }
    }

    @Test
    void blendWeightsAreRelativeAndValidated() {
        BufferedImage content = image(10, 16, 16);
        BufferedImage a = image(11, 16, 16);
        BufferedImage b = image(12, 16, 16);
        GatysStyle g = GatysStyle.of(NET).withContentLayer("r2").withStyleLayers(LAYERS, 1, 1).withSize(16).withSteps(0);
        double one = g.stylize(content, a).history().get(0).loss();
        double twice = g.stylize(content, WeightedStyle.blend(List.of(a, a), 2, 5)).history().get(0).loss();
        assertEquals(one, twice, 1e-9 * one, "a blend of one style with itself is that style, whatever the weights");
        double ab = g.stylize(content, WeightedStyle.blend(List.of(a, b), 1, 1)).history().get(0).loss();
        assertTrue(Math.abs(ab - one) > 1e-6 * one, "another style changes the target");
        assertThrows(IllegalArgumentException.class, () -> WeightedStyle.blend(List.of(a, b), 1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> WeightedStyle.blend(List.of(a, b), 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new WeightedStyle(a, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new WeightedStyle(a, -1));
        assertThrows(IllegalArgumentException.class, () -> g.stylize(content, List.of()));
    }

    @Test
    void optionsAndLayersAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GatysStyle.of(NET).stylize(image(1, 16, 16), image(2, 16, 16)));
        assertTrue(e.getMessage().contains("closest"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GatysStyle.of(NET).withSteps(-1));
        assertThrows(IllegalArgumentException.class, () -> GatysStyle.of(NET).withTv(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> GatysStyle.of(NET).withStyleLayers(LAYERS, 1));
        assertThrows(IllegalArgumentException.class, () -> GatysStyle.of(NET).withStyleLayers(LAYERS, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> GatysStyle.of(NET).withSize(0));
        IllegalArgumentException grey = assertThrows(IllegalArgumentException.class, () -> GatysStyle.of(
                new Model(TinyNets.invertible(1).graph(), new InputSpec(1, 6, 6, Layout.NCHW,
                        Preprocessing.unit(ChannelOrder.GREY)), List.of(), "grey"))
                .withContentLayer("code").withStyleLayers(List.of("code"), 1).stylize(image(1, 16, 16), image(2, 16, 16)));
        assertTrue(grey.getMessage().contains("colour") || grey.getMessage().contains("channel"), grey.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> GatysStyle.of(NET).withContentLayer("r1").withStyleLayers(LAYERS, 1, 1).withSize(2)
                        .stylize(image(1, 16, 16), image(2, 16, 16)));
        assertTrue(small.getMessage().contains("r2"), small.getMessage());
    }

    @Test
    void multiScaleAndNoiseStartRunEveryScale() {
        Stylization s = GatysStyle.of(NET).withContentLayer("r2").withStyleLayers(LAYERS, 1, 1).withSize(16)
                .withScales(2).withInit(GatysStyle.Init.NOISE).withSteps(5).stylize(image(13, 16, 16), image(14, 16, 16));
        assertEquals(10, s.steps());
        assertEquals(10, s.history().get(s.history().size() - 1).steps());
        assertEquals(16, s.image().getWidth());
    }

    @Test
    void aListenerStopsTheRun() {
        Stylization s = texture().withSteps(30).synthesize(image(15, 16, 16), step -> step.step() < 3);
        assertTrue(s.interrupted());
        assertEquals(3, s.steps());
    }
}
