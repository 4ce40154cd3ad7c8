package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.AttackFigures;
import dev.cnnviz.core.adversarial.Norm;
import dev.cnnviz.core.adversarial.UniversalPerturbation;
import dev.cnnviz.core.image.ImageIo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz universal}: one perturbation that fools the model on most images. */
@Command(name = "universal", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Compute a universal adversarial perturbation and its fooling rate on held-out images.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Fits one perturbation v with |v| <= --xi (L-inf or L2, image units in [0, 1]) on training images "
                + "(Moosavi-Dezfooli et al. 2017: DeepFool steps, projection onto the ball) until it fools "
                + "--fooling-rate of them or --passes passes are done; then prints the fooling rate (the share of "
                + "images whose top class changes) on the held-out images.",
            "",
            "--images DIR: the folder's images in file-name order; the last --held-out share are held out. "
                + "--fashion-mnist (the default without --model): the first --train training images and the first "
                + "--test test images of Fashion-MNIST (" + "/usr/share/datasets/fashion-mnist).",
            "",
            "--save-npy writes v as float32 [1,C,H,W]; --out the perturbation, magnified, with its rates."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz universal --xi 0.1 --out universal.png",
            "  cnnviz universal --model squeezenet1.1.onnx --preprocess caffe-bgr --images photos/ --xi 10/255"})
public final class UniversalCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    /** The images: a folder or Fashion-MNIST. */
    static final class Data {
        @Option(names = "--images", paramLabel = "DIR", description = "A folder of images (file-name order).")
        Path images;

        @Option(names = "--fashion-mnist", description = "Fashion-MNIST's training and test sets.")
        boolean fashionMnist;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nImages (one of; default with the embedded model: --fashion-mnist):%n")
    Data data;

    @Option(names = "--xi", paramLabel = "X", converter = AttackCommand.Fraction.class,
            description = "Radius of the perturbation, image units (10/255 or 0.04). Default: 10/255 with --norm inf; required with --norm 2.")
    Double xi;

    @Option(names = "--norm", paramLabel = "inf|2", defaultValue = "inf", description = "The norm: inf or 2. Default: inf.")
    String norm;

    @Option(names = "--fooling-rate", paramLabel = "R", defaultValue = "0.8",
            description = "Stop at this fooling rate on the training images (0 < R <= 1). Default: 0.8.")
    double foolingRate;

    @Option(names = "--passes", paramLabel = "N", defaultValue = "5", description = "At most N passes. Default: 5.")
    int passes;

    @Option(names = "--train", paramLabel = "N", defaultValue = "1000", description = "Fashion-MNIST training images. Default: 1000.")
    int train;

    @Option(names = "--test", paramLabel = "N", defaultValue = "1000", description = "Fashion-MNIST test images. Default: 1000.")
    int test;

    @Option(names = "--held-out", paramLabel = "F", defaultValue = "0.2",
            description = "With --images: the share of images held out (the last ones). Default: 0.2.")
    double heldOut;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (the order of the images). Default: 13.")
    Long seed;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG", description = "The picture. Default: universal.png.")
    Path out;

    @Option(names = "--save-npy", paramLabel = "FILE", description = "Also write the perturbation (.npy).")
    Path saveNpy;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        Path png = out != null ? out : Path.of("universal.png");
        new OutputChecks(cmd).input("--model", modelOptions.model).input("--labels", modelOptions.labels)
                .output(out != null ? "--out" : "the default --out", png, ".png").output("--save-npy", saveNpy, ".npy");
        Norm n = switch (norm) {
            case "inf" -> Norm.LINF;
            case "2" -> Norm.L2;
            default -> throw new ParameterException(cmd, "--norm must be inf or 2, found '" + norm + "'");
        };
        if (train < 1 || test < 1 || train > 60_000 || test > 10_000) {
            throw new ParameterException(cmd, "--train must be 1 to 60000 and --test 1 to 10000, found " + train + " and " + test);
        }
        if (!(heldOut > 0 && heldOut < 1)) {
            throw new ParameterException(cmd, "--held-out must be between 0 and 1, found " + heldOut);
        }
        Model model = modelOptions.load();
        UniversalPerturbation up;
        try {
            up = UniversalPerturbation.of(model).withNorm(n).withFoolingRate(foolingRate).withPasses(passes);
            if (xi != null) {
                up = up.withXi(xi);
            } else if (n == Norm.L2) {
                throw new ParameterException(cmd, "give --xi with --norm 2 (an L2 radius depends on the image size)");
            }
            if (seed != null) {
                up = up.withSeed(seed);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        Tensor trainSet;
        Tensor heldSet;
        String what;
        if (data != null && data.images != null) {
            AttackSupport.Images all = AttackSupport.images(model, AttackSupport.readFolder(data.images));
            int total = all.size();
            if (total < 2) {
                throw new ParameterException(cmd, "--images needs at least 2 images (training and held-out), found " + total);
            }
            int held = Math.max(1, (int) Math.round(total * heldOut));
            int[] s = all.tensor().shape();
            int len = s[1] * s[2] * s[3];
            float[] v = all.tensor().data();
            trainSet = Tensor.of(Arrays.copyOfRange(v, 0, (total - held) * len), total - held, s[1], s[2], s[3]);
            heldSet = Tensor.of(Arrays.copyOfRange(v, (total - held) * len, total * len), held, s[1], s[2], s[3]);
            what = (total - held) + " training and " + held + " held-out images of " + data.images;
        } else {
            if (!modelOptions.isDefault() && (data == null || !data.fashionMnist)) {
                throw new ParameterException(cmd, "give the images: --images DIR or --fashion-mnist");
            }
            trainSet = AttackSupport.fashionMnist(cmd, model, true, train).tensor();
            heldSet = AttackSupport.fashionMnist(cmd, model, false, test).tensor();
            what = trainSet.size(0) + " Fashion-MNIST training and " + heldSet.size(0) + " test images";
        }
        UniversalPerturbation.Result r = up.fit(trainSet, heldSet);
        ImageIo.writePng(AttackFigures.universal(r, 224), png);
        if (saveNpy != null) {
            AttackSupport.writeNpy(List.of(r.perturbation()), saveNpy);
        }
        PrintWriter w = cmd.getOut();
        if (json) {
            w.println("{\"norm\":" + Json.string(n.cliName()) + ",\"xi\":" + Json.number(r.xi())
                    + ",\"trainFoolingRate\":" + Json.number(r.trainFoolingRate())
                    + ",\"heldOutFoolingRate\":" + Json.number(r.heldOutFoolingRate())
                    + ",\"passes\":" + r.passes() + ",\"train\":" + trainSet.size(0) + ",\"heldOut\":" + heldSet.size(0)
                    + ",\"out\":" + Json.string(png.toString()) + "}");
        } else {
            w.println(String.format(Locale.ROOT,
                    "universal perturbation, %s <= %.5f (%.2f/255), on %s: fooling rate %.4f on training images, %.4f held out, "
                            + "%d passes, out=%s", n == Norm.LINF ? "L∞" : "L2", r.xi(), r.xi() * 255, what,
                    r.trainFoolingRate(), r.heldOutFoolingRate(), r.passes(), png));
        }
        w.flush();
        return 0;
    }
}
