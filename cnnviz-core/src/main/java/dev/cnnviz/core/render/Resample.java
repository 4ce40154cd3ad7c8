package dev.cnnviz.core.render;

import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * Resampling of maps and images, typically to upsample a 13×13 or 7×7 class-activation map to the 224×224 input.
 *
 * <p><b>Bilinear, {@code align_corners=false}</b> (the same as OpenCV {@code cv2.resize(..., INTER_LINEAR)} and
 * PyTorch {@code F.interpolate(mode='bilinear', align_corners=False)}): output pixel centres are mapped back with
 * {@code src = (dst + 0.5) * (inSize / outSize) - 0.5}, clamped below at 0; then
 * {@code i0 = floor(src)}, {@code i1 = min(i0 + 1, inSize - 1)}, {@code w = src - i0} and the value is
 * {@code (1 - w) v[i0] + w v[i1]}, separably in y and x. Every output is a convex combination of inputs, so it stays
 * within the input's [min, max].
 *
 * <p><b>Nearest</b> maps output centres back the same way, {@code src = floor((dst + 0.5) * inSize / outSize)}
 * (PyTorch's {@code 'nearest-exact'}); an integer upscale repeats every input pixel exactly {@code k} times.
 *
 * <pre>{@code
 * Map2D cam224 = Resample.bilinear(cam13, 224, 224);
 * BufferedImage big = Resample.nearest(mnist28, 224, 224);   // crisp 8x8 blocks
 * }</pre>
 */
public final class Resample {
  private Resample() {}

  /**
   * Bilinear resampling of a map to {@code outH × outW} with {@code align_corners=false} semantics (see the class
   * comment for the formula). Works for up- and down-sampling; the same size returns an equal map.
   *
   * <pre>{@code
   * Map2D up = Resample.bilinear(Map2D.of(new float[][] {{0, 1}, {2, 3}}), 4, 4);
   * up.get(0, 1);   // 0.25f (PyTorch gives the same)
   * }</pre>
   *
   * @param src  the map
   * @param outH output height, positive
   * @param outW output width, positive
   * @return the resampled map
   * @throws IllegalArgumentException if an output size is not positive
   */
  public static Map2D bilinear(Map2D src, int outH, int outW) {
    Objects.requireNonNull(src, "src");
    checkSize(outW, outH);
    int inH = src.height();
    int inW = src.width();
    Axis ay = Axis.linear(inH, outH);
    Axis ax = Axis.linear(inW, outW);
    float[] out = new float[outH * outW];
    double[] row0 = new double[outW];
    double[] row1 = new double[outW];
    for (int y = 0; y < outH; y++) {
      horizontal(src, ay.i0[y], ax, row0);
      horizontal(src, ay.i1[y], ax, row1);
      double wy = ay.w[y];
      for (int x = 0; x < outW; x++) {
        out[y * outW + x] = (float) (row0[x] + wy * (row1[x] - row0[x]));
      }
    }
    return new Map2D(outH, outW, out);
  }

  /**
   * Nearest-neighbour resampling of a map: {@code out(y, x) = src(floor((y + 0.5) inH / outH),
   * floor((x + 0.5) inW / outW))}. Useful to show the raw cells of a coarse map.
   *
   * <pre>{@code
   * Map2D blocks = Resample.nearest(cam7, 224, 224);   // 32x32 blocks per cell
   * blocks.get(31, 0) == cam7.get(0, 0);              // true
   * }</pre>
   *
   * @param src  the map
   * @param outH output height, positive
   * @param outW output width, positive
   * @return the resampled map
   * @throws IllegalArgumentException if an output size is not positive
   */
  public static Map2D nearest(Map2D src, int outH, int outW) {
    Objects.requireNonNull(src, "src");
    checkSize(outW, outH);
    int[] iy = nearestIndex(src.height(), outH);
    int[] ix = nearestIndex(src.width(), outW);
    float[] out = new float[outH * outW];
    for (int y = 0; y < outH; y++) {
      for (int x = 0; x < outW; x++) {
        out[y * outW + x] = src.at(iy[y] * src.width() + ix[x]);
      }
    }
    return new Map2D(outH, outW, out);
  }

  /**
   * Bilinear resize of an image to {@code w × h} with the same {@code align_corners=false} formula, per channel
   * (alpha included). When shrinking by 2× or more, the image is first halved repeatedly with a 2×2 box filter so that
   * thin details do not alias. The result is {@code TYPE_INT_ARGB} if the input has alpha, else {@code TYPE_INT_RGB};
   * grey inputs are read by sample value (see {@link Images}).
   *
   * <pre>{@code
   * BufferedImage thumb = Resample.resize(photo, 224, 224);
   * BufferedImage wide = Resample.resize(photo, 448, 224);
   * }</pre>
   *
   * @param image the image
   * @param w     output width, positive
   * @param h     output height, positive
   * @return a new image
   * @throws IllegalArgumentException if a size is not positive
   */
  public static BufferedImage resize(BufferedImage image, int w, int h) {
    Objects.requireNonNull(image, "image");
    checkSize(w, h);
    int inW = image.getWidth();
    int inH = image.getHeight();
    int[] px = Images.argb(image);
    boolean alpha = Images.hasAlpha(image);
    while (inW >= 2 * w && inH >= 2 * h && inW >= 2 && inH >= 2) {
      int hw = inW / 2;
      int hh = inH / 2;
      px = halve(px, inW, hw, hh);
      inW = hw;
      inH = hh;
    }
    Axis ay = Axis.linear(inH, h);
    Axis ax = Axis.linear(inW, w);
    int[] out = new int[w * h];
    for (int y = 0; y < h; y++) {
      int r0 = ay.i0[y] * inW;
      int r1 = ay.i1[y] * inW;
      double wy = ay.w[y];
      for (int x = 0; x < w; x++) {
        int c0 = ax.i0[x];
        int c1 = ax.i1[x];
        double wx = ax.w[x];
        int p00 = px[r0 + c0];
        int p01 = px[r0 + c1];
        int p10 = px[r1 + c0];
        int p11 = px[r1 + c1];
        int v = 0;
        for (int shift = 0; shift <= 24; shift += 8) {
          double top = ch(p00, shift) + wx * (ch(p01, shift) - ch(p00, shift));
          double bot = ch(p10, shift) + wx * (ch(p11, shift) - ch(p10, shift));
          int c = (int) Math.round(top + wy * (bot - top));
          v |= Math.max(0, Math.min(255, c)) << shift;
        }
        out[y * w + x] = v;
      }
    }
    return Images.fromArgb(out, w, h, alpha);
  }

  /**
   * Nearest-neighbour resize of an image (see the class comment for the index formula); keeps hard pixel edges, the
   * right choice to enlarge a 28×28 digit.
   *
   * <pre>{@code
   * BufferedImage crisp = Resample.nearest(mnist28, 224, 224);   // each pixel becomes an 8x8 block
   * ImageIo.writePng(crisp, Path.of("digit.png"));
   * }</pre>
   *
   * @param image the image
   * @param w     output width, positive
   * @param h     output height, positive
   * @return a new image ({@code TYPE_INT_ARGB} if the input has alpha, else {@code TYPE_INT_RGB})
   * @throws IllegalArgumentException if a size is not positive
   */
  public static BufferedImage nearest(BufferedImage image, int w, int h) {
    Objects.requireNonNull(image, "image");
    checkSize(w, h);
    int inW = image.getWidth();
    int[] px = Images.argb(image);
    int[] iy = nearestIndex(image.getHeight(), h);
    int[] ix = nearestIndex(inW, w);
    int[] out = new int[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        out[y * w + x] = px[iy[y] * inW + ix[x]];
      }
    }
    return Images.fromArgb(out, w, h, Images.hasAlpha(image));
  }

  private static void horizontal(Map2D src, int row, Axis ax, double[] dst) {
    int base = row * src.width();
    for (int x = 0; x < dst.length; x++) {
      double a = src.at(base + ax.i0[x]);
      double b = src.at(base + ax.i1[x]);
      dst[x] = a + ax.w[x] * (b - a);
    }
  }

  private static int[] nearestIndex(int in, int out) {
    int[] idx = new int[out];
    double scale = (double) in / out;
    for (int d = 0; d < out; d++) {
      idx[d] = Math.min(in - 1, (int) Math.floor((d + 0.5) * scale));
    }
    return idx;
  }

  private static int[] halve(int[] px, int inW, int outW, int outH) {
    int[] out = new int[outW * outH];
    for (int y = 0; y < outH; y++) {
      for (int x = 0; x < outW; x++) {
        int a = px[(2 * y) * inW + 2 * x];
        int b = px[(2 * y) * inW + 2 * x + 1];
        int c = px[(2 * y + 1) * inW + 2 * x];
        int d = px[(2 * y + 1) * inW + 2 * x + 1];
        int v = 0;
        for (int shift = 0; shift <= 24; shift += 8) {
          int s = ((a >>> shift) & 0xFF) + ((b >>> shift) & 0xFF) + ((c >>> shift) & 0xFF) + ((d >>> shift) & 0xFF);
          v |= ((s + 2) / 4) << shift;
        }
        out[y * outW + x] = v;
      }
    }
    return out;
  }

  private static double ch(int p, int shift) {
    return (p >>> shift) & 0xFF;
  }

  private static void checkSize(int w, int h) {
    if (w <= 0 || h <= 0) {
      throw new IllegalArgumentException("output size must be positive, got width=" + w + ", height=" + h);
    }
  }

  /** Precomputed source indices and weights along one axis (align_corners=false). */
  private static final class Axis {
    final int[] i0;
    final int[] i1;
    final double[] w;

    private Axis(int n) {
      i0 = new int[n];
      i1 = new int[n];
      w = new double[n];
    }

    static Axis linear(int in, int out) {
      Axis a = new Axis(out);
      double scale = (double) in / out;
      for (int d = 0; d < out; d++) {
        double src = Math.max(0.0, (d + 0.5) * scale - 0.5);
        int lo = Math.min((int) Math.floor(src), in - 1);
        a.i0[d] = lo;
        a.i1[d] = Math.min(lo + 1, in - 1);
        a.w[d] = lo == in - 1 ? 0.0 : src - lo;
      }
      return a;
    }
  }
}
