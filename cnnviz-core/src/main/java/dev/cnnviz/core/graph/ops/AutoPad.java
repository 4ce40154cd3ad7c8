package dev.cnnviz.core.graph.ops;

/**
 * ONNX {@code auto_pad}: how a convolution or pooling pads its input.
 * {@code SAME_*} pad so that {@code out = ceil(in / stride)}; the odd extra pixel goes at the end for
 * {@link #SAME_UPPER} (TensorFlow/Keras "same") and at the beginning for {@link #SAME_LOWER}.
 */
public enum AutoPad {
    /** Use the explicit pads. */
    NOTSET,
    /** Pad to {@code ceil(in / stride)}, extra at the end. */
    SAME_UPPER,
    /** Pad to {@code ceil(in / stride)}, extra at the beginning. */
    SAME_LOWER,
    /** No padding. */
    VALID;

    /**
     * Resolves the padding of one spatial dimension.
     *
     * @return {begin, end}
     */
    public int[] resolve(int in, int kernel, int stride, int dilation, int explicitBegin, int explicitEnd) {
        switch (this) {
            case VALID:
                return new int[] {0, 0};
            case SAME_UPPER:
            case SAME_LOWER: {
                int effK = (kernel - 1) * dilation + 1;
                int out = (in + stride - 1) / stride;
                int total = Math.max((out - 1) * stride + effK - in, 0);
                int small = total / 2;
                return this == SAME_UPPER ? new int[] {small, total - small} : new int[] {total - small, small};
            }
            default:
                return new int[] {explicitBegin, explicitEnd};
        }
    }
}
