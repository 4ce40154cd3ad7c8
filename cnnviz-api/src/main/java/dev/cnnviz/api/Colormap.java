package dev.cnnviz.api;

import java.awt.image.BufferedImage;

/**
 * Colour maps: functions from a scalar {@code t} in [0, 1] to an sRGB colour.
 *
 * <ul>
 *   <li>{@link #JET} — the classic MATLAB/OpenCV rainbow, piecewise linear:
 *       {@code r = clamp(1.5 - |4t - 3|)}, {@code g = clamp(1.5 - |4t - 2|)}, {@code b = clamp(1.5 - |4t - 1|)}
 *       (dark blue at 0, green at 0.5, dark red at 1). Familiar from Grad-CAM papers, but not perceptually uniform.
 *   <li>{@link #VIRIDIS} — matplotlib's default, perceptually uniform, #440154 at 0 to #FDE725 at 1.
 *   <li>{@link #INFERNO} — perceptually uniform black-red-yellow, #000004 at 0 to #FCFFA4 at 1; good for
 *       heat maps printed on white.
 *   <li>{@link #GREY} — linear grey ramp, black at 0, white at 1.
 *   <li>{@link #RDBU_R} — diverging ColorBrewer RdBu reversed (matplotlib's {@code RdBu_r}): dark blue #053061 at 0,
 *       near-white #F7F7F7 at 0.5, dark red #67001F at 1. Use it with {@code Normalization} so that negative
 *       attributions are blue, zero is white and positive ones are red.
 * </ul>
 *
 * <p>Table-driven maps (VIRIDIS, INFERNO with 256 entries, RDBU_R with 11) interpolate linearly between table
 * entries, placed evenly so that entry 0 is exactly {@code t = 0} and the last entry is exactly {@code t = 1}.
 * Channels are rounded to the nearest 8-bit value. {@code t} outside [0, 1] is clamped; NaN is treated as 0.
 *
 * <pre>{@code
 * int rgb = Colormap.VIRIDIS.rgb(0.0);                      // 0x440154
 * BufferedImage heat = Colormap.JET.colorize(Normalization.minMax().apply(cam));
 * }</pre>
 */
public enum Colormap {
  /** Classic piecewise-linear jet: dark blue (0) → blue → cyan → green (0.5) → yellow → red → dark red (1). */
  JET(false, null),
  /** matplotlib viridis (256-entry table): dark purple #440154 (0) → teal → yellow #FDE725 (1). */
  VIRIDIS(false, ColormapTables.VIRIDIS),
  /** matplotlib inferno (256-entry table): black #000004 (0) → purple → orange → pale yellow #FCFFA4 (1). */
  INFERNO(false, ColormapTables.INFERNO),
  /** Linear grey ramp: {@code v = round(255 t)} in every channel. */
  GREY(false, null),
  /** Diverging blue–white–red (ColorBrewer RdBu reversed): #053061 (0) → #F7F7F7 (0.5) → #67001F (1). */
  RDBU_R(true, ColormapTables.RDBU_R);

  private final boolean diverging;
  private final float[] table;

  Colormap(boolean diverging, float[] table) {
    this.diverging = diverging;
    this.table = table;
  }

  /**
   * Whether this map is diverging, i.e. meant for signed data with zero at {@code t = 0.5}.
   *
   * <pre>{@code
   * Colormap.RDBU_R.diverging();   // true
   * Colormap.JET.diverging();      // false
   * }</pre>
   *
   * @return true for {@link #RDBU_R}, false otherwise
   */
  public boolean diverging() {
    return diverging;
  }

  /**
   * The colour at {@code t}, packed as {@code 0xRRGGBB} (alpha bits are zero). {@code t} is clamped to [0, 1]; NaN is
   * treated as 0. See the class comment for each map's formula.
   *
   * <pre>{@code
   * Colormap.INFERNO.rgb(1.0);   // 0xFCFFA4
   * Colormap.GREY.rgb(0.5);      // 0x808080
   * }</pre>
   *
   * @param t position in [0, 1]
   * @return the packed sRGB colour
   */
  public int rgb(double t) {
    double u = Double.isNaN(t) ? 0 : Math.max(0, Math.min(1, t));
    double r;
    double g;
    double b;
    if (this == JET) {
      r = clamp01(1.5 - Math.abs(4 * u - 3));
      g = clamp01(1.5 - Math.abs(4 * u - 2));
      b = clamp01(1.5 - Math.abs(4 * u - 1));
    } else if (this == GREY) {
      r = g = b = u;
    } else {
      int n = table.length / 3;
      double pos = u * (n - 1);
      int i0 = Math.min((int) pos, n - 2);
      double f = pos - i0;
      int a = 3 * i0;
      int c = a + 3;
      r = table[a] + f * (table[c] - table[a]);
      g = table[a + 1] + f * (table[c + 1] - table[a + 1]);
      b = table[a + 2] + f * (table[c + 2] - table[a + 2]);
    }
    return (to8(r) << 16) | (to8(g) << 8) | to8(b);
  }

  /**
   * Colours every value of a normalised map (values expected in [0, 1], others clamped) into a
   * {@code TYPE_INT_RGB} image of the map's size: pixel {@code (x, y)} is {@code rgb(map.get(y, x))}.
   *
   * <pre>{@code
   * Map2D norm = Normalization.minMax().apply(cam);
   * BufferedImage heat = Colormap.INFERNO.colorize(norm);   // cam.width() x cam.height()
   * }</pre>
   *
   * @param normalizedMap the map, normally the output of {@code Normalization.apply}
   * @return a new image, {@code width} by {@code height}
   */
  public BufferedImage colorize(Map2D normalizedMap) {
    int w = normalizedMap.width();
    int h = normalizedMap.height();
    int[] px = new int[w * h];
    for (int i = 0; i < px.length; i++) {
      px[i] = rgb(normalizedMap.at(i));
    }
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, w, h, px, 0, w);
    return img;
  }

  /**
   * A colour bar swatch ({@code TYPE_INT_RGB}, no labels or border). If {@code height >= width} the bar is vertical
   * with {@code t = 1} at the top row and {@code t = 0} at the bottom row; otherwise it is horizontal with
   * {@code t = 0} at the left column and {@code t = 1} at the right column. Along the bar,
   * {@code t = i / (length - 1)} (a length of 1 gives {@code t = 0}).
   *
   * <pre>{@code
   * BufferedImage bar = Colormap.VIRIDIS.colorbar(14, 224);   // vertical, yellow on top
   * BufferedImage strip = Colormap.JET.colorbar(256, 12);     // horizontal, blue on the left
   * }</pre>
   *
   * @param width  width in pixels, positive
   * @param height height in pixels, positive
   * @return the swatch
   * @throws IllegalArgumentException if a size is not positive
   */
  public BufferedImage colorbar(int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("colorbar sizes must be positive, got " + width + "x" + height);
    }
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    boolean vertical = height >= width;
    int len = vertical ? height : width;
    for (int i = 0; i < len; i++) {
      double t = len == 1 ? 0 : (double) i / (len - 1);
      int c = rgb(t);
      if (vertical) {
        int y = height - 1 - i;
        for (int x = 0; x < width; x++) {
          img.setRGB(x, y, c);
        }
      } else {
        for (int y = 0; y < height; y++) {
          img.setRGB(i, y, c);
        }
      }
    }
    return img;
  }

  private static double clamp01(double v) {
    return Math.max(0, Math.min(1, v));
  }

  private static int to8(double v) {
    return (int) Math.round(clamp01(v) * 255.0);
  }
}
