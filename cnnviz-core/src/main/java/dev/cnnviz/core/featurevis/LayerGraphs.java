package dev.cnnviz.core.featurevis;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Input;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Graphs cut at a layer, for the optimizations that only read one layer (feature inversion, DeepDream): the cut
 * graph holds the layer and the nodes it depends on, so a step's forward and backward passes stop at the layer,
 * and (optionally) its input accepts any height and width, so that a fully convolutional prefix of a model runs on
 * a photo at the photo's own size.
 *
 * <pre>{@code
 * Graph upToFire5 = LayerGraphs.upTo(model.graph(), "concat_fire5/concat_1", true);
 * Map<String, long[]> shapes = upToFire5.shapes(1, 3, 300, 400);   // the layer's size on a 300x400 image
 * }</pre>
 */
public final class LayerGraphs {
    private LayerGraphs() {
    }

    /**
     * Checks a layer name as {@code summary} prints it.
     *
     * @return the name
     * @throws IllegalArgumentException for a null or blank name, an unknown name (naming the closest layers) or a
     *                                  constant (weights)
     */
    public static String requireLayer(Graph graph, String layer) {
        if (layer == null || layer.isBlank()) {
            throw new IllegalArgumentException("the layer name must not be blank, found '" + layer + "'; layers: "
                    + graph.closestNames("conv", 5) + " ... (summary lists them all)");
        }
        Node n = graph.node(layer);
        if (n.op() instanceof Constant) {
            throw new IllegalArgumentException("'" + layer + "' is a constant (weights), not a layer; closest layers: "
                    + graph.closestNames(layer, 5));
        }
        return layer;
    }

    /**
     * The part of {@code graph} that {@code layer} depends on, with {@code layer} as its output and scores node.
     *
     * @param anySize true: the input accepts any height and width (every input axis after the first, the channels,
     *                becomes "any size"); false: the input keeps its declared shape
     * @throws IllegalArgumentException as {@link #requireLayer}, or if the layer does not depend on the graph's
     *                                  single input
     */
    public static Graph upTo(Graph graph, String layer, boolean anySize) {
        requireLayer(graph, layer);
        String input = graph.inputName();
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(layer));
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (needed.add(n)) {
                todo.addAll(graph.node(n).inputs());
            }
        }
        if (!needed.contains(input)) {
            throw new IllegalArgumentException("layer '" + layer + "' does not depend on the input '" + input
                    + "' (it is computed from constants only), so there is nothing to optimize");
        }
        Graph.Builder b = Graph.builder();
        for (Node n : graph.nodes()) {
            if (!needed.contains(n.name())) {
                continue;
            }
            if (n.name().equals(input)) {
                long[] shape = ((Input) n.op()).shape();
                if (anySize) {
                    Arrays.fill(shape, 1, shape.length, -1);
                }
                b.input(input, shape);
            } else {
                b.add(n);
            }
        }
        Graph cut = b.output(layer).scores(layer).build().withMemoryBudget(graph.memoryBudget());
        return graph.usesOneDnn() ? cut : cut.withNd4jOnly();
    }

    /**
     * The layer's shape for an input of {@code inputShape}, or an {@link IllegalArgumentException} saying which node
     * cannot work on an input that size.
     *
     * @param cut        a graph from {@link #upTo}
     * @param inputShape the full input shape, batch first
     * @param what       how the caller names the input, e.g. "octave 4 of 4 (102x143)"
     */
    public static long[] layerShape(Graph cut, String layer, long[] inputShape, String what) {
        Map<String, long[]> shapes;
        try {
            shapes = cut.shapes(inputShape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer '" + layer + "' cannot be computed on " + what + " "
                    + Arrays.toString(inputShape) + ": " + e.getMessage(), e);
        }
        return shapes.get(layer);
    }
}
