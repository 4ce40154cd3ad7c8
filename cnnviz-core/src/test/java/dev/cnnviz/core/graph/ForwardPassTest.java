package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ops.Add;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Softmax;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The engine: forward/backward wiring, seeds anywhere, parameter gradients, inference mode, errors, memory. */
class ForwardPassTest {

    /** x -> conv1 -> relu1 -> conv2 ; skip: add(conv2, relu1) -> scores(1x1 conv to 3 classes) -> softmax. */
    static Graph residualNet(DataType type, long seed) {
        Random rnd = new Random(seed);
        return Graph.builder()
                .input("x", 2, 5, 5)
                .constant("w1", GradientCheck.random(rnd, 3, 2, 3, 3).castTo(type))
                .constant("b1", GradientCheck.random(rnd, 3).castTo(type))
                .add("conv1", Conv.padded(1), "x", "w1", "b1")
                .add("relu1", new Relu(), "conv1")
                .constant("w2", GradientCheck.random(rnd, 3, 3, 3, 3).castTo(type))
                .add("conv2", Conv.padded(1), "relu1", "w2")
                .add("sum", new Add(), "conv2", "relu1")
                .constant("wc", GradientCheck.random(rnd, 3, 3, 5, 5).castTo(type))
                .add("scores", Conv.simple(), "sum", "wc")
                .add("prob", Softmax.classes(), "scores")
                .build();
    }

    @Test
    void scoresNodeIsTheInputOfTheFinalSoftmax() {
        Graph g = residualNet(DataType.DOUBLE, 1);
        assertEquals("scores", g.scoresNode());
        assertEquals("prob", g.outputName());
        assertEquals("x", g.inputName());
        assertEquals(List.of("conv2", "sum"), g.consumers("relu1"));
    }

    /** The whole-graph input gradient and a weight gradient match finite differences of L = <seed, scores>. */
    @Test
    void wholeGraphGradientsMatchFiniteDifferences() {
        Graph g = residualNet(DataType.DOUBLE, 2);
        Random rnd = new Random(5);
        INDArray x = GradientCheck.random(rnd, 2, 2, 5, 5);
        INDArray seed = GradientCheck.random(rnd, 2, 3, 1, 1);
        INDArray gx;
        INDArray gw;
        try (ForwardPass pass = g.forward(x)) {
            Gradients grads = pass.backward(Map.of("scores", seed), List.of("x", "w1"));
            gx = grads.get("x").dup();
            gw = grads.get("w1").dup();
        }
        double h = 1e-6;
        for (int k = 0; k < x.length(); k += 7) {
            double orig = x.getDouble(k);
            x.putScalar(k, orig + h);
            double plus = loss(g, x, seed);
            x.putScalar(k, orig - h);
            double minus = loss(g, x, seed);
            x.putScalar(k, orig);
            assertEquals((plus - minus) / (2 * h), gx.getDouble(k), 1e-6, "input element " + k);
        }
        INDArray w1 = g.constant("w1");
        for (int k = 0; k < w1.length(); k += 5) {
            INDArray wp = w1.dup();
            wp.putScalar(k, w1.getDouble(k) + h);
            double plus = loss(g.withConstants(Map.of("w1", wp)), x, seed);
            INDArray wm = w1.dup();
            wm.putScalar(k, w1.getDouble(k) - h);
            double minus = loss(g.withConstants(Map.of("w1", wm)), x, seed);
            assertEquals((plus - minus) / (2 * h), gw.getDouble(k), 1e-6, "weight element " + k);
        }
    }

    private static double loss(Graph g, INDArray x, INDArray seed) {
        try (ForwardPass pass = g.forward(x)) {
            return pass.get("scores").mul(seed).sumNumber().doubleValue();
        }
    }

    /** Seeds at two nodes add up: backward({a: s1, b: s2}) = backward({a: s1}) + backward({b: s2}). */
    @Test
    void seedsAtSeveralNodesAreLinear() {
        Graph g = residualNet(DataType.DOUBLE, 3);
        Random rnd = new Random(9);
        INDArray x = GradientCheck.random(rnd, 1, 2, 5, 5);
        try (ForwardPass pass = g.forward(x)) {
            INDArray s1 = GradientCheck.random(rnd, 1, 3, 1, 1);
            INDArray s2 = GradientCheck.random(rnd, 1, 3, 5, 5);
            INDArray both = pass.backward(Map.of("scores", s1, "relu1", s2), List.of("x")).get("x");
            INDArray a = pass.backward(Map.of("scores", s1), List.of("x")).get("x");
            INDArray b = pass.backward(Map.of("relu1", s2), List.of("x")).get("x");
            assertEquals(0, both.sub(a.add(b)).amaxNumber().doubleValue(), 1e-12);
        }
    }

