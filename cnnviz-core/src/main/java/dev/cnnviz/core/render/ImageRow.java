package dev.cnnviz.core.render;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One row of images, each scaled to a common height and captioned underneath, under an optional title, on white:
 * the texture-synthesis figure (one texture with Gram losses on more and more layers) and the style-transfer
 * figure (a photograph and its versions in several styles).
 *
 * <pre>{@code
 * BufferedImage fig = ImageRow.of(List.of(brick, t1, t2), List.of("brick.png", "conv1", "conv1 + fire2"),
 *         "Texture synthesis", 160);
 * }</pre>
 *
 * <p>Layout: margin 12 px, gap 12 px between tiles, a title strip of 26 px when a title is given (the figure is
 * widened to fit the title), a caption strip of 20 px per caption line (captions are split at {@code \n}). Tiles
 * keep their aspect ratio ({@code width = max(1, round(w · tileHeight / h))}); enlarging by 2× or more uses
 * nearest neighbour, other scalings {@link Resample#resize}.
 */
public final class ImageRow {
    private static final int MARGIN = 12;
    private static final int GAP = 12;
    private static final int TITLE = 26;
    private static final int LINE = 20;
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 15);

    private ImageRow() {
    }

    /**
     * @param images     the images, at least one
     * @param captions   one caption per image (may be empty strings)
     * @param title      a title, or null or blank for none
     * @param tileHeight the common height of the tiles, 1 to 4096
     * @return the figure
     * @throws IllegalArgumentException if there are no images, a null image, another number of captions than images,
     *                                  or the height is out of range
     */
    public static BufferedImage of(List<BufferedImage> images, List<String> captions, String title, int tileHeight) {
        if (images == null || images.isEmpty()) {
            throw new IllegalArgumentException("an image row needs at least one image, found " + images);
        }
        if (captions == null || captions.size() != images.size()) {
            throw new IllegalArgumentException("an image row needs one caption per image: " + images.size()
                    + " images, found " + (captions == null ? "no" : captions.size()) + " captions");
        }
        if (tileHeight < 1 || tileHeight > 4096) {
            throw new IllegalArgumentException("tileHeight must be in 1..4096, found " + tileHeight);
        }
        int[] widths = new int[images.size()];
        int lines = 1;
        int total = 2 * MARGIN + GAP * (images.size() - 1);
        for (int i = 0; i < images.size(); i++) {
            BufferedImage im = images.get(i);
            if (im == null) {
                throw new IllegalArgumentException("image " + i + " of the row is null");
            }
            widths[i] = Math.max(1, (int) Math.round((double) im.getWidth() * tileHeight / im.getHeight()));
            total += widths[i];
            lines = Math.max(lines, captions.get(i) == null ? 1 : captions.get(i).split("\n", -1).length);
        }
        boolean titled = title != null && !title.isBlank();
        if (titled) {
            total = Math.max(total, 2 * MARGIN + textWidth(title, TITLE_FONT));
        }
        int height = 2 * MARGIN + (titled ? TITLE : 0) + tileHeight + 4 + lines * LINE;
        BufferedImage out = new BufferedImage(total, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, total, height);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            int top = MARGIN;
            if (titled) {
                g.setFont(TITLE_FONT);
                g.drawString(title, MARGIN, top + 17);
                top += TITLE;
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            int x = MARGIN;
            for (int i = 0; i < images.size(); i++) {
                BufferedImage im = images.get(i);
                BufferedImage tile = tileHeight >= 2 * im.getHeight()
                        ? nearest(im, widths[i], tileHeight) : Resample.resize(im, widths[i], tileHeight);
                g.drawImage(tile, x, top, null);
                String c = captions.get(i) == null ? "" : captions.get(i);
                String[] parts = c.split("\n", -1);
                for (int k = 0; k < parts.length; k++) {
                    g.drawString(parts[k], x, top + tileHeight + 4 + (k + 1) * LINE - 6);
                }
                x += widths[i] + GAP;
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** The width in pixels of {@code text} drawn in {@code font}. */
    private static int textWidth(String text, Font font) {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = probe.createGraphics();
        try {
            return (int) Math.ceil(g.getFontMetrics(font).getStringBounds(text, g).getWidth());
        } finally {
            g.dispose();
        }
    }

    private static BufferedImage nearest(BufferedImage im, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out.setRGB(x, y, im.getRGB(Math.min(im.getWidth() - 1, x * im.getWidth() / w),
                        Math.min(im.getHeight() - 1, y * im.getHeight() / h)));
            }
        }
        return out;
    }
}
