package dev.cnnviz.core.featurevis;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Transforms applied one after the other (Lucid's {@code transform.compose}); a draw draws each step in order from
 * the same generator. The backward runs the steps' adjoints in reverse order. The intermediate images live in
 * buffers held by the sampled transform, reused by {@link Sampled#redraw}.
 * <pre>{@code
 * ImageTransform t = Compose.of(Pad.constant(12, 0.5), Jitter.of(8), RandomRotate.of(-5, 0, 5));
 * }</pre>
 */
public final class Compose implements ImageTransform {
    private final List<ImageTransform> steps;

    private Compose(List<ImageTransform> steps) {
        this.steps = steps;
    }

    /** @param steps the transforms, first applied first (at least one; none null) */
    public static Compose of(ImageTransform... steps) {
        if (steps == null || steps.length == 0) {
            throw new IllegalArgumentException("compose needs at least one transform, found none");
        }
        return of(List.of(checked(steps)));
    }

    /** @param steps the transforms, first applied first (at least one; none null) */
    public static Compose of(List<ImageTransform> steps) {
        if (steps == null || steps.isEmpty()) {
            throw new IllegalArgumentException("compose needs at least one transform, found none");
        }
        return new Compose(List.of(checked(steps.toArray(new ImageTransform[0]))));
    }

    private static ImageTransform[] checked(ImageTransform[] steps) {
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] == null) {
                throw new IllegalArgumentException("transform " + i + " of " + steps.length + " is null");
            }
        }
        return steps;
    }

    /** @return the steps, first applied first */
    public List<ImageTransform> steps() {
        return steps;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        long[] s = Flat.imageShape(inputShape);
        for (ImageTransform t : steps) {
            s = t.outputShape(s);
        }
        return s;
    }

    @Override
    public Sampled sample(SplittableRandom rng, long[] inputShape) {
        Flat.checkRng(rng);
        long[] out = outputShape(inputShape);
        List<Sampled> drawn = new ArrayList<>();
        long[] s = inputShape;
        for (ImageTransform t : steps) {
            Sampled d = t.sample(rng, s);
            drawn.add(d);
            s = d.outputShape();
        }
        return new Chain(inputShape, out, drawn);
    }

    @Override
    public String toString() {
        return "compose" + steps;
    }

    /** The drawn steps and the intermediate images between them. */
    private static final class Chain extends Sampled {
        private final Sampled[] parts;
        private final double[][] between;

        Chain(long[] in, long[] out, List<Sampled> parts) {
            super(in, out);
            this.parts = parts.toArray(new Sampled[0]);
            this.between = new double[this.parts.length - 1][];
            for (int i = 0; i < between.length; i++) {
                between[i] = new double[Flat.length(this.parts[i].outputShape(), "an intermediate shape")];
            }
        }

        @Override
        protected void draw(SplittableRandom rng) {
            for (Sampled p : parts) {
                p.redraw(rng);
            }
        }

        @Override
        protected void apply(double[] x, double[] y) {
            double[] from = x;
            for (int i = 0; i < parts.length; i++) {
                double[] to = i == parts.length - 1 ? y : between[i];
                parts[i].forward(from, to);
                from = to;
            }
        }

        @Override
        protected void adjoint(double[] gy, double[] gx) {
            double[] from = gy;
            for (int i = parts.length - 1; i >= 0; i--) {
                double[] to = i == 0 ? gx : between[i - 1];
                parts[i].backward(from, to);
                from = to;
            }
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            for (Sampled p : parts) {
                b.append(b.length() == 0 ? "" : " -> ").append(p);
            }
            return b.toString();
        }
    }
}
