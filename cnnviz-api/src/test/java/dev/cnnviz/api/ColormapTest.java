package dev.cnnviz.api;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class ColormapTest {

  private static int r(int c) {
    return (c >> 16) & 0xFF;
  }

  private static int g(int c) {
    return (c >> 8) & 0xFF;
  }

  private static int b(int c) {
    return c & 0xFF;
  }

  /** Each channel of {@code actual} within {@code tol} of {@code expected}. */
  private static void assertColor(int expected, int actual, int tol) {
    String msg = String.format("expected #%06X, got #%06X", expected, actual);
    assertTrue(Math.abs(r(expected) - r(actual)) <= tol, msg);
    assertTrue(Math.abs(g(expected) - g(actual)) <= tol, msg);
    assertTrue(Math.abs(b(expected) - b(actual)) <= tol, msg);
  }

  @Test
  void jetEndsAndMiddle() {
    int lo = Colormap.JET.rgb(0);
    assertEquals(0, r(lo));
    assertEquals(0, g(lo));
    assertTrue(b(lo) >= 120 && b(lo) <= 140, "dark blue at 0: " + Integer.toHexString(lo));
    int hi = Colormap.JET.rgb(1);
    assertTrue(r(hi) >= 120 && r(hi) <= 140, "dark red at 1: " + Integer.toHexString(hi));
    assertEquals(0, g(hi));
    assertEquals(0, b(hi));
    int mid = Colormap.JET.rgb(0.5);
    assertEquals(255, g(mid));
    assertTrue(r(mid) < 160 && b(mid) < 160, "green-ish at 0.5: " + Integer.toHexString(mid));
    // classic jet knots: blue at 1/8, cyan at 3/8, yellow at 5/8, red at 7/8
    assertColor(0x0000FF, Colormap.JET.rgb(0.125), 0);
    assertColor(0x00FFFF, Colormap.JET.rgb(0.375), 0);
    assertColor(0xFFFF00, Colormap.JET.rgb(0.625), 0);
    assertColor(0xFF0000, Colormap.JET.rgb(0.875), 0);
  }

  @Test
  void viridisMatchesMatplotlib() {
    assertColor(0x440154, Colormap.VIRIDIS.rgb(0), 0);
    assertColor(0xFDE725, Colormap.VIRIDIS.rgb(1), 0);
    assertColor(0x21918C, Colormap.VIRIDIS.rgb(0.5), 2);
    // matplotlib viridis entry 64 of 256 is #3B528B
    assertColor(0x3B528B, Colormap.VIRIDIS.rgb(64 / 255.0), 1);
  }

  @Test
  void infernoMatchesMatplotlib() {
    assertColor(0x000004, Colormap.INFERNO.rgb(0), 0);
    assertColor(0xFCFFA4, Colormap.INFERNO.rgb(1), 0);
    assertColor(0xBC3754, Colormap.INFERNO.rgb(128 / 255.0), 0);
  }

  @Test
  void greyIsLinear() {
    for (int k = 0; k <= 255; k++) {
      int c = Colormap.GREY.rgb(k / 255.0);
      assertEquals(k * 0x010101, c, "grey at " + k);
    }
    assertEquals(0x808080, Colormap.GREY.rgb(0.5));
  }

  @Test
  void divergingMapIsBlueWhiteRed() {
    assertTrue(Colormap.RDBU_R.diverging());
    assertFalse(Colormap.JET.diverging());
    assertFalse(Colormap.VIRIDIS.diverging());
    int mid = Colormap.RDBU_R.rgb(0.5);
    assertTrue(r(mid) >= 240 && g(mid) >= 240 && b(mid) >= 240, "near-white at 0.5: " + Integer.toHexString(mid));
    int lo = Colormap.RDBU_R.rgb(0);
    assertTrue(b(lo) > r(lo) + 50, "blue at 0");
    int hi = Colormap.RDBU_R.rgb(1);
    assertTrue(r(hi) > b(hi) + 50, "red at 1");
    assertColor(0x053061, lo, 0);
    assertColor(0x67001F, hi, 0);
  }

  @Test
  void clampsOutOfRangeAndNaN() {
    for (Colormap c : Colormap.values()) {
      assertEquals(c.rgb(0), c.rgb(-3), c.name());
      assertEquals(c.rgb(1), c.rgb(7), c.name());
      assertEquals(c.rgb(0), c.rgb(Double.NaN), c.name());
      assertEquals(0, c.rgb(0.3) >>> 24, "no alpha bits");
    }
  }

  @Test
  void colorizeAndColorbar() {
    Map2D m = Map2D.of(new float[][] {{0, 0.5f, 1}, {1, 1, 0}});
    BufferedImage img = Colormap.VIRIDIS.colorize(m);
    assertEquals(3, img.getWidth());
    assertEquals(2, img.getHeight());
    assertEquals(Colormap.VIRIDIS.rgb(0.5), img.getRGB(1, 0) & 0xFFFFFF);
    assertEquals(Colormap.VIRIDIS.rgb(1), img.getRGB(0, 1) & 0xFFFFFF);

    BufferedImage vertical = Colormap.INFERNO.colorbar(10, 100);
    assertEquals(Colormap.INFERNO.rgb(1), vertical.getRGB(5, 0) & 0xFFFFFF, "top is t=1");
    assertEquals(Colormap.INFERNO.rgb(0), vertical.getRGB(5, 99) & 0xFFFFFF, "bottom is t=0");
    BufferedImage horizontal = Colormap.JET.colorbar(256, 8);
    assertEquals(Colormap.JET.rgb(0), horizontal.getRGB(0, 4) & 0xFFFFFF, "left is t=0");
    assertEquals(Colormap.JET.rgb(1), horizontal.getRGB(255, 4) & 0xFFFFFF, "right is t=1");
  }
}
