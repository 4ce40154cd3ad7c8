package dev.cnnviz.core.render;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;

/**
 * The lecture's nearest-neighbour figure: one row per query image, its thumbnail then, for each group (e.g. "layer
 * gap" and "pixels"), its neighbours' thumbnails nearest first, groups side by side under their titles. A neighbour
 * whose label equals the query's gets a green frame, another label a red one (when labels are given).
 *
 * <pre>{@code
 * BufferedImage fig = NeighboursFigure.render(queries, queryLabels,
 *         List.of("gap features", "pixels"), List.of(featureThumbs, pixelThumbs), List.of(featureLabels, pixelLabels), 56);
 * }</pre>
 */
public final class NeighboursFigure {
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    private static final int GAP = 4;
    private static final int GROUP_GAP = 24;
    private static final int TITLE = 24;

    private NeighboursFigure() {
    }

    /**
     * @param queries     the query images, one per row
     * @param queryLabels the queries' labels (-1 for none), or null
     * @param titles      one title per group
     * @param neighbours  per group, per query, the neighbours' images (the same count in every row of a group)
     * @param labels      per group, per query, the neighbours' labels, or null for no frames
     * @param tile        thumbnail side in pixels, 8..512
     * @return the figure
     * @throws IllegalArgumentException if the counts disagree or the size is out of range
     */
    public static BufferedImage render(List<BufferedImage> queries, int[] queryLabels, List<String> titles,
            List<List<List<BufferedImage>>> neighbours, List<int[][]> labels, int tile) {
        Objects.requireNonNull(queries, "queries");
        Objects.requireNonNull(titles, "titles");
        Objects.requireNonNull(neighbours, "neighbours");
        if (titles.size() != neighbours.size() || (labels != null && labels.size() != neighbours.size())) {
            throw new IllegalArgumentException(titles.size() + " titles, " + neighbours.size() + " groups"
                    + (labels == null ? "" : " and " + labels.size() + " label groups"));
        }
        if (tile < 8 || tile > 512) {
            throw new IllegalArgumentException("tile must be in 8..512 pixels, found " + tile);
        }
        if (queryLabels != null && queryLabels.length != queries.size()) {
            throw new IllegalArgumentException(queries.size() + " queries but " + queryLabels.length + " labels");
        }
        int q = queries.size();
        int[] widths = new int[neighbours.size()];
        for (int gi = 0; gi < neighbours.size(); gi++) {
            List<List<BufferedImage>> group = neighbours.get(gi);
            if (group.size() != q) {
                throw new IllegalArgumentException("group " + titles.get(gi) + " has " + group.size()
                        + " rows for " + q + " queries");
            }
            widths[gi] = group.isEmpty() ? 0 : group.get(0).size();
            for (List<BufferedImage> row : group) {
                if (row.size() != widths[gi]) {
                    throw new IllegalArgumentException("group " + titles.get(gi) + " has rows of different lengths");
                }
            }
        }
        int cell = tile + GAP;
        long width = GAP + cell + GROUP_GAP;
        for (int w : widths) {
            width += (long) w * cell + GROUP_GAP;
        }
        long height = TITLE + (long) q * cell + GAP;
        if (width * height > 100_000_000L) {
            throw new IllegalArgumentException("a figure of " + width + " x " + height + " pixels is over 100 megapixels");
        }
        BufferedImage out = new BufferedImage((int) width, (int) height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(TITLE_FONT);
            g.drawString("query", GAP, 17);
            int x0 = GAP + cell + GROUP_GAP;
            for (int gi = 0; gi < widths.length; gi++) {
                g.setColor(Color.BLACK);
                g.drawString(titles.get(gi), x0, 17);
                for (int r = 0; r < q; r++) {
                    int y = TITLE + r * cell;
                    for (int j = 0; j < widths[gi]; j++) {
                        int x = x0 + j * cell;
                        ImageAtlas.drawThumbnail(g, neighbours.get(gi).get(r).get(j), x, y, tile);
                        if (labels != null && queryLabels != null && queryLabels[r] >= 0) {
                            boolean same = labels.get(gi)[r][j] == queryLabels[r];
                            g.setColor(same ? new Color(0x2CA02C) : new Color(0xD62728));
                            g.setStroke(new BasicStroke(2f));
                            g.drawRect(x - 1, y - 1, tile + 1, tile + 1);
                        }
                    }
                }
                x0 += widths[gi] * cell + GROUP_GAP;
            }
            for (int r = 0; r < q; r++) {
                ImageAtlas.drawThumbnail(g, queries.get(r), GAP, TITLE + r * cell, tile);
            }
        } finally {
            g.dispose();
        }
        return out;
    }
}
