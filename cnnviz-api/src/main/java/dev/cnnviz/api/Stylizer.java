package dev.cnnviz.api;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Renders a content image in the style of one or several style images: by optimization (Gatys et al. 2016), by a
 * trained feed-forward network (Johnson et al. 2016) or by adaptive instance normalization (Huang &amp; Belongie
 * 2017). Implementations are immutable (options are {@code withX} copies), seeded where they draw random numbers
 * (the same seed gives the same image bit for bit) and may be used from several threads at once.
 *
 * <pre>{@code
 * Stylization a = GatysStyle.of(lossModel).stylize(photo, starryNight);
 * Stylization b = GatysStyle.of(lossModel).stylize(photo,
 *         WeightedStyle.blend(List.of(starryNight, scream), 0.7, 0.3), step -> true);
 * Stylization c = FeedForwardStyle.load(Path.of("candy.onnx")).stylize(photo);   // its style is in its weights
 * }</pre>
 *
 * <p>A stylizer whose style is fixed by its weights ({@link #fixedStyle()} true) takes no style image: it is
 * called with an empty list (or {@link #stylize(BufferedImage)}) and refuses style images with an
 * {@link IllegalArgumentException}. The others need at least one. Failures as in {@link Attribution}: caller mistakes
 * are {@link IllegalArgumentException}s naming the value (an unknown layer with the closest names), a run over the
 * memory budget a {@link ResourceLimitException}, a loss that becomes NaN or infinite a
 * {@link NonFiniteResultException}.
 */
public interface Stylizer {

    /** @return the method's name, e.g. {@code "Gatys style transfer"}. */
    String name();

    /** @return true if the style is fixed by the stylizer's weights and no style image is taken. */
    default boolean fixedStyle() {
        return false;
    }

    /**
     * Stylizes {@code content} with a blend of styles, reporting every step.
     *
     * @param content  the content image (RGB; sized as the implementation documents)
     * @param styles   the style images with their relative weights; empty exactly when {@link #fixedStyle()}
     * @param listener told after every optimization step; returning false stops the run, which returns what it has
     * @return the stylized image with its history and provenance
     */
    Stylization stylize(BufferedImage content, List<WeightedStyle> styles, ProgressListener listener);

    /** Stylizes {@code content} in the style of {@code style}. */
    default Stylization stylize(BufferedImage content, BufferedImage style) {
        return stylize(content, List.of(new WeightedStyle(style, 1.0)), ProgressListener.NONE);
    }

    /** Stylizes {@code content} in the style of {@code style}, reporting every step. */
    default Stylization stylize(BufferedImage content, BufferedImage style, ProgressListener listener) {
        return stylize(content, List.of(new WeightedStyle(style, 1.0)), listener);
    }

    /** Stylizes {@code content} with a blend of styles. */
    default Stylization stylize(BufferedImage content, List<WeightedStyle> styles) {
        return stylize(content, styles, ProgressListener.NONE);
    }

    /** Stylizes {@code content} with a stylizer whose style is fixed ({@link #fixedStyle()}). */
    default Stylization stylize(BufferedImage content) {
        return stylize(content, List.of(), ProgressListener.NONE);
    }
}
