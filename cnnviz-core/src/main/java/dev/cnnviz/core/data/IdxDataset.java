package dev.cnnviz.core.data;

import dev.cnnviz.core.MemoryBudget;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Images (and optional labels) in gzip-compressed IDX files, the format of MNIST and Fashion-MNIST, streamed: the
 * images file is decompressed sequentially as batches are read, so a scan holds one batch, however many images the
 * file has. Reading backwards reopens the file; {@link #select} reads its indices in one forward pass.
 *
 * <p>The IDX layout: a big-endian {@code int} magic number ({@value #IMAGES_MAGIC} for unsigned-byte 3-D data,
 * {@value #LABELS_MAGIC} for unsigned-byte 1-D data), the item count, for images the row and column counts, then one
 * unsigned byte per pixel or label. Images come out as 8-bit greyscale {@link BufferedImage}s, so that with
 * {@code Preprocessing.unit(ChannelOrder.GREY)} a model sees each grey level divided by 255, as the embedded
 * Fashion-MNIST model was trained. Ids are the indices in the file, as text.
 *
 * <pre>{@code
 * Dataset test = IdxDataset.fashionMnist(IdxDataset.FASHION_MNIST_DIR, IdxDataset.Split.TEST);   // 10,000 images
 * Dataset all = IdxDataset.fashionMnistAll(IdxDataset.FASHION_MNIST_DIR);                       // 70,000
 * }</pre>
 *
 * <p>Files that are missing, not gzip data, of the wrong magic number, with an invalid header, truncated, or whose
 * label and image counts differ are {@link IOException}s naming the file.
 */
public final class IdxDataset implements Dataset, Closeable {
    /** Where the Debian package {@code dataset-fashion-mnist} installs Fashion-MNIST. */
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** Fashion-MNIST's ten class names, indexed by label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Magic number of an IDX file of unsigned-byte 3-D data (images). */
    public static final int IMAGES_MAGIC = 2051;

    /** Magic number of an IDX file of unsigned-byte 1-D data (labels). */
    public static final int LABELS_MAGIC = 2049;

    /** Fashion-MNIST's two splits. */
    public enum Split {
        /** The 60,000 training images. */
        TRAIN("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        /** The 10,000 test images. */
        TEST("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

        private final String images;
        private final String labels;

        Split(String images, String labels) {
            this.images = images;
            this.labels = labels;
        }

        /** @return the images file name, e.g. {@code t10k-images-idx3-ubyte.gz} */
        public String imagesFile() {
            return images;
        }

        /** @return the labels file name, e.g. {@code t10k-labels-idx1-ubyte.gz} */
        public String labelsFile() {
            return labels;
        }
    }

    /** The largest image accepted, in pixels (as for image files). */
    private static final long MAX_PIXELS = 100_000_000L;

    private final Path imagesFile;
    private final String name;
    private final List<String> classes;
    private final int count;
    private final int rows;
    private final int cols;
    private final int[] labels;

    // The sequential cursor, guarded by this.
    private DataInputStream in;
    private int position;

    private IdxDataset(Path imagesFile, String name, List<String> classes, int count, int rows, int cols,
            int[] labels) {
        this.imagesFile = imagesFile;
        this.name = name;
        this.classes = classes;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.labels = labels;
    }

    /**
     * A Fashion-MNIST split.
     *
     * @param dir   the folder holding the four {@code .gz} files (usually {@link #FASHION_MNIST_DIR})
     * @param split which split
     * @return the dataset, labelled with {@link #FASHION_MNIST_CLASSES}
     * @throws IOException naming the file if one is missing or invalid
     */
    public static IdxDataset fashionMnist(Path dir, Split split) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(split, "split");
        return of(dir.resolve(split.imagesFile()), dir.resolve(split.labelsFile()), FASHION_MNIST_CLASSES,
                "Fashion-MNIST " + split.name().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * All 70,000 Fashion-MNIST images: the training split (indices 0..59,999) then the test split (60,000..69,999).
     *
     * @param dir the folder holding the four {@code .gz} files
     * @return the concatenation, ids {@code "Fashion-MNIST train:123"} and {@code "Fashion-MNIST test:45"}
     * @throws IOException naming the file if one is missing or invalid
     */
    public static Dataset fashionMnistAll(Path dir) throws IOException {
        return Dataset.concat(List.of(fashionMnist(dir, Split.TRAIN), fashionMnist(dir, Split.TEST)));
    }

    /**
     * An IDX images file, optionally with a labels file.
     *
     * @param imagesFile a gzip-compressed IDX file of {@value #IMAGES_MAGIC}
     * @param labelsFile a gzip-compressed IDX file of {@value #LABELS_MAGIC} with as many labels, or null
     * @param classes    the class names, indexed by label (every label must be below its size when it is not
     *                   empty)
     * @param name       a description for messages
     * @return the dataset (the labels are read now; the images as batches are read)
     * @throws IOException naming the file if one is missing or invalid, a label is out of range, or the counts
     *                     differ
     */
    public static IdxDataset of(Path imagesFile, Path labelsFile, List<String> classes, String name)
            throws IOException {
        Objects.requireNonNull(imagesFile, "imagesFile");
        Objects.requireNonNull(classes, "classes");
        Objects.requireNonNull(name, "name");
        int count;
        int rows;
        int cols;
        try (DataInputStream in = open(imagesFile)) {
            int[] header = imageHeader(imagesFile, in);
            count = header[0];
            rows = header[1];
            cols = header[2];
        } catch (EOFException e) {
            throw new IOException(imagesFile + ": truncated IDX file", e);
        } catch (ZipException e) {
            throw new IOException(imagesFile + ": not a gzip-compressed IDX file", e);
        }
        int[] labels = null;
        if (labelsFile != null) {
            labels = readLabels(labelsFile, classes.isEmpty() ? 256 : classes.size(), count);
            if (labels.length != count) {
                throw new IOException(imagesFile + " holds " + count + " images but " + labelsFile + " holds "
                        + labels.length + " labels");
            }
        }
        return new IdxDataset(imagesFile, name, List.copyOf(classes), count, rows, cols, labels);
    }

    /**
     * Reads a gzip-compressed IDX label file whole.
     *
     * @param file    an {@code *-labels-idx1-ubyte.gz} file
     * @param classes labels must be in {@code 0..classes-1}
     * @return the labels
     * @throws IOException naming {@code file} if it is missing, not gzip, has a magic number other than
     *                     {@value #LABELS_MAGIC}, is truncated or holds a label out of range
     */
    public static int[] readLabels(Path file, int classes) throws IOException {
        return readLabels(file, classes, -1);
    }

    private static int[] readLabels(Path file, int classes, int expectedCount) throws IOException {
        if (classes < 1 || classes > 256) {
            throw new IllegalArgumentException("classes must be in 1..256, found " + classes);
        }
        try (DataInputStream in = open(file)) {
            checkMagic(file, in.readInt(), LABELS_MAGIC);
            int n = in.readInt();
            if (n < 0) {
                throw new IOException(file + ": invalid IDX header (count=" + n + ")");
            }
            if (expectedCount >= 0 && n != expectedCount) {
                throw new IOException(file + " holds " + n + " labels but the images file holds "
                        + expectedCount + " images");
            }
            MemoryBudget.defaultBudget().check("the " + n + " labels of " + file, MemoryBudget.bytesOf(5, n));
            byte[] bytes = new byte[n];
            in.readFully(bytes);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = bytes[i] & 0xFF;
                if (labels[i] >= classes) {
                    throw new IOException(file + ": label " + labels[i] + " at index " + i + " is outside 0.."
                            + (classes - 1));
                }
            }
            return labels;
        } catch (EOFException e) {
            throw new IOException(file + ": truncated IDX file", e);
        } catch (ZipException e) {
            throw new IOException(file + ": not a gzip-compressed IDX file", e);
        }
    }

    /** @return the images file */
    public Path imagesFile() {
        return imagesFile;
    }

    /** @return the image height */
    public int rows() {
        return rows;
    }

    /** @return the image width */
    public int cols() {
        return cols;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public List<String> classes() {
        return labels == null ? List.of() : classes;
    }

    /**
     * @return the labels of all images (a copy), or an empty array if the dataset has no labels file
     */
    public int[] labels() {
        return labels == null ? new int[0] : labels.clone();
    }

    @Override
    public Batch read(int from, int to) throws IOException {
        byte[] pixels = readPixels(from, to);
        int n = to - from;
        int plane = rows * cols;
        int[] idx = new int[n];
        List<String> ids = new ArrayList<>(n);
        int[] lab = new int[n];
        List<BufferedImage> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            idx[i] = from + i;
            ids.add(Integer.toString(from + i));
            lab[i] = labels == null ? Batch.NO_LABEL : labels[from + i];
            BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setDataElements(0, 0, cols, rows, java.util.Arrays.copyOfRange(pixels, i * plane,
                    (i + 1) * plane));
            images.add(img);
        }
        return Batch.ofImages(idx, ids, lab, images);
    }

    /**
     * The raw grey levels of images {@code from..to-1}, image after image, row-major: {@code (to - from) * rows *
     * cols} unsigned bytes.
     *
     * @param from the first image
     * @param to   one past the last
     * @return the bytes
     * @throws IllegalArgumentException if the range is outside {@code 0..size()}; a
     *                                  {@link dev.cnnviz.api.ResourceLimitException} if it exceeds the memory
     *                                  budget or one Java array
     * @throws IOException              naming the file if it is truncated or unreadable
     */
    public synchronized byte[] readPixels(int from, int to) throws IOException {
        Batches.checkRange(from, to, count, name);
        int plane = rows * cols;
        long bytes = MemoryBudget.bytesOf(1, to - from, plane);
        MemoryBudget.defaultBudget().check("a batch of " + (to - from) + " " + rows + "x" + cols + " IDX images",
                MemoryBudget.saturatedAdd(bytes, bytes), "read fewer images at a time");
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a batch of " + (to - from) + " " + rows + "x" + cols
                    + " images does not fit one Java array; read fewer images at a time");
        }
        byte[] out = new byte[(int) bytes];
        try {
            if (in == null || position > from) {
                reopen();
            }
            in.skipNBytes((long) (from - position) * plane);
            position = from;
            in.readFully(out);
            position = to;
            if (position == count) {
                close();
            }
        } catch (EOFException e) {
            close();
            throw new IOException(imagesFile + ": truncated IDX file (it ends before image " + (to - 1)
                    + " of the " + count + " its header promises)", e);
        } catch (ZipException e) {
            close();
            throw new IOException(imagesFile + ": corrupt gzip data", e);
        } catch (IOException e) {
            close();
            throw e;
        }
        return out;
    }

    private void reopen() throws IOException {
        close();
        DataInputStream s = open(imagesFile);
        try {
            int[] header = imageHeader(imagesFile, s);
            if (header[0] != count || header[1] != rows || header[2] != cols) {
                throw new IOException(imagesFile + ": the file changed while it was read");
            }
        } catch (IOException e) {
            s.close();
            throw e;
        }
        in = s;
        position = 0;
    }

    /** Closes the file if a scan left it open; a later read reopens it. */
    @Override
    public synchronized void close() {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // Closing a file opened for reading: nothing was written, nothing can be lost.
            }
            in = null;
        }
    }

    private static int[] imageHeader(Path file, DataInputStream in) throws IOException {
        checkMagic(file, in.readInt(), IMAGES_MAGIC);
        int n = in.readInt();
        int rows = in.readInt();
        int cols = in.readInt();
        if (n < 0 || rows <= 0 || cols <= 0 || (long) rows * cols > MAX_PIXELS) {
            throw new IOException(file + ": invalid IDX header (count=" + n + ", rows=" + rows + ", cols=" + cols
                    + "; images of at most " + MAX_PIXELS + " pixels)");
        }
        return new int[] {n, rows, cols};
    }

    private static DataInputStream open(Path file) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file");
        }
        InputStream raw;
        try {
            raw = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null,
                    "IDX file not found (for Fashion-MNIST, install the Debian package dataset-fashion-mnist"
                            + " or pass the directory holding the files)");
        }
        try {
            return new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
        } catch (IOException e) {
            raw.close();
            throw new IOException(file + ": not a gzip-compressed IDX file", e);
        }
    }

    private static void checkMagic(Path file, int actual, int expected) throws IOException {
        if (actual != expected) {
            throw new IOException(file + ": IDX magic number is " + actual + ", expected " + expected
                    + (expected == IMAGES_MAGIC ? " (images)" : " (labels)"));
        }
    }
}
