package dev.cnnviz.examples.cli;

import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.AttributionBase;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.perturbation.Features;
import dev.cnnviz.core.perturbation.Lime;
import dev.cnnviz.core.perturbation.PerturbationBaseline;
import dev.cnnviz.core.perturbation.Rise;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The options that choose and configure an attribution method. */
public final class MethodOptions {
    /**
     * The most integration steps {@code --steps} accepts: each step is a forward and backward pass, and beyond a
     * few hundred the Gauss-Legendre rule changes nothing measurable.
     */
    public static final int MAX_STEPS = 10_000;
    /** The most noisy samples {@code --samples} accepts: each is a forward and backward pass. */
    public static final int MAX_SAMPLES = 10_000;

    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    /** The name {@code bench} accepts besides the attribution methods: time embedding a dataset. */
    public static final String EMBED = "embed";

    @Option(names = {"-m", "--method"}, required = true, paramLabel = "METHOD",
            completionCandidates = Method.Names.class,
            description = "Attribution method, one of: ${COMPLETION-CANDIDATES}.")
    String methodName;

    @Option(names = {"-t", "--target"}, paramLabel = "N",
            description = "Class index to explain (its score before the softmax). Default: the top class.")
    Integer target;

    @Option(names = {"-l", "--layer"}, paramLabel = "NAME",
            description = "CAM methods: the layer (graph node) to explain at; see 'cnnviz summary'. "
                    + "Default: the last 4-D layer the class scores depend on. bench -m inversion|deepdream: the "
                    + "layer to invert or dream at (required).")
    String layer;

    @Option(names = "--steps", paramLabel = "N",
            description = "integrated-gradients: number of integration steps, 1 to 10000. Default: 50. "
                    + "bench -m inversion|deepdream: optimization steps per timed run. Default: 10.")
    Integer steps;

    @Option(names = "--samples", paramLabel = "N",
            description = {"smoothgrad: noisy samples, 1 to 10000 (default 25);",
                "shapley-sampling: permutations, 1 to 10000 (default 25, as Captum);",
                "kernel-shap, lime: sampled coalitions, 2 to 100000 (default 1000)."})
    Integer samples;

    @Option(names = "--window", paramLabel = "N",
            description = "occlusion: the square window in pixels, at most the input's size. Default: 16.")
    Integer window;

    @Option(names = "--stride", paramLabel = "N", description = "occlusion: the window's stride in pixels. Default: 8.")
    Integer stride;

    @Option(names = "--baseline", paramLabel = "VALUE|mean|blur|FILE",
            description = {"Perturbation methods: what hidden pixels are filled with, in the model's preprocessed input "
                + "space: a number, 'mean' (each feature's mean colour), 'blur' or 'blur:SIGMA' (Gaussian, default sigma "
                + "10 px), or a file (.npy preprocessed [C,H,W], or an image, preprocessed like the input).",
                "Default: 0 (lime: mean)."})
    String baseline;

    @Option(names = "--segments", paramLabel = "grid:PX|slic:N|felzenszwalb:K|FILE.npy",
            description = {"feature-ablation, shapley-sampling, shapley, kernel-shap, lime: the features switched on and "
                + "off: square patches, about N SLIC superpixels, Felzenszwalb segments of scale K, or an [H,W] integer "
                + "mask.", "Default: grid:16 (shapley: grid:56; lime: slic:50)."})
    String segments;

    @Option(names = "--masks", paramLabel = "N", description = "rise: number of random masks, 1 to 100000. Default: 4000.")
    Integer masks;

    @Option(names = "--seed", paramLabel = "S",
            description = "shapley-sampling, kernel-shap, lime, rise: the random seed (same seed, same result). Default: 0.")
    Long seed;

    @Option(names = "--probability",
            description = {"Perturbation methods: explain the class probability instead of the score before the softmax;",
                "occlusion: Zeiler and Fergus's map of the probability with the window at each position [h',w']."})
    boolean probability;

