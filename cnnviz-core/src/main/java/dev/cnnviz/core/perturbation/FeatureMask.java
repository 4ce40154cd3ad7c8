package dev.cnnviz.core.perturbation;

import dev.cnnviz.core.image.ImageTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A feature mask: one integer label per pixel of an {@code H × W} input, saying which pixels are switched on and
 * off together by the perturbation methods (Captum's {@code feature_mask}). Labels are renumbered to
 * {@code 0 .. count()-1} in increasing order of the labels given, so a mask with labels {@code {3, 7, 7, 9}} has
 * three features.
 *
 * <pre>{@code
 * FeatureMask grid = FeatureMask.grid(224, 224, 16);            // 14 x 14 = 196 patches
 * FeatureMask own = FeatureMask.readNpy(Path.of("mask.npy"), 224, 224);
 * int f = grid.label(100, 37);                                  // feature of pixel (y = 100, x = 37)
 * }</pre>
 */
public final class FeatureMask {
    private final int height;
    private final int width;
    private final int[] labels;
    private final int count;

    private FeatureMask(int height, int width, int[] labels, int count) {
        this.height = height;
        this.width = width;
        this.labels = labels;
        this.count = count;
    }

    /**
     * A mask from labels, row-major; any integers, renumbered to {@code 0..count()-1}.
     *
     * @throws IllegalArgumentException if {@code labels} is null or empty, or its length is not {@code height × width}
     */
    public static FeatureMask of(int[] labels, int height, int width) {
        if (labels == null || labels.length == 0) {
            throw new IllegalArgumentException("a feature mask needs at least one pixel, found an empty mask");
        }
        if (height < 1 || width < 1 || (long) height * width != labels.length) {
            throw new IllegalArgumentException("a feature mask of " + labels.length + " labels does not fit an input of "
                    + height + " x " + width + " pixels");
        }
        int[] sorted = labels.clone();
        Arrays.sort(sorted);
        int distinct = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[distinct++] = sorted[i];
            }
        }
        int[] unique = Arrays.copyOf(sorted, distinct);
        int[] out = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = Arrays.binarySearch(unique, labels[i]);
        }
        return new FeatureMask(height, width, out, distinct);
    }

    /**
     * A grid of square patches of {@code patch × patch} pixels (the last row and column of patches may be smaller),
     * numbered row by row.
     *
     * @throws IllegalArgumentException if a size is below 1 (a patch larger than the input is one feature)
     */
    public static FeatureMask grid(int height, int width, int patch) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("a feature mask needs at least one pixel, found " + height + " x " + width);
        }
        if (patch < 1) {
            throw new IllegalArgumentException("grid patches must be at least 1 pixel, found " + patch);
        }
        int cols = (width + patch - 1) / patch;
        int[] l = new int[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                l[y * width + x] = (y / patch) * cols + x / patch;
            }
        }
        return of(l, height, width);
    }

    /**
     * Reads a mask from a {@code .npy} file holding an {@code [H, W]} (or {@code [1, H, W]}) array of integers (any
     * numeric type whose values are whole numbers).
     *
     * @throws IOException              naming the file if it cannot be read, or its values are not whole numbers
     * @throws IllegalArgumentException if its shape does not match {@code height × width}
     */
    public static FeatureMask readNpy(Path file, int height, int width) throws IOException {
        long[] shape;
        double[] values;
        try (INDArray a = ImageTensors.readNpy(file)) {
            shape = a.shape();
            values = a.rank() == 0 ? new double[0] : a.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
        }
        boolean hw = shape.length == 2 || (shape.length == 3 && shape[0] == 1);
        long h = hw ? shape[shape.length - 2] : -1;
        long w = hw ? shape[shape.length - 1] : -1;
        if (!hw || h != height || w != width) {
            throw new IllegalArgumentException("the feature mask " + file + " has shape " + Arrays.toString(shape)
                    + " but the model's input needs [H, W] = [" + height + ", " + width + "]");
        }
        int[] l = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (!(v == Math.rint(v)) || Math.abs(v) > Integer.MAX_VALUE) {
                throw new IOException(file + ": a feature mask must hold whole numbers, found " + v + " at element " + i);
            }
            l[i] = (int) v;
        }
        return of(l, height, width);
    }

    /** @return the height in pixels */
    public int height() {
        return height;
    }

    /** @return the width in pixels */
    public int width() {
        return width;
    }

    /** @return the number of features (distinct labels) */
    public int count() {
        return count;
    }

    /** @return the feature of pixel {@code (y, x)} */
    public int label(int y, int x) {
        return labels[y * width + x];
    }

    /** @return the labels {@code 0..count()-1}, row-major (a copy) */
    public int[] labels() {
        return labels.clone();
    }

    /** The labels without a copy, for the methods of this package. */
    int[] labelsView() {
        return labels;
    }

    /** @return the number of pixels of each feature */
    public int[] sizes() {
        int[] s = new int[count];
        for (int l : labels) {
            s[l]++;
        }
        return s;
    }

    /**
     * Maps one value per feature back to pixels.
     *
     * @param perFeature {@code count()} values
     * @return {@code height × width} values, row-major
     * @throws IllegalArgumentException if the number of values is not {@link #count()}
     */
    public float[] toPixels(double[] perFeature) {
        if (perFeature.length != count) {
            throw new IllegalArgumentException("expected one value per feature (" + count + "), found " + perFeature.length);
        }
        float[] out = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = (float) perFeature[labels[i]];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureMask m && m.height == height && m.width == width && Arrays.equals(m.labels, labels);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(labels) * 31 + height;
    }

    @Override
    public String toString() {
        return "FeatureMask[" + height + "x" + width + ", " + count + " features]";
    }
}
