package dev.cnnviz.core.graph.ops;

/** ONNX {@code Resize} {@code mode} (the spatial interpolation of {@link Resize}). */
public enum Interpolation {
    /** Nearest neighbour, rounded as the {@link NearestMode} says. */
    NEAREST,
    /** Linear per axis (bilinear on images), clamped to the border. */
    LINEAR
}
