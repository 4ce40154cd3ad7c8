package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ops.CoordinateTransform;
import dev.cnnviz.core.graph.ops.Interpolation;
import dev.cnnviz.core.graph.ops.NearestMode;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.PadMode;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Resize;
import dev.cnnviz.core.graph.ops.Tanh;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reflect padding ({@link ReflectPadKernel}) and nearest upsampling by whole factors ({@link UpsampleKernel}) on the
 * oneDNN plan against the ND4J operators ({@link Graph#withNd4jOnly()}), forward and input gradient, on random shapes
 * (odd sizes, 3 channels in plain NCHW, multiples of 8 in blocks of 8 and 16, pads up to the size minus 1), read from
 * an imported ND4J value and from a planned node; and the adjoint identity {@code <T x, y> = <x, Tᵀ y>} of the plan's
 * forward and backward. The second pass of each case also reads the layer's own gradient back, which makes the
 * padding fold its borders on a copy rather than in place.
 */
class PadUpsampleKernelTest {

    /** One layer under test on {@code x [n, c, h, w]}, directly on the input or after a ReLU (a planned node). */
    record Case(String kind, int n, int c, int h, int w, int[] a, boolean afterRelu, long seed) {
        Op op() {
            return kind.equals("pad") ? Pad.spatial(a[0], a[1], a[2], a[3], PadMode.REFLECT, 0)
                    : new Resize(Interpolation.NEAREST, a[0], a[1], 0, 0, CoordinateTransform.ASYMMETRIC, NearestMode.FLOOR);
        }

        Graph graph(int block) {
            Graph.Builder b = Graph.builder().input("x", c, h, w);
            String in = "x";
            if (afterRelu) {
                b.add("relu", new Relu(), "x");
                in = "relu";
            }
            return b.add("layer", op(), in).add("out", new Tanh(), "layer").build().withOneDnnBlock(block);
        }

        INDArray input() {
            return GradientCheck.random(new Random(seed), n, c, h, w).castTo(DataType.FLOAT).muli(2);
        }

        @Override
        public String toString() {
            return kind + " " + java.util.Arrays.toString(a) + " on " + n + "x" + c + "x" + h + "x" + w + (afterRelu ? " after a ReLU" : "");
        }
    }

    private static double relErr(INDArray expected, INDArray actual) {
        double scale = Math.max(expected.norm2Number().doubleValue(), 1e-6);
        return expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).norm2Number().doubleValue() / scale;
    }

    private static double dot(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).mul(b.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
    }

    /** Forward and input gradient equal ND4J's (twice on the same plan); the adjoint identity on the plan. */
    private static void check(Case k, int block) {
        Graph g = k.graph(block);
        INDArray x = k.input();
        for (int rep = 0; rep < 2; rep++) {
            try (ForwardPass a = g.forward(x); ForwardPass b = g.withNd4jOnly().forward(x)) {
                // oneDNN makes no windows of a blocked layout with a padded last block (24 channels in blocks of 16)
                boolean planned = k.kind().equals("upsample") || k.c() % 8 != 0 || k.c() % block == 0;
                assertEquals(planned, a.ranOnOneDnn("layer"), k + " blocks of " + block + " runs on the plan");
                assertArrayEquals(b.get("layer").shape(), a.get("layer").shape(), k + ": output shape");
                assertEquals(0, relErr(b.get("layer"), a.get("layer")), 1e-7, k + " blocks of " + block + ": output");
                Random rnd = new Random(k.seed() + 1 + rep);
                INDArray seed = GradientCheck.random(rnd, b.get("out").shape()).castTo(DataType.FLOAT);
                INDArray inner = GradientCheck.random(rnd, b.get("layer").shape()).castTo(DataType.FLOAT);
                Map<String, INDArray> seeds = Map.of("out", seed, "layer", inner);
                List<String> wrt = new java.util.ArrayList<>(k.afterRelu() ? List.of("x", "relu") : List.of("x"));
                if (rep == 1) {
                    // the layer's own gradient read back: the padding's backward must leave it as it was
                    // (the first pass folds its borders in place instead, see ReflectPadKernel)
                    wrt.add("layer");
                }
                Gradients ga = a.backward(seeds, wrt);
                Gradients gb = b.backward(seeds, wrt);
                for (String n : wrt) {
                    double err = relErr(gb.get(n), ga.get(n));
                    // float32 sums in another order (oneDNN's threads): OneDnnPlanTest's tolerance
                    assertTrue(err < 2e-5, k + " blocks of " + block + " pass " + rep + ": gradient at " + n + ", relative error " + err);
                }
                // <T x, y> = <x, Tᵀ y> with the plan's forward and backward of the layer alone
                INDArray in = k.afterRelu() ? a.get("relu") : x;
                String inName = k.afterRelu() ? "relu" : "x";
                double lhs = dot(a.get("layer"), inner);
                double rhs = dot(in, a.backward(Map.of("layer", inner), List.of(inName)).get(inName));
                assertEquals(lhs, rhs, 1e-5 * Math.max(1, Math.abs(lhs)), k + ": adjoint identity");
                if (OneDnnPlanTest.jitOnly(block)) {
                    assertEquals(List.of(), a.referenceKernels(), k + ": reference kernels");
                }
            }
        }
    }

    @Provide
    Arbitrary<Case> pads() {
        return Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.of(3, 5, 8, 16, 24, 32),
                Arbitraries.integers().between(2, 11), Arbitraries.integers().between(2, 11), Arbitraries.of(true, false),
                Arbitraries.longs()).flatAs((n, c, h, w, relu, seed) -> {
                    Arbitrary<Integer> ph = Arbitraries.integers().between(0, h - 1);
                    Arbitrary<Integer> pw = Arbitraries.integers().between(0, w - 1);
                    // at least one non-zero pad: all zeros is the identity, which the crop kernel plans (CropKernel)
                    return Combinators.combine(ph, pw, ph, pw).as((t, l, b, r) -> new Case("pad", n, c, h, w, new int[] {t, l, b, r}, relu, seed))
                            .filter(k -> k.a()[0] + k.a()[1] + k.a()[2] + k.a()[3] > 0);
                });
    }

    @Provide
    Arbitrary<Case> upsamplings() {
        return Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.of(3, 5, 8, 16, 24, 32),
                Arbitraries.integers().between(1, 9), Arbitraries.integers().between(1, 9), Arbitraries.integers().between(1, 4),
                Arbitraries.integers().between(1, 4), Arbitraries.of(true, false), Arbitraries.longs())
                .as((n, c, h, w, sh, sw, relu, seed) -> new Case("upsample", n, c, h, w, new int[] {sh, sw}, relu, seed));
    }

    @Property(tries = 40)
    void reflectPaddingMatchesNd4j(@ForAll("pads") Case k) {
        check(k, 8);
        if (OneDnnPlanTest.jitOnly(16)) {
            check(k, 16);
        }
    }

    @Property(tries = 40)
    void nearestUpsamplingMatchesNd4j(@ForAll("upsamplings") Case k) {
        check(k, 8);
        if (OneDnnPlanTest.jitOnly(16)) {
            check(k, 16);
        }
    }

    /** The extremes: pads of the size minus 1 on every side, and of 1 on a 2-pixel axis; an upsampling of one pixel. */
    @Test
    void largestPadsAndSmallestInputs() {
        for (int block : new int[] {8, 16}) {
            check(new Case("pad", 1, 24, 10, 11, new int[] {0, 1, 5, 1}, true, 1), block);
            check(new Case("pad", 2, 16, 7, 4, new int[] {6, 3, 6, 3}, true, 1), block);
            check(new Case("pad", 1, 3, 2, 9, new int[] {1, 8, 1, 0}, false, 2), block);
            check(new Case("pad", 1, 8, 2, 2, new int[] {1, 1, 1, 1}, false, 3), block);
            check(new Case("upsample", 3, 24, 1, 1, new int[] {4, 3}, true, 4), block);
        }
    }

    /**
     * Which resizes run as whole-factor upsampling: ONNX's default half-pixel, round-prefer-floor nearest resize by 2
     * reads the same pixels as {@link Resize#upsampleNearest} and runs on the plan; a factor of 1.5, align-corners and
     * linear interpolation do not, and still give ND4J's values.
     */
    @Test
    void onlyWholeFactorNearestUpsamplingRunsOnThePlan() {
        Resize onnxDefault = new Resize(Interpolation.NEAREST, 2, 2, 0, 0, CoordinateTransform.HALF_PIXEL, NearestMode.ROUND_PREFER_FLOOR);
        assertArrayEquals(new int[] {2, 2}, onnxDefault.integerNearestFactors(new long[] {1, 8, 5, 7}));
        assertArrayEquals(new int[] {3, 1}, new Resize(Interpolation.NEAREST, 3, 1, 0, 0, CoordinateTransform.ASYMMETRIC,
                NearestMode.FLOOR).integerNearestFactors(new long[] {1, 8, 5, 7}));
        Resize fractional = new Resize(Interpolation.NEAREST, 1.5, 1.5, 0, 0, CoordinateTransform.ASYMMETRIC, NearestMode.FLOOR);
        Resize corners = new Resize(Interpolation.NEAREST, 2, 2, 0, 0, CoordinateTransform.ALIGN_CORNERS, NearestMode.FLOOR);
        Resize linear = new Resize(Interpolation.LINEAR, 2, 2, 0, 0, CoordinateTransform.ASYMMETRIC, NearestMode.FLOOR);
        for (Resize r : List.of(fractional, corners, linear)) {
            assertNull(r.integerNearestFactors(new long[] {1, 8, 6, 6}), r + " is not whole-factor nearest upsampling");
        }
        for (Resize r : List.of(onnxDefault, fractional, corners, linear)) {
            Graph g = Graph.builder().input("x", 8, 6, 6).add("relu", new Relu(), "x").add("layer", r, "relu")
                    .add("out", new Tanh(), "layer").build();
            INDArray x = GradientCheck.random(new Random(5), 2, 8, 6, 6).castTo(DataType.FLOAT);
            try (ForwardPass a = g.forward(x); ForwardPass b = g.withNd4jOnly().forward(x)) {
                assertEquals(r == onnxDefault, a.ranOnOneDnn("layer"), r + " on the plan");
                assertEquals(0, relErr(b.get("out"), a.get("out")), 1e-6, r + ": output");
                INDArray seed = GradientCheck.random(new Random(6), b.get("out").shape()).castTo(DataType.FLOAT);
                assertTrue(relErr(b.backward(Map.of("out", seed), List.of("x")).get("x"),
                        a.backward(Map.of("out", seed), List.of("x")).get("x")) < 2e-5, r + ": gradient");
            }
        }
        OneDnnPlan plan = new OneDnnPlan(true, 8);
        try (plan) {
            assertTrue(ReflectPadKernel.plannable(plan, Pad.spatial(1, 1, 1, 1, PadMode.REFLECT, 0), new long[] {1, 8, 4, 4}));
            assertFalse(ReflectPadKernel.plannable(plan, Pad.spatial(1, 1, 1, 1, PadMode.EDGE, 0), new long[] {1, 8, 4, 4}));
            assertFalse(ReflectPadKernel.plannable(plan, Pad.spatial(1, 1, 1, 1, PadMode.CONSTANT, 0), new long[] {1, 8, 4, 4}));
        }
    }
}
