package dev.cnnviz.core.featurevis;

import java.util.SplittableRandom;

/**
 * Brings every image to a fixed size by a centred crop or a centred zero pad in each direction (Lucid's
 * {@code transform.crop_or_pad_to}, {@code tf.image.resize_image_with_crop_or_pad}: the offset is
 * {@code (larger - smaller) / 2}, rounded down). No randomness. {@link StandardTransforms} ends with one, back to
 * the size the chain started from.
 * <pre>{@code
 * ImageTransform toModel = CropOrPad.to(224, 224);
 * }</pre>
 */
public final class CropOrPad implements ImageTransform {
    private final int height;
    private final int width;

    private CropOrPad(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("the target size must be positive, found " + height + "x" + width);
        }
        this.height = height;
        this.width = width;
    }

    /** @return a centred crop or zero pad to {@code height x width} */
    public static CropOrPad to(int height, int width) {
        return new CropOrPad(height, width);
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return Flat.withSize(Flat.imageShape(inputShape), height, width);
    }

    @Override
    public Sampled sample(SplittableRandom rng, long[] inputShape) {
        Flat.checkRng(rng);
        long[] out = outputShape(inputShape);
        int h = (int) inputShape[2];
        int w = (int) inputShape[3];
        Separable s = new Separable(inputShape, out, 0, toString(), (r, t) -> {
            centre(t.rows, h);
            centre(t.cols, w);
        });
        s.redraw(rng);
        return s;
    }

    private static void centre(int[] map, int size) {
        int shift = map.length <= size ? (size - map.length) / 2 : -((map.length - size) / 2);
        for (int i = 0; i < map.length; i++) {
            int src = i + shift;
            map[i] = src >= 0 && src < size ? src : -1;
        }
    }

    @Override
    public String toString() {
        return "cropOrPad(" + height + "x" + width + ")";
    }
}
