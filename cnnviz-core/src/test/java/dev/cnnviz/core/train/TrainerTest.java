package dev.cnnviz.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.ImageFolder;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.GradientCheck;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.optim.Adam;
import dev.cnnviz.core.optim.DifferentiableFunction;
import dev.cnnviz.core.optim.StepListener;
import dev.cnnviz.core.style.FeedForwardTraining;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The training loop, per-parameter Adam, graph composition, and the feed-forward style training on a tiny loss net. */
class TrainerTest {
    @TempDir
    Path dir;

    /** A small loss network: conv 3→4 + ReLU ("r1"), conv 4→8 stride 2 + ReLU ("r2"), pixels scaled to 0..1. */
    static Model tinyLossModel() {
        Random r = new Random(42);
        Graph g = Graph.builder().input("x", 3, -1, -1)
                .constant("w1", GradientCheck.random(r, 4, 3, 3, 3).castTo(DataType.FLOAT))
                .constant("b1", GradientCheck.random(r, 4).muli(0.1).castTo(DataType.FLOAT))
                .add("c1", Conv.padded(1), "x", "w1", "b1").add("r1", new Relu(), "c1")
                .constant("w2", GradientCheck.random(r, 8, 4, 3, 3).muli(0.5).castTo(DataType.FLOAT))
                .add("c2", new Conv(new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1, null), "r1", "w2")
                .add("r2", new Relu(), "c2").output("r2").build();
        return new Model(g, new InputSpec(3, 16, 16, Layout.NCHW, Preprocessing.unit(ChannelOrder.RGB)), List.of(), "tiny");
    }

