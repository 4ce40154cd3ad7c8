package dev.cnnviz.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.GradientCheck;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Add;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.ConvTranspose;
import dev.cnnviz.core.graph.ops.InstanceNorm;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.PadMode;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Resize;
import dev.cnnviz.core.graph.ops.Tanh;
import dev.cnnviz.core.style.TransformNet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parameter gradients (what training needs) against central finite differences in float64 on the ND4J path, for
 * every operator the transformation network uses: a graph {@code x → conv(W1, B1) → OP → conv(W2, B2)} with the
 * loss {@code L = <s, output>} for a random {@code s}; every constant's gradient from {@link ForwardPass#backward}
 * is probed element by element. A wrong backward rule for OP shows up in W1's and B1's gradients.
 */
class ParameterGradientTest {
    private static final double H = 1e-6;

    static Stream<Arguments> operators() {
        return Stream.of(
                Arguments.of("Conv stride 2", (UnaryOperator<Graph.Builder>) b -> b
                        .constant("w", rnd(11, 3, 3, 3, 3)).constant("wb", rnd(12, 3))
                        .add("op", new Conv(new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1, null), "c1", "w", "wb")),
                Arguments.of("ConvTranspose stride 2", (UnaryOperator<Graph.Builder>) b -> b
                        .constant("w", rnd(13, 3, 3, 3, 3)).constant("wb", rnd(14, 3))
                        .add("op", new ConvTranspose(new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1,
                                new int[] {1, 1}, null), "c1", "w", "wb")),
                Arguments.of("InstanceNorm with scale and bias", (UnaryOperator<Graph.Builder>) b -> b
                        .constant("sc", rnd(15, 3)).constant("bi", rnd(16, 3))
                        .add("op", InstanceNorm.standard(), "c1", "sc", "bi")),
                Arguments.of("reflect Pad", (UnaryOperator<Graph.Builder>) b -> b
                        .add("op", Pad.spatial(2, 1, 1, 2, PadMode.REFLECT, 0), "c1")),
                Arguments.of("Resize nearest x2", (UnaryOperator<Graph.Builder>) b -> b
                        .add("op", Resize.upsampleNearest(2), "c1")),
                Arguments.of("Relu", (UnaryOperator<Graph.Builder>) b -> b.add("op", new Relu(), "c1")),
                Arguments.of("Tanh", (UnaryOperator<Graph.Builder>) b -> b.add("op", new Tanh(), "c1")),
                Arguments.of("Add (residual)", (UnaryOperator<Graph.Builder>) b -> b
                        .constant("w", rnd(17, 3, 3, 3, 3)).constant("wb", rnd(18, 3))
                        .add("branch", Conv.padded(1), "c1", "w", "wb")
                        .add("op", new Add(), "c1", "branch")));
    }

    private static INDArray rnd(long seed, long... shape) {
        return GradientCheck.random(new Random(seed), shape).muli(0.5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operators")
    void parameterGradientsMatchFiniteDifferences(String name, UnaryOperator<Graph.Builder> op) {
        Graph.Builder b = Graph.builder().input("x", 2, 5, 6)
                .constant("W1", rnd(1, 3, 2, 3, 3)).constant("B1", rnd(2, 3))
                .add("c1", Conv.padded(1), "x", "W1", "B1");
        op.apply(b);
        Graph g = b.constant("W2", rnd(3, 2, 3, 3, 3)).constant("B2", rnd(4, 2))
                .add("out", Conv.padded(1), "op", "W2", "B2").output("out").build().withNd4jOnly();
        checkAll(g, rnd(5, 2, 2, 5, 6), 12);
    }

    /** One element of every parameter of a whole (narrow) network: the operators together, tanh output included. */
    @org.junit.jupiter.api.Test
    void wholeTransformNetworkParameterGradients() {
        Graph g = TransformNet.builder().width(2).residualBlocks(1).outerKernel(3).seed(3)
                .dataType(DataType.DOUBLE).build().withNd4jOnly();
        checkAll(g, rnd(6, 1, 3, 8, 8).muli(200).addi(127), 1);
    }

    /** Checks up to {@code probes} elements of every constant's gradient. */
    private static void checkAll(Graph g, INDArray x, int probes) {
        List<String> params = g.constantNames();
        INDArray s;
        Map<String, INDArray> analytic = new java.util.HashMap<>();
        try (ForwardPass p = g.forward(x)) {
            s = rnd(99, p.output().shape());
            try (Gradients gr = p.backward(Map.of(g.outputName(), s), params)) {
                for (String n : params) {
                    analytic.put(n, gr.get(n).dup());
                }
            }
        }
        Random r = new Random(7);
        int checked = 0;
        for (String n : params) {
            INDArray w = g.constant(n);
            long len = w.length();
            for (int k = 0; k < Math.min(len, probes); k++) {
                long i = len <= probes ? k : (long) (r.nextDouble() * len);
                double orig = w.getDouble(i);
                w.putScalar(i, orig + H);
                double plus = loss(g, x, s);
                w.putScalar(i, orig - H);
                double minus = loss(g, x, s);
                w.putScalar(i, orig);
                double numeric = (plus - minus) / (2 * H);
                double a = analytic.get(n).getDouble(i);
                double tol = 1e-5 + 1e-4 * Math.abs(numeric);
                assertTrue(Math.abs(numeric - a) <= tol, n + "[" + i + "]: analytic " + a + " vs numeric " + numeric);
                checked++;
            }
        }
        assertTrue(checked >= params.size(), "probed " + checked);
    }

    private static double loss(Graph g, INDArray x, INDArray s) {
        try (ForwardPass p = g.forward(x)) {
            return p.output().mul(s).sumNumber().doubleValue();
        }
    }
}
