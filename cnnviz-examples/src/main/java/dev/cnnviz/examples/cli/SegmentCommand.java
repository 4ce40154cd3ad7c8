package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.AttributionBase;
import dev.cnnviz.core.cam.CamBase;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.segmentation.GrabCut;
import dev.cnnviz.core.segmentation.Segmentation;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz segment}: GrabCut seeded from an attribution's map; writes a panel and optionally the mask. */
@Command(name = "segment", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        headerHeading = "",
        header = "Segment the object a class depends on: GrabCut seeded from a saliency map.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Explains the input with --from (any attribution method), takes the map's top 5%% as sure foreground and "
                + "its bottom 30%% as sure background (Simonyan et al. 2014; the map smoothed first, --smoothing), and lets OpenCV's GrabCut propagate them "
                + "by colour. Writes a panel (input | seeds | mask | cut-out) to --out and prints one line per input "
                + "(or one JSON object per line with --json).",
            "",
            "--save-npy writes the masks as [N,H,W] int32 (1 foreground, 0 background) at the model's input size.",
            "",
            "Without --model: the embedded Fashion-MNIST CNN and, without an input, its default image."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz segment --from saliency",
            "  cnnviz segment --method grabcut --from grad-cam --model squeezenet1.1.onnx --preprocess caffe-bgr \\",
            "      --image cat.jpg --target 285 --out cat-grabcut.png --save-npy cat-mask.npy"})
