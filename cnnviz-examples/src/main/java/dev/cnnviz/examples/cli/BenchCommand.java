package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.AttributionBase;
import dev.cnnviz.core.featurevis.DeepDream;
import dev.cnnviz.core.featurevis.LayerGraphs;
import dev.cnnviz.core.inversion.FeatureInversion;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.cam.GradCam;
import dev.cnnviz.core.featurevis.ClassVisualization;
import dev.cnnviz.core.featurevis.FeatureVisualization;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code cnnviz bench}: times one method in this process after warm-up. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        headerHeading = "",
        header = "Time an attribution method (median milliseconds per explanation) or an image optimization (per step).",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Runs the method --warmup times untimed, then --runs times timed, in this process, and prints the "
                + "median, minimum and maximum milliseconds per explanation (a run on a batch of N inputs "
                + "counts as N explanations). With --method embed, embeds a dataset (--fashion-mnist or --images, --layer) in "
                + "batches of --batch (default 64 there) and prints images per second and the median and minimum "
                + "milliseconds per batch. For careful measurements use the JMH benchmarks: ./cnnviz jmh -h.",
            "",
            "-m fgsm|bim|pgd|pgd-l2|fool|deepfool|cw times an attack on --batch copies of the input (--target makes it "
                + "targeted, --steps sets its steps).",
            "-m inversion and -m deepdream (one octave at the input's size) time image optimizations at --layer: "
                + "each run takes --steps steps (default 10) and reports milliseconds per step.",
            "-m network --model FILE.onnx [--size N] times a feed-forward style network (e.g. candy.onnx) per image "
                + "and prints its FLOPs per image and GFLOP/s.",
            "-m class-visualization (--target, default class 0) and neuron-visualization (the centre neuron of channel 0 "
                + "of --layer, default the last 4-D layer) run one optimization of --warmup + --runs steps and "
                + "report the time per step of the last --runs.",
            "-m gatys and -m texture time one evaluation of the Gatys style (or texture) loss at --size (default 256) "
                + "on --loss-model (default: the shared SqueezeNet, caffe-bgr) with its default or the given layers: "
                + "forward to the deepest loss layer, the losses, backward to the image; one run of --warmup + --runs "
                + "Adam steps, the last --runs timed.",
            "-m train-style times training steps of the feed-forward style network (width 32, 5 residual blocks) with "
                + "the perceptual loss on --loss-model (default: the shared SqueezeNet): --batch crops (give --batch 4) of "
                + "--size pixels of --image (default: --style), forward, backward to the weights, one Adam step.",
            "",
            "Without --model: the embedded Fashion-MNIST CNN and, without an input, its default image."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz bench -m grad-cam",
            "  cnnviz bench -m integrated-gradients --steps 50 --model squeezenet1.1.onnx \\",
            "      --input-npy cat-input.npy --runs 5",
            "  cnnviz bench -m grad-cam --batch 32 --model squeezenet1.1.onnx --image cat.jpg",
            "  cnnviz bench -m deepdream --layer concat_fire5/concat_1 --model squeezenet1.1.onnx --image cat.jpg",
            "  cnnviz bench -m class-visualization --model squeezenet1.1.onnx --preprocess caffe-bgr --target 543",
            "  cnnviz bench -m gatys --size 256 --content chelsea.png --style starry_night.jpg",
            "  cnnviz bench -m network --model candy.onnx --size 720 --runs 5",
            "  cnnviz bench -m embed --fashion-mnist --limit 5000 --batch 128   (embeddings: images per second)"})
public final class BenchCommand implements Callable<Integer> {
    /** The most runs {@code --runs} and {@code --warmup} accept each. */
    public static final int MAX_RUNS = 100_000;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    MethodOptions methodOptions;

