package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.metrics.Evaluation;
import dev.cnnviz.core.metrics.Infidelity;
import dev.cnnviz.core.metrics.Summary;
import dev.cnnviz.examples.DefaultModel;
import dev.cnnviz.examples.report.EvaluationReport;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cnnviz evaluate}: measures attribution methods over a set of images with every metric of
 * {@code dev.cnnviz.core.metrics} (deletion, insertion, ROAD, infidelity, max-sensitivity, cascading randomisation) and
 * writes a self-contained HTML report: a table of mean ± 95% CI per method and the curves as PNG plots.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Measure attribution methods over images; write an HTML report.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "For each method and image: deletion and insertion AUC (Petsiuk et al. 2018), ROAD MoRF and LeRF with noisy "
                + "linear imputation (Rong et al. 2022), infidelity and max-sensitivity (Yeh et al. 2019), and the "
                + "rank correlation after cascading randomisation of every layer (Adebayo et al. 2018). Prints one line "
                + "per method (mean ± 95%% CI of each metric) and writes the report (table and plots) to --out.",
            "",
            "Every model evaluation runs in batches of inference-only passes. Each image is explained for its top "
                + "class unless --target is given.",
            "",
            "Without --model: the embedded Fashion-MNIST CNN and, without --images, its bundled test images."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz evaluate --methods grad-cam,saliency --limit 8",
            "  cnnviz evaluate --methods grad-cam,smoothgrad,score-cam --model squeezenet1.1.onnx \\",
            "      --labels imagenet-labels.txt --preprocess caffe-bgr --images photos/ --out report.html"})
