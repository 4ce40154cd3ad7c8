package dev.cnnviz.examples.train;

import dev.cnnviz.core.data.IdxDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reader for the Fashion-MNIST data set (Zalando Research, MIT licence) in its original
 * gzip-compressed IDX format, as installed by the Debian package {@code dataset-fashion-mnist}
 * under {@link #DEFAULT_DIR}.
 *
 * <p>Images are returned as {@code float[N][1][rows][cols]} (NCHW with one channel), each pixel
 * scaled from {@code 0..255} to {@code 0..1} by dividing by 255; labels are returned as class
 * indices into {@link #LABELS}. The IDX layout is: a big-endian {@code int} magic number
 * ({@value #IMAGES_MAGIC} for images, {@value #LABELS_MAGIC} for labels), the item count, for
 * images the row and column counts, then one unsigned byte per pixel or label.
 *
 * <p>All methods throw an {@link IOException} whose message names the offending file when a file
 * is missing, is not gzip data, has the wrong magic number or is truncated.
 */
public final class FashionMnist {

    /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
    public static final Path DEFAULT_DIR = IdxDataset.FASHION_MNIST_DIR;

    /** The ten class names, indexed by label. */
    public static final List<String> LABELS = IdxDataset.FASHION_MNIST_CLASSES;

    /** Magic number of an IDX file of unsigned-byte 3-D data (images). */
    public static final int IMAGES_MAGIC = IdxDataset.IMAGES_MAGIC;

    /** Magic number of an IDX file of unsigned-byte 1-D data (labels). */
    public static final int LABELS_MAGIC = IdxDataset.LABELS_MAGIC;

    /** File names of the 60,000-image training split. */
    private static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    private static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";

    /** File names of the 10,000-image test split. */
    private static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    private static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";

    private FashionMnist() {
    }

    /**
     * One split of the data set: images with their labels.
     *
     * @param images {@code float[N][1][rows][cols]}, values in {@code 0..1}
     * @param labels {@code N} class indices in {@code 0..9}
     */
    public record Split(float[][][][] images, int[] labels) {

        /**
         * Checks that images and labels have the same count.
         *
         * @throws IllegalArgumentException if the counts differ
         */
        public Split {
            if (images.length != labels.length) {
                throw new IllegalArgumentException(
                        images.length + " images but " + labels.length + " labels");
            }
        }

        /** @return the number of examples */
        public int size() {
            return labels.length;
        }

        /**
         * @param n how many, at least 1
         * @return the first {@code min(n, size())} examples (the arrays are shared, not copied)
         * @throws IllegalArgumentException if {@code n < 1}
         */
        public Split first(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("a split needs at least one example, found " + n);
            }
            int k = Math.min(n, size());
            return new Split(java.util.Arrays.copyOf(images, k), java.util.Arrays.copyOf(labels, k));
        }

        /**
         * The same images with their labels randomly permuted (a Fisher–Yates shuffle seeded by {@code seed}): the data
         * of Adebayo et al.'s data-randomisation test, where a network can only memorise.
         *
         * @return a split sharing the images, with permuted labels
         */
        public Split withShuffledLabels(long seed) {
            int[] l = labels.clone();
            java.util.Random r = new java.util.Random(seed);
            for (int i = l.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = l[i];
                l[i] = l[j];
                l[j] = t;
            }
            return new Split(images, l);
        }
    }

    /**
     * Loads the 60,000 training examples from {@code dir}.
     *
     * @param dir directory holding {@code train-images-idx3-ubyte.gz} and
     *            {@code train-labels-idx1-ubyte.gz}
     * @return the training split
     * @throws IOException if a file is missing or corrupt, or the counts differ
     */
    public static Split loadTrain(Path dir) throws IOException {
        return load(dir.resolve(TRAIN_IMAGES), dir.resolve(TRAIN_LABELS));
    }

    /**
     * Loads the 10,000 test examples from {@code dir}.
     *
     * @param dir directory holding {@code t10k-images-idx3-ubyte.gz} and
     *            {@code t10k-labels-idx1-ubyte.gz}
     * @return the test split
     * @throws IOException if a file is missing or corrupt, or the counts differ
     */
    public static Split loadTest(Path dir) throws IOException {
        return load(dir.resolve(TEST_IMAGES), dir.resolve(TEST_LABELS));
    }

    private static Split load(Path imagesFile, Path labelsFile) throws IOException {
        float[][][][] images = readImages(imagesFile);
        int[] labels = readLabels(labelsFile);
        if (images.length != labels.length) {
            throw new IOException(imagesFile + " holds " + images.length + " images but "
                    + labelsFile + " holds " + labels.length + " labels");
        }
        return new Split(images, labels);
    }

    /**
     * Reads a gzip-compressed IDX image file whole (through {@link IdxDataset}, which streams it; a scan that need
     * not hold every image should use {@link IdxDataset#fashionMnist} instead).
     *
     * @param file an {@code *-images-idx3-ubyte.gz} file
     * @return {@code float[N][1][rows][cols]}, each pixel divided by 255
     * @throws IOException naming {@code file} if it is missing, not gzip, has a magic number other
     *                     than {@value #IMAGES_MAGIC}, has non-positive dimensions or is truncated
     */
    public static float[][][][] readImages(Path file) throws IOException {
        try (IdxDataset idx = IdxDataset.of(file, null, List.of(), file.toString())) {
            int count = idx.size();
            int rows = idx.rows();
            int cols = idx.cols();
            float[][][][] images = new float[count][1][rows][cols];
            int chunk = 1000;
            for (int from = 0; from < count; from += chunk) {
                int to = Math.min(count, from + chunk);
                byte[] pixels = idx.readPixels(from, to);
                int p = 0;
                for (int n = from; n < to; n++) {
                    for (int y = 0; y < rows; y++) {
                        float[] row = images[n][0][y];
                        for (int x = 0; x < cols; x++) {
                            row[x] = (pixels[p++] & 0xFF) / 255f;
                        }
                    }
                }
            }
            return images;
        }
    }

    /**
     * Reads a gzip-compressed IDX label file (through {@link IdxDataset#readLabels}).
     *
     * @param file an {@code *-labels-idx1-ubyte.gz} file
     * @return the labels, each in {@code 0..9}
     * @throws IOException naming {@code file} if it is missing, not gzip, has a magic number other
     *                     than {@value #LABELS_MAGIC}, is truncated or holds a label outside
     *                     {@code 0..9}
     */
    public static int[] readLabels(Path file) throws IOException {
        return IdxDataset.readLabels(file, LABELS.size());
    }

    /**
     * Converts a pixel scaled by {@link #readImages} back to its original byte value.
     *
     * @param value a pixel value in {@code 0..1}
     * @return the grey level in {@code 0..255}
     */
    public static int toGreyLevel(float value) {
        return Math.max(0, Math.min(255, Math.round(value * 255f)));
    }
}
