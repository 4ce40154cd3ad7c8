package dev.cnnviz.examples.report;

import dev.cnnviz.core.metrics.Curve;
import dev.cnnviz.core.metrics.Evaluation;
import dev.cnnviz.core.metrics.ModelRandomization;
import dev.cnnviz.core.metrics.Summary;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The report of {@code cnnviz evaluate}: a table of every metric (mean ± 95% confidence interval over the images, the
 * best method of each column in bold) and plots of the mean deletion, insertion, ROAD and randomisation curves per
 * method, drawn with XChart, as one self-contained HTML page (the plots embedded as PNG data URIs, no external file
 * or script).
 *
 * <pre>{@code
 * EvaluationReport r = new EvaluationReport("SqueezeNet 1.1", imageNames, results);
 * r.writeHtml(Path.of("report.html"));
 * r.plots().get("deletion");          // a BufferedImage
 * }</pre>
 */
public final class EvaluationReport {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 400;

    private final String model;
    private final List<String> images;
    private final List<Evaluation.Result> results;

    /**
     * @param model   a one-line description of the model
     * @param images  the images' names, in order
     * @param results one result per method, over those images
     * @throws IllegalArgumentException if there are no results or no images
     */
    public EvaluationReport(String model, List<String> images, List<Evaluation.Result> results) {
        if (results == null || results.isEmpty() || images == null || images.isEmpty()) {
            throw new IllegalArgumentException("a report needs at least one method and one image");
        }
        this.model = model == null ? "" : model;
        this.images = List.copyOf(images);
        this.results = List.copyOf(results);
    }

    /** @return the metrics present in every result, in the enum's order */
    public List<Evaluation.Metric> metrics() {
        List<Evaluation.Metric> out = new ArrayList<>();
        for (Evaluation.Metric m : Evaluation.Metric.values()) {
            if (results.stream().allMatch(r -> r.values().containsKey(m))) {
                out.add(m);
            }
        }
        return out;
    }

    /** @return the summary of metric {@code m} for each method, in the results' order */
    public Map<String, Summary> summaries(Evaluation.Metric m) {
        Map<String, Summary> out = new LinkedHashMap<>();
        for (Evaluation.Result r : results) {
            out.put(r.method(), Summary.of(r.values(m)));
        }
        return out;
    }

    /**
     * @return the plots by name ({@code deletion}, {@code insertion}, {@code road}, {@code randomization}), for the
     *         metrics that were run
     */
    public Map<String, BufferedImage> plots() {
        Map<String, BufferedImage> out = new LinkedHashMap<>();
        List<Evaluation.Metric> ms = metrics();
        if (ms.contains(Evaluation.Metric.DELETION)) {
            out.put("deletion", curves("Deletion (lower is better)", "fraction of pixels removed", List.of(Evaluation.Metric.DELETION)));
        }
        if (ms.contains(Evaluation.Metric.INSERTION)) {
            out.put("insertion", curves("Insertion (higher is better)", "fraction of pixels inserted", List.of(Evaluation.Metric.INSERTION)));
        }
        List<Evaluation.Metric> road = new ArrayList<>();
        if (ms.contains(Evaluation.Metric.ROAD_MORF)) {
            road.add(Evaluation.Metric.ROAD_MORF);
        }
        if (ms.contains(Evaluation.Metric.ROAD_LERF)) {
            road.add(Evaluation.Metric.ROAD_LERF);
        }
        if (!road.isEmpty()) {
            out.put("road", curves("ROAD: MoRF (lower is better), LeRF (higher is better)", "fraction of pixels removed and imputed", road));
        }
        if (ms.contains(Evaluation.Metric.RANDOMIZATION)) {
            out.put("randomization", randomization());
        }
        return out;
    }

    private BufferedImage curves(String title, String xTitle, List<Evaluation.Metric> metrics) {
        XYChart chart = chart(title, xTitle, "target probability");
        for (Evaluation.Result r : results) {
            for (Evaluation.Metric m : metrics) {
                Curve c = r.meanCurve(m);
                String name = metrics.size() == 1 ? r.method() : r.method() + " " + (m == Evaluation.Metric.ROAD_MORF ? "MoRF" : "LeRF");
                chart.addSeries(name, c.fractions(), c.values());
            }
        }
        return BitmapEncoder.getBufferedImage(chart);
    }

