package dev.cnnviz.examples.tour;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * One figure of the tour: a picture (or, for tables, preformatted text) with the caption the page shows under it.
 *
 * @param technique what ran, e.g. {@code "Grad-CAM"}
 * @param paper     where it comes from, e.g. {@code "Selvaraju et al. 2017"}; empty for plain inspection
 * @param settings  the settings it ran with, e.g. {@code "layer relu3, target 9 (Ankle boot)"}
 * @param seconds   the wall-clock seconds it took (NaN until {@link TourSection#run} measures it)
 * @param image     the picture, or null for a text figure
 * @param text      preformatted text (a table), or null for a picture
 * @param wide      whether the figure spans the whole row of the page's grid (wide panels, tables)
 */
public record Figure(String technique, String paper, String settings, double seconds, BufferedImage image, String text,
        boolean wide) {
    /**
     * @throws IllegalArgumentException if the technique is blank or the figure has neither or both of an image and
     *                                  a text
     */
    public Figure {
        Objects.requireNonNull(technique, "technique");
        paper = paper == null ? "" : paper;
        settings = settings == null ? "" : settings;
        if (technique.isBlank()) {
            throw new IllegalArgumentException("a figure needs the name of its technique, found a blank one");
        }
        if ((image == null) == (text == null)) {
            throw new IllegalArgumentException("a figure holds an image or a text, found "
                    + (image == null ? "neither" : "both") + " for " + technique);
        }
    }

    /**
     * @param technique what ran
     * @param paper     where it comes from (empty or null for none)
     * @param settings  the settings it ran with
     * @param image     the picture
     * @return a picture figure, its time not yet measured
     */
    public static Figure of(String technique, String paper, String settings, BufferedImage image) {
        return new Figure(technique, paper, settings, Double.NaN, Objects.requireNonNull(image, "image"), null, false);
    }

    /**
     * @param technique what ran
     * @param paper     where it comes from (empty or null for none)
     * @param settings  the settings it ran with
     * @param text      the preformatted text (a table)
     * @return a text figure, spanning the row, its time not yet measured
     */
    public static Figure text(String technique, String paper, String settings, String text) {
        return new Figure(technique, paper, settings, Double.NaN, null, Objects.requireNonNull(text, "text"), true);
    }

    /** @return this figure spanning the whole row of the page's grid */
    public Figure asWide() {
        return new Figure(technique, paper, settings, seconds, image, text, true);
    }

    /**
     * @param s the wall-clock seconds the figure took
     * @return this figure with them
     */
    public Figure withSeconds(double s) {
        return new Figure(technique, paper, settings, s, image, text, wide);
    }
}