public final class EvaluateCommand implements Callable<Integer> {
    /** The most images one report takes. */
    public static final int MAX_IMAGES = 10_000;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--methods", paramLabel = "LIST", split = ",", converter = Method.Converter.class,
            defaultValue = "grad-cam,saliency",
            description = "Comma-separated methods (default: ${DEFAULT-VALUE}): ${COMPLETION-CANDIDATES}.",
            completionCandidates = Method.Names.class)
    List<Method> methods;

    @Option(names = "--metrics", paramLabel = "LIST", split = ",",
            description = "Comma-separated metrics (default: all): deletion, insertion, road-morf, road-lerf, "
                    + "infidelity, max-sensitivity, randomization.")
    List<String> metrics;

    /** Where the images come from. */
    static final class Images {
        @Option(names = "--images", paramLabel = "DIR",
                description = "A folder of images (PNG, JPEG, BMP, GIF), taken in file-name order.")
        Path dir;

        @Option(names = "--fashion-mnist",
                description = "The Fashion-MNIST test images bundled with the embedded model.")
        boolean fashionMnist;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nImages (one of; default with the embedded model: --fashion-mnist):%n")
    Images images;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "16",
            description = "Use at most the first N images (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = {"-t", "--target"}, paramLabel = "N",
            description = "Explain this class index for every image (default: each image's top class).")
    Integer target;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of ROAD's noise, infidelity's and max-sensitivity's perturbations and the random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--infidelity", paramLabel = "square|noise", defaultValue = "square",
            converter = InfidelityConverter.class,
            description = "Infidelity's perturbation: square (a random square removed; the map's mass in it predicts the drop, "
                    + "fair to unsigned maps such as Grad-CAM) or noise (Gaussian noise, the noisy baseline; "
                    + "default: ${DEFAULT-VALUE}).")
    Infidelity.Perturbation infidelity;

    /** Reads {@code square} or {@code noise}. */
    static final class InfidelityConverter implements picocli.CommandLine.ITypeConverter<Infidelity.Perturbation> {
        @Override
        public Infidelity.Perturbation convert(String v) {
            return switch (v.toLowerCase(java.util.Locale.ROOT)) {
                case "square" -> Infidelity.Perturbation.SQUARE_REMOVAL;
                case "noise" -> Infidelity.Perturbation.NOISY_BASELINE;
                default -> throw new picocli.CommandLine.TypeConversionException(
                        "--infidelity takes square or noise, found '" + v + "'");
            };
        }
    }

    @Option(names = {"-o", "--out"}, paramLabel = "HTML", defaultValue = "evaluate.html",
            description = "The report to write; the name must end in .html (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--plots", paramLabel = "DIR",
            description = "Also write the plots as DIR/deletion.png, insertion.png, road.png, randomization.png.")
    Path plots;

    @Option(names = "--json", description = "Print one JSON object per method instead of text lines.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (limit < 1 || limit > MAX_IMAGES) {
            throw new ParameterException(spec.commandLine(), "--limit must be from 1 to " + MAX_IMAGES + ", found " + limit);
        }
        if (methods == null || methods.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--methods needs at least one method: " + Method.names());
        }
        Set<Evaluation.Metric> chosen = EnumSet.allOf(Evaluation.Metric.class);
        if (metrics != null) {
            chosen = EnumSet.noneOf(Evaluation.Metric.class);
            for (String m : metrics) {
                try {
                    chosen.add(Evaluation.Metric.parse(m.replace("randomisation", "randomization")));
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), e.getMessage());
                }
            }
        }
        OutputChecks checks = new OutputChecks(spec.commandLine())
                .input("--model", modelOptions.model)
                .input("--labels", modelOptions.labels)
                .output("--out", out, ".html");
        if (plots != null) {
            for (String p : List.of("deletion", "insertion", "road", "randomization")) {
                checks.output("--plots", plots.resolve(p + ".png"), ".png");
            }
        }
        Model model = modelOptions.load();
        List<String> names = new ArrayList<>();
        List<BufferedImage> imgs = loadImages(model, names);
        Evaluation eval = Evaluation.of(model).withMetrics(chosen).withSeed(seed).withInfidelity(infidelity);
        Target t = target == null ? Target.topClass() : Target.classIndex(target);
        List<Evaluation.Result> results = new ArrayList<>();
        PrintWriter w = spec.commandLine().getOut();
        try (INDArray batch = ImageTensors.toBatch(imgs, model.inputSpec())) {
            INDArray typed = batch.castTo(model.graph().dataType());
            try {
                for (Method m : methods) {
                    Evaluation.Result r = eval.run(m.cliName(), mm -> m.create(mm, null, null, null), typed, t);
                    results.add(r);
                    w.println(json ? jsonLine(r, imgs.size()) : textLine(r));
                    w.flush();
                }
            } finally {
                if (typed != batch) {
                    typed.close();
                }
            }
        }
        EvaluationReport report = new EvaluationReport(modelOptions.describe(), names, results);
        report.writeHtml(out);
        if (plots != null) {
            report.writePlots(plots);
        }
        if (!json) {
            w.println("report (" + results.size() + " methods, " + imgs.size() + " images) -> " + out
                    + (plots != null ? "; plots -> " + plots : ""));
        }
        w.flush();
        return 0;
    }

    private List<BufferedImage> loadImages(Model model, List<String> names) throws IOException {
        List<BufferedImage> out = new ArrayList<>();
        if (images != null && images.dir != null) {
            if (!Files.isDirectory(images.dir)) {
                throw new IOException(images.dir + ": not a folder (--images takes a folder of images)");
            }
            List<Path> files;
            try (Stream<Path> s = Files.list(images.dir)) {
                files = s.filter(Files::isRegularFile)
                        .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT)
                                .matches(".*\\.(png|jpe?g|bmp|gif)"))
                        .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                        .limit(limit).toList();
            }
            if (files.isEmpty()) {
                throw new IOException(images.dir + ": no image files (.png, .jpg, .jpeg, .bmp, .gif) in the folder");
            }
            for (Path f : files) {
                out.add(ImageIo.read(f));
                names.add(f.getFileName().toString());
            }
            return out;
        }
        if ((images == null || !images.fashionMnist) && !modelOptions.isDefault()) {
            throw new ParameterException(spec.commandLine(), "give the images: --images DIR or --fashion-mnist "
                    + "(only the embedded default model has default images)");
        }
        for (DefaultModel.TestImage ti : DefaultModel.testImages()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(ti.image());
            names.add(ti.name());
        }
        return out;
    }

    private static String textLine(Evaluation.Result r) {
        StringBuilder sb = new StringBuilder("method=").append(r.method());
        for (Evaluation.Metric m : Evaluation.Metric.values()) {
            if (r.values().containsKey(m)) {
                sb.append(' ').append(m.cliName()).append('=').append(Summary.of(r.values(m)).format(4).replace(" ", ""));
            }
        }
        return sb.toString();
    }

    private static String jsonLine(Evaluation.Result r, int images) {
        StringBuilder sb = new StringBuilder("{\"method\":").append(Json.string(r.method()))
                .append(",\"images\":").append(images).append(",\"metrics\":{");
        boolean first = true;
        for (Evaluation.Metric m : Evaluation.Metric.values()) {
            if (!r.values().containsKey(m)) {
                continue;
            }
            Summary s = Summary.of(r.values(m));
            sb.append(first ? "" : ",").append(Json.string(m.cliName())).append(":{\"mean\":").append(Json.number(s.mean()))
                    .append(",\"ci95\":").append(Json.number(s.halfWidth())).append(",\"higherIsBetter\":")
                    .append(m.higherIsBetter()).append('}');
            first = false;
        }
        return sb.append("}}").toString();
    }
}
