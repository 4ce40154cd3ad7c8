package dev.cnnviz.core.featurevis;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every parameterization of this package shares: the shape and size, checks of lengths, Lucid's initial noise,
 * and the INDArray forms of {@link #image} and {@link #backward} over a flat buffer held by the instance.
 */
abstract class BaseParameterization implements ImageParameterization {
    final long[] shape;
    final int imageLength;
    private double[] buffer;

    BaseParameterization(long[] shape) {
        this.imageLength = Flat.length(shape, "the image shape");
        this.shape = shape.clone();
    }

    @Override
    public final long[] imageShape() {
        return shape.clone();
    }

    @Override
    public double[] initial(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] p = new double[size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = INITIAL_STD * rng.nextGaussian();
        }
        return p;
    }

    @Override
    public final synchronized void image(double[] p, double[] out) {
        Flat.checkLength(p, size(), "the parameter vector");
        Flat.checkLength(out, imageLength, "the image array");
        forward(p, out);
    }

    @Override
    public final synchronized void backward(double[] p, double[] gradImage, double[] gradP) {
        Flat.checkLength(p, size(), "the parameter vector");
        Flat.checkLength(gradImage, imageLength, "the image gradient");
        Flat.checkLength(gradP, size(), "the parameter gradient");
        vjp(p, gradImage, gradP);
    }

    @Override
    public final synchronized void image(double[] p, INDArray out) {
        Flat.checkShape(out, shape, "the image array");
        Flat.checkLength(p, size(), "the parameter vector");
        double[] b = buffer();
        forward(p, b);
        Flat.write(b, out);
    }

    @Override
    public final synchronized void backward(double[] p, INDArray gradImage, double[] gradP) {
        Flat.checkShape(gradImage, shape, "the image gradient");
        Flat.checkLength(p, size(), "the parameter vector");
        Flat.checkLength(gradP, size(), "the parameter gradient");
        double[] b = buffer();
        Flat.read(gradImage, b);
        vjp(p, b, gradP);
    }

    private double[] buffer() {
        if (buffer == null) {
            buffer = new double[imageLength];
        }
        return buffer;
    }

    /** The images for {@code p} (lengths checked; called with the instance's lock held). */
    abstract void forward(double[] p, double[] out);

    /** dL/dp for dL/dImage (lengths checked; {@code gradImage} must not be modified; lock held). */
    abstract void vjp(double[] p, double[] gradImage, double[] gradP);

    /** Checks that a channel count is 3, for the colour steps. */
    static void requireRgb(long[] shape, String what) {
        if (shape[1] != 3) {
            throw new IllegalArgumentException(what + " needs 3 (RGB) channels, found " + shape[1] + " in shape "
                    + java.util.Arrays.toString(shape));
        }
    }

    /** Checks the sizes of a batch. */
    static long[] shapeOf(int n, int c, int h, int w) {
        long[] s = {n, c, h, w};
        Flat.length(s, "the image shape [N, C, H, W]");
        return s;
    }
}
