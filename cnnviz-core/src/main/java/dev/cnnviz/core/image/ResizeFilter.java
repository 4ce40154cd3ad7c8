package dev.cnnviz.core.image;

/**
 * How {@link ImageResize} interpolates. Both filters use half-pixel centres: output pixel {@code i} of an axis
 * resized from {@code in} to {@code out} samples sits at source coordinate
 * <pre>   centre(i) = (i + 0.5) * in / out      (pixel j covers [j, j + 1), its centre is j + 0.5)</pre>
 * The two differ only when shrinking; when enlarging (or keeping the size) they use identical weights.
 *
 * <pre>{@code
 * BufferedImage a = ImageResize.resize(photo, 224, 224, ResizeFilter.BILINEAR);
 * BufferedImage b = ImageResize.resize(photo, 224, 224, ResizeFilter.BILINEAR_ANTIALIAS);
 * }</pre>
 */
public enum ResizeFilter {
    /**
     * Plain bilinear interpolation between the two nearest source pixels, coordinates clamped to the image:
     * {@code s = clamp((i + 0.5) * in / out - 0.5, 0, in - 1)}, value {@code (1 - f) p[floor(s)] + f p[floor(s) + 1]}
     * with {@code f = s - floor(s)}. The same as OpenCV's {@code INTER_LINEAR}, PyTorch's
     * {@code interpolate(mode="bilinear", align_corners=False)} and torchvision's {@code resize(antialias=False)}.
     * When shrinking by more than 2× it skips source pixels and aliases.
     */
    BILINEAR,
    /**
     * Pillow's {@code Image.resize(size, Image.BILINEAR)}: a triangle (tent) filter whose support is stretched by
     * the shrink factor {@code s = max(in / out, 1)}, so every source pixel contributes (area-weighted
     * antialiasing). Weight of source pixel {@code j} for output {@code i}:
     * {@code w = max(0, 1 - |j + 0.5 - centre(i)| / s)} over {@code j} in
     * {@code [trunc(centre - s + 0.5), trunc(centre + s + 0.5))} clipped to the image, normalised to sum 1.
     * The same as torchvision's {@code resize(antialias=True)} (its default for PIL images and, since 0.17, for
     * tensors). The same weights as {@link #BILINEAR} when enlarging.
     *
     * <p>On 8-bit images ({@link ImageResize#resize(java.awt.image.BufferedImage, int, int, ResizeFilter)}) this
     * filter also copies Pillow's integer arithmetic (22-bit fixed-point weights, rows first, rounded to 8 bits
     * between the two passes), so the result is bit-identical to Pillow's; on float data
     * ({@link ImageResize#resizePlanes}) it is computed in double precision.
     */
    BILINEAR_ANTIALIAS
}
