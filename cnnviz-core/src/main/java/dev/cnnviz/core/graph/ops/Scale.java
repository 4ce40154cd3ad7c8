package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Affine rescaling by constants, {@code y = scale · x + shift}; gradient {@code dx = scale · dy}. Stands for
 * ONNX's legacy {@code Affine} and {@code ImageScaler} (with a single bias; per-channel biases are an
 * {@link Add} of a constant) and for fixed input normalisation such as {@code x / 255}.
 *
 * @param scale the factor, finite; default 1
 * @param shift the offset, finite; default 0
 */
public record Scale(double scale, double shift) implements Op {

    /** Validates the constants. */
    public Scale {
        if (!Double.isFinite(scale) || !Double.isFinite(shift)) {
            throw new IllegalArgumentException("Scale scale and shift must be finite, found scale " + scale + ", shift " + shift);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The shape of the input.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Shapes.same("Scale", in, 1);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Scale", in, 1, 1);
        return in[0].mul(scale).addi(shift);
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        return new INDArray[] {wanted[0] ? g.mul(scale) : null};
    }

    @Override
    public String describe() {
        return "scale " + scale + " shift " + shift;
    }
}
