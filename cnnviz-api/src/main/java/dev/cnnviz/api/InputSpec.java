package dev.cnnviz.api;

/**
 * What a model takes as input: one image batch of {@code [N, channels, height, width]} (cnnviz always
 * computes in NCHW), the layout of the original framework, and how pixels are preprocessed.
 *
 * <p>Example: {@code new InputSpec(3, 224, 224, Layout.NHWC, Preprocessing.caffeBgr(104, 117, 123))}.
 *
 * @param channels      input channels, at least 1
 * @param height        input height in pixels, at least 1
 * @param width         input width in pixels, at least 1
 * @param originalLayout layout of the original model ({@link Layout#NHWC} for channels_last Keras models)
 * @param preprocessing pixel preprocessing; its channel count must equal {@code channels}
 */
public record InputSpec(int channels, int height, int width, Layout originalLayout, Preprocessing preprocessing) {

    /** Validates the sizes and that the preprocessing fits the channel count. */
    public InputSpec {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("input sizes must be positive, found channels=" + channels
                    + " height=" + height + " width=" + width);
        }
        if (originalLayout == null || preprocessing == null) {
            throw new IllegalArgumentException("layout and preprocessing must not be null");
        }
        if (preprocessing.order().channels() != channels) {
            throw new IllegalArgumentException("preprocessing " + preprocessing.order() + " has "
                    + preprocessing.order().channels() + " channel(s) but the model takes " + channels);
        }
    }

    /** @return the NCHW shape of a batch of {@code n} inputs. */
    public long[] batchShape(int n) {
        return new long[] {n, channels, height, width};
    }

    /** Returns a copy with other preprocessing. */
    public InputSpec withPreprocessing(Preprocessing p) {
        return new InputSpec(channels, height, width, originalLayout, p);
    }

    @Override
    public String toString() {
        return "[N," + channels + "," + height + "," + width + "] NCHW (original " + originalLayout + "), " + preprocessing;
    }
}
