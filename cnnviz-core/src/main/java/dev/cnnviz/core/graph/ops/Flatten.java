package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Flatten to a matrix, ONNX {@code Flatten}: an input of shape {@code [d₀, …, dₙ₋₁]} becomes
 * {@code [d₀·…·d_{axis−1}, d_axis·…·dₙ₋₁]} in row-major order (an empty product is 1, so {@code axis = 0}
 * gives {@code [1, total]}). The gradient is the output gradient reshaped back.
 *
 * @param axis the first axis of the second output dimension, in {@code [-rank, rank]} (negative counts from
 *             the end); ONNX default {@value #DEFAULT_AXIS}, which keeps the batch dimension
 */
public record Flatten(int axis) implements Op, Graph.ShapeOnly {
    /** The ONNX default axis. */
    public static final int DEFAULT_AXIS = 1;

    /** A Flatten keeping the batch dimension ({@code axis = 1}). */
    public Flatten() {
        this(DEFAULT_AXIS);
    }

    /** The output shape for an input shape. @throws IllegalArgumentException naming the axis and shape */
    public long[] outputShape(long[] in) {
        int r = in.length;
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a > r) {
            throw new IllegalArgumentException("Flatten axis " + axis + " is out of range [" + (-r) + ", " + r + "] for shape "
                    + Arrays.toString(in));
        }
        return new long[] {Shapes.count(Arrays.copyOfRange(in, 0, a)), Shapes.count(Arrays.copyOfRange(in, a, r))};
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code [d₀·…·d_{axis−1}, d_axis·…·dₙ₋₁]} for the single input.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Flatten", in, 1, 1);
        return Shapes.output("Flatten", outputShape(in[0]));
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Flatten", in, 1, 1);
        return Reshape.copyAs(in[0], outputShape(in[0].shape()));
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        return new INDArray[] {wanted[0] ? Reshape.copyAs(g, in[0].shape()) : null};
    }

    @Override
    public String describe() {
        return axis == DEFAULT_AXIS ? "" : "axis " + axis;
    }
}
