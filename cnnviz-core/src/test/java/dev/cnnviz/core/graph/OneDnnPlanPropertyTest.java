package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Relu;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The oneDNN engine equals the ND4J engine on random conv → ReLU → max-pool → global-average-pool nets: channel
 * counts that fill oneDNN's blocks (of 8 or 16 channels, both tried) or not, groups, strides, dilations, explicit and automatic padding, pooling
 * windows with and without ceil mode. Values at every node and gradients at the input and inside the net.
 */
class OneDnnPlanPropertyTest {

    record Case(int n, int cPerGroup, int oPerGroup, int group, int k, int stride, int dil, int[] pads, AutoPad auto,
            boolean bias, int poolK, int poolS, boolean ceil, int h, int w, long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<int[]> pads = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(4);
        return Combinators.combine(
                Arbitraries.integers().between(1, 2),
                Arbitraries.of(1, 3, 8),
                Arbitraries.of(1, 5, 8, 16),
                Arbitraries.of(1, 1, 2, 3),
                Arbitraries.of(1, 2, 3),
                Arbitraries.of(1, 2),
                Arbitraries.of(1, 1, 2),
                pads).as((n, c, o, g, k, s, d, p) -> new Case(n, c, o, g, k, s, d, p, AutoPad.NOTSET, true, 1, 1, false, 0, 0, 0))
                .flatMap(c -> Combinators.combine(Arbitraries.of(AutoPad.NOTSET, AutoPad.NOTSET, AutoPad.SAME_UPPER, AutoPad.VALID),
                        Arbitraries.of(true, false), Arbitraries.of(1, 2, 3), Arbitraries.of(1, 2, 3), Arbitraries.of(true, false),
                        Arbitraries.integers().between(7, 14), Arbitraries.integers().between(7, 14), Arbitraries.longs())
                        .as((a, b, pk, ps, ceil, h, w, seed) -> new Case(c.n, c.cPerGroup, c.oPerGroup, c.group, c.k, c.stride,
                                c.dil, c.pads, a, b, pk, ps, ceil, h, w, seed)));
    }

    private static INDArray random(Random rnd, long... shape) {
        return GradientCheck.random(rnd, shape).castTo(DataType.FLOAT);
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double err = expected.sub(actual).norm2Number().doubleValue() / Math.max(expected.norm2Number().doubleValue(), 1e-6);
        assertTrue(err < 2e-5, what + ": relative error " + err);
    }

    @Property(tries = 100)
    void oneDnnEqualsNd4j(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed());
        int ci = c.cPerGroup() * c.group();
        int co = c.oPerGroup() * c.group();
        Graph.Builder b = Graph.builder()
                .input("x", ci, c.h(), c.w())
                .constant("w", random(rnd, co, c.cPerGroup(), c.k(), c.k()));
        Conv conv = new Conv(new int[] {c.stride(), c.stride()}, c.pads(), new int[] {c.dil(), c.dil()}, c.group(), c.auto());
        if (c.bias()) {
            b.constant("b", random(rnd, co)).add("conv", conv, "x", "w", "b");
        } else {
            b.add("conv", conv, "x", "w");
        }
        Graph g;
        try {
            g = b.add("relu", new Relu(), "conv")
                    .add("pool", new MaxPool(new int[] {c.poolK(), c.poolK()}, new int[] {c.poolS(), c.poolS()}, new int[4],
                            new int[] {1, 1}, c.ceil(), AutoPad.NOTSET), "relu")
                    .add("gap", new GlobalAveragePool(), "pool")
                    .add("flat", new Flatten(), "gap")
                    .build();
        } catch (IllegalArgumentException e) {
            return; // a kernel larger than its input: not a net
        }
        INDArray x = random(rnd, c.n(), ci, c.h(), c.w());
        // Both channel blocks of the oneDNN layout, whatever this machine's default.
        int block = Math.floorMod(c.seed(), 2) == 0 ? 8 : 16;
        g = g.withOneDnnBlock(block);
        Graph ref = g.withNd4jOnly();
        ForwardPass a;
        try {
            a = g.forward(x);
        } catch (IllegalArgumentException e) {
            return; // shapes that do not fit (kernel larger than the padded input): rejected by both engines
        }
        try (ForwardPass pa = a; ForwardPass pb = ref.forward(x)) {
            for (String node : List.of("conv", "relu", "gap")) {
                assertTrue(pa.ranOnOneDnn(node), c + ", blocks of " + block + ": " + node + " should run on oneDNN");
            }
            for (String node : List.of("conv", "relu", "pool", "flat")) {
                assertClose(pb.get(node), pa.get(node), c + ", blocks of " + block + ": value of " + node);
            }
            INDArray seed = random(rnd, pb.get("flat").shape());
            INDArray poolSeed = random(rnd, pb.get("pool").shape());
            Map<String, INDArray> seeds = Map.of("flat", seed, "pool", poolSeed);
            Gradients ga = pa.backward(seeds, List.of("x", "conv", "relu"));
            Gradients gb = pb.backward(seeds, List.of("x", "conv", "relu"));
            for (String node : List.of("x", "conv", "relu")) {
                assertClose(gb.get(node), ga.get(node), c + ", blocks of " + block + ": gradient at " + node);
            }
            if (OneDnnPlanTest.jitOnly(block)) {
                assertEquals(List.of(), pa.referenceKernels(), c + ", blocks of " + block + ": reference kernels");
            }
        }
    }
}
