package dev.cnnviz.api;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * The result of an image optimization: class or neuron visualization, feature inversion, DeepDream (and later
 * texture synthesis, style transfer and attacks). It keeps the images, the model's input they correspond to, the
 * loss history, optional snapshots and how it was made.
 *
 * <pre>{@code
 * Synthesis s = ClassVisualization.of(model).visualize(Target.classIndex(285));
 * ImageIO.write(s.image(), "png", new File("cat-class.png"));
 * System.out.println(s.history().get(s.history().size() - 1).terms());
 * }</pre>
 *
 * @param images      the optimized images in display form (RGB, the model's preprocessing undone; one per
 *                    image of the optimized batch, at least one)
 * @param input       the same images as the model's preprocessed input, {@code [N, C, H, W]} float32
 * @param history     every step in order (without snapshot images); for DeepDream over all octaves
 * @param snapshots   the images taken every k steps if asked (e.g. for an animated GIF), else empty
 * @param interrupted true if the run was stopped by its listener or by a thread interrupt before its last step
 * @param provenance  the method, its options (objective, steps, learning rate, regularizers …), the layer, the
 *                    seed and the model
 */
public record Synthesis(List<BufferedImage> images, Tensor input, List<OptimizationStep> history,
                        List<BufferedImage> snapshots, boolean interrupted, Provenance provenance) {

    /** Validates and copies. */
    public Synthesis {
        if (images == null || images.isEmpty()) {
            throw new IllegalArgumentException("a synthesis needs at least one image, got " + images);
        }
        if (input == null || provenance == null) {
            throw new IllegalArgumentException("input and provenance must not be null");
        }
        if (input.rank() != 4 || input.size(0) != images.size()) {
            throw new IllegalArgumentException("input must be [N, C, H, W] with N = " + images.size() + " images, got "
                    + java.util.Arrays.toString(input.shape()));
        }
        images = List.copyOf(images);
        history = history == null ? List.of() : history.stream().map(OptimizationStep::withoutSnapshot).toList();
        snapshots = snapshots == null ? List.of() : List.copyOf(snapshots);
    }

    /** @return the first (for a single run, the only) image. */
    public BufferedImage image() {
        return images.get(0);
    }

    /** @return the loss before each step, in order. */
    public double[] losses() {
        return history.stream().mapToDouble(OptimizationStep::loss).toArray();
    }

    /** @return the number of steps taken. */
    public int steps() {
        return (int) history.stream().filter(s -> s.step() > 0).count();
    }

    /**
     * One line for JShell and logs: the method and layer, the images' number and size, the steps and the loss
     * from the first step to the last, e.g.
     * {@code "Synthesis[Class visualization · fc_preact, 1 image 28x28, 60 steps, loss -0.412 -> -38.1]"}.
     *
     * @return the description (never the pixels)
     */
    @Override
    public String toString() {
        BufferedImage first = images.get(0);
        StringBuilder sb = new StringBuilder("Synthesis[").append(provenance.describe()).append(", ")
                .append(images.size()).append(images.size() == 1 ? " image " : " images ")
                .append(first.getWidth()).append('x').append(first.getHeight())
                .append(", ").append(steps()).append(steps() == 1 ? " step" : " steps");
        if (!history.isEmpty()) {
            sb.append(String.format(java.util.Locale.ROOT, ", loss %.4g -> %.4g", history.get(0).loss(),
                    history.get(history.size() - 1).loss()));
        }
        if (!snapshots.isEmpty()) {
            sb.append(", ").append(snapshots.size()).append(" snapshots");
        }
        if (interrupted) {
            sb.append(", interrupted");
        }
        return sb.append(']').toString();
    }
}
