package dev.cnnviz.core.render;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * Pixel access shared by the render package, treating grey images correctly (reading, writing and RGB conversion
 * of whole images live in {@link dev.cnnviz.core.image.ImageIo}).
 *
 * <p>Grey images ({@code TYPE_BYTE_GRAY}, {@code TYPE_USHORT_GRAY}) are read by their raw samples, replicated into
 * R, G and B: sample 128 becomes {@code 0x808080}. (Java's {@code getRGB} would treat the grey as linear light and
 * brighten mid-tones, which is not what an MNIST digit or a PNG written by another tool means.)
 */
final class Images {
  private Images() {}

  /** All pixels as non-premultiplied ARGB, row-major; grey images by raw sample (opaque). */
  static int[] argb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int type = image.getType();
    if (type == BufferedImage.TYPE_BYTE_GRAY || type == BufferedImage.TYPE_USHORT_GRAY) {
      Raster r = image.getRaster();
      int shift = type == BufferedImage.TYPE_USHORT_GRAY ? 8 : 0;
      int[] s = r.getSamples(0, 0, w, h, 0, (int[]) null);
      int[] px = new int[w * h];
      for (int i = 0; i < px.length; i++) {
        int v = (s[i] >> shift) & 0xFF;
        px[i] = 0xFF000000 | (v << 16) | (v << 8) | v;
      }
      return px;
    }
    int[] px = image.getRGB(0, 0, w, h, null, 0, w);
    if (!image.getColorModel().hasAlpha()) {
      for (int i = 0; i < px.length; i++) {
        px[i] |= 0xFF000000;
      }
    }
    return px;
  }

  /** Whether the image has an alpha channel worth keeping. */
  static boolean hasAlpha(BufferedImage image) {
    return image.getColorModel().hasAlpha();
  }

  /** A new image of the given pixels: {@code TYPE_INT_ARGB} if {@code alpha}, else {@code TYPE_INT_RGB}. */
  static BufferedImage fromArgb(int[] px, int w, int h, boolean alpha) {
    BufferedImage out = new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    out.setRGB(0, 0, w, h, px, 0, w);
    return out;
  }
}
