package dev.cnnviz.core.featurevis;

import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A sampled linear warp about the image centre, size kept: output pixel (i, j) reads the input at
 * {@code (sy, sx) = c + M ((i, j) - c)}, {@code c = ((H - 1) / 2, (W - 1) / 2)}, by bilinear interpolation of its
 * four neighbours ({@link Fill} outside). The four taps and weights of every output pixel are computed once per draw
 * and used by both {@link #apply} and {@link #adjoint}, so the adjoint is exact by construction.
 */
final class Warp extends ImageTransform.Sampled {
    /** A draw: the matrix {m_yy, m_yx, m_xy, m_xx} (source offset from output offset) and its description. */
    record Draw(double myy, double myx, double mxy, double mxx, String description) {
    }

    private final Function<SplittableRandom, Draw> drawer;
    private final Fill fill;
    private final int planes;
    private final int h;
    private final int w;
    private final int[] taps;
    private final double[] weights;
    private boolean identity;
    private String description = "";

    Warp(long[] shape, Fill fill, Function<SplittableRandom, Draw> drawer) {
        super(shape, shape);
        this.drawer = drawer;
        this.fill = fill;
        this.planes = (int) (shape[0] * shape[1]);
        this.h = (int) shape[2];
        this.w = (int) shape[3];
        this.taps = new int[4 * h * w];
        this.weights = new double[4 * h * w];
    }

    @Override
    protected void draw(SplittableRandom rng) {
        Draw d = drawer.apply(rng);
        description = d.description();
        identity = d.myy() == 1 && d.myx() == 0 && d.mxy() == 0 && d.mxx() == 1;
        if (identity) {
            return;
        }
        double cy = (h - 1) / 2.0;
        double cx = (w - 1) / 2.0;
        int k = 0;
        for (int i = 0; i < h; i++) {
            double oy = i - cy;
            for (int j = 0; j < w; j++) {
                double ox = j - cx;
                double sy = cy + d.myy() * oy + d.myx() * ox;
                double sx = cx + d.mxy() * oy + d.mxx() * ox;
                double fy0 = Math.floor(sy);
                double fx0 = Math.floor(sx);
                double ty = sy - fy0;
                double tx = sx - fx0;
                int y0 = (int) Math.max(Math.min(fy0, h + 1), -2);
                int x0 = (int) Math.max(Math.min(fx0, w + 1), -2);
                tap(k, y0, x0, (1 - ty) * (1 - tx));
                tap(k + 1, y0, x0 + 1, (1 - ty) * tx);
                tap(k + 2, y0 + 1, x0, ty * (1 - tx));
                tap(k + 3, y0 + 1, x0 + 1, ty * tx);
                k += 4;
            }
        }
    }

    private void tap(int k, int y, int x, double weight) {
        if (fill == Fill.EDGE) {
            y = Math.max(0, Math.min(h - 1, y));
            x = Math.max(0, Math.min(w - 1, x));
        } else if (y < 0 || y >= h || x < 0 || x >= w) {
            taps[k] = 0;
            weights[k] = 0;
            return;
        }
        taps[k] = y * w + x;
        weights[k] = weight;
    }

    @Override
    protected void apply(double[] x, double[] y) {
        if (identity) {
            System.arraycopy(x, 0, y, 0, inLength);
            return;
        }
        int plane = h * w;
        for (int p = 0; p < planes; p++) {
            int base = p * plane;
            for (int o = 0, k = 0; o < plane; o++, k += 4) {
                y[base + o] = weights[k] * x[base + taps[k]] + weights[k + 1] * x[base + taps[k + 1]]
                        + weights[k + 2] * x[base + taps[k + 2]] + weights[k + 3] * x[base + taps[k + 3]];
            }
        }
    }

    @Override
    protected void adjoint(double[] gy, double[] gx) {
        if (identity) {
            System.arraycopy(gy, 0, gx, 0, inLength);
            return;
        }
        java.util.Arrays.fill(gx, 0.0);
        int plane = h * w;
        for (int p = 0; p < planes; p++) {
            int base = p * plane;
            for (int o = 0, k = 0; o < plane; o++, k += 4) {
                double g = gy[base + o];
                gx[base + taps[k]] += weights[k] * g;
                gx[base + taps[k + 1]] += weights[k + 1] * g;
                gx[base + taps[k + 2]] += weights[k + 2] * g;
                gx[base + taps[k + 3]] += weights[k + 3] * g;
            }
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
