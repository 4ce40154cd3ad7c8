package dev.cnnviz.core.segmentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Map2D;
import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** GrabCut from a saliency map on an object pasted on a plain background. */
class GrabCutTest {
    private static final int S = 96;

    /** A textured orange ellipse (the object) pasted on a plain blue-grey background with a little noise. */
    private static BufferedImage scene(boolean[] truth) {
        Random r = new Random(3);
        BufferedImage img = new BufferedImage(S, S, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < S; y++) {
            for (int x = 0; x < S; x++) {
                double dx = (x - 40) / 26.0;
                double dy = (y - 52) / 20.0;
                boolean in = dx * dx + dy * dy <= 1;
                truth[y * S + x] = in;
                int n = r.nextInt(15);
                int rgb = in ? (200 + n) << 16 | (((x / 4 + y / 4) & 1) == 0 ? 120 : 80) + n << 8 | 30 + n
                        : (90 + n) << 16 | (100 + n) << 8 | (130 + n);
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** A coarse saliency map like a CAM's: a blob around the object's centre, not following its outline. */
    private static Map2D blob(int cells) {
        return Map2D.generate(cells, cells, (y, x) -> {
            double cx = (x + 0.5) * S / cells;
            double cy = (y + 0.5) * S / cells;
            double d2 = ((cx - 44) * (cx - 44) + (cy - 50) * (cy - 50)) / (2 * 14.0 * 14.0);
            return (float) Math.exp(-d2);
        });
    }

    @Test
    void recoversAnObjectPastedOnAPlainBackground() {
        boolean[] truth = new boolean[S * S];
        BufferedImage img = scene(truth);
        Segmentation s = GrabCut.defaults().segment(img, blob(12));
        double iou = s.iou(truth);
        assertTrue(iou > 0.8, "IoU " + iou + " " + s);
        // The seeds alone (sure foreground) cover far less than the object: GrabCut grew them.
        int sure = 0;
        for (int v : s.seeds()) {
            sure += v == Segmentation.SURE_FOREGROUND ? 1 : 0;
        }
        assertTrue(sure < 0.3 * countTrue(truth), "sure foreground " + sure);
        assertEquals(S * 4 + 12, s.panel().getWidth());
        assertEquals(0, s.cutout().getRGB(0, 0) >>> 24, "background is transparent in the cut-out");
    }

    @Test
    void aFlatMapOrBadOptionsAreClearErrors() {
        boolean[] truth = new boolean[S * S];
        BufferedImage img = scene(truth);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GrabCut.defaults().segment(img, Map2D.constant(8, 8, 1f)));
        assertTrue(e.getMessage().contains("too flat"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GrabCut.defaults().withIterations(0));
        assertThrows(IllegalArgumentException.class, () -> GrabCut.defaults().withForegroundQuantile(0.2));
        assertThrows(IllegalArgumentException.class, () -> GrabCut.defaults().withBackgroundQuantile(0.99));
        float[] nan = new float[64];
        nan[3] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> GrabCut.defaults().segment(img, new Map2D(8, 8, nan)));
    }

    private static int countTrue(boolean[] b) {
        int n = 0;
        for (boolean v : b) {
            n += v ? 1 : 0;
        }
        return n;
    }
}
