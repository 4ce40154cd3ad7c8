package dev.cnnviz.core.featurevis;

import java.util.SplittableRandom;

/**
 * A fixed bilinear resize to {@code H x W} (half-pixel centres, edges clamped), with its exact adjoint: how a
 * visualization rendered at one size reaches a model that only takes another (Lucent's {@code fixed_image_size}
 * upsampling). Draws nothing. Package-private: used by {@link FeatureVisualization}.
 */
final class BilinearResize implements ImageTransform {
    private final int height;
    private final int width;

    BilinearResize(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("a resize needs a positive size, found " + height + " x " + width);
        }
        this.height = height;
        this.width = width;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return Flat.withSize(Flat.imageShape(inputShape), height, width);
    }

    @Override
    public Sampled sample(SplittableRandom rng, long[] inputShape) {
        Flat.checkRng(rng);
        long[] in = Flat.imageShape(inputShape);
        int h = (int) in[2];
        int w = (int) in[3];
        int planes = (int) (in[0] * in[1]);
        int[] y0 = new int[height];
        int[] y1 = new int[height];
        double[] fy = new double[height];
        int[] x0 = new int[width];
        int[] x1 = new int[width];
        double[] fx = new double[width];
        coordinates(h, height, y0, y1, fy);
        coordinates(w, width, x0, x1, fx);
        return new Sampled(in, outputShape(in)) {
            @Override
            protected void draw(SplittableRandom r) {
                // deterministic
            }

            @Override
            protected void apply(double[] x, double[] y) {
                for (int p = 0; p < planes; p++) {
                    int bi = p * h * w;
                    int bo = p * height * width;
                    for (int i = 0; i < height; i++) {
                        for (int j = 0; j < width; j++) {
                            y[bo + i * width + j] = (1 - fy[i]) * ((1 - fx[j]) * x[bi + y0[i] * w + x0[j]] + fx[j] * x[bi + y0[i] * w + x1[j]])
                                    + fy[i] * ((1 - fx[j]) * x[bi + y1[i] * w + x0[j]] + fx[j] * x[bi + y1[i] * w + x1[j]]);
                        }
                    }
                }
            }

            @Override
            protected void adjoint(double[] gy, double[] gx) {
                java.util.Arrays.fill(gx, 0);
                for (int p = 0; p < planes; p++) {
                    int bi = p * h * w;
                    int bo = p * height * width;
                    for (int i = 0; i < height; i++) {
                        for (int j = 0; j < width; j++) {
                            double g = gy[bo + i * width + j];
                            gx[bi + y0[i] * w + x0[j]] += (1 - fy[i]) * (1 - fx[j]) * g;
                            gx[bi + y0[i] * w + x1[j]] += (1 - fy[i]) * fx[j] * g;
                            gx[bi + y1[i] * w + x0[j]] += fy[i] * (1 - fx[j]) * g;
                            gx[bi + y1[i] * w + x1[j]] += fy[i] * fx[j] * g;
                        }
                    }
                }
            }

            @Override
            public String toString() {
                return BilinearResize.this.toString();
            }
        };
    }

    private static void coordinates(int from, int to, int[] lo, int[] hi, double[] frac) {
        for (int i = 0; i < to; i++) {
            double s = Math.min(Math.max((i + 0.5) * from / to - 0.5, 0), from - 1);
            lo[i] = (int) s;
            hi[i] = Math.min(lo[i] + 1, from - 1);
            frac[i] = s - lo[i];
        }
    }

    @Override
    public String toString() {
        return "resize(" + height + "x" + width + ")";
    }
}
