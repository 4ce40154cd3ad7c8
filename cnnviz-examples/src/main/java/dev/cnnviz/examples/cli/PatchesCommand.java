package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.inspect.MaxActivatingPatches;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz patches}: the dataset patches that excite a layer's channels most ({@link MaxActivatingPatches}). */
@Command(name = "patches", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        headerHeading = "",
        header = "Find the image patches that excite a layer's channels most over a dataset.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Streams the dataset through the model in batches, keeps for each channel of --channels the --top images "
                + "whose strongest unit is strongest (one position per image), and writes a grid to --out: one row "
                + "per channel, its patches left to right, each the unit's exact receptive field cropped from the "
                + "image as the model saw it (with --guided, followed by the guided-backprop views).",
            "",
            "Prints a line per channel: channel, then rank:id@(y,x)=activation. With --json, one line per channel: "
                + "{\"channel\", \"hits\": [{\"id\", \"index\", \"label\", \"y\", \"x\", \"activation\", "
                + "\"box\": [y0, x0, y1, x1]}]} (box in input pixels, end exclusive). --save-npy writes the "
                + "activations [channels, top]. A progress bar goes to stderr.",
            "",
            "Without --model: the embedded Fashion-MNIST CNN and its test images."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz patches --layer relu2 --channels 0:8 --fashion-mnist --limit 2000",
            "  cnnviz patches --model squeezenet1.1.onnx --preprocess caffe-bgr --images photos/ \\",
            "      --layer concat_fire5/concat_1 --channels 0:16 --top 9 --guided --out fire5.png",
            "",
            "Layer names: 'cnnviz summary --model FILE'."})
