package dev.cnnviz.core.render;

import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * Blends a colourised heat map over an image.
 *
 * <p>The normalised map is upsampled to the image size with {@link Resample#bilinear(Map2D, int, int)} (unless it
 * already has that size), coloured with the colour map, and blended per pixel and channel:
 * {@code out = round((1 - a) * image + a * heat)}, where the heat weight {@code a} is
 * <ul>
 *   <li>{@link AlphaMode#CONSTANT} (default): {@code a = alpha} everywhere — the classic Grad-CAM overlay;
 *   <li>{@link AlphaMode#BY_INTENSITY}: {@code a = alpha * s}, where the strength {@code s} is the map value {@code t}
 *       for sequential maps and {@code |2t - 1|} for {@linkplain Colormap#diverging() diverging} maps (distance from
 *       the neutral centre). Cold regions (and, for diverging maps, near-zero regions) stay clear, so the image remains
 *       readable and only the evidence is tinted.
 * </ul>
 * The result is {@code TYPE_INT_RGB}; an image with transparency is first composited over white.
 *
 * <pre>{@code
 * BufferedImage o = Overlay.overlay(photo, Normalization.minMax().apply(cam), Colormap.JET, 0.5);
 * BufferedImage soft = Overlay.overlay(photo, norm, Colormap.INFERNO, 0.7, Overlay.AlphaMode.BY_INTENSITY);
 * }</pre>
 */
public final class Overlay {
  private Overlay() {}

  /** How the heat-map weight varies over the image; see the class comment. */
  public enum AlphaMode {
    /** The same weight {@code alpha} everywhere. */
    CONSTANT,
    /** Weight {@code alpha * strength(t)}: cold (or, for diverging maps, neutral) regions stay clear. */
    BY_INTENSITY
  }

  /**
   * Blends with a constant heat-map weight {@code alpha}: 0 returns the image's pixels, 1 the colourised map.
   *
   * <pre>{@code
   * BufferedImage o = Overlay.overlay(photo, Normalization.minMax().apply(cam13), Colormap.JET, 0.5);
   * ImageIo.writePng(o, Path.of("overlay.png"));
   * }</pre>
   *
   * @param image      the picture, any size
   * @param normalized the map with values in [0, 1] (e.g. {@link Normalization#apply(Map2D)}), any size; resampled
   *                   bilinearly to the image size
   * @param cmap       the colour map
   * @param alpha      heat-map weight in [0, 1]
   * @return a new {@code TYPE_INT_RGB} image of the image's size
   * @throws IllegalArgumentException if {@code alpha} is not in [0, 1]
   */
  public static BufferedImage overlay(BufferedImage image, Map2D normalized, Colormap cmap, double alpha) {
    return overlay(image, normalized, cmap, alpha, AlphaMode.CONSTANT);
  }

  /**
   * Blends with the given weighting mode (see the class comment).
   *
   * <pre>{@code
   * BufferedImage o = Overlay.overlay(photo, norm, Colormap.INFERNO, 0.8, Overlay.AlphaMode.BY_INTENSITY);
   * // where norm is 0 the photo is untouched; where norm is 1 it is 80% heat colour
   * }</pre>
   *
   * @param image      the picture, any size
   * @param normalized the map with values in [0, 1], any size; resampled bilinearly to the image size
   * @param cmap       the colour map
   * @param alpha      maximum heat-map weight in [0, 1]
   * @param mode       {@link AlphaMode#CONSTANT} or {@link AlphaMode#BY_INTENSITY}
   * @return a new {@code TYPE_INT_RGB} image of the image's size
   * @throws IllegalArgumentException if {@code alpha} is not in [0, 1] (NaN included)
   */
  public static BufferedImage overlay(
      BufferedImage image, Map2D normalized, Colormap cmap, double alpha, AlphaMode mode) {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(normalized, "normalized");
    Objects.requireNonNull(cmap, "cmap");
    Objects.requireNonNull(mode, "mode");
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
    }
    int w = image.getWidth();
    int h = image.getHeight();
    Map2D map = normalized.height() == h && normalized.width() == w
        ? normalized
        : Resample.bilinear(normalized, h, w);
    int[] px = Images.argb(Images.hasAlpha(image) ? ImageIo.toRgb(image) : image);
    int[] out = new int[w * h];
    for (int i = 0; i < out.length; i++) {
      double t = map.at(i);
      double a = alpha;
      if (mode == AlphaMode.BY_INTENSITY) {
        double tc = Math.max(0, Math.min(1, t));
        a *= cmap.diverging() ? Math.abs(2 * tc - 1) : tc;
      }
      int heat = cmap.rgb(t);
      int p = px[i];
      int v = 0;
      for (int shift = 0; shift <= 16; shift += 8) {
        int ci = (p >> shift) & 0xFF;
        int ch = (heat >> shift) & 0xFF;
        v |= (int) Math.round((1 - a) * ci + a * ch) << shift;
      }
      out[i] = v;
    }
    return Images.fromArgb(out, w, h, false);
  }
}
