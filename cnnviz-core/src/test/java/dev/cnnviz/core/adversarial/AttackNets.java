package dev.cnnviz.core.adversarial;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Softmax;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Tiny float64 models for the attack tests: a linear classifier and a small random ReLU net. */
final class AttackNets {
    private AttackNets() {
    }

    static INDArray d(double[] v, long... shape) {
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    static double[] random(Random r, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (2 * r.nextDouble() - 1) * scale;
        }
        return v;
    }

    /** {@code scores = W·P(u) + b} on a {@code [c, h, w]} input; W is {@code [k, c, h, w]} row-major. */
    static Model linear(double[] w, double[] b, int c, int h, int wd, Preprocessing p) {
        int k = b.length;
        Graph g = Graph.builder()
                .input("x", c, h, wd)
                .constant("W", d(w, k, c, h, wd))
                .constant("b", d(b, k))
                .add("scores", Conv.simple(), "x", "W", "b")
                .add("prob", Softmax.classes(), "scores")
                .build();
        return new Model(g, new InputSpec(c, h, wd, Layout.NCHW, p), null, "linear test net");
    }

    /** 3x3 conv (pad 1) → ReLU → dense to {@code k} classes, input {@code [3, 4, 4]}, torch preprocessing. */
    static Model reluNet(long seed, int k) {
        Random r = new Random(seed);
        Graph g = Graph.builder()
                .input("x", 3, 4, 4)
                .constant("w1", d(random(r, 4 * 27, 0.5), 4, 3, 3, 3))
                .constant("b1", d(random(r, 4, 0.1), 4))
                .add("c1", Conv.padded(1), "x", "w1", "b1")
                .add("r1", new Relu(), "c1")
                .constant("w2", d(random(r, k * 64, 0.5), k, 4, 4, 4))
                .constant("b2", d(random(r, k, 0.1), k))
                .add("scores", Conv.simple(), "r1", "w2", "b2")
                .add("prob", Softmax.classes(), "scores")
                .build();
        return new Model(g, new InputSpec(3, 4, 4, Layout.NCHW, Preprocessing.imagenetTorch()), null, "relu test net");
    }

    /** Random images in [lo, hi], {@code [n, c, h, w]}. */
    static Tensor images(long seed, double lo, double hi, int... shape) {
        Random r = new Random(seed);
        int len = 1;
        for (int s : shape) {
            len *= s;
        }
        float[] v = new float[len];
        for (int i = 0; i < len; i++) {
            v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return Tensor.of(v, shape);
    }

    /** The model's class scores for one image-space image {@code [C, H, W]}, computed by the graph. */
    static double[] scores(Model m, Tensor image) {
        ImageSpace space = ImageSpace.of(m.inputSpec());
        float[] x = new float[space.modelLength()];
        space.apply(image.data(), x);
        try (INDArray in = Nd4j.create(x, m.inputSpec().batchShape(1), 'c').castTo(m.graph().dataType());
             ForwardPass p = m.graph().forward(in)) {
            return p.scores().reshape(-1).castTo(DataType.DOUBLE).toDoubleVector();
        }
    }

    static int argMax(double[] z) {
        int best = 0;
        for (int i = 1; i < z.length; i++) {
            if (z[i] > z[best]) {
                best = i;
            }
        }
        return best;
    }

    static Preprocessing rawRgb() {
        return Preprocessing.raw(ChannelOrder.RGB);
    }
}
