package dev.cnnviz.api;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * A style image and its weight in a blend of several styles (Gatys et al. 2016, Fig. 7; AdaIN's style
 * interpolation). The weights of a blend are relative: a {@link Stylizer} normalises them to sum to one.
 *
 * <pre>{@code
 * List<WeightedStyle> blend = List.of(new WeightedStyle(starryNight, 0.7), new WeightedStyle(scream, 0.3));
 * Stylization s = GatysStyle.of(lossModel).stylize(photo, blend, ProgressListener.NONE);
 * }</pre>
 *
 * @param image  the style image (any size: the stylizer resizes it as it documents)
 * @param weight its relative weight, finite and &gt; 0
 */
public record WeightedStyle(BufferedImage image, double weight) {

    /** Validates. */
    public WeightedStyle {
        if (image == null) {
            throw new IllegalArgumentException("a style image must not be null");
        }
        if (!(weight > 0) || !Double.isFinite(weight)) {
            throw new IllegalArgumentException("a style weight must be finite and > 0, got " + weight);
        }
    }

    /**
     * Pairs images with weights.
     *
     * @param images  the style images, at least one
     * @param weights one weight per image (finite, &gt; 0), or empty for equal weights
     * @return the blend, in the images' order
     * @throws IllegalArgumentException if the counts differ or a weight is not finite and positive
     */
    public static List<WeightedStyle> blend(List<BufferedImage> images, double... weights) {
        if (images == null || images.isEmpty()) {
            throw new IllegalArgumentException("a blend needs at least one style image, got " + images);
        }
        if (weights != null && weights.length != 0 && weights.length != images.size()) {
            throw new IllegalArgumentException("a blend needs one weight per style image: " + images.size()
                    + " images, got " + weights.length + " weights");
        }
        List<WeightedStyle> out = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            out.add(new WeightedStyle(images.get(i), weights == null || weights.length == 0 ? 1.0 : weights[i]));
        }
        return List.copyOf(out);
    }
}
