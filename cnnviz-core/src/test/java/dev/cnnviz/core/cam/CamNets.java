package dev.cnnviz.core.cam;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.Gemm;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Softmax;
import java.util.Arrays;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Tiny float64 test networks with hand-chosen weights, on a one-channel 2×2 input {@code x = [[1, 2], [3, 4]]}.
 *
 * <p><b>Net A</b> (CAM form): {@code conv1} 1×1 with weights {@code (1, −1)}, biases {@code (0, 3)} →
 * {@code relu1}, so {@code f0 = [[1,2],[3,4]]}, {@code f1 = relu(3 − x) = [[2,1],[0,0]]}; global average pooling
 * {@code (2.5, 0.75)}; flatten; dense {@code W = [[1, −1, 0.5], [2, 1, −1]]}, {@code b = (0.1, 0.2, 0.3)}: scores
 * {@code (4.1, −1.55, 0.8)}; softmax.
 *
 * <p><b>Net B</b> (position-dependent gradients at {@code relu1}): net A's {@code conv1}/{@code relu1}, then
 * {@code conv2} 1×1 with {@code V = [[1, −1], [0.5, 1]]} (rows: output channel), biases {@code (0, −1.75)} →
 * {@code relu2}: {@code r0 = relu(f0 − f1) = [[0,1],[3,4]]}, {@code r1 = relu(0.5 f0 + f1 − 1.75) =
 * [[0.75,0.25],[0,0.25]]}; global average pooling {@code (2, 0.3125)}; flatten; dense {@code U = [[1, −1], [2, 1]]},
 * zero bias: scores {@code (2.625, −1.6875)}; softmax. ReLU gates at {@code relu2}: {@code [[0,1],[1,1]]} and
 * {@code [[1,1],[0,1]]}. The gradient of class 0 at {@code relu1} is {@code g0 = [[0.25,0.5],[0.25,0.5]]},
 * {@code g1 = [[0.5,0.25],[−0.25,0.25]]}; of class 1, {@code g0 = [[0.125,−0.125],[−0.25,−0.125]]},
 * {@code g1 = [[0.25,0.5],[0.25,0.5]]}.
 */
final class CamNets {
    private CamNets() {
    }

