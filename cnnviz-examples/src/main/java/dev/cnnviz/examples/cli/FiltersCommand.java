package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.inspect.Filters;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz filters}: a layer's learned weights as a PNG grid ({@link Filters}). */
@Command(name = "filters", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        headerHeading = "",
        header = "Draw a layer's filters: first-layer colour tiles, deeper kernels, linear-classifier templates.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Writes the weights of --layer as a grid of tiles to --out: a convolution on the image as one tile per "
                + "filter (colour in RGB order for 3 channels, grey for 1), a deeper convolution as one row per filter "
                + "and one grey tile per input channel, a fully connected layer on the flattened image (a linear "
                + "classifier) as one template per class, captioned with its label. Each filter is normalised from "
                + "its smallest weight (black) to its largest (white), upscaled by nearest neighbour.",
            "",
            "Prints one line: layer, kind, weight shape, file. With --json, that line as a JSON object "
                + "{\"layer\", \"kind\", \"shape\", \"out\"}. --save-npy writes the weights [F, C, h, w] as drawn "
                + "(channels in RGB order).",
            "",
            "Without --model: the embedded Fashion-MNIST CNN."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz filters",
            "  cnnviz filters --model squeezenet1.1.onnx --preprocess caffe-bgr --layer conv_conv1_1 --out conv1.png",
            "  cnnviz filters --model squeezenet1.1.onnx --layer conv_fire2/squeeze1x1_1 --max 16",
            "",
            "Layer names: 'cnnviz summary --model FILE'."})
public final class FiltersCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-l", "--layer"}, paramLabel = "NAME",
            description = "A convolution, or a Dense/Gemm layer on the flattened image. Default: the first convolution.")
    String layer;

    @Option(names = "--max", paramLabel = "N", defaultValue = "64",
            description = "Show at most N filters (and N input channels per row), the first ones.")
    int limit;

    @Option(names = "--scale", paramLabel = "S", defaultValue = "0",
            description = "Pixels per weight, 1 to 64; 0 picks one that makes tiles about 48 pixels wide.")
    int scale;

    @Option(names = "--columns", paramLabel = "N", defaultValue = "0",
            description = "Tiles per row; 0 for a near-square grid.")
    int columns;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG", defaultValue = "filters.png",
            description = "The PNG to write (must end in .png and must not be an input).")
    Path out;

    @Option(names = "--save-npy", paramLabel = "FILE", description = "Also write the weights [F, C, h, w] (.npy).")
    Path saveNpy;

    @Option(names = "--json", description = "Print the result line as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        new OutputChecks(spec.commandLine()).input("--model", modelOptions.model).input("--labels", modelOptions.labels)
                .output("--out", out, ".png").output("--save-npy", saveNpy, ".npy");
        if (limit < 1) {
            throw new ParameterException(spec.commandLine(), "--max must be at least 1, found " + limit);
        }
        Model model = modelOptions.load();
        Filters f;
        try {
            f = Filters.of(model).withLimit(limit).withScale(scale).withColumns(columns);
            if (layer != null) {
                f = f.withLayer(layer);
            }
            f.kind(); // an unsuitable layer is the caller's mistake, before any work
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        BufferedImage grid = f.grid();
        ImageIo.writePng(grid, out);
        Tensor w = f.weights();
        if (saveNpy != null) {
            writeNpy(w, saveNpy);
        }
        PrintWriter pw = spec.commandLine().getOut();
        String shape = Json.ints(w.shape());
        if (json) {
            pw.println("{\"layer\":" + Json.string(f.layer()) + ",\"kind\":" + Json.string(f.kind().name().toLowerCase(java.util.Locale.ROOT))
                    + ",\"shape\":" + shape + ",\"out\":" + Json.string(out.toString()) + "}");
        } else {
            pw.println("layer=" + f.layer() + " kind=" + f.kind().name().toLowerCase(java.util.Locale.ROOT) + " weights="
                    + shape + " out=" + out + (saveNpy == null ? "" : " npy=" + saveNpy));
        }
        pw.flush();
        return 0;
    }

    /** Writes a tensor as a float32 .npy file of its shape. */
    static void writeNpy(Tensor t, Path file) throws IOException {
        long[] shape = new long[t.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.size(i);
        }
        try (INDArray a = Nd4j.create(t.data(), shape, 'c')) {
            ImageTensors.writeNpy(a, file);
        }
    }
}
