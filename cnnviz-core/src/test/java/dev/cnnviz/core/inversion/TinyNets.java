package dev.cnnviz.core.inversion;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Tanh;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small hand-built models (float64) for the inversion and DeepDream tests. */
public final class TinyNets {
    private TinyNets() {
    }

    /**
     * An invertible net on [N, 3, 6, 6]: a 1x1 convolution by a well-conditioned 3x3 matrix ("mix", identity plus
     * small random terms) then tanh ("code"). The code determines the input exactly.
     */
    public static Model invertible(long seed) {
        Random r = new Random(seed);
        INDArray w = Nd4j.create(DataType.DOUBLE, 3, 3, 1, 1);
        for (int o = 0; o < 3; o++) {
            for (int i = 0; i < 3; i++) {
                w.putScalar(new long[] {o, i, 0, 0}, (o == i ? 1.0 : 0) + 0.3 * r.nextGaussian());
            }
        }
        Graph g = Graph.builder()
                .input("x", 3, 6, 6)
                .constant("w", w)
                .add("mix", Conv.simple(), "x", "w")
                .add("code", new Tanh(), "mix")
                .build();
        return new Model(g, new InputSpec(3, 6, 6, Layout.NCHW, Preprocessing.unit(ChannelOrder.RGB)), List.of(),
                "tiny invertible net");
    }

    /**
     * A small fully convolutional net on [N, 3, 16, 16] with random weights: 3x3 conv (pad 1) to 8 channels, ReLU
     * ("r1"), 2x2 max pool stride 2 ("p1"), 3x3 conv without padding to 8 channels, ReLU ("r2"). Pixel preprocessing
     * is Caffe's (0..255 minus a mean).
     */
    public static Model convolutional(long seed) {
        Random r = new Random(seed);
        Graph g = Graph.builder()
                .input("x", 3, 16, 16)
                .constant("w1", random(r, 0.2, 8, 3, 3, 3))
                .constant("w2", random(r, 0.2, 8, 8, 3, 3))
                .add("c1", Conv.padded(1), "x", "w1")
                .add("r1", new Relu(), "c1")
                .add("p1", MaxPool.of(2, 2), "r1")
                .add("c2", Conv.simple(), "p1", "w2")
                .add("r2", new Relu(), "c2")
                .build();
        return new Model(g, new InputSpec(3, 16, 16, Layout.NCHW, Preprocessing.caffeBgr(104, 117, 123)), List.of(),
                "tiny convolutional net");
    }

    static INDArray random(Random r, double sd, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, r.nextGaussian() * sd);
        }
        return a;
    }

    /** A random input [1, C, H, W] in the valid range of Caffe-style preprocessing. */
    public static INDArray caffeInput(long seed, int c, int h, int w) {
        Random r = new Random(seed);
        INDArray a = Nd4j.create(DataType.DOUBLE, 1, c, h, w);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, r.nextDouble() * 200 - 100);
        }
        return a;
    }
}
