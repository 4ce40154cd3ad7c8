package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mean over axes, ONNX {@code ReduceMean}: {@code Y = (1/|S|) Σ_{i ∈ S} X[i]} over the positions {@code S}
 * along {@code axes}; e.g. {@code axes = [2, 3]} is global average pooling of an NCHW tensor. The gradient
 * spreads {@code dY / |S|} uniformly over the reduced positions.
 *
 * @param axes     the axes to reduce (negative counts from the end); empty (or null) reduces all axes (the
 *                 ONNX default)
 * @param keepDims whether reduced axes stay as size 1 (ONNX default {@code true}) or are removed
 */
public record ReduceMean(int[] axes, boolean keepDims) implements Op {

    /** Validates and copies the axes. */
    public ReduceMean {
        axes = axes == null ? new int[0] : axes.clone();
        if (Arrays.stream(axes).distinct().count() != axes.length) {
            throw new IllegalArgumentException("ReduceMean axes must not repeat, found " + Arrays.toString(axes));
        }
    }

    /** Global average pooling of an NCHW tensor keeping {@code [N, C, 1, 1]}. */
    public static ReduceMean globalPool() {
        return new ReduceMean(new int[] {2, 3}, true);
    }

    @Override
    public int[] axes() {
        return axes.clone();
    }

    /** The reduced axes for an input, sorted, in range. */
    private int[] resolve(INDArray x) {
        return resolve(x.shape());
    }

    /** The reduced axes for an input of this shape, sorted, in range. */
    private int[] resolve(long[] shape) {
        int r = shape.length;
        if (axes.length == 0) {
            return java.util.stream.IntStream.range(0, r).toArray();
        }
        int[] a = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            a[i] = Reshape.axis("ReduceMean", axes[i], r, shape);
        }
        Arrays.sort(a);
        for (int i = 1; i < a.length; i++) {
            if (a[i] == a[i - 1]) {
                throw new IllegalArgumentException("ReduceMean axes " + Arrays.toString(axes) + " name axis " + a[i]
                        + " twice for shape " + Arrays.toString(shape));
            }
        }
        return a;
    }

    private long[] keptShape(long[] in, int[] dims) {
        long[] s = in.clone();
        for (int d : dims) {
            s[d] = 1;
        }
        return s;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The input's shape with the reduced axes set to 1 ({@code keepDims}) or removed; reducing every axis without {@code keepDims} gives a scalar {@code []}.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("ReduceMean", in, 1, Integer.MAX_VALUE);
        int[] dims = resolve(in[0]);
        long[] kept = keptShape(in[0], dims);
        if (keepDims || dims.length == 0) {
            return Shapes.output("ReduceMean", kept);
        }
        return Shapes.output("ReduceMean", java.util.stream.IntStream.range(0, kept.length)
                .filter(i -> Arrays.binarySearch(dims, i) < 0).mapToLong(i -> kept[i]).toArray());
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("ReduceMean", in, 1, Integer.MAX_VALUE);
        INDArray x = in[0];
        int[] dims = resolve(x);
        if (dims.length == 0) {
            return x.dup('c');
        }
        INDArray m = x.mean(true, dims);
        long[] kept = keptShape(x.shape(), dims);
        long[] outShape = keepDims ? kept
                : java.util.stream.IntStream.range(0, kept.length).filter(i -> Arrays.binarySearch(dims, i) < 0)
                        .mapToLong(i -> kept[i]).toArray();
        INDArray out = Reshape.copyAs(m, outShape);
        OpSupport.release(m);
        return out;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray[] res = new INDArray[in.length];
        if (!wanted[0]) {
            return res;
        }
        INDArray x = in[0];
        int[] dims = resolve(x);
        long count = 1;
        for (int d : dims) {
            count *= x.size(d);
        }
        INDArray gk = Reshape.copyAs(g, keptShape(x.shape(), dims));
        res[0] = Mul.expand(gk, x.shape()).divi(count);
        OpSupport.release(gk);
        return res;
    }

    @Override
    public String describe() {
        return (axes.length == 0 ? "all axes" : "axes " + Arrays.toString(axes)) + (keepDims ? " keepdims" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReduceMean r && Arrays.equals(r.axes, axes) && r.keepDims == keepDims;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes) * 2 + (keepDims ? 1 : 0);
    }

    @Override
    public String toString() {
        return "ReduceMean[axes=" + Arrays.toString(axes) + ", keepDims=" + keepDims + "]";
    }
}
