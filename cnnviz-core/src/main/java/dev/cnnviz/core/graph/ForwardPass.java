package dev.cnnviz.core.graph;

import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Input;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One forward evaluation of a {@link Graph}: a scope that owns the activations it computed and can push
 * gradients backward from seeds at any nodes. Everything it allocates (activations, operator temporaries,
 * {@link Gradients}) lives in one pooled ND4J workspace, reset when the pass is closed: arrays obtained from it
 * are invalid afterwards (the next pass reuses their memory), so {@code dup()} what you keep. User code that runs
 * between forward and backward allocates outside the workspace as usual.
 *
 * <p>A pass is not thread-safe; run one pass per thread at a time (it may be handed to another thread; the
 * graph itself is shared freely).
 *
 * <pre>{@code
 * try (ForwardPass pass = graph.forward(x)) {
 *     INDArray act = pass.get("fire9_concat");
 *     Gradients g = pass.backward(Map.of(graph.scoresNode(), seed), List.of(graph.inputName(), "fire9_concat"));
 * }
 * }</pre>
 */
public final class ForwardPass implements AutoCloseable {
    private final Graph graph;
    private final Map<String, INDArray> values;
    private final List<Gradients> gradients = new ArrayList<>();
    private final boolean retainsAll;
    private final Arena arena;
    private boolean closed;

    private ForwardPass(Graph graph, Map<String, INDArray> values, boolean retainsAll) {
        this.graph = graph;
        this.values = values;
        this.retainsAll = retainsAll;
        this.arena = Arena.open();
    }

    static ForwardPass run(Graph graph, Map<String, INDArray> inputs, Set<String> keep) {
        ForwardPass pass = new ForwardPass(graph, new HashMap<>(), keep == null);
        try {
            pass.arena.run(() -> {
                pass.compute(inputs, keep);
                return null;
            });
            return pass;
        } catch (RuntimeException e) {
            pass.close();
            throw e;
        }
    }

