package dev.cnnviz.core.featurevis;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

/**
 * A sampled transform that copies every output pixel from one input pixel chosen per row and per column (pads and
 * crops): {@code y[n, c, i, j] = x[n, c, rows[i], cols[j]]}, or {@code fill} where {@code rows[i]} or {@code cols[j]}
 * is -1. The adjoint adds every output gradient into the pixel it came from.
 */
final class Separable extends ImageTransform.Sampled {
    final int[] rows;
    final int[] cols;
    private final double fill;
    private final int planes;
    private final int inH;
    private final int inW;
    private final BiConsumer<SplittableRandom, Separable> drawer;
    private final String name;
    private String drawn = "";

    /**
     * @param drawer fills {@link #rows} and {@link #cols} for a draw (and may call {@link #describe})
     */
    Separable(long[] in, long[] out, double fill, String name, BiConsumer<SplittableRandom, Separable> drawer) {
        super(in, out);
        this.rows = new int[(int) out[2]];
        this.cols = new int[(int) out[3]];
        this.fill = fill;
        this.planes = (int) (in[0] * in[1]);
        this.inH = (int) in[2];
        this.inW = (int) in[3];
        this.drawer = drawer;
        this.name = name;
    }

    /** Records the draw for {@link #toString()}. */
    void describe(String draw) {
        this.drawn = draw;
    }

    @Override
    protected void draw(SplittableRandom rng) {
        drawer.accept(rng, this);
    }

    @Override
    protected void apply(double[] x, double[] y) {
        int outPlane = rows.length * cols.length;
        for (int p = 0; p < planes; p++) {
            int xBase = p * inH * inW;
            int o = p * outPlane;
            for (int r : rows) {
                if (r < 0) {
                    Arrays.fill(y, o, o + cols.length, fill);
                    o += cols.length;
                    continue;
                }
                int xRow = xBase + r * inW;
                for (int c : cols) {
                    y[o++] = c < 0 ? fill : x[xRow + c];
                }
            }
        }
    }

    @Override
    protected void adjoint(double[] gy, double[] gx) {
        Arrays.fill(gx, 0.0);
        int outPlane = rows.length * cols.length;
        for (int p = 0; p < planes; p++) {
            int xBase = p * inH * inW;
            int o = p * outPlane;
            for (int r : rows) {
                if (r < 0) {
                    o += cols.length;
                    continue;
                }
                int xRow = xBase + r * inW;
                for (int c : cols) {
                    if (c >= 0) {
                        gx[xRow + c] += gy[o];
                    }
                    o++;
                }
            }
        }
    }

    @Override
    public String toString() {
        return name + drawn;
    }
}
