package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ops.Add;
import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.ConvTranspose;
import dev.cnnviz.core.graph.ops.InstanceNorm;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.PadMode;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Tanh;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The style networks' kernels ({@link InstanceNormKernel}, {@link TanhKernel}) against the ND4J operators
 * ({@link Graph#withNd4jOnly()}): forward values and input gradients, at batch 1 and 3 (instance statistics are per
 * image: a batch-norm kernel that mixed the images would fail at batch 3), on blocks of 8 and 16 channels, for
 * instance norms on 16 channels (blocked), on the 3-channel image (plain NCHW) and, with blocks of 16, on 8 channels
 * (not a whole block: left to ND4J, and still right).
 */
class StyleKernelsTest {
    private static final double TOL = 2e-5;

    private static INDArray w(Random rnd, long... shape) {
        return GradientCheck.random(rnd, shape).castTo(DataType.FLOAT);
    }

    private static Graph net(long seed) {
        Random rnd = new Random(seed);
        return Graph.builder()
                .input("x", 3, 13, 11)
                .constant("s0", w(rnd, 3)).constant("b0", w(rnd, 3))
                .add("in0", new InstanceNorm(1e-5), "x", "s0", "b0")
                .constant("w1", w(rnd, 16, 3, 3, 3)).constant("c1", w(rnd, 16))
                .add("conv1", Conv.padded(1), "in0", "w1", "c1")
                .constant("s1", w(rnd, 16)).constant("b1", w(rnd, 16))
                .add("in1", new InstanceNorm(1e-5), "conv1", "s1", "b1")
                .add("relu1", new Relu(), "in1")
                .constant("w2", w(rnd, 8, 16, 3, 3))
                .add("conv2", Conv.padded(1), "relu1", "w2")
                .constant("s2", w(rnd, 8)).constant("b2", w(rnd, 8))
                .add("in2", new InstanceNorm(1e-3), "conv2", "s2", "b2")
                .add("t2", new Tanh(), "in2")
                .constant("w3", w(rnd, 3, 8, 3, 3))
                .add("conv3", Conv.padded(1), "t2", "w3")
                .add("out", new Tanh(), "conv3")
                .build();
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertClose(expected, actual, what, TOL);
    }

    private static void assertClose(INDArray expected, INDArray actual, String what, double tol) {
        double scale = Math.max(expected.norm2Number().doubleValue(), 1e-6);
        double err = expected.sub(actual).norm2Number().doubleValue() / scale;
        assertTrue(err < tol, what + ": relative error " + err);
    }

    @ParameterizedTest(name = "blocks of {0} channels")
    @ValueSource(ints = {8, 16})
    void forwardAndInputGradientMatchNd4j(int block) {
        Graph g = net(block).withOneDnnBlock(block);
        Graph ref = g.withNd4jOnly();
        List<String> nodes = List.of("in0", "conv1", "in1", "relu1", "in2", "t2", "out");
        for (int batch : new int[] {1, 3}) {
            Random rnd = new Random(40 + batch);
            INDArray x = w(rnd, batch, 3, 13, 11).muli(20).addi(5);
            INDArray seed = w(rnd, batch, 3, 13, 11);
            INDArray inner = w(rnd, batch, 16, 13, 11);
            for (int rep = 0; rep < 2; rep++) {
                try (ForwardPass a = g.forward(x); ForwardPass b = ref.forward(x)) {
                    assertTrue(a.ranOnOneDnn("in0"), "in0 (3 channels, plain) runs on oneDNN");
                    assertTrue(a.ranOnOneDnn("in1"), "in1 (16 channels) runs on oneDNN");
                    assertTrue(a.ranOnOneDnn("out") && a.ranOnOneDnn("t2"), "tanh runs on oneDNN");
                    assertEquals(block == 8, a.ranOnOneDnn("in2"), "in2 (8 channels) runs on oneDNN only with blocks of 8");
                    for (String n : nodes) {
                        assertClose(b.get(n), a.get(n), "batch " + batch + " pass " + rep + " value " + n);
                    }
                    Map<String, INDArray> seeds = Map.of("out", seed, "relu1", inner);
                    List<String> wrt = List.of("x", "in0", "conv1", "in2", "conv2");
                    Gradients ga = a.backward(seeds, wrt);
                    Gradients gb = b.backward(seeds, wrt);
                    for (String n : wrt) {
                        assertClose(gb.get(n), ga.get(n), "batch " + batch + " pass " + rep + " gradient at " + n);
                    }
                    if (OneDnnPlanTest.jitOnly(block)) {
                        assertEquals(List.of(), a.referenceKernels(), "reference kernels");
                    }
                }
            }
            try (ForwardPass a = g.infer(x, List.of()); ForwardPass b = ref.infer(x, List.of())) {
                assertClose(b.output(), a.output(), "inference output, batch " + batch);
            }
        }
    }

    /**
     * Gradients for the scale and bias come from the plan (its per-row gradients summed over the images) and match
     * ND4J's; {@link StyleParameterGradientTest} checks them against finite differences.
     */
    @ParameterizedTest(name = "blocks of {0} channels")
    @ValueSource(ints = {8, 16})
    void scaleAndBiasGradientsMatchNd4j(int block) {
        Graph g = net(7).withOneDnnBlock(block);
        INDArray x = w(new Random(3), 2, 3, 13, 11).muli(10);
        INDArray seed = w(new Random(4), 2, 3, 13, 11);
        List<String> wrt = List.of("s1", "b1", "x");
        try (ForwardPass a = g.forward(x); ForwardPass b = g.withNd4jOnly().forward(x)) {
            Gradients ga = a.backward(Map.of("out", seed), wrt);
            Gradients gb = b.backward(Map.of("out", seed), wrt);
            for (String n : wrt) {
                assertClose(gb.get(n), ga.get(n), "gradient at " + n);
            }
            assertTrue(a.gradientOnOneDnn("s1") && a.gradientOnOneDnn("b1"), "scale and bias gradients from the plan");
        }
    }

    /**
     * One scale and bias shared by two instance norms, at batch 3: the second norm's per-image rows are added on the
     * host to a parameter gradient that already holds the first's ({@link PlanValue#addGradient(float[])}'s sum), and
     * the sums still match ND4J's.
     */
    @ParameterizedTest(name = "blocks of {0} channels")
    @ValueSource(ints = {8, 16})
    void sharedScaleAndBiasGradientsMatchNd4j(int block) {
        Random rnd = new Random(11);
        Graph g = Graph.builder()
                .input("x", 16, 9, 7)
                .constant("s", w(rnd, 16)).constant("b", w(rnd, 16))
                .add("in1", new InstanceNorm(1e-5), "x", "s", "b")
                .add("relu1", new Relu(), "in1")
                .constant("w1", w(rnd, 16, 16, 3, 3))
                .add("conv1", Conv.padded(1), "relu1", "w1")
                .add("in2", new InstanceNorm(1e-5), "conv1", "s", "b")
                .add("out", new Tanh(), "in2")
                .build().withOneDnnBlock(block);
        INDArray x = w(new Random(12), 3, 16, 9, 7).muli(4);
        INDArray seed = w(new Random(13), 3, 16, 9, 7);
        List<String> wrt = List.of("s", "b", "x");
        try (ForwardPass a = g.forward(x); ForwardPass b = g.withNd4jOnly().forward(x)) {
            assertTrue(a.ranOnOneDnn("in1") && a.ranOnOneDnn("in2"), "both norms on the plan");
            for (int rep = 0; rep < 2; rep++) {
                Gradients ga = a.backward(Map.of("out", seed), wrt);
                Gradients gb = b.backward(Map.of("out", seed), wrt);
                for (String n : wrt) {
                    assertClose(gb.get(n), ga.get(n), "gradient at " + n + ", backward " + rep);
                }
                assertTrue(a.gradientOnOneDnn("s") && a.gradientOnOneDnn("b"), "scale and bias gradients from the plan");
            }
        }
    }

    /**
     * Transposed convolutions as the style networks use them, on oneDNN's deconvolution: stride 2 with output
     * padding 1 and no pads (candy's {@code output_shape}: the right pad is -1 and the extra row/column holds the
     * bias only), stride 2 with pads 1 and output padding 1 (the usual "same" upsampling, no bias), a dilated
     * stride-1 one, and one writing the 3-channel image (plain layout, oneDNN's own layouts around it).
     */
    private static Graph deconvNet(long seed) {
        Random rnd = new Random(seed);
        return Graph.builder()
                .input("x", 3, 7, 6)
                .constant("w0", w(rnd, 16, 3, 3, 3)).constant("c0", w(rnd, 16))
                .add("conv0", Conv.padded(1), "x", "w0", "c0")
                .add("relu0", new Relu(), "conv0")
                .constant("w1", w(rnd, 16, 16, 3, 3)).constant("c1", w(rnd, 16))
                .add("up1", new ConvTranspose(new int[] {2, 2}, new int[] {0, 0, 0, 0}, new int[] {1, 1}, 1,
                        new int[] {1, 1}, AutoPad.NOTSET), "relu0", "w1", "c1")
                .add("relu1", new Relu(), "up1")
                .constant("w2", w(rnd, 16, 8, 3, 3))
                .add("up2", new ConvTranspose(new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1,
                        new int[] {1, 1}, AutoPad.NOTSET), "relu1", "w2")
                .constant("w3", w(rnd, 8, 8, 3, 3)).constant("c3", w(rnd, 8))
                .add("dil3", new ConvTranspose(new int[] {1, 1}, new int[] {2, 1, 2, 3}, new int[] {2, 2}, 1,
                        new int[] {0, 0}, AutoPad.NOTSET), "up2", "w3", "c3")
                .add("t3", new Tanh(), "dil3")
                .constant("w4", w(rnd, 8, 3, 3, 3)).constant("c4", w(rnd, 3))
                .add("out", new ConvTranspose(new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1,
                        new int[] {0, 0}, AutoPad.NOTSET), "t3", "w4", "c4")
                .build();
    }

    @ParameterizedTest(name = "blocks of {0} channels")
    @ValueSource(ints = {8, 16})
    void transposedConvolutionsMatchNd4jForwardAndBackward(int block) {
        Graph g = deconvNet(block).withOneDnnBlock(block);
        Graph ref = g.withNd4jOnly();
        List<String> planned = List.of("up1", "up2", "dil3", "out");
        for (int batch : new int[] {1, 2}) {
            Random rnd = new Random(70 + batch);
            INDArray x = w(rnd, batch, 3, 7, 6).muli(3);
            try (ForwardPass a = g.forward(x); ForwardPass b = ref.forward(x)) {
                assertArrayEquals(new long[] {batch, 16, 16, 14}, a.get("up1").shape(), "(7-1)*2 + 3 + 1 = 16 rows");
                assertArrayEquals(new long[] {batch, 8, 32, 28}, a.get("up2").shape());
                for (String n : planned) {
                    assertTrue(a.ranOnOneDnn(n), n + " runs on oneDNN");
                    assertClose(b.get(n), a.get(n), "batch " + batch + " value " + n);
                }
                INDArray seed = w(rnd, a.output().shape());
                List<String> wrt = List.of("x", "relu0", "up1", "up2", "t3");
                Gradients ga = a.backward(Map.of("out", seed), wrt);
                Gradients gb = b.backward(Map.of("out", seed), wrt);
                for (String n : wrt) {
                    // float32 rounding through five layers of different summation orders: 2.4e-5 measured at x
                    assertClose(gb.get(n), ga.get(n), "batch " + batch + " gradient at " + n, 1e-4);
                }
                if (OneDnnPlanTest.jitOnly(block)) {
                    assertEquals(List.of(), a.referenceKernels(), "reference kernels");
                }
            }
        }
    }

    /**
     * Weight and bias gradients of a transposed convolution come from the plan (oneDNN's backward-weights primitive)
     * and match ND4J's; {@link StyleParameterGradientTest} checks them against finite differences.
     */
    @ParameterizedTest(name = "blocks of {0} channels")
    @ValueSource(ints = {8, 16})
    void transposedConvolutionWeightGradientsMatchNd4j(int block) {
        Graph g = deconvNet(5).withOneDnnBlock(block);
        INDArray x = w(new Random(6), 1, 3, 7, 6);
        List<String> wrt = List.of("w1", "c1", "x");
        try (ForwardPass a = g.forward(x); ForwardPass b = g.withNd4jOnly().forward(x)) {
            INDArray seed = w(new Random(8), a.output().shape());
            Gradients ga = a.backward(Map.of("out", seed), wrt);
            Gradients gb = b.backward(Map.of("out", seed), wrt);
            for (String n : wrt) {
                assertClose(gb.get(n), ga.get(n), "gradient at " + n);
            }
            assertTrue(a.gradientOnOneDnn("w1") && a.gradientOnOneDnn("c1"), "weight and bias gradients from the plan");
        }
    }

    /**
     * A residual block as candy's (an unpadded convolution and instance norm, the skip path cropped by one pixel on
     * each side, added), then an asymmetric crop, an addition of a value to itself (two gradient contributions),
     * and a crop of the 3-channel (plain layout) result.
     */
    private static Graph residualNet(long seed) {
        Random rnd = new Random(seed);
        return Graph.builder()
                .input("x", 3, 12, 11)
                .constant("w0", w(rnd, 16, 3, 3, 3)).constant("c0", w(rnd, 16))
                .add("conv0", Conv.padded(1), "x", "w0", "c0")
                .add("relu0", new Relu(), "conv0")
                .constant("w1", w(rnd, 16, 16, 3, 3)).constant("c1", w(rnd, 16))
                .add("conv1", Conv.padded(0), "relu0", "w1", "c1")
                .constant("s1", w(rnd, 16)).constant("b1", w(rnd, 16))
                .add("in1", new InstanceNorm(1e-5), "conv1", "s1", "b1")
                .add("crop0", Pad.spatial(-1, -1, -1, -1, PadMode.CONSTANT, 0), "relu0")
                .add("add0", new Add(), "in1", "crop0")
                .add("crop1", Pad.spatial(0, -1, -2, 0, PadMode.CONSTANT, 0), "add0")
                .add("t1", new Tanh(), "crop1")
                .add("dbl", new Add(), "t1", "t1")
                .constant("w2", w(rnd, 3, 16, 3, 3))
                .add("conv2", Conv.padded(1), "dbl", "w2")
                .add("out", Pad.spatial(-1, 0, 0, -2, PadMode.CONSTANT, 0), "conv2")
                .build();
    }

    @ParameterizedTest(name = "blocks of {0} channels")
    @ValueSource(ints = {8, 16})
    void cropsAndResidualAdditionsMatchNd4jForwardAndBackward(int block) {
        Graph g = residualNet(block).withOneDnnBlock(block);
        Graph ref = g.withNd4jOnly();
        for (int batch : new int[] {1, 3}) {
            Random rnd = new Random(90 + batch);
            INDArray x = w(rnd, batch, 3, 12, 11).muli(2);
            for (int rep = 0; rep < 2; rep++) {
                try (ForwardPass a = g.forward(x); ForwardPass b = ref.forward(x)) {
                    assertArrayEquals(new long[] {batch, 16, 8, 8}, a.get("crop1").shape());
                    assertArrayEquals(new long[] {batch, 3, 7, 6}, a.output().shape());
                    for (String n : List.of("crop0", "add0", "crop1", "dbl", "out")) {
                        assertTrue(a.ranOnOneDnn(n), n + " runs on oneDNN");
                        assertClose(b.get(n), a.get(n), "batch " + batch + " pass " + rep + " value " + n);
                    }
                    INDArray seed = w(rnd, a.output().shape());
                    INDArray inner = w(rnd, batch, 16, 10, 9);
                    Map<String, INDArray> seeds = Map.of("out", seed, "add0", inner);
                    List<String> wrt = List.of("x", "relu0", "in1", "add0", "crop1", "t1", "conv2");
                    Gradients ga = a.backward(seeds, wrt);
                    Gradients gb = b.backward(seeds, wrt);
                    for (String n : wrt) {
                        assertClose(gb.get(n), ga.get(n), "batch " + batch + " pass " + rep + " gradient at " + n, 1e-4);
                    }
                    if (OneDnnPlanTest.jitOnly(block)) {
                        assertEquals(List.of(), a.referenceKernels(), "reference kernels");
                    }
                }
            }
        }
    }
}
