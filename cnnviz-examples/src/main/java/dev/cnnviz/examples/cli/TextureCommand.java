package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Stylization;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.style.GatysStyle;
import dev.cnnviz.core.style.TextureSynthesis;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz texture}: texture synthesis with Gram matrices (Gatys, Ecker &amp; Bethge 2015). */
@Command(name = "texture", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Synthesize a texture like an example image (Gram matrices); write a PNG.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Starts from seeded noise and optimizes the pixels so that the Gram matrices at --layers match those of "
                + "--style on the loss network (default: the shared SqueezeNet 1.1, layers relu_conv1_2, "
                + "concat_fire3/concat_1, concat_fire4/concat_1, concat_fire5/concat_1). More and deeper layers "
                + "reproduce larger structures.",
            "",
            "Prints a progress bar on stderr (with --json: one line per step on stdout, then a summary line); "
                + "--steps 0 prints the initial losses."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz texture --style brick.png --out brick-texture.png",
            "  cnnviz texture --style brick.png --layers relu_conv1_2,concat_fire3/concat_1 --steps 300 --size 192"})
public final class TextureCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    LossModelOptions lossModel;

    @Option(names = "--style", paramLabel = "FILE", required = true, description = "The example texture (PNG, JPEG).")
    Path style;

    @Option(names = "--layers", paramLabel = "L[:W]", split = ",",
            description = "The Gram layers, each with an optional weight (NAME:WEIGHT). Default: as stylize's --style-layers.")
    List<String> layers;

    @Option(names = "--normalize-terms", description = "Share the starting style loss among the layers in proportion "
            + "to their weights (each layer's Gram term divided by its value at the starting noise), so that the "
            + "weights mean the same on any layers: with equal weights (--layers A:1,B:1,...) every layer starts "
            + "equal, on any model. Default: off (the CS231n weights, tuned for SqueezeNet's four default layers).")
    boolean normalizeTerms;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "" + GatysStyle.DEFAULT_STEPS,
            description = "Steps (L-BFGS iterations), 0 to 100000. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--size", paramLabel = "N", defaultValue = "" + GatysStyle.DEFAULT_SIZE,
            description = "Side of the square result, pixels. Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--optimizer", paramLabel = "lbfgs|adam", defaultValue = "lbfgs",
            description = "The optimizer. Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "X", description = "Adam's learning rate, pixel units per step. Default: 4.")
    Double lr;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "" + TextureSynthesis.DEFAULT_SEED,
            description = "Seed of the starting noise. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG", description = "The texture (PNG). Default: texture.png.")
    Path out;

    @Option(names = "--save-npy", paramLabel = "FILE", description = "Also write it as float32 [1,3,H,W] RGB 0..255 (.npy).")
    Path saveNpy;

    @Option(names = "--json", description = "One JSON line per step on stdout instead of the progress bar.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        Path png = out != null ? out : Path.of("texture.png");
        new OutputChecks(cmd).input("--style", style).input("--loss-model", lossModel.lossModel)
                .output(out != null ? "--out" : "the default --out", png, ".png").output("--save-npy", saveNpy, ".npy");
        Model model = lossModel.load();
        TextureSynthesis t;
        try {
            t = TextureSynthesis.of(model).withSteps(steps).withSize(size).withSeed(seed)
                    .withOptimizer(StyleArgs.optimizer(cmd, optimizer, lr)).withNormalizedTerms(normalizeTerms);
            if (layers != null) {
                StyleArgs.Layers l = StyleArgs.layers(cmd, "--layers", layers);
                t = t.withLayers(l.names(), l.weights());
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        PrintWriter w = cmd.getOut();
        Stylization s;
        try {
            s = t.synthesize(ImageIo.read(style), SynthesisOutput.listener(json, w, cmd.getErr()));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        SynthesisOutput.finishProgress(json, cmd.getErr());
        SynthesisOutput.writeImage(s.image(), png);
        if (saveNpy != null) {
            StyleOutput.writeNpy(s, saveNpy);
        }
        w.println(StyleOutput.summary("texture", s, png, saveNpy, json));
        w.flush();
        return 0;
    }
}
