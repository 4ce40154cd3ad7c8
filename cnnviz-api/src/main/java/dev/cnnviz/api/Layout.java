package dev.cnnviz.api;

/**
 * The memory layout in which a model's original framework expects image batches.
 *
 * <p>cnnviz graphs always compute in {@link #NCHW}; the layout of the original model is recorded so that
 * raw tensors written for that framework (for example a Keras {@code [N,H,W,C]} array) can be converted.
 */
public enum Layout {
    /** Batch, channels, height, width: PyTorch, ONNX, Caffe, DL4J. */
    NCHW,
    /** Batch, height, width, channels: TensorFlow and Keras with {@code channels_last}. */
    NHWC
}
