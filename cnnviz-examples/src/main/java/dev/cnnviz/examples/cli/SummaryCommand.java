package dev.cnnviz.examples.cli;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.inspect.ModelSummary;
import dev.cnnviz.core.inspect.ReceptiveField;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cnnviz summary}: the model's layers as Keras' {@code model.summary()} lists them (operator, output shape,
 * parameters, FLOPs, receptive field size and stride), then its graph node by node; {@code --json} prints the layers
 * as one JSON array.
 */
@Command(name = "summary", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Print the model's layers: operator, output shape, parameters, FLOPs, receptive field.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Prints the model's source, input and labels; a table of the layers with their output shape for one "
                + "example, parameter count, forward FLOPs (multiply-accumulate layers, 2 per multiply-add) and "
                + "receptive field size and stride in input pixels; then one line per node with its inputs and "
                + "attributes (weights are shown as the shapes of the constant inputs). The node names are what "
                + "--layer takes.",
            "",
            "With --json: one line, a JSON array of {\"name\", \"op\", \"inputs\", \"outputShape\", \"params\", "
                + "\"flops\", \"receptiveField\": {\"size\": [h, w], \"stride\": [h, w]}} (receptiveField is null "
                + "where there is none, and has \"global\": true after a global pooling).",
            "",
            "Without --model: the embedded Fashion-MNIST CNN."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {"  cnnviz summary", "  cnnviz summary --model squeezenet1.1.onnx", "  cnnviz summary --json"})
public final class SummaryCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--json", description = "Print the layers as one JSON array instead of tables.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Model model = modelOptions.load();
        PrintWriter out = spec.commandLine().getOut();
        ModelSummary summary = ModelSummary.of(model);
        if (json) {
            out.println(json(summary));
            out.flush();
            return 0;
        }
        out.println("model:  " + (model.source().isEmpty() ? modelOptions.describe() : model.source()));
        out.println("input:  " + model.inputSpec());
        out.println("labels: " + (model.labels().isEmpty() ? "none" : model.labels().size() + " ("
                + String.join(", ", model.labels().subList(0, Math.min(3, model.labels().size())))
                + (model.labels().size() > 3 ? ", ..." : "") + ")"));
        out.println();
        out.println(summary.table());
        out.println();
        out.println(model.graph().summary());
        out.flush();
        return 0;
    }

    /** @return the summary as one JSON array. */
    static String json(ModelSummary summary) {
        StringBuilder sb = new StringBuilder("[");
        for (ModelSummary.Row r : summary.rows()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append("{\"name\":").append(Json.string(r.name()))
                    .append(",\"op\":").append(Json.string(r.op()))
                    .append(",\"inputs\":[");
            for (int i = 0; i < r.inputs().size(); i++) {
                sb.append(i == 0 ? "" : ",").append(Json.string(r.inputs().get(i)));
            }
            sb.append("],\"outputShape\":").append(Json.longs(r.outputShape()))
                    .append(",\"params\":").append(r.params())
                    .append(",\"flops\":").append(r.flops())
                    .append(",\"receptiveField\":");
            if (r.receptiveField().isEmpty()) {
                sb.append("null");
            } else {
                ReceptiveField f = r.receptiveField().get();
                sb.append("{\"size\":").append(Json.longs(f.size())).append(",\"stride\":").append(Json.longs(f.stride()))
                        .append(f.isGlobal() ? ",\"global\":true}" : "}");
            }
            sb.append('}');
        }
        return sb.append(']').toString();
    }
}
