package dev.cnnviz.core.featurevis;

import java.util.SplittableRandom;

/**
 * A random circular shift of the image by 0..d pixels down and right ({@code np.roll}), CS231n's class-visualization
 * jitter: the shape is kept and nothing is filled in, so its adjoint is the opposite shift. Package-private: used by
 * {@link ClassVisualization}.
 */
final class Roll implements ImageTransform {
    private final int d;

    Roll(int d) {
        if (d < 0) {
            throw new IllegalArgumentException("the jitter must be >= 0 pixels, found " + d);
        }
        this.d = d;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return Flat.imageShape(inputShape);
    }

    @Override
    public Sampled sample(SplittableRandom rng, long[] inputShape) {
        Flat.checkRng(rng);
        long[] shape = Flat.imageShape(inputShape);
        int h = (int) shape[2];
        int w = (int) shape[3];
        Sampled s = new Sampled(shape, shape) {
            private int dy;
            private int dx;

            @Override
            protected void draw(SplittableRandom r) {
                dy = r.nextInt(d + 1);
                dx = r.nextInt(d + 1);
            }

            @Override
            protected void apply(double[] x, double[] y) {
                shift(x, y, dy, dx);
            }

            @Override
            protected void adjoint(double[] gy, double[] gx) {
                shift(gy, gx, -dy, -dx);
            }

            private void shift(double[] from, double[] to, int sy, int sx) {
                int plane = h * w;
                // row i goes to row (i + sy) mod h; within a row, columns [0, w - s) move right by s = sx mod w
                // and the last s columns wrap to the front: two block copies per row, no per-element modulo
                int s = Math.floorMod(sx, w);
                for (int p = 0; p < from.length / plane; p++) {
                    int off = p * plane;
                    for (int i = 0; i < h; i++) {
                        int src = off + i * w;
                        int dst = off + Math.floorMod(i + sy, h) * w;
                        System.arraycopy(from, src, to, dst + s, w - s);
                        System.arraycopy(from, src + w - s, to, dst, s);
                    }
                }
            }

            @Override
            public String toString() {
                return "roll(" + d + ": dy=" + dy + ", dx=" + dx + ")";
            }
        };
        s.redraw(rng);
        return s;
    }

    @Override
    public String toString() {
        return "roll(" + d + ")";
    }
}
