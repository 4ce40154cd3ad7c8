package dev.cnnviz.core.render;

import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OverlayTest {

  static BufferedImage noise(int w, int h, long seed) {
    Random r = new Random(seed);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r.nextInt(0x1000000));
      }
    }
    return img;
  }

  static Map2D randomUnitMap(int h, int w, long seed) {
    Random r = new Random(seed);
    return Map2D.generate(h, w, (y, x) -> r.nextDouble());
  }

  @Test
  void alphaZeroReturnsTheOriginalPixels() {
    BufferedImage img = noise(40, 30, 1);
    BufferedImage out = Overlay.overlay(img, randomUnitMap(5, 7, 2), Colormap.JET, 0.0);
    assertEquals(40, out.getWidth());
    assertEquals(30, out.getHeight());
    for (int y = 0; y < 30; y++) {
      for (int x = 0; x < 40; x++) {
        assertEquals(img.getRGB(x, y) & 0xFFFFFF, out.getRGB(x, y) & 0xFFFFFF, "(" + x + "," + y + ")");
      }
    }
  }

  @Test
  void alphaOneReturnsTheColourisedMap() {
    BufferedImage img = noise(40, 30, 3);
    Map2D map = randomUnitMap(5, 7, 4);
    BufferedImage out = Overlay.overlay(img, map, Colormap.INFERNO, 1.0);
    BufferedImage heat = Colormap.INFERNO.colorize(Resample.bilinear(map, 30, 40));
    for (int y = 0; y < 30; y++) {
      for (int x = 0; x < 40; x++) {
        assertEquals(heat.getRGB(x, y) & 0xFFFFFF, out.getRGB(x, y) & 0xFFFFFF, "(" + x + "," + y + ")");
      }
    }
  }

  @Test
  void halfAlphaIsTheMean() {
    BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0xFFFFFF);
    BufferedImage out = Overlay.overlay(img, Map2D.constant(1, 1, 0f), Colormap.GREY, 0.5);
    assertEquals(128, out.getRGB(0, 0) & 0xFF); // (255 + 0) / 2 = 127.5 -> 128
  }

  @Test
  void invalidAlphaRejected() {
    BufferedImage img = noise(4, 4, 5);
    Map2D m = Map2D.constant(2, 2, 0.5f);
    for (double a : new double[] {-0.01, 1.01, Double.NaN, Double.POSITIVE_INFINITY}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Overlay.overlay(img, m, Colormap.JET, a));
      assertTrue(e.getMessage().contains("alpha"), e.getMessage());
    }
  }

  @Test
  void alphaByIntensityLeavesColdRegionsClear() {
    BufferedImage img = noise(8, 1, 6);
    Map2D m = Map2D.of(new float[][] {{0, 0, 0, 0, 1, 1, 1, 1}});
    BufferedImage out = Overlay.overlay(img, m, Colormap.JET, 1.0, Overlay.AlphaMode.BY_INTENSITY);
    assertEquals(img.getRGB(0, 0) & 0xFFFFFF, out.getRGB(0, 0) & 0xFFFFFF, "t=0 is untouched");
    assertEquals(Colormap.JET.rgb(1), out.getRGB(7, 0) & 0xFFFFFF, "t=1 gets full alpha");

    // diverging: the neutral centre 0.5 stays clear, both ends are tinted
    Map2D s = Map2D.of(new float[][] {{0.5f, 0, 1}});
    BufferedImage img3 = noise(3, 1, 7);
    BufferedImage d = Overlay.overlay(img3, s, Colormap.RDBU_R, 1.0, Overlay.AlphaMode.BY_INTENSITY);
    assertEquals(img3.getRGB(0, 0) & 0xFFFFFF, d.getRGB(0, 0) & 0xFFFFFF);
    assertEquals(Colormap.RDBU_R.rgb(0), d.getRGB(1, 0) & 0xFFFFFF);
    assertEquals(Colormap.RDBU_R.rgb(1), d.getRGB(2, 0) & 0xFFFFFF);
  }
}
