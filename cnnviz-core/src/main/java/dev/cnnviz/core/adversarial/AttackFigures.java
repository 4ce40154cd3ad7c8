package dev.cnnviz.core.adversarial;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.render.Panel;
import dev.cnnviz.core.render.Resample;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * The figures of adversarial examples, drawn with Java2D in the layout of {@link Panel} (its margins, gaps, title row
 * and fonts): the lecture's panel <i>original (class, p) | perturbation, magnified | adversarial (class, p)</i>; a
 * universal perturbation with its fooling rate; and a robustness curve plot.
 *
 * <p>Magnification: the perturbation {@code δ} is shown as {@code 0.5 + δ · m} per channel with
 * {@code m = 0.5 / ‖δ‖∞}, so mid-grey is no change and the largest change reaches black or white; the title gives
 * {@code m} ("×64" for a change of at most 2/255 … ). Small images (28×28) are enlarged with nearest neighbours.
 *
 * <pre>{@code
 * AdversarialExample a = Pgd.of(model).attack(cat);
 * ImageIo.writePng(AttackFigures.panel(a, 224), Path.of("out/cat-pgd.png"));
 * }</pre>
 */
public final class AttackFigures {
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    private static final Font CAPTION_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Color TEXT = new Color(0x22, 0x22, 0x22);

    private AttackFigures() {
    }

    /**
     * The panel original | magnified perturbation | adversarial, with each image's class and probability above it
     * and a caption (attack, norms, steps, success) below.
     *
     * @param a        the result
     * @param tileSize the height of each tile in pixels (at least 16)
     * @return the figure
     */
    public static BufferedImage panel(AdversarialExample a, int tileSize) {
        checkTile(tileSize);
        double linf = a.linf();
        double m = linf > 0 ? 0.5 / linf : 1;
        BufferedImage[] tiles = {tile(a.originalImage(), tileSize), tile(magnified(a.perturbation(), m), tileSize),
            tile(a.adversarialImage(), tileSize)};
        String[] titles = {"original: " + a.before(), String.format(Locale.ROOT, "perturbation ×%.0f", m),
            "adversarial: " + a.after()};
        String caption = String.format(Locale.ROOT, "%s · %s · L∞ %.4f (%.2f/255) · L2 %.4f · L0 %d · %d steps · %s",
                a.provenance().method(), a.targeted() ? "target " + a.target().describe() : "untargeted",
                linf, linf * 255, a.l2(), a.l0(), a.steps(), a.success() ? "success" : "failure");
        return strip(tiles, titles, caption);
    }

    /**
     * A universal perturbation, magnified as in {@link #panel}, with its radius and fooling rates.
     *
     * @param r        the fitted perturbation
     * @param tileSize the tile height (at least 16)
     * @return the figure
     */
    public static BufferedImage universal(UniversalPerturbation.Result r, int tileSize) {
        checkTile(tileSize);
        double linf = r.norm().of(r.perturbation().data(), 0, r.perturbation().length());
        double mag = r.norm() == Norm.LINF ? linf : r.perturbation().data().length == 0 ? 0
                : maxAbs(r.perturbation().data());
        double m = mag > 0 ? 0.5 / mag : 1;
        String title = String.format(Locale.ROOT, "universal perturbation ×%.0f", m);
        String caption = String.format(Locale.ROOT, "%s ≤ %.4f (%.2f/255) · fooling rate %.1f%% on training images%s · %d passes",
                r.norm() == Norm.LINF ? "L∞" : "L2", r.xi(), r.xi() * 255, 100 * r.trainFoolingRate(),
                Double.isNaN(r.heldOutFoolingRate()) ? ""
                        : String.format(Locale.ROOT, ", %.1f%% on held-out images", 100 * r.heldOutFoolingRate()),
                r.passes());
        return strip(new BufferedImage[] {tile(magnified(r.perturbation(), m), tileSize)}, new String[] {title}, caption);
    }

