package dev.cnnviz.api;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * An attribution method bound to a model: which parts of an input matter for a target. One verb,
 * {@code explain}, in several input forms; implementations are immutable and may be used from several
 * threads at once.
 *
 * <pre>{@code
 * Explanation e = GradCam.of(model).explain(ImageIO.read(new File("cat.jpg")), 285);
 * List<Explanation> batch = Saliency.of(model).explainAll(images, List.of(Target.topClass()));
 * }</pre>
 *
 * <p>Failures: a caller mistake (an unknown layer, a class index out of range, a NaN input) is an
 * {@link IllegalArgumentException} naming the value; a request over the memory budget is a
 * {@link ResourceLimitException} (thrown before anything is allocated); a result that comes out NaN or infinite
 * is a {@link NonFiniteResultException}, never a silent NaN.
 */
public interface Attribution {

    /** @return the method's name, e.g. {@code "Grad-CAM"}. */
    String name();

    /**
     * Explains a batch of images, one target per image (or a single target for all).
     *
     * @param images  the images; each is resized to the model's input size and preprocessed
     * @param targets one target per image, or one for all
     */
    List<Explanation> explainAll(List<BufferedImage> images, List<Target> targets);

    /**
     * Explains a preprocessed input.
     *
     * @param input   {@code [C,H,W]} or {@code [N,C,H,W]} in the model's NCHW layout, already preprocessed
     * @param targets one target per example, or one for all
     */
    List<Explanation> explainTensor(Tensor input, List<Target> targets);

    /** Explains one image. */
    default Explanation explain(BufferedImage image, Target target) {
        return explainAll(List.of(image), List.of(target)).get(0);
    }

    /** Explains one image for class {@code classIndex} (its score before the softmax). */
    default Explanation explain(BufferedImage image, int classIndex) {
        return explain(image, Target.classIndex(classIndex));
    }

    /** Explains one image for its top-scoring class. */
    default Explanation explain(BufferedImage image) {
        return explain(image, Target.topClass());
    }

    /** Explains one preprocessed input ({@code [C,H,W]} or {@code [1,C,H,W]}). */
    default Explanation explain(Tensor input, Target target) {
        return explainTensor(input, List.of(target)).get(0);
    }

    /** Explains one preprocessed input for class {@code classIndex}. */
    default Explanation explain(Tensor input, int classIndex) {
        return explain(input, Target.classIndex(classIndex));
    }

    /**
     * Explains an image file (PNG, JPEG) or a preprocessed tensor file ({@code .npy}).
     *
     * @throws IOException naming the file if it cannot be read
     */
    Explanation explain(Path file, Target target) throws IOException;

    /** Explains an image or {@code .npy} file for class {@code classIndex}. */
    default Explanation explain(Path file, int classIndex) throws IOException {
        return explain(file, Target.classIndex(classIndex));
    }
}
