package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ops.Add;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.Gemm;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Softmax;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** {@link Graph#shapes}: every node's static shape, in order, and errors that name the node. */
class GraphShapesTest {

    private static Graph small(long channels) {
        return Graph.builder()
                .input("x", 3, -1, -1)
                .constant("w", Nd4j.zeros(DataType.FLOAT, 8, channels, 3, 3))
                .constant("b", Nd4j.zeros(DataType.FLOAT, 8))
                .add("conv", Conv.padded(1), "x", "w", "b")
                .add("relu", new Relu(), "conv")
                .add("pool", MaxPool.of(2, 2), "relu")
                .add("gap", new GlobalAveragePool(), "pool")
                .add("flat", new Flatten(), "gap")
                .constant("fc", Nd4j.zeros(DataType.FLOAT, 10, 8))
                .add("logits", new Gemm(1, 1, false, true), "flat", "fc")
                .add("prob", Softmax.classes(), "logits")
                .build();
    }

    @Test
    void everyNodeInTopologicalOrder() {
        Graph g = small(3);
        Map<String, long[]> s = g.shapes(2, 3, 32, 20);
        assertEquals(g.names(), new ArrayList<>(s.keySet()));
        assertArrayEquals(new long[] {2, 3, 32, 20}, s.get("x"));
        assertArrayEquals(new long[] {8, 3, 3, 3}, s.get("w"));
        assertArrayEquals(new long[] {2, 8, 32, 20}, s.get("conv"));
        assertArrayEquals(new long[] {2, 8, 16, 10}, s.get("pool"));
        assertArrayEquals(new long[] {2, 8, 1, 1}, s.get("gap"));
        assertArrayEquals(new long[] {2, 10}, s.get("prob"));
        try (ForwardPass pass = g.forward(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 20))) {
            for (String n : g.names()) {
                assertArrayEquals(pass.get(n).shape(), s.get(n), n);
            }
        }
    }

    @Test
    void errorsNameTheNodeAndKeepTheOperatorsMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small(4).shapes(1, 3, 16, 16));
        assertTrue(e.getMessage().startsWith("node 'conv' (Conv): "), e.getMessage());
        assertTrue(e.getMessage().contains("weights [8, 4, 3, 3] need 4 x group 1 input channels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> small(3).shapes(1, 3, 16, 1));
        assertTrue(e.getMessage().startsWith("node 'pool' (MaxPool): "), e.getMessage());
        assertTrue(e.getMessage().contains("kernel 2 (dilation 1) does not fit input 1"), e.getMessage());
    }

    @Test
    void inputsDefaultToTheirDeclaredShapeWithBatchOne() {
        Graph fixed = Graph.builder().input("x", 2, 5).add("y", new Relu(), "x").build();
        assertArrayEquals(new long[] {1, 2, 5}, fixed.shapes().get("y"));
        assertArrayEquals(new long[] {7, 2, 5}, fixed.shapes(7, 2, 5).get("y"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small(3).shapes());
        assertTrue(e.getMessage().startsWith("node 'x' (Input): ") && e.getMessage().contains("no fixed size at axis 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fixed.shapes(1, 2, 6));
        assertTrue(e.getMessage().contains("expects shape [N, 2, 5], found [1, 2, 6]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fixed.shapes(Map.of("z", new long[] {1, 2, 5})));
        assertTrue(e.getMessage().contains("'z' is not an input of the graph"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fixed.shapes(0, 2, 5));
        assertTrue(e.getMessage().contains("dimension 0 of size 0"), e.getMessage());
    }

    @Test
    void severalInputsByName() {
        Graph g = Graph.builder().input("a", 4).input("b", 1).add("sum", new Add(), "a", "b").build();
        assertArrayEquals(new long[] {3, 4}, g.shapes(Map.of("a", new long[] {3, 4}, "b", new long[] {3, 1})).get("sum"));
        assertArrayEquals(new long[] {1, 4}, g.shapes().get("sum"));
        assertThrows(IllegalStateException.class, () -> g.shapes(1, 4));
    }

    @Test
    void elementCountsThatOverflowALongAreRefused() {
        Graph g = Graph.builder().input("x", -1, -1).add("flat", new Flatten(0), "x").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.shapes(1L << 32, 1L << 32, 1L << 32));
        assertTrue(e.getMessage().startsWith("node 'x' (Input): ") && e.getMessage().contains("overflows a long"), e.getMessage());
    }

    @Test
    void aFiftyThousandNodeChainTakesWellUnderASecond() {
        Graph.Builder b = Graph.builder().input("x", 8, 4, 4);
        String prev = "x";
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            String n = "relu" + i;
            b.add(n, new Relu(), prev);
            names.add(n);
            prev = n;
        }
        Graph g = b.build().withNd4jOnly();
        g.shapes(1, 8, 4, 4);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            Map<String, long[]> s = g.shapes(1, 8, 4, 4);
            best = Math.min(best, System.nanoTime() - t0);
            assertEquals(50_001, s.size());
            assertArrayEquals(new long[] {1, 8, 4, 4}, s.get(names.get(names.size() - 1)));
        }
        System.out.printf("Graph.shapes on a 50,000-node chain: %.1f ms%n", best / 1e6);
        assertTrue(best < 250_000_000L, "50,000 nodes took " + best / 1e6 + " ms");
    }

    @Test
    void inputArraysAreNotShared() {
        Graph g = Graph.builder().input("x", 2).add("y", new Relu(), "x").build();
        long[] given = {3, 2};
        Map<String, long[]> s = g.shapes(given);
        given[0] = 5;
        assertArrayEquals(new long[] {3, 2}, s.get("x"));
    }
}
