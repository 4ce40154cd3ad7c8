package dev.cnnviz.core.perturbation;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Softmax;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small float64 networks with known answers for the perturbation methods. */
final class PerturbationNets {
    private PerturbationNets() {
    }

    static final int C = 3;
    static final int H = 6;
    static final int W = 6;
    static final int K = 2;

    /** Weights of the linear model, {@code [C*H*W, K]} row-major. */
    static double[] linearWeights() {
        Random r = new Random(11);
        double[] w = new double[C * H * W * K];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextGaussian();
        }
        return w;
    }

    /** scores = flatten(x) · W + b, then softmax: a linear model on a 3 x 6 x 6 input. */
    static Model linear() {
        Graph g = Graph.builder().input("x", C, H, W)
                .add("flat", new Flatten(), "x")
                .constant("w", Nd4j.create(linearWeights(), new long[] {C * H * W, K}, DataType.DOUBLE))
                .constant("b", Nd4j.create(new double[] {0.25, -0.5}, new long[] {K}, DataType.DOUBLE))
                .add("fc", new Dense(), "flat", "w", "b")
                .add("prob", Softmax.classes(), "fc")
                .build();
        return new Model(g, new InputSpec(C, H, W, Layout.NCHW, Preprocessing.raw(ChannelOrder.RGB)), null, "linear test net");
    }

    /** A random input {@code [1, C, H, W]}. */
    static INDArray input(long seed) {
        Random r = new Random(seed);
        double[] v = new double[C * H * W];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian();
        }
        return Nd4j.create(v, new long[] {1, C, H, W}, DataType.DOUBLE);
    }

    /**
     * A grey {@code 1 × n} input, a hidden ReLU layer of 3 units with random weights and a linear output: a nonlinear
     * game with interactions between the {@code n} pixels.
     */
    static Model relu(int n) {
        Random r = new Random(5);
        double[] w1 = new double[n * 3];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = r.nextGaussian();
        }
        Graph g = Graph.builder().input("x", 1, 1, n)
                .add("flat", new Flatten(), "x")
                .constant("w1", Nd4j.create(w1, new long[] {n, 3}, DataType.DOUBLE))
                .constant("b1", Nd4j.create(new double[] {0.1, -0.2, 0.3}, new long[] {3}, DataType.DOUBLE))
                .add("h", new Dense(), "flat", "w1", "b1")
                .add("r", new Relu(), "h")
                .constant("w2", Nd4j.create(new double[] {1, -0.5, 2}, new long[] {3, 1}, DataType.DOUBLE))
                .constant("b2", Nd4j.create(new double[] {0}, new long[] {1}, DataType.DOUBLE))
                .add("out", new Dense(), "r", "w2", "b2")
                .build();
        return new Model(g, new InputSpec(1, 1, n, Layout.NCHW, Preprocessing.raw(ChannelOrder.GREY)), null, "relu test net");
    }

    /** {@code f(x) = relu(x0 + x1 − 1)} on a grey 1 × 2 input: with x = (1, 1) and baseline 0 the AND game. */
    static Model and() {
        Graph g = Graph.builder().input("x", 1, 1, 2)
                .add("flat", new Flatten(), "x")
                .constant("w", Nd4j.create(new double[] {1, 1}, new long[] {2, 1}, DataType.DOUBLE))
                .constant("b", Nd4j.create(new double[] {-1}, new long[] {1}, DataType.DOUBLE))
                .add("h", new Dense(), "flat", "w", "b")
                .add("out", new Relu(), "h")
                .build();
        return new Model(g, new InputSpec(1, 1, 2, Layout.NCHW, Preprocessing.raw(ChannelOrder.GREY)), null, "and test net");
    }

    /** A random input {@code [1, 1, 1, n]}. */
    static INDArray row(int n, long seed) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian() + 0.5;
        }
        return Nd4j.create(v, new long[] {1, 1, 1, n}, DataType.DOUBLE);
    }
}
