package dev.cnnviz.core.featurevis;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Scales every image about its centre by a factor drawn uniformly from a list, keeping its size: output pixel
 * (i, j) reads the input at {@code c + ((i, j) - c) / s} by bilinear interpolation, so s &gt; 1 zooms in and s &lt; 1
 * zooms out, the uncovered border read per {@link Fill} (default {@link Fill#EDGE}).
 *
 * <p>Lucid's {@code transform.random_scale(scales)} resizes the image to {@code int(s·H) x int(s·W)} instead; here the
 * size stays, so that the model's input shape is the same every step (see {@link StandardTransforms}). Lucid's list
 * ({@link #lucid()}): {@code [1 + (i - 5) / 50 for i in range(11)]} = 0.90, 0.92, ..., 1.10.
 * <pre>{@code
 * ImageTransform scale = RandomScale.of(0.9, 1.0, 1.1).withFill(Fill.ZERO);
 * }</pre>
 */
public final class RandomScale implements ImageTransform {
    private final double[] scales;
    private final Fill fill;

    private RandomScale(double[] scales, Fill fill) {
        if (scales == null || scales.length == 0) {
            throw new IllegalArgumentException("the list of scales is empty; expected at least one factor > 0");
        }
        for (double s : scales) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("scales must be finite and > 0, found " + s + " in "
                        + Arrays.toString(scales));
            }
        }
        if (fill == null) {
            throw new IllegalArgumentException("the fill is null; expected EDGE or ZERO");
        }
        this.scales = scales.clone();
        this.fill = fill;
    }

    /** @param scales the factors to draw from (uniformly; repeat one to weight it) */
    public static RandomScale of(double... scales) {
        return new RandomScale(scales, Fill.EDGE);
    }

    /** @return Lucid's standard scales, 1 + (i - 5) / 50 for i = 0..10 */
    public static RandomScale lucid() {
        double[] s = new double[11];
        for (int i = 0; i < 11; i++) {
            s[i] = 1 + (i - 5) / 50.0;
        }
        return of(s);
    }

    /** @return this list of scales with another fill */
    public RandomScale withFill(Fill f) {
        return new RandomScale(scales, f);
    }

    /** @return the factors (a copy) */
    public double[] scales() {
        return scales.clone();
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return Flat.imageShape(inputShape);
    }

    @Override
    public Sampled sample(SplittableRandom rng, long[] inputShape) {
        Flat.checkRng(rng);
        Warp s = new Warp(outputShape(inputShape), fill, r -> {
            double f = scales[r.nextInt(scales.length)];
            return new Warp.Draw(1 / f, 0, 0, 1 / f, "scale(" + f + ")");
        });
        s.redraw(rng);
        return s;
    }

    @Override
    public String toString() {
        return "randomScale(" + Arrays.toString(scales) + ", " + fill + ")";
    }
}
