package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Removes size-1 axes, ONNX {@code Squeeze}: e.g. {@code [N, C, 1, 1]} with {@code axes = [2, 3]} becomes
 * {@code [N, C]}. The gradient is the output gradient reshaped back. ONNX opset 13+ passes the axes as a
 * second (constant) input: the importer resolves it into {@code axes}; inputs after the first are ignored.
 *
 * @param axes the axes to remove (negative counts from the end), each of size 1; empty (or null) removes every
 *             size-1 axis (the ONNX default)
 */
public record Squeeze(int[] axes) implements Op, Graph.ShapeOnly {

    /** Validates and copies the axes. */
    public Squeeze {
        axes = axes == null ? new int[0] : axes.clone();
        if (Arrays.stream(axes).distinct().count() != axes.length) {
            throw new IllegalArgumentException("Squeeze axes must not repeat, found " + Arrays.toString(axes));
        }
    }

    /** A Squeeze removing every size-1 axis. */
    public Squeeze() {
        this(new int[0]);
    }

    @Override
    public int[] axes() {
        return axes.clone();
    }

    /** The output shape for an input shape. @throws IllegalArgumentException naming the axes and the shape */
    public long[] outputShape(long[] in) {
        boolean[] drop = new boolean[in.length];
        if (axes.length == 0) {
            for (int i = 0; i < in.length; i++) {
                drop[i] = in[i] == 1;
            }
        }
        for (int ax : axes) {
            int a = ax < 0 ? ax + in.length : ax;
            if (a < 0 || a >= in.length || drop[a] || in[a] != 1) {
                throw new IllegalArgumentException("Squeeze axes " + Arrays.toString(axes) + " must name distinct size-1 axes of shape "
                        + Arrays.toString(in) + "; axis " + ax + " does not");
            }
            drop[a] = true;
        }
        return java.util.stream.IntStream.range(0, in.length).filter(i -> !drop[i]).mapToLong(i -> in[i]).toArray();
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link #outputShape(long[])} of the first input (further inputs, the ONNX axes tensor, are ignored).
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Squeeze", in, 1, Integer.MAX_VALUE);
        return Shapes.output("Squeeze", outputShape(in[0]));
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Squeeze", in, 1, Integer.MAX_VALUE);
        return Reshape.copyAs(in[0], outputShape(in[0].shape()));
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray[] res = new INDArray[in.length];
        if (wanted[0]) {
            res[0] = Reshape.copyAs(g, in[0].shape());
        }
        return res;
    }

    @Override
    public String describe() {
        return axes.length == 0 ? "all size-1 axes" : "axes " + Arrays.toString(axes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Squeeze s && Arrays.equals(s.axes, axes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes);
    }

    @Override
    public String toString() {
        return "Squeeze[axes=" + Arrays.toString(axes) + "]";
    }
}
