package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.ResolvedTarget;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.AttributionBase;
import dev.cnnviz.core.image.ImageTensors;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cnnviz explain}: one attribution method on one input, written as a PNG panel (and optionally .npy). */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Explain a prediction with an attribution method; write a PNG panel.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Computes which parts of the input matter for a class score and writes a panel (input | heat map | "
                + "overlay, with a caption) to --out. Prints one line: method, layer, target class, its score "
                + "before the softmax and probability, and the file written.",
            "",
            "Pixel methods (saliency, input-x-gradient, integrated-gradients, smoothgrad, guided-backprop, "
                + "deconvnet) attribute to input pixels; CAM methods (cam ... score-cam) give a map at a layer's "
                + "resolution, chosen with --layer; guided-grad-cam combines both at input resolution.",
            "",
            "Perturbation methods (occlusion, feature-ablation, shapley-sampling, shapley, kernel-shap, lime, rise) "
                + "run the model forward only on many perturbed copies of the input, in batches: hidden pixels are "
                + "filled with --baseline; per-feature methods switch --segments on and off.",
            "",
            "--save-npy writes the raw, unnormalised attribution: [N,C,H,W] (the input's shape) for pixel methods, "
                + "guided-grad-cam and occlusion, [N,h,w] at the layer's resolution for the other CAM methods, "
                + "[N,H,W] for the per-feature methods and rise (each pixel holds its feature's value), and "
                + "[N,h',w'] for occlusion --probability (one value per window position).",
            "",
            "Without --model: the embedded Fashion-MNIST CNN and, without an input, its default image."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz explain --method grad-cam",
            "  cnnviz explain -m smoothgrad --samples 50 --image shoe.png --out smooth.png",
            "  cnnviz explain -m grad-cam --model squeezenet1.1.onnx --preprocess caffe-bgr \\",
            "      --input-npy cat-input.npy --target 285 --layer concat_fire9/concat_1 \\",
            "      --save-npy gradcam.npy",
            "  cnnviz explain -m occlusion --window 16 --stride 8 --model squeezenet1.1.onnx \\",
            "      --preprocess caffe-bgr --image cat.jpg --target 285",
            "  cnnviz explain -m lime --segments slic:50 --samples 1000 --seed 1 --image shoe.png",
            "  cnnviz explain -m kernel-shap --segments felzenszwalb:200 --baseline blur --image shoe.png",
            "",
            "Layer names: 'cnnviz summary --model FILE'."})
