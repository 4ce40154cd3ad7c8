package dev.cnnviz.core.render;

import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A side-by-side figure: <i>original | heat map with colour bar | overlay</i>, with tile titles above and an optional
 * caption strip underneath, on a white background. Immutable: every setter returns a new {@code Panel}.
 *
 * <p><b>Layout</b> (all sizes in pixels). Every tile is scaled to the common height {@code tileSize} (default
 * {@value #DEFAULT_TILE_SIZE}) keeping the image's aspect ratio: {@code tileW = max(1, round(imageW * tileSize /
 * imageH))}. The figure is
 * {@code width = 2*MARGIN + 3*tileW + 2*GAP + COLORBAR_SPACE} and
 * {@code height = 2*MARGIN + TITLE_HEIGHT + tileSize + captionHeight}, where {@code captionHeight} is 0 without a
 * caption, else {@code CAPTION_GAP + lines * lineHeight} (long captions wrap at word boundaries; {@code \n} forces a
 * break). The colour bar is {@value #COLORBAR_WIDTH} px wide, as tall as the tiles, and labelled with the raw values
 * at its ends ({@link Normalization#bounds(Map2D)}), plus 0 in the middle for signed normalisations.
 *
 * <p><b>Scaling</b>: an image enlarged by 2× or more (e.g. 28×28 → 224) uses nearest-neighbour so its pixels stay
 * crisp; other sizes use {@link Resample#resize(BufferedImage, int, int)}. The heat map is upsampled bilinearly
 * ({@link Resample#bilinear(Map2D, int, int)}) so a 13×13 CAM looks smooth.
 *
 * <p><b>Defaults</b>: normalisation {@link Normalization#signed()} for diverging colour maps, else
 * {@link Normalization#minMax()}; overlay alpha {@value #DEFAULT_ALPHA} with {@link Overlay.AlphaMode#CONSTANT}; titles
 * "input", "heat map", "overlay"; no caption. Text is antialiased SansSerif (titles bold 13, caption 14, labels 11).
 *
 * <pre>{@code
 * Panel.of(image).heatmap(cam, Colormap.JET).caption("Grad-CAM · fire9_concat · class 285 Egyptian cat")
 *     .tileSize(224).save(Path.of("target/cat-gradcam.png"));
 * }</pre>
 */
public final class Panel {
  /** Default tile height, {@value}. */
  public static final int DEFAULT_TILE_SIZE = 224;
  /** Default overlay heat-map weight, {@value}. */
  public static final double DEFAULT_ALPHA = 0.5;
  /** Outer margin on every side, {@value}. */
  public static final int MARGIN = 14;
  /** Horizontal gap between tiles, {@value}. */
  public static final int GAP = 14;
  /** Height of the tile-title row above the tiles, {@value}. */
  public static final int TITLE_HEIGHT = 22;
  /** Gap between the heat-map tile and its colour bar, {@value}. */
  public static final int COLORBAR_GAP = 6;
  /** Width of the colour bar, {@value}. */
  public static final int COLORBAR_WIDTH = 12;
  /** Width reserved to the right of the colour bar for its value labels, {@value}. */
  public static final int COLORBAR_LABEL_WIDTH = 52;
  /** Total extra width taken by the colour bar: gap + bar + labels, {@value}. */
  public static final int COLORBAR_SPACE = COLORBAR_GAP + COLORBAR_WIDTH + COLORBAR_LABEL_WIDTH;
  /** Space between the tiles and the first caption line, {@value}. */
  public static final int CAPTION_GAP = 12;

  private static final Color TEXT = new Color(0x22, 0x22, 0x22);
  private static final Color TITLE = new Color(0x44, 0x44, 0x44);
  private static final Color RULE = new Color(0xDD, 0xDD, 0xDD);
  private static final Color FRAME = new Color(0x99, 0x99, 0x99);
  private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 13);
  private static final Font CAPTION_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
  private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

  private final BufferedImage image;
  private final Map2D map;
  private final Colormap cmap;
  private final Normalization normalization;
  private final double alpha;
  private final Overlay.AlphaMode alphaMode;
  private final String caption;
  private final int tileSize;
  private final List<String> titles;

  private Panel(BufferedImage image, Map2D map, Colormap cmap, Normalization normalization, double alpha,
      Overlay.AlphaMode alphaMode, String caption, int tileSize, List<String> titles) {
    this.image = image;
    this.map = map;
    this.cmap = cmap;
    this.normalization = normalization;
    this.alpha = alpha;
    this.alphaMode = alphaMode;
    this.caption = caption;
    this.tileSize = tileSize;
    this.titles = titles;
  }

  /**
   * Starts a panel for {@code image} with the defaults listed in the class comment. The image is copied, so later
   * changes to it do not affect the panel.
   *
   * <pre>{@code
   * Panel p = Panel.of(photo).heatmap(cam, Colormap.JET);
   * BufferedImage fig = p.render();
   * }</pre>
   *
   * @param image the original picture
   * @return a new panel (a heat map must still be set before rendering)
   */
  public static Panel of(BufferedImage image) {
    Objects.requireNonNull(image, "image");
    BufferedImage copy = Images.fromArgb(Images.argb(image), image.getWidth(), image.getHeight(),
        Images.hasAlpha(image));
    return new Panel(copy, null, Colormap.JET, null, DEFAULT_ALPHA, Overlay.AlphaMode.CONSTANT, null,
        DEFAULT_TILE_SIZE, List.of("input", "heat map", "overlay"));
  }

  /**
   * Sets the raw map (any size, any range) and its colour map. The map is normalised when rendering (see
   * {@link #normalization(Normalization)}), so pass raw values to get meaningful colour-bar labels.
   *
   * <pre>{@code
   * Panel p = Panel.of(photo).heatmap(cam13, Colormap.JET);
   * Panel q = Panel.of(photo).heatmap(integratedGradients, Colormap.RDBU_R);   // signed by default
   * }</pre>
   *
   * @param map  the raw heat map
   * @param cmap the colour map
   * @return a new panel
   */
  public Panel heatmap(Map2D map, Colormap cmap) {
    return new Panel(image, Objects.requireNonNull(map, "map"), Objects.requireNonNull(cmap, "cmap"), normalization,
        alpha, alphaMode, caption, tileSize, titles);
  }

  /**
   * Sets how the raw map is scaled to [0, 1]; {@code null} restores the default ({@code signed()} for diverging colour
   * maps, else {@code minMax()}).
   *
   * <pre>{@code
   * Panel p = Panel.of(photo).heatmap(saliency, Colormap.INFERNO).normalization(Normalization.percentile(2));
   * p.render();
   * }</pre>
   *
   * @param normalization the normalisation, or null for the default
   * @return a new panel
   */
  public Panel normalization(Normalization normalization) {
    return new Panel(image, map, cmap, normalization, alpha, alphaMode, caption, tileSize, titles);
  }

  /**
   * Sets the overlay's heat-map weight (default {@value #DEFAULT_ALPHA}).
   *
   * <pre>{@code
   * Panel.of(photo).heatmap(cam, Colormap.JET).alpha(0.4);
   * Panel.of(photo).alpha(1.5);   // IllegalArgumentException
   * }</pre>
   *
   * @param alpha weight in [0, 1]
   * @return a new panel
   * @throws IllegalArgumentException if {@code alpha} is not in [0, 1]
   */
  public Panel alpha(double alpha) {
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
    }
    return new Panel(image, map, cmap, normalization, alpha, alphaMode, caption, tileSize, titles);
  }

  /**
   * Sets how the overlay weight varies (default {@link Overlay.AlphaMode#CONSTANT}); see {@link Overlay}.
   *
   * <pre>{@code
   * Panel p = Panel.of(photo).heatmap(cam, Colormap.INFERNO).alpha(0.8)
   *     .alphaMode(Overlay.AlphaMode.BY_INTENSITY);   // cold regions stay clear
   * }</pre>
   *
   * @param mode the mode
   * @return a new panel
   */
  public Panel alphaMode(Overlay.AlphaMode mode) {
    return new Panel(image, map, cmap, normalization, alpha, Objects.requireNonNull(mode, "mode"), caption, tileSize,
        titles);
  }

  /**
   * Sets the caption shown in a strip under the tiles; null or blank means no strip. Long captions wrap; {@code \n}
   * forces a line break.
   *
   * <pre>{@code
   * Panel p = Panel.of(photo).heatmap(cam, Colormap.JET)
   *     .caption("Grad-CAM · fire9_concat · class 285 Egyptian cat · score 38.86 · p=0.762");
   * }</pre>
   *
   * @param caption the text, or null
   * @return a new panel
   */
  public Panel caption(String caption) {
    return new Panel(image, map, cmap, normalization, alpha, alphaMode, caption, tileSize, titles);
  }

  /**
   * Sets the common tile height (default {@value #DEFAULT_TILE_SIZE}); tile widths follow the image's aspect ratio.
   *
   * <pre>{@code
   * Panel.of(mnistDigit).heatmap(saliency, Colormap.INFERNO).tileSize(168);   // 28 -> 168: 6x6 crisp pixels
   * Panel.of(photo).tileSize(4);   // IllegalArgumentException
   * }</pre>
   *
   * @param tileSize tile height in pixels, 16..4096
   * @return a new panel
   * @throws IllegalArgumentException if {@code tileSize} is outside 16..4096
   */
  public Panel tileSize(int tileSize) {
    if (tileSize < 16 || tileSize > 4096) {
      throw new IllegalArgumentException("tileSize must be in 16..4096, got " + tileSize);
    }
    return new Panel(image, map, cmap, normalization, alpha, alphaMode, caption, tileSize, titles);
  }

  /**
   * Sets the three tile titles (default "input", "heat map", "overlay"); null is shown as no title. The title row
   * keeps its height so that panels line up in a gallery.
   *
   * <pre>{@code
   * Panel p = Panel.of(photo).heatmap(cam, Colormap.JET).titles("image", "Grad-CAM", "overlay");
   * p.save(Path.of("fig.png"));
   * }</pre>
   *
   * @param imageTitle   above the original
   * @param heatmapTitle above the heat map
   * @param overlayTitle above the overlay
   * @return a new panel
   */
  public Panel titles(String imageTitle, String heatmapTitle, String overlayTitle) {
    List<String> t = new ArrayList<>(3);
    t.add(imageTitle == null ? "" : imageTitle);
    t.add(heatmapTitle == null ? "" : heatmapTitle);
    t.add(overlayTitle == null ? "" : overlayTitle);
    return new Panel(image, map, cmap, normalization, alpha, alphaMode, caption, tileSize, List.copyOf(t));
  }

  /**
   * The normalisation that {@link #render()} will use: the one set, or the default for the colour map.
   *
   * <pre>{@code
   * Panel.of(img).heatmap(ig, Colormap.RDBU_R).effectiveNormalization();   // Normalization.signed()
   * Panel.of(img).heatmap(cam, Colormap.JET).effectiveNormalization();     // Normalization.minMax()
   * }</pre>
   *
   * @return the normalisation
   */
  public Normalization effectiveNormalization() {
    if (normalization != null) {
      return normalization;
    }
    return cmap.diverging() ? Normalization.signed() : Normalization.minMax();
  }

  /**
   * Draws the figure (layout in the class comment) into a new {@code TYPE_INT_RGB} image.
   *
   * <pre>{@code
   * BufferedImage fig = Panel.of(photo).heatmap(cam, Colormap.JET).caption("Grad-CAM").render();
   * int w = fig.getWidth();   // 2*MARGIN + 3*224 + 2*GAP + COLORBAR_SPACE for a square photo
   * }</pre>
   *
   * @return the figure
   * @throws IllegalStateException if no heat map was set
   */
  public BufferedImage render() {
    if (map == null) {
      throw new IllegalStateException("Panel has no heat map: call heatmap(map, colormap) before render()");
    }
    int h = tileSize;
    int w = tileWidth();
    Normalization norm = effectiveNormalization();
    Map2D unit = norm.apply(map);
    Normalization.Bounds bounds = norm.bounds(map);

    BufferedImage tileImage = scaleImage(w, h);
    BufferedImage tileHeat = cmap.colorize(Resample.bilinear(unit, h, w));
    BufferedImage tileOverlay = Overlay.overlay(tileImage, unit, cmap, alpha, alphaMode);

    int width = 2 * MARGIN + 3 * w + 2 * GAP + COLORBAR_SPACE;
    List<String> lines;
    int lineHeight;
    {
      BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = probe.createGraphics();
      hints(g);
      FontMetrics fm = g.getFontMetrics(CAPTION_FONT);
      lines = wrap(caption, fm, width - 2 * MARGIN);
      lineHeight = fm.getHeight() + 2;
      g.dispose();
    }
    int captionHeight = lines.isEmpty() ? 0 : CAPTION_GAP + lines.size() * lineHeight;
    int height = 2 * MARGIN + TITLE_HEIGHT + h + captionHeight;

    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      hints(g);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);

      int top = MARGIN + TITLE_HEIGHT;
      int x0 = MARGIN;
      int x1 = x0 + w + GAP;
      int xBar = x1 + w + COLORBAR_GAP;
      int x2 = xBar + COLORBAR_WIDTH + COLORBAR_LABEL_WIDTH + GAP;

      g.drawImage(tileImage, x0, top, null);
      g.drawImage(tileHeat, x1, top, null);
      g.drawImage(tileOverlay, x2, top, null);

      g.setFont(TITLE_FONT);
      g.setColor(TITLE);
      FontMetrics tm = g.getFontMetrics();
      int titleBase = MARGIN + (TITLE_HEIGHT - 6 + tm.getAscent() - tm.getDescent()) / 2;
      int[] tileX = {x0, x1, x2};
      for (int i = 0; i < 3; i++) {
        String t = fit(titles.get(i), tm, w);
        g.drawString(t, tileX[i] + (w - tm.stringWidth(t)) / 2, titleBase);
      }

      drawColorbar(g, xBar, top, h, bounds, norm.isSigned());

      if (!lines.isEmpty()) {
        int ruleY = top + h + CAPTION_GAP / 2;
        g.setColor(RULE);
        g.setStroke(new BasicStroke(1f));
        g.drawLine(MARGIN, ruleY, width - MARGIN - 1, ruleY);
        g.setFont(CAPTION_FONT);
        g.setColor(TEXT);
        FontMetrics fm = g.getFontMetrics();
        int y = top + h + CAPTION_GAP + fm.getAscent() + 1;
        for (String line : lines) {
          g.drawString(line, (width - fm.stringWidth(line)) / 2, y);
          y += lineHeight;
        }
      }
    } finally {
      g.dispose();
    }
    return out;
  }

  /**
   * Renders and writes the figure as PNG, creating parent directories.
   *
   * <pre>{@code
   * Path png = Panel.of(photo).heatmap(cam, Colormap.JET).save(Path.of("target/figures/cat.png"));
   * BufferedImage back = ImageIo.read(png);
   * }</pre>
   *
   * @param file the destination, whose name ends in {@code .png}
   * @return {@code file}
   * @throws IOException naming the file if it cannot be written
   * @throws IllegalArgumentException naming the file if its name does not end in {@code .png}
   * @throws IllegalStateException if no heat map was set
   */
  public Path save(Path file) throws IOException {
    ImageIo.writePng(render(), file);
    return file;
  }

  private int tileWidth() {
    return Math.max(1, (int) Math.round((double) image.getWidth() * tileSize / image.getHeight()));
  }

  private BufferedImage scaleImage(int w, int h) {
    BufferedImage rgb = ImageIo.toRgb(image);
    if (w == image.getWidth() && h == image.getHeight()) {
      return rgb;
    }
    boolean enlargeALot = h >= 2 * image.getHeight() && w >= 2 * image.getWidth();
    return enlargeALot ? Resample.nearest(rgb, w, h) : Resample.resize(rgb, w, h);
  }

  private void drawColorbar(Graphics2D g, int x, int top, int h, Normalization.Bounds b, boolean signed) {
    g.drawImage(cmap.colorbar(COLORBAR_WIDTH, h), x, top, null);
    g.setColor(FRAME);
    g.setStroke(new BasicStroke(1f));
    g.drawRect(x, top, COLORBAR_WIDTH - 1, h - 1);

    g.setFont(LABEL_FONT);
    int lx = x + COLORBAR_WIDTH + 5;
    int tickX0 = x + COLORBAR_WIDTH;
    double span = b.high() - b.low();
    drawLabel(g, formatBound(b.high(), span), lx, top, top, h, tickX0);
    drawLabel(g, formatBound(b.low(), span), lx, top + h - 1, top, h, tickX0);
    if (signed) {
      drawLabel(g, "0", lx, top + (h - 1) / 2, top, h, tickX0);
    }
  }

  /** Draws a tick at {@code yTick} and its label, vertically centred on the tick but kept within the bar's span. */
  private static void drawLabel(Graphics2D g, String text, int lx, int yTick, int top, int h, int tickX0) {
    g.setColor(FRAME);
    g.drawLine(tickX0, yTick, tickX0 + 2, yTick);
    Font f = LABEL_FONT;
    FontMetrics fm = g.getFontMetrics(f);
    int avail = COLORBAR_LABEL_WIDTH - 6;
    while (fm.stringWidth(text) > avail && f.getSize2D() > 7) {
      f = f.deriveFont(f.getSize2D() - 0.5f);
      fm = g.getFontMetrics(f);
    }
    g.setFont(f);
    int asc = fm.getAscent() - fm.getDescent() / 2;
    int base = yTick + asc / 2;
    base = Math.max(top + asc, Math.min(top + h, base));
    g.setColor(TEXT);
    g.drawString(text, lx, base);
    g.setFont(LABEL_FONT);
  }

  /**
   * Formats a colour-bar end value: like {@link #formatValue(double)}, but a value smaller than 1/1000 of the bar's
   * span is shown as "0" (a CAM's minimum of 2.2e-06 next to a maximum of 37.2 is zero for the eye).
   */
  static String formatBound(double v, double span) {
    if (span > 0 && Math.abs(v) < span * 1e-3) {
      return "0";
    }
    return formatValue(v);
  }

  /** Formats a colour-bar value with 3 significant digits, scientific outside [1e-3, 1e4). */
  static String formatValue(double v) {
    if (v == 0 || Double.isNaN(v)) {
      return "0";
    }
    double a = Math.abs(v);
    if (a < 1e-3 || a >= 1e4) {
      return String.format(Locale.ROOT, "%.2e", v);
    }
    return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
  }

  private static String fit(String text, FontMetrics fm, int maxWidth) {
    if (fm.stringWidth(text) <= maxWidth) {
      return text;
    }
    String s = text;
    while (!s.isEmpty() && fm.stringWidth(s + "…") > maxWidth) {
      s = s.substring(0, s.length() - 1);
    }
    return s + "…";
  }

  /** Greedy word wrap; explicit newlines start new lines; words longer than a line are cut with an ellipsis. */
  static List<String> wrap(String text, FontMetrics fm, int maxWidth) {
    List<String> out = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String para : text.strip().split("\\R", -1)) {
      StringBuilder line = new StringBuilder();
      for (String word : para.trim().split("\\s+")) {
        if (word.isEmpty()) {
          continue;
        }
        String candidate = line.length() == 0 ? word : line + " " + word;
        if (fm.stringWidth(candidate) <= maxWidth) {
          line.setLength(0);
          line.append(candidate);
        } else {
          if (line.length() > 0) {
            out.add(line.toString());
          }
          line.setLength(0);
          line.append(fit(word, fm, maxWidth));
        }
      }
      out.add(line.toString());
    }
    return out;
  }

  private static void hints(Graphics2D g) {
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    // Shapes stay aliased on purpose: 1-px frames and ticks on integer coordinates are crisper that way.
  }
}
