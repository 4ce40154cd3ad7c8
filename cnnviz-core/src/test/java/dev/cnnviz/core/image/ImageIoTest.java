package dev.cnnviz.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageIoTest {
    @TempDir
    Path dir;

    private static BufferedImage randomRgb(int w, int h, long seed) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rnd.nextInt(0x1000000));
            }
        }
        return img;
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void pngRoundTripIsExactAndCreatesDirectories() throws IOException {
        BufferedImage img = randomRgb(17, 9, 1);
        Path file = dir.resolve("a/b/c/img.png");
        ImageIo.writePng(img, file);
        assertTrue(Files.isRegularFile(file));
        BufferedImage back = ImageIo.read(file);
        assertEquals(BufferedImage.TYPE_INT_RGB, back.getType());
        assertArrayEquals(pixels(img), pixels(back));
        ImageIo.writePng(randomRgb(3, 3, 2), file); // replaces
        assertEquals(3, ImageIo.read(file).getWidth());
    }

    @Test
    void jpegIsReadAsRgb() throws IOException {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, 0x3070B0);
            }
        }
        Path file = dir.resolve("flat.jpg");
        assertTrue(ImageIO.write(img, "jpg", file.toFile()));
        BufferedImage back = ImageIo.read(file);
        assertEquals(BufferedImage.TYPE_INT_RGB, back.getType());
        int p = back.getRGB(8, 8);
        assertTrue(Math.abs(((p >> 16) & 0xFF) - 0x30) <= 3 && Math.abs(((p >> 8) & 0xFF) - 0x70) <= 3
                && Math.abs((p & 0xFF) - 0xB0) <= 3, Integer.toHexString(p));
    }

    @Test
    void greyPngKeepsItsRawSampleValues() throws IOException {
        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 128, 255});
        Path file = dir.resolve("grey.png");
        ImageIo.writePng(grey, file);
        BufferedImage back = ImageIo.read(file);
        assertEquals(BufferedImage.TYPE_INT_RGB, back.getType());
        assertEquals(0x000000, back.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x808080, back.getRGB(1, 0) & 0xFFFFFF); // not Java's gamma-converted 0xC0C0C0-ish value
        assertEquals(0xFFFFFF, back.getRGB(2, 0) & 0xFFFFFF);

        BufferedImage grey16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSamples(0, 0, 2, 1, 0, new int[] {0x8080, 65535});
        BufferedImage rgb16 = ImageIo.toRgb(grey16);
        assertEquals(0x808080, rgb16.getRGB(0, 0) & 0xFFFFFF); // round(32896 * 255 / 65535) = 128
        assertEquals(0xFFFFFF, rgb16.getRGB(1, 0) & 0xFFFFFF);
    }

    @Test
    void alphaIsCompositedOnWhite() throws IOException {
        BufferedImage argb = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00FF0000); // transparent red
        argb.setRGB(1, 0, 0x80FF0000); // half red: g = b = 255 * (1 - 128/255) = 127
        argb.setRGB(2, 0, 0xFF123456); // opaque
        Path file = dir.resolve("alpha.png");
        ImageIo.writePng(argb, file);
        BufferedImage back = ImageIo.read(file);
        assertEquals(BufferedImage.TYPE_INT_RGB, back.getType());
        assertEquals(0xFFFFFF, back.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0xFF7F7F, back.getRGB(1, 0) & 0xFFFFFF);
        assertEquals(0x123456, back.getRGB(2, 0) & 0xFFFFFF);
    }

    @Test
    void greyWithAlphaIsCompositedOnWhiteByRawSamples() throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster raster = cm.createCompatibleWritableRaster(2, 1);
        raster.setPixel(0, 0, new int[] {0, 0});      // transparent black -> white
        raster.setPixel(1, 0, new int[] {100, 255});  // opaque grey 100
        BufferedImage ga = new BufferedImage(cm, raster, false, null);
        Path file = dir.resolve("ga.png");
        ImageIo.writePng(ga, file);
        BufferedImage back = ImageIo.read(file);
        assertEquals(0xFFFFFF, back.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x646464, back.getRGB(1, 0) & 0xFFFFFF);
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("nope.png");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ImageIo.read(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void emptyFileIsNamed() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.jpg"));
        IOException e = assertThrows(IOException.class, () -> ImageIo.read(empty));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void unknownFormatGetsAClearMessage() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.png"), "hello, I am not a picture");
        IOException e = assertThrows(IOException.class, () -> ImageIo.read(text));
        assertTrue(e.getMessage().contains(text.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not an image format ImageIO can decode"), e.getMessage());
        assertTrue(e.getMessage().contains("\"hello, I\""), e.getMessage());
    }

    @Test
    void corruptPngIsAnIoExceptionNamingTheFile() throws IOException {
        Path good = dir.resolve("good.png");
        ImageIo.writePng(randomRgb(64, 64, 3), good);
        byte[] bytes = Files.readAllBytes(good);
        Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class, () -> ImageIo.read(cut));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    }

    @Test
    void directoryIsRejected() {
        IOException e = assertThrows(IOException.class, () -> ImageIo.read(dir));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void readsFromAStreamWithAName() throws IOException {
        IOException e = assertThrows(IOException.class,
                () -> ImageIo.read(new ByteArrayInputStream("xyz".getBytes(StandardCharsets.US_ASCII)), "res.png"));
        assertTrue(e.getMessage().contains("res.png"), e.getMessage());
        Path file = dir.resolve("s.png");
        BufferedImage img = randomRgb(5, 4, 4);
        ImageIo.writePng(img, file);
        assertArrayEquals(pixels(img), pixels(ImageIo.read(new ByteArrayInputStream(Files.readAllBytes(file)), "s")));
    }

    @Test
    void toRgbAlwaysCopies() {
        BufferedImage img = randomRgb(2, 2, 5);
        BufferedImage copy = ImageIo.toRgb(img);
        assertTrue(copy != img);
        assertArrayEquals(pixels(img), pixels(copy));
    }

    // ------------------------------------------------------------------------------------ untrusted input

    private static IOException readFails(Path file) {
        IOException e = assertThrows(IOException.class, () -> ImageIo.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return e;
    }

    private static Path jpeg(Path file, BufferedImage img) throws IOException {
        assertTrue(ImageIO.write(img, "jpg", file.toFile()));
        return file;
    }

    @Test
    void devZeroIsRefusedAsADeviceInsteadOfReadUntilMemoryRunsOut() {
        Path zero = Path.of("/dev/zero");
        Assumptions.assumeTrue(Files.exists(zero), "no /dev/zero on this system");
        IOException e = readFails(zero);
        assertTrue(e.getMessage().contains("character device") && e.getMessage().contains("not a regular file"),
                e.getMessage());
    }

    @Test
    void procFilesAndFifosAreRefused() throws Exception {
        Path status = Path.of("/proc/self/status");
        Assumptions.assumeTrue(Files.isRegularFile(status), "no /proc on this system");
        IOException e = readFails(status);
        assertTrue(e.getMessage().contains("proc") && e.getMessage().contains("not a regular file"), e.getMessage());
        Path fifo = dir.resolve("pipe.png");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(mkfifo.waitFor() == 0 && Files.exists(fifo), "mkfifo is not available");
        e = readFails(fifo); // without the check, reading would block until a writer comes
        assertTrue(e.getMessage().contains("FIFO"), e.getMessage());
    }

    @Test
    void filesAndStreamsLargerThanTheLimitAreRefusedBeforeDecoding() throws IOException {
        Path file = dir.resolve("big.png");
        ImageIo.writePng(randomRgb(64, 64, 9), file);
        long size = Files.size(file);
        IOException e = assertThrows(IOException.class, () -> ImageIo.read(file, size - 1, ImageIo.DEFAULT_MAX_PIXELS));
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()) && m.contains("limit of ") && m.contains("(" + (size - 1) + " bytes)"),
                m);
        assertEquals(64, ImageIo.read(file, size, ImageIo.DEFAULT_MAX_PIXELS).getWidth());
        assertEquals(256L << 20, ImageIo.DEFAULT_MAX_FILE_BYTES);

        // An endless stream is read no further than the limit plus one byte.
        long[] served = {0};
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                served[0]++;
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                Arrays.fill(b, off, off + len, (byte) 0);
                served[0] += len;
                return len;
            }
        };
        e = assertThrows(IOException.class, () -> ImageIo.read(endless, "endless", 1000, 100));
        assertTrue(e.getMessage().contains("endless") && e.getMessage().contains("limit of 1000 bytes"),
                e.getMessage());
        assertEquals(1001, served[0]);
        assertThrows(IllegalArgumentException.class, () -> ImageIo.read(file, 0, 100));
        assertThrows(IllegalArgumentException.class, () -> ImageIo.read(file, 1000, 1L << 32));
    }

    /** A PNG of a given declared size: signature, IHDR (8-bit RGB), one tiny IDAT, IEND; only the header is real. */
    private static byte[] pngHeader(int width, int height) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    @Test
    void aHugeDeclaredImageIsRefusedFromItsHeaderBeforeDecoding() throws IOException {
        // A PNG declaring 100000 x 100000 pixels (30 GB decoded) in 67 bytes.
        Path bomb = Files.write(dir.resolve("bomb.png"), pngHeader(100_000, 100_000));
        IOException e = readFails(bomb);
        assertTrue(e.getMessage().contains("100000x100000") && e.getMessage().contains("limit of 100000000"),
                e.getMessage());

        // A real JPEG whose frame header is patched to 65000 x 65000: libjpeg would allocate for all of it.
        byte[] jpg = Files.readAllBytes(jpeg(dir.resolve("small.jpg"), randomRgb(32, 32, 8)));
        int sof = -1;
        for (int i = 0; i + 1 < jpg.length; i++) {
            if ((jpg[i] & 0xFF) == 0xFF && (jpg[i + 1] & 0xFF) == 0xC0) {
                sof = i;
                break;
            }
        }
        assertTrue(sof > 0, "a baseline JPEG has an SOF0 marker");
        jpg[sof + 5] = (byte) 0xFD; // height 0xFDE8 = 65000
        jpg[sof + 6] = (byte) 0xE8;
        jpg[sof + 7] = (byte) 0xFD; // width
        jpg[sof + 8] = (byte) 0xE8;
        Path jpegBomb = Files.write(dir.resolve("bomb.jpg"), jpg);
        e = readFails(jpegBomb);
        assertTrue(e.getMessage().contains("65000x65000"), e.getMessage());

        // The limit is a parameter: a 64 x 64 image is refused under a 4000-pixel limit, read under 4096.
        Path small = dir.resolve("small.png");
        ImageIo.writePng(randomRgb(64, 64, 10), small);
        e = assertThrows(IOException.class, () -> ImageIo.read(small, ImageIo.DEFAULT_MAX_FILE_BYTES, 4000));
        assertTrue(e.getMessage().contains("64x64 = 4096 pixels"), e.getMessage());
        assertEquals(64, ImageIo.read(small, ImageIo.DEFAULT_MAX_FILE_BYTES, 4096).getHeight());
    }

    @Test
    void aTruncatedJpegIsAnErrorNotAGreyFilledPicture() throws IOException {
        byte[] whole = Files.readAllBytes(jpeg(dir.resolve("whole.jpg"), randomRgb(200, 160, 11)));
        for (double fraction : new double[] {0.05, 0.5, 0.95}) {
            Path cut = Files.write(dir.resolve("cut-" + fraction + ".jpg"),
                    Arrays.copyOf(whole, (int) (whole.length * fraction)));
            IOException e = readFails(cut);
            assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
        }
    }

    @Test
    void theSharedCatJpegCutTo5And50PercentIsRefused() throws IOException {
        Path cat = SharedData.require("images/cat.jpg");
        byte[] whole = Files.readAllBytes(cat);
        for (int percent : new int[] {5, 50}) {
            Path cut = Files.write(dir.resolve("cat-" + percent + ".jpg"),
                    Arrays.copyOf(whole, whole.length * percent / 100));
            IOException e = readFails(cut);
            assertTrue(e.getMessage().contains("Premature end") || e.getMessage().contains("Missing EOI")
                    || e.getMessage().contains("premature end"), e.getMessage());
        }
    }

    @Test
    void aTruncatedPngIsAnError() throws IOException {
        Path good = dir.resolve("whole.png");
        ImageIo.writePng(randomRgb(120, 90, 12), good);
        byte[] whole = Files.readAllBytes(good);
        // 5%, half, all but the IEND chunk (12 bytes) and all but the last byte
        for (int length : new int[] {whole.length / 20, whole.length / 2, whole.length - 12, whole.length - 1}) {
            Path cut = Files.write(dir.resolve("cut-" + length + ".png"), Arrays.copyOf(whole, length));
            IOException e = readFails(cut);
            assertTrue(e.getMessage().contains("PNG"), e.getMessage());
        }
    }

    @Test
    void theSharedImagesReadCleanlyAtTheirDecodedSize() throws IOException {
        Path images = SharedData.root().resolve("images");
        List<Path> files;
        try (Stream<Path> s = Files.list(images)) {
            files = s.filter(p -> p.toString().matches(".*\\.(jpg|png)")).sorted().toList();
        }
        assertTrue(files.size() >= 10, "shared images: " + files);
        for (Path f : files) {
            BufferedImage plain = ImageIO.read(f.toFile());
            BufferedImage img = ImageIo.read(f);
            assertEquals(plain.getWidth(), img.getWidth(), f.toString());
            assertEquals(plain.getHeight(), img.getHeight(), f.toString());
        }
    }

    @Test
    void writePngRefusesANameThatSaysAnotherFormat() throws IOException {
        Path photo = jpeg(dir.resolve("photo.jpg"), randomRgb(16, 16, 13));
        byte[] before = Files.readAllBytes(photo);
        for (String name : new String[] {"photo.jpg", "photo.jpeg", "photo", "photo.png.gif"}) {
            Path target = dir.resolve(name);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ImageIo.writePng(randomRgb(4, 4, 14), target));
            assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains(".png"), e.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(photo), "the JPEG is left as it was");
        assertFalse(Files.exists(dir.resolve("photo")));
        ImageIo.writePng(randomRgb(4, 4, 15), dir.resolve("UPPER.PNG"));
        assertEquals(4, ImageIo.read(dir.resolve("UPPER.PNG")).getWidth());
    }

    @Test
    void aFullyTransparentPixelIsWhiteWhateverItsColour() throws IOException {
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00000000); // transparent black
        argb.setRGB(1, 0, 0x4000FF00); // a quarter green: r = b = round(255 * 0.749) = 191, g = 255
        Path file = dir.resolve("clear.png");
        ImageIo.writePng(argb, file);
        BufferedImage back = ImageIo.read(file);
        assertEquals(0xFFFFFF, back.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0xBFFFBF, back.getRGB(1, 0) & 0xFFFFFF);
    }
}
