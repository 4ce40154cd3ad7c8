package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Synthesis;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.featurevis.LayerGraphs;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.inversion.FeatureInversion;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz invert}: feature inversion of one input at a layer (Mahendran &amp; Vedaldi 2015). */
@Command(name = "invert", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Reconstruct an image from its code at a layer (feature inversion); write a PNG.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Finds an image whose activations at --layer match those of the input, under natural-image priors "
                + "(an alpha-norm and total variation, Mahendran & Vedaldi 2015), starting from seeded noise. "
                + "Early layers give back the photo; deeper layers keep less and the reconstruction blurs.",
            "",
            "Prints a progress bar on stderr (with --json: one line per step on stdout, "
                + "{\"step\":k,\"loss\":...,\"terms\":{...}}, then a summary line), then: layer, steps, the final "
                + "relative feature error ||Phi(x)-Phi0||^2/||Phi0||^2 and the files written.",
            "",
            "Without --model: the embedded Fashion-MNIST CNN and, without an input, its default image."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz invert --layer relu1 --out boot-relu1.png",
            "  cnnviz invert --model squeezenet1.1.onnx --preprocess caffe-bgr --image cat.jpg \\",
            "      --layer concat_fire5/concat_1 --steps 300 --tv 0.5 --out cat-fire5.png --panel cat-fire5-panel.png",
            "",
            "Layer names: 'cnnviz summary --model FILE'."})
public final class InvertCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nInput (one of; default: the embedded model's default image):%n")
    InputOptions.OrFolder input;

    @Option(names = {"-l", "--layer"}, required = true, paramLabel = "NAME",
            description = "The layer whose code is inverted, as 'cnnviz summary' names it.")
    String layer;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "" + FeatureInversion.DEFAULT_STEPS,
            description = "Optimization steps, 0 to " + FeatureInversion.MAX_STEPS + ". Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--tv", paramLabel = "X", defaultValue = "" + FeatureInversion.DEFAULT_TV,
            description = "Weight of the total-variation prior (>= 0; larger is smoother; deep layers want 0.5 or "
                    + "more). Default: ${DEFAULT-VALUE}.")
    double tv;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "" + FeatureInversion.DEFAULT_SEED,
            description = "Seed of the starting noise. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG", description = "The reconstruction (PNG). Default: inversion.png.")
    Path out;

    @Option(names = "--panel", paramLabel = "PNG", description = "Also write a panel: input | reconstruction | loss curve.")
    Path panel;

    @Option(names = "--save-npy", paramLabel = "FILE", description = "Also write the reconstruction as the model's "
            + "preprocessed input [1,C,H,W] float32 (.npy).")
    Path saveNpy;

    @Option(names = "--json", description = "One JSON line per step on stdout instead of the progress bar.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        if (steps < 0 || steps > FeatureInversion.MAX_STEPS) {
            throw new ParameterException(cmd, "--steps must be between 0 and " + FeatureInversion.MAX_STEPS + ", found " + steps);
        }
        if (!(tv >= 0) || Double.isInfinite(tv)) {
            throw new ParameterException(cmd, "--tv must be a finite number >= 0, found " + tv);
        }
        Path png = out != null ? out : Path.of("inversion.png");
        new OutputChecks(cmd)
                .input("--image", input == null ? null : input.image)
                .input("--input-npy", input == null ? null : input.npy)
                .input("--model", modelOptions.model)
                .input("--labels", modelOptions.labels)
                .output(out != null ? "--out" : "the default --out", png, ".png")
                .output("--panel", panel, ".png")
                .output("--save-npy", saveNpy, ".npy");
        Model model = modelOptions.load();
        try {
            LayerGraphs.requireLayer(model.graph(), layer);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, "--layer: " + e.getMessage());
        }
        InputOptions.Input in = InputOptions.load(input, model, modelOptions.isDefault(), cmd);
        PrintWriter w = cmd.getOut();
        Synthesis s;
        java.awt.image.BufferedImage original;
        try {
            if (in.size() != 1) {
                throw new ParameterException(cmd, "invert takes one input; " + in.description() + " holds " + in.size());
            }
            original = ImageTensors.toImage(in.batch(), model.inputSpec().preprocessing());
            FeatureInversion inv = FeatureInversion.of(model).withSteps(steps).withTv(tv).withSeed(seed);
            s = inv.invert(in.batch(), layer, SynthesisOutput.listener(json, w, cmd.getErr()));
            SynthesisOutput.finishProgress(json, cmd.getErr());
        } finally {
            in.batch().close();
        }
        SynthesisOutput.writeImage(s.image(), png);
        if (panel != null) {
            SynthesisOutput.writePanel(original, "original", s, "Feature inversion · " + layer + " · error "
                    + String.format(Locale.ROOT, "%.3g", featureError(s)), panel);
        }
        if (saveNpy != null) {
            SynthesisOutput.writeNpy(s, saveNpy);
        }
        w.println(summary(s, png, panel, saveNpy, json));
        w.flush();
        return 0;
    }

    static double featureError(Synthesis s) {
        return Double.parseDouble(s.provenance().options().get("featureError"));
    }

    /** @return the closing line: key=value pairs, or one JSON object with {@code --json} */
    private String summary(Synthesis s, Path png, Path panelFile, Path npy, boolean asJson) {
        double err = featureError(s);
        if (asJson) {
            return "{\"method\":\"invert\",\"layer\":" + Json.string(layer) + ",\"steps\":" + s.steps()
                    + ",\"featureError\":" + Json.number(err) + ",\"interrupted\":" + s.interrupted()
                    + ",\"out\":" + Json.string(png.toString())
                    + (panelFile == null ? "" : ",\"panel\":" + Json.string(panelFile.toString()))
                    + (npy == null ? "" : ",\"npy\":" + Json.string(npy.toString())) + "}";
        }
        return "method=invert layer=" + layer + " steps=" + s.steps()
                + String.format(Locale.ROOT, " featureError=%.4g", err) + " out=" + png
                + (panelFile == null ? "" : " panel=" + panelFile) + (npy == null ? "" : " npy=" + npy);
    }
}
