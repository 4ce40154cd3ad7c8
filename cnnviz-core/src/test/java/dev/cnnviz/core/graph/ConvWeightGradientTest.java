package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Weight and bias gradients of {@link Conv} on the oneDNN plan ({@link ConvKernel}'s backward-weights primitive):
 * equal to ND4J's {@code Conv.backward} to float32 rounding and to finite differences of the float64 graph, for
 * strides, padding, groups and dilation; flat native memory over 2,000 update-and-pass cycles of trainable weights.
 */
class ConvWeightGradientTest {

    /**
     * One convolution under test, followed by a ReLU when {@code relu} (then fused into the convolution on the plan).
     *
     * @param pads top, left, bottom, right
     */
    record Spec(int n, int cPerGroup, int oPerGroup, int group, int k, int stride, int dil, int[] pads, boolean bias,
            boolean relu, int h, int w, long seed) {
        String describe() {
            return "n=" + n + " c/g=" + cPerGroup + " o/g=" + oPerGroup + " g=" + group + " k=" + k + " s=" + stride + " d=" + dil
                    + " pads=" + java.util.Arrays.toString(pads) + " bias=" + bias + " relu=" + relu + " " + h + "x" + w;
        }

        Graph graph(DataType type) {
            Random rnd = new Random(seed);
            Graph.Builder b = Graph.builder()
                    .input("x", (long) cPerGroup * group, h, w)
                    .constant("w", GradientCheck.random(rnd, (long) oPerGroup * group, cPerGroup, k, k).castTo(type));
            Conv conv = new Conv(new int[] {stride, stride}, pads, new int[] {dil, dil}, group, AutoPad.NOTSET);
            if (bias) {
                b.constant("b", GradientCheck.random(rnd, (long) oPerGroup * group).castTo(type)).add("conv", conv, "x", "w", "b");
            } else {
                b.add("conv", conv, "x", "w");
            }
            if (relu) {
                b.add("relu", new Relu(), "conv");
            }
            return b.build();
        }

        INDArray input(DataType type) {
            return GradientCheck.random(new Random(seed + 1), n, (long) cPerGroup * group, h, w).castTo(type);
        }

        List<String> wrt() {
            return bias ? List.of("x", "w", "b") : List.of("x", "w");
        }

        String out() {
            return relu ? "relu" : "conv";
        }
    }

    static Stream<Arguments> specs() {
        int[] none = new int[4];
        List<Spec> specs = List.of(
                new Spec(2, 3, 16, 1, 3, 1, 1, new int[] {1, 1, 1, 1}, true, false, 9, 9, 1),      // an image's 3 channels
                new Spec(2, 8, 16, 1, 3, 2, 1, none, true, true, 11, 11, 2),                        // strided, fused ReLU
                new Spec(1, 16, 8, 1, 1, 1, 1, none, true, true, 7, 7, 3),                          // 1x1 squeeze
                new Spec(2, 8, 8, 1, 3, 1, 2, new int[] {2, 2, 2, 2}, false, false, 10, 10, 4),    // dilated, no bias
                new Spec(2, 4, 4, 4, 3, 1, 1, new int[] {0, 1, 1, 0}, true, false, 8, 9, 5),       // grouped, asymmetric pads
                new Spec(1, 1, 1, 16, 3, 2, 1, new int[] {1, 1, 1, 1}, true, true, 9, 9, 6),       // depthwise, strided
                new Spec(3, 5, 7, 1, 2, 1, 1, new int[] {0, 0, 1, 1}, true, false, 6, 6, 7),       // odd channels, even kernel
                new Spec(1, 8, 24, 2, 3, 3, 2, new int[] {2, 1, 0, 2}, true, true, 13, 12, 8));    // all at once
        List<Arguments> args = new ArrayList<>();
        for (Spec s : specs) {
            for (int block : new int[] {8, 16}) {
                args.add(Arguments.of(s, block));
            }
        }
        return args.stream();
    }

    private static double relErr(INDArray expected, INDArray actual) {
        double scale = Math.max(expected.norm2Number().doubleValue(), 1e-6);
        return expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).norm2Number().doubleValue() / scale;
    }

    /** The plan's gradients at x, w and b against ND4J's, on a new plan and on the same plan again. */
    private static void planMatchesNd4j(Spec s, int block) {
        Graph g = s.graph(DataType.FLOAT).withOneDnnBlock(block);
        Graph ref = g.withNd4jOnly();
        INDArray x = s.input(DataType.FLOAT);
        for (int rep = 0; rep < 2; rep++) {
            try (ForwardPass a = g.forward(x); ForwardPass b = ref.forward(x)) {
                INDArray seed = GradientCheck.random(new Random(s.seed() + 2), b.get(s.out()).shape()).castTo(DataType.FLOAT);
                Gradients ga = a.backward(Map.of(s.out(), seed), s.wrt());
                Gradients gb = b.backward(Map.of(s.out(), seed), s.wrt());
                for (String n : s.wrt()) {
                    double err = relErr(gb.get(n), ga.get(n));
                    assertTrue(err < 5e-5, s.describe() + " blocks of " + block + " pass " + rep + ": gradient at " + n
                            + ", relative error " + err);
                }
                assertTrue(a.ranOnOneDnn("conv"), "conv runs on the plan");
                assertTrue(a.gradientOnOneDnn("w"), "the weight gradient came from the plan");
                if (OneDnnPlanTest.jitOnly(block)) {
                    assertEquals(List.of(), a.referenceKernels(), s.describe() + ": reference kernels");
                }
                // Weights alone, without the input gradient, and a second backward from zero.
                Gradients onlyW = a.backward(Map.of(s.out(), seed), List.of("w"));
                assertTrue(relErr(gb.get("w"), onlyW.get("w")) < 5e-5, s.describe() + ": weight gradient alone");
            }
        }
    }

    @ParameterizedTest(name = "{0} blocks of {1}")
    @MethodSource("specs")
    void planGradientsEqualNd4j(Spec s, int block) {
        planMatchesNd4j(s, block);
    }

    /**
     * The gradients at w and b against central differences of {@code L = <seed, y>} on the float64 graph (ND4J), and
     * the plan's float32 gradients against those differences to float32 accuracy.
     */
    @ParameterizedTest(name = "{0} blocks of {1}")
    @MethodSource("specs")
    void gradientsEqualFiniteDifferences(Spec s, int block) {
        Assumptions.assumeTrue(block == OneDnn.BLOCK, "one block size is enough here: planGradientsEqualNd4j compares both");
        Graph g64 = s.graph(DataType.DOUBLE);
        INDArray x64 = s.input(DataType.DOUBLE);
        INDArray seed64;
        Map<String, INDArray> analytic64 = new java.util.HashMap<>();
        try (ForwardPass p = g64.forward(x64)) {
            seed64 = GradientCheck.random(new Random(s.seed() + 2), p.get(s.out()).shape());
            Gradients gr = p.backward(Map.of(s.out(), seed64), s.wrt());
            for (String n : s.wrt()) {
                analytic64.put(n, gr.get(n).dup());
            }
        }
        Graph g32 = s.graph(DataType.FLOAT).withOneDnnBlock(block);
        Map<String, INDArray> plan32 = new java.util.HashMap<>();
        try (ForwardPass p = g32.forward(s.input(DataType.FLOAT))) {
            Gradients gr = p.backward(Map.of(s.out(), seed64.castTo(DataType.FLOAT)), s.wrt());
            assertTrue(p.gradientOnOneDnn("w"));
            for (String n : s.wrt()) {
                plan32.put(n, gr.get(n).dup());
            }
        }
        Random probe = new Random(s.seed() + 3);
        double h = 1e-6;
        for (String n : s.wrt()) {
            if (n.equals("x")) {
                continue;
            }
            INDArray value = g64.constant(n).dup();
            for (int t = 0; t < 12; t++) {
                long i = probe.nextInt((int) value.length());
                double v = value.getDouble(i);
                double plus = loss(g64, n, value.putScalar(i, v + h), x64, seed64, s.out());
                double minus = loss(g64, n, value.putScalar(i, v - h), x64, seed64, s.out());
                value.putScalar(i, v);
                double numeric = (plus - minus) / (2 * h);
                double exact = analytic64.get(n).getDouble(i);
                double fast = plan32.get(n).getDouble(i);
                double scale = Math.max(1, Math.abs(numeric));
                assertTrue(Math.abs(exact - numeric) < 1e-6 * scale, s.describe() + " " + n + "[" + i + "]: ND4J float64 "
                        + exact + ", finite differences " + numeric);
                assertTrue(Math.abs(fast - numeric) < 2e-4 * scale, s.describe() + " " + n + "[" + i + "]: plan float32 "
                        + fast + ", finite differences " + numeric);
            }
        }
    }

    private static double loss(Graph g, String constant, INDArray value, INDArray x, INDArray seed, String out) {
        try (ForwardPass p = g.withConstants(Map.of(constant, value)).forward(x)) {
            return p.get(out).mul(seed).sumNumber().doubleValue();
        }
    }

    @Provide
    Arbitrary<Spec> randomSpecs() {
        Arbitrary<int[]> pads = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(4);
        return Combinators.combine(
                Arbitraries.integers().between(1, 3),
                Arbitraries.of(1, 3, 4, 8, 16),
                Arbitraries.of(1, 5, 8, 16),
                Arbitraries.of(1, 1, 2, 4),
                Arbitraries.of(1, 2, 3),
                Arbitraries.of(1, 2),
                Arbitraries.of(1, 1, 2),
                pads).as((n, c, o, g, k, s, d, p) -> new Spec(n, c, o, g, k, s, d, p, true, false, 0, 0, 0))
                .flatMap(sp -> Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false),
                        Arbitraries.integers().between(7, 13), Arbitraries.integers().between(7, 13), Arbitraries.longs())
                        .as((bias, relu, h, w, seed) -> new Spec(sp.n(), sp.cPerGroup(), sp.oPerGroup(), sp.group(), sp.k(),
                                sp.stride(), sp.dil(), sp.pads(), bias, relu, h, w, seed)));
    }

    /** Random small convolutions: the plan's weight, bias and input gradients equal ND4J's, on both block sizes. */
    @Property(tries = 60)
    void randomConvolutionsMatchNd4j(@ForAll("randomSpecs") Spec s) {
        int reach = (s.k() - 1) * s.dil() + 1;
        net.jqwik.api.Assume.that(s.h() + s.pads()[0] + s.pads()[2] >= reach && s.w() + s.pads()[1] + s.pads()[3] >= reach);
        planMatchesNd4j(s, 8);
        if (OneDnnPlanTest.jitOnly(16)) {
            planMatchesNd4j(s, 16);
        }
    }

    /**
     * 2,000 cycles of forward, backward to the parameters and an update through {@link Parameters}, on the plan: the
     * native memory stays flat (the plan re-copies changed weights into buffers it already has; nothing per pass).
     */
    @Test
    void updateAndPassCyclesKeepMemoryFlat() {
        Spec s = new Spec(2, 8, 16, 1, 3, 1, 1, new int[] {1, 1, 1, 1}, true, true, 16, 16, 9);
        Graph g = s.graph(DataType.FLOAT);
        INDArray x = s.input(DataType.FLOAT);
        try (Parameters p = Parameters.of(g, List.of("w", "b"))) {
            Graph fast = g.withParameters(p);
            INDArray seed = GradientCheck.random(new Random(10), 2, 16, 16, 16).castTo(DataType.FLOAT).muli(1e-3);
            Runnable cycle = () -> {
                try (ForwardPass pass = fast.forward(x)) {
                    Gradients gr = pass.backward(Map.of("relu", seed), p.names());
                    p.forEach((name, w) -> w.subi(gr.get(name).muli(1e-4)));
                }
            };
            NativeMemory.Samples samples = NativeMemory.sample(9, 222, cycle);
            assertTrue(samples.floorGrowth() < 24L << 20, samples.describe());
            try (ForwardPass a = fast.forward(x); ForwardPass b = fast.withNd4jOnly().forward(x)) {
                assertTrue(relErr(b.get("relu"), a.get("relu")) < 2e-5, "still in step with ND4J after 2,000 updates");
            }
        }
    }
}
