package dev.cnnviz.core.embedding;

/**
 * How a layer's activation of one example becomes a vector: a spatial map {@code [C, H, W]} is flattened to
 * {@code C*H*W} values or pooled over its positions to {@code C}; a vector {@code [D]} (a dense layer) is kept as is.
 */
public enum Pooling {
    /** All values, in {@code C, H, W} order. */
    FLATTEN,
    /** The mean of each channel over its positions (global average pooling). */
    AVERAGE,
    /** The maximum of each channel over its positions (global max pooling). */
    MAX
}
