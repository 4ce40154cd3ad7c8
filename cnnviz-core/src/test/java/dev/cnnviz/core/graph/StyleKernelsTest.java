package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.InstanceNorm;
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
        double scale = Math.max(expected.norm2Number().doubleValue(), 1e-6);
        double err = expected.sub(actual).norm2Number().doubleValue() / scale;
        assertTrue(err < TOL, what + ": relative error " + err);
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

    /** Gradients for the scale and bias are not planned: the node runs backward on ND4J and still matches. */
    @ParameterizedTest(name = "blocks of {0} channels")
    @ValueSource(ints = {8, 16})
    void scaleAndBiasGradientsFallBackToNd4j(int block) {
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
        }
    }
}
