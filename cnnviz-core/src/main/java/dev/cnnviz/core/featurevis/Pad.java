package dev.cnnviz.core.featurevis;

import java.util.SplittableRandom;

/**
 * Pads every image by {@code width} pixels on each side: [N, C, H, W] to [N, C, H + 2w, W + 2w]. Lucid's
 * {@code transform.pad(w, mode, constant_value)}; its standard transforms start with
 * {@code pad(12, mode="constant", constant_value=.5)}.
 * <ul>
 * <li>{@link #constant}: the border is the constant (an affine map; the gradient of the border is dropped);</li>
 * <li>{@link #reflect}: the border mirrors the image without repeating the edge (TensorFlow's and numpy's
 * {@code reflect}: [a b c d] padded by 2 is [c b a b c d c b]); needs {@code width < H} and {@code width < W}.</li>
 * </ul>
 * No randomness: every draw is the same.
 * <pre>{@code
 * ImageTransform pad = Pad.constant(12, 0.5);
 * }</pre>
 */
public final class Pad implements ImageTransform {
    private final int width;
    private final boolean reflect;
    private final double value;

    private Pad(int width, boolean reflect, double value) {
        if (width < 0) {
            throw new IllegalArgumentException("the pad width must be >= 0, found " + width);
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("the pad value must be finite, found " + value);
        }
        this.width = width;
        this.reflect = reflect;
        this.value = value;
    }

    /** @return a pad of {@code width} pixels of {@code value} */
    public static Pad constant(int width, double value) {
        return new Pad(width, false, value);
    }

    /** @return a mirror pad of {@code width} pixels */
    public static Pad reflect(int width) {
        return new Pad(width, true, 0);
    }

    /** @return the number of pixels added on each side */
    public int width() {
        return width;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        long[] s = Flat.imageShape(inputShape);
        if (reflect && (width >= s[2] || width >= s[3])) {
            throw new IllegalArgumentException("a reflect pad of " + width + " needs an image larger than that, found "
                    + s[2] + "x" + s[3]);
        }
        return Flat.withSize(s, s[2] + 2L * width, s[3] + 2L * width);
    }

    @Override
    public Sampled sample(SplittableRandom rng, long[] inputShape) {
        Flat.checkRng(rng);
        long[] out = outputShape(inputShape);
        int h = (int) inputShape[2];
        int w = (int) inputShape[3];
        Separable s = new Separable(inputShape, out, value, toString(), (r, t) -> {
            fill(t.rows, h);
            fill(t.cols, w);
        });
        s.redraw(rng);
        return s;
    }

    private void fill(int[] map, int size) {
        for (int i = 0; i < map.length; i++) {
            int src = i - width;
            if (src < 0) {
                src = reflect ? -src : -1;
            } else if (src >= size) {
                src = reflect ? 2 * (size - 1) - src : -1;
            }
            map[i] = src;
        }
    }

    @Override
    public String toString() {
        return reflect ? "pad(" + width + ", reflect)" : "pad(" + width + ", constant " + value + ")";
    }
}
