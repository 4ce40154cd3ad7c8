package dev.cnnviz.examples.cli;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Attack;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.AttackFigures;
import dev.cnnviz.core.adversarial.ImageSpace;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.examples.DefaultModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

/** {@code cnnviz attack}: an adversarial attack on one image or a folder; panels, .npy and JSON lines. */
@Command(name = "attack", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Fool the model: an adversarial attack on an image or a folder of images.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Changes each image, within --epsilon, until the model gives another class (or, with --target, that "
                + "class), and writes the panel original | perturbation (magnified) | adversarial to --out.",
            "",
            "Attacks work on images in [0, 1] (RGB; grey for one-channel models) at the model's input size, before "
                + "its preprocessing, so --epsilon 8/255 means eight grey levels for every model.",
            "",
            "Methods: fgsm (one step), bim (iterative FGSM), pgd (L-inf, random start), pgd-l2, fool (fooling "
                + "image: --target required, --epsilon optional cap), deepfool (untargeted, minimal L2), cw "
                + "(Carlini-Wagner L2).",
            "",
            "--save-npy writes the adversarial images as float32 [N,C,H,W] in [0, 1] (C = 3 RGB, 1 grey) in the "
                + "order of the inputs; --json prints one JSON object per image.",
            "",
            "Without --model: the embedded Fashion-MNIST CNN and, without an input, its default image."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz attack -m fgsm --out fgsm.png",
            "  cnnviz attack -m pgd --epsilon 2/255 --model squeezenet1.1.onnx --preprocess caffe-bgr \\",
            "      --image cat.jpg --out cat-pgd.png",
            "  cnnviz attack -m fool --target 6 --model squeezenet1.1.onnx --preprocess caffe-bgr --image cat.jpg",
            "  cnnviz attack -m deepfool --images photos/ --json --save-npy adv.npy"})
