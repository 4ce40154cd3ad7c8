package dev.cnnviz.core.style;

import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.image.ResizeFilter;
import java.awt.image.BufferedImage;

/**
 * RGB planes in 0..255 ({@code [3, H, W]}, row-major floats or doubles), the image space of this package, and the
 * conversions and colour maps it needs.
 *
 * <p><b>YIQ</b> (NTSC 1953, FCC coefficients, as Gatys et al. 2017 use for luminance-only transfer):
 * <pre>
 *   Y = 0.299 R + 0.587 G + 0.114 B
 *   I = 0.595716 R − 0.274453 G − 0.321263 B
 *   Q = 0.211456 R − 0.522591 G + 0.311135 B
 * </pre>
 * and its exact matrix inverse ({@link #fromYiq}), so RGB → YIQ → RGB is the identity up to rounding.
 */
final class Pixels {
    private static final double[][] TO_YIQ = {
            {0.299, 0.587, 0.114},
            {0.595716, -0.274453, -0.321263},
            {0.211456, -0.522591, 0.311135}};
    private static final double[][] FROM_YIQ = invert(TO_YIQ);

    private Pixels() {
    }

    /**
     * An image scaled so that its longer side is {@code size} (the aspect ratio kept, each side at least 1), as RGB
     * planes 0..255 with its height and width.
     */
    static Planes of(BufferedImage image, int size, MemoryBudget budget, String what) {
        int w0 = image.getWidth();
        int h0 = image.getHeight();
        int w = w0 >= h0 ? size : Math.max(1, (int) Math.round((double) size * w0 / h0));
        int h = h0 >= w0 ? size : Math.max(1, (int) Math.round((double) size * h0 / w0));
        return exactly(image, h, w, budget, what);
    }

    /** An image resized to exactly {@code h × w}, as RGB planes 0..255. */
    static Planes exactly(BufferedImage image, int h, int w, MemoryBudget budget, String what) {
        budget.check(what + " at " + w + "x" + h, MemoryBudget.bytesOf(8 * 4, 3, h, w));
        BufferedImage r = image.getWidth() == w && image.getHeight() == h ? ImageIo.toRgb(image)
                : ImageResize.resize(image, w, h, ResizeFilter.BILINEAR_ANTIALIAS);
        float[] p = new float[3 * h * w];
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = r.getRGB(x, y);
                int i = y * w + x;
                p[i] = (rgb >> 16) & 0xff;
                p[plane + i] = (rgb >> 8) & 0xff;
                p[2 * plane + i] = rgb & 0xff;
            }
        }
        return new Planes(p, h, w);
    }

    /** An image of RGB planes, each value clipped to 0..255 and rounded. */
    static BufferedImage toImage(float[] p, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                img.setRGB(x, y, (byte8(p[i]) << 16) | (byte8(p[plane + i]) << 8) | byte8(p[2 * plane + i]));
            }
        }
        return img;
    }

    private static int byte8(float v) {
        return (int) Math.round(Math.max(0, Math.min(255, v)));
    }

    /** RGB planes to YIQ planes (same layout). */
    static double[] toYiq(float[] rgb) {
        return mix(TO_YIQ, rgb);
    }

    /** YIQ planes to RGB planes (same layout, not clipped). */
    static float[] fromYiq(double[] yiq) {
        int plane = yiq.length / 3;
        float[] out = new float[yiq.length];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                double[] m = FROM_YIQ[c];
                out[c * plane + i] = (float) (m[0] * yiq[i] + m[1] * yiq[plane + i] + m[2] * yiq[2 * plane + i]);
            }
        }
        return out;
    }

    private static double[] mix(double[][] m, float[] p) {
        int plane = p.length / 3;
        double[] out = new double[p.length];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                out[c * plane + i] = m[c][0] * p[i] + m[c][1] * p[plane + i] + m[c][2] * p[2 * plane + i];
            }
        }
        return out;
    }

    /**
     * The luminance of {@code p} as a grey RGB image (Y in all three planes); if {@code match} is given, Y is first
     * moved to {@code match}'s luminance mean and standard deviation ({@code Y' = σ_m/σ (Y − μ) + μ_m}, the
     * histogram matching of Gatys et al. 2017, section 5.1).
     */
    static float[] luminance(float[] p, float[] match) {
        int plane = p.length / 3;
        double[] y = luma(p);
        if (match != null) {
            double[] ym = luma(match);
            double[] s = meanStd(y);
            double[] sm = meanStd(ym);
            double k = s[1] > 0 ? sm[1] / s[1] : 0;
            for (int i = 0; i < plane; i++) {
                y[i] = k * (y[i] - s[0]) + sm[0];
            }
        }
        float[] out = new float[p.length];
        for (int i = 0; i < plane; i++) {
            float v = (float) y[i];
            out[i] = v;
            out[plane + i] = v;
            out[2 * plane + i] = v;
        }
        return out;
    }

    private static double[] luma(float[] p) {
        int plane = p.length / 3;
        double[] y = new double[plane];
        for (int i = 0; i < plane; i++) {
            y[i] = TO_YIQ[0][0] * p[i] + TO_YIQ[0][1] * p[plane + i] + TO_YIQ[0][2] * p[2 * plane + i];
        }
        return y;
    }

    private static double[] meanStd(double[] v) {
        double m = 0;
        for (double d : v) {
            m += d;
        }
        m /= v.length;
        double s = 0;
        for (double d : v) {
            s += (d - m) * (d - m);
        }
        return new double[] {m, Math.sqrt(s / v.length)};
    }

    /**
     * Luminance-only transfer's last step: the luminance Y of {@code styled} with the chrominance I, Q of
     * {@code content} (same size), back to RGB and clipped to 0..255.
     */
    static float[] keepChrominance(float[] styled, float[] content) {
        double[] s = toYiq(styled);
        double[] c = toYiq(content);
        int plane = s.length / 3;
        System.arraycopy(c, plane, s, plane, 2 * plane);
        float[] out = fromYiq(s);
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(0f, Math.min(255f, out[i]));
        }
        return out;
    }

    private static double[][] invert(double[][] m) {
        double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        double[][] r = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                int i1 = (j + 1) % 3;
                int i2 = (j + 2) % 3;
                int j1 = (i + 1) % 3;
                int j2 = (i + 2) % 3;
                r[i][j] = (m[i1][j1] * m[i2][j2] - m[i1][j2] * m[i2][j1]) / det;
            }
        }
        return r;
    }

    /** RGB planes in 0..255 with their size. */
    record Planes(float[] values, int height, int width) {
    }
}
