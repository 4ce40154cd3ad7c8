package dev.cnnviz.core.metrics;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.ResolvedTarget;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.ExplanationResult;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Softmax;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small hand-weighted models for the metric tests. */
final class MetricNets {
    private MetricNets() {
    }

    static INDArray d(double[] v, long... shape) {
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    /**
     * A linear two-class model on {@code [1, h, w]} inputs: class 0's score is {@code Σ w0·x}, class 1's is 0; raw
     * pixel preprocessing (so the pixel range is 0..255).
     */
    static Model linear(double[] w0, int h, int w) {
        double[] weights = new double[2 * h * w];
        System.arraycopy(w0, 0, weights, 0, h * w);
        Graph g = Graph.builder()
                .input("x", 1, h, w)
                .constant("W", d(weights, 2, 1, h, w))
                .add("scores", Conv.simple(), "x", "W")
                .add("prob", Softmax.classes(), "scores")
                .build();
        return new Model(g, new InputSpec(1, h, w, Layout.NCHW, Preprocessing.raw(ChannelOrder.GREY)), null, "linear test net");
    }

    /** A linear model whose class-0 score is the sum of the {@code r × r} top-left region of an {@code n × n} input. */
    static Model region(int n, int r) {
        double[] w0 = new double[n * n];
        for (int y = 0; y < r; y++) {
            for (int x = 0; x < r; x++) {
                w0[y * n + x] = 1;
            }
        }
        return linear(w0, n, n);
    }

    /** The region model's true saliency: 1 on the region, 0 elsewhere. */
    static Map2D regionMap(int n, int r) {
        return Map2D.generate(n, n, (y, x) -> y < r && x < r ? 1f : 0f);
    }

    /** A random conv net: 3x3 conv (pad 1) → ReLU → 3x3 conv (pad 1) → ReLU → dense to 3 classes, input [3, 6, 6]. */
    static Model convNet(long seed) {
        Random rnd = new Random(seed);
        Graph g = Graph.builder()
                .input("x", 3, 6, 6)
                .constant("w1", random(rnd, 4, 3, 3, 3))
                .constant("b1", random(rnd, 4))
                .add("c1", Conv.padded(1), "x", "w1", "b1")
                .add("r1", new Relu(), "c1")
                .constant("w2", random(rnd, 4, 4, 3, 3))
                .add("c2", Conv.padded(1), "r1", "w2")
                .add("r2", new Relu(), "c2")
                .constant("w3", random(rnd, 3, 4, 6, 6))
                .add("scores", Conv.simple(), "r2", "w3")
                .add("prob", Softmax.classes(), "scores")
                .build();
        return new Model(g, new InputSpec(3, 6, 6, Layout.NCHW, Preprocessing.raw(ChannelOrder.RGB)), null, "conv test net");
    }

    static INDArray random(Random rnd, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian() * 0.5;
        }
        return d(v, shape);
    }

    /** An explanation holding an arbitrary attribution {@code [C,H,W]} and map, for class {@code cls}. */
    static ExplanationResult explanation(float[] attribution, int[] shape, Map2D map, int cls) {
        ResolvedTarget t = new ResolvedTarget(Target.classIndex(cls), cls, "", 0, 0.5);
        Provenance p = new Provenance("test", Map.of(), null, null, "test", Instant.EPOCH);
        return new ExplanationResult(Tensor.of(attribution, shape), map, true, t, p,
                new BufferedImage(map.width(), map.height(), BufferedImage.TYPE_BYTE_GRAY));
    }
}
