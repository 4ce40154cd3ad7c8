package dev.cnnviz.core.render;

import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * Small image helpers shared by the render package: PNG input/output and pixel access that treats grey images
 * correctly.
 *
 * <p>Grey images ({@code TYPE_BYTE_GRAY}, {@code TYPE_USHORT_GRAY}) are read by their raw samples, replicated into
 * R, G and B: sample 128 becomes {@code 0x808080}. (Java's {@code getRGB} would treat the grey as linear light and
 * brighten mid-tones, which is not what an MNIST digit or a PNG written by another tool means.)
 *
 * <pre>{@code
 * Images.writePng(Colormap.VIRIDIS.colorize(norm), Path.of("target/heat.png"));
 * BufferedImage back = Images.readPng(Path.of("target/heat.png"));
 * }</pre>
 */
public final class Images {
  private Images() {}

  /**
   * Writes {@code image} as a PNG file, creating missing parent directories and replacing an existing file.
   *
   * <pre>{@code
   * Images.writePng(panel, Path.of("out/figures/cat.png"));   // creates out/figures/
   * }</pre>
   *
   * @param image the image
   * @param file  the destination
   * @throws IOException naming {@code file} if a directory or the file cannot be written
   */
  public static void writePng(BufferedImage image, Path file) throws IOException {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(file, "file");
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try (OutputStream out = Files.newOutputStream(file)) {
        if (!ImageIO.write(image, "png", out)) {
          throw new IOException("no PNG writer accepts image type " + image.getType());
        }
      }
    } catch (IOException e) {
      throw new IOException("Cannot write PNG " + file + ": " + e, e);
    }
  }

  /**
   * Reads an image file (PNG, or any format ImageIO knows).
   *
   * <pre>{@code
   * BufferedImage img = Images.readPng(Path.of("cat.png"));
   * int w = img.getWidth();
   * }</pre>
   *
   * @param file the file
   * @return the decoded image
   * @throws IOException naming {@code file} if it cannot be read or is not a decodable image
   */
  public static BufferedImage readPng(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    BufferedImage img;
    try {
      img = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new IOException("Cannot read image " + file + ": " + e, e);
    }
    if (img == null) {
      throw new IOException("Cannot read image " + file + ": not a format ImageIO can decode");
    }
    return img;
  }

  /**
   * A {@code TYPE_INT_RGB} copy of {@code image}: alpha is dropped (composited over white), grey images keep their
   * sample values (see the class comment).
   *
   * <pre>{@code
   * BufferedImage rgb = Images.toRgb(mnistDigit);   // TYPE_BYTE_GRAY -> TYPE_INT_RGB, 0x808080 for sample 128
   * int c = rgb.getRGB(0, 0) & 0xFFFFFF;
   * }</pre>
   *
   * @param image any image
   * @return a new RGB image of the same size
   */
  public static BufferedImage toRgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[] px = argb(image);
    for (int i = 0; i < px.length; i++) {
      int p = px[i];
      int a = p >>> 24;
      if (a != 255) {
        int r = blendOverWhite((p >> 16) & 0xFF, a);
        int g = blendOverWhite((p >> 8) & 0xFF, a);
        int b = blendOverWhite(p & 0xFF, a);
        p = (r << 16) | (g << 8) | b;
      }
      px[i] = p & 0xFFFFFF;
    }
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    out.setRGB(0, 0, w, h, px, 0, w);
    return out;
  }

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

  private static int blendOverWhite(int c, int a) {
    return (c * a + 255 * (255 - a) + 127) / 255;
  }
}