    /**
     * Checks, before anything is loaded, that the options apply to the method.
     *
     * @throws ParameterException for {@code --layer} on a pixel method, {@code --steps} on another method than
     *                            integrated-gradients, {@code --samples} on another than smoothgrad, or counts out of
     *                            range (1 to {@link #MAX_STEPS} or {@link #MAX_SAMPLES})
     */
    public void check() {
        CommandLine cmd = mixee.commandLine();
        Method method = method();
        if (layer != null && !method.layered()) {
            throw new ParameterException(cmd, "--layer applies only to the CAM methods; " + method
                    + " explains the input pixels directly");
        }
        if (steps != null && method != Method.INTEGRATED_GRADIENTS && !method.synthesis()) {
            throw new ParameterException(cmd, "--steps applies only to integrated-gradients (and, in bench, to "
                    + "inversion and deepdream), not to " + method);
        }
        if (samples != null && !method.takesSamples()) {
            throw new ParameterException(cmd, "--samples applies only to smoothgrad, shapley-sampling, kernel-shap and lime, "
                    + "not to " + method);
        }
        only(window != null, "--window", method == Method.OCCLUSION, "occlusion");
        only(stride != null, "--stride", method == Method.OCCLUSION, "occlusion");
        only(masks != null, "--masks", method == Method.RISE, "rise");
        only(baseline != null, "--baseline", method.perturbation(), "the perturbation methods (occlusion ... rise)");
        only(probability, "--probability", method.perturbation(), "the perturbation methods (occlusion ... rise)");
        only(segments != null, "--segments", method.perFeature(),
                "feature-ablation, shapley-sampling, shapley, kernel-shap and lime");
        only(seed != null, "--seed", method == Method.SHAPLEY_SAMPLING || method == Method.KERNEL_SHAP
                || method == Method.LIME || method == Method.RISE, "shapley-sampling, kernel-shap, lime and rise");
        positive(window, "--window", Integer.MAX_VALUE);
        positive(stride, "--stride", Integer.MAX_VALUE);
        positive(masks, "--masks", Rise.MAX_MASKS);
        if (steps != null && (steps < 1 || steps > MAX_STEPS)) {
            throw new ParameterException(cmd, "--steps must be between 1 and " + MAX_STEPS + ", found " + steps);
        }
        int minSamples = method == Method.KERNEL_SHAP || method == Method.LIME ? 2 : 1;
        int maxSamples = method == Method.KERNEL_SHAP || method == Method.LIME ? Lime.MAX_SAMPLES : MAX_SAMPLES;
        if (samples != null && (samples < minSamples || samples > maxSamples)) {
            throw new ParameterException(cmd, "--samples must be between " + minSamples + " and " + maxSamples + " for "
                    + method + ", found " + samples);
        }
    }

    private void only(boolean given, String option, boolean applies, String methods) {
        if (given && !applies) {
            throw new ParameterException(mixee.commandLine(), option + " applies only to " + methods + ", not to " + method().cliName());
        }
    }

    private void positive(Integer value, String option, int max) {
        if (value != null && (value < 1 || value > max)) {
            throw new ParameterException(mixee.commandLine(), option + " must be between 1 and " + max + ", found " + value);
        }
    }