    private BufferedImage randomization() {
        XYChart chart = chart("Cascading randomisation: rank correlation with the trained map",
                "layers randomised, from the output down", "Spearman's rho (absolute values)");
        List<String> layers = results.get(0).randomization().layers();
        for (Evaluation.Result r : results) {
            ModelRandomization.Result rr = r.randomization();
            double[] mean = rr.mean();
            double[] x = new double[mean.length + 1];
            double[] y = new double[mean.length + 1];
            y[0] = 1;
            for (int k = 0; k < mean.length; k++) {
                x[k + 1] = k + 1;
                y[k + 1] = mean[k];
            }
            x[0] = 0;
            chart.addSeries(r.method(), x, y);
        }
        chart.setCustomXAxisTickLabelsFormatter(v -> {
            int k = (int) Math.round(v);
            if (Math.abs(v - k) > 1e-6 || k < 0 || k > layers.size()) {
                return "";
            }
            return k == 0 ? "trained" : "+" + layers.get(k - 1);
        });
        chart.getStyler().setYAxisMin(-0.2).setYAxisMax(1.0);
        return BitmapEncoder.getBufferedImage(chart);
    }

    private static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS).setMarkerSize(4)
                .setChartBackgroundColor(Color.WHITE);
        return chart;
    }

    /** @return the self-contained HTML page */
    public String html() throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>cnnviz evaluation</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}th{background:#eee}")
                .append("td:first-child{text-align:left}img{margin:8px;border:1px solid #ddd}</style></head><body>\n")
                .append("<h1>Evaluation of attribution methods</h1>\n<p>Model: ").append(esc(model)).append("<br>Images: ")
                .append(images.size()).append(" (").append(esc(String.join(", ", images.subList(0, Math.min(8, images.size())))))
                .append(images.size() > 8 ? ", …" : "").append(")</p>\n");
        List<Evaluation.Metric> ms = metrics();
        sb.append("<table><tr><th>method</th>");
        for (Evaluation.Metric m : ms) {
            sb.append("<th>").append(esc(m.label())).append(m.higherIsBetter() ? " ↑" : " ↓").append("</th>");
        }
        sb.append("</tr>\n");
        Map<Evaluation.Metric, Map<String, Summary>> sums = new LinkedHashMap<>();
        Map<Evaluation.Metric, String> best = new LinkedHashMap<>();
        for (Evaluation.Metric m : ms) {
            Map<String, Summary> s = summaries(m);
            sums.put(m, s);
            String b = null;
            for (Map.Entry<String, Summary> e : s.entrySet()) {
                if (b == null || (m.higherIsBetter() ? e.getValue().mean() > s.get(b).mean() : e.getValue().mean() < s.get(b).mean())) {
                    b = e.getKey();
                }
            }
            best.put(m, b);
        }
        for (Evaluation.Result r : results) {
            sb.append("<tr><td>").append(esc(r.method())).append("</td>");
            for (Evaluation.Metric m : ms) {
                String cell = esc(sums.get(m).get(r.method()).format(digits(m)));
                boolean isBest = results.size() > 1 && r.method().equals(best.get(m));
                sb.append("<td>").append(isBest ? "<b>" + cell + "</b>" : cell).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n<p>Mean ± half-width of the 95% confidence interval (Student's t) over the images; ↑ higher "
                + "is better, ↓ lower is better; the best method of each column in bold. Deletion and insertion: Petsiuk "
                + "et al. 2018 (AUC of the target's probability); ROAD: Rong et al. 2022 (mean probability over 10%–90% "
                + "removed, noisy linear imputation); infidelity and max-sensitivity: Yeh et al. 2019 (infidelity by removing "
                + "random squares unless the command was given --infidelity noise); randomisation: "
                + "Adebayo et al. 2018 (Spearman's rank correlation of absolute maps after randomising every layer).</p>\n");
        for (Map.Entry<String, BufferedImage> p : plots().entrySet()) {
            sb.append("<img alt=\"").append(esc(p.getKey())).append("\" width=\"").append(WIDTH).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png(p.getValue()))).append("\">\n");
        }
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static int digits(Evaluation.Metric m) {
        return m == Evaluation.Metric.INFIDELITY ? 4 : 3;
    }

    /** Writes {@link #html()} to {@code file} (creating parent folders). */
    public void writeHtml(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, html(), StandardCharsets.UTF_8);
    }

    /** Writes each plot as {@code dir/NAME.png}; @return the files written */
    public List<Path> writePlots(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        for (Map.Entry<String, BufferedImage> p : plots().entrySet()) {
            Path f = dir.resolve(p.getKey() + ".png");
            Files.write(f, png(p.getValue()));
            out.add(f);
        }
        return out;
    }

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", bos)) {
            throw new IOException("no PNG writer available");
        }
        return bos.toByteArray();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "EvaluationReport[%d methods, %d images]", results.size(), images.size());
    }
}
