package dev.cnnviz.core.train;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Input;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Joins two graphs into one: the second graph's input is fed by a node of the first. This is how a loss network is
 * appended to a transformation network (Johnson et al. 2016), or a decoder to an encoder, so that the whole chain
 * runs forward and backward as one {@link Graph}.
 *
 * <p>The composed graph holds every node of {@code first} under its own name, then every node of {@code second}
 * except its input under {@code prefix + name}; the nodes that read the second graph's input read {@code at}
 * instead. Constant nodes keep their {@link org.nd4j.linalg.api.ndarray.INDArray} values: the weights are shared
 * with both graphs, not copied. The composed graph's output and class-score node are the second graph's (prefixed).
 * Its inputs are the first graph's.
 *
 * <pre>{@code
 * Graph chain = GraphComposer.append(transformNet, "output", lossNet, "loss/");
 * try (ForwardPass p = chain.forwardTo(batch, List.of("loss/relu_fire3"))) { ... }
 * }</pre>
 */
public final class GraphComposer {
    private GraphComposer() {
    }

    /**
     * Appends {@code second} after node {@code at} of {@code first}.
     *
     * @param first  the graph that runs first (its inputs are the composed graph's inputs)
     * @param at     the node of {@code first} whose value feeds {@code second}'s single input
     * @param second the graph that runs after it; it must have exactly one input
     * @param prefix prepended to the names of {@code second}'s nodes, e.g. {@code "loss/"}; may be empty if no name
     *               clashes
     * @return the composed graph, with the memory budget and engine choice of a new graph
     * @throws IllegalArgumentException if {@code at} is not a node of {@code first} (naming the closest names), if
     *                                  {@code second} has several inputs, or if a prefixed name clashes with a node of
     *                                  {@code first} (naming it)
     */
    public static Graph append(Graph first, String at, Graph second, String prefix) {
        if (first == null || second == null) {
            throw new IllegalArgumentException("GraphComposer.append needs two graphs, found " + first + " and " + second);
        }
        if (prefix == null) {
            throw new IllegalArgumentException("the prefix must not be null (use \"\" for none)");
        }
        first.node(at);
        if (second.inputNames().size() != 1) {
            throw new IllegalArgumentException("the appended graph must have one input, found " + second.inputNames());
        }
        String secondInput = second.inputName();
        Graph.Builder b = Graph.builder();
        for (Node n : first.nodes()) {
            if (n.op() instanceof Input in && first.inputNames().contains(n.name())) {
                b.input(n.name(), in.shape());
            } else {
                b.add(n);
            }
        }
        for (Node n : second.nodes()) {
            if (n.name().equals(secondInput)) {
                continue;
            }
            String name = prefix + n.name();
            if (first.contains(name)) {
                throw new IllegalArgumentException("node '" + n.name() + "' of the appended graph becomes '" + name
                        + "', which the first graph already has; choose another prefix than '" + prefix + "'");
            }
            List<String> ins = new ArrayList<>(n.inputs().size());
            for (String in : n.inputs()) {
                ins.add(in.equals(secondInput) ? at : prefix + in);
            }
            b.add(new Node(name, n.op(), ins));
        }
        return b.output(prefix + second.outputName()).scores(prefix + second.scoresNode()).build();
    }

    /**
     * The part of a single-input graph that some nodes depend on, with an input of any height and width: a loss
     * network cut after its deepest loss layer, so that a training pass neither computes nor budgets the layers
     * after it. The output and class-score node is the last of {@code keep} in topological order.
     *
     * @param graph a graph with one input
     * @param keep  the nodes to keep, with what they depend on; at least one
     * @return the cut graph (constants shared)
     * @throws IllegalArgumentException for an unknown node (naming the closest names), an empty list or a graph with
     *                                  several inputs
     */
    public static Graph prune(Graph graph, Collection<String> keep) {
        if (keep == null || keep.isEmpty()) {
            throw new IllegalArgumentException("prune needs at least one node to keep, found " + keep);
        }
        String input = graph.inputName();
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        for (String k : keep) {
            graph.node(k);
            todo.add(k);
        }
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (needed.add(n)) {
                todo.addAll(graph.node(n).inputs());
            }
        }
        Graph.Builder b = Graph.builder();
        String last = null;
        for (Node n : graph.nodes()) {
            if (!needed.contains(n.name()) && !n.name().equals(input)) {
                continue;
            }
            if (n.name().equals(input)) {
                long[] shape = ((Input) n.op()).shape();
                Arrays.fill(shape, 1, shape.length, -1);
                b.input(input, shape);
            } else {
                b.add(n);
            }
            if (keep.contains(n.name())) {
                last = n.name();
            }
        }
        return b.output(last).scores(last).build();
    }
}
