package dev.cnnviz.core.graph.ops;

/** ONNX {@code Resize} {@code nearest_mode}: how {@link Interpolation#NEAREST} rounds the input coordinate. */
public enum NearestMode {
    /** Round to nearest, halves down (ONNX default). */
    ROUND_PREFER_FLOOR,
    /** Round to nearest, halves up. */
    ROUND_PREFER_CEIL,
    /** Round down. */
    FLOOR,
    /** Round up. */
    CEIL
}
