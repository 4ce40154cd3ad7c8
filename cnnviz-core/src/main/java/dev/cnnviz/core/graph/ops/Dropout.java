package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Dropout at inference, ONNX {@code Dropout}: the identity {@code y = x} (ONNX and Keras scale during training,
 * "inverted dropout", so nothing is rescaled at inference); gradient {@code dx = dy}. The ratio is kept for
 * provenance and summaries only. ONNX opset 12+ passes ratio and training mode as optional inputs; inputs
 * after the first are ignored and get no gradient. The optional mask output is not produced.
 *
 * @param ratio the training-time drop probability, in {@code [0, 1)}; ONNX default {@value #DEFAULT_RATIO}
 */
public record Dropout(double ratio) implements Op, Graph.ShapeOnly {
    /** The ONNX default ratio. */
    public static final double DEFAULT_RATIO = 0.5;

    /** Validates the ratio. */
    public Dropout {
        if (!(ratio >= 0 && ratio < 1)) {
            throw new IllegalArgumentException("Dropout ratio must be in [0, 1), found " + ratio);
        }
    }

    /** A Dropout with the ONNX default ratio 0.5. */
    public Dropout() {
        this(DEFAULT_RATIO);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The shape of the first input (the others, optional ONNX inputs resolved at import, are ignored).
     */
    @Override
    public long[] outputShape(long[][] in) {
        return Shapes.same("Dropout", in, Integer.MAX_VALUE);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Dropout", in, 1, Integer.MAX_VALUE);
        return in[0].dup('c');
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray[] res = new INDArray[in.length];
        if (wanted[0]) {
            res[0] = g.dup('c');
        }
        return res;
    }

    @Override
    public String describe() {
        return "ratio " + ratio + " (identity at inference)";
    }
}
