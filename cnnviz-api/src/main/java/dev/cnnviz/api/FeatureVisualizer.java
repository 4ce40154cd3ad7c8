package dev.cnnviz.api;

/**
 * Synthesizes images that a model's unit or class responds to, by gradient ascent on the input (Simonyan et al.
 * 2014; Yosinski et al. 2015; Olah et al. 2017). Implementations are immutable, seeded (the same seed gives the same
 * image bit for bit) and may be used from several threads at once.
 *
 * <pre>{@code
 * Synthesis dog = ClassVisualization.of(model).visualize(Target.classIndex(251));
 * Synthesis unit = ChannelVisualization.of(model).visualize(Target.channel("concat_fire5/concat_1", 17));
 * }</pre>
 *
 * <p>Targets: {@link Target.ClassIndex} and {@link Target.ClassLabel} (the score before the softmax),
 * {@link Target.Neuron}, {@link Target.Channel} (the mean over positions) and {@link Target.Weighted} (a direction);
 * an implementation names the ones it does not take in an {@link IllegalArgumentException}. Failures as in
 * {@link Attribution}: caller mistakes are {@link IllegalArgumentException}s naming the value (an unknown layer with
 * the closest names, a channel or class out of range), a run over the memory budget a {@link ResourceLimitException},
 * a loss that becomes NaN or infinite a {@link NonFiniteResultException}.
 */
public interface FeatureVisualizer {

    /** @return the method's name, e.g. {@code "Class visualization"}. */
    String name();

    /**
     * Visualizes a target, reporting every step.
     *
     * @param target   what to maximize
     * @param listener told after every step; returning false stops the run, which returns what it has
     */
    Synthesis visualize(Target target, ProgressListener listener);

    /** Visualizes a target. */
    default Synthesis visualize(Target target) {
        return visualize(target, ProgressListener.NONE);
    }

    /** Visualizes class {@code classIndex} (its score before the softmax). */
    default Synthesis visualize(int classIndex) {
        return visualize(Target.classIndex(classIndex));
    }
}
