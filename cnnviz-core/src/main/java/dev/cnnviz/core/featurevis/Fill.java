package dev.cnnviz.core.featurevis;

/**
 * What {@link RandomScale} and {@link RandomRotate} read where their bilinear sampling falls outside the image.
 * Both keep the map linear (no constant term), so the adjoint is exact.
 */
public enum Fill {
    /** The nearest edge pixel (sample coordinates clamped to the image); after a constant pad, that constant. */
    EDGE,
    /** Zero (as {@code tfa.image.rotate}'s default constant fill, which Lucid's {@code random_rotate} uses). */
    ZERO
}
