package dev.cnnviz.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
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
}
