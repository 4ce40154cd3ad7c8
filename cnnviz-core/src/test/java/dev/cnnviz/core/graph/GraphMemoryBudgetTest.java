package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ResourceLimitException;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Passes are held to the graph's memory budget before anything is allocated. */
class GraphMemoryBudgetTest {
    /** x [N, 2, 4, 4] -> 3x3 conv, pad 1, 3 channels -> relu: per example 32 + 48 + 48 floats. */
    private static Graph net() {
        return Graph.builder()
                .input("x", 2, 4, 4)
                .constant("w", Nd4j.ones(DataType.FLOAT, 3, 2, 3, 3))
                .add("conv", Conv.padded(1), "x", "w")
                .add("relu", new Relu(), "conv")
                .build();
    }

    @Test
    void estimateIsTheSumOfActivationsAndGradients() {
        Graph g = net();
        long perExample = (32 + 48 + 48) * 4L;
        assertEquals(perExample, g.passBytes(Map.of("x", new long[] {1, 2, 4, 4}), false));
        assertEquals(2 * 10 * perExample, g.passBytes(Map.of("x", new long[] {10, 2, 4, 4}), true));
        assertEquals(Long.MAX_VALUE, g.passBytes(Map.of("x", new long[] {Long.MAX_VALUE / 64, 2, 4, 4}), false));   // counts fit a long, bytes do not
    }

    @Test
    void aPassOverTheBudgetIsRefusedNamingTheBatchThatFits() {
        Graph g = net().withMemoryBudget(MemoryBudget.ofBytes(10_000));
        ResourceLimitException e = assertThrows(ResourceLimitException.class,
                () -> g.forward(Nd4j.zeros(DataType.FLOAT, 100, 2, 4, 4)));
        assertEquals("a forward and backward pass on input [100, 2, 4, 4] (activations and gradients of 4 nodes) needs "
                + "100.0 KiB, more than the memory budget of 9.8 KiB; at most 9 examples per pass fit, use a smaller batch, "
                + "or raise it with -Dcnnviz.memory.budget=SIZE (e.g. 1g) or MemoryBudget.ofBytes", e.getMessage());
        ResourceLimitException i = assertThrows(ResourceLimitException.class,
                () -> g.infer(Nd4j.zeros(DataType.FLOAT, 100, 2, 4, 4), List.of()));
        assertTrue(i.getMessage().startsWith("an inference pass on input [100, 2, 4, 4] (activations of 4 nodes) needs 50.0 KiB"),
                i.getMessage());
        try (ForwardPass pass = g.forward(Nd4j.zeros(DataType.FLOAT, 9, 2, 4, 4))) {
            assertEquals(9, pass.get("relu").size(0));
        }
    }

    @Test
    void copiesKeepTheBudget() {
        MemoryBudget b = MemoryBudget.ofBytes(12_345);
        Graph g = net().withMemoryBudget(b);
        assertEquals(b, g.withNd4jOnly().memoryBudget());
        assertEquals(b, g.withScoresNode("conv").memoryBudget());
        assertEquals(MemoryBudget.defaultBudget(), net().memoryBudget());
    }
}
