package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.ConvTranspose;
import dev.cnnviz.core.graph.ops.InstanceNorm;
import dev.cnnviz.core.graph.ops.Tanh;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parameter gradients of the style networks' other trainable layers on the oneDNN plan: the weights and bias of
 * {@link ConvTranspose} ({@link DeconvKernel}'s backward-weights primitive) and the scale and bias of
 * {@link InstanceNorm} ({@link InstanceNormKernel}'s per-row gradients summed over the images), equal to ND4J's
 * backward to float32 rounding and to finite differences of the float64 graph, for several strides, paddings and
 * output paddings and several channel counts; trainable {@link Parameters} changed between two passes change the
 * plan's output and gradients (no stale copy); and update-and-pass cycles keep native memory flat.
 */
class StyleParameterGradientTest {

    /** One layer under test followed by a tanh (so that the loss {@code <seed, out>} is not linear in the parameters). */
    interface Spec {
        Graph graph(DataType type);

        INDArray input(DataType type);

        List<String> wrt();

        String layer();

        long seed();

        String describe();
    }

    /**
     * A transposed convolution with {@code c} input and {@code o} output channels.
     *
     * @param pads top, left, bottom, right
     */
    record Deconv(int n, int c, int o, int k, int stride, int dil, int[] pads, int outPad, boolean bias, int h, int w,
            long seed) implements Spec {
        @Override
        public String describe() {
            return "deconv n=" + n + " c=" + c + " o=" + o + " k=" + k + " s=" + stride + " d=" + dil + " pads="
                    + java.util.Arrays.toString(pads) + " outPad=" + outPad + " bias=" + bias + " " + h + "x" + w;
        }

        @Override
        public Graph graph(DataType type) {
            Random rnd = new Random(seed);
            Graph.Builder b = Graph.builder().input("x", c, h, w)
                    .constant("w", GradientCheck.random(rnd, c, o, k, k).castTo(type));
            ConvTranspose t = new ConvTranspose(new int[] {stride, stride}, pads, new int[] {dil, dil}, 1,
                    new int[] {outPad, outPad}, AutoPad.NOTSET);
            if (bias) {
                b.constant("b", GradientCheck.random(rnd, o).castTo(type)).add("layer", t, "x", "w", "b");
            } else {
                b.add("layer", t, "x", "w");
            }
            return b.add("out", new Tanh(), "layer").build();
        }

        @Override
        public INDArray input(DataType type) {
            return GradientCheck.random(new Random(seed + 1), n, c, h, w).castTo(type);
        }

        @Override
        public List<String> wrt() {
            return bias ? List.of("x", "w", "b") : List.of("x", "w");
        }

        @Override
        public String layer() {
            return "layer";
        }
    }

    /** An instance norm of {@code c} channels, its input scaled and shifted away from zero mean and unit variance. */
    record Norm(int n, int c, double eps, int h, int w, long seed) implements Spec {
        @Override
        public String describe() {
            return "instance norm n=" + n + " c=" + c + " eps=" + eps + " " + h + "x" + w;
        }

        @Override
        public Graph graph(DataType type) {
            Random rnd = new Random(seed);
            return Graph.builder().input("x", c, h, w)
                    .constant("s", GradientCheck.random(rnd, c).castTo(type))
                    .constant("b", GradientCheck.random(rnd, c).castTo(type))
                    .add("layer", new InstanceNorm(eps), "x", "s", "b")
                    .add("out", new Tanh(), "layer")
                    .build();
        }

        @Override
        public INDArray input(DataType type) {
            return GradientCheck.random(new Random(seed + 1), n, c, h, w).muli(3).addi(1).castTo(type);
        }

        @Override
        public List<String> wrt() {
            return List.of("x", "s", "b");
        }

        @Override
        public String layer() {
            return "layer";
        }
    }

    static Stream<Arguments> specs() {
        List<Spec> specs = List.of(
                new Deconv(2, 16, 16, 3, 2, 1, new int[] {0, 0, 0, 0}, 1, true, 7, 6, 1),     // candy's: right pad -1
                new Deconv(1, 16, 8, 3, 2, 1, new int[] {1, 1, 1, 1}, 1, false, 6, 7, 2),     // "same" upsampling, no bias
                new Deconv(2, 8, 8, 3, 1, 2, new int[] {2, 1, 2, 3}, 0, true, 7, 7, 3),       // dilated, asymmetric pads
                new Deconv(1, 8, 3, 3, 1, 1, new int[] {1, 1, 1, 1}, 0, true, 9, 8, 4),       // writes the 3-channel image
                new Deconv(3, 3, 16, 4, 2, 1, new int[] {1, 1, 1, 1}, 0, true, 5, 5, 5),      // reads a 3-channel image
                new Deconv(1, 5, 7, 2, 3, 1, new int[] {0, 1, 1, 0}, 2, true, 5, 6, 6),       // odd channels, output padding 2
                new Deconv(2, 16, 24, 5, 2, 1, new int[] {2, 2, 2, 2}, 1, true, 6, 6, 7),     // 5x5 kernel
                new Norm(2, 3, 1e-5, 9, 7, 11),                                                // the image's channels (plain)
                new Norm(3, 8, 1e-5, 6, 5, 12),                                                // one block of 8
                new Norm(1, 16, 1e-3, 7, 7, 13),
                new Norm(3, 32, 1e-5, 5, 4, 14),
                new Norm(2, 5, 1e-5, 4, 6, 15));                                               // odd channels (plain)
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

    /** Whether the layer of {@code s} runs on plans with blocks of {@code block}: an instance norm needs whole blocks. */
    private static boolean planned(Spec s, int block) {
        return !(s instanceof Norm n) || n.c() % 8 != 0 || n.c() % block == 0;
    }

    /** The plan's gradients at every input of the layer against ND4J's, on a new plan and on the same plan again. */
    @ParameterizedTest(name = "{0} blocks of {1}")
    @MethodSource("specs")
    void planGradientsEqualNd4j(Spec s, int block) {
        Assumptions.assumeTrue(planned(s, block), "an instance norm over part of a block runs on ND4J");
        Graph g = s.graph(DataType.FLOAT).withOneDnnBlock(block);
        Graph ref = g.withNd4jOnly();
        INDArray x = s.input(DataType.FLOAT);
        for (int rep = 0; rep < 2; rep++) {
            try (ForwardPass a = g.forward(x); ForwardPass b = ref.forward(x)) {
                assertTrue(a.ranOnOneDnn(s.layer()), s.describe() + " runs on the plan");
                assertTrue(relErr(b.get("out"), a.get("out")) < 2e-5, s.describe() + ": output");
                INDArray seed = GradientCheck.random(new Random(s.seed() + 2), b.get("out").shape()).castTo(DataType.FLOAT);
                Gradients ga = a.backward(Map.of("out", seed), s.wrt());
                Gradients gb = b.backward(Map.of("out", seed), s.wrt());
                for (String n : s.wrt()) {
                    double err = relErr(gb.get(n), ga.get(n));
                    assertTrue(err < 5e-5, s.describe() + " blocks of " + block + " pass " + rep + ": gradient at " + n
                            + ", relative error " + err);
                    if (!n.equals("x")) {
                        assertTrue(a.gradientOnOneDnn(n), s.describe() + ": the gradient at " + n + " came from the plan");
                    }
                }
                if (OneDnnPlanTest.jitOnly(block)) {
                    assertEquals(List.of(), a.referenceKernels(), s.describe() + ": reference kernels");
                }
                // The parameters alone, without the input gradient, from a second backward pass on the same plan.
                List<String> params = s.wrt().subList(1, s.wrt().size());
                Gradients only = a.backward(Map.of("out", seed), params);
                for (String n : params) {
                    assertTrue(relErr(gb.get(n), only.get(n)) < 5e-5, s.describe() + ": gradient at " + n + " alone");
                }
            }
        }
    }

    /**
     * The parameter gradients against central differences of {@code L = <seed, out>} on the float64 graph (ND4J),
     * and the plan's float32 gradients against those differences to float32 accuracy.
     */
    @ParameterizedTest(name = "{0} blocks of {1}")
    @MethodSource("specs")
    void gradientsEqualFiniteDifferences(Spec s, int block) {
        Assumptions.assumeTrue(block == OneDnn.BLOCK, "one block size is enough here: planGradientsEqualNd4j compares both");
        Assumptions.assumeTrue(planned(s, block), "an instance norm over part of a block runs on ND4J");
        Graph g64 = s.graph(DataType.DOUBLE);
        INDArray x64 = s.input(DataType.DOUBLE);
        INDArray seed64;
        Map<String, INDArray> analytic64 = new HashMap<>();
        try (ForwardPass p = g64.forward(x64)) {
            seed64 = GradientCheck.random(new Random(s.seed() + 2), p.get("out").shape());
            Gradients gr = p.backward(Map.of("out", seed64), s.wrt());
            for (String n : s.wrt()) {
                analytic64.put(n, gr.get(n).dup());
            }
        }
        Map<String, INDArray> plan32 = new HashMap<>();
        try (ForwardPass p = s.graph(DataType.FLOAT).withOneDnnBlock(block).forward(s.input(DataType.FLOAT))) {
            Gradients gr = p.backward(Map.of("out", seed64.castTo(DataType.FLOAT)), s.wrt());
            for (String n : s.wrt()) {
                plan32.put(n, gr.get(n).dup());
            }
            assertTrue(p.gradientOnOneDnn(s.wrt().get(1)), s.describe() + ": the plan computed the parameter gradient");
        }
        Random probe = new Random(s.seed() + 3);
        double h = 1e-6;
        for (String n : s.wrt()) {
            if (n.equals("x")) {
                continue;
            }
            INDArray value = g64.constant(n).dup();
            for (int t = 0; t < 10; t++) {
                long i = probe.nextInt((int) value.length());
                double v = value.getDouble(i);
                double plus = loss(g64, n, value.putScalar(i, v + h), x64, seed64);
                double minus = loss(g64, n, value.putScalar(i, v - h), x64, seed64);
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

    private static double loss(Graph g, String constant, INDArray value, INDArray x, INDArray seed) {
        try (ForwardPass p = g.withConstants(Map.of(constant, value)).forward(x)) {
            return p.get("out").mul(seed).sumNumber().doubleValue();
        }
    }

    /** A transposed convolution, a tanh, an instance norm and a tanh, every weight, scale and bias a constant. */
    private static Graph deconvNormNet() {
        Random rnd = new Random(21);
        return Graph.builder().input("x", 16, 5, 6)
                .constant("w", GradientCheck.random(rnd, 16, 8, 3, 3).castTo(DataType.FLOAT))
                .constant("c", GradientCheck.random(rnd, 8).castTo(DataType.FLOAT))
                .add("up", new ConvTranspose(new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1,
                        new int[] {1, 1}, AutoPad.NOTSET), "x", "w", "c")
                .add("t", new Tanh(), "up") // else the instance norm cancels c, whose gradient would be 0
                .constant("s", GradientCheck.random(rnd, 8).castTo(DataType.FLOAT))
                .constant("b", GradientCheck.random(rnd, 8).castTo(DataType.FLOAT))
                .add("in", InstanceNorm.standard(), "t", "s", "b")
                .add("out", new Tanh(), "in")
                .build();
    }

    /**
     * 2,000 cycles (after 666 of warm-up) of forward, backward to the parameters and an update through
     * {@link Parameters}, on the plan: the native memory stays flat (changed parameters are copied into buffers the
     * kernels already have; the gradient steps are made once). The threshold, 32 MB between the floors of the early
     * and late windows, is above the 21 MB of stepwise allocator growth measured here; a leak of about 36 KB or more
     * per cycle (32 MB over the ~900 cycles between the windows) exceeds it.
     */
    @Test
    void updateAndPassCyclesKeepMemoryFlat() {
        Graph g = deconvNormNet();
        INDArray x = GradientCheck.random(new Random(22), 2, 16, 5, 6).castTo(DataType.FLOAT);
        INDArray seed = GradientCheck.random(new Random(23), 2, 8, 10, 12).castTo(DataType.FLOAT);
        try (Parameters p = Parameters.of(g, List.of("w", "c", "s", "b"))) {
            Graph fast = g.withParameters(p).withOneDnnBlock(8); // the instance norm's 8 channels: one whole block
            Runnable cycle = () -> {
                try (ForwardPass pass = fast.forward(x)) {
                    Gradients gr = pass.backward(Map.of("out", seed), p.names());
                    p.forEach((name, a) -> a.subi(gr.get(name).muli(1e-4)));
                }
            };
            // Warm-up first: resident memory rises by tens of MB over the first ~700 cycles, then moves in steps with
            // flat runs between (measured after this warm-up: 172 172 190 190 190 198 199 199 193 MB every 222 cycles,
            // the pattern of allocator arenas rather than of a per-cycle leak, which would climb at every sample).
            for (int i = 0; i < 666; i++) {
                cycle.run();
            }
            NativeMemory.Samples samples = NativeMemory.sample(9, 222, cycle);
            assertTrue(samples.floorGrowth() < 32L << 20, samples.describe());
            try (ForwardPass a = fast.forward(x); ForwardPass b = fast.withNd4jOnly().forward(x)) {
                assertTrue(a.ranOnOneDnn("up") && a.ranOnOneDnn("in"), "the layers run on the plan");
                assertTrue(relErr(b.get("out"), a.get("out")) < 2e-5, "still in step with ND4J after 2,000 updates");
            }
        }
    }

    /**
     * A transposed convolution and an instance norm whose every constant is a trainable {@link Parameters} array: after
     * each change between two passes on the same plan, the plan's output and parameter gradients follow the new values
     * (equal to ND4J's with them, and different from the previous pass's).
     */
    @Test
    void changedParametersReachThePlan() {
        Graph g = deconvNormNet();
        INDArray x = GradientCheck.random(new Random(22), 2, 16, 5, 6).castTo(DataType.FLOAT);
        INDArray seed = GradientCheck.random(new Random(23), 2, 8, 10, 12).castTo(DataType.FLOAT);
        List<String> names = List.of("w", "c", "s", "b");
        try (Parameters p = Parameters.of(g, names)) {
            Graph fast = g.withParameters(p).withOneDnnBlock(8);
            INDArray previous = null;
            for (String changed : List.of("nothing", "w", "c", "s", "b", "all")) {
                if (changed.equals("all")) {
                    p.forEach((n, a) -> a.muli(0.5));
                } else if (!changed.equals("nothing")) {
                    p.update(changed, a -> a.addi(GradientCheck.random(new Random(changed.hashCode()), a.shape())
                            .castTo(DataType.FLOAT)));
                }
                try (ForwardPass a = fast.forward(x); ForwardPass r = fast.withNd4jOnly().forward(x)) {
                    assertTrue(a.ranOnOneDnn("up") && a.ranOnOneDnn("in"), "the layers run on the plan");
                    INDArray out = a.get("out").dup();
                    assertTrue(relErr(r.get("out"), out) < 2e-5, "after changing " + changed + ": the plan's output is ND4J's");
                    if (previous != null) {
                        assertTrue(relErr(previous, out) > 1e-3, "after changing " + changed + ": the output changed");
                    }
                    previous = out;
                    Gradients ga = a.backward(Map.of("out", seed), names);
                    Gradients gr = r.backward(Map.of("out", seed), names);
                    for (String n : names) {
                        assertTrue(a.gradientOnOneDnn(n), n + " gradient from the plan");
                        assertTrue(relErr(gr.get(n), ga.get(n)) < 5e-5, "after changing " + changed + ": gradient at " + n);
                    }
                }
            }
        }
    }
}
