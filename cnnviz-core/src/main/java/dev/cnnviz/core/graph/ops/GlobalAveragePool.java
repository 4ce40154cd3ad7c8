package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;

/**
 * Global average pooling, ONNX {@code GlobalAveragePool}: {@code X [N, C, H, W] -> Y [N, C, 1, 1]} (any
 * number of spatial dimensions, each reduced to 1),
 * <pre>  Y[n,c] = (1 / (H·W)) · Σ_{y,x} X[n,c,y,x]</pre>
 * Gradient: {@code dX[n,c,y,x] = dY[n,c] / (H·W)}.
 */
public record GlobalAveragePool() implements Op {

    /** The spatial dimensions {@code 2 .. rank-1}, checking the rank. */
    static int[] spatialDims(String what, INDArray x) {
        if (x.rank() < 3) {
            throw new IllegalArgumentException(what + " input must have rank 3 or more ([N, C, spatial...]), found shape "
                    + Arrays.toString(x.shape()));
        }
        int[] dims = new int[x.rank() - 2];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i + 2;
        }
        return dims;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Input {@code [N, C, spatial...]} (rank 3 or more), output {@code [N, C, 1, ...]}.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return pooledShape("GlobalAveragePool", in);
    }

    /** {@code [N, C, 1, ...]} for an input of rank 3 or more (shared with {@link GlobalMaxPool}). */
    static long[] pooledShape(String kind, long[][] in) {
        Shapes.inputs(kind, in, 1, 1);
        Shapes.minRank(kind + " input", in[0], 3, "[N, C, spatial...]");
        long[] out = in[0].clone();
        for (int i = 2; i < out.length; i++) {
            out[i] = 1;
        }
        return Shapes.output(kind, out);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        INDArray x = in[0];
        return x.mean(true, spatialDims("GlobalAveragePool", x));
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray x = in[0];
        spatialDims("GlobalAveragePool", x);
        long spatial = x.length() / (x.size(0) * x.size(1));
        INDArray gx = x.ulike();
        INDArray gv = g.reshape(x.size(0), x.size(1));
        gx.assign(0);
        Broadcast.add(gx, gv, gx, 0, 1);
        gx.divi(spatial);
        return new INDArray[] {gx};
    }
}
