package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.ImageFolder;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.style.FeedForwardTraining;
import dev.cnnviz.core.train.TrainingListener;
import dev.cnnviz.core.train.TrainingProgress;
import dev.cnnviz.dl4j.Models;
import dev.cnnviz.dl4j.onnx.OnnxExporter;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz train-style}: train a feed-forward style network (Johnson et al. 2016) and save it as ONNX. */
@Command(name = "train-style", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Train a feed-forward style network on a folder of photos; save it as ONNX.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Johnson, Alahi & Fei-Fei 2016: a transformation network (instance norm, reflect padding, nearest "
                + "upsampling + conv, 150*tanh + 127.5 output) learns the perceptual loss (content at one layer, Gram "
                + "style losses at several, total variation) of --loss-model over random crops (with flips) of the "
                + "photos in --images. Adam; seeded: the same options give the same network bit for bit.",
            "",
            "The defaults are the paper's (256 px crops, batch 4, width 32, 5 residual blocks, 40000 steps). A small "
                + "configuration that trains in minutes on two cores: --size 128 --batch 2 --width 16 "
                + "--residual-blocks 3 --steps 500.",
            "",
            "The saved network takes and returns RGB pixels 0..255, NCHW float32, any size that is a multiple of 4 "
                + "(its doc strings say so; the input declares the --size it trained on, as candy.onnx declares 720x720); "
                + "'cnnviz stylize --method network --model FILE.onnx' runs it.",
            "",
            "Prints a progress bar with an ETA on stderr (with --json: one line per step on stdout, "
                + "{\"step\":k,\"loss\":...,\"terms\":{\"content\":...,\"style\":...,\"tv\":...},\"elapsed_ms\":...,"
                + "\"eta_ms\":...}, then a summary line)."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz train-style --loss-model squeezenet1.1-imagenet.onnx --preprocess caffe-bgr \\",
            "      --style starry_night.jpg --images photos/ --size 128 --batch 2 --width 16 \\",
            "      --residual-blocks 3 --steps 500 --out starry.onnx --preview starry-preview.png"})