public final class SegmentCommand implements Callable<Integer> {
    /** The segmentation methods. */
    public enum SegmentMethod {
        /** GrabCut seeded from the map's quantiles. */
        grabcut
    }

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--method"}, paramLabel = "METHOD", defaultValue = "grabcut",
            description = "Segmentation method: ${COMPLETION-CANDIDATES}.")
    SegmentMethod method;

    @Option(names = "--from", paramLabel = "METHOD", defaultValue = "saliency", converter = Method.Converter.class,
            completionCandidates = Method.Names.class,
            description = "The attribution whose map seeds the segmentation, one of: ${COMPLETION-CANDIDATES}.")
    Method from;

    @Option(names = {"-t", "--target"}, paramLabel = "N",
            description = "Class index to explain (its score before the softmax). Default: the top class.")
    Integer target;

    @Option(names = {"-l", "--layer"}, paramLabel = "NAME", description = "CAM methods: the layer; see 'cnnviz summary'.")
    String layer;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "5", description = "GrabCut iterations, 1 to 100.")
    int iterations;

    @Option(names = "--foreground-quantile", paramLabel = "Q", defaultValue = "0.95",
            description = "Sure foreground: the map above this quantile.")
    double foregroundQuantile;

    @Option(names = "--background-quantile", paramLabel = "Q", defaultValue = "0.30",
            description = "Sure background: the map below this quantile.")
    double backgroundQuantile;

    @Option(names = "--smoothing", paramLabel = "F", defaultValue = "0.02",
            description = "Smooth the map with a Gaussian of F times the image's shorter side before seeding (0: off).")
    double smoothing;

    @Mixin
    ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nInput (one of; default: the embedded model's default image):%n")
    InputOptions.OrFolder input;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG",
            description = "The panel PNG to write (input | seeds | mask | cut-out); for N > 1 inputs <name>-0.png ...")
    Path out = Path.of("grabcut.png");

    @Option(names = "--save-npy", paramLabel = "MASK", description = "Also write the masks, [N,H,W] int32 (.npy).")
    Path saveNpy;

    @Option(names = "--json", description = "Print one JSON object per input instead of a line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        GrabCut grabCut;
        try {
            grabCut = GrabCut.defaults().withIterations(iterations).withBackgroundQuantile(backgroundQuantile)
                    .withForegroundQuantile(foregroundQuantile).withSmoothing(smoothing);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        if (layer != null && !from.layered()) {
            throw new ParameterException(cmd, "--layer applies only to the CAM methods, not to " + from);
        }
        checkOutputs(1);
        Model model = modelOptions.load();
        InputOptions.Input in = InputOptions.load(input, model, modelOptions.isDefault(), cmd);
        List<Explanation> explanations;
        try {
            if (in.size() > 1) {
                checkOutputs(in.size());
            }
            int classes = Predictions.of(model, in.batch()).classes();
            if (target != null && (target < 0 || target >= classes)) {
                throw new ParameterException(cmd, "--target " + target + " is out of range: the model has " + classes
                        + " classes (0.." + (classes - 1) + ")");
            }
            if (layer != null && !model.graph().contains(layer)) {
                throw new ParameterException(cmd, "--layer: no layer named '" + layer + "'; closest names: "
                        + model.graph().closestNames(layer, 5));
            }
            AttributionBase a = from.create(model, null, null, null);
            if (layer != null) {
                a = ((CamBase<?>) a).withLayer(layer);
            }
            explanations = a.explain(in.batch(), List.of(target == null ? Target.topClass() : Target.classIndex(target)));
        } finally {
            in.batch().close();
        }
        PrintWriter w = cmd.getOut();
        List<Segmentation> segs = new ArrayList<>();
        for (int i = 0; i < explanations.size(); i++) {
            Explanation e = explanations.get(i);
            Segmentation s;
            try {
                s = grabCut.segment(e);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("input " + i + ": " + ex.getMessage(), ex);
            }
            segs.add(s);
            Path file = explanations.size() == 1 ? out : ExplainCommand.indexed(out, i);
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            ImageIO.write(s.panel(), "png", file.toFile());
            w.println(line(e, s, file));
        }
        if (saveNpy != null) {
            int h = segs.get(0).height();
            int wd = segs.get(0).width();
            int[] all = new int[segs.size() * h * wd];
            for (int i = 0; i < segs.size(); i++) {
                System.arraycopy(segs.get(i).maskValues(), 0, all, i * h * wd, h * wd);
            }
            try (INDArray a = Nd4j.createFromArray(all).reshape(segs.size(), h, wd).castTo(DataType.INT)) {
                ImageTensors.writeNpy(a, saveNpy);
            }
            if (!json) {
                w.println("masks [" + segs.size() + "," + h + "," + wd + "] -> " + saveNpy);
            }
        }
        w.flush();
        return 0;
    }

    private String line(Explanation e, Segmentation s, Path file) {
        int c = e.target().classIndex();
        if (json) {
            return String.format(Locale.ROOT, "{\"method\":\"grabcut\",\"from\":%s,\"target\":%d,\"label\":%s,"
                    + "\"foreground\":%s,\"out\":%s%s}", Json.string(from.cliName()), c, Json.string(e.target().label()),
                    Json.number(s.foregroundFraction()), Json.string(file.toString()),
                    saveNpy == null ? "" : ",\"npy\":" + Json.string(saveNpy.toString()));
        }
        return String.format(Locale.ROOT, "method=grabcut from=%s target=%d%s foreground=%.1f%% out=%s", from.cliName(), c,
                e.target().label().isEmpty() ? "" : " label=" + Json.string(e.target().label()),
                100 * s.foregroundFraction(), file);
    }

    private void checkOutputs(int n) {
        OutputChecks checks = new OutputChecks(spec.commandLine())
                .input("--image", input == null ? null : input.image)
                .input("--input-npy", input == null ? null : input.npy)
                .input("--model", modelOptions.model)
                .input("--labels", modelOptions.labels);
        if (n == 1) {
            checks.output("--out", out, ".png");
        } else {
            for (int i = 0; i < n; i++) {
                checks.output("--out (panel " + i + " of " + n + ")", ExplainCommand.indexed(out, i), ".png");
            }
        }
        checks.output("--save-npy", saveNpy, ".npy");
    }
}
