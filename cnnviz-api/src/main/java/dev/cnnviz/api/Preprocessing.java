package dev.cnnviz.api;

import java.util.Arrays;

/**
 * How 8-bit pixels become model input values.
 *
 * <p>For channel {@code c} (after reordering to {@link #order()}), a pixel value {@code p} in 0..255 becomes
 * <pre>   x = (p * scale - mean[c]) / std[c]</pre>
 * Common settings:
 * <ul>
 *   <li>Caffe models (SqueezeNet 1.1 here): {@code Preprocessing.caffeBgr(104, 117, 123)}: BGR, scale 1, std 1;</li>
 *   <li>torchvision models: {@code Preprocessing.imagenetTorch()}: RGB, scale 1/255, mean (0.485, 0.456, 0.406),
 *       std (0.229, 0.224, 0.225);</li>
 *   <li>MNIST-style models: {@code Preprocessing.unit(ChannelOrder.GREY)}: scale 1/255, mean 0, std 1.</li>
 * </ul>
 *
 * @param order channel order and count
 * @param scale multiplier applied to the 0..255 pixel value first (e.g. 1/255)
 * @param mean  per-channel value subtracted after scaling; length 1 (broadcast) or {@code order.channels()}
 * @param std   per-channel divisor; positive; length 1 (broadcast) or {@code order.channels()}
 */
public record Preprocessing(ChannelOrder order, double scale, double[] mean, double[] std) {

    /** Validates and copies the arrays. */
    public Preprocessing {
        if (order == null) {
            throw new IllegalArgumentException("channel order must not be null");
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be a positive finite number, found " + scale);
        }
        mean = expand("mean", mean, order.channels());
        std = expand("std", std, order.channels());
        for (double s : std) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("std values must be positive and finite, found " + Arrays.toString(std));
            }
        }
        for (double m : mean) {
            if (!Double.isFinite(m)) {
                throw new IllegalArgumentException("mean values must be finite, found " + Arrays.toString(mean));
            }
        }
    }

    private static double[] expand(String what, double[] values, int channels) {
        if (values == null || (values.length != 1 && values.length != channels)) {
            throw new IllegalArgumentException(what + " must have 1 or " + channels + " values, found "
                    + (values == null ? "null" : Arrays.toString(values)));
        }
        double[] out = new double[channels];
        for (int c = 0; c < channels; c++) {
            out[c] = values.length == 1 ? values[0] : values[c];
        }
        return out;
    }

    /** Pixels scaled to [0, 1], no mean or std. */
    public static Preprocessing unit(ChannelOrder order) {
        return new Preprocessing(order, 1.0 / 255.0, new double[] {0}, new double[] {1});
    }

    /** Raw 0..255 pixels, no mean or std. */
    public static Preprocessing raw(ChannelOrder order) {
        return new Preprocessing(order, 1.0, new double[] {0}, new double[] {1});
    }

    /** Caffe convention: BGR, 0..255, minus a per-channel mean given in B, G, R order. */
    public static Preprocessing caffeBgr(double meanB, double meanG, double meanR) {
        return new Preprocessing(ChannelOrder.BGR, 1.0, new double[] {meanB, meanG, meanR}, new double[] {1});
    }

    /** torchvision's ImageNet convention: RGB scaled to [0,1], mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225). */
    public static Preprocessing imagenetTorch() {
        return new Preprocessing(ChannelOrder.RGB, 1.0 / 255.0,
                new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});
    }

    /** @return the per-channel mean (a copy). */
    @Override
    public double[] mean() {
        return mean.clone();
    }

    /** @return the per-channel std (a copy). */
    @Override
    public double[] std() {
        return std.clone();
    }

    /** @return the preprocessed value of pixel value {@code p} (0..255) in channel {@code c}. */
    public double apply(int c, double p) {
        return (p * scale - mean[c]) / std[c];
    }

    /** @return the pixel value (0..255, unclamped) whose preprocessed value in channel {@code c} is {@code x}. */
    public double invert(int c, double x) {
        return (x * std[c] + mean[c]) / scale;
    }

    /** @return the preprocessed value range [lo, hi] of channel {@code c} for pixels 0..255. */
    public double[] range(int c) {
        double a = apply(c, 0);
        double b = apply(c, 255);
        return new double[] {Math.min(a, b), Math.max(a, b)};
    }

    /** Returns a copy with another channel order (the mean and std must fit its channel count). */
    public Preprocessing withOrder(ChannelOrder newOrder) {
        return new Preprocessing(newOrder, scale, mean, std);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && p.order == order && p.scale == scale
                && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * order.hashCode() + Double.hashCode(scale)) + Arrays.hashCode(mean)) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Preprocessing[" + order + ", x = (p * " + scale + " - " + Arrays.toString(mean) + ") / "
                + Arrays.toString(std) + "]";
    }
}
