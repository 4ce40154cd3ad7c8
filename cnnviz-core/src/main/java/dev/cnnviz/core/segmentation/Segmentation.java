package dev.cnnviz.core.segmentation;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * A foreground/background segmentation of an image: the mask, the seeds it grew from, and pictures of both.
 *
 * <pre>{@code
 * Segmentation s = GrabCut.of(Saliency.of(model)).segment(image, Target.classIndex(285));
 * ImageIO.write(s.cutout(), "png", new File("cutout.png"));
 * double iou = s.iou(truth);
 * }</pre>
 *
 * @param image      the image segmented
 * @param foreground one entry per pixel, row-major: true for the foreground
 * @param seeds      the seeds per pixel, row-major: {@link #SURE_BACKGROUND}, {@link #PROBABLE_BACKGROUND},
 *                   {@link #PROBABLE_FOREGROUND} or {@link #SURE_FOREGROUND}
 */
public record Segmentation(BufferedImage image, boolean[] foreground, int[] seeds) {
    /** Seed: sure background (GrabCut's {@code GC_BGD}). */
    public static final int SURE_BACKGROUND = 0;
    /** Seed: sure foreground ({@code GC_FGD}). */
    public static final int SURE_FOREGROUND = 1;
    /** Seed: probable background ({@code GC_PR_BGD}). */
    public static final int PROBABLE_BACKGROUND = 2;
    /** Seed: probable foreground ({@code GC_PR_FGD}). */
    public static final int PROBABLE_FOREGROUND = 3;

    /** Validates sizes. */
    public Segmentation {
        if (image == null || foreground == null || seeds == null) {
            throw new IllegalArgumentException("a segmentation needs its image, mask and seeds");
        }
        int n = image.getWidth() * image.getHeight();
        if (foreground.length != n || seeds.length != n) {
            throw new IllegalArgumentException("mask and seeds need " + n + " entries, found " + foreground.length
                    + " and " + seeds.length);
        }
    }

    /** @return the image's height */
    public int height() {
        return image.getHeight();
    }

    /** @return the image's width */
    public int width() {
        return image.getWidth();
    }

    /** @return the mask as an int array, 1 foreground and 0 background, row-major (for {@code .npy}) */
    public int[] maskValues() {
        int[] m = new int[foreground.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = foreground[i] ? 1 : 0;
        }
        return m;
    }

    /** @return the fraction of pixels in the foreground */
    public double foregroundFraction() {
        int n = 0;
        for (boolean b : foreground) {
            n += b ? 1 : 0;
        }
        return (double) n / foreground.length;
    }

    /**
     * @param truth another mask of the same size
     * @return intersection over union of the foregrounds (1 when both are empty)
     * @throws IllegalArgumentException if the sizes differ
     */
    public double iou(boolean[] truth) {
        if (truth.length != foreground.length) {
            throw new IllegalArgumentException("masks of " + truth.length + " and " + foreground.length + " pixels");
        }
        int inter = 0;
        int union = 0;
        for (int i = 0; i < truth.length; i++) {
            inter += truth[i] && foreground[i] ? 1 : 0;
            union += truth[i] || foreground[i] ? 1 : 0;
        }
        return union == 0 ? 1 : (double) inter / union;
    }

    /** @return the mask: white foreground on black */
    public BufferedImage maskImage() {
        BufferedImage out = new BufferedImage(width(), height(), BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < foreground.length; i++) {
            out.setRGB(i % width(), i / width(), foreground[i] ? 0xffffff : 0);
        }
        return out;
    }

    /** @return the foreground cut out: its pixels on a transparent background (ARGB) */
    public BufferedImage cutout() {
        BufferedImage out = new BufferedImage(width(), height(), BufferedImage.TYPE_INT_ARGB);
        for (int i = 0; i < foreground.length; i++) {
            int x = i % width();
            int y = i / width();
            out.setRGB(x, y, foreground[i] ? 0xff000000 | image.getRGB(x, y) : 0);
        }
        return out;
    }

    /** @return the seeds over the image: sure foreground green, sure background red, the rest dimmed */
    public BufferedImage seedImage() {
        BufferedImage out = new BufferedImage(width(), height(), BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < seeds.length; i++) {
            int x = i % width();
            int y = i / width();
            int rgb = image.getRGB(x, y);
            int r = (rgb >> 16) & 0xff;
            int g = (rgb >> 8) & 0xff;
            int b = rgb & 0xff;
            int out3 = switch (seeds[i]) {
                case SURE_FOREGROUND -> (r / 3) << 16 | (170 + g / 3) << 8 | (b / 3);
                case SURE_BACKGROUND -> (170 + r / 3) << 16 | (g / 3) << 8 | (b / 3);
                default -> (r / 2) << 16 | (g / 2) << 8 | (b / 2);
            };
            out.setRGB(x, y, out3);
        }
        return out;
    }

    /** @return a panel: image | seeds | mask | cut-out (on a checkerboard), side by side */
    public BufferedImage panel() {
        int w = width();
        int h = height();
        BufferedImage out = new BufferedImage(4 * w + 3 * 4, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), h);
            g.drawImage(image, 0, 0, null);
            g.drawImage(seedImage(), w + 4, 0, null);
            g.drawImage(maskImage(), 2 * (w + 4), 0, null);
            int cell = Math.max(4, w / 16);
            for (int y = 0; y < h; y += cell) {
                for (int x = 0; x < w; x += cell) {
                    g.setColor(((x / cell + y / cell) & 1) == 0 ? new Color(0xcccccc) : Color.WHITE);
                    g.fillRect(3 * (w + 4) + x, y, Math.min(cell, w - x), Math.min(cell, h - y));
                }
            }
            g.drawImage(cutout(), 3 * (w + 4), 0, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Segmentation s && s.image == image && Arrays.equals(s.foreground, foreground)
                && Arrays.equals(s.seeds, seeds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(foreground);
    }

    @Override
    public String toString() {
        return "Segmentation[" + width() + "x" + height() + ", foreground " + String.format(java.util.Locale.ROOT, "%.1f%%",
                100 * foregroundFraction()) + "]";
    }
}