    /** A float64 array. */
    static INDArray d(double[] v, long... shape) {
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    /** A model around a graph with a one-channel {@code h × w} input and raw preprocessing. */
    static Model model(Graph g, int h, int w) {
        return new Model(g, new InputSpec(1, h, w, Layout.NCHW, Preprocessing.raw(ChannelOrder.GREY)), null, "test net");
    }

    /** The input {@code [[1, 2], [3, 4]]} as {@code [1, 1, 2, 2]}. */
    static INDArray x() {
        return d(new double[] {1, 2, 3, 4}, 1, 1, 2, 2);
    }

    static final double[] F0 = {1, 2, 3, 4};
    static final double[] F1 = {2, 1, 0, 0};

    private static Graph.Builder conv1(Graph.Builder b) {
        return b.input("x", 1, 2, 2)
                .constant("w1", d(new double[] {1, -1}, 2, 1, 1, 1))
                .constant("b1", d(new double[] {0, 3}, 2))
                .add("conv1", Conv.simple(), "x", "w1", "b1")
                .add("relu1", new Relu(), "conv1");
    }

    /** Net A with a Dense classifier. */
    static Model netA() {
        Graph g = conv1(Graph.builder())
                .add("gap", new GlobalAveragePool(), "relu1")
                .add("flat", new Flatten(), "gap")
                .constant("fc_w", d(new double[] {1, -1, 0.5, 2, 1, -1}, 2, 3))
                .constant("fc_b", d(new double[] {0.1, 0.2, 0.3}, 3))
                .add("fc", new Dense(), "flat", "fc_w", "fc_b")
                .add("prob", Softmax.classes(), "fc")
                .build();
        return model(g, 2, 2);
    }

    /** Net A with the classifier as {@code Gemm(alpha = 2, transB)}: B = [classes, K] = Wᵀ / 2, same scores. */
    static Model netAGemm() {
        Graph g = conv1(Graph.builder())
                .add("gap", new GlobalAveragePool(), "relu1")
                .add("flat", new Flatten(), "gap")
                .constant("fc_B", d(new double[] {0.5, 1, -0.5, 0.5, 0.25, -0.5}, 3, 2))
                .constant("fc_C", d(new double[] {0.1, 0.2, 0.3}, 3))
                .add("fc", new Gemm(2, 1, false, true), "flat", "fc_B", "fc_C")
                .add("prob", Softmax.classes(), "fc")
                .build();
        return model(g, 2, 2);
    }

    /** Net B. */
    static Model netB() {
        Graph g = conv1(Graph.builder())
                .constant("w2", d(new double[] {1, -1, 0.5, 1}, 2, 2, 1, 1))
                .constant("b2", d(new double[] {0, -1.75}, 2))
                .add("conv2", Conv.simple(), "relu1", "w2", "b2")
                .add("relu2", new Relu(), "conv2")
                .add("gap", new GlobalAveragePool(), "relu2")
                .add("flat", new Flatten(), "gap")
                .constant("fc_w", d(new double[] {1, -1, 2, 1}, 2, 2))
                .constant("fc_b", d(new double[] {0, 0}, 2))
                .add("fc", new Dense(), "flat", "fc_w", "fc_b")
                .add("prob", Softmax.classes(), "fc")
                .build();
        return model(g, 2, 2);
    }

    /**
     * SqueezeNet form: {@code relu1} (net A), then a 1×1 conv to 3 class channels
     * {@code c0 = f0 − f1, c1 = f1 − 0.5, c2 = 0.5 f0} → ReLU → GAP → flatten → softmax.
     */
    static Model squeeze() {
        Graph g = conv1(Graph.builder())
                .constant("w10", d(new double[] {1, -1, 0, 1, 0.5, 0}, 3, 2, 1, 1))
                .constant("b10", d(new double[] {0, -0.5, 0}, 3))
                .add("conv10", Conv.simple(), "relu1", "w10", "b10")
                .add("relu10", new Relu(), "conv10")
                .add("gap", new GlobalAveragePool(), "relu10")
                .add("flat", new Flatten(), "gap")
                .add("prob", Softmax.classes(), "flat")
                .build();
        return model(g, 2, 2);
    }

    /** No global pooling: relu1 → flatten → dense (8 → 2) → softmax. */
    static Model noGap() {
        Graph g = conv1(Graph.builder())
                .add("flat", new Flatten(), "relu1")
                .constant("fc_w", d(new double[] {1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1}, 8, 2))
                .constant("fc_b", d(new double[] {0, 0}, 2))
                .add("fc", new Dense(), "flat", "fc_w", "fc_b")
                .add("prob", Softmax.classes(), "fc")
                .build();
        return model(g, 2, 2);
    }

    /** Uniform values in [-1, 1]. */
    static INDArray random(Random r, long... shape) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble() * 2 - 1;
        }
        return d(v, shape);
    }

    /**
     * A random two-conv network on a one-channel {@code size × size} input: conv1 3×3 pad 1 (1 → k) → relu1 →
     * conv2 3×3 pad 1 (k → k) → relu2 → GAP → flatten → dense (k → classes) → softmax.
     */
    static Model randomNet(long seed, int size, int k, int classes) {
        Random r = new Random(seed);
        Graph g = Graph.builder()
                .input("x", 1, size, size)
                .constant("w1", random(r, k, 1, 3, 3))
                .constant("b1", random(r, k).muli(0.1))
                .add("conv1", Conv.padded(1), "x", "w1", "b1")
                .add("relu1", new Relu(), "conv1")
                .constant("w2", random(r, k, k, 3, 3))
                .constant("b2", random(r, k).muli(0.1).addi(0.2))
                .add("conv2", Conv.padded(1), "relu1", "w2", "b2")
                .add("relu2", new Relu(), "conv2")
                .add("gap", new GlobalAveragePool(), "relu2")
                .add("flat", new Flatten(), "gap")
                .constant("fc_w", random(r, k, classes))
                .constant("fc_b", random(r, classes))
                .add("fc", new Dense(), "flat", "fc_w", "fc_b")
                .add("prob", Softmax.classes(), "fc")
                .build();
        return model(g, size, size);
    }

    /** A random input {@code [1, 1, size, size]} with values in [-1, 1]. */
    static INDArray randomInput(long seed, int size) {
        return random(new Random(seed), 1, 1, size, size);
    }

    /** @return the map's values as doubles. */
    static double[] values(Explanation e) {
        float[] f = e.map().values();
        double[] v = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            v[i] = f[i];
        }
        return v;
    }

    /** Asserts a map equal to {@code expected} (row-major) within 1e-5 (maps are float). */
    static void assertMap(double[] expected, Explanation e) {
        double[] v = values(e);
        assertEquals(expected.length, v.length, "map size");
        for (int i = 0; i < v.length; i++) {
            assertEquals(expected[i], v[i], 1e-5 * Math.max(1, Math.abs(expected[i])),
                    "value " + i + ": expected " + Arrays.toString(expected) + ", found " + Arrays.toString(v));
        }
    }
}
