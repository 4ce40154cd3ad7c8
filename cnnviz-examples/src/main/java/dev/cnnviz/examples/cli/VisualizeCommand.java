package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.featurevis.ClassVisualization;
import dev.cnnviz.core.featurevis.FeatureVisualization;
import dev.cnnviz.core.featurevis.Objective;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.image.ImageTensors;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz visualize}: class, neuron and channel visualization by gradient ascent on the input. */
@Command(name = "visualize", mixinStandardHelpOptions = true, sortOptions = false,
        headerHeading = "",
        header = "Synthesize an image that maximizes a class, channel or neuron; write a PNG.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Optimizes an image to maximize --objective and writes it to --out. Prints one line: the objective, "
                + "the final class score and probability, and the file.",
            "",
            "--param pixels (the default for class objectives): the model's input pixels, L2-normalized steps, "
                + "random roll jitter, blur, L2 decay and clamping to valid pixels (Simonyan et al. 2014, Yosinski "
                + "et al. 2015; CS231n's defaults: lr 25, l2 1e-3, 100 steps, blur 0.5 every 10, jitter 16, scaled "
                + "to the model's input). --lr and --l2 are then in the units of the model's preprocessed input.",
            "--param fft (the default for channel and neuron objectives): Lucid's decorrelated Fourier "
                + "parameterization with a sigmoid, Adam at 0.05, 512 steps, 128 px, standard transforms, and Lucid's "
                + "redirected ReLU gradient (a unit that is off on the grey start still gets gradient that raises it; "
                + "--exact-relu turns it off, as in Lucent).",
            "",
            "Objectives (sum them with '+', weight them with 'W*'):",
            "  class:N                the score of class N before the softmax",
            "  channel:LAYER:K        the mean of channel K of LAYER",
            "  neuron:LAYER:K:Y:X     one activation (neuron:LAYER:K for a 2-D layer)",
            "  layer-l2:LAYER         half the squared norm of LAYER",
            "",
            "Without --model: the embedded Fashion-MNIST CNN."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz visualize --objective class:7 --out sneaker.png --panel sneaker-panel.png",
            "  cnnviz visualize --objective class:543 --model squeezenet1.1.onnx --preprocess caffe-bgr \\",
            "      --labels imagenet-labels.txt --gif dumbbell.gif --json",
            "  cnnviz visualize --objective channel:concat_fire5/concat_1:17 --model squeezenet1.1.onnx \\",
            "      --preprocess caffe-bgr --steps 256 --size 128",
            "",
            "Layer names: 'cnnviz summary --model FILE'."})
