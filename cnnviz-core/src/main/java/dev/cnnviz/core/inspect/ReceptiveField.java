package dev.cnnviz.core.inspect;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.Op;
import dev.cnnviz.core.graph.ops.AveragePool;
import dev.cnnviz.core.graph.ops.BatchNorm;
import dev.cnnviz.core.graph.ops.Clip;
import dev.cnnviz.core.graph.ops.Concat;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Div;
import dev.cnnviz.core.graph.ops.Dropout;
import dev.cnnviz.core.graph.ops.Elu;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.Gemm;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.GlobalMaxPool;
import dev.cnnviz.core.graph.ops.HardSigmoid;
import dev.cnnviz.core.graph.ops.Identity;
import dev.cnnviz.core.graph.ops.Input;
import dev.cnnviz.core.graph.ops.InstanceNorm;
import dev.cnnviz.core.graph.ops.LeakyRelu;
import dev.cnnviz.core.graph.ops.Log;
import dev.cnnviz.core.graph.ops.LogSoftmax;
import dev.cnnviz.core.graph.ops.MatMul;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Mul;
import dev.cnnviz.core.graph.ops.PRelu;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.PadMode;
import dev.cnnviz.core.graph.ops.ReduceMean;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Reshape;
import dev.cnnviz.core.graph.ops.Scale;
import dev.cnnviz.core.graph.ops.Sigmoid;
import dev.cnnviz.core.graph.ops.Softmax;
import dev.cnnviz.core.graph.ops.Squeeze;
import dev.cnnviz.core.graph.ops.Sub;
import dev.cnnviz.core.graph.ops.Sum;
import dev.cnnviz.core.graph.ops.Tanh;
import dev.cnnviz.core.graph.ops.Transpose;
import dev.cnnviz.core.graph.ops.Unsqueeze;
import dev.cnnviz.core.graph.ops.Add;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The exact receptive field of a layer's units: which input pixels can change the value of the unit at
 * {@code (y, x)} of a layer, computed from the graph's kernels, strides, padding, dilations and pooling windows
 * (Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019).
 *
 * <p>Along each axis, the field of unit {@code i} is the interval {@code [offset + i·stride, offset + i·stride +
 * size)} of input pixels, clipped at the image border by {@link #box}. Starting from the input (size 1, stride 1,
 * offset 0), a window operator with kernel {@code k}, stride {@code s}, dilation {@code d} and begin padding
 * {@code p} maps a field {@code (size R, stride J, offset S)} of its input to
 * <pre>  R' = R + (k - 1)·d·J,   J' = J·s,   S' = S - p·J</pre>
 * (convolutions, max and average pooling, constant {@code Pad}). Element-wise operators, batch normalization and
 * channel concatenation keep the field; where several inputs meet (concatenation, addition) the field is their
 * union, which needs equal strides. Global pooling, flattening and fully connected layers see the whole image
 * ({@link #isGlobal()}). Operators whose pixel mapping is not a window (resizing, transposed convolutions, reflect
 * or edge padding) have no field here: {@link #of} names them. The box is the bounding box of the pixels that can
 * matter: a pixel outside it never changes the unit, whatever the weights; with strides larger than kernels some
 * pixels inside may not matter either.
 *
 * <p>Padding is resolved for the input size (SAME padding depends on it): {@link #of(Graph, String)} uses the
 * graph's declared input shape, {@link #of(Graph, String, long...)} another one.
 *
 * <pre>{@code
 * ReceptiveField rf = ReceptiveField.of(model.graph(), "concat_fire9/concat_1");  // SqueezeNet 1.1
 * rf.size();          // [207, 207]
 * rf.stride();        // [16, 16]
 * rf.box(6, 6);       // {y0, x0, y1, x1} = [40, 40, 224, 224] (end exclusive, clipped)
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ReceptiveField {

    /** Operators that keep the spatial position: output pixel (y, x) depends on input pixel (y, x) only. */
    private static final Set<Class<? extends Op>> POINTWISE = Set.of(Relu.class, LeakyRelu.class, PRelu.class, Elu.class,
            Sigmoid.class, Tanh.class, HardSigmoid.class, Clip.class, BatchNorm.class, Scale.class, Dropout.class,
            Identity.class, Add.class, Sub.class, Mul.class, Div.class, Sum.class, Log.class);

    /** Operators whose output depends on the whole of their input. */
    private static final Set<Class<? extends Op>> GLOBAL = Set.of(GlobalAveragePool.class, GlobalMaxPool.class,
            ReduceMean.class, Flatten.class, Reshape.class, Gemm.class, Dense.class, MatMul.class, InstanceNorm.class,
            Squeeze.class, Unsqueeze.class, Transpose.class);

    private final String layer;
    private final long inputHeight;
    private final long inputWidth;
    private final Field field;
    private final Graph graph;
    private final Map<String, long[]> shapes;

    /** One node's field; {@code reason} non-null when there is none; {@code constant} when no input reaches it. */
    private record Field(boolean constant, boolean global, long[] size, long[] stride, long[] offset, String reason) {
        static final Field CONSTANT = new Field(true, false, null, null, null, null);
        static final Field WHOLE = new Field(false, true, null, null, null, null);

        static Field unknown(String reason) {
            return new Field(false, false, null, null, null, reason);
        }

        static Field window(long[] size, long[] stride, long[] offset) {
            return new Field(false, false, size, stride, offset, null);
        }

        /** The field after a window of kernel k, stride s, dilation d and begin padding p on each axis. */
        Field through(long[] k, long[] s, long[] d, long[] p) {
            if (reason != null || global || constant) {
                return this;
            }
            long[] r = new long[2];
            long[] j = new long[2];
            long[] o = new long[2];
            for (int a = 0; a < 2; a++) {
                r[a] = Math.addExact(size[a], Math.multiplyExact(Math.multiplyExact(k[a] - 1, d[a]), stride[a]));
                j[a] = Math.multiplyExact(stride[a], s[a]);
                o[a] = Math.subtractExact(offset[a], Math.multiplyExact(p[a], stride[a]));
            }
            return window(r, j, o);
        }
    }

    private ReceptiveField(String layer, long inputHeight, long inputWidth, Field field, Graph graph,
            Map<String, long[]> shapes) {
        this.graph = graph;
        this.shapes = shapes;
        this.layer = layer;
        this.inputHeight = inputHeight;
        this.inputWidth = inputWidth;
        this.field = field;
    }

    /**
     * The receptive field of a layer's units for the graph's declared input size (batch 1).
     *
     * @param graph a graph with one image input {@code [N, C, H, W]}
     * @param layer a node name, as {@code Graph.names()} and {@code cnnviz summary} list them
     * @return the field
     * @throws IllegalArgumentException if the layer is unknown or a constant, the graph's input is not one image,
     *                                  or an operator between the input and the layer has no window mapping (named)
     */
    public static ReceptiveField of(Graph graph, String layer) {
        return of(graph, layer, new long[0]);
    }

    /**
     * The receptive field of a layer's units for an input of the given shape.
     *
     * @param graph      a graph with one image input
     * @param layer      a node name
     * @param inputShape {@code [N, C, H, W]}; empty for the graph's declared shape
     * @return the field
     * @throws IllegalArgumentException as {@link #of(Graph, String)}, or if the shape does not fit the graph
     */
    public static ReceptiveField of(Graph graph, String layer, long... inputShape) {
        Node node = graph.node(layer);
        if (node.op() instanceof Constant) {
            throw new IllegalArgumentException("'" + layer + "' is a constant (weights), not a layer: it has no receptive field");
        }
        Map<String, ReceptiveField> all = all(graph, inputShape);
        ReceptiveField rf = all.get(layer);
        if (rf == null) {
            Field f = fields(graph, inputShape).get(layer);
            throw new IllegalArgumentException("layer '" + layer + "' has no receptive field: "
                    + (f == null || f.reason() == null ? "it does not depend on the input" : f.reason()));
        }
        return rf;
    }

    /**
     * The receptive fields of every layer that has one, in the graph's order (constants, layers that do not depend on
     * the input and layers behind an operator without a window mapping are left out).
     *
     * @param graph      a graph with one image input
     * @param inputShape {@code [N, C, H, W]}; empty for the graph's declared shape
     * @return layer name to field, unmodifiable
     * @throws IllegalArgumentException if the graph's input is not one image or the shape does not fit the graph
     */
    public static Map<String, ReceptiveField> all(Graph graph, long... inputShape) {
        Map<String, Field> fields = fields(graph, inputShape);
        Map<String, long[]> shapes = graph.shapes(inputShape);
        long[] in = shapes.get(graph.inputName());
        Map<String, ReceptiveField> out = new LinkedHashMap<>();
        for (Map.Entry<String, Field> e : fields.entrySet()) {
            Field f = e.getValue();
            if (!f.constant() && f.reason() == null) {
                out.put(e.getKey(), new ReceptiveField(e.getKey(), in[2], in[3], f, graph, shapes));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, Field> fields(Graph graph, long[] inputShape) {
        if (graph.inputNames().size() != 1) {
            throw new IllegalArgumentException("receptive fields need a graph with one image input, found inputs "
                    + graph.inputNames());
        }
        Map<String, long[]> shapes = graph.shapes(inputShape);
        long[] in = shapes.get(graph.inputName());
        if (in.length != 4) {
            throw new IllegalArgumentException("receptive fields need an image input [N, C, H, W], found input '"
                    + graph.inputName() + "' of shape " + Arrays.toString(in));
        }
        Map<String, Field> fields = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            fields.put(n.name(), field(n, fields, shapes));
        }
        return fields;
    }

    private static Field field(Node n, Map<String, Field> fields, Map<String, long[]> shapes) {
        Op op = n.op();
        if (op instanceof Constant) {
            return Field.CONSTANT;
        }
        if (op instanceof Input) {
            return Field.window(new long[] {1, 1}, new long[] {1, 1}, new long[] {0, 0});
        }
        Field x = n.inputs().isEmpty() ? Field.CONSTANT : fields.get(n.inputs().get(0));
        long[] xs = n.inputs().isEmpty() ? null : shapes.get(n.inputs().get(0));
        long[] one = {1, 1};
        try {
            if (op instanceof Conv c) {
                long[] w = shapes.get(n.inputs().get(1));
                long[] g = c.geometry(xs, w);
                return x.through(new long[] {w[2], w[3]}, toLong(c.strides()), toLong(c.dilations()), new long[] {g[2], g[3]});
            }
            if (op instanceof MaxPool m) {
                long[] g = m.geometry(xs);
                return x.through(toLong(m.kernel()), toLong(m.strides()), toLong(m.dilations()), new long[] {g[2], g[3]});
            }
            if (op instanceof AveragePool a) {
                int[] k = a.kernel();
                int[] s = a.strides();
                int[] p = a.pads();
                long top = a.autoPad().resolve(xs[2], k[0], s[0], 1, p[0], p[2])[0];
                long left = a.autoPad().resolve(xs[3], k[1], s[1], 1, p[1], p[3])[0];
                return x.through(toLong(k), toLong(s), one, new long[] {top, left});
            }
            if (op instanceof Pad p) {
                return pad(n, p, x, xs);
            }
        } catch (ArithmeticException e) {
            return Field.unknown("the receptive field of '" + n.name() + "' overflows a long");
        }
        boolean channelSoftmax = (op instanceof Softmax s && axis(s.axis(), xs) == 1)
                || (op instanceof LogSoftmax l && axis(l.axis(), xs) == 1);
        boolean channelConcat = op instanceof Concat c && xs != null && xs.length == 4 && axis(c.axis(), xs) == 1;
        if (POINTWISE.contains(op.getClass()) || channelSoftmax || channelConcat) {
            return union(n, fields);
        }
        if (GLOBAL.contains(op.getClass()) || op instanceof Softmax || op instanceof LogSoftmax || op instanceof Concat) {
            Field u = union(n, fields);
            return u.constant() || u.reason() != null ? u : Field.WHOLE;
        }
        Field u = union(n, fields);
        if (u.constant()) {
            return u;
        }
        return Field.unknown("the operator " + op.kind() + " of node '" + n.name() + "' does not map pixels through a window");
    }

    private static Field pad(Node n, Pad p, Field x, long[] xs) {
        int[] pads = p.pads();
        if (xs == null || xs.length != 4 || pads.length != 8) {
            return Field.unknown("Pad node '" + n.name() + "' does not pad an image [N, C, H, W]");
        }
        boolean spatial = pads[2] != 0 || pads[3] != 0 || pads[6] != 0 || pads[7] != 0;
        if (spatial && p.mode() != PadMode.CONSTANT) {
            return Field.unknown("Pad node '" + n.name() + "' pads in " + p.mode() + " mode, which copies pixels from inside"
                    + " the image (only constant padding has a window field)");
        }
        long[] one = {1, 1};
        return x.through(one, one, one, new long[] {pads[2], pads[3]});
    }

    private static int axis(int axis, long[] shape) {
        return shape == null ? -1 : axis < 0 ? axis + shape.length : axis;
    }

    /** The union of the fields of a node's inputs. */
    private static Field union(Node n, Map<String, Field> fields) {
        Field acc = Field.CONSTANT;
        for (String in : n.inputs()) {
            Field f = fields.get(in);
            if (f.reason() != null) {
                return f;
            }
            if (f.constant()) {
                continue;
            }
            if (acc.constant()) {
                acc = f;
                continue;
            }
            if (acc.global() || f.global()) {
                acc = Field.WHOLE;
                continue;
            }
            if (!Arrays.equals(acc.stride(), f.stride())) {
                return Field.unknown("the inputs of '" + n.name() + "' have different strides "
                        + Arrays.toString(acc.stride()) + " and " + Arrays.toString(f.stride()) + " (input '" + in + "')");
            }
            long[] size = new long[2];
            long[] offset = new long[2];
            for (int a = 0; a < 2; a++) {
                offset[a] = Math.min(acc.offset()[a], f.offset()[a]);
                size[a] = Math.max(acc.offset()[a] + acc.size()[a], f.offset()[a] + f.size()[a]) - offset[a];
            }
            acc = Field.window(size, acc.stride(), offset);
        }
        return acc;
    }

    private static long[] toLong(int[] v) {
        return new long[] {v[0], v[1]};
    }

    /** @return the layer's name. */
    public String layer() {
        return layer;
    }

    /** @return whether every unit sees the whole image (after global pooling, flattening or a dense layer). */
    public boolean isGlobal() {
        return field.global();
    }

    /**
     * @return {@code [height, width]} of the field before clipping: the number of input rows and columns a unit
     *         spans; the input's size for a global field
     */
    public long[] size() {
        return field.global() ? new long[] {inputHeight, inputWidth} : field.size().clone();
    }

    /**
     * @return {@code [strideY, strideX]}: how many input pixels apart neighbouring units' fields are (the product of
     *         the strides on the way); the input's size for a global field
     */
    public long[] stride() {
        return field.global() ? new long[] {inputHeight, inputWidth} : field.stride().clone();
    }

    /**
     * @return {@code [y, x]} of the first input pixel of unit (0, 0)'s field before clipping: zero or negative (minus
     *         the padding, in input pixels); 0 for a global field
     */
    public long[] offset() {
        return field.global() ? new long[] {0, 0} : field.offset().clone();
    }

    /** @return {@code [height, width]} of the input the field was computed for. */
    public long[] inputSize() {
        return new long[] {inputHeight, inputWidth};
    }

    /**
     * The input pixels that can change the unit at {@code (y, x)}: {@code {y0, x0, y1, x1}}, rows {@code y0 .. y1-1}
     * and columns {@code x0 .. x1-1}. The unit's window is followed back layer by layer, keeping at every layer only
     * the rows and columns its taps read: a tap in an intermediate layer's padding reaches no pixel, and a dilated
     * window reads every d-th position of its span. So the box is the bounding box of the pixels with a path to the
     * unit, within the image. It can be smaller than {@link #size()} near the border, and empty ({@code y0 == y1})
     * for a unit whose window covers only padding. A global field gives the whole image. Rows and columns are
     * followed separately, which is exact for chains of layers; after branches merge, the box can be too large only
     * where one branch's rows all fall in padding further back while its columns do not (or the reverse).
     *
     * @param y the unit's row in the layer's output
     * @param x the unit's column
     * @return the half-open box, within {@code [0, H] x [0, W]}
     * @throws IllegalArgumentException if {@code (y, x)} is outside the layer's output
     */
    public int[] box(long y, long x) {
        long[] out = shapes.get(layer);
        if (y < 0 || x < 0 || out.length == 4 && (y >= out[2] || x >= out[3])) {
            throw new IllegalArgumentException("unit (" + y + ", " + x + ") is outside layer '" + layer + "' of shape "
                    + Arrays.toString(out));
        }
        if (field.global()) {
            return new int[] {0, 0, (int) inputHeight, (int) inputWidth};
        }
        // Walk back from the unit to the input, one set of rows and one of columns per layer, keeping only the taps of
        // each window that fall inside the layer: a tap in the padding reaches no pixel, and a dilated window reaches
        // only every d-th position of its span.
        Map<String, BitSet[]> reach = new HashMap<>();
        reach.put(layer, new BitSet[] {single(y), single(x)});
        List<Node> nodes = graph.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            BitSet[] r = reach.get(n.name());
            if (r == null || n.op() instanceof Input) {
                continue;
            }
            for (int k = 0; k < n.inputs().size(); k++) {
                String in = n.inputs().get(k);
                if (graph.node(in).op() instanceof Constant) {
                    continue;
                }
                BitSet[] back = back(n, r, shapes.get(in));
                if (back[0].isEmpty() || back[1].isEmpty()) {
                    continue; // every path from this input to the unit crosses padding
                }
                BitSet[] prev = reach.get(in);
                if (prev == null) {
                    reach.put(in, back);
                } else {
                    prev[0].or(back[0]);
                    prev[1].or(back[1]);
                }
            }
        }
        BitSet[] r = reach.get(graph.inputName());
        if (r == null) {
            return new int[] {0, 0, 0, 0};
        }
        return new int[] {r[0].nextSetBit(0), r[1].nextSetBit(0), r[0].length(), r[1].length()};
    }

    private static BitSet single(long i) {
        BitSet b = new BitSet();
        b.set(Math.toIntExact(i));
        return b;
    }

    /**
     * The rows and columns of a node's input that its output rows {@code r[0]} and columns {@code r[1]} read: the
     * window's taps {@code o·s - p + t·d} ({@code t < k}) that fall inside the input of shape {@code in}.
     */
    private BitSet[] back(Node n, BitSet[] r, long[] in) {
        if (in.length != 4) {
            return new BitSet[] {single(0), single(0)};
        }
        long[] xs = shapes.get(n.inputs().get(0));
        Op op = n.op();
        long[] k;
        long[] s;
        long[] d = {1, 1};
        long[] p;
        if (op instanceof Conv c) {
            long[] w = shapes.get(n.inputs().get(1));
            long[] g = c.geometry(xs, w);
            k = new long[] {w[2], w[3]};
            s = toLong(c.strides());
            d = toLong(c.dilations());
            p = new long[] {g[2], g[3]};
        } else if (op instanceof MaxPool m) {
            long[] g = m.geometry(xs);
            k = toLong(m.kernel());
            s = toLong(m.strides());
            d = toLong(m.dilations());
            p = new long[] {g[2], g[3]};
        } else if (op instanceof AveragePool a) {
            int[] pads = a.pads();
            k = toLong(a.kernel());
            s = toLong(a.strides());
            p = new long[] {a.autoPad().resolve(xs[2], k[0], s[0], 1, pads[0], pads[2])[0],
                a.autoPad().resolve(xs[3], k[1], s[1], 1, pads[1], pads[3])[0]};
        } else if (op instanceof Pad pad) {
            int[] pads = pad.pads();
            k = new long[] {1, 1};
            s = new long[] {1, 1};
            p = new long[] {pads[2], pads[3]};
        } else if (shapes.get(n.name()).length == 4 && !GLOBAL.contains(op.getClass())) {
            // element-wise, channel concatenation, channel softmax: the same positions, within the input
            return new BitSet[] {r[0].get(0, (int) in[2]), r[1].get(0, (int) in[3])};
        } else {
            BitSet ys = new BitSet();
            BitSet xs2 = new BitSet();
            ys.set(0, (int) in[2]);
            xs2.set(0, (int) in[3]);
            return new BitSet[] {ys, xs2}; // the whole input
        }
        BitSet[] out = new BitSet[2];
        for (int a = 0; a < 2; a++) {
            long extent = in[2 + a];
            BitSet taps = new BitSet();
            for (int o = r[a].nextSetBit(0); o >= 0; o = r[a].nextSetBit(o + 1)) {
                for (long t = 0; t < k[a]; t++) {
                    long pos = o * s[a] - p[a] + t * d[a];
                    if (pos >= 0 && pos < extent) {
                        taps.set((int) pos);
                    }
                }
            }
            out[a] = taps;
        }
        return out;
    }

    /** @return the field as text, e.g. {@code size 207x207 stride 16x16 offset -8,-8}, or {@code global}. */
    public String describe() {
        if (field.global()) {
            return "global";
        }
        return "size " + field.size()[0] + "x" + field.size()[1] + " stride " + field.stride()[0] + "x" + field.stride()[1]
                + " offset " + field.offset()[0] + "," + field.offset()[1];
    }

    @Override
    public String toString() {
        return "ReceptiveField[" + layer + ": " + describe() + "]";
    }
}
