package dev.cnnviz.core.inspect;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.Op;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.ConvTranspose;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Gemm;
import dev.cnnviz.core.graph.ops.MatMul;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A model's layers as Keras' {@code model.summary()} lists them, with what a CNN reader also wants: for every node
 * (constants left out), its operator, its non-constant inputs, its output shape for one example, its parameter count
 * (the elements of its constant inputs: weights and biases), its forward FLOPs and its {@link ReceptiveField}'s size
 * and stride.
 *
 * <p><b>FLOPs</b> count the multiply-accumulate layers only, one multiply and one add each (they are almost all of a
 * CNN's work; bias adds, activations, pooling and normalisation are left out), for one example:
 * <ul>
 *   <li>{@code Conv}: {@code 2 · O · (C/g) · kH · kW · oH · oW} (weights {@code [O, C/g, kH, kW]}, output
 *       {@code [1, O, oH, oW]});</li>
 *   <li>{@code ConvTranspose}: {@code 2 · C · (O/g) · kH · kW · H · W} (input {@code [1, C, H, W]});</li>
 *   <li>{@code Gemm}, {@code Dense}, {@code MatMul}: {@code 2 · K · (output elements)} with {@code K} the reduced
 *       dimension.</li>
 * </ul>
 * Shapes are static ({@link Graph#shapes}): nothing is computed, and the summary of a large model takes
 * milliseconds.
 *
 * <pre>{@code
 * ModelSummary s = ModelSummary.of(model);
 * System.out.println(s.table());
 * s.totalFlops();                                   // SqueezeNet 1.1 at 224x224: about 0.7 GFLOP
 * s.row("conv1").receptiveField();                  // Optional[ReceptiveField[conv1: size 3x3 stride 2x2 ...]]
 * }</pre>
 *
 * @param rows one row per non-constant node, in the graph's topological order
 */
public record ModelSummary(List<Row> rows) {

    /** Copies the rows. */
    public ModelSummary {
        rows = List.copyOf(rows);
    }

    /**
     * One layer.
     *
     * @param name           the node's name (what {@code --layer} takes)
     * @param op             the operator kind, e.g. {@code Conv}
     * @param attributes     the operator's attributes, e.g. {@code 3x3 stride 2}, or empty
     * @param inputs         the names of its non-constant inputs
     * @param outputShape    its output shape for one example (batch 1)
     * @param params         the number of elements of its constant inputs
     * @param flops          its forward FLOPs for one example (see the class description)
     * @param receptiveField its units' receptive field, if it has one
     */
    public record Row(String name, String op, String attributes, List<String> inputs, long[] outputShape, long params,
            long flops, Optional<ReceptiveField> receptiveField) {

        /** Copies the lists and the shape. */
        public Row {
            inputs = List.copyOf(inputs);
            outputShape = outputShape.clone();
        }

        /** @return a copy of the output shape. */
        @Override
        public long[] outputShape() {
            return outputShape.clone();
        }
    }

    /**
     * Summarises a model at its input size.
     *
     * @param model the model
     * @return the summary
     * @throws IllegalArgumentException if the graph does not fit its input shape (naming the node)
     */
    public static ModelSummary of(Model model) {
        return of(model.graph(), model.inputSpec().batchShape(1));
    }

    /**
     * Summarises a graph for an input of the given shape.
     *
     * @param graph      the graph
     * @param inputShape the input's shape; its batch size is replaced by 1; empty for the declared shapes
     * @return the summary (receptive fields only for a graph with one image input)
     * @throws IllegalArgumentException if the graph does not fit the shape (naming the node)
     */
    public static ModelSummary of(Graph graph, long... inputShape) {
        long[] one = inputShape.clone();
        if (one.length > 0) {
            one[0] = 1;
        }
        Map<String, long[]> shapes = graph.shapes(one);
        Map<String, ReceptiveField> fields = Map.of();
        if (graph.inputNames().size() == 1 && shapes.get(graph.inputName()).length == 4) {
            fields = ReceptiveField.all(graph, one);
        }
        List<Row> rows = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (n.op() instanceof Constant) {
                continue;
            }
            List<String> inputs = new ArrayList<>();
            long params = 0;
            for (String in : n.inputs()) {
                if (graph.node(in).op() instanceof Constant) {
                    params += count(shapes.get(in));
                } else {
                    inputs.add(in);
                }
            }
            rows.add(new Row(n.name(), n.op().kind(), n.op().describe(), inputs, shapes.get(n.name()), params,
                    flops(n, shapes), Optional.ofNullable(fields.get(n.name()))));
        }
        return new ModelSummary(rows);
    }

    /**
     * The forward FLOPs of one node for the given shapes (one example if the shapes are for batch 1), as the class
     * description defines them.
     *
     * @param node   the node
     * @param shapes every node's output shape, as {@link Graph#shapes} returns them
     * @return the FLOPs; 0 for operators that are not multiply-accumulate layers
     */
    public static long flops(Node node, Map<String, long[]> shapes) {
        Op op = node.op();
        long[] y = shapes.get(node.name());
        if (op instanceof Conv) {
            long[] w = shapes.get(node.inputs().get(1));
            return 2L * y[0] * count(w) * y[2] * y[3];
        }
        if (op instanceof ConvTranspose) {
            long[] x = shapes.get(node.inputs().get(0));
            long[] w = shapes.get(node.inputs().get(1));
            return 2L * x[0] * count(w) * x[2] * x[3];
        }
        if (op instanceof Gemm g) {
            long[] a = shapes.get(node.inputs().get(0));
            long k = g.transA() ? a[0] : a[1];
            return 2L * count(y) * k;
        }
        if (op instanceof Dense) {
            return 2L * count(y) * shapes.get(node.inputs().get(0))[1];
        }
        if (op instanceof MatMul) {
            long[] a = shapes.get(node.inputs().get(0));
            return 2L * count(y) * a[a.length - 1];
        }
        return 0;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * The row of a layer.
     *
     * @param name the node's name
     * @return its row
     * @throws IllegalArgumentException if no row has that name (constants have none)
     */
    public Row row(String name) {
        for (Row r : rows) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("no layer named '" + name + "' in the summary (constants have no row)");
    }

    /** @return the sum of every row's parameters. */
    public long totalParams() {
        return rows.stream().mapToLong(Row::params).sum();
    }

    /**
     * One line for JShell and logs (the table is {@link #table()}), e.g.
     * {@code "ModelSummary[16 layers, input [1, 1, 28, 28] -> output [1, 10], 94,858 parameters, 0.0149 GFLOP per
     * example]"}.
     *
     * @return the description
     */
    @Override
    public String toString() {
        if (rows.isEmpty()) {
            return "ModelSummary[no layers]";
        }
        return String.format(Locale.ROOT, "ModelSummary[%d layers, input %s -> output %s, %,d parameters, %.3g GFLOP per example]",
                rows.size(), Arrays.toString(rows.get(0).outputShape()),
                Arrays.toString(rows.get(rows.size() - 1).outputShape()), totalParams(), totalFlops() / 1e9);
    }

    /** @return the sum of every row's FLOPs (one example). */
    public long totalFlops() {
        return rows.stream().mapToLong(Row::flops).sum();
    }

    /**
     * @return a table with a header: layer, operator, output shape, parameters, FLOPs, receptive field size and
     *         stride ({@code -} where there is none, {@code global} after a global pooling), then a line of totals
     */
    public String table() {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"layer", "operator", "output shape", "params", "FLOPs", "RF size", "RF stride"});
        for (Row r : rows) {
            String size = "-";
            String stride = "-";
            if (r.receptiveField().isPresent()) {
                ReceptiveField f = r.receptiveField().get();
                size = f.isGlobal() ? "global" : f.size()[0] + "x" + f.size()[1];
                stride = f.isGlobal() ? "-" : f.stride()[0] + "x" + f.stride()[1];
            }
            cells.add(new String[] {r.name(), r.op(), Arrays.toString(r.outputShape()), String.format(Locale.ROOT, "%,d", r.params()),
                String.format(Locale.ROOT, "%,d", r.flops()), size, stride});
        }
        int[] width = new int[7];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean numeric = i == 3 || i == 4;
                line.append(String.format(Locale.ROOT, "%" + (numeric ? "" : "-") + width[i] + "s  ", row[i]));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "total: %,d parameters, %,d FLOPs per example (%.3f GFLOP)", totalParams(),
                totalFlops(), totalFlops() / 1e9));
        return sb.toString();
    }
}
