package dev.cnnviz.core.featurevis;

import java.util.Arrays;

/**
 * Constrains an inner parameterization's values to the valid range [0, 1], as Lucid's {@code to_valid_rgb}
 * ({@code optvis/param/color.py}): either a sigmoid, {@code 1 / (1 + e^(-t))} (Lucid's default), or a clip,
 * {@code min(max(t + offset_c, 0), 1)} for channel c.
 *
 * <pre>{@code
 * ImageParameterization lucid = ValidRgb.sigmoid(ColorDecorrelation.of(FourierParameterization.of(1, 3, 224, 224)));
 * ImageParameterization clipped = ValidRgb.clip(PixelParameterization.of(1, 3, 224, 224));   // offset 0.5
 * }</pre>
 *
 * <p>Gradients are the exact derivatives: {@code s (1 - s)} for the sigmoid; for the clip 1 where
 * {@code 0 <= t + offset <= 1} and 0 outside, so a value clipped away from the range gets no gradient. Lucid clips
 * with {@code constrain_L_inf}, whose overridden gradient passes through except where it would push further out; an
 * optimizer here needs the true gradient, so the clip is offset instead to start mid-range: Lucid's small initial
 * noise around 0 then lands around {@code offset} (0.5, or Lucid's colour mean after {@link ColorDecorrelation}, as
 * {@code to_valid_rgb(decorrelate=True, sigmoid=False)} adds it).
 *
 * <p>{@link #backward} after {@link #image} at the same {@code p} reuses the values kept by {@code image} (the inner
 * map is not evaluated again); otherwise it evaluates the inner map first.
 */
public final class ValidRgb extends BaseParameterization {
    private final ImageParameterization inner;
    private final boolean sigmoid;
    private final double[] offset;
    private final int plane;
    private final double[] pre;
    private final double[] value;
    private final double[] lastP;
    private boolean cached;
    private final double[] scratch;

    private ValidRgb(ImageParameterization inner, boolean sigmoid, double[] offset) {
        super(inner.imageShape());
        this.inner = inner;
        this.sigmoid = sigmoid;
        this.offset = offset;
        this.plane = (int) (shape[2] * shape[3]);
        this.pre = new double[imageLength];
        this.value = new double[imageLength];
        this.scratch = new double[imageLength];
        this.lastP = new double[inner.size()];
    }

    /** @return {@code sigmoid(inner)}, values in (0, 1) */
    public static ValidRgb sigmoid(ImageParameterization inner) {
        requireInner(inner);
        return new ValidRgb(inner, true, null);
    }

    /** @return {@code clip(inner + 0.5)} to [0, 1], every channel offset by 0.5 */
    public static ValidRgb clip(ImageParameterization inner) {
        requireInner(inner);
        double[] half = new double[(int) inner.imageShape()[1]];
        Arrays.fill(half, 0.5);
        return new ValidRgb(inner, false, half);
    }

    /**
     * @param offset one finite value per channel, added before the clip (Lucid adds
     *               {@link ColorDecorrelation#colorMean()} after decorrelation)
     * @return {@code clip(inner + offset)} to [0, 1]
     */
    public static ValidRgb clip(ImageParameterization inner, double... offset) {
        requireInner(inner);
        long channels = inner.imageShape()[1];
        if (offset == null || offset.length != channels) {
            throw new IllegalArgumentException("the clip needs one offset per channel (" + channels + "), found "
                    + (offset == null ? "null" : Arrays.toString(offset)));
        }
        for (double o : offset) {
            if (!Double.isFinite(o)) {
                throw new IllegalArgumentException("clip offsets must be finite, found " + Arrays.toString(offset));
            }
        }
        return new ValidRgb(inner, false, offset.clone());
    }

    private static void requireInner(ImageParameterization inner) {
        if (inner == null) {
            throw new IllegalArgumentException("the inner parameterization is null");
        }
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public double[] initial(long seed) {
        return inner.initial(seed);
    }

    @Override
    void forward(double[] p, double[] out) {
        evaluate(p);
        System.arraycopy(value, 0, out, 0, imageLength);
    }

    @Override
    void vjp(double[] p, double[] gradImage, double[] gradP) {
        if (!cached || !Arrays.equals(p, lastP)) {
            evaluate(p);
        }
        for (int i = 0; i < imageLength; i++) {
            double d;
            if (sigmoid) {
                double s = value[i];
                d = s * (1 - s);
            } else {
                double t = pre[i];
                d = t >= 0.0 && t <= 1.0 ? 1.0 : 0.0;
            }
            scratch[i] = gradImage[i] * d;
        }
        inner.backward(p, scratch, gradP);
    }

    /**
     * Fills {@link #pre} with the inner values (plus the clip's offsets) at {@code p}, {@link #value} with the
     * constrained ones, and remembers {@code p}.
     */
    private void evaluate(double[] p) {
        cached = false;
        inner.image(p, pre);
        if (offset != null) {
            int channels = offset.length;
            for (int start = 0, c = 0; start < imageLength; start += plane, c = (c + 1) % channels) {
                double o = offset[c];
                for (int i = start; i < start + plane; i++) {
                    pre[i] += o;
                }
            }
        }
        for (int i = 0; i < imageLength; i++) {
            double t = pre[i];
            value[i] = sigmoid ? sigmoidOf(t) : Math.min(Math.max(t, 0.0), 1.0);
        }
        System.arraycopy(p, 0, lastP, 0, lastP.length);
        cached = true;
    }

    private static double sigmoidOf(double t) {
        if (t >= 0) {
            return 1.0 / (1.0 + Math.exp(-t));
        }
        double e = Math.exp(t);
        return e / (1.0 + e);
    }

    @Override
    public String toString() {
        return (sigmoid ? "sigmoid(" : "clip(" + Arrays.toString(offset) + ", ") + inner + ")";
    }
}