    /** A smooth 20×20 colour picture. */
    static BufferedImage picture() {
        BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 20; x++) {
                int red = (int) (127 + 120 * Math.sin(x / 3.0));
                int green = (int) (127 + 120 * Math.cos(y / 4.0));
                int blue = (x * 12 + y * 5) % 256;
                img.setRGB(x, y, red << 16 | green << 8 | blue);
            }
        }
        return img;
    }

    private FeedForwardTraining tiny() {
        return FeedForwardTraining.of(tinyLossModel(), picture()).withContentLayer("r1").withStyleLayers(List.of("r1", "r2"))
                .withWidth(4).withResidualBlocks(1).withSize(16).withStyleSize(16).withBatch(1).withLearningRate(0.01)
                .withStyleWeight(10).withSeed(5);
    }

    @Test
    void trainingOnOneImageOverfitsByAnOrderOfMagnitude() throws Exception {
        ImageIo.writePng(picture(), dir.resolve("one.png"));
        FeedForwardTraining.Result r = tiny().withSteps(300).train(ImageFolder.of(dir), TrainingListener.NONE);
        double[] loss = r.history().loss();
        assertEquals(300, loss.length);
        double first = loss[0];
        double lastTen = 0;
        for (int i = loss.length - 10; i < loss.length; i++) {
            lastTen += loss[i] / 10;
        }
        assertTrue(lastTen * 10 <= first, "loss fell from " + first + " to " + lastTen + " only");
        assertEquals(300, r.history().term("style").length);
    }

    @Test
    void sameSeedSameWeightsBitForBit() throws Exception {
        ImageIo.writePng(picture(), dir.resolve("one.png"));
        ImageIo.writePng(ImageIo.toRgb(picture()), dir.resolve("two.png"));
        Graph a = tiny().withSteps(3).withBatch(2).train(ImageFolder.of(dir), TrainingListener.NONE).network();
        Graph b = tiny().withSteps(3).withBatch(2).train(ImageFolder.of(dir), TrainingListener.NONE).network();
        Graph c = tiny().withSteps(3).withBatch(2).withSeed(6).train(ImageFolder.of(dir), TrainingListener.NONE).network();
        for (String n : a.constantNames()) {
            assertArrayEquals(a.constant(n).dup().data().asFloat(), b.constant(n).dup().data().asFloat(), n);
        }
        assertFalse(java.util.Arrays.equals(a.constant("conv1/W").dup().data().asFloat(), c.constant("conv1/W").dup().data().asFloat()),
                "another seed gives other weights");
    }

    @Test
    void listenerStopsTheRunAndInterruptStopsIt() throws Exception {
        ImageIo.writePng(picture(), dir.resolve("one.png"));
        AtomicInteger seen = new AtomicInteger();
        FeedForwardTraining.Result r = tiny().withSteps(50).train(ImageFolder.of(dir), p -> {
            seen.incrementAndGet();
            assertTrue(p.etaNanos() >= 0);
            assertEquals(List.of("content", "style", "tv"), List.copyOf(p.terms().keySet()));
            return p.step() < 4;
        });
        assertEquals(4, seen.get());
        assertEquals(4, r.history().steps());
        assertTrue(r.history().stopped());
        Thread.currentThread().interrupt();
        try {
            FeedForwardTraining.Result i = tiny().withSteps(50).train(ImageFolder.of(dir), TrainingListener.NONE);
            assertEquals(0, i.history().steps());
            assertTrue(i.history().stopped());
        } finally {
            assertTrue(Thread.interrupted());
        }
    }

    @Test
    void composedGraphSharesWeightsAndComputesTheChain() {
        Model loss = tinyLossModel();
        Graph first = Graph.builder().input("x", 3, -1, -1)
                .constant("w1", Nd4j.rand(DataType.FLOAT, 3, 3, 1, 1)).add("c1", Conv.simple(), "x", "w1").build();
        Graph chain = GraphComposer.append(first, "c1", loss.graph(), "loss/");
        assertSame(first.constant("w1"), chain.constant("w1"));
        assertSame(loss.graph().constant("w2"), chain.constant("loss/w2"));
        assertEquals("loss/r2", chain.outputName());
        assertFalse(chain.contains("loss/x"));
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 8, 8);
        try (ForwardPass a = first.forward(x); ForwardPass b = loss.graph().forward(a.output().dup());
             ForwardPass c = chain.forward(x)) {
            assertEquals(b.output(), c.output());
        }
        IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
                () -> GraphComposer.append(loss.graph(), "r2", loss.graph(), ""));
        assertTrue(clash.getMessage().contains("choose another prefix"), clash.getMessage());
    }

    @Test
    void trainerLeavesTheCallersGraphUnchanged() throws Exception {
        Graph g = Graph.builder().input("x", 1, 2, 2).constant("w", Nd4j.ones(DataType.DOUBLE, 1, 1, 1, 1))
                .add("y", Conv.simple(), "x", "w").build();
        TrainingObjective sumOfY = new TrainingObjective() {
            @Override
            public List<String> nodes() {
                return List.of("y");
            }

            @Override
            public Map<String, Double> evaluate(ForwardPass pass, INDArray batch, Map<String, INDArray> seeds) {
                seeds.put("y", pass.get("y").ulike().assign(1));
                return Map.of("sum", pass.get("y").sumNumber().doubleValue());
            }
        };
        try (Trainer t = Trainer.of(g, List.of("w"), Adam.create().withLearningRate(0.1))) {
            t.train(step -> Nd4j.ones(DataType.DOUBLE, 1, 1, 2, 2), sumOfY, 3, TrainingListener.NONE);
            assertEquals(1.0, g.constant("w").getDouble(0));
            assertEquals(0.7, t.parameters().get("w").getDouble(0), 1e-9);
            assertEquals(3, t.steps());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.of(g, List.of("y"), Adam.create()));
        assertTrue(e.getMessage().contains("'y'"), e.getMessage());
    }

    @Test
    void parameterAdamIsOptimsAdamPerArray() {
        double[] target = {3, -2, 0.5, 7};
        DifferentiableFunction f = (x, grad) -> {
            double v = 0;
            for (int i = 0; i < x.length; i++) {
                double d = x[i] - target[i];
                v += d * d * (i + 1);
                grad[i] = 2 * d * (i + 1);
            }
            return v;
        };
        Adam options = Adam.create().withLearningRate(0.05);
        double[] x = new double[4];
        options.minimize(f, x, 20, StepListener.NONE);
        INDArray p = Nd4j.zeros(DataType.DOUBLE, 2, 2);
        try (ParameterAdam adam = ParameterAdam.of(options)) {
            for (int s = 0; s < 20; s++) {
                double[] g = new double[4];
                f.evaluate(p.reshape(4).toDoubleVector(), g);
                adam.step(Map.of("p", p), Map.of("p", Nd4j.create(g, new long[] {2, 2}, DataType.DOUBLE)));
            }
        }
        assertArrayEquals(x, p.reshape(4).toDoubleVector(), 1e-12);
    }
}