    /** The gradient at an intermediate node equals the seed pushed back only to it (chain rule split). */
    @Test
    void gradientAtAnIntermediateNode() {
        Graph g = residualNet(DataType.DOUBLE, 4);
        Random rnd = new Random(11);
        INDArray x = GradientCheck.random(rnd, 1, 2, 5, 5);
        try (ForwardPass pass = g.forward(x)) {
            INDArray seed = GradientCheck.random(rnd, 1, 3, 1, 1);
            Gradients grads = pass.backward(Map.of("scores", seed), List.of("sum", "x"));
            // scores = conv(sum, wc): d scores / d sum = seed_c * wc[c] summed over classes
            INDArray wc = g.constant("wc");
            INDArray expected = Nd4j.zeros(DataType.DOUBLE, 1, 3, 5, 5);
            for (int c = 0; c < 3; c++) {
                expected.addi(wc.get(org.nd4j.linalg.indexing.NDArrayIndex.point(c)).reshape(1, 3, 5, 5).mul(seed.getDouble(0, c, 0, 0)));
            }
            assertEquals(0, grads.get("sum").sub(expected).amaxNumber().doubleValue(), 1e-12);
            // a node no seed depends on gets a zero gradient
            Gradients none = pass.backward(Map.of("relu1", Nd4j.ones(DataType.DOUBLE, 1, 3, 5, 5)), List.of("conv2"));
            assertEquals(0, none.get("conv2").amaxNumber().doubleValue(), 0);
        }
    }

    /** A rule swap changes only the swapped operator: with a deconvnet-style ReLU rule, negative inputs pass. */
    @Test
    void backwardRulesReplaceOneOperatorKind() {
        Graph g = Graph.builder().input("x", 1, 1, 2).add("r", new Relu(), "x").build();
        INDArray x = Nd4j.create(new double[] {-1, 2}, new long[] {1, 1, 1, 2}, DataType.DOUBLE);
        INDArray seed = Nd4j.create(new double[] {3, -4}, new long[] {1, 1, 1, 2}, DataType.DOUBLE);
        BackwardRules deconv = BackwardRules.standard().with(Relu.class,
                (op, in, out, gr, wanted) -> new INDArray[] {Transforms.relu(gr, true)}).named("deconvnet");
        try (ForwardPass pass = g.forward(x)) {
            assertArrayEquals(new double[] {0, -4}, pass.backward(Map.of("r", seed), List.of("x")).get("x").data().asDouble(), 0);
            assertArrayEquals(new double[] {3, 0}, pass.backward(Map.of("r", seed), List.of("x"), deconv).get("x").data().asDouble(), 0);
        }
        assertEquals("deconvnet", deconv.toString());
        assertTrue(BackwardRules.standard().isStandard());
    }

