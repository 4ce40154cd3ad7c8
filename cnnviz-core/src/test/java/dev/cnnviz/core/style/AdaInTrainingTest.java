package dev.cnnviz.core.style;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Concat;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Relu;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** AdaIN's decoder and training on a tiny fire-module encoder (fast, no shared data needed). */
class AdaInTrainingTest {

    private static INDArray weights(Random rnd, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] v = new float[Math.toIntExact(n)];
        double std = Math.sqrt(2.0 / (n / shape[0]));
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        return Nd4j.create(v, shape, 'c');
    }

    /**
     * conv1 (3→8, stride 2) → relu → pool 2 → fire (squeeze 8→4, relu, expand 4→4 twice, relu, concat → 8): a
     * SqueezeNet in miniature.
     */
    static Model tinyEncoder() {
        Random rnd = new Random(3);
        Graph g = Graph.builder().input("data", 3, -1, -1)
                .constant("c1w", weights(rnd, 8, 3, 3, 3)).constant("c1b", Nd4j.zeros(DataType.FLOAT, 8))
                .add("conv1", new Conv(new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1, null), "data", "c1w", "c1b")
                .add("relu1", new Relu(), "conv1")
                .add("pool1", new MaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0, 0, 0}, new int[] {1, 1}, false, null), "relu1")
                .constant("sqw", weights(rnd, 4, 8, 1, 1)).constant("sqb", Nd4j.zeros(DataType.FLOAT, 4))
                .add("squeeze", Conv.simple(), "pool1", "sqw", "sqb").add("squeeze_relu", new Relu(), "squeeze")
                .constant("e1w", weights(rnd, 4, 4, 1, 1)).constant("e1b", Nd4j.zeros(DataType.FLOAT, 4))
                .constant("e3w", weights(rnd, 4, 4, 3, 3)).constant("e3b", Nd4j.zeros(DataType.FLOAT, 4))
                .add("e1", Conv.simple(), "squeeze_relu", "e1w", "e1b").add("e1_relu", new Relu(), "e1")
                .add("e3", Conv.padded(1), "squeeze_relu", "e3w", "e3b").add("e3_relu", new Relu(), "e3")
                .add("fire", new Concat(1), "e1_relu", "e3_relu")
                .output("fire").scores("fire").build();
        return new Model(g, new InputSpec(3, 32, 32, Layout.NCHW, Preprocessing.caffeBgr(104, 117, 123)), List.of(), "tiny-encoder");
    }

    /** Images made of coloured stripes or (left-right symmetric) blobs, seeded. */
    static Dataset images(String name, int count, long seed, boolean stripes) {
        return images(name, count, seed, stripes, 48, 40);
    }

    /** As {@link #images(String, int, long, boolean)}, {@code width × height}. */
    static Dataset images(String name, int count, long seed, boolean stripes, int width, int height) {
        Random rnd = new Random(seed);
        List<BufferedImage> imgs = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            int a = rnd.nextInt(0xFFFFFF);
            int b = rnd.nextInt(0xFFFFFF);
            int period = 3 + rnd.nextInt(6);
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    boolean on = stripes ? ((x + y) / period) % 2 == 0 : (2 * x - width + 1) * (2 * x - width + 1) + (2 * y - height + 1) * (2 * y - height + 1) < 4 * (150 + 40 * k);
                    img.setRGB(x, y, on ? a : b);
                }
            }
            imgs.add(img);
        }
        return new Dataset() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int size() {
                return imgs.size();
            }

            @Override
            public List<String> classes() {
                return List.of();
            }

            @Override
            public Batch read(int from, int to) {
                int[] idx = IntStream.range(from, to).toArray();
                return Batch.ofImages(idx, IntStream.range(from, to).mapToObj(i -> name + i).toList(),
                        IntStream.range(from, to).map(i -> Batch.NO_LABEL).toArray(), imgs.subList(from, to));
            }
        };
    }

    private static AdaIn.Trainer small(Model m) {
        return AdaIn.trainer(m).withLayer("fire").withSize(32).withBatch(1).withLearningRate(3e-3).withStyleWeight(1);
    }

    @Test
    void mirrorOfAFireModuleEncoder() {
        Graph enc = tinyEncoder().graph();
        assertEquals(List.of("data", "conv1", "relu1", "pool1", "squeeze", "squeeze_relu", "fire"), AdaInDecoder.trunk(enc, "fire"));
        List<AdaInDecoder.Step> steps = AdaInDecoder.mirror(enc, "fire");
        // fire 8→8 (conv), pool (upsample only), relu1 → input (upsample + conv 8→3); the squeeze is no point
        assertEquals(3, steps.size(), steps.toString());
        assertEquals(new AdaInDecoder.Step("fire", "pool1", false, true, 8, 8), steps.get(0));
        assertEquals(new AdaInDecoder.Step("pool1", "relu1", true, false, 8, 8), steps.get(1));
        assertEquals(new AdaInDecoder.Step("relu1", "data", true, true, 8, 3), steps.get(2));
        assertEquals(List.of("relu1", "fire"), AdaIn.defaultStyleLayers(enc, "fire"));
        // odd sizes come back exactly: 37x29 → 19x15 → 9x7 and back
        AdaInDecoder d = AdaInDecoder.initial(enc, "fire", 1);
        Graph dec = d.graph(37, 29);
        try (ForwardPass p = dec.forward(Nd4j.rand(DataType.FLOAT, 1, 8, 9, 7))) {
            assertArrayEquals(new long[] {1, 3, 37, 29}, p.output().shape());
        }
        assertEquals(8 * 8 * 9 + 8 + 3 * 8 * 9 + 3, d.parameterCount());
    }

    /**
     * One pair, the same every step: a left-right symmetric image as its own style, taken whole (resize = crop
     * size, so flips change nothing). Its own features are then reachable (the image itself has zero loss), and the
     * decoder must learn to invert the encoder on them.
     */
    @Test
    void trainingOnOnePairOverfits() throws IOException {
        List<OptimizationStep> seen = new ArrayList<>();
        Dataset one = images("c", 1, 1, false, 32, 32);
        small(tinyEncoder()).withResizeTo(32).withSteps(200).withSeed(5).train(one, one, s -> seen.add(s));
        assertEquals(200, seen.size());
        double first = seen.get(0).loss();
        double last = seen.subList(190, 200).stream().mapToDouble(OptimizationStep::loss).average().orElseThrow();
        assertTrue(last * 10 <= first, "loss fell from " + first + " to " + last + " only");
        assertEquals(seen.get(0).terms().get("content") + seen.get(0).terms().get("style"), first, 1e-9 * first);
    }

    @Test
    void stepsZeroReportsTheInitialLossesOnly() throws IOException {
        List<OptimizationStep> seen = new ArrayList<>();
        AdaIn a = small(tinyEncoder()).withSteps(0).train(images("c", 2, 1, false), images("s", 2, 2, true), seen::add);
        assertEquals(1, seen.size());
        assertEquals(0, seen.get(0).step());
        AdaIn b = small(tinyEncoder()).withSteps(0).train(images("c", 2, 1, false), images("s", 2, 2, true), null);
        assertEquals(a.decoderParameters(), b.decoderParameters());
    }

    @Test
    void sameSeedSameDecoderBitForBit(@TempDir Path dir) throws IOException {
        Model m = tinyEncoder();
        AdaIn a = small(m).withSteps(6).withBatch(2).withSeed(9).train(images("c", 3, 1, false), images("s", 2, 2, true), null);
        AdaIn b = small(m).withSteps(6).withBatch(2).withSeed(9).train(images("c", 3, 1, false), images("s", 2, 2, true), null);
        AdaIn c = small(m).withSteps(6).withBatch(2).withSeed(10).train(images("c", 3, 1, false), images("s", 2, 2, true), null);
        BufferedImage content = images("x", 1, 7, false).read(0, 1).images(Preprocessing.unit(ChannelOrder.RGB)).get(0);
        BufferedImage style = images("y", 1, 8, true).read(0, 1).images(Preprocessing.unit(ChannelOrder.RGB)).get(0);
        INDArray pa = a.stylizePixels(content, List.of(style), new double[] {1});
        assertEquals(pa, b.stylizePixels(content, List.of(style), new double[] {1}));
        assertNotEquals(pa, c.stylizePixels(content, List.of(style), new double[] {1}));
        // save → load → the same output, bit for bit
        a.save(dir.resolve("model"));
        AdaIn loaded = AdaIn.load(dir.resolve("model"), m);
        assertEquals(pa, loaded.stylizePixels(content, List.of(style), new double[] {1}));
        assertEquals(a.layer(), loaded.layer());
        assertEquals(a.styleLayers(), loaded.styleLayers());
        assertEquals("9", loaded.trainedWith().get("seed"));
        assertEquals(pa, AdaIn.load(dir.resolve("model").resolve(AdaIn.PROPERTIES_FILE), m).stylizePixels(content, List.of(style), new double[] {1}));
    }

    @Test
    void alphaZeroIsTheContentReconstructionAndWeightsMixStyles() throws IOException {
        Model m = tinyEncoder();
        AdaIn a = small(m).withSteps(3).train(images("c", 2, 1, false), images("s", 2, 2, true), null);
        BufferedImage content = images("x", 1, 7, false).read(0, 1).images(Preprocessing.unit(ChannelOrder.RGB)).get(0);
        BufferedImage s1 = images("y", 1, 8, true).read(0, 1).images(Preprocessing.unit(ChannelOrder.RGB)).get(0);
        BufferedImage s2 = images("z", 1, 11, false).read(0, 1).images(Preprocessing.unit(ChannelOrder.RGB)).get(0);
        AdaIn zero = a.withAlpha(0);
        INDArray r1 = zero.stylizePixels(content, List.of(s1), new double[] {1});
        assertEquals(r1, zero.stylizePixels(content, List.of(s2), new double[] {1}), "alpha 0 must not depend on the style");
        // and it is the decoder applied to the content's features
        INDArray x = dev.cnnviz.core.image.ImageTensors.toBatch(content,
                new InputSpec(3, content.getHeight(), content.getWidth(), Layout.NCHW, m.inputSpec().preprocessing()));
        Graph enc = dev.cnnviz.core.featurevis.LayerGraphs.upTo(m.graph(), "fire", true);
        INDArray fc;
        try (ForwardPass p = enc.forward(x)) {
            fc = p.get("fire").dup();
        }
        INDArray rec;
        try (ForwardPass p = a.decoderGraph(content.getHeight(), content.getWidth()).forward(fc)) {
            rec = p.output().dup();
        }
        assertEquals(AdaIn.toPixels(rec, m.inputSpec().preprocessing()), r1);
        // weights: [1, 0] is the first style alone; [0.5, 0.5] differs from both
        INDArray only1 = a.stylizePixels(content, List.of(s1), new double[] {1});
        assertEquals(only1, a.stylizePixels(content, List.of(s1, s2), new double[] {2, 0}));
        INDArray mix = a.stylizePixels(content, List.of(s1, s2), new double[] {1, 1});
        assertNotEquals(only1, mix);
        assertNotEquals(a.stylizePixels(content, List.of(s2), new double[] {1}), mix);
        assertThrows(IllegalArgumentException.class, () -> a.withAlpha(1.5));
        assertThrows(IllegalArgumentException.class, () -> a.stylizePixels(content, List.of(s1), new double[] {1, 1}));
        assertThrows(IllegalArgumentException.class, () -> a.stylizePixels(content, List.of(s1), new double[] {0}));
    }

    @Test
    void badArgumentsAndFilesAreNamed(@TempDir Path dir) throws IOException {
        Model m = tinyEncoder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdaIn.trainer(m).withSteps(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdaIn.trainer(m).withLayer("nope"));
        assertThrows(IllegalArgumentException.class, () -> AdaIn.trainer(m).withBatch(0));
        e = assertThrows(IllegalArgumentException.class, () -> AdaIn.trainer(m).withSize(64).withResizeTo(40));
        assertTrue(e.getMessage().contains("40"), e.getMessage());
        IOException io = assertThrows(IOException.class, () -> AdaIn.load(dir, m));
        assertTrue(io.getMessage().contains(AdaIn.PROPERTIES_FILE), io.getMessage());
        AdaIn a = small(m).withSteps(1).train(images("c", 1, 1, false), images("s", 1, 2, true), null);
        a.save(dir.resolve("m"));
        Files.delete(dir.resolve("m").resolve("decoder-conv0-W.npy"));
        io = assertThrows(IOException.class, () -> AdaIn.load(dir.resolve("m"), m));
        assertTrue(io.getMessage().contains("decoder-conv0-W.npy"), io.getMessage());
    }
}
