package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Parametric ReLU, ONNX {@code PRelu}: inputs {@code X} and {@code slope};
 * <pre>  y = x if x &gt; 0, else slope · x</pre>
 * with {@code slope} unidirectionally broadcast to {@code X}'s shape (numpy rules, e.g. {@code [C, 1, 1]} or
 * {@code [1, C, 1, 1]} for per-channel slopes of an NCHW tensor, {@code [1]} for a shared slope). Note that
 * numpy rules align trailing dimensions: a plain {@code [C]} slope fits a {@code [N, C]} input, but for NCHW it
 * must be given as {@code [C, 1, 1]} (importers resolve Keras' {@code shared_axes} that way).
 *
 * <p>Gradients: {@code dX = dY} where {@code x > 0}, else {@code slope · dY};
 * {@code dSlope = unbroadcast(dY · min(x, 0))}, summed over the broadcast dimensions.
 */
public record PRelu() implements Op {

    private static void check(INDArray x, INDArray s) {
        long[] b;
        try {
            b = OpSupport.broadcastShape(x.shape(), s.shape());
        } catch (IllegalArgumentException e) {
            b = null;
        }
        if (b == null || !Arrays.equals(b, x.shape())) {
            throw new IllegalArgumentException("PRelu slope shape " + Arrays.toString(s.shape())
                    + " does not broadcast to the input shape " + Arrays.toString(x.shape()) + " (numpy rules, unidirectional)");
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The input X's shape; the slope must broadcast to it (unidirectionally).
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("PRelu", in, 2, 2);
        if (!OpSupport.broadcastsTo(in[1], in[0])) {
            throw new IllegalArgumentException("PRelu slope shape " + Arrays.toString(in[1])
                    + " does not broadcast to the input shape " + Arrays.toString(in[0]) + " (numpy rules, unidirectional)");
        }
        return Shapes.output("PRelu", in[0].clone());
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("PRelu", in, 2, 2);
        INDArray x = in[0];
        check(x, in[1]);
        INDArray neg = Transforms.min(x, 0.0, true);
        INDArray scaled = Mul.broadcastOp("multiply", "PRelu", neg, in[1]);
        INDArray y = Transforms.max(x, 0.0, true);
        y.addi(scaled);
        OpSupport.release(neg);
        OpSupport.release(scaled);
        return y;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray x = in[0];
        INDArray s = in[1];
        check(x, s);
        INDArray[] res = new INDArray[2];
        if (wanted[0]) {
            // factor = [x > 0] + [x <= 0] · slope
            INDArray pos = Mul.mask(x.gt(0.0), x.dataType());
            INDArray notPos = pos.rsub(1.0);
            INDArray factor = Mul.broadcastOp("multiply", "PRelu", notPos, s);
            factor.addi(pos);
            res[0] = g.mul(factor);
            OpSupport.release(pos);
            OpSupport.release(notPos);
            OpSupport.release(factor);
        }
        if (wanted[1]) {
            INDArray neg = Transforms.min(x, 0.0, true);
            INDArray t = neg.muli(g);
            res[1] = OpSupport.unbroadcast(t, s.shape());
            OpSupport.release(neg);
        }
        return res;
    }
}
