package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ops.Concat;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link Parameters} and {@link Graph#withParameters}: the bound graph reads the parameters' current values at every
 * pass, on the oneDNN plans exactly as on ND4J, and the caller's graph never changes.
 */
class ParametersTest {
    private static final double TOL = 2e-5;
    /** Convolution weights and biases of {@link OneDnnPlanTest#net}: plain, strided, grouped, depthwise, odd channels. */
    private static final List<String> TRAINABLE = List.of("w1", "b1", "we3", "be3", "wg", "bg", "wd", "wo", "bo");

    private static INDArray input(long seed, int n) {
        return GradientCheck.random(new Random(seed), n, 3, 33, 33).castTo(DataType.FLOAT).muli(2);
    }

    private static double relErr(INDArray expected, INDArray actual) {
        double scale = Math.max(expected.norm2Number().doubleValue(), 1e-6);
        return expected.sub(actual).norm2Number().doubleValue() / scale;
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double err = relErr(expected, actual);
        assertTrue(err < TOL, what + ": relative error " + err);
    }

    /** A pseudo-random change of every trainable value, as an optimizer step makes. */
    private static void step(Parameters p, long seed) {
        Random rnd = new Random(seed);
        p.forEach((name, w) -> w.muli(-0.8).addi(GradientCheck.random(rnd, w.shape()).castTo(DataType.FLOAT).muli(0.3)));
    }

    @Test
    void ofCopiesAndRefusesNamesThatAreNotFloatConstants() {
        Graph g = OneDnnPlanTest.net(1);
        try (Parameters p = Parameters.of(g, List.of("w1", "b1"))) {
            assertEquals(List.of("w1", "b1"), p.names());
            assertEquals(16 * 3 * 3 * 3 + 16, p.size());
            assertEquals(0, relErr(g.constant("w1"), p.get("w1")));
            p.update("w1", w -> w.muli(2));
            assertEquals(0, relErr(g.constant("w1").mul(2), p.get("w1")), "the graph keeps its own values");
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Parameters.of(g, List.of("w_1")));
        assertTrue(unknown.getMessage().contains("'w_1'") && unknown.getMessage().contains("w1"), unknown.getMessage());
        IllegalArgumentException notConstant = assertThrows(IllegalArgumentException.class, () -> Parameters.of(g, List.of("conv1")));
        assertTrue(notConstant.getMessage().contains("'conv1' is a Conv, not a Constant"), notConstant.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Parameters.of(g, List.of("w1", "w1")));
        assertThrows(IllegalArgumentException.class, () -> Parameters.of(g, List.of()));
    }

    @Test
    void everyChangeBumpsTheVersionEvenWhenItFails() {
        try (Parameters p = Parameters.of(OneDnnPlanTest.net(1), List.of("w1", "b1"))) {
            long v = p.version();
            p.set("b1", p.get("b1").mul(3));
            p.update("w1", w -> w.addi(1));
            p.forEach((n, w) -> w.muli(0.5));
            assertEquals(v + 4, p.version());
            assertThrows(ArithmeticException.class, () -> p.update("w1", w -> {
                w.addi(1);
                throw new ArithmeticException("optimizer failed half-way");
            }));
            assertEquals(v + 5, p.version(), "a change that failed half-way still counts");
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> p.set("b1", GradientCheck.random(new Random(1), 15).castTo(DataType.FLOAT)));
            assertTrue(shape.getMessage().contains("[16]") && shape.getMessage().contains("[15]"), shape.getMessage());
            assertThrows(IllegalArgumentException.class, () -> p.get("w2"));
        }
    }

    @Test
    void theCallersGraphIsUntouchedAndAClosedSetIsRefused() {
        Graph g = OneDnnPlanTest.net(4);
        INDArray x = input(3, 1);
        INDArray before;
        try (ForwardPass pass = g.forward(x)) {
            before = pass.scores().dup();
        }
        Parameters p = Parameters.of(g, TRAINABLE);
        Graph bound = g.withParameters(p);
        assertSame(p, bound.parameters());
        assertSame(p, bound.withNd4jOnly().parameters(), "copies keep the parameters");
        step(p, 5);
        try (ForwardPass a = g.forward(x); ForwardPass b = bound.forward(x)) {
            assertEquals(0, relErr(before, a.scores()), "the original graph is unchanged");
            assertTrue(relErr(before, b.scores()) > 1e-3, "the bound graph sees the change: " + relErr(before, b.scores()));
        }
        p.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> bound.forward(x));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        assertThrows(IllegalStateException.class, () -> g.withParameters(p));
        try (Parameters other = Parameters.of(g, List.of("w1")); Parameters more = Parameters.of(g, List.of("wd"))) {
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                    () -> g.withParameters(other).withParameters(more));
            assertTrue(twice.getMessage().contains("already bound"), twice.getMessage());
        }
    }

    /**
     * The desynchronisation test: a weight changes between two passes of a compiled plan, and the output changes
     * exactly as ND4J's does (a plan that kept its trace-time copy of the weights would still give the old output).
     */
    @ParameterizedTest(name = "blocks of {0} channels")
    @ValueSource(ints = {8, 16})
    void aPlanSeesEveryUpdateAsNd4jDoes(int block) {
        Graph g = OneDnnPlanTest.net(block, 11);
        try (Parameters p = Parameters.of(g, TRAINABLE)) {
            Graph fast = g.withParameters(p);
            Graph ref = fast.withNd4jOnly();
            INDArray x = input(12, 2);
            INDArray previous = null;
            for (int round = 0; round < 4; round++) {
                for (int rep = 0; rep < 2; rep++) { // the first pass of a plan traces it, the second runs it
                    try (ForwardPass a = fast.forward(x); ForwardPass b = ref.forward(x)) {
                        assertTrue(a.ranOnOneDnn("conv1") && a.ranOnOneDnn("grouped") && a.ranOnOneDnn("depthwise"));
                        for (String n : List.of("conv1", "e3", "grouped", "depthwise", "odd", "prob")) {
                            assertClose(b.get(n), a.get(n), "round " + round + " pass " + rep + " node " + n);
                        }
                        if (rep == 0 && previous != null) {
                            assertTrue(relErr(previous, a.scores()) > 1e-3, "round " + round + ": the update changed the scores");
                        }
                        previous = a.scores().dup();
                    }
                }
                if (round == 1) {
                    p.update("wd", w -> w.muli(-1));
                    p.set("b1", p.get("b1").add(0.5));
                } else {
                    step(p, round);
                }
            }
        }
    }

    /** An update made between forward and backward reaches the backward pass too, on both engines. */
    @Test
    void gradientsWithRespectToParametersMatchNd4jAfterUpdates() {
        Graph g = OneDnnPlanTest.net(8, 13);
        try (Parameters p = Parameters.of(g, TRAINABLE)) {
            Graph fast = g.withParameters(p);
            Graph ref = fast.withNd4jOnly();
            INDArray x = input(14, 2);
            INDArray seed = GradientCheck.random(new Random(15), 2, 7).castTo(DataType.FLOAT);
            for (int round = 0; round < 3; round++) {
                try (ForwardPass a = fast.forward(x); ForwardPass b = ref.forward(x)) {
                    Gradients ga = a.backward(Map.of("flat", seed), p.names());
                    Gradients gb = b.backward(Map.of("flat", seed), p.names());
                    for (String n : p.names()) {
                        assertClose(gb.get(n), ga.get(n), "round " + round + " gradient at " + n);
                    }
                    step(p, 20 + round);
                    Gradients gx = a.backward(Map.of("flat", seed), List.of("x"));
                    Gradients gxRef = b.backward(Map.of("flat", seed), List.of("x"));
                    assertClose(gxRef.get("x"), gx.get("x"), "round " + round + " input gradient after an update");
                }
            }
        }
    }

    /** A parameter that a planned node reads as an activation (copied into the plan) is copied again after updates. */
    @Test
    void aParameterReadAsAnActivationIsCopiedAgain() {
        Random rnd = new Random(3);
        Graph g = Graph.builder()
                .input("x", 8, 5, 5)
                .constant("bias_map", GradientCheck.random(rnd, 1, 8, 5, 5).castTo(DataType.FLOAT))
                .add("cat", new Concat(1), "x", "bias_map")
                .constant("w", GradientCheck.random(rnd, 8, 16, 3, 3).castTo(DataType.FLOAT))
                .add("conv", Conv.padded(1), "cat", "w")
                .add("relu", new Relu(), "conv")
                .build();
        try (Parameters p = Parameters.of(g, List.of("bias_map"))) {
            Graph fast = g.withParameters(p);
            INDArray x = GradientCheck.random(rnd, 1, 8, 5, 5).castTo(DataType.FLOAT);
            for (int round = 0; round < 3; round++) {
                for (int rep = 0; rep < 2; rep++) {
                    try (ForwardPass a = fast.forward(x); ForwardPass b = fast.withNd4jOnly().forward(x)) {
                        assertTrue(a.ranOnOneDnn("cat"));
                        assertClose(b.output(), a.output(), "round " + round + " pass " + rep);
                    }
                }
                p.update("bias_map", m -> m.muli(-2).addi(0.25));
            }
        }
    }
}
