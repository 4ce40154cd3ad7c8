package dev.cnnviz.core.inversion;

import dev.cnnviz.api.Synthesis;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A captioned strip: an image, then its reconstructions from successively deeper layers (Mahendran &amp; Vedaldi
 * 2015, fig. 6), each tile titled with its layer and the final relative feature error, on a white background.
 *
 * <pre>{@code
 * List<String> layers = List.of("relu_conv1_2", "concat_fire3/concat_1", "concat_fire5/concat_1", "concat_fire9/concat_1");
 * InversionPanel.Result r = InversionPanel.byDepth(FeatureInversion.of(model), cat, layers);
 * ImageIO.write(r.panel(), "png", new File("cat-inversions.png"));
 * }</pre>
 */
public final class InversionPanel {
    /** The height of every tile, in pixels. */
    public static final int TILE = 224;
    private static final int MARGIN = 12;
    private static final int GAP = 10;
    private static final int TITLE = 34;
    private static final int CAPTION = 28;

    private InversionPanel() {
    }

    /**
     * The reconstructions and their panel.
     *
     * @param reconstructions one per layer, in the order given
     * @param panel           the captioned strip
     */
    public record Result(List<Synthesis> reconstructions, BufferedImage panel) {
        /** Copies the list. */
        public Result {
            reconstructions = List.copyOf(reconstructions);
        }
    }

    /**
     * Inverts {@code image} at every layer of {@code layers} and draws the strip: the image as the model sees it
     * (resized to its input), then one tile per layer.
     *
     * @throws IllegalArgumentException if {@code layers} is empty, or as {@link FeatureInversion#invert}
     */
    public static Result byDepth(FeatureInversion inversion, BufferedImage image, List<String> layers) {
        if (inversion == null || image == null || layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("byDepth needs an inversion, an image and at least one layer, found "
                    + inversion + ", " + image + ", " + layers);
        }
        List<Synthesis> out = new ArrayList<>();
        for (String layer : layers) {
            out.add(inversion.invert(image, layer));
        }
        INDArray x = ImageTensors.toBatch(image, inversion.model().inputSpec());
        BufferedImage seen = ImageTensors.toImage(x, inversion.model().inputSpec().preprocessing());
        x.close();
        String caption = "Feature inversion (Mahendran & Vedaldi 2015), " + inversion.steps() + " steps, tv "
                + inversion.tv() + ", seed " + inversion.seed() + "; title: layer, relative feature error";
        return new Result(out, render(seen, out, caption));
    }

    /**
     * Draws the strip of an image and its reconstructions.
     *
     * @param original        the first tile, titled "image"
     * @param reconstructions the further tiles, titled with their provenance's layer and {@code featureError}
     * @param caption         the line under the tiles (may be empty)
     */
    public static BufferedImage render(BufferedImage original, List<Synthesis> reconstructions, String caption) {
        List<BufferedImage> tiles = new ArrayList<>();
        List<String> titles = new ArrayList<>();
        tiles.add(original);
        titles.add("image");
        for (Synthesis s : reconstructions) {
            tiles.add(s.image());
            String err = s.provenance().options().get("featureError");
            titles.add(s.provenance().layer() + (err == null ? ""
                    : "\nerror " + String.format(Locale.ROOT, "%.3g", Double.parseDouble(err))));
        }
        int[] widths = tiles.stream().mapToInt(t -> Math.max(1, Math.round(t.getWidth() * (float) TILE / t.getHeight())))
                .toArray();
        int width = 2 * MARGIN + GAP * (tiles.size() - 1);
        for (int w : widths) {
            width += w;
        }
        int height = 2 * MARGIN + TITLE + TILE + (caption == null || caption.isEmpty() ? 0 : CAPTION);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
            FontMetrics fm = g.getFontMetrics();
            int x = MARGIN;
            for (int i = 0; i < tiles.size(); i++) {
                String[] lines = titles.get(i).split("\n");
                for (int l = 0; l < lines.length; l++) {
                    String t = fit(lines[l], fm, widths[i]);
                    g.drawString(t, x + (widths[i] - fm.stringWidth(t)) / 2, MARGIN + fm.getAscent() + l * fm.getHeight());
                }
                g.drawImage(tiles.get(i), x, MARGIN + TITLE, widths[i], TILE, null);
                x += widths[i] + GAP;
            }
            if (caption != null && !caption.isEmpty()) {
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                FontMetrics cm = g.getFontMetrics();
                g.drawString(fit(caption, cm, width - 2 * MARGIN), MARGIN, MARGIN + TITLE + TILE + 8 + cm.getAscent());
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    private static String fit(String s, FontMetrics fm, int width) {
        if (fm.stringWidth(s) <= width) {
            return s;
        }
        String t = s;
        while (t.length() > 1 && fm.stringWidth("…" + t) > width) {
            t = t.substring(1);
        }
        return "…" + t;
    }
}
