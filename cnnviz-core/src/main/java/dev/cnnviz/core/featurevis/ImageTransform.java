package dev.cnnviz.core.featurevis;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A random image transform applied before the model at every optimization step, so that the visualization must
 * survive small shifts, scalings and rotations ("transformation robustness", Olah et al., "Feature Visualization",
 * Distill 2017; Lucid's {@code optvis/transform.py}). Each step {@linkplain #sample draws} one transform; the drawn
 * transform ({@link Sampled}) is an affine map of the image whose linear part is exact and whose
 * {@link Sampled#backward} is that linear part's adjoint, so gradients flow back to the image exactly.
 *
 * <p>Shapes: a transform's output shape depends only on its input shape and its settings, never on the random draw
 * ({@link #outputShape}); {@link StandardTransforms} ends with a centred crop back to the input's size, so that the
 * model sees one input shape for the whole run and its compiled oneDNN plan is reused every step.
 * Every sampled transform applies the same draw to all images of the batch (as Lucid).
 *
 * <pre>{@code
 * ImageTransform t = StandardTransforms.lucid();
 * SplittableRandom rng = new SplittableRandom(7);
 * ImageTransform.Sampled s = t.sample(rng, new long[] {1, 3, 224, 224});
 * for (int step = 0; step < 512; step++) {
 *     s.redraw(rng);                       // a new draw, reusing s's buffers
 *     s.forward(image, modelInput);         // [1, 3, 224, 224] -> [1, 3, 224, 224]
 *     // ... the model's gradient with respect to modelInput ...
 *     s.backward(gradModelInput, gradImage);
 * }
 * }</pre>
 *
 * <p>Implementations: {@link Pad}, {@link Jitter}, {@link RandomScale}, {@link RandomRotate}, {@link CropOrPad},
 * {@link Compose}, {@link StandardTransforms}. They are immutable and thread-safe; a {@link Sampled} holds the
 * buffers it works in and synchronizes on itself.
 */
public interface ImageTransform {
    /**
     * @param inputShape [N, C, H, W]
     * @return the shape of the output for that input (the same for every draw)
     * @throws IllegalArgumentException if the transform cannot take that shape (naming it)
     */
    long[] outputShape(long[] inputShape);

    /**
     * Draws one transform.
     *
     * @param rng        the source of the draw (consumed; the same state gives the same draw)
     * @param inputShape [N, C, H, W]
     * @return the drawn transform, with its buffers
     */
    Sampled sample(SplittableRandom rng, long[] inputShape);

    /**
     * One drawn transform: {@code y = A x + b} from {@link #inputShape()} to {@link #outputShape()} (b is nonzero only
     * where a constant is filled in, as {@link Pad#constant}), and its adjoint {@code gx = Aᵀ gy}. Arrays are flat
     * NCHW, row-major, in {@code double[]} or INDArray (FLOAT or DOUBLE). Methods synchronize on the instance.
     */
    abstract class Sampled {
        private final long[] inShape;
        private final long[] outShape;
        /** Number of values of the input. */
        protected final int inLength;
        /** Number of values of the output. */
        protected final int outLength;
        private double[] inBuffer;
        private double[] outBuffer;

        /**
         * @param inShape  the input's [N, C, H, W]
         * @param outShape the output's [N, C, H, W]
         */
        protected Sampled(long[] inShape, long[] outShape) {
            this.inLength = Flat.length(inShape, "the transform's input shape");
            this.outLength = Flat.length(outShape, "the transform's output shape");
            this.inShape = inShape.clone();
            this.outShape = outShape.clone();
        }

        /** @return the input's shape [N, C, H, W] (a copy) */
        public final long[] inputShape() {
            return inShape.clone();
        }

        /** @return the output's shape [N, C, H, W] (a copy) */
        public final long[] outputShape() {
            return outShape.clone();
        }

        /** Draws again from {@code rng}, as {@link ImageTransform#sample} would, reusing this object's buffers. */
        public final synchronized void redraw(SplittableRandom rng) {
            if (rng == null) {
                throw new IllegalArgumentException("the random generator is null");
            }
            draw(rng);
        }

        /**
         * @param x the input ({@code inLength} values, not modified)
         * @param y receives the output ({@code outLength} values, overwritten; another array than {@code x})
         */
        public final synchronized void forward(double[] x, double[] y) {
            Flat.checkLength(x, inLength, "the transform's input");
            Flat.checkLength(y, outLength, "the transform's output");
            distinct(x, y);
            apply(x, y);
        }

        /**
         * @param gradOut dL/dy ({@code outLength} values, not modified)
         * @param gradIn  receives dL/dx = Aᵀ dL/dy ({@code inLength} values, overwritten; another array than
         *                {@code gradOut})
         */
        public final synchronized void backward(double[] gradOut, double[] gradIn) {
            Flat.checkLength(gradOut, outLength, "the transform's output gradient");
            Flat.checkLength(gradIn, inLength, "the transform's input gradient");
            distinct(gradOut, gradIn);
            adjoint(gradOut, gradIn);
        }

        /** {@link #forward(double[], double[])} on arrays of shapes {@link #inputShape()} and {@link #outputShape()}. */
        public final synchronized void forward(INDArray x, INDArray y) {
            Flat.checkShape(x, inShape, "the transform's input");
            Flat.checkShape(y, outShape, "the transform's output");
            buffers();
            Flat.read(x, inBuffer);
            apply(inBuffer, outBuffer);
            Flat.write(outBuffer, y);
        }

        /** {@link #backward(double[], double[])} on arrays of shapes {@link #outputShape()} and {@link #inputShape()}. */
        public final synchronized void backward(INDArray gradOut, INDArray gradIn) {
            Flat.checkShape(gradOut, outShape, "the transform's output gradient");
            Flat.checkShape(gradIn, inShape, "the transform's input gradient");
            buffers();
            Flat.read(gradOut, outBuffer);
            adjoint(outBuffer, inBuffer);
            Flat.write(inBuffer, gradIn);
        }

        private static void distinct(double[] from, double[] to) {
            if (from == to) {
                throw new IllegalArgumentException("a transform cannot write into the array it reads; give it another");
            }
        }

        private void buffers() {
            if (inBuffer == null) {
                inBuffer = new double[inLength];
                outBuffer = new double[outLength];
            }
        }

        /** Draws the random parameters (called by {@link #redraw} with the lock held, and by implementations). */
        protected abstract void draw(SplittableRandom rng);

        /** {@code y = A x + b} (lengths checked; {@code x} must not be modified). */
        protected abstract void apply(double[] x, double[] y);

        /** {@code gx = Aᵀ gy}, overwriting {@code gx} (lengths checked; {@code gy} must not be modified). */
        protected abstract void adjoint(double[] gy, double[] gx);

        /** @return the transform and its draw, e.g. {@code jitter(8: dy=3, dx=5)} */
        @Override
        public abstract String toString();
    }
}
