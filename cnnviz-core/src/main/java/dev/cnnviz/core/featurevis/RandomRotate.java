package dev.cnnviz.core.featurevis;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Rotates every image about its centre by an angle in degrees drawn uniformly from a list, keeping its size, by
 * bilinear interpolation; a positive angle turns the picture counterclockwise as displayed (rows downwards), as
 * {@code tfa.image.rotate}. Corners the rotation uncovers are read per {@link Fill} (default {@link Fill#EDGE}).
 *
 * <p>Lucid's {@code transform.random_rotate(angles)}; its list ({@link #lucid()}):
 * {@code list(range(-10, 11)) + 5 * [0]}, that is -10..10 and four more zeros (0 drawn with probability 6/26).
 * Lucid converts degrees with {@code 3.14 * angle / 180}; this class uses {@link Math#toRadians} (0.05% more).
 * Lucid's rotate interpolates to the nearest pixel (tfa's default); this one bilinearly, so that it is
 * differentiable.
 * <pre>{@code
 * ImageTransform rotate = RandomRotate.of(-5, 0, 5);
 * }</pre>
 */
public final class RandomRotate implements ImageTransform {
    private final double[] degrees;
    private final Fill fill;

    private RandomRotate(double[] degrees, Fill fill) {
        if (degrees == null || degrees.length == 0) {
            throw new IllegalArgumentException("the list of angles is empty; expected at least one angle in degrees");
        }
        for (double a : degrees) {
            if (!Double.isFinite(a)) {
                throw new IllegalArgumentException("angles must be finite, found " + a + " in "
                        + Arrays.toString(degrees));
            }
        }
        if (fill == null) {
            throw new IllegalArgumentException("the fill is null; expected EDGE or ZERO");
        }
        this.degrees = degrees.clone();
        this.fill = fill;
    }

    /** @param degrees the angles to draw from (uniformly; repeat one to weight it) */
    public static RandomRotate of(double... degrees) {
        return new RandomRotate(degrees, Fill.EDGE);
    }

    /** @return Lucid's standard angles: -10, -9, ..., 10 and 0 four more times */
    public static RandomRotate lucid() {
        double[] a = new double[26];
        for (int i = 0; i < 21; i++) {
            a[i] = i - 10;
        }
        return of(a);
    }

    /** @return these angles with another fill */
    public RandomRotate withFill(Fill f) {
        return new RandomRotate(degrees, f);
    }

    /** @return the angles in degrees (a copy) */
    public double[] degrees() {
        return degrees.clone();
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return Flat.imageShape(inputShape);
    }

    @Override
    public Sampled sample(SplittableRandom rng, long[] inputShape) {
        Flat.checkRng(rng);
        Warp s = new Warp(outputShape(inputShape), fill, r -> {
            double a = degrees[r.nextInt(degrees.length)];
            double t = Math.toRadians(a);
            double cos = a == 0 ? 1 : Math.cos(t);
            double sin = a == 0 ? 0 : Math.sin(t);
            // Source offset (dy, dx) of output offset (oy, ox): the output rotated back by -a (rows downwards).
            return new Warp.Draw(cos, sin, -sin, cos, "rotate(" + a + "°)");
        });
        s.redraw(rng);
        return s;
    }

    @Override
    public String toString() {
        return "randomRotate(" + Arrays.toString(degrees) + ", " + fill + ")";
    }
}