public final class VisualizeCommand implements Callable<Integer> {
    /** The parameterization chosen with {@code --param}. */
    public enum Param {
        /** The model's input pixels ({@link ClassVisualization}). */
        PIXELS,
        /** Lucid's Fourier parameterization ({@link FeatureVisualization}). */
        FFT
    }

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--objective", required = true, paramLabel = "OBJ",
            description = "What to maximize: class:N, channel:LAYER:K, neuron:LAYER:K:Y:X, layer-l2:LAYER, sums with '+'.")
    String objective;

    @Option(names = "--steps", paramLabel = "N", description = "Optimization steps (0: print the starting loss and terms).")
    Integer steps;

    @Option(names = "--lr", paramLabel = "X", description = "Learning rate (pixels: step norm in the model's input units; fft: Adam's).")
    Double lr;

    @Option(names = "--param", paramLabel = "pixels|fft", description = "The image parameterization (see above).")
    Param param;

    @Option(names = "--size", paramLabel = "N", description = "Image size in pixels (fft only; default 128 or the model's size).")
    Integer size;

    @Option(names = "--exact-relu", description = "fft only: exact ReLU gradients from the first step, without Lucid's "
            + "redirect for units that are off at the start (Lucent's behaviour).")
    boolean exactRelu;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (default 42).")
    Long seed;

    @Option(names = "--init-npy", paramLabel = "FILE",
            description = "Start from this preprocessed input [1,C,H,W] (pixels only), e.g. a --save-npy of an earlier run.")
    Path initNpy;

    @Option(names = "--l2", paramLabel = "X", description = "L2 decay λ on the model's input (pixels only).")
    Double l2;

    @Option(names = "--blur-every", paramLabel = "K", description = "Blur after every K-th step (pixels only; 0: never).")
    Integer blurEvery;

    @Option(names = "--blur-sigma", paramLabel = "S", description = "The blur's sigma in pixels (pixels only).")
    Double blurSigma;

    @Option(names = "--jitter", paramLabel = "PX", description = "Random roll of up to PX pixels per step (pixels only).")
    Integer jitter;

    @Option(names = "--tv", paramLabel = "X", description = "Total variation weight on the model's input (pixels only).")
    Double tv;

    @Option(names = {"-o", "--out"}, paramLabel = "PNG", description = "The image to write (default visualization.png).")
    Path out;

    @Option(names = "--panel", paramLabel = "PNG", description = "Also write a captioned panel: start | result | loss curve.")
    Path panel;

    @Option(names = "--gif", paramLabel = "FILE", description = "Also write an animated GIF of the optimization (.gif).")
    Path gif;

    @Option(names = "--save-npy", paramLabel = "FILE", description = "Also write the result as the model's input [N,C,H,W] float32 (.npy).")
    Path saveNpy;

    @Option(names = "--json", description = "One JSON line per step {\"step\",\"loss\",\"terms\"}, then one with the result.")
    boolean json;

    /**
     * Parses an objective: terms {@code [W*]kind:args} joined by {@code +}.
     *
     * @throws IllegalArgumentException naming the term that cannot be read
     */
    static Objective parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the objective is empty; give e.g. class:3 or channel:LAYER:K");
        }
        Objective sum = null;
        for (String raw : text.split("\\+", -1)) {
            String term = raw.trim();
            double weight = 1;
            int star = term.indexOf('*');
            if (star > 0) {
                try {
                    weight = Double.parseDouble(term.substring(0, star).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("cannot read the weight '" + term.substring(0, star) + "' of '" + term + "'");
                }
                term = term.substring(star + 1).trim();
            }
            Objective o = term(term);
            o = weight == 1 ? o : o.times(weight);
            sum = sum == null ? o : sum.plus(o);
        }
        return sum;
    }

    private static Objective term(String term) {
        int colon = term.indexOf(':');
        String kind = colon < 0 ? term : term.substring(0, colon);
        String rest = colon < 0 ? "" : term.substring(colon + 1);
        String[] parts = rest.split(":", -1);
        try {
            switch (kind) {
                case "class" -> {
                    if (parts.length != 1) {
                        break;
                    }
                    return Objective.classScore(Integer.parseInt(parts[0].trim()));
                }
                case "channel" -> {
                    if (parts.length < 2) {
                        break;
                    }
                    int k = Integer.parseInt(parts[parts.length - 1].trim());
                    return Objective.channel(String.join(":", java.util.Arrays.copyOf(parts, parts.length - 1)), k);
                }
                case "neuron" -> {
                    if (parts.length >= 4) {
                        int n = parts.length;
                        return Objective.neuron(String.join(":", java.util.Arrays.copyOf(parts, n - 3)),
                                Integer.parseInt(parts[n - 3].trim()), Integer.parseInt(parts[n - 2].trim()),
                                Integer.parseInt(parts[n - 1].trim()));
                    }
                    if (parts.length == 2) {
                        return Objective.neuron(parts[0], Integer.parseInt(parts[1].trim()), -1, -1);
                    }
                }
                case "layer-l2" -> {
                    if (rest.isBlank()) {
                        break;
                    }
                    return Objective.layerL2(rest);
                }
                default -> throw new IllegalArgumentException("unknown objective '" + kind + "' in '" + term
                        + "'; use class:N, channel:LAYER:K, neuron:LAYER:K:Y:X or layer-l2:LAYER");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cannot read a number in '" + term + "': " + e.getMessage());
        }
        throw new IllegalArgumentException("cannot read '" + term + "': expected class:N, channel:LAYER:K, "
                + "neuron:LAYER:K:Y:X (or neuron:LAYER:K) or layer-l2:LAYER");
    }

    /** @return whether every term of the text is a class term */
    private static boolean classesOnly(String text) {
        for (String t : text.split("\\+")) {
            String s = t.trim();
            int star = s.indexOf('*');
            if (!(star > 0 ? s.substring(star + 1).trim() : s).startsWith("class:")) {
                return false;
            }
        }
        return true;
    }

    /** @return the first class index named in the objective, or -1 */
    private static int firstClass(String text) {
        for (String t : text.split("\\+")) {
            String s = t.trim();
            int star = s.indexOf('*');
            s = star > 0 ? s.substring(star + 1).trim() : s;
            if (s.startsWith("class:")) {
                return Integer.parseInt(s.substring(6).trim());
            }
        }
        return -1;
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        Objective o;
        try {
            o = parse(objective);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, "--objective: " + e.getMessage());
        }
        Param p = param != null ? param : classesOnly(objective) ? Param.PIXELS : Param.FFT;
        if (p == Param.FFT) {
            for (Object[] opt : new Object[][] {{"--l2", l2}, {"--blur-every", blurEvery}, {"--blur-sigma", blurSigma},
                {"--jitter", jitter}, {"--tv", tv}, {"--init-npy", initNpy}}) {
                if (opt[1] != null) {
                    throw new ParameterException(cmd, opt[0] + " applies only to --param pixels, not to fft");
                }
            }
        } else if (size != null) {
            throw new ParameterException(cmd, "--size applies only to --param fft; pixels use the model's input size");
        } else if (exactRelu) {
            throw new ParameterException(cmd, "--exact-relu applies only to --param fft; pixels always use the exact gradient");
        }
        if (steps != null && (steps < 0 || steps > 100_000)) {
            throw new ParameterException(cmd, "--steps must be 0..100000, found " + steps);
        }
        Path png = out != null ? out : Path.of("visualization.png");
        new OutputChecks(cmd).input("--model", modelOptions.model).input("--labels", modelOptions.labels)
                .input("--init-npy", initNpy)
                .output(out != null ? "--out" : "the default --out", png, ".png")
                .output("--panel", panel, ".png").output("--gif", gif, ".gif").output("--save-npy", saveNpy, ".npy");
        Model model = modelOptions.load();
        PrintWriter w = cmd.getOut();
        PrintWriter err = cmd.getErr();
        ProgressListener listener = SynthesisOutput.listener(json, w, err);
        boolean snapshots = panel != null || gif != null;
        Synthesis s;
        try {
            if (p == Param.PIXELS) {
                ClassVisualization cv = ClassVisualization.of(model);
                if (lr != null || l2 != null || jitter != null) {
                    cv = cv.inInputUnits();
                }
                if (lr != null) {
                    cv = cv.withLearningRate(lr);
                }
                if (l2 != null) {
                    cv = cv.withL2(l2);
                }
                if (steps != null) {
                    cv = cv.withSteps(steps);
                }
                if (seed != null) {
                    cv = cv.withSeed(seed);
                }
                if (blurEvery != null || blurSigma != null) {
                    cv = cv.withBlur(blurEvery != null ? blurEvery : 10, blurSigma != null ? blurSigma : 0.5);
                }
                if (jitter != null) {
                    cv = cv.withJitter(jitter);
                }
                if (tv != null) {
                    cv = cv.withTotalVariation(tv);
                }
                if (initNpy != null) {
                    INDArray init = ImageTensors.readNpy(initNpy);
                    try (init) {
                        ImageTensors.checkBatch(init, model.inputSpec());
                        int[] shape = java.util.Arrays.stream(init.shape()).mapToInt(v -> (int) v).toArray();
                        cv = cv.withStart(Tensor.of(init.castTo(DataType.FLOAT).dup().data().asFloat(), shape));
                    }
                }
                if (snapshots) {
                    cv = cv.withSnapshotEvery(Math.max(1, cv.steps() / 50));
                }
                s = cv.visualize(o, listener);
            } else {
                FeatureVisualization fv = FeatureVisualization.of(model);
                if (steps != null) {
                    fv = fv.withSteps(steps);
                }
                if (lr != null) {
                    fv = fv.withLearningRate(lr);
                }
                if (size != null) {
                    fv = fv.withSize(size);
                }
                if (seed != null) {
                    fv = fv.withSeed(seed);
                }
                fv = fv.withRedirectedRelu(!exactRelu);
                if (snapshots) {
                    fv = fv.withSnapshotEvery(Math.max(1, fv.steps() / 50));
                }
                s = fv.visualize(o, listener);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, "--objective " + objective + ": " + e.getMessage());
        } finally {
            SynthesisOutput.finishProgress(json, err);
        }
        if (!json && s.steps() == 0 && !s.history().isEmpty()) {
            w.println("start: loss " + fmt(s.history().get(0).loss()) + " " + s.history().get(0).terms());
        }
        SynthesisOutput.writeImage(s.image(), png);
        if (panel != null) {
            SynthesisOutput.writePanel(s.snapshots().isEmpty() ? null : s.snapshots().get(0), s, o.describe(), panel);
        }
        if (gif != null) {
            List<java.awt.image.BufferedImage> frames = new ArrayList<>(s.snapshots());
            if (frames.isEmpty()) {
                frames.add(s.image());
            }
            SynthesisOutput.writeGif(frames, 100, gif);
        }
        if (saveNpy != null) {
            SynthesisOutput.writeNpy(s, saveNpy);
        }
        result(model, s, o, png, w);
        w.flush();
        return 0;
    }

    private void result(Model model, Synthesis s, Objective o, Path png, PrintWriter w) {
        Tensor t = s.input();
        long[] shape = {t.size(0), t.size(1), t.size(2), t.size(3)};
        int c;
        double score;
        double prob;
        try (INDArray x = Nd4j.create(t.data(), shape, DataType.FLOAT); ForwardPass pass = model.graph().forward(x)) {
            INDArray scores = pass.scores().reshape(shape[0], -1).getRow(0).castTo(DataType.DOUBLE);
            c = firstClass(objective);
            if (c < 0 || c >= scores.length()) {
                c = scores.argMax().getInt(0);
            }
            score = scores.getDouble(c);
            prob = Transforms.softmax(scores.reshape(1, -1), true).getDouble(0, c);
        }
        String label = model.label(c).orElse("");
        if (json) {
            w.println("{\"objective\":" + Json.string(o.describe()) + ",\"class\":" + c + ",\"label\":" + Json.string(label)
                    + ",\"score\":" + Json.number(score) + ",\"probability\":" + Json.number(prob) + ",\"steps\":" + s.steps()
                    + ",\"out\":" + Json.string(png.toString()) + "}");
        } else {
            w.println(String.format(Locale.ROOT, "%s: class %d%s score %s probability %.4f after %d steps -> %s",
                    o.describe(), c, label.isEmpty() ? "" : " (" + label + ")", fmt(score), prob, s.steps(), png));
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.5g", v);
    }
}
