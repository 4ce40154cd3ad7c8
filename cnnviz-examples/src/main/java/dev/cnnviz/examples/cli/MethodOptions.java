package dev.cnnviz.examples.cli;

import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.AttributionBase;
import java.util.List;
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
            description = "smoothgrad: number of noisy samples, 1 to 10000. Default: 25.")
    Integer samples;

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
        if (samples != null && method != Method.SMOOTHGRAD) {
            throw new ParameterException(cmd, "--samples applies only to smoothgrad, not to " + method);
        }
        if (steps != null && (steps < 1 || steps > MAX_STEPS)) {
            throw new ParameterException(cmd, "--steps must be between 1 and " + MAX_STEPS + ", found " + steps);
        }
        if (samples != null && (samples < 1 || samples > MAX_SAMPLES)) {
            throw new ParameterException(cmd, "--samples must be between 1 and " + MAX_SAMPLES + ", found " + samples);
        }
    }

    /**
     * Builds the method for a model, checking the options against it.
     *
     * @param classes the model's number of classes, to check {@code --target}
     * @throws ParameterException for an option that does not apply or is out of range
     */
    public AttributionBase create(Model model, int classes) {
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
            return method.create(model, layer, steps, samples);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
    }

    /** @return the target: the class given, else the top class. */
    public List<Target> targets() {
        return List.of(target == null ? Target.topClass() : Target.classIndex(target));
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
