package dev.cnnviz.core.graph.ops;

import java.nio.FloatBuffer;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Max-pooling backward for float32 NCHW arrays, in Java over the arrays' native memory: every output gradient goes
 * to its window's first maximum in row-major window order, exactly as libnd4j's {@code maxpool2d_bp} routes it
 * (the tests compare the two bit for bit, ties included).
 *
 * <p>Why not libnd4j: in 1.0.0-M2.1 {@code maxpool2d_bp} is the slowest kernel of a SqueezeNet backward pass
 * (its oneDNN helper runs the reference NCHW kernel; without the helper it still took about 200 ms for the first
 * pool at batch 32). This loop reads each window once, runs the (batch × channel) planes in parallel on the
 * common fork-join pool when the work is large and writes only the maxima.
 */
final class MaxPoolRouting {
    /**
     * Window reads above which the planes run in parallel. Below it (SqueezeNet at batch 1: 1.7 million) waking
     * the fork-join workers while libnd4j's OpenMP threads still spin costs more than it saves: a
     * forward+backward pass took 77-81 ms in parallel against 60-68 ms sequentially.
     */
    static final long PARALLEL_WORK = 8_000_000;

    private MaxPoolRouting() {
    }

    /** Whether {@link #backward} applies: float32, c-ordered, not views (the buffers are read directly). */
    static boolean applies(INDArray x, INDArray g) {
        return x.dataType() == DataType.FLOAT && g.dataType() == DataType.FLOAT && plain(x) && plain(g);
    }

    private static boolean plain(INDArray a) {
        return a.ordering() == 'c' && !a.isView() && a.offset() == 0 && a.length() == a.data().length();
    }

    /**
     * Routes {@code g [N,C,outH,outW]} to the maxima of {@code x [N,C,H,W]} (already padded: every window lies
     * inside) into {@code gx}, a zero-filled array of {@code x}'s shape.
     */
    static void backward(INDArray x, INDArray g, INDArray gx, int[] kernel, int[] strides, int[] dilations) {
        int planes = Math.toIntExact(x.size(0) * x.size(1));
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        int outH = (int) g.size(2);
        int outW = (int) g.size(3);
        FloatBuffer xs = x.data().asNioFloat();
        FloatBuffer gs = g.data().asNioFloat();
        FloatBuffer out = gx.data().asNioFloat();
        int kH = kernel[0];
        int kW = kernel[1];
        int sH = strides[0];
        int sW = strides[1];
        int dH = dilations[0];
        int dW = dilations[1];
        IntStream range = IntStream.range(0, planes);
        if ((long) planes * outH * outW * kH * kW > PARALLEL_WORK) {
            range = range.parallel();
        }
        range.forEach(plane -> {
            int in0 = plane * h * w;
            int g0 = plane * outH * outW;
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    int best = -1;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < kH; i++) {
                        int row = in0 + (oy * sH + i * dH) * w + ox * sW;
                        for (int j = 0; j < kW; j++) {
                            int at = row + j * dW;
                            float v = xs.get(at);
                            if (best < 0 || v > max) {
                                max = v;
                                best = at;
                            }
                        }
                    }
                    out.put(best, out.get(best) + gs.get(g0 + oy * outW + ox));
                }
            }
        });
    }
}
