package dev.cnnviz.core.featurevis;

import java.util.SplittableRandom;

/**
 * A random circular shift of the image by 0..d pixels down and right ({@code np.roll}), CS231n's class-visualization
 * jitter: the shape is kept and nothing is filled in, so its adjoint is the opposite shift. Package-private: used by
 * {@link ClassVisualization}.
 */
final class Roll implements ImageTransform {
    private final int d;

    Roll(int d) {
        if (d < 0) {
            throw new IllegalArgumentException("the jitter must be >= 0 pixels, found " + d);
        }
        this.d = d;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return Flat.imageShape(inputShape);
    }

    @Override
    public Sampled sample(SplittableRandom rng, long[] inputShape) {
        Flat.checkRng(rng);
        long[] shape = Flat.imageShape(inputShape);
        int h = (int) shape[2];
        int w = (int) shape[3];
        Shift s = new Shift(shape, h, w);
        s.redraw(rng);
        return s;
    }

    @Override
    public String toString() {
        return "roll(" + d + ")";
    }

    /**
     * One drawn shift. Besides the {@code double[]} forms, it moves values between a double image and a float32 model
     * input in the same pass as the shift ({@link #forwardInto}, {@link #backwardFrom}), which is how
     * {@link SynthesisEngine} runs class visualization: one pass each way instead of three.
     */
    final class Shift extends Sampled {
        private final int h;
        private final int w;
        private int dy;
        private int dx;

        private Shift(long[] shape, int h, int w) {
            super(shape, shape);
            this.h = h;
            this.w = w;
        }

        @Override
        protected void draw(SplittableRandom r) {
            dy = r.nextInt(d + 1);
            dx = r.nextInt(d + 1);
        }

        @Override
        protected void apply(double[] x, double[] y) {
            shift(x, y, dy, dx);
        }

        @Override
        protected void adjoint(double[] gy, double[] gx) {
            shift(gy, gx, -dy, -dx);
        }

        /** {@code y = roll(x)}, narrowed to float32, written into {@code y} (a plain buffer of {@code inLength}). */
        synchronized void forwardInto(double[] x, java.nio.FloatBuffer y) {
            Flat.checkLength(x, inLength, "the transform's input");
            RolledCopy.toFloats(x, y, h, w, dy, dx);
        }

        /**
         * The adjoint from a float32 gradient, widened, in one pass: {@code negGx = −rollᵀ(gy)}, and
         * {@code gx = rollᵀ(gy)} too unless it is null.
         */
        synchronized void backwardFrom(java.nio.FloatBuffer gy, double[] negGx, double[] gx) {
            Flat.checkLength(negGx, inLength, "the transform's input gradient");
            RolledCopy.fromFloats(gy, negGx, gx, h, w, dy, dx);
        }

        private void shift(double[] from, double[] to, int sy, int sx) {
            int plane = h * w;
            // row i goes to row (i + sy) mod h; within a row, columns [0, w - s) move right by s = sx mod w
            // and the last s columns wrap to the front: two block copies per row, no per-element modulo
            int s = Math.floorMod(sx, w);
            for (int p = 0; p < from.length / plane; p++) {
                int off = p * plane;
                for (int i = 0; i < h; i++) {
                    int src = off + i * w;
                    int dst = off + Math.floorMod(i + sy, h) * w;
                    System.arraycopy(from, src, to, dst + s, w - s);
                    System.arraycopy(from, src + w - s, to, dst, s);
                }
            }
        }

        @Override
        public String toString() {
            return "roll(" + d + ": dy=" + dy + ", dx=" + dx + ")";
        }
    }
}
