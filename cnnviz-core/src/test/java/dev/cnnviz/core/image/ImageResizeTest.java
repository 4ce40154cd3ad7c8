package dev.cnnviz.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class ImageResizeTest {

    /** One-channel float image from rows. */
    private static float[] plane(float[][] rows) {
        int h = rows.length;
        int w = rows[0].length;
        float[] p = new float[h * w];
        for (int y = 0; y < h; y++) {
            System.arraycopy(rows[y], 0, p, y * w, w);
        }
        return p;
    }

    static BufferedImage rgbImage(int[][] red, int[][] green, int[][] blue) {
        int h = red.length;
        int w = red[0].length;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (red[y][x] << 16) | (green[y][x] << 8) | blue[y][x]);
            }
        }
        return img;
    }

    private static int channel(BufferedImage img, int x, int y, int shift) {
        return (img.getRGB(x, y) >> shift) & 0xFF;
    }

    @Test
    void upscale2x2To4x4GivesHalfPixelValues() {
        // Per axis, 2 -> 4: source coordinates (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1]:
        // weights (1, 0), (0.75, 0.25), (0.25, 0.75), (0, 1).
        float[] src = plane(new float[][] {{0, 160}, {80, 240}});
        float[][] expected = {
            {0, 40, 120, 160},      // row 0
            {20, 60, 140, 180},     // 0.75 row0 + 0.25 row1
            {60, 100, 180, 220},    // 0.25 row0 + 0.75 row1
            {80, 120, 200, 240}};   // row 1
        for (ResizeFilter f : ResizeFilter.values()) {
            float[] out = ImageResize.resizePlanes(src, 1, 2, 2, 4, 4, f);
            assertArrayEquals(plane(expected), out, 1e-4f, f.toString());
        }
        // The same on an 8-bit image: red as above, green = 255 - red, blue constant.
        int[][] r = {{0, 160}, {80, 240}};
        int[][] g = {{255, 95}, {175, 15}};
        int[][] b = {{33, 33}, {33, 33}};
        for (ResizeFilter f : ResizeFilter.values()) {
            BufferedImage out = ImageResize.resize(rgbImage(r, g, b), 4, 4, f);
            assertEquals(BufferedImage.TYPE_INT_RGB, out.getType());
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    assertEquals((int) expected[y][x], channel(out, x, y, 16), f + " red at " + x + "," + y);
                    assertEquals(255 - (int) expected[y][x], channel(out, x, y, 8), f + " green at " + x + "," + y);
                    assertEquals(33, channel(out, x, y, 0), f + " blue at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void upscaleNonSquareKnownAnswer() {
        // 1 row of 3 -> 1 row of 5 (scale 0.6): s = (i + 0.5) * 0.6 - 0.5 = -0.2, 0.4, 1.0, 1.6, 2.2 -> clamp.
        float[] out = ImageResize.resizePlanes(new float[] {10, 20, 40}, 1, 3, 1, 5, 1, ResizeFilter.BILINEAR);
        assertArrayEquals(new float[] {10, 14, 20, 32, 40}, out, 1e-4f);
    }

    @Test
    void plainBilinearHalvingAveragesPairs() {
        // 4 -> 2: s = (i + 0.5) * 2 - 0.5 = 0.5, 2.5: the mean of each pair.
        float[] out = ImageResize.resizePlanes(new float[] {0, 10, 20, 70}, 1, 4, 1, 2, 1, ResizeFilter.BILINEAR);
        assertArrayEquals(new float[] {5, 45}, out, 1e-5f);
    }

    @Test
    void antialiasHalvingUsesTheStretchedTent() {
        // 4 -> 2 with support 2: output 0 (centre 1.0) weighs pixels 0, 1, 2 by 0.75, 0.75, 0.25 (normalised /1.75),
        // output 1 (centre 3.0) weighs pixels 1, 2, 3 by 0.25, 0.75, 0.75.
        float a = 0;
        float b = 14;
        float c = 28;
        float d = 70;
        float[] out = ImageResize.resizePlanes(new float[] {a, b, c, d}, 1, 4, 1, 2, 1,
                ResizeFilter.BILINEAR_ANTIALIAS);
        assertArrayEquals(new float[] {(3 * a + 3 * b + c) / 7, (b + 3 * c + 3 * d) / 7}, out, 1e-4f);
    }

    @Test
    void antialiasShrinkIsTheBoxAverageForOddFactorsAwayFromEdges() {
        // 9 -> 3 (factor 3): output 1 is centred on pixel 4 and the tent of half-width 3 weighs pixels 2..6 by
        // 1/3, 2/3, 1, 2/3, 1/3 (normalised by 3).
        float[] src = {0, 0, 9, 18, 27, 36, 45, 0, 0};
        float[] out = ImageResize.resizePlanes(src, 1, 9, 1, 3, 1, ResizeFilter.BILINEAR_ANTIALIAS);
        double expected = (9 * (1 / 3.0) + 18 * (2 / 3.0) + 27 + 36 * (2 / 3.0) + 45 * (1 / 3.0)) / 3;
        assertEquals(expected, out[1], 1e-4);
    }

    @Test
    void downscalingAConstantImageKeepsItConstant() {
        int colour = 0x2A7FC8;
        BufferedImage img = new BufferedImage(37, 23, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 23; y++) {
            for (int x = 0; x < 37; x++) {
                img.setRGB(x, y, colour);
            }
        }
        int[][] sizes = {{5, 7}, {1, 1}, {36, 22}, {12, 23}, {37, 4}};
        for (ResizeFilter f : ResizeFilter.values()) {
            for (int[] s : sizes) {
                BufferedImage out = ImageResize.resize(img, s[0], s[1], f);
                assertEquals(s[0], out.getWidth());
                assertEquals(s[1], out.getHeight());
                for (int y = 0; y < s[1]; y++) {
                    for (int x = 0; x < s[0]; x++) {
                        assertEquals(colour, out.getRGB(x, y) & 0xFFFFFF, f + " " + s[0] + "x" + s[1]);
                    }
                }
            }
        }
    }

    @Test
    void plainBilinearAliasesWhereAntialiasAverages() {
        // A 1-pixel checkerboard shrunk 8x: antialiasing gives mid grey, plain bilinear samples 2 pixels only.
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, ((x + y) & 1) == 0 ? 0xFFFFFF : 0);
            }
        }
        BufferedImage aa = ImageResize.resize(img, 8, 8, ResizeFilter.BILINEAR_ANTIALIAS);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                int v = channel(aa, x, y, 16);
                assertTrue(Math.abs(v - 127.5) <= 8, "antialiased value " + v + " at " + x + "," + y);
            }
        }
    }

    @Test
    void centerCropFollowsTorchvisionRounding() {
        BufferedImage img = new BufferedImage(341, 256, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 341; x++) {
                img.setRGB(x, y, (x << 8) | y);
            }
        }
        BufferedImage c = ImageResize.centerCrop(img, 224, 224);
        assertEquals(224, c.getWidth());
        assertEquals(224, c.getHeight());
        // left = round(117 / 2) = round(58.5) = 58 (half to even), top = round(32 / 2) = 16
        assertEquals((58 << 8) | 16, c.getRGB(0, 0) & 0xFFFFFF);
        // 5 wide out of 8: round(1.5) = 2
        BufferedImage small = new BufferedImage(8, 1, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 8; x++) {
            small.setRGB(x, 0, x);
        }
        assertEquals(2, ImageResize.centerCrop(small, 5, 1).getRGB(0, 0) & 0xFF);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageResize.centerCrop(small, 9, 1));
        assertTrue(e.getMessage().contains("9x1") && e.getMessage().contains("8x1"), e.getMessage());
    }

    @Test
    void resizeShorterSideKeepsTheAspectRatio() {
        BufferedImage wide = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
        BufferedImage r = ImageResize.resizeShorterSide(wide, 256, ResizeFilter.BILINEAR_ANTIALIAS);
        assertEquals(341, r.getWidth()); // floor(256 * 640 / 480) = floor(341.33)
        assertEquals(256, r.getHeight());
        BufferedImage tall = new BufferedImage(300, 451, BufferedImage.TYPE_INT_RGB);
        BufferedImage t = ImageResize.resizeShorterSide(tall, 256, ResizeFilter.BILINEAR);
        assertEquals(256, t.getWidth());
        assertEquals(384, t.getHeight()); // floor(256 * 451 / 300) = floor(384.85)
        BufferedImage crop = ImageResize.resizeShorterSideAndCenterCrop(wide, 256, 224, 200,
                ResizeFilter.BILINEAR_ANTIALIAS);
        assertEquals(224, crop.getWidth());
        assertEquals(200, crop.getHeight());
    }

    @Test
    void badSizesAreRejected() {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        assertThrows(IllegalArgumentException.class, () -> ImageResize.resize(img, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> ImageResize.resize(img, 4, -1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageResize.resizePlanes(new float[10], 1, 3, 3, 2, 2, ResizeFilter.BILINEAR));
        assertTrue(e.getMessage().contains("found 10"), e.getMessage());
    }

    @Test
    void greyAndTransparentImagesAreConvertedFirst() {
        BufferedImage grey = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSamples(0, 0, 2, 2, 0, new int[] {128, 128, 128, 128});
        BufferedImage out = ImageResize.resize(grey, 3, 3);
        assertEquals(0x808080, out.getRGB(1, 1) & 0xFFFFFF); // raw sample, not gamma-converted
        BufferedImage clear = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB); // fully transparent black
        assertEquals(0xFFFFFF, ImageResize.resize(clear, 1, 1).getRGB(0, 0) & 0xFFFFFF); // white
    }
}
