package dev.cnnviz.core.render;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;

/**
 * An image atlas (Karpathy's t-SNE grids of CNN codes): a 2-D layout is scaled to a grid of
 * {@code columns x rows} cells, each cell shows the thumbnail of the point that falls in it closest to its centre,
 * and cells where no point falls stay empty. y points up, as in {@link ScatterPlot}.
 *
 * <pre>{@code
 * int[] cells = ImageAtlas.assign(xy, 40, 40);                   // per cell, a point index or -1
 * List<BufferedImage> thumbs = ...;                              // the images of those points, null for -1
 * BufferedImage atlas = ImageAtlas.render(40, 40, thumbs, 28);
 * }</pre>
 */
public final class ImageAtlas {
    private ImageAtlas() {
    }

    /**
     * Snaps a layout to a grid.
     *
     * @param xy      {@code [N][2]} finite coordinates
     * @param columns grid columns, 1..1000
     * @param rows    grid rows, 1..1000
     * @return {@code columns * rows} entries in row-major order (row 0 at the top): the index of the point nearest
     *         the cell's centre among those falling in the cell, or -1
     * @throws IllegalArgumentException if the grid size is out of range or a point is not finite
     */
    public static int[] assign(double[][] xy, int columns, int rows) {
        Objects.requireNonNull(xy, "xy");
        checkGrid(columns, rows);
        double[] b = ScatterPlot.bounds(xy);
        int[] cells = new int[columns * rows];
        double[] best = new double[cells.length];
        java.util.Arrays.fill(cells, -1);
        for (int i = 0; i < xy.length; i++) {
            if (xy[i].length != 2 || !Double.isFinite(xy[i][0]) || !Double.isFinite(xy[i][1])) {
                throw new IllegalArgumentException("point " + i + " is not a finite 2-D point");
            }
            double u = (xy[i][0] - b[0]) / b[2] * columns;
            double v = (1 - (xy[i][1] - b[1]) / b[3]) * rows;
            int c = Math.min(columns - 1, (int) u);
            int r = Math.min(rows - 1, (int) v);
            double du = u - (c + 0.5);
            double dv = v - (r + 0.5);
            double d = du * du + dv * dv;
            int cell = r * columns + c;
            if (cells[cell] < 0 || d < best[cell]) {
                cells[cell] = i;
                best[cell] = d;
            }
        }
        return cells;
    }

    /**
     * Draws the grid: each image scaled to {@code tile x tile} (nearest neighbour when enlarged, bilinear when
     * reduced) on a white page with a 1-pixel gutter.
     *
     * @param columns grid columns
     * @param rows    grid rows
     * @param images  {@code columns * rows} images in row-major order, null for an empty cell
     * @param tile    the side of a cell in pixels, 4..512
     * @return the atlas
     * @throws IllegalArgumentException if the counts or sizes are out of range
     */
    public static BufferedImage render(int columns, int rows, List<BufferedImage> images, int tile) {
        Objects.requireNonNull(images, "images");
        checkGrid(columns, rows);
        if (images.size() != columns * rows) {
            throw new IllegalArgumentException(columns + " x " + rows + " cells but " + images.size() + " images");
        }
        if (tile < 4 || tile > 512) {
            throw new IllegalArgumentException("tile must be in 4..512 pixels, found " + tile);
        }
        long w = (long) columns * (tile + 1) + 1;
        long h = (long) rows * (tile + 1) + 1;
        if (w * h > 100_000_000L) {
            throw new IllegalArgumentException("an atlas of " + w + " x " + h + " pixels is over 100 megapixels; use"
                    + " fewer cells or smaller tiles");
        }
        BufferedImage out = new BufferedImage((int) w, (int) h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            for (int i = 0; i < images.size(); i++) {
                BufferedImage img = images.get(i);
                if (img != null) {
                    int x = 1 + (i % columns) * (tile + 1);
                    int y = 1 + (i / columns) * (tile + 1);
                    drawThumbnail(g, img, x, y, tile);
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Draws {@code img} scaled to {@code tile x tile} at (x, y). */
    static void drawThumbnail(Graphics2D g, BufferedImage img, int x, int y, int tile) {
        boolean enlarge = img.getWidth() <= tile && img.getHeight() <= tile;
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, enlarge
                ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, x, y, tile, tile, null);
    }

    private static void checkGrid(int columns, int rows) {
        if (columns < 1 || columns > 1000 || rows < 1 || rows > 1000) {
            throw new IllegalArgumentException("grid must be 1..1000 x 1..1000 cells, found " + columns + " x " + rows);
        }
    }
}
