package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Clipping, ONNX {@code Clip}: {@code y = min(max(x, min), max)} (e.g. ReLU6 is {@code Clip(0, 6)}).
 *
 * <p>Gradient {@code dx = dy · [min ≤ x ≤ max]}: at the boundary the gradient <em>passes</em> (the
 * convention of PyTorch's {@code clamp} and TensorFlow's {@code clip_by_value}, so gradients match the
 * frameworks the models come from); it is zero only where the input is strictly outside the range.
 *
 * <p>ONNX opset 11+ passes min and max as optional inputs: the importer resolves them into the attributes;
 * inputs after the first are ignored here and get no gradient.
 *
 * @param min the lower bound, not NaN, may be {@code -Infinity} (ONNX default: no lower bound)
 * @param max the upper bound, not NaN, {@code max ≥ min}, may be {@code +Infinity} (ONNX default: no upper bound)
 */
public record Clip(double min, double max) implements Op {

    /** Validates the bounds. */
    public Clip {
        if (Double.isNaN(min) || Double.isNaN(max)) {
            throw new IllegalArgumentException("Clip bounds must not be NaN, found min " + min + ", max " + max);
        }
        if (min > max) {
            throw new IllegalArgumentException("Clip min must not exceed max, found min " + min + ", max " + max);
        }
    }

    /** An unbounded Clip (the ONNX defaults): the identity. */
    public Clip() {
        this(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
    }

    /** ReLU6, {@code Clip(0, 6)}. */
    public static Clip relu6() {
        return new Clip(0, 6);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The shape of the first input (the others, optional ONNX inputs resolved at import, are ignored).
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Shapes.same("Clip", in, Integer.MAX_VALUE);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Clip", in, 1, Integer.MAX_VALUE);
        INDArray y = Transforms.max(in[0], min, true);
        return Transforms.min(y, max, false);
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray[] res = new INDArray[in.length];
        if (wanted[0]) {
            res[0] = passMask(in[0], min, max).muli(g);
        }
        return res;
    }

    /** {@code [lo ≤ x ≤ hi]} as 0/1 values of x's type (fresh). */
    static INDArray passMask(INDArray x, double lo, double hi) {
        INDArray m = Mul.mask(x.gte(lo), x.dataType());
        INDArray upper = Mul.mask(x.lte(hi), x.dataType());
        m.muli(upper);
        OpSupport.release(upper);
        return m;
    }

    @Override
    public String describe() {
        return "[" + min + ", " + max + "]";
    }
}
