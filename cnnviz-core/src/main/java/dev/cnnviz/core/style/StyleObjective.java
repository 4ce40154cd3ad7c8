package dev.cnnviz.core.style;

import dev.cnnviz.core.optim.DifferentiableFunction;
import java.util.Map;

/**
 * The loss of one style transfer ({@link GatysStyle#objective}) as a function of the image's RGB pixels in 0..255
 * ({@code [3, H, W]} planes, row-major, as doubles): one {@link #evaluate} is one forward pass of the loss network to
 * its deepest loss layer, the losses, and one backward pass to the image. Holds native buffers: close it. Not for
 * use by several threads at once.
 *
 * <pre>{@code
 * try (StyleObjective f = GatysStyle.of(squeezenet).objective(photo, List.of(new WeightedStyle(starryNight, 1)))) {
 *     double[] u = f.start();
 *     double[] g = new double[u.length];
 *     double loss = f.evaluate(u, g);
 *     Map<String, Double> terms = f.terms(loss);     // content, style:<layer>..., tv, range
 * }
 * }</pre>
 */
public final class StyleObjective implements DifferentiableFunction, AutoCloseable {
    private final StyleEngine.Problem problem;
    private final float[] start;
    private final int height;
    private final int width;

    StyleObjective(StyleEngine.Problem problem, float[] start, int height, int width) {
        this.problem = problem;
        this.start = start;
        this.height = height;
        this.width = width;
    }

    /** @return a copy of the starting point (the content image, or noise), {@code 3·H·W} values */
    public double[] start() {
        double[] d = new double[start.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = start[i];
        }
        return d;
    }

    /** @return the image height H */
    public int height() {
        return height;
    }

    /** @return the image width W */
    public int width() {
        return width;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the arrays are not {@code 3·H·W} long
     */
    @Override
    public double evaluate(double[] x, double[] gradient) {
        if (x == null || gradient == null || x.length != start.length || gradient.length != start.length) {
            throw new IllegalArgumentException("a style objective takes 3*" + height + "*" + width + " = "
                    + start.length + " values and as many gradient entries, found "
                    + (x == null ? "null" : x.length) + " and " + (gradient == null ? "null" : gradient.length));
        }
        return problem.evaluate(x, gradient);
    }

    /** @return the named terms of the recent evaluation that returned {@code loss} ({@code {"loss": loss}} if none) */
    public Map<String, Double> terms(double loss) {
        return problem.terms(loss);
    }

    @Override
    public void close() {
        problem.close();
    }
}