    @Mixin
    ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nInput (one of; default: the embedded model's default image):%n")
    InputOptions input;

    @Mixin
    DatasetOptions datasetOptions;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3", description = "Untimed runs first (0 to 100000).")
    int warmup;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "10", description = "Timed runs (1 to 100000).")
    int runs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1",
            description = "Repeat a single input N times to time a batch.")
    int batch;

    @Option(names = "--loss-model", paramLabel = "FILE", description = "gatys|texture|train-style: the loss network "
            + "(default: the shared SqueezeNet, caffe-bgr).")
    java.nio.file.Path lossModel;

    @Option(names = "--content", paramLabel = "FILE", description = "gatys: the content image (default: the shared chelsea.png).")
    java.nio.file.Path content;

    @Option(names = "--style", paramLabel = "FILE", description = "gatys|texture|train-style: the style image (default: the "
            + "shared starry_night.jpg for gatys and texture, a generated one for train-style).")
    java.nio.file.Path style;

    @Option(names = "--content-layer", paramLabel = "L", description = "gatys: the content layer.")
    String contentLayer;

    @Option(names = "--style-layers", paramLabel = "L[:W]", split = ",", description = "gatys|texture: the style layers.")
    java.util.List<String> styleLayers;

    @Option(names = "--size", paramLabel = "N", description = "gatys|texture: the image is N x N (default 256); network: N x N images (default 224); "
            + "train-style: the crop side (default 128).")
    Integer size;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        if (warmup < 0 || warmup > MAX_RUNS) {
            throw new ParameterException(cmd, "--warmup must be between 0 and " + MAX_RUNS + ", found " + warmup);
        }
        if (runs < 1 || runs > MAX_RUNS) {
            throw new ParameterException(cmd, "--runs must be between 1 and " + MAX_RUNS + ", found " + runs);
        }
        if (batch < 1) {
            throw new ParameterException(cmd, "--batch must be at least 1, found " + batch);
        }
        if (methodOptions.methodName != null && methodOptions.methodName.strip().equalsIgnoreCase("train-style")) {
            if (content != null || contentLayer != null || styleLayers != null) {
                throw new ParameterException(cmd, "bench --method train-style takes --loss-model, --style, --image, --size "
                        + "and --batch, not --content, --content-layer or --style-layers");
            }
            return TrainStyleBench.run(cmd, lossModel, modelOptions.preprocess, style, input == null ? null : input.image,
                    size == null ? 128 : size, batch, warmup, runs);
        }
        if (StyleBench.handles(methodOptions.methodName)) {
            if (batch != 1 || input != null || modelOptions.model != null) {
                throw new ParameterException(cmd, "bench --method " + methodOptions.methodName + " takes --loss-model, "
                        + "--content, --style and --size, not --batch, --model, --image or --input-npy");
            }
            return StyleBench.run(cmd, cmd.getOut(), methodOptions.methodName, lossModel, modelOptions.preprocess, content,
                    style, contentLayer, styleLayers, size, warmup, runs);
        }
        if (methodOptions.methodName != null && "network".equalsIgnoreCase(methodOptions.methodName.strip())) {
            if (lossModel != null || content != null || style != null || contentLayer != null || styleLayers != null) {
                throw new ParameterException(cmd, "bench --method network takes --model, --image, --size and --batch, not "
                        + "--loss-model, --content, --style, --content-layer or --style-layers");
            }
            return NetworkBench.run(cmd, modelOptions, input == null ? null : input.image, size, warmup, runs, batch);
        }
        if (lossModel != null || content != null || style != null || contentLayer != null || styleLayers != null
                || size != null) {
            throw new ParameterException(cmd, "--loss-model, --content, --style, --content-layer, --style-layers and "
                    + "--size apply only to --method gatys, texture, train-style (and --size to network)");
        }
        if (methodOptions.isEmbed()) {
            return EmbedBench.run(cmd, modelOptions, datasetOptions, methodOptions, input != null, warmup, batch);
        }
        if (datasetOptions.images != null || datasetOptions.fashionMnist || datasetOptions.limit != null
                || datasetOptions.fashionMnistDir != null || !"test".equals(datasetOptions.split)) {
            throw new ParameterException(cmd, "--images, --fashion-mnist, --split, --fashion-mnist-dir and --limit "
                    + "apply only to --method embed");
        }
        String attack = methodOptions.attack();
        if (attack == null) {
            methodOptions.check();
        }
        Model model = modelOptions.load();
        if (attack == null && methodOptions.method().needsNoInput()) {
            if (input != null || batch != 1) {
                throw new ParameterException(cmd, methodOptions.method().cliName() + " synthesizes its own image: "
                        + "--image, --input-npy and --batch do not apply");
            }
            return benchSteps(model, cmd);
        }
        InputOptions.Input in = InputOptions.load(input, model, modelOptions.isDefault(), cmd);
        INDArray x = in.batch();
        if (batch > 1) {
            if (x.size(0) != 1) {
                throw new ParameterException(cmd, "--batch repeats a single input; " + in.description() + " holds "
                        + x.size(0));
            }
            long[] shape = x.shape().clone();
            shape[0] = batch;
            // The batch itself, then a forward and backward pass over it: refused before either is allocated.
            MemoryBudget budget = model.graph().memoryBudget();
            budget.check("a batch of " + batch + " inputs", MemoryBudget.bytesOf(4, shape), "use a smaller --batch");
            budget.check("a forward and backward pass at --batch " + batch,
                    model.graph().passBytes(Map.of(model.graph().inputName(), shape), true), "use a smaller --batch");
            INDArray repeated = x.repeat(0, batch);
            x.close();
            x = repeated;
        }
        PrintWriter out = cmd.getOut();
        if (attack != null) {
            try {
                AttackBench.run(cmd, out, attack, model, x, in.description(), methodOptions.target, methodOptions.steps(),
                        warmup, runs);
            } finally {
                x.close();
            }
            out.flush();
            return 0;
        }
        if (methodOptions.method().synthesis()) {
            try {
                benchSynthesis(model, x, in.description(), out);
            } finally {
                x.close();
            }
            out.flush();
            return 0;
        }
        try {
            int classes = Predictions.of(model, x).classes();
            AttributionBase method = methodOptions.create(model, classes);
            int n = (int) x.size(0);
            for (int i = 0; i < warmup; i++) {
                method.explain(x, methodOptions.targets());
            }
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                method.explain(x, methodOptions.targets());
                ms[i] = (System.nanoTime() - t0) / 1e6 / n;
            }
            Arrays.sort(ms);
            double median = runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
            out.println(String.format(Locale.ROOT,
                    "%s on %s %s: median %.2f ms per explanation (min %.2f, max %.2f; %d runs after %d warm-up)",
                    methodOptions.method().cliName(), in.description(), Arrays.toString(x.shape()), median, ms[0],
                    ms[runs - 1], runs, warmup));
        } finally {
            x.close();
        }
        out.flush();
        return 0;
    }

    /** The default steps of one timed run of inversion or deepdream. */
    public static final int DEFAULT_SYNTHESIS_STEPS = 10;

    /**
     * Times inversion or DeepDream (one octave at the input's size) per optimization step: each run takes
     * {@code --steps} steps (default {@value #DEFAULT_SYNTHESIS_STEPS}); the time of a run divided by its steps is
     * one sample.
     */
    private void benchSynthesis(Model model, INDArray x, String description, PrintWriter out) {
        CommandLine cmd = spec.commandLine();
        Method method = methodOptions.method();
        String layer = methodOptions.layer();
        if (layer == null) {
            throw new ParameterException(cmd, "--layer is required for " + method + " (see 'cnnviz summary')");
        }
        try {
            LayerGraphs.requireLayer(model.graph(), layer);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, "--layer: " + e.getMessage());
        }
        if (batch != 1 || x.size(0) != 1) {
            throw new ParameterException(cmd, method + " optimizes one image; --batch and inputs of several images do "
                    + "not apply");
        }
        int steps = methodOptions.steps() == null ? DEFAULT_SYNTHESIS_STEPS : methodOptions.steps();
        Runnable run;
        if (method == Method.INVERSION) {
            FeatureInversion inv = FeatureInversion.of(model).withSteps(steps);
            run = () -> inv.invert(x, layer, ProgressListener.NONE);
        } else {
            DeepDream dd = DeepDream.of(model).withLayer(layer).withOctaves(1).withSteps(steps);
            float[] data = x.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
            Tensor t = Tensor.of(data, (int) x.size(0), (int) x.size(1), (int) x.size(2), (int) x.size(3));
            run = () -> dd.dreamTensor(t, ProgressListener.NONE);
        }
        for (int i = 0; i < warmup; i++) {
            run.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            run.run();
            ms[i] = (System.nanoTime() - t0) / 1e6 / steps;
        }
        Arrays.sort(ms);
        double median = runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
        out.println(String.format(Locale.ROOT,
                "%s at %s on %s %s: median %.2f ms per step (min %.2f, max %.2f; %d runs of %d steps after %d warm-up)",
                method.cliName(), layer, description, Arrays.toString(x.shape()), median, ms[0], ms[runs - 1], runs,
                steps, warmup));
    }

    /**
     * Times the steps of one image optimization: a run of {@code warmup + runs} steps, the first {@code warmup}
     * untimed; prints the median, minimum and maximum milliseconds per step.
     */
    private int benchSteps(Model model, CommandLine cmd) {
        int total = warmup + runs;
        long[] times = new long[total + 1];
        int[] seen = {0};
        times[0] = System.nanoTime();
        ProgressListener timer = step -> {
            if (step.step() > 0 && step.step() <= total) {
                times[step.step()] = System.nanoTime();
                seen[0] = step.step();
            }
            return true;
        };
        String what;
        Method m = methodOptions.method();
        try {
            if (m == Method.CLASS_VISUALIZATION) {
                int c = methodOptions.target != null ? methodOptions.target : 0;
                what = "class " + c;
                ClassVisualization.of(model).withSteps(total).visualize(Target.classIndex(c), timer);
            } else {
                String layer = methodOptions.layer != null ? methodOptions.layer : GradCam.of(model).layer();
                long[] shape = model.graph().shapes().get(layer);
                if (shape == null || shape.length != 4) {
                    throw new ParameterException(cmd, "--layer: neuron-visualization needs a 4-D layer, '" + layer
                            + "' has shape " + (shape == null ? "unknown" : Arrays.toString(shape)));
                }
                Target t = Target.neuron(layer, 0, (int) shape[2] / 2, (int) shape[3] / 2);
                what = t.describe();
                FeatureVisualization.of(model).withSteps(total).visualize(t, timer);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            int k = warmup + i + 1;
            ms[i] = (times[k] - times[k - 1]) / 1e6;
        }
        Arrays.sort(ms);
        double median = runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
        PrintWriter out = cmd.getOut();
        out.println(String.format(Locale.ROOT,
                "%s on %s: median %.2f ms per optimization step (min %.2f, max %.2f; %d runs after %d warm-up)",
                m.cliName(), what, median, ms[0], ms[runs - 1], runs, warmup));
        out.flush();
        return 0;
    }
}
