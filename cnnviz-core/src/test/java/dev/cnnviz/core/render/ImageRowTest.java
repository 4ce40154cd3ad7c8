package dev.cnnviz.core.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ImageRow: its documented layout, tiles that keep their pixels, and argument checks. */
class ImageRowTest {
    private static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.setRGB(x, y, rgb);
            }
        }
        return im;
    }

    @Test
    void layoutFollowsTheDocumentedSizes() {
        BufferedImage a = solid(10, 10, 0xff0000);
        BufferedImage b = solid(20, 10, 0x00ff00);
        BufferedImage row = ImageRow.of(List.of(a, b), List.of("a", "b\nsecond line"), "Title", 40);
        // margins 2*12, one gap 12, tiles 40 and 80 wide
        assertEquals(24 + 12 + 40 + 80, row.getWidth());
        // margins 2*12, title 26, tiles 40, 4, two caption lines of 20
        assertEquals(24 + 26 + 40 + 4 + 40, row.getHeight());
        BufferedImage untitled = ImageRow.of(List.of(a), List.of(""), " ", 10);
        assertEquals(24 + 10 + 4 + 20, untitled.getHeight());
    }

    @Test
    void aLongTitleWidensTheFigure() {
        String title = "A title much wider than the single small tile under it";
        BufferedImage row = ImageRow.of(List.of(solid(4, 4, 0)), List.of(""), title, 8);
        assertTrue(row.getWidth() > 24 + 8 + 200, "width " + row.getWidth());
        boolean inkNearTheEnd = false;
        for (int y = 12; y < 12 + 26; y++) {
            for (int x = row.getWidth() / 2; x < row.getWidth(); x++) {
                inkNearTheEnd |= (row.getRGB(x, y) & 0xffffff) != 0xffffff;
            }
        }
        assertTrue(inkNearTheEnd, "the title's right half is drawn");
        assertEquals(24 + 8, ImageRow.of(List.of(solid(4, 4, 0)), List.of(""), null, 8).getWidth());
    }

    @Test
    void tilesKeepTheirColoursWhereTheyArePlaced() {
        BufferedImage row = ImageRow.of(List.of(solid(4, 4, 0xff0000), solid(4, 4, 0x0000ff)), List.of("", ""),
                null, 16);
        assertEquals(0xff0000, row.getRGB(12 + 8, 12 + 8) & 0xffffff, "centre of the first tile");
        assertEquals(0x0000ff, row.getRGB(12 + 16 + 12 + 8, 12 + 8) & 0xffffff, "centre of the second tile");
        assertEquals(0xffffff, row.getRGB(12 + 16 + 6, 12 + 8) & 0xffffff, "the gap is white");
    }

    @Test
    void enlargingByTwoOrMoreIsNearestNeighbour() {
        BufferedImage checker = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        checker.setRGB(0, 0, 0xffffff);
        checker.setRGB(1, 1, 0xffffff);
        BufferedImage row = ImageRow.of(List.of(checker), List.of(""), null, 8);
        int[] seen = new int[8 * 8];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                seen[y * 8 + x] = row.getRGB(12 + x, 12 + y) & 0xffffff;
            }
        }
        assertTrue(Arrays.stream(seen).allMatch(v -> v == 0 || v == 0xffffff), "only the two source colours");
        assertEquals(0xffffff, seen[0]);
        assertEquals(0, seen[7]);
    }

    @Test
    void argumentsAreChecked() {
        BufferedImage a = solid(2, 2, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageRow.of(List.of(a, a), List.of("one"), null, 10));
        assertTrue(e.getMessage().contains("2 images") && e.getMessage().contains("1 captions"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageRow.of(List.of(), List.of(), null, 10));
        e = assertThrows(IllegalArgumentException.class, () -> ImageRow.of(List.of(a), List.of(""), null, 0));
        assertTrue(e.getMessage().contains("found 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ImageRow.of(Arrays.asList(a, null), List.of("", ""), null, 10));
    }
}
