package dev.cnnviz.examples.cli;

import dev.cnnviz.core.Model;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz predict}: the top classes of an image. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        headerHeading = "",
        header = "Classify an image: the top-K classes with probabilities.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Runs the model forward once and prints the K best classes as a table: rank, class index, label, "
                + "probability (softmax) and score (before the softmax). With --json, prints a JSON array of "
                + "{\"index\", \"label\", \"probability\", \"score\"} objects instead (an array of such arrays "
                + "for an .npy batch of several inputs).",
            "",
            "Without --model: the embedded Fashion-MNIST CNN and, without an input, its default image."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz predict",
            "  cnnviz predict --image shoe.png --top 3",
            "  cnnviz predict --model squeezenet1.1.onnx --labels imagenet-labels.txt \\",
            "      --preprocess caffe-bgr:104,117,123 --image cat.jpg --json"})
public final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nInput (one of; default: the embedded model's default image):%n")
    InputOptions.OrFolder input;

    @Option(names = {"-k", "--top"}, paramLabel = "K", defaultValue = "5",
            description = "How many classes to print (at most the number of classes).")
    int top;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            throw new ParameterException(spec.commandLine(), "--top must be at least 1, found " + top);
        }
        Model model = modelOptions.load();
        InputOptions.Input in = InputOptions.load(input, model, modelOptions.isDefault(), spec.commandLine());
        Predictions p;
        try {
            p = Predictions.of(model, in.batch());
        } finally {
            in.batch().close();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(json(p));
        } else {
            for (int i = 0; i < p.size(); i++) {
                if (p.size() > 1) {
                    out.println((i == 0 ? "" : System.lineSeparator()) + "example " + i + ":");
                }
                out.print(table(p.top(i, top)));
            }
        }
        out.flush();
        return 0;
    }

    private String json(Predictions p) {
        StringBuilder sb = new StringBuilder();
        if (p.size() > 1) {
            sb.append('[');
        }
        for (int i = 0; i < p.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(p.size() > 1 ? "\n " : "").append('[');
            List<Predictions.Entry> entries = p.top(i, top);
            for (int r = 0; r < entries.size(); r++) {
                Predictions.Entry e = entries.get(r);
                sb.append(r == 0 ? "" : ",").append("\n  {\"index\": ").append(e.index())
                        .append(", \"label\": ").append(Json.string(e.label()))
                        .append(", \"probability\": ").append(Json.number(e.probability()))
                        .append(", \"score\": ").append(Json.floatNumber(e.score())).append('}');
            }
            sb.append("\n").append(p.size() > 1 ? " " : "").append(']');
        }
        if (p.size() > 1) {
            sb.append("\n]");
        }
        return sb.toString();
    }

    /** @return the aligned table with a header line. */
    static String table(List<Predictions.Entry> entries) {
        int labelWidth = "label".length();
        for (Predictions.Entry e : entries) {
            labelWidth = Math.max(labelWidth, e.label() == null ? 1 : e.label().length());
        }
        String fmt = "%4s  %5s  %-" + labelWidth + "s  %11s  %10s%n";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, fmt, "rank", "index", "label", "probability", "score"));
        for (Predictions.Entry e : entries) {
            sb.append(String.format(Locale.ROOT, fmt, e.rank(), e.index(), e.label() == null ? "-" : e.label(),
                    String.format(Locale.ROOT, "%.4f", e.probability()), String.format(Locale.ROOT, "%.4f", e.score())));
        }
        return sb.toString();
    }
}
