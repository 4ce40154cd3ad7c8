package dev.cnnviz.core.render;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;

/**
 * A scatter plot of a 2-D layout (t-SNE, PCA) coloured by label, with a legend of the class names; points without a
 * label (-1) are grey. The first ten classes use the Tableau-10 colours, later ones evenly spread hues. Axes are
 * scaled independently to fill the plot, y pointing up.
 *
 * <pre>{@code
 * BufferedImage png = ScatterPlot.of(xy, labels, classes).withTitle("t-SNE of gap, Fashion-MNIST test").render();
 * }</pre>
 */
public final class ScatterPlot {
    private static final int[] TABLEAU = {0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F, 0xEDC948, 0xB07AA1,
        0xFF9DA7, 0x9C755F, 0xBAB0AC};
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Font LEGEND_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    private final double[][] xy;
    private final int[] labels;
    private final List<String> classes;
    private final int size;
    private final String title;
    private final double pointRadius;

    private ScatterPlot(double[][] xy, int[] labels, List<String> classes, int size, String title, double radius) {
        this.xy = xy;
        this.labels = labels;
        this.classes = classes;
        this.size = size;
        this.title = title;
        this.pointRadius = radius;
    }

    /**
     * @param xy      {@code [N][2]} coordinates, finite
     * @param labels  N labels, -1 for none
     * @param classes the class names, indexed by label (may be empty: the legend shows the label numbers)
     * @return a plot of 800 x 800 pixels without a title
     * @throws IllegalArgumentException if the counts differ, a point is not 2-D or not finite
     */
    public static ScatterPlot of(double[][] xy, int[] labels, List<String> classes) {
        Objects.requireNonNull(xy, "xy");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(classes, "classes");
        if (xy.length != labels.length) {
            throw new IllegalArgumentException(xy.length + " points but " + labels.length + " labels");
        }
        for (int i = 0; i < xy.length; i++) {
            if (xy[i].length != 2 || !Double.isFinite(xy[i][0]) || !Double.isFinite(xy[i][1])) {
                throw new IllegalArgumentException("point " + i + " is not a finite 2-D point");
            }
        }
        return new ScatterPlot(xy, labels.clone(), List.copyOf(classes), 800, "", 0);
    }

    /**
     * @param newSize the plot's side in pixels, 100..8000 (the legend adds to the width)
     * @return a copy
     */
    public ScatterPlot withSize(int newSize) {
        if (newSize < 100 || newSize > 8000) {
            throw new IllegalArgumentException("size must be in 100..8000, found " + newSize);
        }
        return new ScatterPlot(xy, labels, classes, newSize, title, pointRadius);
    }

    /** @return the plot's side in pixels */
    public int size() {
        return size;
    }

    /**
     * @param newTitle a title drawn above the plot (empty for none)
     * @return a copy
     */
    public ScatterPlot withTitle(String newTitle) {
        return new ScatterPlot(xy, labels, classes, size, Objects.requireNonNull(newTitle, "title"), pointRadius);
    }

    /** @return the title */
    public String title() {
        return title;
    }

    /**
     * The colour of a label.
     *
     * @param label a label, -1 for none
     * @return its colour
     */
    public static Color colour(int label) {
        if (label < 0) {
            return new Color(0x888888);
        }
        if (label < TABLEAU.length) {
            return new Color(TABLEAU[label]);
        }
        return Color.getHSBColor((float) ((label * 0.618033988749895) % 1.0), 0.65f, 0.85f);
    }

    /** @return the picture */
    public BufferedImage render() {
        int maxLabel = -1;
        for (int l : labels) {
            maxLabel = Math.max(maxLabel, l);
        }
        int legendRows = maxLabel + 1;
        int legendWidth = legendRows > 0 ? 170 : 0;
        int titleHeight = title.isEmpty() ? 0 : 28;
        int margin = 16;
        BufferedImage img = new BufferedImage(size + legendWidth + 2 * margin, size + titleHeight + 2 * margin,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            if (!title.isEmpty()) {
                g.setColor(Color.BLACK);
                g.setFont(TITLE_FONT);
                g.drawString(title, margin, margin + 14);
            }
            int top = margin + titleHeight;
            g.setColor(new Color(0xDDDDDD));
            g.setStroke(new BasicStroke(1f));
            g.drawRect(margin, top, size, size);
            double[] b = bounds(xy);
            double r = pointRadius > 0 ? pointRadius : Math.max(1.5, Math.min(4, size / Math.sqrt(xy.length) / 4));
            for (int i = 0; i < xy.length; i++) {
                double px = margin + r + (xy[i][0] - b[0]) / b[2] * (size - 2 * r);
                double py = top + size - r - (xy[i][1] - b[1]) / b[3] * (size - 2 * r);
                Color c = colour(labels[i]);
                g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 190));
                g.fill(new Ellipse2D.Double(px - r, py - r, 2 * r, 2 * r));
            }
            g.setFont(LEGEND_FONT);
            FontMetrics fm = g.getFontMetrics();
            for (int l = 0; l < legendRows; l++) {
                int y = top + 8 + l * 20;
                int x = margin + size + 14;
                g.setColor(colour(l));
                g.fillOval(x, y, 10, 10);
                g.setColor(Color.BLACK);
                String name = l < classes.size() ? classes.get(l) : Integer.toString(l);
                g.drawString(name, x + 16, y + 5 + fm.getAscent() / 2 - 1);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** @return {minX, minY, width, height} of the points, widths at least a tiny positive number */
    static double[] bounds(double[][] xy) {
        double minX = Double.POSITIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (double[] p : xy) {
            minX = Math.min(minX, p[0]);
            maxX = Math.max(maxX, p[0]);
            minY = Math.min(minY, p[1]);
            maxY = Math.max(maxY, p[1]);
        }
        if (xy.length == 0) {
            return new double[] {0, 0, 1, 1};
        }
        return new double[] {minX, minY, Math.max(maxX - minX, 1e-12), Math.max(maxY - minY, 1e-12)};
    }
}
