package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Stylization;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cnnviz stylize}: a photograph in the style of a painting. The method ({@code --method}) is a small class
 * behind a switch ({@link #METHODS}): each reads the options it needs from this command and returns a
 * {@link Stylization}; this command checks the outputs, prints progress and writes the files.
 */
@Command(name = "stylize", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Render a photograph in the style of a painting; write a PNG.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "--method gatys (Gatys et al. 2016): optimizes the pixels so that the features at --content-layer match "
                + "the content image and the Gram matrices at --style-layers match the style image(s), with total "
                + "variation; L-BFGS by default. The loss network is --loss-model (default: the shared SqueezeNet 1.1, "
                + "content layer concat_fire2/concat_1, style layers relu_conv1_2, concat_fire3/concat_1, "
                + "concat_fire4/concat_1, concat_fire5/concat_1 as in the CS231n assignment).",
            "",
            "--method adain (Huang & Belongie 2017): a decoder trained by 'cnnviz train-adain' (--model DIR) renders "
                + "the content's features with the style's channel means and deviations; --alpha trades content for style.",
            "",
            "--method network: runs a feed-forward style network (Johnson et al. 2016), e.g. candy.onnx (--model FILE), "
                + "on the content image(s) at their own size, one forward pass each. The channel order is read from the "
                + "model's doc strings where they state it (candy and mosaic: BGR), else RGB; --channel-order sets it. "
                + "Takes --content or --images DIR; prints one line per image.",
            "",
            "Prints a progress bar on stderr (with --json: one line per step on stdout, "
                + "{\"step\":k,\"loss\":...,\"terms\":{\"content\":...,\"style:LAYER\":...,\"tv\":...,\"range\":...}}, "
                + "then a summary line); --steps 0 prints the initial losses."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz stylize --method gatys --content chelsea.png --style starry_night.jpg --out chelsea-starry.png",
            "  cnnviz stylize --content chelsea.png --style starry_night.jpg,the_scream.jpg --style-weights 0.7,0.3 \\",
            "      --size 384 --scales 2 --preserve-color --out blend.png",
            "  cnnviz stylize --content chelsea.png --style the_scream.jpg --steps 0 --json",
            "  cnnviz stylize --method network --model candy.onnx --content chelsea.png --out chelsea-candy.png",
            "  cnnviz stylize --method network --model mosaic.onnx --images photos/ --out mosaic.png --save-npy mosaic.npy",
            "",
            "Layer names: 'cnnviz summary --model FILE'."})
public final class StylizeCommand implements Callable<Integer> {
    /** The methods by name; a method added here is a one-line change. */
    static final Map<String, Supplier<StylizeMethod>> METHODS = new LinkedHashMap<>();

    static {
        METHODS.put("gatys", GatysMethod::new);
        METHODS.put("adain", StylizeAdain::new);
    }

    /** The methods that write their own outputs (several images), by name. */
    static final java.util.Set<String> SELF_WRITING = java.util.Set.of("network");

    /** One way to stylize: reads the command's options, returns the result. */
    interface StylizeMethod {
        /**
         * @param c        the command, with its options parsed
         * @param listener the progress listener (bar or JSON lines)
         * @throws ParameterException for options that do not fit the method
         */
        Stylization run(StylizeCommand c, ProgressListener listener) throws Exception;
    }

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--method"}, paramLabel = "NAME", defaultValue = "gatys",
            description = "How to stylize: gatys (optimization), adain (a trained AdaIN model, --model DIR), network "
                    + "(a feed-forward style network, --model FILE.onnx). Default: ${DEFAULT-VALUE}.")
    String method;

    @Mixin
    LossModelOptions lossModel;

    @Option(names = "--model", paramLabel = "DIR|FILE", description = "adain: the model that train-adain wrote (its directory "
            + "or adain.properties); network: the style network (.onnx, e.g. candy.onnx).")
    Path model;

    @Option(names = "--alpha", paramLabel = "X", description = "adain: content-style trade-off in [0, 1] (1: full style). Default: 1.")
    Double alpha;

    @Option(names = {"--content", "--image"}, paramLabel = "FILE", description = "The content image (PNG, JPEG).")
    Path content;

    @Option(names = "--images", paramLabel = "DIR", description = "network: a folder of content images, in file-name order.")
    Path images;

    @Option(names = "--channel-order", paramLabel = "rgb|bgr", converter = StylizeNetwork.OrderConverter.class,
            description = "network: the network's channel order. Default: what the model's doc strings say, else rgb.")
    dev.cnnviz.api.ChannelOrder channelOrder;

    @Option(names = "--style", paramLabel = "FILE", split = ",",
            description = "The style image(s), comma-separated to blend several.")
    List<Path> style;

    @Option(names = "--style-weights", paramLabel = "X", split = ",",
            description = "Relative weight of each style image (> 0), as many as --style. Default: equal.")
    double[] styleWeights;

    @Option(names = "--content-layer", paramLabel = "L", description = "The content layer. Default: concat_fire2/concat_1.")
    String contentLayer;

    @Option(names = "--style-layers", paramLabel = "L[:W]", split = ",",
            description = "The style layers, each with an optional weight (NAME:WEIGHT; without one: the default "
                    + "weight of a default layer, else 1). Default: relu_conv1_2:300000, concat_fire3/concat_1:1000, "
                    + "concat_fire4/concat_1:15, concat_fire5/concat_1:3.")
    List<String> styleLayers;

    @Option(names = "--content-weight", paramLabel = "X", description = "Content weight (>= 0). Default: 0.06.")
    Double contentWeight;

    @Option(names = "--style-weight", paramLabel = "X", description = "Multiplies every style layer's weight (> 0). Default: 1.")
    Double styleWeight;

    @Option(names = "--tv", paramLabel = "X", description = "Total variation weight, pixel units (>= 0). Default: 0.02.")
    Double tv;

    @Option(names = "--steps", paramLabel = "N", description = "Steps per scale (L-BFGS iterations), 0 to 100000. Default: 200.")
    Integer steps;

    @Option(names = "--optimizer", paramLabel = "lbfgs|adam", defaultValue = "lbfgs",
            description = "The optimizer. Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "X", description = "Adam's learning rate, pixel units per step. Default: 4.")
    Double lr;

    @Option(names = "--size", paramLabel = "N", description = "Longer side of the result, pixels. Default: 256.")
    Integer size;

    @Option(names = "--scales", paramLabel = "K", description = "Optimize at K scales, each twice the previous. Default: 1.")
    Integer scales;

    @Option(names = "--init", paramLabel = "content|noise", description = "Start from the content image or noise. Default: content.")
    String init;

    @Option(names = "--preserve-color", description = "Transfer luminance only and keep the content's colours (YIQ).")
    boolean preserveColor;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of a noise start.")
    Long seed;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG", description = "The result (PNG). Default: stylized.png.")
    Path out;

    @Option(names = "--save-npy", paramLabel = "FILE", description = "Also write the result(s) as float32 [N,3,H,W] RGB 0..255 (.npy).")
    Path saveNpy;

    @Option(names = "--json", description = "One JSON line per step on stdout instead of the progress bar.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        Supplier<StylizeMethod> m = METHODS.get(method.toLowerCase(Locale.ROOT));
        if (m == null && !SELF_WRITING.contains(method.toLowerCase(Locale.ROOT))) {
            throw new ParameterException(cmd, "--method must be one of " + String.join(", ", METHODS.keySet()) + ", "
                    + String.join(", ", SELF_WRITING) + ", found '" + method + "'");
        }
        String name = method.toLowerCase(Locale.ROOT);
        if (SELF_WRITING.contains(name)) {
            return StylizeNetwork.run(this);
        }
        if (images != null || channelOrder != null) {
            throw new ParameterException(cmd, "--images and --channel-order apply only to --method network");
        }
        if (content == null) {
            throw new ParameterException(cmd, "--method " + name + " needs --content FILE");
        }
        Path png = out != null ? out : Path.of("stylized.png");
        OutputChecks checks = new OutputChecks(cmd).input("--content", content).input("--loss-model", lossModel.lossModel);
        if (style != null) {
            for (Path p : style) {
                checks.input("--style " + p, p);
            }
        }
        checks.output(out != null ? "--out" : "the default --out", png, ".png").output("--save-npy", saveNpy, ".npy");
        PrintWriter w = cmd.getOut();
        Stylization s = m.get().run(this, SynthesisOutput.listener(json, w, cmd.getErr()));
        SynthesisOutput.finishProgress(json, cmd.getErr());
        SynthesisOutput.writeImage(s.image(), png);
        if (saveNpy != null) {
            StyleOutput.writeNpy(s, saveNpy);
        }
        w.println(StyleOutput.summary(method.toLowerCase(Locale.ROOT), s, png, saveNpy, json));
        w.flush();
        return 0;
    }
}
