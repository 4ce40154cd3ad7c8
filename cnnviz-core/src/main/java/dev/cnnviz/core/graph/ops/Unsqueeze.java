package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Inserts size-1 axes, ONNX {@code Unsqueeze}: the output has rank {@code r + axes.length} and size 1 at each
 * of {@code axes}, which refer to the <em>output</em> (negative counts from its end); e.g. {@code [N, C]} with
 * {@code axes = [2, 3]} becomes {@code [N, C, 1, 1]}. The gradient is the output gradient reshaped back. ONNX
 * opset 13+ passes the axes as a second (constant) input: the importer resolves it into {@code axes}; inputs
 * after the first are ignored.
 *
 * @param axes the axes to insert, non-empty, distinct
 */
public record Unsqueeze(int[] axes) implements Op, Graph.ShapeOnly {

    /** Validates and copies the axes. */
    public Unsqueeze {
        if (axes == null || axes.length == 0) {
            throw new IllegalArgumentException("Unsqueeze needs at least one axis, found " + Arrays.toString(axes));
        }
        axes = axes.clone();
        if (Arrays.stream(axes).distinct().count() != axes.length) {
            throw new IllegalArgumentException("Unsqueeze axes must not repeat, found " + Arrays.toString(axes));
        }
    }

    @Override
    public int[] axes() {
        return axes.clone();
    }

    /** The output shape for an input shape. @throws IllegalArgumentException naming the axes and the shape */
    public long[] outputShape(long[] in) {
        int r = in.length + axes.length;
        boolean[] inserted = new boolean[r];
        for (int ax : axes) {
            int a = ax < 0 ? ax + r : ax;
            if (a < 0 || a >= r || inserted[a]) {
                throw new IllegalArgumentException("Unsqueeze axes " + Arrays.toString(axes) + " do not fit an output of rank " + r
                        + " for input shape " + Arrays.toString(in) + " (axis " + ax + ")");
            }
            inserted[a] = true;
        }
        long[] out = new long[r];
        int j = 0;
        for (int i = 0; i < r; i++) {
            out[i] = inserted[i] ? 1 : in[j++];
        }
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link #outputShape(long[])} of the first input (further inputs, the ONNX axes tensor, are ignored).
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Unsqueeze", in, 1, Integer.MAX_VALUE);
        return Shapes.output("Unsqueeze", outputShape(in[0]));
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Unsqueeze", in, 1, Integer.MAX_VALUE);
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
        return "axes " + Arrays.toString(axes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Unsqueeze u && Arrays.equals(u.axes, axes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes);
    }

    @Override
    public String toString() {
        return "Unsqueeze[axes=" + Arrays.toString(axes) + "]";
    }
}