public final class PatchesCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    DatasetOptions datasetOptions;

    @Option(names = {"-l", "--layer"}, paramLabel = "NAME", description = "The layer. Default: the last layer with a spatial output.")
    String layer;

    @Option(names = "--channels", paramLabel = "FIRST:END", defaultValue = "0:16",
            description = "The channels FIRST to END-1 (END is capped at the layer's channels when left at the default).")
    String channels;

    @Option(names = {"-k", "--top"}, paramLabel = "K", defaultValue = "9", description = "Patches per channel, 1 to 1000.")
    int top;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Images per forward pass.")
    int batch;

    @Option(names = "--guided", description = "Add each patch's guided-backprop view.")
    boolean guided;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG", defaultValue = "patches.png",
            description = "The PNG to write (must end in .png and must not be an input).")
    Path out;

    @Option(names = "--save-npy", paramLabel = "FILE", description = "Also write the activations [channels, top] (.npy).")
    Path saveNpy;

    @Option(names = "--json", description = "Print one JSON line per channel.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        new OutputChecks(spec.commandLine())
                .input("--model", modelOptions.model).input("--labels", modelOptions.labels)
                .input("--images", datasetOptions.inputPath())
                .output("--out", out, ".png").output("--save-npy", saveNpy, ".npy");
        Path folder = datasetOptions.inputPath();
        if (folder != null) {
            Path root = folder.toAbsolutePath().normalize();
            for (Path o : new Path[] {out, saveNpy}) {
                if (o != null && o.toAbsolutePath().normalize().startsWith(root)) {
                    throw new ParameterException(spec.commandLine(), (o == out ? "--out " : "--save-npy ") + o
                            + " is inside the --images folder " + folder + ": it could overwrite an input or be read as one;"
                            + " write it elsewhere");
                }
            }
        }
        int[] range = range();
        Model model = modelOptions.load();
        MaxActivatingPatches p;
        try {
            p = MaxActivatingPatches.of(model).withTop(top).withBatchSize(batch).withGuidedBackprop(guided);
            if (range != null) {
                p = p.withChannels(range[0], range[1]);
            }
            if (layer != null) {
                p = p.withLayer(layer);
            }
            long[] shape = model.graph().shapes(model.inputSpec().batchShape(1)).get(p.layer());
            if (shape.length != 4) {
                throw new IllegalArgumentException("layer '" + p.layer() + "' has output " + java.util.Arrays.toString(shape)
                        + ": patches need a spatial layer [N, C, h, w]");
            }
            if (range != null && range[1] > shape[1]) {
                throw new IllegalArgumentException("--channels " + channels + " exceeds the " + shape[1] + " channels of layer '"
                        + p.layer() + "'");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Dataset data = datasetOptions.open(modelOptions.isDefault());
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        long[] last = {0};
        MaxActivatingPatches.Result r = p.withListener((done, total) -> {
            long now = System.nanoTime();
            if (done < total && now - last[0] < 200_000_000L) {
                return;
            }
            last[0] = now;
            int filled = total == 0 ? 30 : (int) ((long) done * 30 / total);
            err.printf(Locale.ROOT, "\rpatches [%s%s] %d/%d images, %.1f s", "=".repeat(filled), " ".repeat(30 - filled),
                    done, total, (now - start) / 1e9);
            if (done >= total) {
                err.println();
            }
            err.flush();
        }).scan(data);
        if (r.scanned() == 0) {
            throw new ParameterException(spec.commandLine(), "the dataset " + data.name() + " is empty");
        }
        ImageIo.writePng(r.grid(), out);
        int k = r.hits().stream().mapToInt(List::size).max().orElse(0);
        if (saveNpy != null) {
            float[] acts = new float[r.hits().size() * k];
            for (int c = 0; c < r.hits().size(); c++) {
                for (int j = 0; j < r.hits().get(c).size(); j++) {
                    acts[c * k + j] = r.hits().get(c).get(j).activation();
                }
            }
            FiltersCommand.writeNpy(Tensor.of(acts, r.hits().size(), k), saveNpy);
        }
        PrintWriter pw = spec.commandLine().getOut();
        int[] chans = r.channels();
        for (int c = 0; c < chans.length; c++) {
            StringBuilder sb = new StringBuilder();
            List<MaxActivatingPatches.Hit> hits = r.hits().get(c);
            if (json) {
                sb.append("{\"channel\":").append(chans[c]).append(",\"layer\":").append(Json.string(r.layer())).append(",\"hits\":[");
                for (int j = 0; j < hits.size(); j++) {
                    MaxActivatingPatches.Hit h = hits.get(j);
                    sb.append(j == 0 ? "" : ",").append("{\"id\":").append(Json.string(h.id())).append(",\"index\":")
                            .append(h.index()).append(",\"label\":").append(h.label() < 0 ? "null" : Integer.toString(h.label()))
                            .append(",\"y\":").append(h.y()).append(",\"x\":").append(h.x()).append(",\"activation\":")
                            .append(Json.floatNumber(h.activation())).append(",\"box\":").append(Json.ints(h.box())).append('}');
                }
                sb.append("]}");
            } else {
                sb.append("channel ").append(chans[c]).append(':');
                for (int j = 0; j < hits.size(); j++) {
                    MaxActivatingPatches.Hit h = hits.get(j);
                    sb.append(String.format(Locale.ROOT, " %d:%s@(%d,%d)=%.4g", j + 1, h.id(), h.y(), h.x(), h.activation()));
                }
            }
            pw.println(sb);
        }
        if (!json) {
            pw.println("layer=" + r.layer() + " scanned=" + r.scanned() + " out=" + out + (saveNpy == null ? "" : " npy=" + saveNpy));
        }
        pw.flush();
        return 0;
    }

    /** @return {first, end} from --channels, or null for the default (the first 16, capped at the layer's). */
    private int[] range() {
        String s = channels.strip();
        if (s.equals("0:16") && spec.commandLine().getParseResult().matchedOption("--channels") == null) {
            return null;
        }
        String[] parts = s.split(":", -1);
        try {
            if (parts.length == 2) {
                int first = Integer.parseInt(parts[0].strip());
                int end = Integer.parseInt(parts[1].strip());
                if (first >= 0 && end > first) {
                    return new int[] {first, end};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ParameterException(spec.commandLine(), "--channels must be FIRST:END with 0 <= FIRST < END, found '"
                + channels + "'");
    }
}