    /**
     * A robustness curve: accuracy and attack success rate (0 to 1) against ε (in grey levels, ε · 255).
     *
     * @param r the curve
     * @return a 640 × 420 plot
     */
    public static BufferedImage robustness(RobustnessCurve.Result r) {
        int w = 640;
        int h = 420;
        int left = 64;
        int right = 40;
        int top = 44;
        int bottom = 56;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            hints(g);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            List<RobustnessCurve.Point> pts = r.points();
            double xMax = 0;
            for (RobustnessCurve.Point p : pts) {
                xMax = Math.max(xMax, p.epsilon() * 255);
            }
            xMax = xMax > 0 ? xMax : 1;
            int pw = w - left - right;
            int ph = h - top - bottom;
            g.setFont(LABEL_FONT);
            FontMetrics fm = g.getFontMetrics();
            for (int i = 0; i <= 5; i++) {
                double v = i / 5.0;
                int y = top + ph - (int) Math.round(v * ph);
                g.setColor(new Color(0xE4, 0xE4, 0xE4));
                g.drawLine(left, y, left + pw, y);
                g.setColor(TEXT);
                String s = String.format(Locale.ROOT, "%.1f", v);
                g.drawString(s, left - 6 - fm.stringWidth(s), y + fm.getAscent() / 2 - 1);
            }
            for (RobustnessCurve.Point p : pts) {
                int x = left + (int) Math.round(p.epsilon() * 255 / xMax * pw);
                g.setColor(new Color(0xE4, 0xE4, 0xE4));
                g.drawLine(x, top, x, top + ph);
                g.setColor(TEXT);
                String s = String.format(Locale.ROOT, "%.3g", p.epsilon() * 255);
                g.drawString(s, x - fm.stringWidth(s) / 2, top + ph + fm.getAscent() + 4);
            }
            g.setColor(TEXT);
            g.drawRect(left, top, pw, ph);
            String xl = "ε × 255 (grey levels)";
            g.drawString(xl, left + (pw - fm.stringWidth(xl)) / 2, h - 14);
            Color[] colors = {new Color(0x1F, 0x77, 0xB4), new Color(0xD6, 0x27, 0x28)};
            String[] names = {"accuracy", "attack success rate"};
            for (int s = 0; s < 2; s++) {
                Path2D.Double path = new Path2D.Double();
                boolean started = false;
                g.setColor(colors[s]);
                g.setStroke(new BasicStroke(2f));
                for (RobustnessCurve.Point p : pts) {
                    double v = s == 0 ? p.accuracy() : p.successRate();
                    if (Double.isNaN(v)) {
                        continue;
                    }
                    double x = left + p.epsilon() * 255 / xMax * pw;
                    double y = top + ph - v * ph;
                    if (started) {
                        path.lineTo(x, y);
                    } else {
                        path.moveTo(x, y);
                        started = true;
                    }
                    g.fillOval((int) Math.round(x) - 3, (int) Math.round(y) - 3, 7, 7);
                }
                g.draw(path);
                int lx = left + 12 + s * 150;
                g.fillRect(lx, top - 22, 14, 4);
                g.setColor(TEXT);
                g.drawString(names[s], lx + 20, top - 16);
            }
            g.setFont(TITLE_FONT);
            String t = r.attack() + " on " + r.images() + " images";
            g.drawString(t, w - right - g.getFontMetrics().stringWidth(t), top - 14);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** An image-space perturbation shown as {@code 0.5 + δ · m}, clipped. */
    static BufferedImage magnified(Tensor delta, double m) {
        float[] d = delta.data();
        float[] v = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            v[i] = (float) Math.max(0, Math.min(1, 0.5 + d[i] * m));
        }
        return AdversarialExample.toImage(Tensor.of(v, delta.shape()));
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static void checkTile(int tileSize) {
        if (tileSize < 16 || tileSize > 4096) {
            throw new IllegalArgumentException("tile size must be between 16 and 4096 pixels, found " + tileSize);
        }
    }

    private static BufferedImage tile(BufferedImage img, int size) {
        BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.drawImage(img, 0, 0, null);
        g.dispose();
        int w = Math.max(1, (int) Math.round((double) img.getWidth() * size / img.getHeight()));
        if (w == img.getWidth() && size == img.getHeight()) {
            return rgb;
        }
        return size >= 2 * img.getHeight() ? Resample.nearest(rgb, w, size) : Resample.resize(rgb, w, size);
    }

    /** Tiles side by side with a title above each and a centred caption below. */
    private static BufferedImage strip(BufferedImage[] tiles, String[] titles, String caption) {
        int tw = tiles[0].getWidth();
        int th = tiles[0].getHeight();
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics tm = pg.getFontMetrics(TITLE_FONT);
        FontMetrics cm = pg.getFontMetrics(CAPTION_FONT);
        int titleW = 0;
        for (String t : titles) {
            titleW = Math.max(titleW, tm.stringWidth(t));
        }
        int col = Math.max(tw, titleW + 8);
        int width = Math.max(2 * Panel.MARGIN + tiles.length * col + (tiles.length - 1) * Panel.GAP,
                cm.stringWidth(caption) + 2 * Panel.MARGIN);
        int height = 2 * Panel.MARGIN + Panel.TITLE_HEIGHT + th + Panel.CAPTION_GAP + cm.getHeight() + 2;
        pg.dispose();
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            hints(g);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int x0 = (width - (tiles.length * col + (tiles.length - 1) * Panel.GAP)) / 2;
            int topY = Panel.MARGIN + Panel.TITLE_HEIGHT;
            g.setFont(TITLE_FONT);
            g.setColor(TEXT);
            for (int i = 0; i < tiles.length; i++) {
                int cx = x0 + i * (col + Panel.GAP);
                g.drawImage(tiles[i], cx + (col - tw) / 2, topY, null);
                g.drawString(titles[i], cx + (col - tm.stringWidth(titles[i])) / 2, Panel.MARGIN + tm.getAscent());
            }
            g.setFont(CAPTION_FONT);
            g.drawString(caption, (width - cm.stringWidth(caption)) / 2, topY + th + Panel.CAPTION_GAP + cm.getAscent());
        } finally {
            g.dispose();
        }
        return out;
    }

    private static void hints(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    }
}
