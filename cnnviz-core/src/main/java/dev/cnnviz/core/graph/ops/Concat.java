package dev.cnnviz.core.graph.ops;

import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.graph.Op;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Concatenation along an axis, ONNX {@code Concat}: one or more inputs of the same rank whose sizes agree on
 * every other axis (e.g. Inception/SqueezeNet channel concatenation, {@code axis = 1}); the gradient of each
 * input is its slice of the output gradient.
 *
 * <p>Not marked {@link dev.cnnviz.core.graph.Graph.ShapeOnly}: although it only moves values, it merges
 * several inputs, so the class-score search (which follows a shape-only node's first input) must not look
 * through it.
 *
 * @param axis the axis, negative counts from the end (ONNX requires it; 1 for NCHW channels)
 */
public record Concat(int axis) implements Op {

    private int resolve(INDArray[] in) {
        int r = in[0].rank();
        String shapes = Arrays.stream(in).map(a -> Arrays.toString(a.shape())).collect(Collectors.joining(", "));
        if (r == 0) {
            throw new IllegalArgumentException("Concat cannot join scalars, found shapes " + shapes);
        }
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r) {
            throw new IllegalArgumentException("Concat axis " + axis + " is out of range [" + (-r) + ", " + (r - 1) + "] for shapes " + shapes);
        }
        for (INDArray x : in) {
            boolean ok = x.rank() == r;
            for (int d = 0; ok && d < r; d++) {
                ok = d == a || x.size(d) == in[0].size(d);
            }
            if (!ok) {
                throw new IllegalArgumentException("Concat along axis " + axis + " needs equal sizes on the other axes, found shapes " + shapes);
            }
        }
        return a;
    }

    /**
     * {@inheritDoc}
     *
     * <p>One or more inputs of one rank (at least 1) whose sizes agree on every axis but {@code axis}; the output
     * has their sum along it. Inputs may be empty along the axis as long as the output is not.
     */
    @Override
    public long[] outputShape(long[][] in) {
        Shapes.inputs("Concat", in, 1, Integer.MAX_VALUE);
        int r = in[0].length;
        String shapes = Arrays.stream(in).map(Arrays::toString).collect(Collectors.joining(", "));
        if (r == 0) {
            throw new IllegalArgumentException("Concat cannot join scalars, found shapes " + shapes);
        }
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r) {
            throw new IllegalArgumentException("Concat axis " + axis + " is out of range [" + (-r) + ", " + (r - 1) + "] for shapes " + shapes);
        }
        long[] out = in[0].clone();
        out[a] = 0;
        for (long[] x : in) {
            boolean ok = x.length == r;
            for (int d = 0; ok && d < r; d++) {
                ok = d == a || x[d] == in[0][d];
            }
            if (!ok) {
                throw new IllegalArgumentException("Concat along axis " + axis + " needs equal sizes on the other axes, found shapes " + shapes);
            }
            try {
                out[a] = Math.addExact(out[a], x[a]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("Concat along axis " + axis + " of shapes " + shapes + " overflows a long", e);
            }
        }
        return Shapes.output("Concat", out);
    }

    private static INDArrayIndex[] slice(int rank, int axis, long from, long to) {
        INDArrayIndex[] idx = new INDArrayIndex[rank];
        for (int d = 0; d < rank; d++) {
            idx[d] = d == axis ? NDArrayIndex.interval(from, to) : NDArrayIndex.all();
        }
        return idx;
    }

    @Override
    public INDArray forward(INDArray[] in) {
        Mul.requireInputs("Concat", in, 1, Integer.MAX_VALUE);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == null) {
                throw new IllegalArgumentException("Concat input " + i + " is missing (null)");
            }
        }
        int a = resolve(in);
        long[] shape = in[0].shape().clone(); // INDArray.shape() is the array's live shape: never mutate it
        shape[a] = 0;
        for (INDArray x : in) {
            shape[a] += x.size(a);
        }
        INDArray out = Nd4j.createUninitialized(in[0].dataType(), shape, 'c');
        List<INDArray> parts = new ArrayList<>();
        for (INDArray x : in) {
            if (x.size(a) > 0) {
                parts.add(x);
            }
        }
        if (parts.isEmpty()) {
            return out;
        }
        INDArray[] ps = parts.toArray(new INDArray[0]);
        if (plain(out) && Arrays.stream(ps).allMatch(x -> plain(x) && x.dataType() == out.dataType())) {
            copyBlocks(ps, out, a, true);
        } else {
            // One libnd4j call (a memcpy per input and outer index) instead of a strided assign per input view.
            OpSupport.exec("concat", ps, new INDArray[] {out}, a);
        }
        return out;
    }

    @Override
    public INDArray[] backward(INDArray[] in, INDArray output, INDArray g, boolean[] wanted) {
        int a = resolve(in);
        INDArray[] res = new INDArray[in.length];
        int[] sizes = new int[in.length];
        boolean allNonEmpty = true;
        for (int i = 0; i < in.length; i++) {
            sizes[i] = Math.toIntExact(in[i].size(a));
            allNonEmpty &= sizes[i] > 0;
        }
        if (allNonEmpty && in.length > 1) {
            // One libnd4j split_v call (contiguous copies) instead of a strided dup of each slice view.
            for (int i = 0; i < in.length; i++) {
                res[i] = Nd4j.createUninitialized(g.dataType(), in[i].shape(), 'c');
            }
            if (plain(g)) {
                copyBlocks(res, g, a, false);
            } else {
                INDArray sizeArray = Nd4j.createFromArray(sizes);
                try {
                    OpSupport.exec("split_v", new INDArray[] {g, sizeArray}, res, a);
                } finally {
                    OpSupport.release(sizeArray);
                }
            }
            for (int i = 0; i < in.length; i++) {
                if (!wanted[i]) {
                    OpSupport.release(res[i]);
                    res[i] = null;
                }
            }
            return res;
        }
        long at = 0;
        for (int i = 0; i < in.length; i++) {
            long n = in[i].size(a);
            if (wanted[i]) {
                res[i] = n > 0 ? g.get(slice(g.rank(), a, at, at + n)).dup('c') : Nd4j.create(g.dataType(), in[i].shape());
            }
            at += n;
        }
        return res;
    }

    /**
     * Above this many bytes {@link #copyBlocks} copies in parallel (over the indices before the axis, on the common
     * fork-join pool). Plain arrays are always joined and split by Java bulk copies between their native buffers:
     * on SqueezeNet's eight concatenations, at batch 1 (0.3-1.5 MB) 1.0-1.5 ms against 4.4-8 ms in libnd4j's
     * {@code concat} (its oneDNN helper's set-up and thread start-up dominate); at batch 32 (8-50 MB), copying in
     * parallel was 5-10% faster than {@code concat}, and {@code split_v} (backward) took its slow strided path.
     */
    static final long COPY_BYTES = 4L << 20;

    /** Whether {@link #copyBlocks} can address the array's buffer: c-ordered, not a view, under 2 GB. */
    private static boolean plain(INDArray a) {
        return HostArrays.plain(a) && a.length() * a.dataType().width() <= Integer.MAX_VALUE;
    }

    /**
     * Copies between the parts and the whole along {@code axis}, as contiguous blocks: for each index before the axis,
     * part {@code i} is one block of {@code size_i(axis) × (product of the sizes after it)} elements.
     *
     * @param join true: parts into whole (forward); false: whole into parts (backward)
     */
    private static void copyBlocks(INDArray[] parts, INDArray whole, int axis, boolean join) {
        long outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= whole.size(d);
        }
        int width = whole.dataType().width();
        int wholeBlock = Math.toIntExact(whole.length() / outer * width);
        ByteBuffer w = whole.data().asNio();
        ByteBuffer[] p = new ByteBuffer[parts.length];
        int[] block = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            p[i] = parts[i].data().asNio();
            block[i] = Math.toIntExact(parts[i].length() / outer * width);
        }
        IntStream outers = IntStream.range(0, Math.toIntExact(outer));
        if (outer > 1 && whole.length() * width > COPY_BYTES) {
            outers = outers.parallel();
        }
        outers.forEach(o -> {
            int at = o * wholeBlock;
            for (int i = 0; i < p.length; i++) {
                if (join) {
                    w.put(at, p[i], o * block[i], block[i]);
                } else {
                    p[i].put(o * block[i], w, at, block[i]);
                }
                at += block[i];
            }
        });
    }

    @Override
    public String describe() {
        return "axis " + axis;
    }
}
