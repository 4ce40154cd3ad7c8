package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Leaky rectified linear unit, ONNX {@code LeakyRelu}: {@code y = x} if {@code x > 0}, else {@code α·x};
 * gradient {@code dx = dy} where {@code x > 0}, else {@code α·dy} (so {@code α·dy} at {@code x = 0}, like
 * {@link Relu}'s zero gradient at the kink).
 *
 * @param alpha the slope for negative inputs, finite; ONNX default {@value #DEFAULT_ALPHA} (Keras' default
 *              is 0.3, DL4J's 0.01)
 */
public record LeakyRelu(double alpha) implements Op {
    /** The ONNX default slope. */
    public static final double DEFAULT_ALPHA = 0.01;

    /** Validates the slope. */
    public LeakyRelu {
        if (!Double.isFinite(alpha)) {
            throw new IllegalArgumentException("LeakyRelu alpha must be finite, found " + alpha);
        }
    }

    /** A LeakyRelu with the ONNX default slope 0.01. */
    public LeakyRelu() {
        this(DEFAULT_ALPHA);
    }

    /** The per-element factor {@code 1} where {@code x > 0}, else {@code α}. */
    private INDArray factor(INDArray x) {
        INDArray f = Mul.mask(x.gt(0.0), x.dataType());
        return f.muli(1.0 - alpha).addi(alpha);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The shape of the input.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Shapes.same("LeakyRelu", in, 1);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("LeakyRelu", in, 1, 1);
        INDArray f = factor(in[0]);
        INDArray y = in[0].mul(f);
        OpSupport.release(f);
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        if (!wanted[0]) {
            return new INDArray[1];
        }
        INDArray f = factor(in[0]);
        INDArray gx = g.mul(f);
        OpSupport.release(f);
        return new INDArray[] {gx};
    }

    @Override
    public String describe() {
        return "alpha " + alpha;
    }
}
