package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Softmax, ONNX {@code Softmax}: {@code y_i = exp(x_i - max x) / Σ_j exp(x_j - max x)};
 * gradient {@code dx = y ⊙ (dy - Σ_j dy_j y_j)}.
 *
 * <p>With {@code coerce2d} (ONNX opsets before 13) the input is viewed as a matrix
 * {@code [prod(dims < axis), prod(dims >= axis)]} and normalised along its rows; otherwise (opset 13+) the
 * softmax runs along {@code axis} alone. A graph's class scores are the input of its final softmax.
 *
 * @param axis     the axis, negative counts from the end; default 1 (opset &lt; 13) or -1 (opset 13+)
 * @param coerce2d whether to use the pre-opset-13 "flatten from axis" semantics
 */
public record Softmax(int axis, boolean coerce2d) implements Op {

    /** Softmax over the channel axis of a {@code [N, classes]} or {@code [N, classes, 1, 1]} tensor. */
    public static Softmax classes() {
        return new Softmax(1, true);
    }

    private int resolve(INDArray x) {
        return resolveAxis("Softmax", axis, x);
    }

    private INDArray view(INDArray x, int a) {
        return normalisedView(x, a, coerce2d);
    }

    /** The non-negative axis, or an error naming {@code what} and the shape. Shared with {@link LogSoftmax}. */
    static int resolveAxis(String what, int axis, INDArray x) {
        int a = axis < 0 ? axis + x.rank() : axis;
        if (a < 0 || a >= x.rank()) {
            throw new IllegalArgumentException(what + " axis " + axis + " is out of range for shape " + Arrays.toString(x.shape()));
        }
        return a;
    }

    /** Requires {@code axis} to be an axis of {@code shape} (shared with {@link LogSoftmax}). */
    static void checkAxis(String what, int axis, long[] shape) {
        int a = axis < 0 ? axis + shape.length : axis;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException(what + " axis " + axis + " is out of range for shape " + Arrays.toString(shape));
        }
    }

    /**
     * With {@code coerce2d} (opsets before 13) the matrix {@code [prod(dims < a), prod(dims >= a)]} normalised
     * along its rows, else {@code x} itself. Shared with {@link LogSoftmax}.
     */
    static INDArray normalisedView(INDArray x, int a, boolean coerce2d) {
        if (!coerce2d) {
            return x;
        }
        long rows = 1;
        for (int i = 0; i < a; i++) {
            rows *= x.size(i);
        }
        return x.reshape('c', rows, x.length() / rows);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The input's shape; {@code axis} must be one of its axes.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Softmax", in, 1, 1);
        checkAxis("Softmax", axis, in[0]);
        return Shapes.output("Softmax", in[0].clone());
    }

    @Override
    public INDArray forward(INDArray[] in) {
        INDArray x = in[0];
        int a = resolve(x);
        INDArray v = view(x, a);
        int dim = coerce2d ? 1 : a;
        INDArray max = v.max(true, dim);
        INDArray e = v.sub(max);
        org.nd4j.linalg.ops.transforms.Transforms.exp(e, false);
        INDArray sum = e.sum(true, dim);
        e.divi(sum);
        OpSupport.release(max);
        OpSupport.release(sum);
        return reshapedFresh(e, x.shape());
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray y, INDArray g, boolean[] wanted) {
        int a = resolve(in[0]);
        INDArray yv = view(y, a);
        INDArray gv = view(g, a);
        int dim = coerce2d ? 1 : a;
        INDArray prod = gv.mul(yv);
        INDArray dot = prod.sum(true, dim);
        INDArray gx = gv.sub(dot).muli(yv);
        OpSupport.release(prod);
        OpSupport.release(dot);
        return new INDArray[] {reshapedFresh(gx, y.shape())};
    }

    /** {@code a} in {@code shape} as a fresh array, releasing {@code a} if a copy was needed (LogSoftmax too). */
    static INDArray reshapedFresh(INDArray a, long[] shape) {
        if (java.util.Arrays.equals(a.shape(), shape)) {
            return a;
        }
        INDArray out = a.reshape('c', shape).dup();
        OpSupport.release(a);
        return out;
    }

    @Override
    public String describe() {
        return "axis " + axis + (coerce2d ? " (2-D)" : "");
    }
}
