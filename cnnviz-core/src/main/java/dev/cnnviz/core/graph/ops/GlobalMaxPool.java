package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.OpSupport.release;

import dev.cnnviz.core.graph.Op;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Global max pooling, ONNX {@code GlobalMaxPool}: {@code X [N, C, H, W] -> Y [N, C, 1, 1]} (any number of
 * spatial dimensions, each reduced to 1),
 * <pre>  Y[n,c] = max_{y,x} X[n,c,y,x]</pre>
 * Gradient: {@code dY[n,c]} goes to the maximal element of each {@code (n, c)} map; on ties, to the
 * <em>first</em> maximal element in row-major (C) order, the others get zero.
 */
public record GlobalMaxPool() implements Op {

    /**
     * {@inheritDoc}
     *
     * <p>Input {@code [N, C, spatial...]} (rank 3 or more), output {@code [N, C, 1, ...]}.
     */
    @Override
    public long[] outputShape(long[][] in) {
        return GlobalAveragePool.pooledShape("GlobalMaxPool", in);
    }

    @Override
    public INDArray forward(INDArray[] in) {
        INDArray x = in[0];
        return x.max(true, GlobalAveragePool.spatialDims("GlobalMaxPool", x));
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        INDArray x = in[0];
        GlobalAveragePool.spatialDims("GlobalMaxPool", x);
        long rows = x.size(0) * x.size(1);
        long spatial = x.length() / rows;
        INDArray xc = x.isView() || x.ordering() != 'c' ? x.dup('c') : x;
        INDArray arg = Nd4j.argMax(xc.reshape(rows, spatial), 1);
        INDArray gv = g.reshape(rows);
        INDArray gx = Nd4j.zeros(x.dataType(), x.shape());
        INDArray gm = gx.reshape(rows, spatial);
        for (long r = 0; r < rows; r++) {
            gm.putScalar(r, arg.getLong(r), gv.getDouble(r));
        }
        release(arg);
        if (xc != x) {
            release(xc);
        }
        return new INDArray[] {gx};
    }
}
