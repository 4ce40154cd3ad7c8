package dev.cnnviz.core.featurevis;

import java.util.SplittableRandom;

/**
 * A random translation by cropping: [N, C, H, W] to [N, C, H - d, W - d], the crop's top-left corner drawn uniformly
 * from {0, ..., d} in each direction (Lucid's {@code transform.jitter(d)}, {@code tf.image.random_crop}); the same
 * offset for every image of the batch. Lucid's standard transforms use {@code jitter(8)} and {@code jitter(4)}.
 * <pre>{@code
 * ImageTransform jitter = Jitter.of(8);
 * }</pre>
 */
public final class Jitter implements ImageTransform {
    private final int d;

    private Jitter(int d) {
        if (d < 0) {
            throw new IllegalArgumentException("the jitter must be >= 0 pixels, found " + d);
        }
        this.d = d;
    }

    /** @param d the largest offset in pixels, and the size lost in each direction */
    public static Jitter of(int d) {
        return new Jitter(d);
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        long[] s = Flat.imageShape(inputShape);
        if (s[2] <= d || s[3] <= d) {
            throw new IllegalArgumentException("a jitter of " + d + " needs an image larger than that, found "
                    + s[2] + "x" + s[3]);
        }
        return Flat.withSize(s, s[2] - d, s[3] - d);
    }

    @Override
    public Sampled sample(SplittableRandom rng, long[] inputShape) {
        Flat.checkRng(rng);
        Separable s = new Separable(inputShape, outputShape(inputShape), 0, "jitter", (r, t) -> {
            int dy = r.nextInt(d + 1);
            int dx = r.nextInt(d + 1);
            for (int i = 0; i < t.rows.length; i++) {
                t.rows[i] = i + dy;
            }
            for (int j = 0; j < t.cols.length; j++) {
                t.cols[j] = j + dx;
            }
            t.describe("(" + d + ": dy=" + dy + ", dx=" + dx + ")");
        });
        s.redraw(rng);
        return s;
    }

    @Override
    public String toString() {
        return "jitter(" + d + ")";
    }
}
