package dev.cnnviz.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The three dataset sources, their views (limit, concat, select) and their errors. */
class DatasetTest {
    private static final InputSpec GREY4 = new InputSpec(1, 4, 3, Layout.NCHW, Preprocessing.unit(ChannelOrder.GREY));

    // ---- IDX ----

    /** Writes {@code n} 4x3 images whose pixel (y, x) of image i is {@code (i * 12 + y * 3 + x) % 256}. */
    private static Path writeIdx(Path dir, int n, int[] labels) throws IOException {
        byte[] pixels = new byte[n * 12];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i % 256);
        }
        Path images = dir.resolve("img.gz");
        writeGzip(images, IdxDataset.IMAGES_MAGIC, new int[] {n, 4, 3}, pixels);
        if (labels != null) {
            byte[] b = new byte[labels.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) labels[i];
            }
            writeGzip(dir.resolve("lab.gz"), IdxDataset.LABELS_MAGIC, new int[] {labels.length}, b);
        }
        return images;
    }

    @Test
    void idxStreamsBatchesForwardAndBackward(@TempDir Path dir) throws IOException {
        Path images = writeIdx(dir, 50, labels(50));
        try (IdxDataset d = IdxDataset.of(images, dir.resolve("lab.gz"), List.of("a", "b", "c"), "toy")) {
            assertEquals(50, d.size());
            assertEquals(List.of("a", "b", "c"), d.classes());
            Batch late = d.read(40, 43);
            Batch early = d.read(2, 4); // backwards: reopens
            assertEquals(List.of("40", "41", "42"), late.ids());
            assertArrayEquals(new int[] {40 % 3, 41 % 3, 42 % 3}, late.labels());
            assertEquals(((40 * 12 + 1 * 3 + 2) % 256), late.images(Preprocessing.unit(ChannelOrder.GREY)).get(0)
                    .getRaster().getSample(2, 1, 0));
            INDArray x = early.toInput(GREY4);
            assertArrayEquals(new long[] {2, 1, 4, 3}, x.shape());
            for (int i = 0; i < 2; i++) {
                for (int y = 0; y < 4; y++) {
                    for (int c = 0; c < 3; c++) {
                        int grey = ((2 + i) * 12 + y * 3 + c) % 256;
                        assertEquals(grey / 255f, x.getFloat(i, 0, y, c), 1e-7f);
                    }
                }
            }
            Batch picked = d.select(33, 5, 33, 49);
            assertEquals(List.of("33", "5", "33", "49"), picked.ids());
            assertArrayEquals(new int[] {33, 5, 33, 49}, picked.indices());
            assertArrayEquals(d.read(5, 6).toInput(GREY4).data().asFloat(),
                    picked.toInput(GREY4).slice(1).dup().data().asFloat());
            List<String> scanned = new ArrayList<>();
            d.forEachBatch(7, b -> scanned.addAll(b.ids()));
            assertEquals(50, scanned.size());
            assertEquals("49", scanned.get(49));
            assertThrows(IllegalArgumentException.class, () -> d.read(45, 51));
            assertThrows(IllegalArgumentException.class, () -> d.select(50));
        }
    }

    private static int[] labels(int n) {
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            l[i] = i % 3;
        }
        return l;
    }

    @Test
    void idxErrorsNameTheFile(@TempDir Path dir) throws IOException {
        Path images = writeIdx(dir, 5, new int[] {0, 1, 2, 0});
        IOException count = assertThrows(IOException.class,
                () -> IdxDataset.of(images, dir.resolve("lab.gz"), List.of(), "x"));
        assertTrue(count.getMessage().contains("lab.gz") && count.getMessage().contains("5 images"),
                count.getMessage());
        IOException label = assertThrows(IOException.class,
                () -> IdxDataset.of(writeIdx(dir, 4, new int[] {0, 1, 7, 0}), dir.resolve("lab.gz"),
                        List.of("a", "b"), "x"));
        assertTrue(label.getMessage().contains("label 7"), label.getMessage());

        Path truncated = dir.resolve("truncated.gz");
        writeGzip(truncated, IdxDataset.IMAGES_MAGIC, new int[] {5, 4, 3}, new byte[30]);
        try (IdxDataset d = IdxDataset.of(truncated, null, List.of(), "t")) {
            assertEquals(List.of(), d.classes());
            assertEquals(Batch.NO_LABEL, d.read(0, 1).label(0));
            IOException e = assertThrows(IOException.class, () -> d.read(0, 5));
            assertTrue(e.getMessage().contains(truncated.toString()) && e.getMessage().contains("truncated"),
                    e.getMessage());
        }
        Path wrongMagic = dir.resolve("magic.gz");
        writeGzip(wrongMagic, IdxDataset.LABELS_MAGIC, new int[] {1}, new byte[1]);
        IOException magic = assertThrows(IOException.class, () -> IdxDataset.of(wrongMagic, null, List.of(), "m"));
        assertTrue(magic.getMessage().contains("magic number is 2049"), magic.getMessage());
        Path plain = dir.resolve("plain.gz");
        Files.write(plain, new byte[] {0, 0, 8, 3, 0, 0, 0, 0});
        IOException gzip = assertThrows(IOException.class, () -> IdxDataset.of(plain, null, List.of(), "p"));
        assertTrue(gzip.getMessage().contains("gzip") && gzip.getMessage().contains(plain.toString()));
        assertThrows(NoSuchFileException.class, () -> IdxDataset.of(dir.resolve("none.gz"), null, List.of(), "n"));
        IOException notFile = assertThrows(IOException.class, () -> IdxDataset.of(dir, null, List.of(), "d"));
        assertTrue(notFile.getMessage().contains("not a regular file"), notFile.getMessage());
        Path huge = dir.resolve("huge.gz");
        writeGzip(huge, IdxDataset.IMAGES_MAGIC, new int[] {1, 100_000, 100_000}, new byte[0]);
        IOException header = assertThrows(IOException.class, () -> IdxDataset.of(huge, null, List.of(), "h"));
        assertTrue(header.getMessage().contains("invalid IDX header"), header.getMessage());
    }

    /** The installed Fashion-MNIST: counts, the known first labels, and the 70,000-image concatenation. */
    @Test
    void fashionMnistWhenInstalled() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(IdxDataset.FASHION_MNIST_DIR),
                "Fashion-MNIST is not installed at " + IdxDataset.FASHION_MNIST_DIR);
        IdxDataset test = IdxDataset.fashionMnist(IdxDataset.FASHION_MNIST_DIR, IdxDataset.Split.TEST);
        assertEquals(10_000, test.size());
        assertEquals(28, test.rows());
        Batch first = test.read(0, 3);
        assertArrayEquals(new int[] {9, 2, 1}, first.labels()); // Ankle boot, Pullover, Trouser
        Dataset all = IdxDataset.fashionMnistAll(IdxDataset.FASHION_MNIST_DIR);
        assertEquals(70_000, all.size());
        Batch across = all.read(59_999, 60_001);
        assertEquals(List.of("Fashion-MNIST train:59999", "Fashion-MNIST test:0"), across.ids());
        assertEquals(9, across.label(1));
        assertArrayEquals(first.toInput(GREY28).slice(0).dup().data().asFloat(),
                across.toInput(GREY28).slice(1).dup().data().asFloat());
        test.close();
    }

    private static final InputSpec GREY28 =
            new InputSpec(1, 28, 28, Layout.NCHW, Preprocessing.unit(ChannelOrder.GREY));

    // ---- image folder ----

    @Test
    void imageFolderLabelsBySubFolderInPathOrder(@TempDir Path dir) throws IOException {
        writePng(dir.resolve("root.png"), 10);
        Files.createDirectories(dir.resolve("dogs/more"));
        Files.createDirectories(dir.resolve("cats"));
        Files.createDirectories(dir.resolve(".hidden"));
        writePng(dir.resolve("dogs/b.png"), 20);
        writePng(dir.resolve("dogs/more/a.PNG"), 30);
        writePng(dir.resolve("cats/z.png"), 40);
        writePng(dir.resolve(".hidden/h.png"), 50);
        Files.writeString(dir.resolve("cats/notes.txt"), "not an image");
        ImageFolder f = ImageFolder.of(dir);
        assertEquals(List.of("cats/z.png", "dogs/b.png", "dogs/more/a.PNG", "root.png"), f.paths());
        assertEquals(List.of("cats", "dogs"), f.classes());
        Batch all = f.read(0, 4);
        assertArrayEquals(new int[] {0, 1, 1, Batch.NO_LABEL}, all.labels());
        assertEquals(f.paths(), all.ids());
        INDArray x = all.toInput(GREY4);
        assertEquals(40 / 255f, x.getFloat(0, 0, 0, 0), 1e-6f);
        assertEquals(10 / 255f, x.getFloat(3, 0, 2, 1), 1e-6f);
        Batch two = f.select(3, 0);
        assertEquals(List.of("root.png", "cats/z.png"), two.ids());
        assertFalse(two.isTensor());
    }

    @Test
    void imageFolderErrors(@TempDir Path dir) throws IOException {
        assertThrows(NoSuchFileException.class, () -> ImageFolder.of(dir.resolve("absent")));
        IOException empty = assertThrows(IOException.class, () -> ImageFolder.of(dir));
        assertTrue(empty.getMessage().contains("no images"), empty.getMessage());
        Path file = dir.resolve("x.png");
        writePng(file, 1);
        IOException notDir = assertThrows(IOException.class, () -> ImageFolder.of(file));
        assertTrue(notDir.getMessage().contains("not a folder"), notDir.getMessage());
        Files.write(dir.resolve("y.png"), new byte[] {1, 2, 3});
        ImageFolder f = ImageFolder.of(dir);
        IOException corrupt = assertThrows(IOException.class, () -> f.read(0, 2));
        assertTrue(corrupt.getMessage().contains("y.png"), corrupt.getMessage());
    }

    // ---- npy ----

    @Test
    void npyBatchesAreSlicesOfTheArray(@TempDir Path dir) throws IOException {
        INDArray a = Nd4j.linspace(0, 1, 5 * 12, DataType.FLOAT).reshape(5, 1, 4, 3);
        Path file = dir.resolve("inputs.npy");
        ImageTensors.writeNpy(a, file);
        NpyDataset d = NpyDataset.of(file).withLabels(new int[] {0, 1, 0, 1, Batch.NO_LABEL}, List.of("p", "q"));
        assertEquals(5, d.size());
        Batch b = d.read(1, 3);
        assertTrue(b.isTensor());
        assertEquals(a.slice(2), b.toInput(GREY4).slice(1));
        assertArrayEquals(new int[] {1, 0}, b.labels());
        assertEquals(a.slice(4), d.select(4, 0).toInput(GREY4).slice(0));
        assertEquals(0, d.read(2, 2).size());
        BufferedImage back = b.images(GREY4.preprocessing()).get(0);
        assertEquals(Math.round(a.getFloat(1, 0, 0, 0) * 255), back.getRaster().getSample(0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> d.withLabels(new int[] {0}, List.of()));
        assertThrows(IllegalArgumentException.class, () -> d.withLabels(new int[] {0, 0, 2, 0, 0}, List.of("p", "q")));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> b.toInput(new InputSpec(3, 4, 3, Layout.NCHW, Preprocessing.unit(ChannelOrder.RGB))));
        assertTrue(shape.getMessage().contains("[2, 1, 4, 3]"), shape.getMessage());

        Path flat = dir.resolve("flat.npy");
        ImageTensors.writeNpy(Nd4j.zeros(DataType.FLOAT, 3, 4), flat);
        IOException rank = assertThrows(IOException.class, () -> NpyDataset.of(flat));
        assertTrue(rank.getMessage().contains("rank-4") && rank.getMessage().contains(flat.toString()));
        Path nan = dir.resolve("nan.npy");
        INDArray withNan = Nd4j.zeros(DataType.FLOAT, 1, 1, 2, 2);
        withNan.putScalar(3, Float.NaN);
        ImageTensors.writeNpy(withNan, nan);
        IOException bad = assertThrows(IOException.class, () -> NpyDataset.of(nan));
        assertTrue(bad.getMessage().contains("NaN"), bad.getMessage());
    }

    // ---- views ----

    @Test
    void limitAndConcat(@TempDir Path dir) throws IOException {
        INDArray a = Nd4j.rand(DataType.FLOAT, 4, 1, 4, 3);
        INDArray b = Nd4j.rand(DataType.FLOAT, 3, 1, 4, 3);
        ImageTensors.writeNpy(a, dir.resolve("a.npy"));
        ImageTensors.writeNpy(b, dir.resolve("b.npy"));
        Dataset c = Dataset.concat(List.of(NpyDataset.of(dir.resolve("a.npy")), NpyDataset.of(dir.resolve("b.npy"))));
        assertEquals(7, c.size());
        Batch mid = c.read(3, 6);
        assertArrayEquals(new int[] {3, 4, 5}, mid.indices());
        assertTrue(mid.id(0).endsWith("a.npy:3") && mid.id(1).endsWith("b.npy:0"), mid.ids().toString());
        assertEquals(a.slice(3), mid.toInput(GREY4).slice(0));
        assertEquals(b.slice(1), mid.toInput(GREY4).slice(2));
        Dataset first5 = c.limit(5);
        assertEquals(5, first5.size());
        assertThrows(IllegalArgumentException.class, () -> first5.read(4, 6));
        assertEquals(b.slice(0), first5.select(4).toInput(GREY4).slice(0));
        assertEquals(c, c.limit(100));
        assertThrows(IllegalArgumentException.class, () -> c.limit(-1));
        assertThrows(IllegalArgumentException.class, () -> c.forEachBatch(0, x -> { }));
        assertThrows(IllegalArgumentException.class, () -> Dataset.concat(List.of()));
        NpyDataset labelled = NpyDataset.of(dir.resolve("b.npy")).withLabels(new int[3], List.of("only"));
        assertThrows(IllegalArgumentException.class,
                () -> Dataset.concat(List.of(NpyDataset.of(dir.resolve("a.npy")), labelled)));
    }

    // ---- augmentation ----

    @Test
    void augmentedCropsAndFlipsAreSeededPerExample(@TempDir Path dir) throws IOException {
        Path images = writeIdx(dir, 40, null);
        try (IdxDataset d = IdxDataset.of(images, null, List.of(), "toy")) {
            Augmented a = Augmented.of(d).withRandomCrop(2, 3).withHorizontalFlip(true).withSeed(7);
            InputSpec crop = new InputSpec(1, 3, 2, Layout.NCHW, Preprocessing.unit(ChannelOrder.GREY));
            INDArray all = a.read(0, 40).toInput(crop);
            assertArrayEquals(new long[] {40, 1, 3, 2}, all.shape());
            INDArray again = a.select(5, 31).toInput(crop);
            assertEquals(all.slice(5), again.slice(0));
            assertEquals(all.slice(31), again.slice(1));
            INDArray source = d.read(0, 40).toInput(GREY4);
            int flipped = 0;
            for (int i = 0; i < 40; i++) {
                int found = window(source.slice(i).slice(0), all.slice(i).slice(0));
                assertTrue(found != 0, "example " + i + " is a window of its image");
                flipped += found < 0 ? 1 : 0;
            }
            assertTrue(flipped > 5 && flipped < 35, flipped + " of 40 mirrored");
            INDArray other = a.withSeed(8).read(0, 40).toInput(crop);
            assertFalse(all.equals(other));

            INDArray tensor = source.dup();
            Path npy = dir.resolve("same.npy");
            ImageTensors.writeNpy(tensor, npy);
            INDArray fromTensor = Augmented.of(NpyDataset.of(npy)).withRandomCrop(2, 3).withHorizontalFlip(true)
                    .withSeed(7).read(0, 40).toInput(crop);
            assertTrue(all.equalsWithEps(fromTensor, 1e-6), "tensor batches are augmented as images are");
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                    () -> Augmented.of(d).withRandomCrop(5, 5).read(0, 1));
            assertTrue(big.getMessage().contains("smaller than the crop"), big.getMessage());
        }
    }

    /** 1 if {@code crop} is a window of {@code image}, -1 if a mirrored one, 0 if neither. */
    private static int window(INDArray image, INDArray crop) {
        int h = (int) crop.size(0);
        int w = (int) crop.size(1);
        for (int y0 = 0; y0 + h <= image.size(0); y0++) {
            for (int x0 = 0; x0 + w <= image.size(1); x0++) {
                boolean plain = true;
                boolean mirror = true;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        float v = crop.getFloat(y, x);
                        plain &= Math.abs(v - image.getFloat(y0 + y, x0 + x)) < 1e-6;
                        mirror &= Math.abs(v - image.getFloat(y0 + y, x0 + w - 1 - x)) < 1e-6;
                    }
                }
                if (plain) {
                    return 1;
                }
                if (mirror) {
                    return -1;
                }
            }
        }
        return 0;
    }

    private static void writePng(Path file, int grey) throws IOException {
        BufferedImage img = new BufferedImage(3, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 3; x++) {
                img.getRaster().setSample(x, y, 0, grey);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    private static void writeGzip(Path file, int magic, int[] header, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int value : header) {
                out.writeInt(value);
            }
            out.write(data);
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(bytes.toByteArray());
        }
    }
}
