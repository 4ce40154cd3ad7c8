package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Logarithm of the softmax, ONNX {@code LogSoftmax}:
 * {@code y_i = x_i - m - log(Σ_j exp(x_j - m))} with {@code m = max_j x_j}, which never overflows and stays
 * finite for finite inputs (the direct {@code log(softmax(x))} gives {@code -Infinity} once a probability
 * underflows); gradient {@code dx = dy - softmax(x) · Σ_j dy_j}, with {@code softmax(x) = exp(y)} taken from
 * the forward output.
 *
 * <p>The normalised axis works exactly as in {@link Softmax}: with {@code coerce2d} (ONNX opsets before 13) the
 * input is viewed as a matrix {@code [prod(dims < axis), prod(dims >= axis)]} and normalised along its rows;
 * otherwise (opset 13+) along {@code axis} alone. Example: for {@code x = [0, ln 2, ln 3]} (one row),
 * {@code y = [ln(1/6), ln(2/6), ln(3/6)]}, and {@code exp(y)} sums to 1 along the normalised axis. As for
 * Softmax, the class scores of a graph ending in LogSoftmax are its input.
 *
 * @param axis     the axis, negative counts from the end; default 1 (opset &lt; 13) or -1 (opset 13+)
 * @param coerce2d whether to use the pre-opset-13 "flatten from axis" semantics
 */
public record LogSoftmax(int axis, boolean coerce2d) implements Op {

    private int resolve(INDArray x) {
        return Softmax.resolveAxis("LogSoftmax", axis, x);
    }

    private INDArray view(INDArray x, int a) {
        return Softmax.normalisedView(x, a, coerce2d);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The input's shape; {@code axis} must be one of its axes.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("LogSoftmax", in, 1, 1);
        Softmax.checkAxis("LogSoftmax", axis, in[0]);
        return Shapes.output("LogSoftmax", in[0].clone());
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("LogSoftmax", in, 1, 1);
        INDArray x = in[0];
        int a = resolve(x);
        INDArray v = view(x, a);
        int dim = coerce2d ? 1 : a;
        INDArray max = v.max(true, dim);
        INDArray shifted = v.sub(max);
        INDArray e = Transforms.exp(shifted, true);
        INDArray sum = e.sum(true, dim);
        Transforms.log(sum, false);
        shifted.subi(sum);
        OpSupport.release(max);
        OpSupport.release(e);
        OpSupport.release(sum);
        return Softmax.reshapedFresh(shifted, x.shape());
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        if (!wanted[0]) {
            return new INDArray[1];
        }
        INDArray y = output != null ? output : forward(in);
        int a = resolve(in[0]);
        int dim = coerce2d ? 1 : a;
        INDArray yv = view(y, a);
        INDArray gv = view(g, a);
        INDArray total = gv.sum(true, dim);
        INDArray gx = Transforms.exp(yv, true).muli(total).rsubi(gv);
        OpSupport.release(total);
        if (y != output) {
            OpSupport.release(y);
        }
        return new INDArray[] {Softmax.reshapedFresh(gx, in[0].shape())};
    }

    @Override
    public String describe() {
        return "axis " + axis + (coerce2d ? " (2-D)" : "");
    }
}
