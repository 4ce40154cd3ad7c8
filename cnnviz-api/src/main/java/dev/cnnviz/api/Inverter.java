package dev.cnnviz.api;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reconstructs an image from a layer's code: finds {@code x} whose activation at the layer matches the given
 * image's, under natural-image priors (Mahendran &amp; Vedaldi 2015). Implementations are immutable, seeded and
 * may be used from several threads at once.
 *
 * <pre>{@code
 * Synthesis r = FeatureInversion.of(model).invert(ImageIO.read(new File("cat.jpg")), "relu_conv1_1");
 * }</pre>
 *
 * <p>Failures as in {@link Attribution}: an unknown layer is an {@link IllegalArgumentException} naming the closest
 * layers; a run over the memory budget a {@link ResourceLimitException}; a loss that becomes NaN or infinite a
 * {@link NonFiniteResultException}.
 */
public interface Inverter {

    /** @return the method's name, e.g. {@code "Feature inversion"}. */
    String name();

    /**
     * Inverts a preprocessed input's code at {@code layer}.
     *
     * @param input    {@code [C,H,W]} or {@code [1,C,H,W]} in the model's NCHW layout, already preprocessed
     * @param layer    the layer whose code is matched, as {@code summary} names it
     * @param listener told after every step; returning false stops the run, which returns what it has
     */
    Synthesis invertTensor(Tensor input, String layer, ProgressListener listener);

    /** Inverts an image (resized to the model's input size and preprocessed) at {@code layer}. */
    Synthesis invert(BufferedImage image, String layer, ProgressListener listener);

    /** Inverts an image at {@code layer}. */
    default Synthesis invert(BufferedImage image, String layer) {
        return invert(image, layer, ProgressListener.NONE);
    }

    /** Inverts a preprocessed input at {@code layer}. */
    default Synthesis invertTensor(Tensor input, String layer) {
        return invertTensor(input, layer, ProgressListener.NONE);
    }

    /**
     * Inverts an image file (PNG, JPEG) or a preprocessed tensor file ({@code .npy}) at {@code layer}.
     *
     * @throws IOException naming the file if it cannot be read
     */
    Synthesis invert(Path file, String layer) throws IOException;
}
