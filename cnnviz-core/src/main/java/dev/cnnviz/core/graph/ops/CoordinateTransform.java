package dev.cnnviz.core.graph.ops;

/**
 * ONNX {@code Resize} {@code coordinate_transformation_mode}: the input coordinate {@code x_in} sampled for
 * output coordinate {@code x_out}, with {@code scale} the resize factor and {@code len_in}/{@code len_out}
 * the axis lengths.
 */
public enum CoordinateTransform {
    /** {@code x_in = (x_out + 0.5) / scale - 0.5} (ONNX default; PyTorch {@code align_corners=False}). */
    HALF_PIXEL,
    /** As {@link #HALF_PIXEL}, but {@code x_in = 0} when {@code len_out = 1}. */
    PYTORCH_HALF_PIXEL,
    /** {@code x_in = x_out · (len_in - 1) / (len_out - 1)}, and 0 when {@code len_out = 1}. */
    ALIGN_CORNERS,
    /** {@code x_in = x_out / scale} (ONNX {@code Upsample}, TensorFlow 1 without half-pixel centres). */
    ASYMMETRIC
}
