package dev.cnnviz.examples.cli;

import dev.cnnviz.core.Model;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code cnnviz summary}: the model's graph, node by node. */
@Command(name = "summary", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Print the model's graph: every node with its operator, inputs and attributes.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Prints the model's source, input and labels, then one line per node (weights are shown as the "
                + "shapes of the constant inputs). The node names are what --layer takes.",
            "",
            "Without --model: the embedded Fashion-MNIST CNN."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {"  cnnviz summary", "  cnnviz summary --model squeezenet1.1.onnx"})
public final class SummaryCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Override
    public Integer call() throws Exception {
        Model model = modelOptions.load();
        PrintWriter out = spec.commandLine().getOut();
        out.println("model:  " + (model.source().isEmpty() ? modelOptions.describe() : model.source()));
        out.println("input:  " + model.inputSpec());
        out.println("labels: " + (model.labels().isEmpty() ? "none" : model.labels().size() + " ("
                + String.join(", ", model.labels().subList(0, Math.min(3, model.labels().size())))
                + (model.labels().size() > 3 ? ", ..." : "") + ")"));
        out.println();
        out.println(model.graph().summary());
        out.flush();
        return 0;
    }
}
