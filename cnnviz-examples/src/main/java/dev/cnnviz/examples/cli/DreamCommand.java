package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Synthesis;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.featurevis.DeepDream;
import dev.cnnviz.core.featurevis.LayerGraphs;
import dev.cnnviz.core.image.ImageIo;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz dream}: DeepDream on a photo at its own size (Mordvintsev, Olah &amp; Tyka 2015). */
@Command(name = "dream", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "DeepDream: amplify what a layer sees in a photo; write a PNG at the photo's size.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Gradient ascent on 1/2 ||A||^2 of --layer, with random shifts (32 px), L1-normalised steps of 1.5 "
                + "pixel units and octaves (the photo shrunk --octaves - 1 times by --octave-scale, the detail "
                + "carried from each octave to the next), as in the original notebook. The photo keeps its size; "
                + "the layer must be computable on the smallest octave (the fully convolutional part of the model).",
            "",
            "Prints a progress bar on stderr (with --json: one line per step on stdout, "
                + "{\"step\":k,\"loss\":...,\"terms\":{\"l2\":...}}, loss = -1/2 ||A||^2, then a summary line)."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz dream --model squeezenet1.1.onnx --preprocess caffe-bgr --image cat.jpg \\",
            "      --layer concat_fire5/concat_1 --out cat-dream.png --panel cat-dream-panel.png",
            "",
            "Layer names: 'cnnviz summary --model FILE'."})
public final class DreamCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--image", required = true, paramLabel = "FILE", description = "The photo (PNG, JPEG, BMP, GIF), dreamed at its own size.")
    Path image;

    @Option(names = {"-l", "--layer"}, required = true, paramLabel = "NAME",
            description = "The layer to amplify, as 'cnnviz summary' names it.")
    String layer;

    @Option(names = "--octaves", paramLabel = "N", defaultValue = "" + DeepDream.DEFAULT_OCTAVES,
            description = "Number of octaves, 1 to " + DeepDream.MAX_OCTAVES + ". Default: ${DEFAULT-VALUE}.")
    int octaves;

    @Option(names = "--octave-scale", paramLabel = "X", defaultValue = "" + DeepDream.DEFAULT_OCTAVE_SCALE,
            description = "Size ratio between octaves, in (1, 4]. Default: ${DEFAULT-VALUE}.")
    double octaveScale;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "" + DeepDream.DEFAULT_STEPS,
            description = "Steps per octave, 0 to " + DeepDream.MAX_STEPS + ". Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "" + DeepDream.DEFAULT_SEED,
            description = "Seed of the random shifts. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG", description = "The dreamed photo (PNG). Default: dream.png.")
    Path out;

    @Option(names = "--panel", paramLabel = "PNG", description = "Also write a panel: photo | dream | loss curve.")
    Path panel;

    @Option(names = "--json", description = "One JSON line per step on stdout instead of the progress bar.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        Path png = out != null ? out : Path.of("dream.png");
        new OutputChecks(cmd)
                .input("--image", image)
                .input("--model", modelOptions.model)
                .input("--labels", modelOptions.labels)
                .output(out != null ? "--out" : "the default --out", png, ".png")
                .output("--panel", panel, ".png");
        if (octaves < 1 || octaves > DeepDream.MAX_OCTAVES) {
            throw new ParameterException(cmd, "--octaves must be between 1 and " + DeepDream.MAX_OCTAVES + ", found " + octaves);
        }
        if (!(octaveScale > 1 && octaveScale <= 4)) {
            throw new ParameterException(cmd, "--octave-scale must be in (1, 4], found " + octaveScale);
        }
        if (steps < 0 || steps > DeepDream.MAX_STEPS) {
            throw new ParameterException(cmd, "--steps must be between 0 and " + DeepDream.MAX_STEPS + ", found " + steps);
        }
        Model model = modelOptions.load();
        try {
            LayerGraphs.requireLayer(model.graph(), layer);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, "--layer: " + e.getMessage());
        }
        DeepDream dd = DeepDream.of(model).withLayer(layer).withOctaves(octaves).withOctaveScale(octaveScale).withSteps(steps)
                .withSeed(seed);
        BufferedImage photo = ImageIo.read(image);
        PrintWriter w = cmd.getOut();
        Synthesis s = dd.dream(photo, SynthesisOutput.listener(json, w, cmd.getErr()));
        SynthesisOutput.finishProgress(json, cmd.getErr());
        SynthesisOutput.writeImage(s.image(), png);
        if (panel != null) {
            SynthesisOutput.writePanel(photo, "original", s, "DeepDream · " + layer + " · " + octaves + " octaves", panel);
        }
        double[] losses = s.losses();
        double l2 = losses.length == 0 ? Double.NaN : -losses[losses.length - 1];
        if (json) {
            w.println("{\"method\":\"dream\",\"layer\":" + Json.string(layer) + ",\"steps\":" + s.steps()
                    + ",\"l2\":" + Json.number(l2) + ",\"width\":" + s.image().getWidth() + ",\"height\":"
                    + s.image().getHeight() + ",\"interrupted\":" + s.interrupted() + ",\"out\":"
                    + Json.string(png.toString()) + (panel == null ? "" : ",\"panel\":" + Json.string(panel.toString())) + "}");
        } else {
            w.println("method=dream layer=" + layer + " steps=" + s.steps() + " size=" + s.image().getWidth() + "x"
                    + s.image().getHeight() + String.format(java.util.Locale.ROOT, " l2=%.5g", l2) + " out=" + png
                    + (panel == null ? "" : " panel=" + panel));
        }
        w.flush();
        return 0;
    }
}
