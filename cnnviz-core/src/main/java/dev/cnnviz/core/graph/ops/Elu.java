package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Exponential linear unit, ONNX {@code Elu}: {@code y = x} if {@code x > 0}, else {@code α·(exp(x) − 1)};
 * gradient {@code dx = dy} where {@code x > 0}, else {@code α·exp(x)·dy}.
 *
 * @param alpha the scale of the negative part, finite; ONNX (and Keras) default {@value #DEFAULT_ALPHA}
 */
public record Elu(double alpha) implements Op {
    /** The ONNX default. */
    public static final double DEFAULT_ALPHA = 1.0;

    /** Validates alpha. */
    public Elu {
        if (!Double.isFinite(alpha)) {
            throw new IllegalArgumentException("Elu alpha must be finite, found " + alpha);
        }
    }

    /** An Elu with alpha 1. */
    public Elu() {
        this(DEFAULT_ALPHA);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The shape of the input.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Shapes.same("Elu", in, 1);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Elu", in, 1, 1);
        INDArray x = in[0];
        // y = max(x, 0) + α·(exp(min(x, 0)) − 1)
        INDArray e = Transforms.min(x, 0.0, true);
        Transforms.exp(e, false);
        e.subi(1.0).muli(alpha);
        INDArray y = Transforms.max(x, 0.0, true);
        y.addi(e);
        OpSupport.release(e);
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        if (!wanted[0]) {
            return new INDArray[1];
        }
        INDArray x = in[0];
        // factor = [x > 0] + [x <= 0]·α·exp(min(x, 0))
        INDArray pos = Mul.mask(x.gt(0.0), x.dataType());
        INDArray e = Transforms.min(x, 0.0, true);
        Transforms.exp(e, false);
        INDArray notPos = pos.rsub(1.0);
        e.muli(alpha).muli(notPos).addi(pos);
        INDArray gx = g.mul(e);
        OpSupport.release(pos);
        OpSupport.release(notPos);
        OpSupport.release(e);
        return new INDArray[] {gx};
    }

    @Override
    public String describe() {
        return "alpha " + alpha;
    }
}