public final class ExplainCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    MethodOptions methodOptions;

    @Mixin
    ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nInput (one of; default: the embedded model's default image):%n")
    InputOptions.OrFolder input;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG",
            description = "The panel PNG to write (folders are created); the name must end in .png and must not be an "
                    + "input file. Default: <method>.png, e.g. grad-cam.png; "
                    + "for N > 1 inputs: <name>-0.png, <name>-1.png and so on.")
    Path out;

    @Option(names = "--save-npy", paramLabel = "FILE",
            description = {"Also write the raw attribution (numpy; the name must end in .npy):",
                "  [N,C,H,W] pixel methods, guided-grad-cam, occlusion",
                "  [N,h,w]   other CAM methods (layer resolution)",
                "  [N,H,W]   per-feature methods and rise"})
    Path saveNpy;

    @Override
    public Integer call() throws Exception {
        methodOptions.check();
        Path png = out != null ? out : Path.of(methodOptions.method().cliName() + ".png");
        String pngOption = out != null ? "--out" : "the default --out";
        checkOutputs(png, pngOption, 1);
        Model model = modelOptions.load();
        InputOptions.Input in = InputOptions.load(input, model, modelOptions.isDefault(), spec.commandLine());
        List<Explanation> results;
        try {
            if (in.size() > 1) {
                checkOutputs(png, pngOption, in.size()); // the numbered panels, before the work
            }
            int classes = Predictions.of(model, in.batch()).classes();
            AttributionBase method = methodOptions.create(model, classes);
            results = method.explain(in.batch(), methodOptions.targets());
        } finally {
            in.batch().close();
        }
        PrintWriter w = spec.commandLine().getOut();
        for (int i = 0; i < results.size(); i++) {
            Explanation e = results.get(i);
            Path file = results.size() == 1 ? png : indexed(png, i);
            e.save(file);
            w.println(line(methodOptions.method(), e, file));
        }
        if (saveNpy != null) {
            writeNpy(results, saveNpy);
            w.println("raw attribution " + shape(results) + " -> " + saveNpy);
        }
        w.flush();
        return 0;
    }

    /**
     * Refuses, as a usage error, outputs that would overwrite an input ({@code --image}, {@code --input-npy},
     * {@code --model}, {@code --labels}) or each other, and names that do not say the format written.
     *
     * @param png       the panel file (for {@code n > 1} the numbered files derived from it are checked)
     * @param pngOption how to name the panel option in messages
     * @param n         the number of panels to be written
     */
    private void checkOutputs(Path png, String pngOption, int n) {
        OutputChecks checks = new OutputChecks(spec.commandLine())
                .input("--image", input == null ? null : input.image)
                .input("--input-npy", input == null ? null : input.npy)
                .input("--model", modelOptions.model)
                .input("--labels", modelOptions.labels)
                .input("--baseline", methodOptions.baselineFile())
                .input("--segments", methodOptions.segmentsFile());
        if (n == 1) {
            checks.output(pngOption, png, ".png");
        } else {
            for (int i = 0; i < n; i++) {
                checks.output(pngOption + " (panel " + i + " of " + n + ")", indexed(png, i), ".png");
            }
        }
        checks.output("--save-npy", saveNpy, ".npy");
    }

    /** @return {@code dir/name-i.png} for {@code dir/name.png}. */
    static Path indexed(Path png, int i) {
        String name = png.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : ".png";
        return png.resolveSibling(stem + "-" + i + ext);
    }

    /** @return e.g. {@code method=grad-cam layer=relu3 target=9 label="Ankle boot" score=10.5 p=0.998 out=grad-cam.png}. */
    static String line(Method method, Explanation e, Path file) {
        ResolvedTarget t = e.target();
        String layer = e.provenance().layer().isEmpty() ? "-" : e.provenance().layer();
        StringBuilder sb = new StringBuilder();
        sb.append("method=").append(method.cliName()).append(" layer=").append(layer);
        if (t.classIndex() >= 0) {
            sb.append(" target=").append(t.classIndex());
            if (!t.label().isEmpty()) {
                sb.append(" label=").append(Json.string(t.label()));
            }
        } else {
            sb.append(" target=").append(Json.string(t.target().describe()));
        }
        sb.append(String.format(Locale.ROOT, " score=%.4g", t.score()));
        if (!Double.isNaN(t.probability())) {
            sb.append(String.format(Locale.ROOT, " p=%.4f", t.probability()));
        }
        sb.append(" out=").append(file);
        return sb.toString();
    }

    private static String shape(List<Explanation> results) {
        int[] s = results.get(0).attribution().shape();
        StringBuilder sb = new StringBuilder("[").append(results.size());
        for (int d : s) {
            sb.append(',').append(d);
        }
        return sb.append(']').toString();
    }

    /** Writes the attributions stacked along a new batch dimension. */
    static void writeNpy(List<Explanation> results, Path file) throws java.io.IOException {
        Tensor first = results.get(0).attribution();
        int[] s = first.shape();
        long[] shape = new long[s.length + 1];
        shape[0] = results.size();
        for (int d = 0; d < s.length; d++) {
            shape[d + 1] = s[d];
        }
        float[] all = new float[first.length() * results.size()];
        for (int i = 0; i < results.size(); i++) {
            Tensor t = results.get(i).attribution();
            if (t.length() != first.length()) {
                throw new IllegalStateException("attributions of different shapes in one batch");
            }
            System.arraycopy(t.data(), 0, all, i * first.length(), first.length());
        }
        try (INDArray a = Nd4j.create(all, shape, 'c')) {
            ImageTensors.writeNpy(a, file);
        }
    }
}
