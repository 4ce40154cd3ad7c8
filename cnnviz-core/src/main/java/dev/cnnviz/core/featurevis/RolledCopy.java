package dev.cnnviz.core.featurevis;

import java.nio.FloatBuffer;

/**
 * Copies between a flat {@code double[]} batch of planes and a plain float32 buffer (a model input or its gradient in
 * native memory), shifted circularly by {@code (dy, dx)} as {@link Roll} shifts ({@code np.roll}), in one pass:
 * each row is converted through a small float array and moved with two bulk copies (the part that wraps and the rest).
 * With {@code dy = dx = 0} it is a plain narrowing or widening copy.
 */
final class RolledCopy {
    private RolledCopy() {
    }

    /** {@code y[p, (i + dy) mod h, (j + dx) mod w] = (float) x[p, i, j]} for every plane p of {@code x}. */
    static void toFloats(double[] x, FloatBuffer y, int h, int w, int dy, int dx) {
        int plane = h * w;
        int s = Math.floorMod(dx, w);
        float[] row = new float[w];
        for (int p = 0, planes = x.length / plane; p < planes; p++) {
            int off = p * plane;
            for (int i = 0; i < h; i++) {
                int src = off + i * w;
                for (int j = 0; j < w; j++) {
                    row[j] = (float) x[src + j];
                }
                int dst = off + Math.floorMod(i + dy, h) * w;
                y.put(dst + s, row, 0, w - s);
                y.put(dst, row, w - s, s);
            }
        }
    }

    /**
     * The adjoint of {@link #toFloats}'s shift, widened: {@code negGx[p, i, j] = −g[p, (i + dy) mod h, (j + dx) mod w]},
     * and {@code gx} the same without the sign unless it is null. {@code g} holds {@code negGx.length} values.
     */
    static void fromFloats(FloatBuffer g, double[] negGx, double[] gx, int h, int w, int dy, int dx) {
        int plane = h * w;
        int s = Math.floorMod(dx, w);
        float[] row = new float[w];
        for (int p = 0, planes = negGx.length / plane; p < planes; p++) {
            int off = p * plane;
            for (int i = 0; i < h; i++) {
                int src = off + Math.floorMod(i + dy, h) * w;
                g.get(src + s, row, 0, w - s);
                g.get(src, row, w - s, s);
                int dst = off + i * w;
                for (int j = 0; j < w; j++) {
                    negGx[dst + j] = -(double) row[j];
                }
                if (gx != null) {
                    for (int j = 0; j < w; j++) {
                        gx[dst + j] = row[j];
                    }
                }
            }
        }
    }
}
