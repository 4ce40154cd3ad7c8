package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Attack;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.AttackFigures;
import dev.cnnviz.core.adversarial.RobustnessCurve;
import dev.cnnviz.core.image.ImageIo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz robustness}: accuracy and attack success rate against ε, as a table and a plot. */
@Command(name = "robustness", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Robustness curve: accuracy and attack success rate against epsilon.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Attacks every image at each --eps (untargeted, from its true class) and prints a table of epsilon, "
                + "accuracy (top class = true class after the attack) and success rate (share of the clean-correct "
                + "images fooled); --out draws it.",
            "",
            "--fashion-mnist (the default without --model): the first --count Fashion-MNIST test images with their "
                + "labels. --images DIR: a folder of images without labels; the clean top classes stand in for them."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz robustness -m fgsm --eps 0,1/255,2/255,4/255,8/255,16/255 --out fgsm-curve.png",
            "  cnnviz robustness -m pgd --model squeezenet1.1.onnx --preprocess caffe-bgr --images photos/ --json"})
public final class RobustnessCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--method"}, required = true, paramLabel = "METHOD", description = "fgsm, bim, pgd or pgd-l2.")
    String method;

    @Mixin
    ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nImages (one of; default with the embedded model: --fashion-mnist):%n")
    UniversalCommand.Data data;

    @Option(names = "--eps", paramLabel = "LIST", defaultValue = "0,1/255,2/255,4/255,8/255,16/255",
            description = "Comma-separated epsilons, numbers or fractions. Default: ${DEFAULT-VALUE}.")
    String eps;

    @Option(names = "--steps", paramLabel = "N", description = "Steps of bim, pgd and pgd-l2. Default: 10.")
    Integer steps;

    @Option(names = "--count", paramLabel = "N", defaultValue = "500", description = "Fashion-MNIST test images. Default: 500.")
    int count;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG", description = "The plot. Default: robustness-<method>.png.")
    Path out;

    @Option(names = "--json", description = "Print one JSON object per epsilon.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        if (!AttackSupport.EPSILON_METHODS.contains(method)) {
            throw new ParameterException(cmd, "robustness curves need an attack with an epsilon: one of "
                    + String.join(", ", AttackSupport.EPSILON_METHODS) + ", found '" + method + "'");
        }
        Path png = out != null ? out : Path.of("robustness-" + method + ".png");
        new OutputChecks(cmd).input("--model", modelOptions.model).input("--labels", modelOptions.labels)
                .output(out != null ? "--out" : "the default --out", png, ".png");
        double[] epsilons = AttackSupport.parseEpsilons(cmd, eps);
        if (count < 1 || count > 10_000) {
            throw new ParameterException(cmd, "--count must be 1 to 10000, found " + count);
        }
        Model model = modelOptions.load();
        // Validate the options once, at the largest epsilon, before any work.
        AttackSupport.create(cmd, method, model, new AttackSupport.Settings(null, epsilons[epsilons.length - 1], null, steps, null, false));
        AttackSupport.Images images;
        if (data != null && data.images != null) {
            images = AttackSupport.images(model, AttackSupport.readFolder(data.images));
        } else {
            if (!modelOptions.isDefault() && (data == null || !data.fashionMnist)) {
                throw new ParameterException(cmd, "give the images: --images DIR or --fashion-mnist");
            }
            images = AttackSupport.fashionMnist(cmd, model, false, count);
        }
        RobustnessCurve.Result r = RobustnessCurve.of(e -> attackAt(cmd, model, e)).withEpsilons(epsilons)
                .evaluate(images.tensor(), images.labels());
        ImageIo.writePng(AttackFigures.robustness(r), png);
        PrintWriter w = cmd.getOut();
        if (json) {
            for (RobustnessCurve.Point p : r.points()) {
                w.println("{\"method\":" + Json.string(method) + ",\"epsilon\":" + Json.number(p.epsilon())
                        + ",\"accuracy\":" + Json.number(p.accuracy()) + ",\"successRate\":" + Json.number(p.successRate())
                        + ",\"images\":" + r.images() + "}");
            }
        } else {
            w.print(r.table());
            w.println(r.attack() + " on " + r.images() + " images -> " + png);
        }
        w.flush();
        return 0;
    }

    private Attack attackAt(CommandLine cmd, Model model, double e) {
        // PGD's step follows epsilon (alpha = epsilon / 4, at least a small floor), so every point takes the same steps.
        Double alpha = method.equals("fgsm") ? null : Math.max(e / 4, 1e-6);
        return AttackSupport.create(cmd, method, model, new AttackSupport.Settings(null, e, alpha, steps, null, false));
    }
}