    /**
     * The perturbation options, with {@code --baseline} and {@code --segments} read against the model's input.
     *
     * @throws ParameterException for a baseline or segments text that is none of the forms accepted
     * @throws IOException        naming the file if a baseline or mask file cannot be read or does not fit the model
     */
    Method.Perturbation perturbation(Model model) throws IOException {
        CommandLine cmd = mixee.commandLine();
        InputSpec spec = model.inputSpec();
        PerturbationBaseline b = null;
        if (baseline != null) {
            b = baseline(baseline.strip(), spec, cmd);
        }
        Features f = null;
        if (segments != null) {
            try {
                f = Features.parse(segments, spec.height(), spec.width());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, "--segments: " + e.getMessage());
            }
        }
        return new Method.Perturbation(window, stride, b, f, masks, seed, probability);
    }

    private static PerturbationBaseline baseline(String text, InputSpec spec, CommandLine cmd) throws IOException {
        String lower = text.toLowerCase(Locale.ROOT);
        boolean file = lower.endsWith(".npy") || lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg")
                || lower.endsWith(".bmp") || lower.endsWith(".gif");
        if (!file) {
            try {
                return PerturbationBaseline.parse(text);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, "--baseline: " + e.getMessage());
            }
        }
        Path p = Path.of(text);
        INDArray x;
        if (lower.endsWith(".npy")) {
            x = ImageTensors.readNpy(p);
            if (x.rank() == 3) {
                x = x.reshape(1, x.size(0), x.size(1), x.size(2));
            }
            if (x.rank() == 4 && x.size(0) == 1
                    && !(x.size(1) == spec.channels() && x.size(2) == spec.height() && x.size(3) == spec.width())) {
                x = ImageTensors.toNchw(x, spec.originalLayout());
            }
        } else {
            x = ImageTensors.toBatch(List.of(ImageIo.read(p)), spec);
        }
        try (INDArray a = x) {
            long[] s = a.shape();
            if (s.length != 4 || s[0] != 1 || s[1] != spec.channels() || s[2] != spec.height() || s[3] != spec.width()) {
                throw new IOException(p + ": a baseline must be one preprocessed input [C,H,W] = [" + spec.channels() + ","
                        + spec.height() + "," + spec.width() + "], found " + java.util.Arrays.toString(s));
            }
            float[] v = HostArrays.floats(a);
            try {
                return PerturbationBaseline.of(Tensor.of(v, spec.channels(), spec.height(), spec.width()));
            } catch (IllegalArgumentException e) {
                throw new IOException(p + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Builds the method for a model, checking the options against it.
     *
     * @param classes the model's number of classes, to check {@code --target}
     * @throws ParameterException for an option that does not apply or is out of range
     * @throws IOException        naming the file if a {@code --baseline} or {@code --segments} file cannot be read
     */
    public AttributionBase create(Model model, int classes) throws IOException {
        CommandLine cmd = mixee.commandLine();
        if (target != null && (target < 0 || target >= classes)) {
            throw new ParameterException(cmd, "--target " + target + " is out of range: the model has " + classes
                    + " classes (0.." + (classes - 1) + ")");
        }
        check();
        Method method = method();
        if (layer != null && method.layered() && !model.graph().contains(layer)) {
            throw new ParameterException(cmd, "--layer: no layer named '" + layer + "'; closest names: "
                    + model.graph().closestNames(layer, 5) + " ('cnnviz summary' lists them all)");
        }
        try {
            return method.create(model, layer, steps, samples, perturbation(model));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
    }

    /** @return the target: the class given, else the top class. */
    public List<Target> targets() {
        return List.of(target == null ? Target.topClass() : Target.classIndex(target));
    }

    /** @return the {@code --baseline} file, or null when the baseline is not a file */
    Path baselineFile() {
        if (baseline == null) {
            return null;
        }
        String l = baseline.strip().toLowerCase(Locale.ROOT);
        return l.matches(".*\\.(npy|png|jpe?g|bmp|gif)") ? Path.of(baseline.strip()) : null;
    }

    /** @return the {@code --segments} file, or null when the segments are not a file */
    Path segmentsFile() {
        return segments != null && segments.strip().toLowerCase(Locale.ROOT).endsWith(".npy") ? Path.of(segments.strip()) : null;
    }

    /** @return the steps given with {@code --steps}, or null */
    public Integer steps() {
        return steps;
    }

    /**
     * @return the chosen method
     * @throws ParameterException for an unknown name, listing the valid ones
     */
    public Method method() {
        try {
            return Method.parse(methodName);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), "Invalid value for option '--method': " + e.getMessage());
        }
    }

    /** @return the attack named by {@code --method} (fgsm, pgd, deepfool, cw, ...; only {@code bench} accepts it), or null */
    public String attack() {
        String m = methodName == null ? null : methodName.strip().toLowerCase(java.util.Locale.ROOT);
        return m != null && AttackSupport.METHODS.contains(m) ? m : null;
    }

    /** @return whether {@code --method embed} was given (only {@code bench} accepts it) */
    public boolean isEmbed() {
        return methodName != null && methodName.strip().equalsIgnoreCase(EMBED);
    }

    /** @return {@code --layer}, or null */
    public String layer() {
        return layer;
    }

    /** @return whether {@code --target}, {@code --steps} or {@code --samples} was given */
    public boolean hasAttributionOptions() {
        return target != null || steps != null || samples != null;
    }
}
