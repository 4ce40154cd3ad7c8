package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.HostArrays;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
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
 * pool at batch 32). This loop reads each window once and writes only the maxima; large inputs run their
 * (batch × channel) planes in parallel on the common fork-join pool.
 *
 * <p>How: when the forward output {@code y} (each window's maximum) is at hand, the first maximum is the first
 * window element equal to it, found by a scan with conditional moves and no data-dependent branch. Comparing
 * running maxima instead mispredicts about every other comparison on post-ReLU activations, half of them zeros,
 * and was twice as slow (SqueezeNet's first pool, 64×111×111: 4.8 ms against 2.4 ms). A window where no element
 * equals its maximum (a NaN maximum), and calls without {@code y}, use the running comparison, libnd4j's rule itself.
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

    /** Whether {@link #backward} applies: float32 arrays that are exactly their buffers ({@link HostArrays#plain}). */
    static boolean applies(INDArray x, INDArray g) {
        return x.dataType() == DataType.FLOAT && g.dataType() == DataType.FLOAT && HostArrays.plain(x) && HostArrays.plain(g);
    }

    /**
     * Routes {@code g [N,C,outH,outW]} to the maxima of {@code x [N,C,H,W]} (already padded: every window lies
     * inside) into {@code gx}, an array of {@code x}'s shape whose contents are overwritten.
     *
     * @param y the forward output (the windows' maxima, {@code g}'s shape), or null when it is not at hand
     */
    static void backward(INDArray x, INDArray y, INDArray g, INDArray gx, int[] kernel, int[] strides, int[] dilations) {
        int planes = Math.toIntExact(x.size(0) * x.size(1));
        Window win = new Window((int) x.size(2), (int) x.size(3), (int) g.size(2), (int) g.size(3), kernel, strides, dilations);
        FloatBuffer xs = x.data().asNioFloat();
        FloatBuffer ys = y != null && applies(y, g) && Arrays.equals(y.shape(), g.shape()) ? y.data().asNioFloat() : null;
        FloatBuffer gs = g.data().asNioFloat();
        FloatBuffer out = gx.data().asNioFloat();
        boolean parallel = (long) planes * g.size(2) * g.size(3) * kernel[0] * kernel[1] > PARALLEL_WORK;
        int chunks = parallel ? Math.min(planes, 4 * ForkJoinPool.getCommonPoolParallelism()) : 1;
        IntStream range = IntStream.range(0, chunks);
        if (parallel) {
            range = range.parallel();
        }
        range.forEach(c -> win.route(xs, ys, gs, out, (int) ((long) planes * c / chunks),
                (int) ((long) planes * (c + 1) / chunks)));
    }

    /**
     * One pooling geometry. Each plane of x, y and g is copied into heap arrays (bulk copies of native memory), routed
     * there and its gradient copied back: the JIT keeps bounds checks on per-element {@link FloatBuffer} reads.
     */
    private static final class Window {
        private final int h;
        private final int w;
        private final int outH;
        private final int outW;
        private final int sH;
        private final int sW;
        /** Offsets of the window's elements from its top-left corner, in row-major window order. */
        private final int[] taps;

        Window(int h, int w, int outH, int outW, int[] kernel, int[] strides, int[] dilations) {
            this.h = h;
            this.w = w;
            this.outH = outH;
            this.outW = outW;
            this.sH = strides[0];
            this.sW = strides[1];
            this.taps = new int[kernel[0] * kernel[1]];
            for (int i = 0; i < kernel[0]; i++) {
                for (int j = 0; j < kernel[1]; j++) {
                    taps[i * kernel[1] + j] = i * dilations[0] * w + j * dilations[1];
                }
            }
        }

        void route(FloatBuffer xs, FloatBuffer ys, FloatBuffer gs, FloatBuffer out, int from, int to) {
            int planeIn = h * w;
            int planeOut = outH * outW;
            float[] xa = new float[planeIn];
            float[] ya = ys == null ? null : new float[planeOut];
            float[] ga = new float[planeOut];
            float[] oa = new float[planeIn];
            for (int plane = from; plane < to; plane++) {
                xs.get(plane * planeIn, xa);
                gs.get(plane * planeOut, ga);
                Arrays.fill(oa, 0f);
                if (ya != null) {
                    ys.get(plane * planeOut, ya);
                    routeByMaxima(xa, ya, ga, oa);
                } else {
                    routeByComparison(xa, ga, oa);
                }
                out.put(plane * planeIn, oa);
            }
        }

        private void routeByMaxima(float[] xa, float[] ya, float[] ga, float[] oa) {
            int[] t = taps;
            int last = t.length - 1;
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    int o = oy * outW + ox;
                    int base = oy * sH * w + ox * sW;
                    float m = ya[o];
                    // Backwards, so that the last match written is the first in window order.
                    int best = -1;
                    for (int k = last; k >= 0; k--) {
                        int at = base + t[k];
                        best = xa[at] == m ? at : best;
                    }
                    // No match: a NaN maximum (or a y that is not this x's maximum); libnd4j's rule decides.
                    oa[best >= 0 ? best : first(xa, base)] += ga[o];
                }
            }
        }

        private void routeByComparison(float[] xa, float[] ga, float[] oa) {
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    oa[first(xa, oy * sH * w + ox * sW)] += ga[oy * outW + ox];
                }
            }
        }

        /**
         * libnd4j's rule ({@code maxpool2d_bp}): a running maximum that starts at the lowest finite float and is
         * replaced only by a strictly greater element, so NaN never wins; the first element when none does.
         */
        private int first(float[] xa, int base) {
            int best = base + taps[0];
            float max = -Float.MAX_VALUE;
            for (int k = 0; k < taps.length; k++) {
                int at = base + taps[k];
                if (xa[at] > max) {
                    max = xa[at];
                    best = at;
                }
            }
            return best;
        }
    }
}
