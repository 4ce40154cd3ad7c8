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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
    /** The oneDNN plan running this pass's convolutional nodes, or null (ND4J only). */
    private OneDnnPlan plan;
    private String planKey;
    /** For inference passes: the nodes the caller may read (null: all). */
    private Set<String> readable;
    /** For passes run only as far as some targets: the nodes computed (the targets and what they depend on), else null. */
    private Set<String> required;
    /** The targets of such a pass, for messages. */
    private Collection<String> targets;
    private boolean closed;

    private ForwardPass(Graph graph, Map<String, INDArray> values, boolean retainsAll) {
        this.graph = graph;
        this.values = values;
        this.retainsAll = retainsAll;
        this.arena = Arena.open();
    }

    static ForwardPass run(Graph graph, Map<String, INDArray> inputs, Set<String> keep) {
        return run(graph, inputs, keep, null);
    }

    /**
     * @param targets null to compute every node; else (a training pass, {@code keep == null}) only these nodes and
     *                the nodes they depend on
     */
    static ForwardPass run(Graph graph, Map<String, INDArray> inputs, Set<String> keep, Collection<String> targets) {
        ForwardPass pass = new ForwardPass(graph, new HashMap<>(), keep == null);
        pass.readable = keep;
        if (targets != null) {
            pass.targets = List.copyOf(targets);
            pass.required = pass.ancestors(targets);
        }
        try {
            pass.borrowPlan(inputs);
            pass.arena.run(() -> {
                pass.compute(inputs, keep);
                return null;
            });
            if (pass.plan != null) {
                pass.plan.markBuilt();
            }
            return pass;
        } catch (RuntimeException e) {
            pass.close();
            throw e;
        }
    }

    /** Takes a oneDNN plan for these input shapes when the graph and inputs allow one. */
    private void borrowPlan(Map<String, INDArray> inputs) {
        OneDnnPlans plans = graph.plans();
        if (plans == null || graph.dataType() != DataType.FLOAT) {
            return;
        }
        StringBuilder key = new StringBuilder();
        for (String name : graph.inputNames()) {
            INDArray x = inputs.get(name);
            if (x == null || x.dataType() != DataType.FLOAT) {
                return;
            }
            key.append(name).append(Arrays.toString(x.shape())).append(';');
        }
        key.append(retainsAll ? "training" : "inference");
        if (required != null) {
            // A plan traced for part of the graph runs only that part: it is pooled apart from whole-graph plans.
            key.append(" up to ").append(new java.util.TreeSet<>(targets));
        }
        planKey = key.toString();
        plan = plans.borrow(planKey, retainsAll);
    }

    /**
     * The value of node {@code name} as an ND4J array: computed by ND4J, or copied out of the oneDNN plan (once,
     * then cached), or null if neither has it.
     */
    private INDArray value(String name) {
        INDArray v = values.get(name);
        if (v == null && plan != null && plan.holds(name)) {
            v = plan.export(name);
            values.put(name, v);
        }
        return v;
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
            if (required != null && !required.contains(node.name()) && !(op instanceof Input)) {
                continue;
            }
            if (op instanceof Constant c) {
                values.put(node.name(), c.value());
                Parameters.Slot slot = plan != null && plan.built() && plan.imports(node.name()) ? graph.parameterSlot(node.name()) : null;
                if (slot != null) {
                    plan.importParameter(node.name(), slot); // copied again only if changed since the last pass
                }
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
                if (plan != null && plan.built() && plan.imports(node.name())) {
                    plan.importValue(node.name(), x);
                }
                continue;
            }
            if (plan != null && runOnPlan(node)) {
                continue;
            }
            INDArray[] args = new INDArray[node.inputs().size()];
            for (int i = 0; i < args.length; i++) {
                args[i] = value(node.inputs().get(i));
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
            if (plan != null && plan.built() && plan.imports(node.name())) {
                plan.importValue(node.name(), out);
            }
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

    /** Runs a node on the oneDNN plan if it is planned (or, while tracing, can be planned). */
    private boolean runOnPlan(Node node) {
        if (plan.built()) {
            if (!plan.runs(node.name())) {
                return false;
            }
            plan.forward(node.name());
            return true;
        }
        INDArray[] args = new INDArray[node.inputs().size()];
        for (int i = 0; i < args.length; i++) {
            String in = node.inputs().get(i);
            args[i] = plan.holds(in) ? null : values.get(in);
        }
        return plan.tryAdd(graph, node, args);
    }

    static String describeShapes(INDArray[] args) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < args.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(Arrays.toString(args[i].shape()));
        }
        return sb.append("]").toString();
    }

    /** @return whether node {@code name} ran on this pass's oneDNN plan (for tests and diagnostics). */
    boolean ranOnOneDnn(String name) {
        return plan != null && plan.runs(name);
    }

    /** @return whether the last backward pass left a gradient of {@code name} in the oneDNN plan (for tests) */
    boolean gradientOnOneDnn(String name) {
        return plan != null && plan.hasGradient(name);
    }

    /** @return the oneDNN implementations of this pass's plan that are reference kernels (for tests) */
    List<String> referenceKernels() {
        return plan == null ? List.of() : plan.referenceKernels();
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
        if (v == null && plan != null && plan.holds(name) && (readable == null || readable.contains(name))) {
            v = arena.run(() -> value(name));
        }
        if (v == null && required != null && !required.contains(name)) {
            throw new IllegalStateException("node '" + name + "' was not computed by this pass, which ran only as far as "
                    + targets + "; name it in Graph.forwardTo(input, targets) or use Graph.forward");
        }
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
            checkComputed(w, "a gradient for");
            targets.add(w);
        }
        for (String n : seeds.keySet()) {
            graph.node(n);
            checkComputed(n, "a seed at");
        }
        Map<String, INDArray> grads = new HashMap<>();
        for (Map.Entry<String, INDArray> e : seeds.entrySet()) {
            long[] shape = shapeOf(e.getKey());
            INDArray s = e.getValue();
            if (!Arrays.equals(shape, s.shape())) {
                throw new IllegalArgumentException("the seed for '" + e.getKey() + "' has shape " + Arrays.toString(s.shape())
                        + " but the node's output has shape " + Arrays.toString(shape));
            }
            grads.put(e.getKey(), s.castTo(graph.dataType()).dup());
        }
        Set<String> active = active(seeds.keySet(), targets);
        Set<String> complete = new HashSet<>();
        if (plan != null) {
            plan.beginBackward(targets);
        }
        List<Node> order = graph.nodes();
        for (int idx = order.size() - 1; idx >= 0; idx--) {
            Node node = order.get(idx);
            String name = node.name();
            if (!active.contains(name) || node.inputs().isEmpty() || !hasGradient(grads, name)) {
                continue;
            }
            boolean[] wanted = new boolean[node.inputs().size()];
            boolean any = false;
            for (int i = 0; i < wanted.length; i++) {
                wanted[i] = active.contains(node.inputs().get(i));
                any |= wanted[i];
            }
            BackwardRule rule = rules.ruleFor(node.op());
            if (any && plan != null && plan.canBackward(name, rule, wanted)) {
                INDArray pending = grads.remove(name);
                if (pending != null) {
                    plan.addGradient(name, pending);
                }
                try {
                    plan.backward(name, rule, wanted);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("backward of node '" + name + "' (" + node.op().kind() + ") failed: " + e.getMessage(), e);
                }
                continue;
            }
            INDArray g = gradient(grads, name);
            if (any) {
                INDArray[] args = new INDArray[node.inputs().size()];
                for (int i = 0; i < args.length; i++) {
                    args[i] = value(node.inputs().get(i));
                }
                INDArray[] back;
                try {
                    back = rule.backward(node.op(), args, value(name), g, wanted);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("backward of node '" + name + "' (" + node.op().kind()
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
                        throw new IllegalStateException("backward of node '" + name + "' (" + node.op().kind()
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
            if (!targets.contains(name)) {
                grads.remove(name);
            } else {
                grads.put(name, g);
                complete.add(name);
            }
        }
        Map<String, INDArray> result = new LinkedHashMap<>();
        for (String w : wrt) {
            // A node that ran backward on ND4J holds its whole gradient in grads; others may have parts on both sides.
            INDArray gw = complete.contains(w) ? grads.get(w) : hasGradient(grads, w) ? gradient(grads, w) : null;
            grads.remove(w);
            if (gw == null) {
                gw = Nd4j.zeros(graph.dataType(), shapeOf(w));
            }
            result.put(w, gw);
        }
        Gradients out = new Gradients(result);
        gradients.add(out);
        return out;
    }

    /** The shape of a node's value, without copying it out of the oneDNN plan. */
    private long[] shapeOf(String name) {
        if (!values.containsKey(name) && plan != null && plan.holds(name)) {
            return plan.dims(name);
        }
        INDArray v = value(name);
        if (v == null) {
            throw new IllegalStateException("node '" + name + "' has no value in this pass");
        }
        return v.shape();
    }

    private boolean hasGradient(Map<String, INDArray> grads, String name) {
        return grads.containsKey(name) || (plan != null && plan.hasGradient(name));
    }

    /** The whole gradient of a node's output as an ND4J array: ND4J contributions plus the plan's, if any. */
    private INDArray gradient(Map<String, INDArray> grads, String name) {
        INDArray g = grads.get(name);
        if (plan != null && plan.hasGradient(name)) {
            INDArray fromPlan = plan.exportGradient(name);
            g = g == null ? fromPlan : g.addi(fromPlan);
        }
        return g;
    }

    private void checkComputed(String name, String what) {
        if (required != null && !required.contains(name)) {
            throw new IllegalArgumentException("this pass ran only as far as " + targets + " and cannot give " + what
                    + " '" + name + "', which they do not depend on; include it in Graph.forwardTo's targets");
        }
    }

    /** The nodes {@code targets} depend on, themselves included. */
    private Set<String> ancestors(Collection<String> targets) {
        Set<String> up = new HashSet<>();
        Deque<String> queue = new ArrayDeque<>();
        for (String t : targets) {
            graph.node(t);
            if (up.add(t)) {
                queue.add(t);
            }
        }
        while (!queue.isEmpty()) {
            for (String p : graph.node(queue.poll()).inputs()) {
                if (up.add(p)) {
                    queue.add(p);
                }
            }
        }
        return up;
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
        if (plan != null) {
            graph.plans().giveBack(planKey, plan);
            plan = null;
        }
        arena.close();
    }
}
