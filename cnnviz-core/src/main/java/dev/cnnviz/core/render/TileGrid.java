package dev.cnnviz.core.render;

import dev.cnnviz.api.Colormap;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Grids of small images with gutters, as in the figures of filters, activation maps and image patches (Krizhevsky et
 * al. 2012, fig. 3; Zeiler and Fergus 2014): {@link #tile} turns raw values into a picture upscaled by nearest
 * neighbour (every value a crisp {@code scale × scale} block), {@link #grid} lays equal-sized tiles out row by row with
 * a white gutter between them and, optionally, a caption under each.
 *
 * <pre>{@code
 * BufferedImage t = TileGrid.tile(filter, 3, 11, 11, min, max, 4, null);      // an RGB filter as a 44x44 tile
 * BufferedImage g = TileGrid.grid(tiles, 8, 2, null);                         // 8 columns, 2-pixel gutters
 * }</pre>
 */
public final class TileGrid {
    private static final Font CAPTION_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    /** Largest grid side in pixels; larger requests are caller mistakes (use fewer tiles or a smaller scale). */
    public static final int MAX_SIDE = 8_192;

    private TileGrid() {
    }

    /**
     * Renders {@code channels × h × w} values (channel-major, starting at {@code offset}) as an image: one channel in
     * grey or through a colormap, three as red, green and blue planes. Each value becomes {@code (v - low) / (high -
     * low)} clipped to [0, 1] (0 everywhere if {@code high <= low}), then a {@code scale × scale} block.
     *
     * @param data     the values
     * @param offset   where the tile's values start in {@code data}
     * @param channels 1 or 3
     * @param h        rows
     * @param w        columns
     * @param low      the value shown black (or at the colormap's start)
     * @param high     the value shown white (or at the colormap's end)
     * @param scale    the upscale factor, at least 1
     * @param colormap for one channel, the colormap; null for grey
     * @return a {@code TYPE_INT_RGB} image of {@code w·scale × h·scale} pixels
     * @throws IllegalArgumentException if the channels are not 1 or 3, a size is below 1, the values do not fit
     *                                  {@code data}, or the image would be larger than {@link #MAX_SIDE}
     */
    public static BufferedImage tile(float[] data, int offset, int channels, int h, int w, double low, double high, int scale,
            Colormap colormap) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("a tile has 1 (grey) or 3 (RGB) channels, found " + channels);
        }
        if (h < 1 || w < 1 || scale < 1) {
            throw new IllegalArgumentException("tile sizes and scale must be at least 1, found " + h + "x" + w + " scale " + scale);
        }
        if ((long) w * scale > MAX_SIDE || (long) h * scale > MAX_SIDE) {
            throw new IllegalArgumentException("a " + h + "x" + w + " tile at scale " + scale + " exceeds " + MAX_SIDE + " pixels");
        }
        long plane = (long) h * w;
        if (offset < 0 || offset + channels * plane > data.length) {
            throw new IllegalArgumentException("a " + channels + "x" + h + "x" + w + " tile at offset " + offset
                    + " does not fit " + data.length + " values");
        }
        double range = high - low;
        BufferedImage img = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = offset + y * w + x;
                int rgb;
                if (channels == 1) {
                    double t = unit(data[i], low, range);
                    if (colormap == null) {
                        int g = (int) Math.round(t * 255);
                        rgb = g << 16 | g << 8 | g;
                    } else {
                        rgb = colormap.rgb(t) & 0xFFFFFF;
                    }
                } else {
                    int r = (int) Math.round(unit(data[i], low, range) * 255);
                    int g = (int) Math.round(unit(data[(int) (i + plane)], low, range) * 255);
                    int b = (int) Math.round(unit(data[(int) (i + 2 * plane)], low, range) * 255);
                    rgb = r << 16 | g << 8 | b;
                }
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        img.setRGB(x * scale + dx, y * scale + dy, rgb);
                    }
                }
            }
        }
        return img;
    }

    private static double unit(float v, double low, double range) {
        if (!(range > 0) || !Float.isFinite(v)) {
            return 0;
        }
        return Math.max(0, Math.min(1, (v - low) / range));
    }

    /**
     * Lays tiles out row by row, {@code columns} to a row, with {@code gutter} white pixels between and around them.
     * Tiles smaller than the largest are centred in its cell. With captions, a line of text is drawn under each tile
     * (clipped to the cell).
     *
     * @param tiles    the tiles, at least one
     * @param columns  tiles per row, at least 1
     * @param gutter   pixels between tiles, at least 0
     * @param captions one caption per tile, or null for none
     * @return the grid, {@code TYPE_INT_RGB}
     * @throws IllegalArgumentException if there are no tiles, the captions do not match the tiles, a count is out of
     *                                  range, or the grid would be larger than {@link #MAX_SIDE} pixels on a side
     */
    public static BufferedImage grid(List<BufferedImage> tiles, int columns, int gutter, List<String> captions) {
        if (tiles == null || tiles.isEmpty()) {
            throw new IllegalArgumentException("a grid needs at least one tile");
        }
        if (columns < 1 || gutter < 0) {
            throw new IllegalArgumentException("a grid needs at least 1 column and a non-negative gutter, found columns "
                    + columns + ", gutter " + gutter);
        }
        if (captions != null && captions.size() != tiles.size()) {
            throw new IllegalArgumentException(captions.size() + " captions for " + tiles.size() + " tiles");
        }
        int cw = 0;
        int ch = 0;
        for (BufferedImage t : tiles) {
            cw = Math.max(cw, t.getWidth());
            ch = Math.max(ch, t.getHeight());
        }
        int captionHeight = captions == null ? 0 : 13;
        int cols = Math.min(columns, tiles.size());
        int rows = (tiles.size() + cols - 1) / cols;
        long width = (long) cols * (cw + gutter) + gutter;
        long height = (long) rows * (ch + captionHeight + gutter) + gutter;
        if (width > MAX_SIDE || height > MAX_SIDE) {
            throw new IllegalArgumentException("a grid of " + rows + "x" + cols + " tiles of " + cw + "x" + ch
                    + " pixels would be " + width + "x" + height + ", over " + MAX_SIDE + " pixels a side; show fewer"
                    + " tiles or a smaller scale");
        }
        BufferedImage out = new BufferedImage((int) width, (int) height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(CAPTION_FONT);
            FontMetrics fm = g.getFontMetrics();
            for (int i = 0; i < tiles.size(); i++) {
                BufferedImage t = tiles.get(i);
                int x = gutter + (i % cols) * (cw + gutter);
                int y = gutter + (i / cols) * (ch + captionHeight + gutter);
                g.drawImage(t, x + (cw - t.getWidth()) / 2, y + (ch - t.getHeight()) / 2, null);
                if (captions != null) {
                    String c = captions.get(i) == null ? "" : captions.get(i);
                    while (!c.isEmpty() && fm.stringWidth(c) > cw) {
                        c = c.substring(0, c.length() - 1);
                    }
                    g.setColor(Color.BLACK);
                    g.setClip(x, y + ch, cw, captionHeight);
                    g.drawString(c, x + Math.max(0, (cw - fm.stringWidth(c)) / 2), y + ch + fm.getAscent());
                    g.setClip(null);
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** @return the number of columns of a near-square grid of {@code n} tiles: {@code ceil(sqrt(n))}. */
    public static int squareColumns(int n) {
        return Math.max(1, (int) Math.ceil(Math.sqrt(n)));
    }
}
