package dev.cnnviz.core.featurevis;

/**
 * The naive parameterization: one parameter per pixel and channel, the image is the vector itself
 * (Lucid's {@code pixel_image}). Wrap it with {@link ValidRgb#sigmoid} or {@link ValidRgb#clip} to stay in [0, 1]:
 * <pre>{@code
 * ImageParameterization pixels = ValidRgb.sigmoid(PixelParameterization.of(1, 3, 224, 224));
 * }</pre>
 * Parameters are laid out as the image, [N, C, H, W] row-major; the Jacobian is the identity.
 */
public final class PixelParameterization extends BaseParameterization {
    private PixelParameterization(long[] shape) {
        super(shape);
    }

    /**
     * @param n images in the batch
     * @param c channels (3 for RGB; any for the raw map)
     * @param h height
     * @param w width
     * @return the identity parameterization of [n, c, h, w] images
     */
    public static PixelParameterization of(int n, int c, int h, int w) {
        return new PixelParameterization(shapeOf(n, c, h, w));
    }

    @Override
    public int size() {
        return imageLength;
    }

    @Override
    void forward(double[] p, double[] out) {
        System.arraycopy(p, 0, out, 0, imageLength);
    }

    @Override
    void vjp(double[] p, double[] gradImage, double[] gradP) {
        System.arraycopy(gradImage, 0, gradP, 0, imageLength);
    }

    @Override
    public String toString() {
        return "pixels" + java.util.Arrays.toString(shape);
    }
}