    @Test
    void inferenceKeepsOnlyWhatWasAsked() {
        Graph g = residualNet(DataType.FLOAT, 5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 2, 5, 5);
        try (ForwardPass full = g.forward(x); ForwardPass inf = g.infer(x, List.of("relu1"))) {
            assertEquals(0, full.output().sub(inf.output()).amaxNumber().doubleValue(), 1e-6);
            assertEquals(0, full.get("relu1").sub(inf.get("relu1")).amaxNumber().doubleValue(), 0);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> inf.get("conv2"));
            assertTrue(e.getMessage().contains("conv2"), e.getMessage());
            assertThrows(IllegalStateException.class,
                    () -> inf.backward(Map.of("scores", Nd4j.ones(DataType.FLOAT, 1, 3, 1, 1)), List.of("x")));
        }
    }

    @Test
    void clearErrors() {
        Graph g = residualNet(DataType.FLOAT, 6);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> g.node("relu_1"));
        assertTrue(unknown.getMessage().contains("relu1"), unknown.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> g.forward(Nd4j.zeros(DataType.FLOAT, 1, 3, 5, 5)));
        assertTrue(shape.getMessage().contains("[N, 2, 5, 5]") && shape.getMessage().contains("[1, 3, 5, 5]"), shape.getMessage());
        INDArray nan = Nd4j.zeros(DataType.FLOAT, 1, 2, 5, 5);
        nan.putScalar(3, Float.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.forward(nan));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        try (ForwardPass pass = g.forward(Nd4j.zeros(DataType.FLOAT, 1, 2, 5, 5))) {
            IllegalArgumentException seed = assertThrows(IllegalArgumentException.class,
                    () -> pass.backward(Map.of("scores", Nd4j.zeros(DataType.FLOAT, 1, 3)), List.of("x")));
            assertTrue(seed.getMessage().contains("[1, 3, 1, 1]"), seed.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Graph.builder().input("x", 1).add("y", new Relu(), "z"));
    }

    @Test
    void summaryListsNodesAndParameters() {
        String s = residualNet(DataType.FLOAT, 7).summary();
        assertTrue(s.contains("conv1") && s.contains("Conv") && s.contains("parameters"), s);
    }

    /**
     * Native memory stays flat over 1,100 forward+backward passes (samples every 100, see {@link NativeMemory}): the
     * floor over passes 700-1,100 stays within 24 MB of the floor over passes 200-600, and JavaCPP's tracked
     * allocations do not grow beyond 4 MB. A leak of this net's activations (about 200 KB a pass) would raise the
     * floor by about 100 MB.
     */
    @Test
    void nativeMemoryStaysFlat() {
        Random rnd = new Random(1);
        Graph g = Graph.builder()
                .input("x", 3, 16, 16)
                .constant("w1", GradientCheck.random(rnd, 8, 3, 3, 3).castTo(DataType.FLOAT))
                .add("c1", Conv.padded(1), "x", "w1")
                .add("r1", new Relu(), "c1")
                .constant("w2", GradientCheck.random(rnd, 10, 8, 16, 16).castTo(DataType.FLOAT))
                .add("scores", Conv.simple(), "r1", "w2")
                .add("prob", Softmax.classes(), "scores")
                .build();
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 16, 16);
        INDArray seed = Nd4j.ones(DataType.FLOAT, 4, 10, 1, 1);
        NativeMemory.Samples s = NativeMemory.sample(11, 100, () -> step(g, x, seed));
        assertTrue(s.floorGrowth() < 24L << 20, s.describe());
        assertTrue(s.trackedGrowth() < 4L << 20, s.describe());
    }

    /**
     * A pass's arrays live in its arena, which the next pass reuses: reading one after close must fail loudly
     * (the tests run with ND4J's SCOPE_PANIC, see {@link ScopePanic}), while arrays the caller creates between
     * forward and backward are ordinary arrays that outlive the pass.
     */
    @Test
    void arraysOfAClosedPassAreRejectedAndCallerArraysAreNotCaptured() {
        Graph g = residualNet(DataType.FLOAT, 3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 2, 5, 5);
        INDArray stale;
        INDArray mine;
        INDArray expected;
        try (ForwardPass pass = g.forward(x)) {
            stale = pass.get("relu1");
            mine = pass.get("relu1").dup();
            expected = mine.dup();
            assertTrue(stale.isAttached(), "activations live in the pass's arena");
            assertTrue(!mine.isAttached(), "a copy made by the caller between calls is an ordinary array");
        }
        try (ForwardPass other = g.forward(x.mul(-1))) {
            assertEquals(expected, mine, "the caller's copy is untouched by later passes");
            Exception e = assertThrows(RuntimeException.class, () -> stale.add(1));
            assertTrue(e.getMessage().contains("workspace"), e.getMessage());
        }
    }

    /** Passes may be opened on one thread and used and closed on another; threads may run passes at once. */
    @Test
    void passesRunOnSeveralThreads() throws Exception {
        Graph g = residualNet(DataType.FLOAT, 4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 2, 5, 5);
        INDArray seed = Nd4j.rand(DataType.FLOAT, 2, 3, 1, 1);
        INDArray reference;
        try (ForwardPass pass = g.forward(x)) {
            reference = pass.backward(Map.of("scores", seed), List.of("x")).get("x").dup();
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            ForwardPass handedOver = g.forward(x);
            java.util.concurrent.Future<INDArray> elsewhere = pool.submit(() -> {
                try (ForwardPass p = handedOver) {
                    return p.backward(Map.of("scores", seed), List.of("x")).get("x").dup();
                }
            });
            assertEquals(reference, elsewhere.get());
            List<java.util.concurrent.Future<INDArray>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                runs.add(pool.submit(() -> {
                    try (ForwardPass p = g.forward(x)) {
                        return p.backward(Map.of("scores", seed), List.of("x")).get("x").dup();
                    }
                }));
            }
            for (java.util.concurrent.Future<INDArray> r : runs) {
                assertEquals(reference, r.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    private static void step(Graph g, INDArray x, INDArray seed) {
        try (ForwardPass pass = g.forward(x)) {
            pass.backward(Map.of("scores", seed), List.of("x", "w1"));
        }
    }
}
