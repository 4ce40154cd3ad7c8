package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.ImageFolder;
import dev.cnnviz.core.style.AdaIn;
import java.io.PrintWriter;
import java.nio.file.Files;
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

/** {@code cnnviz train-adain}: trains an AdaIN decoder (Huang &amp; Belongie 2017) for arbitrary style transfer. */
@Command(name = "train-adain", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Train an AdaIN decoder for arbitrary style transfer; write the model directory.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "The encoder is the loss network (--loss-model) cut at --layer; the decoder mirrors it (3x3 convolutions with reflect "
                + "padding, nearest upsampling where the encoder pooled). Each step takes --batch random --size crops of "
                + "the content images (--images) and of the style images (--styles), replaces the content features' "
                + "per-channel mean and std by the style's (AdaIN), decodes, re-encodes, and takes an Adam step on "
                + "content loss + --style-weight x style loss (means and stds at the style layers).",
            "Defaults are the paper's (160,000 steps of batch 8, 256 px, lr 1e-4). A small configuration for a quick try "
                + "(far from the paper's quality, which needs its long run): --steps 1500 "
                + "--batch 2 --size 128 --lr 1e-3.",
            "",
            "Prints a progress bar with the ETA on stderr (with --json: one line per step on stdout, "
                + "{\"step\":k,\"loss\":...,\"terms\":{\"content\":...,\"style\":...}}, then a summary line)."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz train-adain --images photos/ --styles paintings/ --steps 1500 --batch 2 --size 128 --lr 1e-3 --out adain-model",
            "  cnnviz stylize --method adain --model adain-model --content cat.jpg --style starry_night.jpg --out cat-starry.png"})
public final class TrainAdainCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    LossModelOptions lossModel;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "Folder of content images (file-name order).")
    Path images;

    @Option(names = "--styles", required = true, paramLabel = "DIR", description = "Folder of style images.")
    Path styles;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "160000", description = "Training steps (0: the initial losses). Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "Content (and style) crops per step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--size", paramLabel = "N", defaultValue = "256", description = "Crop size in pixels. Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "1e-4", description = "Adam's learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = {"-l", "--layer"}, paramLabel = "NAME", defaultValue = AdaIn.DEFAULT_LAYER,
            description = "The encoder's last layer (where AdaIN acts), as 'cnnviz summary' names it. Default: ${DEFAULT-VALUE}.")
    String layer;

    @Option(names = "--style-layers", paramLabel = "L1,L2,...", split = ",",
            description = "Layers of the style loss. Default: the first block of every scale up to --layer.")
    List<String> styleLayers;

    @Option(names = "--style-weight", paramLabel = "X", defaultValue = "10", description = "Weight of the style loss. Default: ${DEFAULT-VALUE}.")
    double styleWeight;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the weights, crops and flips. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "adain-model",
            description = "The model directory to write (adain.properties + the decoder's .npy weights). Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--json", description = "One JSON line per step on stdout instead of the progress bar.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        new OutputChecks(cmd).input("--loss-model", lossModel.lossModel);
        for (String[] d : new String[][] {{"--images", String.valueOf(images)}, {"--styles", String.valueOf(styles)}}) {
            if (!Files.isDirectory(Path.of(d[1]))) {
                throw new ParameterException(cmd, d[0] + " " + d[1] + " is not a directory");
            }
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new ParameterException(cmd, "--out " + out + " exists and is not a directory");
        }
        Model model = lossModel.load();
        AdaIn.Trainer trainer;
        try {
            trainer = AdaIn.trainer(model).withLayer(layer).withStyleLayers(styleLayers).withSteps(steps).withBatch(batch)
                    .withSize(size).withLearningRate(lr).withStyleWeight(styleWeight).withSeed(seed);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        PrintWriter w = cmd.getOut();
        PrintWriter err = cmd.getErr();
        long start = System.nanoTime();
        double[] last = {Double.NaN, Double.NaN, Double.NaN};
        ProgressListener shown = SynthesisOutput.listener(json, w, err);
        ProgressListener listener = step -> {
            last[0] = step.loss();
            last[1] = step.terms().getOrDefault("content", Double.NaN);
            last[2] = step.terms().getOrDefault("style", Double.NaN);
            return shown.onStep(step);
        };
        AdaIn adain;
        try {
            adain = trainer.train(ImageFolder.of(images), ImageFolder.of(styles), listener);
        } finally {
            SynthesisOutput.finishProgress(json, err);
        }
        // the encoder's file, so that 'stylize --method adain --model DIR' finds it without --loss-model
        adain.save(out, lossModel.lossModel != null ? lossModel.lossModel : LossModelOptions.findShared(new java.util.ArrayList<>()));
        double seconds = (System.nanoTime() - start) / 1e9;
        if (json) {
            w.println("{\"method\":\"train-adain\",\"layer\":" + Json.string(layer) + ",\"styleLayers\":[" + String.join(",",
                    adain.styleLayers().stream().map(Json::string).toList()) + "],\"steps\":" + steps + ",\"batch\":" + batch
                    + ",\"size\":" + size + ",\"loss\":" + Json.number(last[0]) + ",\"content\":" + Json.number(last[1])
                    + ",\"style\":" + Json.number(last[2]) + ",\"parameters\":" + adain.decoderParameters() + ",\"seconds\":"
                    + Json.number(seconds) + ",\"out\":" + Json.string(out.toString()) + "}");
        } else {
            w.println(String.format(Locale.ROOT, "method=train-adain layer=%s style-layers=%s steps=%d batch=%d size=%d loss=%.5g "
                    + "content=%.5g style=%.5g decoder=%d params (%s) time=%.0fs out=%s", layer, String.join(",", adain.styleLayers()), steps,
                    batch, size, last[0], last[1], last[2], adain.decoderParameters(), adain.decoderDescription(), seconds, out));
        }
        w.flush();
        return 0;
    }
}
