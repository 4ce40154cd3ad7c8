package dev.cnnviz.examples.tour;

import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.render.Gallery;
import dev.cnnviz.core.render.Resample;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The whole lecture as a static HTML gallery: runs every section ({@link #sections()}) on a {@link TourContext} and
 * writes {@code index.html}, one page per section, {@code tour.css} and the figures' PNGs under {@code img/} into a
 * folder. The pages use no scripts and no external resources, so they open from the file system.
 *
 * <pre>{@code
 * TourContext ctx = new TourContext(model, image, "cat.jpg", images, null, ids, false, err);
 * Path index = Tour.run(ctx, Path.of("tour"));
 * }</pre>
 */
public final class Tour {
    /** The stylesheet's file name in the output folder. */
    public static final String CSS = "tour.css";
    /** The figures' folder in the output folder. */
    public static final String IMAGES = "img";

    private Tour() {
    }

    /** @return the lecture's sections, in page order: inspect, attribute, synthesize, stylize, attack */
    public static List<TourSection> sections() {
        return List.of(new InspectSection(), new AttributeSection(), new SynthesizeSection(), new StylizeSection(),
                new AttackSection());
    }

    /**
     * Runs every section and writes the gallery.
     *
     * @param ctx the model, image and dataset
     * @param dir the output folder (created; pages and figures of an earlier tour in it are replaced)
     * @return the index page
     * @throws IOException if the folder is not a folder or a file cannot be written
     * @throws Exception   if a technique fails
     */
    public static Path run(TourContext ctx, Path dir) throws Exception {
        return run(ctx, sections(), dir);
    }

    /**
     * Runs the given sections and writes the gallery.
     *
     * @param ctx      the model, image and dataset
     * @param sections the sections, in page order
     * @param dir      the output folder (created)
     * @return the index page
     * @throws Exception if a technique fails or a file cannot be written
     */
    public static Path run(TourContext ctx, List<TourSection> sections, Path dir) throws Exception {
        prepare(dir);
        Map<TourSection, List<Figure>> figures = new LinkedHashMap<>();
        for (TourSection s : sections) {
            figures.put(s, s.run(ctx));
        }
        return write(ctx, figures, dir);
    }

    /**
     * Writes the gallery of figures already computed.
     *
     * @param ctx     the model, image and dataset they were computed on
     * @param figures each section's figures, in page order
     * @param dir     the output folder (created)
     * @return the index page
     * @throws IOException if the folder is not a folder or a file cannot be written
     */
    public static Path write(TourContext ctx, Map<TourSection, List<Figure>> figures, Path dir) throws IOException {
        prepare(dir);
        Files.writeString(dir.resolve(CSS), css(), StandardCharsets.UTF_8);
        List<TourSection> sections = new ArrayList<>(figures.keySet());
        Map<TourSection, String> thumbnails = new LinkedHashMap<>();
        for (TourSection s : sections) {
            StringBuilder body = new StringBuilder();
            body.append("<h1>").append(esc(s.title())).append("</h1>\n<p class=\"intro\">").append(s.intro()).append("</p>\n");
            body.append("<div class=\"grid\">\n");
            int i = 0;
            for (Figure f : figures.get(s)) {
                i++;
                body.append(f.wide() ? "<figure class=\"wide\">" : "<figure>");
                if (f.image() != null) {
                    String file = IMAGES + "/" + s.name() + "-" + String.format(Locale.ROOT, "%02d", i) + ".png";
                    ImageIo.writePng(f.image(), dir.resolve(file));
                    thumbnails.putIfAbsent(s, file);
                    body.append("<img src=\"").append(file).append("\" width=\"").append(f.image().getWidth())
                            .append("\" height=\"").append(f.image().getHeight()).append("\" alt=\"")
                            .append(esc(f.technique())).append("\">");
                } else {
                    body.append("<pre>").append(esc(f.text())).append("</pre>");
                }
                body.append("<figcaption><strong>").append(esc(f.technique())).append("</strong>");
                if (!f.paper().isEmpty()) {
                    body.append(" <span class=\"paper\">").append(esc(f.paper())).append("</span>");
                }
                body.append("<br>").append(esc(f.settings())).append(" <span class=\"time\">")
                        .append(seconds(f.seconds())).append("</span></figcaption></figure>\n");
            }
            body.append("</div>\n");
            Files.writeString(dir.resolve(s.name() + ".html"), page(s.title(), s.name(), sections, body.toString()),
                    StandardCharsets.UTF_8);
        }
        Path index = dir.resolve("index.html");
        Files.writeString(index, page("cnnviz tour", "index", sections, index(ctx, figures, thumbnails, dir)),
                StandardCharsets.UTF_8);
        return index;
    }

    private static String index(TourContext ctx, Map<TourSection, List<Figure>> figures, Map<TourSection, String> thumbs,
            Path dir) throws IOException {
        double total = 0;
        int count = 0;
        for (List<Figure> fs : figures.values()) {
            for (Figure f : fs) {
                total += Double.isNaN(f.seconds()) ? 0 : f.seconds();
                count++;
            }
        }
        String input = IMAGES + "/input.png";
        BufferedImage img = ctx.image();
        if (Math.max(img.getWidth(), img.getHeight()) < 160) {
            img = Resample.nearest(img, img.getWidth() * 160 / Math.max(img.getWidth(), img.getHeight()),
                    img.getHeight() * 160 / Math.max(img.getWidth(), img.getHeight()));
        }
        ImageIo.writePng(img, dir.resolve(input));
        StringBuilder b = new StringBuilder();
        b.append("<h1>A tour of CNN visualization</h1>\n<div class=\"lead\"><figure class=\"input\"><img src=\"")
                .append(input).append("\" alt=\"the input image\"><figcaption>").append(esc(ctx.imageName()))
                .append("</figcaption></figure>\n<p class=\"intro\">Every technique of cnnviz on ")
                .append(esc(ctx.model().source())).append(" (input ").append(ctx.model().inputSpec().channels()).append("×")
                .append(ctx.model().inputSpec().height()).append("×").append(ctx.model().inputSpec().width())
                .append("), explaining <em>").append(esc(ctx.imageName())).append("</em>, which it classifies as ")
                .append(esc(ctx.describeClass(ctx.topClass())))
                .append(String.format(Locale.ROOT, " with p = %.3f", ctx.probability(ctx.topClass())))
                .append(", and a dataset of ").append(ctx.images().size()).append(" images. ").append(count)
                .append(" figures in ").append(seconds(total)).append(ctx.quick() ? " (quick run: reduced steps)" : "")
                .append(".</p></div>\n");
        b.append("<div class=\"cards\">\n");
        for (Map.Entry<TourSection, List<Figure>> e : figures.entrySet()) {
            TourSection s = e.getKey();
            double t = e.getValue().stream().mapToDouble(f -> Double.isNaN(f.seconds()) ? 0 : f.seconds()).sum();
            b.append("<a class=\"card\" href=\"").append(s.name()).append(".html\">");
            String thumb = thumbs.get(s);
            if (thumb != null) {
                b.append("<img src=\"").append(thumb).append("\" alt=\"").append(esc(s.title())).append("\">");
            }
            b.append("<h2>").append(esc(s.title())).append("</h2><p>").append(s.intro()).append("</p><p class=\"time\">")
                    .append(e.getValue().size()).append(" figures, ").append(seconds(t)).append("</p></a>\n");
        }
        b.append("</div>\n<h2>Every figure</h2>\n<table>\n<tr><th>section</th><th>technique</th><th>paper</th>"
                + "<th>seconds</th></tr>\n");
        for (Map.Entry<TourSection, List<Figure>> e : figures.entrySet()) {
            for (Figure f : e.getValue()) {
                b.append("<tr><td><a href=\"").append(e.getKey().name()).append(".html\">").append(e.getKey().name())
                        .append("</a></td><td>").append(esc(f.technique())).append("</td><td>").append(esc(f.paper()))
                        .append("</td><td class=\"num\">").append(String.format(Locale.ROOT, "%.2f", f.seconds()))
                        .append("</td></tr>\n");
            }
        }
        b.append("</table>\n");
        return b.toString();
    }

    private static void prepare(Path dir) throws IOException {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + ": not a folder (the tour writes index.html, its pages and img/ into a folder)");
        }
        Files.createDirectories(dir.resolve(IMAGES));
    }

    private static String page(String title, String current, List<TourSection> sections, String body) {
        StringBuilder nav = new StringBuilder("<nav><a class=\"brand").append(current.equals("index") ? " here" : "")
                .append("\" href=\"index.html\">cnnviz tour</a>");
        for (TourSection s : sections) {
            nav.append("<a").append(s.name().equals(current) ? " class=\"here\"" : "").append(" href=\"").append(s.name())
                    .append(".html\">").append(esc(s.name())).append("</a>");
        }
        nav.append("</nav>");
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" + esc(title)
                + "</title>\n<link rel=\"icon\" href=\"data:,\">\n<link rel=\"stylesheet\" href=\"" + CSS + "\">\n</head>\n<body>\n"
                + nav + "\n<main>\n" + body + "</main>\n<footer>Written by <code>cnnviz tour</code>.</footer>\n</body>\n</html>\n";
    }

    private static String seconds(double s) {
        return Double.isNaN(s) ? "" : String.format(Locale.ROOT, "%.2f s", s);
    }

    private static String esc(String s) {
        return Gallery.escape(s);
    }

    private static String css() {
        return """
                :root { --ink: #1d2330; --muted: #5b6577; --line: #dde2ea; --accent: #2f6fdf; --bg: #f6f7f9; }
                * { box-sizing: border-box; }
                body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
                       color: var(--ink); background: var(--bg); }
                nav { position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; gap: 4px;
                      padding: 8px 24px; background: var(--ink); }
                nav a { color: #e8ecf3; text-decoration: none; padding: 6px 12px; border-radius: 6px; }
                nav a:hover { background: #364056; }
                nav a.here { background: var(--accent); color: #fff; }
                nav a.brand { font-weight: 700; margin-right: 12px; }
                main { max-width: 1400px; margin: 0 auto; padding: 16px 24px 48px; }
                h1 { font-size: 26px; margin: 12px 0 4px; }
                h2 { font-size: 18px; margin: 28px 0 8px; }
                p.intro { color: var(--muted); max-width: 900px; }
                .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; }
                figure { margin: 0; padding: 12px; background: #fff; border: 1px solid var(--line); border-radius: 10px;
                         overflow-x: auto; }
                figure.wide { grid-column: 1 / -1; }
                figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
                figure pre { margin: 0; font-size: 12px; line-height: 1.35; overflow-x: auto; }
                figcaption { margin-top: 8px; font-size: 13px; color: var(--muted); }
                figcaption strong { color: var(--ink); }
                .paper { font-style: italic; }
                .time { color: var(--accent); font-variant-numeric: tabular-nums; white-space: nowrap; }
                .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 16px; }
                a.card { display: block; padding: 12px; background: #fff; border: 1px solid var(--line); border-radius: 10px;
                         color: inherit; text-decoration: none; }
                a.card:hover { border-color: var(--accent); }
                a.card img { width: 100%; height: 150px; object-fit: contain; background: var(--bg); border-radius: 6px; }
                a.card h2 { font-size: 16px; margin: 10px 0 4px; }
                a.card p { font-size: 13px; color: var(--muted); margin: 4px 0; }
                table { border-collapse: collapse; background: #fff; font-size: 13px; }
                th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; }
                td.num { text-align: right; font-variant-numeric: tabular-nums; }
                .lead { display: flex; gap: 20px; align-items: center; margin: 8px 0 20px; }
                .lead p.intro { margin: 0; }
                figure.input { flex: none; padding: 8px; }
                figure.input img { width: 120px; height: auto; }
                footer { color: var(--muted); font-size: 12px; text-align: center; padding: 16px; }
                """;
    }
}
