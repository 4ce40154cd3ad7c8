package dev.cnnviz.api;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;

/**
 * The result of a {@link Stylizer}: the stylized image(s), the same pixels unrounded, the loss history with its
 * named terms per step (empty for one-pass methods such as a feed-forward network or AdaIN), whether the run was
 * stopped early, and how it was made.
 *
 * <pre>{@code
 * Stylization s = GatysStyle.of(lossModel).stylize(photo, starryNight);
 * ImageIO.write(s.image(), "png", new File("photo-starry.png"));
 * s.history().forEach(step -> System.out.println(step.step() + " " + step.terms()));   // content, style:…, tv
 * }</pre>
 *
 * @param images      the stylized images, RGB, one per content image (at least one)
 * @param pixels      the same images unrounded, {@code [N, 3, H, W]} float32 RGB in 0..255 (what
 *                    {@code --save-npy} writes)
 * @param history     every step in order, terms by name (step k holds the loss before step k; a run of 0 steps
 *                    holds one step 0, the starting point); for a multi-scale run, over all scales; empty for
 *                    methods that do not optimize
 * @param interrupted true if the run was stopped by its listener or a thread interrupt before its last step
 * @param provenance  the method, its options (layers, weights, steps, optimizer, …), the seed and the loss model
 */
public record Stylization(List<BufferedImage> images, Tensor pixels, List<OptimizationStep> history,
                          boolean interrupted, Provenance provenance) {

    /** Validates and copies. */
    public Stylization {
        if (images == null || images.isEmpty()) {
            throw new IllegalArgumentException("a stylization needs at least one image, got " + images);
        }
        if (pixels == null || provenance == null) {
            throw new IllegalArgumentException("pixels and provenance must not be null");
        }
        if (pixels.rank() != 4 || pixels.size(0) != images.size() || pixels.size(1) != 3) {
            throw new IllegalArgumentException("pixels must be [N, 3, H, W] with N = " + images.size()
                    + " images, got " + Arrays.toString(pixels.shape()));
        }
        for (int i = 0; i < images.size(); i++) {
            BufferedImage im = images.get(i);
            if (im == null) {
                throw new IllegalArgumentException("image " + i + " of a stylization is null");
            }
            if (im.getHeight() != pixels.size(2) || im.getWidth() != pixels.size(3)) {
                throw new IllegalArgumentException("image " + i + " is " + im.getWidth() + "x" + im.getHeight()
                        + " but the pixels are " + Arrays.toString(pixels.shape()) + " ([N, 3, H, W])");
            }
        }
        if (history != null && history.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("the history of a stylization must not contain null steps");
        }
        images = List.copyOf(images);
        history = history == null ? List.of() : history.stream().map(OptimizationStep::withoutSnapshot).toList();
    }

    /** @return the first (for a single content image, the only) image. */
    public BufferedImage image() {
        return images.get(0);
    }

    /** @return the loss before each step, in order (empty for one-pass methods). */
    public double[] losses() {
        return history.stream().mapToDouble(OptimizationStep::loss).toArray();
    }

    /**
     * @param name a term's name, e.g. {@code "style"} or {@code "content"}
     * @return that term at every step of the history that has it, in order
     */
    public double[] term(String name) {
        return history.stream().filter(s -> s.terms().containsKey(name)).mapToDouble(s -> s.terms().get(name)).toArray();
    }

    /** @return the number of optimization steps taken (0 for one-pass methods). */
    public int steps() {
        return (int) history.stream().filter(s -> s.step() > 0).count();
    }
}