public final class AttackCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--method"}, required = true, paramLabel = "METHOD",
            description = "fgsm, bim, pgd, pgd-l2, fool, deepfool or cw.")
    String method;

    @Mixin
    ModelOptions modelOptions;

    /** The inputs: one image, a folder, or a preprocessed array. */
    static final class Inputs {
        @Option(names = "--image", paramLabel = "FILE", description = "An image (PNG, JPEG, BMP, GIF).")
        Path image;

        @Option(names = "--images", paramLabel = "DIR", description = "A folder of images, taken in file-name order.")
        Path images;

        @Option(names = "--input-npy", paramLabel = "FILE",
                description = "The model's preprocessed input (.npy, [N,C,H,W] or [C,H,W]).")
        Path npy;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nInput (one of; default: the embedded model's default image):%n")
    Inputs inputs;

    @Option(names = {"-t", "--target"}, paramLabel = "N", description = "Make the attack targeted: aim at class N.")
    Integer target;

    @Option(names = "--epsilon", paramLabel = "X", converter = Fraction.class,
            description = "Largest change, image units (8/255 or 0.0314). Defaults: 8/255 (L-inf), 1.0 (pgd-l2), "
                    + "none for fool.")
    Double epsilon;

    @Option(names = "--alpha", paramLabel = "X", converter = Fraction.class,
            description = "Step size (bim, pgd, pgd-l2, fool). Defaults: 2/255, 0.2 for pgd-l2, 0.25/255 for fool.")
    Double alpha;

    @Option(names = "--steps", paramLabel = "N",
            description = "Steps (1 to 100000). Defaults: 10 (bim, pgd), 200 (fool), 50 (deepfool), 100 per round (cw).")
    Integer steps;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (pgd's random start). Default: 13.")
    Long seed;

    @Option(names = "--quantize", description = "Round the adversarial images to 8-bit grey levels (judged after rounding).")
    boolean quantize;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG",
            description = "The panel PNG. Default: attack-<method>.png; for N > 1 images <name>-0.png, <name>-1.png ...")
    Path out;

    @Option(names = "--save-npy", paramLabel = "FILE", description = "Also write the adversarial images (.npy).")
    Path saveNpy;

    @Option(names = "--json", description = "Print one JSON object per image instead of text lines.")
    boolean json;

    /** Parses a number or a fraction such as {@code 8/255}. */
    static final class Fraction implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String v) {
            try {
                int slash = v.indexOf('/');
                double d = slash < 0 ? Double.parseDouble(v)
                        : Double.parseDouble(v.substring(0, slash)) / Double.parseDouble(v.substring(slash + 1));
                if (!Double.isFinite(d)) {
                    throw new CommandLine.TypeConversionException("'" + v + "' is not a finite number");
                }
                return d;
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + v + "' is not a number or a fraction such as 8/255");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        Path png = out != null ? out : Path.of("attack-" + method + ".png");
        OutputChecks checks = new OutputChecks(cmd)
                .input("--image", inputs == null ? null : inputs.image)
                .input("--input-npy", inputs == null ? null : inputs.npy)
                .input("--model", modelOptions.model)
                .input("--labels", modelOptions.labels)
                .output(out != null ? "--out" : "the default --out", png, ".png")
                .output("--save-npy", saveNpy, ".npy");
        Model model = modelOptions.load();
        Attack attack = AttackSupport.create(cmd, method, model,
                new AttackSupport.Settings(target, epsilon, alpha, steps, seed, quantize));
        AttackSupport.Images in = load(cmd, model);
        if (in.size() > 1) {
            for (int i = 0; i < in.size(); i++) {
                checks.output("--out (panel " + i + " of " + in.size() + ")", ExplainCommand.indexed(png, i), ".png");
            }
        }
        List<AdversarialExample> results;
        try {
            results = attack.attackTensor(in.tensor(), List.of(target == null ? Target.topClass() : Target.classIndex(target)));
        } catch (IllegalArgumentException e) {
            if (e instanceof dev.cnnviz.api.ResourceLimitException) {
                throw e;
            }
            throw new ParameterException(cmd, e.getMessage());
        }
        PrintWriter w = cmd.getOut();
        List<Tensor> adv = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            AdversarialExample a = results.get(i);
            Path file = results.size() == 1 ? png : ExplainCommand.indexed(png, i);
            ImageIo.writePng(AttackFigures.panel(a, 224), file);
            adv.add(a.adversarial());
            w.println(json ? AttackSupport.json(in.names().get(i), a) : line(in.names().get(i), a, file));
        }
        if (saveNpy != null) {
            AttackSupport.writeNpy(adv, saveNpy);
            if (!json) {
                w.println("adversarial images [" + adv.size() + "," + String.join(",",
                        java.util.Arrays.stream(adv.get(0).shape()).mapToObj(String::valueOf).toList()) + "] -> " + saveNpy);
            }
        }
        w.flush();
        return 0;
    }

    private AttackSupport.Images load(CommandLine cmd, Model model) throws java.io.IOException {
        if (inputs != null && inputs.images != null) {
            return AttackSupport.images(model, AttackSupport.readFolder(inputs.images));
        }
        if (inputs != null && inputs.npy != null) {
            InputOptions io = new InputOptions();
            io.npy = inputs.npy;
            InputOptions.Input x = InputOptions.load(io, model, modelOptions.isDefault(), cmd);
            try (INDArray b = x.batch()) {
                ImageSpace space = ImageSpace.of(model.inputSpec());
                float[] u = new float[(int) b.size(0) * space.imageLength()];
                space.invert(HostArrays.floats(b), u);
                int[] s = space.imageShape();
                List<String> names = new ArrayList<>();
                for (int i = 0; i < b.size(0); i++) {
                    names.add(inputs.npy.getFileName() + "[" + i + "]");
                }
                return new AttackSupport.Images(dev.cnnviz.api.Tensor.of(u, (int) b.size(0), s[0], s[1], s[2]), null, names);
            }
        }
        if (inputs != null && inputs.image != null) {
            return AttackSupport.images(model, List.of(new AttackSupport.Named(inputs.image.getFileName().toString(),
                    ImageIo.read(inputs.image))));
        }
        if (!modelOptions.isDefault()) {
            throw new ParameterException(cmd, "give the input: --image FILE, --images DIR or --input-npy FILE "
                    + "(only the embedded default model has a default image)");
        }
        return AttackSupport.images(model, List.of(new AttackSupport.Named("default image", DefaultModel.defaultImage())));
    }

    static String line(String name, AdversarialExample a, Path file) {
        return String.format(Locale.ROOT, "%s: %s -> %s, L∞ %.5f (%.2f/255), L2 %.4f, %d steps, %s, out=%s", name,
                a.before(), a.after(), a.linf(), a.linf() * 255, a.l2(), a.steps(), a.success() ? "success" : "failure", file);
    }
}
