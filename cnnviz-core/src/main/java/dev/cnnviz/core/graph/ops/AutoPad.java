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
     * @throws ArithmeticException when a SAME padding does not fit an int
     */
    public int[] resolve(int in, int kernel, int stride, int dilation, int explicitBegin, int explicitEnd) {
        long[] p = resolve((long) in, kernel, stride, dilation, explicitBegin, explicitEnd);
        return new int[] {Math.toIntExact(p[0]), Math.toIntExact(p[1])};
    }

    /**
     * Resolves the padding of one spatial dimension of any length, in {@code long} arithmetic.
     *
     * @return {begin, end}
     */
    public long[] resolve(long in, long kernel, long stride, long dilation, long explicitBegin, long explicitEnd) {
        switch (this) {
            case VALID:
                return new long[] {0, 0};
            case SAME_UPPER:
            case SAME_LOWER: {
                long effK = Math.addExact(Math.multiplyExact(kernel - 1, dilation), 1);
                long out = (in + stride - 1) / stride;
                long total = Math.max(Math.addExact(Math.multiplyExact(out - 1, stride), effK) - in, 0);
                long small = total / 2;
                return this == SAME_UPPER ? new long[] {small, total - small} : new long[] {total - small, small};
            }
            default:
                return new long[] {explicitBegin, explicitEnd};
        }
    }
}
