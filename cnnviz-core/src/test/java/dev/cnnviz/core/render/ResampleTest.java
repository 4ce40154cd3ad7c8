package dev.cnnviz.core.render;

import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class ResampleTest {

  @Test
  void constantStaysConstant() {
    Map2D c = Map2D.constant(13, 13, 0.37f);
    Map2D up = Resample.bilinear(c, 224, 224);
    assertEquals(224, up.height());
    assertEquals(224, up.width());
    for (float v : up.values()) {
      assertEquals(0.37f, v, 0f);
    }
  }

  /**
   * 2x2 -> 4x4, align_corners=false. Source coordinate of output index d is (d + 0.5) * 2/4 - 0.5 =
   * -0.25 (clamped to 0), 0.25, 0.75, 1.25 (upper neighbour clamped to index 1). So along each axis the weight of the
   * second input is 0, 0.25, 0.75, 1. With input [[0, 1], [2, 3]] the output is 2*wy + 1*wx.
   * (PyTorch: F.interpolate(torch.tensor([[[[0., 1.], [2., 3.]]]]), size=4, mode='bilinear', align_corners=False).)
   */
  @Test
  void twoByTwoToFourByFourMatchesAlignCornersFalse() {
    Map2D src = Map2D.of(new float[][] {{0, 1}, {2, 3}});
    float[][] expected = {
        {0.00f, 0.25f, 0.75f, 1.00f},
        {0.50f, 0.75f, 1.25f, 1.50f},
        {1.50f, 1.75f, 2.25f, 2.50f},
        {2.00f, 2.25f, 2.75f, 3.00f}};
    Map2D out = Resample.bilinear(src, 4, 4);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        assertEquals(expected[y][x], out.get(y, x), 1e-6f, "at (" + y + "," + x + ")");
      }
    }
  }

  /** 1x3 -> 1x2 downsampling: src x = (d + 0.5) * 1.5 - 0.5 = 0.25, 1.75 -> 0.25*10 and 20 + 0.75*10. */
  @Test
  void downsamplingFollowsTheSameFormula() {
    Map2D out = Resample.bilinear(Map2D.of(new float[][] {{0, 10, 20}}), 1, 2);
    assertEquals(2.5f, out.get(0, 0), 1e-6f);
    assertEquals(17.5f, out.get(0, 1), 1e-6f);
    assertEquals(Map2D.of(new float[][] {{1, 2}, {3, 4}}), Resample.bilinear(Map2D.of(new float[][] {{1, 2}, {3, 4}}), 2, 2));
  }

  @Test
  void nearestRepeatsPixels() {
    Map2D out = Resample.nearest(Map2D.of(new float[][] {{1, 2}, {3, 4}}), 4, 6);
    assertEquals(1f, out.get(1, 2));
    assertEquals(2f, out.get(0, 3));
    assertEquals(3f, out.get(2, 0));
    assertEquals(4f, out.get(3, 5));
  }

  @Test
  void imageResizeBilinearAndNearest() {
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0x000000);
    img.setRGB(1, 0, 0xC8C8C8); // 200
    BufferedImage big = Resample.resize(img, 4, 1);
    // weights 0, 0.25, 0.75, 1 -> 0, 50, 150, 200
    int[] expected = {0, 50, 150, 200};
    for (int x = 0; x < 4; x++) {
      assertEquals(expected[x], big.getRGB(x, 0) & 0xFF, "x=" + x);
    }
    BufferedImage crisp = Resample.nearest(img, 4, 2);
    assertEquals(0x000000, crisp.getRGB(1, 1) & 0xFFFFFF);
    assertEquals(0xC8C8C8, crisp.getRGB(2, 0) & 0xFFFFFF);
  }

  @Test
  void greyImagesKeepTheirSampleValues() {
    BufferedImage grey = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setSample(0, 0, 0, 128);
    BufferedImage out = Resample.nearest(grey, 4, 4);
    assertEquals(0x808080, out.getRGB(0, 0) & 0xFFFFFF);
  }

  @Test
  void largeDownscaleAveragesInsteadOfAliasing() {
    // 1-px black/white stripes, shrunk 8x: should become mid-grey, not all black or all white.
    BufferedImage stripes = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        stripes.setRGB(x, y, x % 2 == 0 ? 0 : 0xFFFFFF);
      }
    }
    BufferedImage small = Resample.resize(stripes, 8, 8);
    int v = small.getRGB(4, 4) & 0xFF;
    assertEquals(128, v, 2);
  }

  @Test
  void rejectsNonPositiveSizes() {
    Map2D m = Map2D.constant(2, 2, 1);
    assertThrows(IllegalArgumentException.class, () -> Resample.bilinear(m, 0, 4));
    assertThrows(IllegalArgumentException.class, () -> Resample.resize(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), 3, -1));
  }
}