public final class TrainStyleCommand implements Callable<Integer> {
    /** The shared SqueezeNet, relative to the working directory, used when no --loss-model is given. */
    static final Path SHARED_LOSS_MODEL = Path.of("../shared/models/squeezenet1.1/squeezenet1.1-imagenet.onnx");

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--style", required = true, paramLabel = "FILE", description = "The style image.")
    Path style;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "The training photos (a folder).")
    Path images;

    @Option(names = "--loss-model", paramLabel = "FILE",
            description = "The loss network (ONNX, Keras or DL4J). Default: " + "../shared/models/squeezenet1.1/"
                    + "squeezenet1.1-imagenet.onnx with caffe-bgr preprocessing.")
    Path lossModel;

    @Option(names = "--preprocess", paramLabel = "SPEC", converter = PreprocessSpec.Converter.class,
            description = "The loss network's preprocessing (" + PreprocessSpec.FORMS + "). Default: caffe-bgr for the "
                    + "default loss network, else what the file says.")
    Preprocessing preprocess;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "40000", description = "Training steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--size", paramLabel = "N", defaultValue = "256",
            description = "Crop side in pixels, a multiple of 4. Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "4", description = "Crops per step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--width", paramLabel = "N", defaultValue = "32",
            description = "Channels of the first layer (then 2x and 4x). Default: ${DEFAULT-VALUE}.")
    int width;

    @Option(names = "--residual-blocks", paramLabel = "N", defaultValue = "5", description = "Default: ${DEFAULT-VALUE}.")
    int residualBlocks;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "0.001", description = "Adam's learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--content-layer", paramLabel = "L", defaultValue = FeedForwardTraining.DEFAULT_CONTENT_LAYER,
            description = "Default: ${DEFAULT-VALUE}.")
    String contentLayer;

    @Option(names = "--style-layers", paramLabel = "L1,L2,...", split = ",",
            description = "Default: relu_conv1_2,concat_fire3/concat_1,concat_fire4/concat_1,concat_fire5/concat_1.")
    List<String> styleLayers;

    @Option(names = "--content-weight", paramLabel = "X", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
    double contentWeight;

    @Option(names = "--style-weight", paramLabel = "X", defaultValue = "" + FeedForwardTraining.DEFAULT_STYLE_WEIGHT,
            description = "Default: ${DEFAULT-VALUE}.")
    double styleWeight;

    @Option(names = "--tv", paramLabel = "X", defaultValue = "" + FeedForwardTraining.DEFAULT_TV_WEIGHT,
            description = "Total-variation weight. Default: ${DEFAULT-VALUE}.")
    double tv;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE.onnx", description = "The trained network. Default: style.onnx.")
    Path out;

    @Option(names = "--preview", paramLabel = "PNG",
            description = "Also stylize the first photo of --images (shorter side 256 px) and write it here.")
    Path preview;

    @Option(names = "--json", description = "One JSON line per step on stdout instead of the progress bar.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        Path onnx = out != null ? out : Path.of("style.onnx");
        Path lossFile = lossModel != null ? lossModel : SHARED_LOSS_MODEL;
        if (lossModel == null && !Files.isRegularFile(lossFile)) {
            throw new ParameterException(cmd, "--loss-model is needed: the default " + SHARED_LOSS_MODEL
                    + " is not there (relative to " + Path.of("").toAbsolutePath() + ")");
        }
        new OutputChecks(cmd).input("--style", style).input("--loss-model", lossFile)
                .output(out != null ? "--out" : "the default --out", onnx, ".onnx").output("--preview", preview, ".png");
        if (!Files.isDirectory(images)) {
            throw new ParameterException(cmd, "--images must be a folder of images, found " + images);
        }
        Model model = Models.load(lossFile);
        Preprocessing pre = preprocess != null ? preprocess : lossModel == null ? PreprocessSpec.parse("caffe-bgr") : null;
        if (pre != null) {
            try {
                model = model.withPreprocessing(pre);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, "--preprocess: " + e.getMessage());
            }
        }
        FeedForwardTraining t;
        try {
            t = FeedForwardTraining.of(model, ImageIo.read(style)).withSteps(steps).withSize(size).withBatch(batch)
                    .withWidth(width).withResidualBlocks(residualBlocks).withLearningRate(lr).withContentLayer(contentLayer)
                    .withContentWeight(contentWeight).withStyleWeight(styleWeight).withTvWeight(tv).withSeed(seed);
            if (styleLayers != null) {
                t = t.withStyleLayers(styleLayers);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        ImageFolder photos = ImageFolder.of(images);
        PrintWriter w = cmd.getOut();
        PrintWriter err = cmd.getErr();
        TrainingListener listener = json ? p -> {
            w.println(jsonStep(p));
            w.flush();
            return true;
        } : ProgressBar.training(err, "train-style");
        FeedForwardTraining.Result r = t.train(photos, listener);
        OnnxExporter.write(r.network(), onnx, "Image(s) in RGB format, pixel values 0..255, NCHW float32, height and width "
                + "multiples of 4; output: the stylized image(s), RGB 0..255 (clamp when saving). Feed-forward style network "
                + "(Johnson et al. 2016) trained by cnnviz train-style on " + style.getFileName() + ", " + r.history().steps()
                + " steps, seed " + seed + "; the declared " + size + "x" + size + " is the crop size it trained on.",
                size, size);
        if (preview != null) {
            BufferedImage first = ImageIo.read(photos.root().resolve(photos.paths().get(0)));
            SynthesisOutput.writeImage(r.stylize(ImageResize.resizeShorterSide(first, 256, ImageResize.DEFAULT_FILTER)), preview);
        }
        double[] loss = r.history().loss();
        double last = loss.length == 0 ? Double.NaN : loss[loss.length - 1];
        double seconds = r.history().elapsedNanos() / 1e9;
        if (json) {
            w.println("{\"method\":\"train-style\",\"steps\":" + r.history().steps() + ",\"loss\":" + Json.number(last)
                    + ",\"seconds\":" + Json.number(seconds) + ",\"stopped\":" + r.history().stopped() + ",\"out\":"
                    + Json.string(onnx.toString()) + (preview == null ? "" : ",\"preview\":" + Json.string(preview.toString()))
                    + "}");
        } else {
            w.println(String.format(Locale.ROOT, "method=train-style steps=%d loss=%.5g seconds=%.1f out=%s%s",
                    r.history().steps(), last, seconds, onnx, preview == null ? "" : " preview=" + preview));
        }
        w.flush();
        return 0;
    }

    static String jsonStep(TrainingProgress p) {
        StringBuilder sb = new StringBuilder("{\"step\":").append(p.step()).append(",\"loss\":").append(Json.number(p.loss()))
                .append(",\"terms\":{");
        boolean firstTerm = true;
        for (Map.Entry<String, Double> e : p.terms().entrySet()) {
            sb.append(firstTerm ? "" : ",").append(Json.string(e.getKey())).append(':').append(Json.number(e.getValue()));
            firstTerm = false;
        }
        return sb.append("},\"elapsed_ms\":").append(p.elapsedNanos() / 1_000_000).append(",\"eta_ms\":")
                .append(p.etaNanos() / 1_000_000).append('}').toString();
    }
}
