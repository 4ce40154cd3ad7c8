package dev.cnnviz.core.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.GradientCheck;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Softmax;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Tiny hand-weighted float64 graphs for the gradient-family tests. A convolution whose kernel covers the
 * whole input ({@code [K, C, H, W]} weights on a {@code [N, C, H, W]} input) is a dense layer with output
 * {@code [N, K, 1, 1]}; {@link Softmax#classes()} on it makes those the class scores.
 */
final class GradientTestNets {
    private GradientTestNets() {
    }

    /** A float64 array. */
    static INDArray d(double[] v, long... shape) {
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    /** A model around a graph, input {@code [c, h, w]}, raw pixel preprocessing. */
    static Model model(Graph g, int c, int h, int w) {
        Preprocessing p = Preprocessing.raw(c == 1 ? ChannelOrder.GREY : ChannelOrder.RGB);
        return new Model(g, new InputSpec(c, h, w, Layout.NCHW, p), null, "test net");
    }

    /** Model with other preprocessing. */
    static Model model(Graph g, int c, int h, int w, Preprocessing p) {
        return new Model(g, new InputSpec(c, h, w, Layout.NCHW, p), null, "test net");
    }

    /**
     * Linear classifier {@code scores = W·x + b} ("scores" node), softmax output "prob".
     *
     * @param w weights {@code [K, C, H, W]} flattened row-major
     * @param b biases {@code [K]}
     */
    static Model linear(double[] w, double[] b, int c, int h, int wd) {
        int k = b.length;
        Graph g = Graph.builder()
                .input("x", c, h, wd)
                .constant("W", d(w, k, c, h, wd))
                .constant("b", d(b, k))
                .add("scores", Conv.simple(), "x", "W", "b")
                .add("prob", Softmax.classes(), "scores")
                .build();
        return model(g, c, h, wd);
    }

    /**
     * x [1, 2, 2] → 1×1 conv with weights (1, −1) → "h" [2, 2, 2] → ReLU "r" → dense to 2 classes "scores" → softmax.
     * Class 0 weights: channel 0 (1, 1, −1, 2), channel 1 (−1, 3, 1, −2); class 1: all 0.5.
     */
    static Model reluNet() {
        Graph g = Graph.builder()
                .input("x", 1, 2, 2)
                .constant("w1", d(new double[] {1, -1}, 2, 1, 1, 1))
                .add("h", Conv.simple(), "x", "w1")
                .add("r", new Relu(), "h")
                .constant("w2", d(new double[] {1, 1, -1, 2, -1, 3, 1, -2, .5, .5, .5, .5, .5, .5, .5, .5}, 2, 2, 2, 2))
                .add("scores", Conv.simple(), "r", "w2")
                .add("prob", Softmax.classes(), "scores")
                .build();
        return model(g, 1, 2, 2);
    }

    /**
     * A random net: 3×3 conv (pad 1) → optional ReLU → 1×1 conv → optional ReLU → dense to 3 classes → softmax.
     * Input {@code [3, 4, 4]}.
     */
    static Model randomNet(long seed, boolean relu) {
        Random rnd = new Random(seed);
        Graph.Builder b = Graph.builder()
                .input("x", 3, 4, 4)
                .constant("w1", GradientCheck.random(rnd, 4, 3, 3, 3))
                .constant("b1", GradientCheck.random(rnd, 4))
                .add("c1", Conv.padded(1), "x", "w1", "b1");
        String last = "c1";
        if (relu) {
            b.add("r1", new Relu(), last);
            last = "r1";
        }
        b.constant("w2", GradientCheck.random(rnd, 5, 4, 1, 1)).add("c2", Conv.simple(), last, "w2");
        last = "c2";
        if (relu) {
            b.add("r2", new Relu(), last);
            last = "r2";
        }
        b.constant("w3", GradientCheck.random(rnd, 3, 5, 4, 4))
                .constant("b3", GradientCheck.random(rnd, 3))
                .add("scores", Conv.simple(), last, "w3", "b3")
                .add("prob", Softmax.classes(), "scores");
        return model(b.build(), 3, 4, 4);
    }

    /**
     * A smooth nonlinear net: 3×3 conv (pad 1) → softmax over channels → dense to 3 classes → softmax.
     * Input {@code [3, 4, 4]}.
     */
    static Model smoothNet(long seed) {
        Random rnd = new Random(seed);
        Graph g = Graph.builder()
                .input("x", 3, 4, 4)
                .constant("w1", GradientCheck.random(rnd, 4, 3, 3, 3).muli(2))
                .add("c1", Conv.padded(1), "x", "w1")
                .add("s1", new Softmax(1, false), "c1")
                .constant("w2", GradientCheck.random(rnd, 3, 4, 4, 4).muli(3))
                .constant("b2", GradientCheck.random(rnd, 3))
                .add("scores", Conv.simple(), "s1", "w2", "b2")
                .add("prob", Softmax.classes(), "scores")
                .build();
        return model(g, 3, 4, 4);
    }

    /** A random input batch {@code [n, c, h, w]} in [-1, 1]. */
    static INDArray randomInput(long seed, long... shape) {
        return GradientCheck.random(new Random(seed), shape);
    }

    static void assertTensor(double[] expected, int[] shape, Tensor actual, double tol) {
        assertArrayEquals(shape, actual.shape(), "shape");
        float[] a = actual.data();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], a[i], tol, "element " + i);
        }
    }

    static void assertMap(double[] expected, int h, int w, Map2D actual, double tol) {
        assertEquals(h, actual.height(), "map height");
        assertEquals(w, actual.width(), "map width");
        float[] a = actual.values();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], a[i], tol, "map element " + i);
        }
    }

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.data();
        float[] a = actual.data();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tol, what + ": element " + i);
        }
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
