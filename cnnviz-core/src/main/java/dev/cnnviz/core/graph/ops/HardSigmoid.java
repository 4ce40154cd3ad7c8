package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Hard sigmoid, ONNX {@code HardSigmoid}: {@code y = max(0, min(1, α·x + β))} (Keras' {@code hard_sigmoid}
 * uses the ONNX defaults α = 0.2, β = 0.5).
 *
 * <p>Gradient {@code dx = α · dy · [0 ≤ α·x + β ≤ 1]}: at the two kinks the gradient passes, the same
 * convention as {@link Clip} (Keras computes the function with {@code clip_by_value}).
 *
 * @param alpha the slope, finite; default {@value #DEFAULT_ALPHA}
 * @param beta  the offset, finite; default {@value #DEFAULT_BETA}
 */
public record HardSigmoid(double alpha, double beta) implements Op {
    /** The ONNX default slope. */
    public static final double DEFAULT_ALPHA = 0.2;
    /** The ONNX default offset. */
    public static final double DEFAULT_BETA = 0.5;

    /** Validates the attributes. */
    public HardSigmoid {
        if (!Double.isFinite(alpha) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("HardSigmoid alpha and beta must be finite, found alpha " + alpha + ", beta " + beta);
        }
    }

    /** A HardSigmoid with the ONNX defaults α = 0.2, β = 0.5. */
    public HardSigmoid() {
        this(DEFAULT_ALPHA, DEFAULT_BETA);
    }

    private INDArray affine(INDArray x) {
        return x.mul(alpha).addi(beta);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The shape of the input.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Shapes.same("HardSigmoid", in, 1);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("HardSigmoid", in, 1, 1);
        INDArray z = Transforms.max(affine(in[0]), 0.0, false);
        return Transforms.min(z, 1.0, false);
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        if (!wanted[0]) {
            return new INDArray[1];
        }
        INDArray z = affine(in[0]);
        INDArray m = Clip.passMask(z, 0.0, 1.0);
        OpSupport.release(z);
        return new INDArray[] {m.muli(g).muli(alpha)};
    }

    @Override
    public String describe() {
        return "alpha " + alpha + " beta " + beta;
    }
}
