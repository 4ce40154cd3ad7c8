package dev.cnnviz.core.render;

import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * How a raw map (attribution, CAM, saliency...) is scaled into [0, 1] before a {@link Colormap} is applied. An
 * immutable value; create it with one of the factories.
 *
 * <table>
 *   <caption>Modes ({@code v} is a raw value, the result is always clipped to [0, 1])</caption>
 *   <tr><th>factory</th><th>formula</th><th>bounds (raw values shown at 0 and 1)</th></tr>
 *   <tr><td>{@link #minMax()}</td><td>{@code (v - min) / (max - min)}</td><td>{@code min, max}</td></tr>
 *   <tr><td>{@link #absolute()}</td><td>{@code |v| / max|v|}</td><td>{@code 0, max|v|}</td></tr>
 *   <tr><td>{@link #percentile(double) percentile(p)}</td><td>{@code min(1, |v| / q)}, q = the (100 - p)-th
 *       percentile of {@code |v|}</td><td>{@code 0, q}</td></tr>
 *   <tr><td>{@link #signed()}</td><td>{@code 0.5 + 0.5 v / max|v|} (zero stays at 0.5)</td>
 *       <td>{@code -max|v|, +max|v|}</td></tr>
 *   <tr><td>{@link #signedPercentile(double) signedPercentile(p)}</td><td>{@code 0.5 + 0.5 clip(v / q, -1, 1)}</td>
 *       <td>{@code -q, +q}</td></tr>
 * </table>
 *
 * <p><b>Degenerate maps never give NaN.</b> A constant map ({@code max == min}) carries no spatial information and
 * normalises to the mode's neutral value everywhere: all zeros for {@code minMax}, {@code absolute} and
 * {@code percentile}; all 0.5 (the encoded zero) for the signed modes. If a percentile scale {@code q} is 0 while the
 * map is not constant (e.g. more than p% of the values are non-zero outliers over a zero background), the scale falls
 * back to {@code max|v|}.
 *
 * <p>Percentiles use linear interpolation between order statistics (numpy's default {@code method='linear'}). This is
 * the plain percentile; Captum's {@code visualize_image_attr(outlier_perc=p)} uses a cumulative-sum threshold instead,
 * which clips somewhat more aggressively on peaky maps.
 *
 * <pre>{@code
 * Map2D unit = Normalization.percentile(2).apply(saliency);   // top 2% of |v| saturate
 * Map2D centred = Normalization.signed().apply(integratedGradients);  // use with Colormap.RDBU_R
 * }</pre>
 *
 * @param mode           the scaling rule
 * @param outlierPercent for the percentile modes, the percentage of largest {@code |v|} that is clipped, in
 *                       [0, 100); 0 for the other modes
 */
public record Normalization(Mode mode, double outlierPercent) {

  /** The scaling rules; see the class comment for the formulas. */
  public enum Mode {
    /** {@code (v - min) / (max - min)}. */
    MIN_MAX,
    /** {@code |v| / max|v|}. */
    ABSOLUTE,
    /** {@code min(1, |v| / q)} with q the (100 - p)-th percentile of {@code |v|}. */
    PERCENTILE,
    /** {@code 0.5 + 0.5 v / max|v|}. */
    SIGNED,
    /** {@code 0.5 + 0.5 clip(v / q, -1, 1)} with q the (100 - p)-th percentile of {@code |v|}. */
    SIGNED_PERCENTILE
  }

  /**
   * The raw values that a normalisation maps to 0 ({@code low}) and to 1 ({@code high}); used to label colour bars.
   *
   * <pre>{@code
   * Normalization.Bounds b = Normalization.signed().bounds(ig);
   * String label = b.low() + " .. " + b.high();   // e.g. "-0.8 .. 0.8"
   * }</pre>
   *
   * @param low  the raw value shown at {@code t = 0}
   * @param high the raw value shown at {@code t = 1}
   */
  public record Bounds(double low, double high) {}

  /**
   * Validates the parameters.
   *
   * <pre>{@code
   * new Normalization(Normalization.Mode.PERCENTILE, 1.0);   // same as Normalization.percentile(1)
   * new Normalization(Normalization.Mode.MIN_MAX, 5);        // IllegalArgumentException
   * }</pre>
   *
   * @param mode           the scaling rule
   * @param outlierPercent percentage clipped by the percentile modes, in [0, 100); 0 for the other modes
   * @throws IllegalArgumentException if {@code outlierPercent} is not in [0, 100) for a percentile mode, or not 0 for
   *     the other modes
   */
  public Normalization {
    Objects.requireNonNull(mode, "mode");
    boolean pct = mode == Mode.PERCENTILE || mode == Mode.SIGNED_PERCENTILE;
    if (pct && !(outlierPercent >= 0 && outlierPercent < 100)) {
      throw new IllegalArgumentException("outlierPercent must be in [0, 100), got " + outlierPercent);
    }
    if (!pct && outlierPercent != 0) {
      throw new IllegalArgumentException("outlierPercent only applies to percentile modes; " + mode
          + " needs 0, got " + outlierPercent);
    }
  }

  /**
   * Min-max scaling: {@code (v - min) / (max - min)}; a constant map gives all zeros.
   *
   * <pre>{@code
   * Normalization.minMax().apply(Map2D.of(new float[][] {{2, 4, 6}}));   // {{0, 0.5, 1}}
   * Normalization.minMax().apply(Map2D.constant(2, 2, 7));             // all 0
   * }</pre>
   *
   * @return the min-max normalisation
   */
  public static Normalization minMax() {
    return new Normalization(Mode.MIN_MAX, 0);
  }

  /**
   * Robust scaling of magnitudes: {@code min(1, |v| / q)} where {@code q} is the {@code (100 - outlierPercent)}-th
   * percentile of {@code |v|}; the top {@code outlierPercent}% saturate at 1. {@code percentile(0)} equals
   * {@link #absolute()}. Typical values: 1 or 2 (Captum's default {@code outlier_perc} is 2).
   *
   * <pre>{@code
   * Map2D m = Normalization.percentile(2).apply(saliency);
   * // one huge outlier no longer squashes everything else to ~0
   * }</pre>
   *
   * @param outlierPercent percentage of values to clip, in [0, 100)
   * @return the percentile normalisation
   * @throws IllegalArgumentException if {@code outlierPercent} is outside [0, 100) or NaN
   */
  public static Normalization percentile(double outlierPercent) {
    return new Normalization(Mode.PERCENTILE, outlierPercent);
  }

  /**
   * Magnitude scaling: {@code |v| / max|v|}, so 0 stays 0 and the strongest value (of either sign) becomes 1. A
   * constant map gives all zeros.
   *
   * <pre>{@code
   * Normalization.absolute().apply(Map2D.of(new float[][] {{-4, 0, 2}}));   // {{1, 0, 0.5}}
   * }</pre>
   *
   * @return the absolute-value normalisation
   */
  public static Normalization absolute() {
    return new Normalization(Mode.ABSOLUTE, 0);
  }

  /**
   * Symmetric signed scaling for diverging colour maps: {@code 0.5 + 0.5 v / max|v|}, so zero maps to 0.5, the most
   * negative magnitude to 0 and the most positive to 1. A constant map gives all 0.5.
   *
   * <pre>{@code
   * Normalization.signed().apply(Map2D.of(new float[][] {{-2, 0, 1}}));   // {{0, 0.5, 0.75}}
   * Colormap.RDBU_R.colorize(Normalization.signed().apply(ig));          // blue < 0 < red
   * }</pre>
   *
   * @return the signed normalisation
   */
  public static Normalization signed() {
    return new Normalization(Mode.SIGNED, 0);
  }

  /**
   * Signed scaling with outlier clipping: {@code 0.5 + 0.5 clip(v / q, -1, 1)} where {@code q} is the
   * {@code (100 - outlierPercent)}-th percentile of {@code |v|}. {@code signedPercentile(0)} equals {@link #signed()}.
   *
   * <pre>{@code
   * Map2D m = Normalization.signedPercentile(1).apply(integratedGradients);
   * Colormap.RDBU_R.colorize(m);
   * }</pre>
   *
   * @param outlierPercent percentage of values to clip, in [0, 100)
   * @return the signed percentile normalisation
   * @throws IllegalArgumentException if {@code outlierPercent} is outside [0, 100) or NaN
   */
  public static Normalization signedPercentile(double outlierPercent) {
    return new Normalization(Mode.SIGNED_PERCENTILE, outlierPercent);
  }

  /**
   * Whether the output encodes zero at 0.5 (the {@code SIGNED} modes), i.e. whether it is meant for a
   * {@linkplain Colormap#diverging() diverging} colour map.
   *
   * <pre>{@code
   * Normalization.signed().isSigned();   // true
   * Normalization.minMax().isSigned();   // false
   * }</pre>
   *
   * @return true for {@link Mode#SIGNED} and {@link Mode#SIGNED_PERCENTILE}
   */
  public boolean isSigned() {
    return mode == Mode.SIGNED || mode == Mode.SIGNED_PERCENTILE;
  }

  /**
   * The raw values this normalisation maps to 0 and 1 for {@code raw} (see the table in the class comment). For a
   * constant map {@code c} the bounds are computed by the same formulas and may be degenerate (for example
   * {@code (c, c)} for {@code minMax}); {@link #apply(Map2D)} then returns the neutral value instead of dividing.
   *
   * <pre>{@code
   * Normalization.minMax().bounds(Map2D.of(new float[][] {{2, 6}}));     // Bounds[low=2.0, high=6.0]
   * Normalization.absolute().bounds(Map2D.of(new float[][] {{-3, 1}}));  // Bounds[low=0.0, high=3.0]
   * }</pre>
   *
   * @param raw the map to be normalised
   * @return the raw values at {@code t = 0} and {@code t = 1}
   */
  public Bounds bounds(Map2D raw) {
    switch (mode) {
      case MIN_MAX:
        return new Bounds(raw.min(), raw.max());
      case ABSOLUTE:
        return new Bounds(0, raw.maxAbs());
      case PERCENTILE:
        return new Bounds(0, robustScale(raw));
      case SIGNED: {
        double m = raw.maxAbs();
        return new Bounds(-m, m);
      }
      case SIGNED_PERCENTILE: {
        double q = robustScale(raw);
        return new Bounds(-q, q);
      }
      default:
        throw new AssertionError(mode);
    }
  }

  /**
   * Scales {@code raw} into [0, 1] with this mode's formula (see the class comment). The result has the same size.
   * A constant map gives all zeros (all 0.5 for the signed modes); the result never contains NaN.
   *
   * <pre>{@code
   * Map2D unit = Normalization.minMax().apply(cam);
   * BufferedImage heat = Colormap.JET.colorize(unit);
   * }</pre>
   *
   * @param raw the map to normalise
   * @return a new map with values in [0, 1]
   */
  public Map2D apply(Map2D raw) {
    int n = raw.size();
    float[] out = new float[n];
    boolean constant = raw.min() == raw.max();
    if (constant) {
      Arrays.fill(out, isSigned() ? 0.5f : 0f);
      return new Map2D(raw.height(), raw.width(), out);
    }
    Bounds b = bounds(raw);
    double lo = b.low();
    double hi = b.high();
    double range = hi - lo; // > 0: non-constant map, and robustScale falls back to max|v| > 0
    for (int i = 0; i < n; i++) {
      double v = raw.at(i);
      double t;
      switch (mode) {
        case MIN_MAX:
          t = (v - lo) / range;
          break;
        case ABSOLUTE:
        case PERCENTILE:
          t = Math.abs(v) / hi;
          break;
        default: // SIGNED, SIGNED_PERCENTILE
          t = 0.5 + 0.5 * (v / hi);
          break;
      }
      out[i] = (float) Math.max(0, Math.min(1, t));
    }
    return new Map2D(raw.height(), raw.width(), out);
  }

  /**
   * A short human-readable name, e.g. {@code "min-max"}, {@code "percentile(2%)"}, {@code "signed"}.
   *
   * <pre>{@code
   * Normalization.percentile(2).describe();   // "percentile(2%)"
   * Normalization.signed().describe();        // "signed"
   * }</pre>
   *
   * @return the name
   */
  public String describe() {
    String p = String.format(Locale.ROOT, "%s%%", trim(outlierPercent));
    switch (mode) {
      case MIN_MAX:
        return "min-max";
      case ABSOLUTE:
        return "absolute";
      case PERCENTILE:
        return "percentile(" + p + ")";
      case SIGNED:
        return "signed";
      default:
        return "signed-percentile(" + p + ")";
    }
  }

  /**
   * The (100 - outlierPercent)-th percentile of |v| (linear interpolation); 0 percentile falls back to max|v|. For the
   * non-percentile modes this is max|v|.
   */
  private double robustScale(Map2D raw) {
    double maxAbs = raw.maxAbs();
    if (mode != Mode.PERCENTILE && mode != Mode.SIGNED_PERCENTILE) {
      return maxAbs;
    }
    double q = percentileOfAbs(raw, 100.0 - outlierPercent);
    return q > 0 ? q : maxAbs;
  }

  /** The {@code pct}-th percentile (0..100) of |values|, numpy 'linear' method. */
  static double percentileOfAbs(Map2D map, double pct) {
    int n = map.size();
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = Math.abs(map.at(i));
    }
    Arrays.sort(a);
    double rank = pct / 100.0 * (n - 1);
    int lo = (int) Math.floor(rank);
    int hi = Math.min(lo + 1, n - 1);
    double f = rank - lo;
    return a[lo] + f * (a[hi] - a[lo]);
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
