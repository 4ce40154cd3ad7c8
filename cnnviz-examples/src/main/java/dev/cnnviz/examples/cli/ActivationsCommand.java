package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.inspect.Activations;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz activations}: a layer's activation maps for one input, as a PNG grid ({@link Activations}). */
@Command(name = "activations", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        headerHeading = "",
        header = "Draw a layer's activation maps for one image as a grid of channels.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Runs the model forward on the input and writes the maps of --layer to --out, one tile per channel "
                + "(black = low, white = high), normalised per channel or over the whole layer (--scaling), "
                + "optionally sorted by mean activation (--sort).",
            "",
            "Prints one line: layer, shape, file. With --json, that line as a JSON object {\"layer\", \"shape\", "
                + "\"order\", \"out\"} (order: the channel of each tile). --save-npy writes the raw maps [C, h, w].",
            "",
            "Without --model: the embedded Fashion-MNIST CNN and, without an input, its default image."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz activations --layer relu1",
            "  cnnviz activations --model squeezenet1.1.onnx --preprocess caffe-bgr --image cat.jpg \\",
            "      --layer concat_fire5/concat_1 --sort --max 64 --save-npy fire5.npy",
            "",
            "Layer names: 'cnnviz summary --model FILE'."})
public final class ActivationsCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nInput (one of; default: the embedded model's default image):%n")
    InputOptions.OrFolder input;

    @Option(names = {"-l", "--layer"}, paramLabel = "NAME", description = "The layer. Default: the last layer with a spatial output.")
    String layer;

    @Option(names = "--scaling", paramLabel = "MODE", defaultValue = "per-channel",
            description = "per-channel (each map from its min to its max) or shared (the layer's min to max).")
    String scaling;

    @Option(names = "--sort", description = "Order the channels by decreasing mean activation.")
    boolean sort;

    @Option(names = "--max", paramLabel = "N", defaultValue = "256", description = "Draw at most N channels.")
    int limit;

    @Option(names = "--scale", paramLabel = "S", defaultValue = "0",
            description = "Pixels per activation, 1 to 64; 0 makes maps about 56 pixels wide.")
    int scale;

    @Option(names = "--columns", paramLabel = "N", defaultValue = "0", description = "Tiles per row; 0 for a near-square grid.")
    int columns;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG", defaultValue = "activations.png",
            description = "The PNG to write (must end in .png and must not be an input).")
    Path out;

    @Option(names = "--save-npy", paramLabel = "FILE", description = "Also write the raw maps [C, h, w] (.npy).")
    Path saveNpy;

    @Option(names = "--json", description = "Print the result line as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        new OutputChecks(spec.commandLine())
                .input("--image", input == null ? null : input.image)
                .input("--input-npy", input == null ? null : input.npy)
                .input("--model", modelOptions.model).input("--labels", modelOptions.labels)
                .output("--out", out, ".png").output("--save-npy", saveNpy, ".npy");
        if (limit < 1) {
            throw new ParameterException(spec.commandLine(), "--max must be at least 1, found " + limit);
        }
        Activations.Scaling mode = switch (scaling.strip().toLowerCase(Locale.ROOT)) {
            case "per-channel" -> Activations.Scaling.PER_CHANNEL;
            case "shared" -> Activations.Scaling.SHARED;
            default -> throw new ParameterException(spec.commandLine(),
                    "--scaling must be per-channel or shared, found '" + scaling + "'");
        };
        Model model = modelOptions.load();
        Activations a;
        try {
            a = Activations.of(model).withScaling(mode).withSorted(sort).withLimit(limit).withScale(scale).withColumns(columns);
            if (layer != null) {
                a = a.withLayer(layer);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        InputOptions.Input in = InputOptions.load(input, model, modelOptions.isDefault(), spec.commandLine());
        Tensor t;
        try {
            if (in.size() != 1) {
                throw new ParameterException(spec.commandLine(), "activations take one input; " + in.description()
                        + " holds " + in.size());
            }
            t = a.compute(in.batch());
        } finally {
            in.batch().close();
        }
        ImageIo.writePng(a.grid(t), out);
        if (saveNpy != null) {
            FiltersCommand.writeNpy(t, saveNpy);
        }
        int[] order = a.order(t);
        int[] shown = java.util.Arrays.copyOf(order, Math.min(limit, order.length));
        PrintWriter pw = spec.commandLine().getOut();
        if (json) {
            pw.println("{\"layer\":" + Json.string(a.layer()) + ",\"shape\":" + Json.ints(t.shape()) + ",\"order\":"
                    + Json.ints(shown) + ",\"out\":" + Json.string(out.toString()) + "}");
        } else {
            pw.println("layer=" + a.layer() + " maps=" + Json.ints(t.shape()) + " shown=" + shown.length + " out=" + out
                    + (saveNpy == null ? "" : " npy=" + saveNpy));
        }
        pw.flush();
        return 0;
    }
}
