package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link Graph#forwardTo}: a training pass that computes only some targets and what they depend on gives those
 * nodes, and the input gradient from seeds at them, bit for bit as a whole-graph pass does, on oneDNN and on ND4J;
 * the nodes after the targets are not computed; and its plans are pooled apart from whole-graph plans.
 */
class ForwardToTest {
    private static INDArray input(long seed) {
        return GradientCheck.random(new Random(seed), 2, 3, 33, 33).castTo(DataType.FLOAT).muli(2);
    }

    /** Value of {@code target} and input gradient of a seed at it, by a whole pass (false) or a pass to it (true). */
    private static INDArray[] run(Graph g, INDArray x, String target, INDArray seed, boolean partial) {
        try (ForwardPass pass = partial ? g.forwardTo(x, List.of(target)) : g.forward(x)) {
            INDArray v = pass.get(target).dup();
            INDArray dx = pass.backward(Map.of(target, seed), List.of("x")).get("x").dup();
            return new INDArray[] {v, dx};
        }
    }

    @Test
    void valuesAndGradientsMatchAWholePassAndLaterNodesAreSkipped() {
        for (Graph g : List.of(OneDnnPlanTest.net(8, 3), OneDnnPlanTest.net(3).withNd4jOnly())) {
            INDArray x = input(4);
            for (String target : List.of("relu_s", "cat", "relu_mix", "gap")) {
                INDArray seed;
                try (ForwardPass pass = g.forward(x)) {
                    seed = GradientCheck.random(new Random(9), pass.get(target).shape()).castTo(DataType.FLOAT);
                }
                // Alternate whole and partial passes, so that each kind reuses its own pooled plan.
                for (int round = 0; round < 2; round++) {
                    INDArray[] whole = run(g, x, target, seed, false);
                    INDArray[] part = run(g, x, target, seed, true);
                    assertEquals(whole[0], part[0], target + " value, round " + round + ", oneDNN " + g.usesOneDnn());
                    assertEquals(whole[1], part[1], target + " input gradient, round " + round + ", oneDNN " + g.usesOneDnn());
                }
            }
            try (ForwardPass pass = g.forwardTo(x, List.of("relu_s"))) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> pass.get("relu_e1"));
                assertTrue(e.getMessage().contains("relu_s"), e.getMessage());
                assertThrows(IllegalStateException.class, pass::output);
                assertFalse(pass.ranOnOneDnn("e1"), "e1 comes after the target and is not computed");
                assertEquals(g.usesOneDnn(), pass.ranOnOneDnn("squeeze"));
            }
        }
    }

    @Test
    void seedsAndGradientsOutsideTheTargetsAreCallerErrors() {
        Graph g = OneDnnPlanTest.net(8, 5);
        INDArray x = input(6);
        try (ForwardPass pass = g.forwardTo(x, List.of("pool1"))) {
            INDArray seed = pass.get("pool1").ulike().assign(1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pass.backward(Map.of("squeeze", seed), List.of("x")));
            assertTrue(e.getMessage().contains("'squeeze'") && e.getMessage().contains("pool1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> pass.backward(Map.of("pool1", seed), List.of("x", "relu_e1")));
            assertTrue(e.getMessage().contains("'relu_e1'"), e.getMessage());
            assertArrayEquals(x.shape(), pass.backward(Map.of("pool1", seed), List.of("x")).get("x").shape());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.forwardTo(x, List.of("pool")));
        assertTrue(e.getMessage().contains("pool1"), "closest names: " + e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> g.forwardTo(x, List.of()));
    }
}
