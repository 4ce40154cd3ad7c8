package dev.cnnviz.core.cam;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Input;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Helpers shared by the CAM family: array conversion, bilinear upsampling, shape probing. */
final class CamSupport {
    private CamSupport() {
    }

    /** @return the values of {@code a} in row-major order, as doubles (a fresh array). */
    static double[] doubles(INDArray a) {
        return HostArrays.doubles(a);
    }

    /** @return the values narrowed to float, checking that they are finite. */
    static float[] floats(double[] v, String what) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
            if (!Float.isFinite(f[i])) {
                throw new NonFiniteResultException(what + " has a non-finite value (" + v[i] + ") at index " + i
                        + ": the model's weights are not finite or its arithmetic overflowed on this input");
            }
        }
        return f;
    }

    /** @return a shape as {@code [1, 2, 3]}. */
    static String shape(long[] s) {
        return Arrays.toString(s);
    }

    /**
     * Bilinear resampling with {@code align_corners=false} (the convention of
     * {@link dev.cnnviz.core.render.Resample#bilinear}, OpenCV and {@code F.interpolate(align_corners=False)}):
     * {@code src = max(0, (dst + 0.5) · in / out − 0.5)}, {@code i0 = floor(src)}, {@code i1 = min(i0 + 1, in − 1)},
     * separably in y and x, in double precision.
     */
    static final class Upsampler {
        private final int inH;
        private final int inW;
        private final int outH;
        private final int outW;
        private final int[] y0;
        private final int[] y1;
        private final double[] wy;
        private final int[] x0;
        private final int[] x1;
        private final double[] wx;
        private final double[] rowA;
        private final double[] rowB;

        Upsampler(int inH, int inW, int outH, int outW) {
            this.inH = inH;
            this.inW = inW;
            this.outH = outH;
            this.outW = outW;
            y0 = new int[outH];
            y1 = new int[outH];
            wy = new double[outH];
            axis(inH, outH, y0, y1, wy);
            x0 = new int[outW];
            x1 = new int[outW];
            wx = new double[outW];
            axis(inW, outW, x0, x1, wx);
            rowA = new double[outW];
            rowB = new double[outW];
        }

        private static void axis(int in, int out, int[] i0, int[] i1, double[] w) {
            double scale = (double) in / out;
            for (int d = 0; d < out; d++) {
                double src = Math.max(0.0, (d + 0.5) * scale - 0.5);
                int lo = Math.min((int) Math.floor(src), in - 1);
                i0[d] = lo;
                i1[d] = Math.min(lo + 1, in - 1);
                w[d] = src - lo;
            }
        }

        /**
         * Resamples the {@code inH × inW} map stored at {@code src[offset ..]} into {@code out} ({@code outH · outW}
         * values). Not thread-safe (it reuses row buffers).
         */
        void apply(double[] src, int offset, double[] out) {
            for (int y = 0; y < outH; y++) {
                row(src, offset + y0[y] * inW, rowA);
                row(src, offset + y1[y] * inW, rowB);
                double w = wy[y];
                int o = y * outW;
                for (int x = 0; x < outW; x++) {
                    out[o + x] = rowA[x] + w * (rowB[x] - rowA[x]);
                }
            }
        }

        private void row(double[] src, int start, double[] dst) {
            for (int x = 0; x < outW; x++) {
                double a = src[start + x0[x]];
                dst[x] = a + wx[x] * (src[start + x1[x]] - a);
            }
        }

        int inputSize() {
            return inH * inW;
        }
    }

    /**
     * The output shapes of every node for a batch of one, from one forward pass on a zero batch, computed lazily
     * once and shared by the copies of a method.
     */
    static final class Shapes {
        /** Probed shapes by graph (identity) and input spec, so that new method instances need not probe again. */
        private static final Map<Graph, Map<dev.cnnviz.api.InputSpec, Map<String, long[]>>> CACHE =
                java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

        private final Model model;
        private volatile Map<String, long[]> shapes;

        Shapes(Model model) {
            this.model = model;
        }

        /** @return the shape of node {@code name} for a batch of one. */
        long[] of(String name) {
            long[] s = all().get(name);
            if (s == null) {
                model.graph().node(name);
                throw new IllegalArgumentException("node '" + name + "' has no value in a forward pass");
            }
            return s.clone();
        }

        Map<String, long[]> all() {
            Map<String, long[]> s = shapes;
            if (s == null) {
                synchronized (this) {
                    s = shapes;
                    if (s == null) {
                        Map<dev.cnnviz.api.InputSpec, Map<String, long[]>> bySpec =
                                CACHE.computeIfAbsent(model.graph(), k -> new java.util.concurrent.ConcurrentHashMap<>());
                        s = bySpec.get(model.inputSpec());
                        if (s == null) {
                            s = probe();
                            bySpec.put(model.inputSpec(), s);
                        }
                        shapes = s;
                    }
                }
            }
            return s;
        }

        private Map<String, long[]> probe() {
            Graph g = model.graph();
            Map<String, long[]> out = new LinkedHashMap<>();
            try (INDArray zero = Nd4j.zeros(g.dataType(), model.inputSpec().batchShape(1));
                 ForwardPass pass = g.forward(zero)) {
                for (Node n : g.nodes()) {
                    if (!(n.op() instanceof Constant)) {
                        out.put(n.name(), pass.get(n.name()).shape());
                    }
                }
            }
            return Map.copyOf(out);
        }

        /**
         * The default CAM layer: among the nodes the scores depend on (inputs and constants excluded), the last one
         * in topological order whose output is 4-D with more than one spatial position.
         *
         * @throws IllegalArgumentException if there is none
         */
        String defaultLayer() {
            Graph g = model.graph();
            Set<String> ancestors = new HashSet<>();
            Deque<String> queue = new ArrayDeque<>(List.of(g.scoresNode()));
            while (!queue.isEmpty()) {
                String n = queue.poll();
                if (ancestors.add(n)) {
                    queue.addAll(g.node(n).inputs());
                }
            }
            List<Node> nodes = g.nodes();
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node n = nodes.get(i);
                if (!ancestors.contains(n.name()) || n.op() instanceof Constant || n.op() instanceof Input) {
                    continue;
                }
                long[] s = of(n.name());
                if (s.length == 4 && s[2] * s[3] > 1) {
                    return n.name();
                }
            }
            throw new IllegalArgumentException("no layer before the scores node '" + g.scoresNode()
                    + "' has a 4-D output [N, C, H, W] with more than one spatial position, so there is no default "
                    + "CAM layer; name a 4-D layer with .withLayer(name)");
        }
    }
}