    private void compute(Map<String, INDArray> inputs, Set<String> keep) {
        for (String name : inputs.keySet()) {
            if (!graph.inputNames().contains(name)) {
                throw new IllegalArgumentException("'" + name + "' is not an input of the graph; inputs: " + graph.inputNames());
            }
        }
        Map<String, Integer> remaining = new HashMap<>();
        if (keep != null) {
            for (Node n : graph.nodes()) {
                remaining.put(n.name(), graph.consumers(n.name()).size());
            }
        }
        for (Node node : graph.nodes()) {
            Op op = node.op();
            if (op instanceof Constant c) {
                values.put(node.name(), c.value());
                continue;
            }
            if (op instanceof Input in) {
                INDArray x = inputs.get(node.name());
                if (x == null) {
                    throw new IllegalArgumentException("no value given for input '" + node.name() + "'");
                }
                in.check(node.name(), x);
                if (x.dataType() != graph.dataType()) {
                    x = x.castTo(graph.dataType());
                }
                values.put(node.name(), x);
                continue;
            }
            INDArray[] args = new INDArray[node.inputs().size()];
            for (int i = 0; i < args.length; i++) {
                args[i] = values.get(node.inputs().get(i));
            }
            INDArray out;
            try {
                out = op.forward(args);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("node '" + node.name() + "' (" + op.kind() + "): " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new IllegalStateException("node '" + node.name() + "' (" + op.kind() + ") failed on inputs "
                        + describeShapes(args) + ": " + e.getMessage(), e);
            }
            for (INDArray a : args) {
                if (out == a) {
                    throw new IllegalStateException("operator " + op.kind() + " of node '" + node.name()
                            + "' returned its input; operators must return fresh arrays");
                }
            }
            values.put(node.name(), out);
            if (keep != null) {
                for (String in : node.inputs()) {
                    int left = remaining.merge(in, -1, Integer::sum);
                    if (left == 0 && !keep.contains(in)) {
                        values.remove(in);
                    }
                }
            }
        }
    }

    static String describeShapes(INDArray[] args) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < args.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(Arrays.toString(args[i].shape()));
        }
        return sb.append("]").toString();
    }

    /** @return the graph this pass evaluated. */
    public Graph graph() {
        return graph;
    }

    /**
     * Returns the output of node {@code name}, valid until the pass is closed. Do not modify it.
     *
     * @throws IllegalArgumentException for an unknown name (with the closest names)
     * @throws IllegalStateException    if this inference pass did not keep that node
     */
    public INDArray get(String name) {
        checkOpen();
        graph.node(name);
        INDArray v = values.get(name);
        if (v == null) {
            throw new IllegalStateException("node '" + name + "' was not kept by this inference pass; "
                    + "name it in Graph.infer(input, keep) or use Graph.forward");
        }
        return v;
    }

    /** @return the final output (e.g. probabilities). */
    public INDArray output() {
        return get(graph.outputName());
    }

    /** @return the class scores before the final softmax. */
    public INDArray scores() {
        return get(graph.scoresNode());
    }

    /** Backward with the exact gradient rules; see {@link #backward(Map, Collection, BackwardRules)}. */
    public Gradients backward(Map<String, INDArray> seeds, Collection<String> wrt) {
        return backward(seeds, wrt, BackwardRules.standard());
    }

    /**
     * Pushes gradients backward through the graph.
     *
     * <p>The loss is {@code L = Σ_s <seed_s, value_s>}: each seed is the gradient of the loss with respect to
     * its node's output (the lecture's "set the gradient to all zeros except for one 1" is a one-hot seed).
     * Gradients are computed only along paths from the {@code wrt} nodes to the seeded nodes; a {@code wrt}
     * node that no seed depends on gets a zero gradient.
     *
     * @param seeds gradient seeds by node name; each has that node's output shape
     * @param wrt   the nodes whose gradients are wanted: inputs, any intermediate node, or constants
     *              (weights and biases, for parameter gradients)
     * @param rules the backward rule per operator kind
     * @return the gradients, owned by this pass (or closed earlier by the caller)
     */
    public Gradients backward(Map<String, INDArray> seeds, Collection<String> wrt, BackwardRules rules) {
        checkOpen();
        return arena.run(() -> backwardInArena(seeds, wrt, rules));
    }

    private Gradients backwardInArena(Map<String, INDArray> seeds, Collection<String> wrt, BackwardRules rules) {
        if (!retainsAll) {
            throw new IllegalStateException("this pass came from Graph.infer and kept no activations for backward; use Graph.forward");
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("backward needs at least one gradient seed");
        }
        Set<String> targets = new HashSet<>();
        for (String w : wrt) {
            graph.node(w);
            targets.add(w);
        }
        Map<String, INDArray> grads = new HashMap<>();
        for (Map.Entry<String, INDArray> e : seeds.entrySet()) {
            INDArray v = get(e.getKey());
            INDArray s = e.getValue();
            if (!Arrays.equals(v.shape(), s.shape())) {
                throw new IllegalArgumentException("the seed for '" + e.getKey() + "' has shape " + Arrays.toString(s.shape())
                        + " but the node's output has shape " + Arrays.toString(v.shape()));
            }
            grads.put(e.getKey(), s.castTo(v.dataType()).dup());
        }
        Set<String> active = active(seeds.keySet(), targets);
        List<Node> order = graph.nodes();
        for (int idx = order.size() - 1; idx >= 0; idx--) {
            Node node = order.get(idx);
            INDArray g = grads.get(node.name());
            if (g == null || !active.contains(node.name()) || node.inputs().isEmpty()) {
                continue;
            }
            INDArray[] args = new INDArray[node.inputs().size()];
            boolean[] wanted = new boolean[args.length];
            boolean any = false;
            for (int i = 0; i < args.length; i++) {
                args[i] = values.get(node.inputs().get(i));
                wanted[i] = active.contains(node.inputs().get(i));
                any |= wanted[i];
            }
            if (any) {
                INDArray[] back;
                try {
                    back = rules.ruleFor(node.op()).backward(node.op(), args, values.get(node.name()), g, wanted);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("backward of node '" + node.name() + "' (" + node.op().kind()
                            + ") failed: " + e.getMessage(), e);
                }
                Set<INDArray> consumed = Collections.newSetFromMap(new IdentityHashMap<>());
                for (int i = 0; i < args.length; i++) {
                    if (!wanted[i] || back[i] == null) {
                        continue;
                    }
                    String in = node.inputs().get(i);
                    INDArray gi = back[i];
                    if (!Arrays.equals(gi.shape(), args[i].shape())) {
                        throw new IllegalStateException("backward of node '" + node.name() + "' (" + node.op().kind()
                                + ") gave input " + i + " a gradient of shape " + Arrays.toString(gi.shape())
                                + " for a value of shape " + Arrays.toString(args[i].shape()));
                    }
                    INDArray acc = grads.get(in);
                    if (acc == null && !consumed.contains(gi) && gi != g) {
                        // Take the returned array over, unless another input or the output gradient shares it.
                        grads.put(in, gi);
                        consumed.add(gi);
                    } else if (acc == null) {
                        grads.put(in, gi.dup());
                    } else {
                        acc.addi(gi);
                        consumed.add(gi);
                    }
                }
            }
            if (!targets.contains(node.name())) {
                grads.remove(node.name());
            }
        }
        Map<String, INDArray> result = new LinkedHashMap<>();
        for (String w : wrt) {
            INDArray gw = grads.remove(w);
            if (gw == null) {
                gw = values.get(w).ulike().assign(0);
            }
            result.put(w, gw);
        }
        Gradients out = new Gradients(result);
        gradients.add(out);
        return out;
    }

    /** Nodes on some path from a wrt node to a seeded node (both ends included). */
    private Set<String> active(Set<String> seeds, Set<String> targets) {
        Set<String> down = new HashSet<>(targets);
        Deque<String> queue = new ArrayDeque<>(targets);
        while (!queue.isEmpty()) {
            for (String c : graph.consumers(queue.poll())) {
                if (down.add(c)) {
                    queue.add(c);
                }
            }
        }
        Set<String> up = new HashSet<>(seeds);
        queue.addAll(seeds);
        while (!queue.isEmpty()) {
            for (String p : graph.node(queue.poll()).inputs()) {
                if (up.add(p)) {
                    queue.add(p);
                }
            }
        }
        down.retainAll(up);
        return down;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this forward pass was closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Gradients g : gradients) {
            g.close();
        }
        values.clear();
        arena.close();
    }
}
