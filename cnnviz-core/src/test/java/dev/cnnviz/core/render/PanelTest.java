package dev.cnnviz.core.render;

import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PanelTest {
  static final String CAPTION = "Grad-CAM · fire9_concat · class 285 Egyptian cat · score 38.86 · p=0.762";

  /** A smooth synthetic "photo": diagonal colour gradient with a darker disc, w x h. */
  static BufferedImage gradientImage(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double u = (double) x / (w - 1);
        double v = (double) y / (h - 1);
        int r = (int) Math.round(60 + 150 * u);
        int g = (int) Math.round(90 + 110 * v);
        int b = (int) Math.round(200 - 120 * (u + v) / 2);
        double dx = x - 0.62 * w;
        double dy = y - 0.40 * h;
        if (dx * dx + dy * dy < Math.pow(0.18 * w, 2)) {
          r = r * 6 / 10;
          g = g * 6 / 10;
          b = b * 6 / 10;
        }
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return img;
  }

  /** A coarse Gaussian blob (like a 13x13 CAM) centred at (cy, cx) in [0, 1] coordinates, peak {@code peak}. */
  static Map2D gaussianBlob(int n, double cy, double cx, double sigma, double peak) {
    return Map2D.generate(n, n, (y, x) -> {
      double dy = (y + 0.5) / n - cy;
      double dx = (x + 0.5) / n - cx;
      return peak * Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
    });
  }

  private static int expectedWidth(int tileW) {
    return 2 * Panel.MARGIN + 3 * tileW + 2 * Panel.GAP + Panel.COLORBAR_SPACE;
  }

  private static boolean hasDarkPixel(BufferedImage img, int x0, int y0, int x1, int y1) {
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        int c = img.getRGB(x, y);
        int lum = ((c >> 16) & 0xFF) + ((c >> 8) & 0xFF) + (c & 0xFF);
        if (lum < 3 * 100) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void layoutHasThreeTilesMarginsAndACaptionStrip() {
    BufferedImage img = gradientImage(224, 224);
    Map2D cam = gaussianBlob(13, 0.4, 0.6, 0.15, 38.86);
    BufferedImage noCaption = Panel.of(img).heatmap(cam, Colormap.JET).render();
    BufferedImage withCaption = Panel.of(img).heatmap(cam, Colormap.JET).caption(CAPTION).render();

    assertEquals(expectedWidth(224), noCaption.getWidth());
    assertEquals(expectedWidth(224), withCaption.getWidth());
    assertEquals(2 * Panel.MARGIN + Panel.TITLE_HEIGHT + 224, noCaption.getHeight());
    assertTrue(withCaption.getHeight() > noCaption.getHeight() + Panel.CAPTION_GAP, "caption strip added");

    int stripTop = Panel.MARGIN + Panel.TITLE_HEIGHT + 224 + Panel.CAPTION_GAP / 2 + 1;
    assertTrue(hasDarkPixel(withCaption, 0, stripTop, withCaption.getWidth(), withCaption.getHeight()),
        "caption text is drawn in the strip");
    // White background: corners and margins are white.
    assertEquals(0xFFFFFF, withCaption.getRGB(0, 0) & 0xFFFFFF);
    assertEquals(0xFFFFFF, withCaption.getRGB(withCaption.getWidth() - 1, withCaption.getHeight() - 1) & 0xFFFFFF);
    // The first tile is the image itself (same size, so copied 1:1).
    int top = Panel.MARGIN + Panel.TITLE_HEIGHT;
    assertEquals(img.getRGB(100, 50) & 0xFFFFFF, withCaption.getRGB(Panel.MARGIN + 100, top + 50) & 0xFFFFFF);
    // The heat tile's hottest area (blob centre) is JET-red-ish: red channel dominates.
    int hx = Panel.MARGIN + 224 + Panel.GAP + (int) (0.6 * 224);
    int hot = withCaption.getRGB(hx, top + (int) (0.4 * 224));
    assertTrue(((hot >> 16) & 0xFF) > 150 && (hot & 0xFF) < 80, Integer.toHexString(hot));
  }

  @Test
  void nonSquareImagesKeepAspectAndTinyImagesStayCrisp() {
    BufferedImage wide = gradientImage(300, 150);
    BufferedImage fig = Panel.of(wide).heatmap(gaussianBlob(7, 0.5, 0.5, 0.2, 1), Colormap.VIRIDIS).tileSize(100)
        .render();
    assertEquals(expectedWidth(200), fig.getWidth());

    // 28x28 checkerboard -> tiles of 224: nearest neighbour keeps exactly two colours in 8x8 blocks.
    BufferedImage digit = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        digit.getRaster().setSample(x, y, 0, (x + y) % 2 == 0 ? 255 : 0);
      }
    }
    BufferedImage p = Panel.of(digit).heatmap(gaussianBlob(28, 0.5, 0.5, 0.2, 1), Colormap.INFERNO).render();
    assertEquals(expectedWidth(224), p.getWidth());
    int top = Panel.MARGIN + Panel.TITLE_HEIGHT;
    for (int y = 0; y < 224; y++) {
      for (int x = 0; x < 224; x++) {
        int c = p.getRGB(Panel.MARGIN + x, top + y) & 0xFFFFFF;
        int expected = ((x / 8) + (y / 8)) % 2 == 0 ? 0xFFFFFF : 0x000000;
        assertEquals(expected, c, "pixel (" + x + "," + y + ")");
      }
    }
  }

  @Test
  void builderIsImmutableAndValidates() {
    Panel base = Panel.of(gradientImage(32, 32));
    Panel withMap = base.heatmap(Map2D.constant(4, 4, 1), Colormap.JET);
    assertThrows(IllegalStateException.class, base::render);
    assertEquals(expectedWidth(224), withMap.render().getWidth());
    assertEquals(expectedWidth(64), withMap.tileSize(64).render().getWidth());
    assertEquals(expectedWidth(224), withMap.render().getWidth(), "tileSize() returned a copy");
    assertThrows(IllegalArgumentException.class, () -> base.alpha(1.5));
    assertThrows(IllegalArgumentException.class, () -> base.tileSize(4));
    assertEquals(Normalization.signed(), base.heatmap(Map2D.constant(2, 2, 0), Colormap.RDBU_R)
        .effectiveNormalization());
    assertEquals(Normalization.minMax(), withMap.effectiveNormalization());
  }

  @Test
  void saveWritesAReadablePng(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("nested/deeper/panel.png");
    Panel panel = Panel.of(gradientImage(64, 64)).heatmap(gaussianBlob(13, 0.5, 0.5, 0.2, 3), Colormap.VIRIDIS)
        .caption("saved");
    panel.save(file);
    assertTrue(Files.size(file) > 0);
    BufferedImage back = ImageIo.read(file);
    BufferedImage direct = panel.render();
    assertEquals(direct.getWidth(), back.getWidth());
    assertEquals(direct.getHeight(), back.getHeight());
    assertEquals(direct.getRGB(40, 60) & 0xFFFFFF, back.getRGB(40, 60) & 0xFFFFFF);
  }

  @Test
  void saveFailureNamesTheFile(@TempDir Path dir) throws IOException {
    Path blocker = Files.writeString(dir.resolve("not-a-dir"), "x");
    Path file = blocker.resolve("panel.png");
    IOException e = assertThrows(IOException.class,
        () -> Panel.of(gradientImage(16, 16)).heatmap(Map2D.constant(2, 2, 1), Colormap.JET).save(file));
    assertTrue(e.getMessage().contains("panel.png"), e.getMessage());
  }

  @Test
  void colourBarLabelsUseRawValues() {
    assertEquals("38.9", Panel.formatValue(38.86));
    assertEquals("0", Panel.formatValue(0));
    assertEquals("-0.5", Panel.formatValue(-0.5));
    assertEquals("1.23e-05", Panel.formatValue(1.234e-5));
    assertEquals("1.50e+04", Panel.formatValue(15000));
    assertEquals("0", Panel.formatBound(2.23e-6, 37.2));
    assertEquals("9.89e-05", Panel.formatBound(9.89e-5, 9.89e-5));
    assertEquals("-0.799", Panel.formatBound(-0.799, 1.598));
  }

  /**
   * Renders the sample figures to target/ for a human look: a Grad-CAM-like JET panel over a gradient "photo", a
   * signed RdBu panel, and a crisp 28x28 digit.
   */
  @Test
  void renderSamples() throws IOException {
    BufferedImage img = gradientImage(224, 224);
    Map2D cam = gaussianBlob(13, 0.40, 0.62, 0.14, 38.86);
    Path sample = Panel.of(img).heatmap(cam, Colormap.JET).titles("input", "Grad-CAM", "overlay")
        .caption(CAPTION).save(Path.of("target", "render-sample.png"));
    BufferedImage back = ImageIo.read(sample);
    assertEquals(expectedWidth(224), back.getWidth());

    Map2D signed = Map2D.generate(56, 56, (y, x) -> {
      double a = Math.exp(-(Math.pow((x - 34) / 8.0, 2) + Math.pow((y - 22) / 8.0, 2)) / 2);
      double b = Math.exp(-(Math.pow((x - 16) / 7.0, 2) + Math.pow((y - 40) / 7.0, 2)) / 2);
      return 0.8 * a - 0.5 * b;
    });
    Panel.of(img).heatmap(signed, Colormap.RDBU_R).alpha(0.8).alphaMode(Overlay.AlphaMode.BY_INTENSITY)
        .titles("input", "Integrated Gradients", "overlay")
        .caption("Integrated Gradients · signed · blue = against, red = for the class")
        .save(Path.of("target", "render-sample-signed.png"));

    BufferedImage digit = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        double d = Math.hypot(x - 14, (y - 14) * 0.7);
        int v = d > 6 && d < 9.5 ? 255 : 0;
        digit.getRaster().setSample(x, y, 0, v);
      }
    }
    Map2D sal = gaussianBlob(28, 0.3, 0.5, 0.12, 1e-4);
    Panel.of(digit).heatmap(sal, Colormap.INFERNO).tileSize(168).alpha(0.6)
        .caption("Saliency · MNIST digit 0 · p=0.998 · a long caption that has to wrap onto a second line because it"
            + " is wider than the figure")
        .save(Path.of("target", "render-sample-mnist.png"));
    assertNotEquals(0, Files.size(Path.of("target", "render-sample-mnist.png")));
  }
}
