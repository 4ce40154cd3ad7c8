package dev.cnnviz.core.graph;

import dev.cnnviz.api.ResourceLimitException;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Input;
import dev.cnnviz.core.graph.ops.Log;
import dev.cnnviz.core.graph.ops.LogSoftmax;
import dev.cnnviz.core.graph.ops.Shapes;
import dev.cnnviz.core.graph.ops.Softmax;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An immutable, topologically ordered DAG of named nodes: the differentiable form of a CNN.
 *
 * <p>Built by the importers or by {@link #builder()} in code and tests. A graph is safe to use from several
 * threads at once: it holds no mutable state, and every {@link #forward forward pass} is its own scope. The one
 * exception is a graph bound to trainable {@link Parameters} ({@link #withParameters}), whose constants change
 * when the parameters do.
 *
 * <pre>{@code
 * Graph g = Graph.builder()
 *     .input("x", 1, 4, 4)
 *     .constant("w", weights)
 *     .add("conv", new Conv(Conv.Attributes.defaults()), "x", "w")
 *     .add("relu", new Relu(), "conv")
 *     .output("relu")
 *     .build();
 * try (ForwardPass pass = g.forward(batch)) { INDArray y = pass.get("relu"); }
 * }</pre>
 */
public final class Graph {
    private final Map<String, Node> nodes;
    private final List<String> inputNames;
    private final String outputName;
    private final String scoresName;
    private final Map<String, List<String>> consumers;
    private final DataType dataType;
    /** Compiled oneDNN plans for this graph, or null when oneDNN is not used in this process. */
    private final OneDnnPlans plans;
    /** The plans' channel block, or 0 for ND4J only; copies keep it. */
    private final int oneDnnBlock;
    /** The memory budget of this graph's passes, or null for {@link MemoryBudget#defaultBudget()}; copies keep it. */
    private final MemoryBudget budget;
    /** The trainable values bound to this graph's constants ({@link #withParameters}), or null; copies keep them. */
    private final Parameters parameters;
    /** Estimated bytes of a pass by input shapes and kind ({@link #passBytes}), computed once per shape. */
    private final Map<String, Long> passBytes = new ConcurrentHashMap<>();

    private Graph(Map<String, Node> nodes, List<String> inputNames, String outputName, String scoresName) {
        this(nodes, inputNames, outputName, scoresName, OneDnn.BLOCK, null, null);
    }

    /**
     * @param oneDnnBlock the channel block of the oneDNN plans (8 or 16), or 0 to run through ND4J only
     * @param budget      the memory budget of passes, or null for the default
     * @param parameters  the parameters whose arrays some constant nodes hold, or null
     */
    private Graph(Map<String, Node> nodes, List<String> inputNames, String outputName, String scoresName, int oneDnnBlock,
                  MemoryBudget budget, Parameters parameters) {
        this.budget = budget;
        this.parameters = parameters;
        this.nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        this.inputNames = List.copyOf(inputNames);
        this.outputName = outputName;
        this.scoresName = scoresName;
        Map<String, List<String>> cons = new HashMap<>();
        for (Node n : nodes.values()) {
            cons.putIfAbsent(n.name(), new ArrayList<>());
            for (String in : n.inputs()) {
                cons.computeIfAbsent(in, k -> new ArrayList<>()).add(n.name());
            }
        }
        cons.replaceAll((k, v) -> List.copyOf(v));
        this.consumers = Map.copyOf(cons);
        this.dataType = nodes.values().stream()
                .filter(n -> n.op() instanceof Constant c && c.value().dataType().isFPType())
                .map(n -> ((Constant) n.op()).value().dataType())
                .findFirst().orElse(DataType.FLOAT);
        this.oneDnnBlock = oneDnnBlock;
        this.plans = oneDnnBlock != 0 && OneDnn.available() ? new OneDnnPlans(this, oneDnnBlock) : null;
    }

    /**
     * Returns a copy that runs every node through its ND4J operator, never through a oneDNN plan. The results are
     * the same to float32 rounding (tests compare the two); use it to compare engines, or to rule the direct
     * engine out when hunting a problem. Without oneDNN in the process (other backends, other platforms, or
     * {@code -Dcnnviz.onednn=false}) every graph already behaves so.
     */
    public Graph withNd4jOnly() {
        return new Graph(nodes, inputNames, outputName, scoresName, 0, budget, parameters);
    }

    /**
     * A copy whose oneDNN plans keep activations in blocks of {@code block} channels (8 or 16) whatever the
     * machine's default ({@link OneDnn#BLOCK}): tests run both layouts on one machine.
     */
    Graph withOneDnnBlock(int block) {
        OneDnn.blockedTag(block);
        return new Graph(nodes, inputNames, outputName, scoresName, block, budget, parameters);
    }

    /** @return whether forward passes run the convolutional nodes directly on oneDNN (see {@link #withNd4jOnly}). */
    public boolean usesOneDnn() {
        return plans != null;
    }

    /** @return this graph's pool of oneDNN plans, or null when graphs run through ND4J only. */
    OneDnnPlans plans() {
        return plans;
    }

    /** @return a builder for a new graph. */
    public static Builder builder() {
        return new Builder();
    }

    /** @return all nodes in topological order (inputs and constants included). */
    public List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    /** @return the node names in topological order. */
    public List<String> names() {
        return List.copyOf(nodes.keySet());
    }

    /** @return whether a node of this name exists. */
    public boolean contains(String name) {
        return nodes.containsKey(name);
    }

    /**
     * Returns the node of this name.
     *
     * @throws IllegalArgumentException naming the unknown name and the closest existing names
     */
    public Node node(String name) {
        Node n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no node named '" + name + "' in the graph; closest names: "
                    + closestNames(name, 5) + " (Graph.names() lists all " + nodes.size() + ")");
        }
        return n;
    }

    /** @return up to {@code k} node names closest to {@code name} (edit distance, then substring matches first). */
    public List<String> closestNames(String name, int k) {
        String q = name == null ? "" : name.toLowerCase();
        return nodes.keySet().stream()
                .filter(n -> !(nodes.get(n).op() instanceof Constant))
                .sorted(Comparator.<String>comparingInt(n -> n.toLowerCase().contains(q) || q.contains(n.toLowerCase()) ? 0 : 1)
                        .thenComparingInt(n -> editDistance(q, n.toLowerCase())))
                .limit(k)
                .collect(Collectors.toList());
    }

    /** @return up to {@code k} constant-node names closest to {@code name} (as {@link #closestNames}) */
    List<String> closestConstantNames(String name, int k) {
        String q = name == null ? "" : name.toLowerCase();
        return nodes.keySet().stream()
                .filter(n -> nodes.get(n).op() instanceof Constant)
                .sorted(Comparator.<String>comparingInt(n -> n.toLowerCase().contains(q) || q.contains(n.toLowerCase()) ? 0 : 1)
                        .thenComparingInt(n -> editDistance(q, n.toLowerCase())))
                .limit(k)
                .collect(Collectors.toList());
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** @return the names of the graph's input nodes, in order. */
    public List<String> inputNames() {
        return inputNames;
    }

    /** @return the name of the single input node. @throws IllegalStateException if the graph has several */
    public String inputName() {
        if (inputNames.size() != 1) {
            throw new IllegalStateException("the graph has " + inputNames.size() + " inputs " + inputNames
                    + "; pass inputs by name");
        }
        return inputNames.get(0);
    }

    /** @return the name of the node whose value is the model's final output (e.g. softmax probabilities). */
    public String outputName() {
        return outputName;
    }

    /**
     * @return the node that gives the class scores before the final softmax (the lecture's "score for class c,
     * before softmax"), used by gradient methods by default; the output node if the model has no final softmax.
     */
    public String scoresNode() {
        return scoresName;
    }

    /** @return the names of the nodes that read this node's output. */
    public List<String> consumers(String name) {
        node(name);
        return consumers.getOrDefault(name, List.of());
    }

    /** @return the floating-point type the graph computes in (that of its weights). */
    public DataType dataType() {
        return dataType;
    }

    /** @return the value of a constant node (weights, biases, statistics). */
    public INDArray constant(String name) {
        if (node(name).op() instanceof Constant c) {
            return c.value();
        }
        throw new IllegalArgumentException("node '" + name + "' is a " + node(name).op().kind() + ", not a Constant");
    }

    /** @return the names of all constant (parameter) nodes. */
    public List<String> constantNames() {
        return nodes.values().stream().filter(n -> n.op() instanceof Constant).map(Node::name).toList();
    }

    /**
     * Returns a copy of this graph in which the given constant nodes hold new values (same shapes). The
     * original graph is unchanged: this is how training, pruning or the model-randomisation sanity check
     * work without side effects on the caller's model.
     */
    public Graph withConstants(Map<String, INDArray> values) {
        Map<String, Node> copy = new LinkedHashMap<>(nodes);
        for (Map.Entry<String, INDArray> e : values.entrySet()) {
            INDArray old = constant(e.getKey());
            if (!Arrays.equals(old.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("constant '" + e.getKey() + "' has shape " + Arrays.toString(old.shape())
                        + ", the new value has " + Arrays.toString(e.getValue().shape()));
            }
            copy.put(e.getKey(), new Node(e.getKey(), new Constant(e.getValue()), List.of()));
        }
        return new Graph(copy, inputNames, outputName, scoresName, oneDnnBlock, budget, parameters);
    }

    /**
     * Returns a copy of this graph whose constant nodes named in {@code p} hold {@code p}'s arrays: every forward
     * pass of the copy reads their current values, on ND4J and on the oneDNN plans alike (a plan copies a parameter
     * again into its own layout when the parameter's version has changed since its last step, and only then).
     * This graph is not changed. Gradients with respect to the parameters come from
     * {@link ForwardPass#backward(Map, Collection)} with {@code wrt = p.names()}.
     *
     * <p>The copy is as thread-safe as {@code p}: no pass may run while {@code p} changes. Once {@code p} is closed,
     * passes of the copy are refused. Several graphs may share one {@code Parameters} (e.g. an encoder and a decoder).
     *
     * <pre>{@code
     * Parameters p = Parameters.of(graph, List.of("conv1_w", "conv1_b"));
     * Graph trainable = graph.withParameters(p);
     * p.update("conv1_w", w -> w.muli(0.5));            // the next pass of trainable sees it
     * }</pre>
     *
     * @throws IllegalArgumentException when a name of {@code p} is not a constant of this graph (naming the closest
     *                                  constants), or its constant has another shape or data type than the parameter
     * @throws IllegalStateException    if {@code p} is closed
     */
    public Graph withParameters(Parameters p) {
        Objects.requireNonNull(p, "parameters");
        p.checkOpen();
        if (parameters != null && parameters != p) {
            throw new IllegalArgumentException("this graph is already bound to Parameters " + parameters.names()
                    + "; a graph reads one Parameters: make one holding every trainable constant and bind it to the original graph");
        }
        Map<String, Node> copy = new LinkedHashMap<>(nodes);
        for (String name : p.names()) {
            Parameters.checkConstant(this, name);
            INDArray old = constant(name);
            INDArray now = p.slot(name).array;
            if (!Arrays.equals(old.shape(), now.shape()) || old.dataType() != now.dataType()) {
                throw new IllegalArgumentException("constant '" + name + "' is " + old.dataType() + " " + Arrays.toString(old.shape())
                        + ", the parameter is " + now.dataType() + " " + Arrays.toString(now.shape()));
            }
            copy.put(name, new Node(name, new Constant(now), List.of()));
        }
        return new Graph(copy, inputNames, outputName, scoresName, oneDnnBlock, budget, p);
    }

    /** @return the {@link Parameters} bound by {@link #withParameters}, or null for a graph of fixed constants */
    public Parameters parameters() {
        return parameters;
    }

    /**
     * @return the slot of parameter {@code name} if node {@code name} holds that parameter's array, else null (for
     *         the plans, which copy a constant once but a parameter whenever its version changes)
     */
    Parameters.Slot parameterSlot(String name) {
        if (parameters == null || !parameters.contains(name) || !(nodes.get(name).op() instanceof Constant c)) {
            return null;
        }
        Parameters.Slot s = parameters.slot(name);
        return s.array == c.value() ? s : null;
    }

    /** @throws IllegalStateException when the bound parameters are closed */
    void checkParameters() {
        if (parameters != null && parameters.isClosed()) {
            throw new IllegalStateException("the Parameters " + parameters.names() + " bound to this graph were closed; "
                    + "its constants have no values");
        }
    }

    /** Returns a copy whose class-score node is {@code name}. */
    public Graph withScoresNode(String name) {
        node(name);
        return new Graph(nodes, inputNames, outputName, name, oneDnnBlock, budget, parameters);
    }

    /**
     * Runs the graph forward on a single-input batch, keeping every activation for {@link ForwardPass#backward}.
     * Close the returned pass to free native memory.
     */
    public ForwardPass forward(INDArray input) {
        return forward(Map.of(inputName(), input));
    }

    /**
     * Runs the graph forward on named inputs, keeping every activation.
     *
     * @throws ResourceLimitException if the pass and a backward pass after it would need more than the
     *                                {@link #memoryBudget() memory budget} (checked before anything is allocated)
     */
    public ForwardPass forward(Map<String, INDArray> inputs) {
        checkParameters();
        checkMemory(inputs, true);
        return ForwardPass.run(this, inputs, null);
    }

    /**
     * Runs the graph forward on a single-input batch, keeping every activation for {@link ForwardPass#backward}, but
     * computing only {@code targets} and the nodes they depend on: what an objective on some layers needs, without
     * the layers after them (nor, for the class scores, the final softmax). The pass can run backward from seeds at
     * those nodes to any node they depend on; reading a node that was not computed is an
     * {@link IllegalStateException}. Such passes get oneDNN plans of their own (one per set of targets).
     *
     * <pre>{@code
     * try (ForwardPass pass = graph.forwardTo(x, List.of("fire6_concat"))) {   // fire7 onwards is skipped
     *     Gradients g = pass.backward(Map.of("fire6_concat", seed), List.of(graph.inputName()));
     * }
     * }</pre>
     *
     * @throws IllegalArgumentException for an unknown target (with the closest names) or an empty set of targets
     * @throws ResourceLimitException   as {@link #forward(Map)}
     */
    public ForwardPass forwardTo(INDArray input, Collection<String> targets) {
        return forwardTo(Map.of(inputName(), input), targets);
    }

    /** Named-input form of {@link #forwardTo(INDArray, Collection)}. */
    public ForwardPass forwardTo(Map<String, INDArray> inputs, Collection<String> targets) {
        if (targets == null || targets.isEmpty()) {
            throw new IllegalArgumentException("forwardTo needs at least one target node, found " + targets);
        }
        for (String t : targets) {
            node(t);
        }
        checkParameters();
        checkMemory(inputs, true);
        return ForwardPass.run(this, inputs, null, targets);
    }

    /**
     * Runs the graph forward for inference only, keeping just the output, the class scores and the
     * {@code keep} nodes; other activations are dropped from the pass as soon as they are consumed. Their memory
     * is part of the pass's workspace and returns to the pool, for the next pass, when this one is closed. The
     * pass cannot run backward.
     */
    public ForwardPass infer(INDArray input, Collection<String> keep) {
        return infer(Map.of(inputName(), input), keep);
    }

    /**
     * Named-input form of {@link #infer(INDArray, Collection)}.
     *
     * @throws ResourceLimitException if the pass would need more than the {@link #memoryBudget() memory budget}
     */
    public ForwardPass infer(Map<String, INDArray> inputs, Collection<String> keep) {
        checkParameters();
        checkMemory(inputs, false);
        Set<String> k = new HashSet<>(keep);
        for (String n : keep) {
            node(n);
        }
        k.add(outputName);
        k.add(scoresName);
        return ForwardPass.run(this, inputs, k);
    }

    /**
     * A copy whose forward and backward passes are held to {@code budget} instead of
     * {@link MemoryBudget#defaultBudget()}.
     *
     * <pre>{@code
     * Graph small = model.graph().withMemoryBudget(MemoryBudget.parse("2g"));
     * }</pre>
     */
    public Graph withMemoryBudget(MemoryBudget budget) {
        return new Graph(nodes, inputNames, outputName, scoresName, oneDnnBlock, Objects.requireNonNull(budget, "budget"), parameters);
    }

    /** @return the budget this graph's passes are held to: the one chosen, or the default (read now) */
    public MemoryBudget memoryBudget() {
        return budget != null ? budget : MemoryBudget.defaultBudget();
    }

    /**
     * Estimates the native memory of one pass from the static shapes ({@link #shapes(Map)}): the sum of every
     * node's output (constants excluded) in the graph's data type, twice that when {@code backward} (a gradient per
     * activation). An upper bound on what the engine holds at once: an inference pass drops activations as it goes,
     * and oneDNN plans reuse some buffers.
     *
     * @param inputShapes full input shapes (batch included) by input name; see {@link #shapes(Map)}
     * @param backward    whether the pass keeps its activations for a backward pass
     * @return the estimate in bytes, {@link Long#MAX_VALUE} when it overflows a long
     * @throws IllegalArgumentException as {@link #shapes(Map)}, when the inputs do not fit the graph
     */
    public long passBytes(Map<String, long[]> inputShapes, boolean backward) {
        StringBuilder key = new StringBuilder(backward ? "b" : "f");
        for (Map.Entry<String, long[]> e : new java.util.TreeMap<>(inputShapes).entrySet()) {
            key.append('|').append(e.getKey()).append(Arrays.toString(e.getValue()));
        }
        Long cached = passBytes.get(key.toString());
        if (cached != null) {
            return cached;
        }
        int width = dataType.width();
        long total = 0;
        for (Map.Entry<String, long[]> e : shapes(inputShapes).entrySet()) {
            if (!(nodes.get(e.getKey()).op() instanceof Constant)) {
                total = MemoryBudget.saturatedAdd(total, MemoryBudget.bytesOf(width, e.getValue()));
            }
        }
        long bytes = backward ? MemoryBudget.saturatedAdd(total, total) : total;
        passBytes.put(key.toString(), bytes);
        return bytes;
    }

    /** Refuses a pass that would need more than the budget, before anything is allocated. */
    private void checkMemory(Map<String, INDArray> inputs, boolean backward) {
        Map<String, long[]> shapes = new HashMap<>();
        for (Map.Entry<String, INDArray> e : inputs.entrySet()) {
            if (e.getValue() == null || !inputNames.contains(e.getKey())) {
                return; // the pass reports the missing or unknown input in its own words
            }
            shapes.put(e.getKey(), e.getValue().shape());
        }
        if (!shapes.keySet().containsAll(inputNames)) {
            return;
        }
        long bytes;
        try {
            bytes = passBytes(shapes, backward);
        } catch (IllegalArgumentException e) {
            return; // inputs that do not fit the graph: the pass names the node that refuses them
        }
        MemoryBudget b = memoryBudget();
        if (bytes <= b.bytes()) {
            return;
        }
        long[] first = shapes.get(inputNames.get(0));
        String what = (backward ? "a forward and backward pass" : "an inference pass") + " on input " + Arrays.toString(first)
                + " (" + (backward ? "activations and gradients" : "activations") + " of " + nodes.size() + " nodes)";
        String shrink = "";
        long batch = first.length > 0 ? first[0] : 1;
        if (batch > 1 && bytes != Long.MAX_VALUE) {
            long perExample = Math.max(1, bytes / batch);
            long fits = b.bytes() / perExample;
            shrink = fits >= 1 ? "at most " + fits + " examples per pass fit, use a smaller batch" : "even one example does not fit";
        }
        b.check(what, bytes, shrink);
    }

    /**
     * The static output shape of every node, for inputs of the given shapes, computed from the operators' shape
     * functions ({@link Op#outputShape}) without running anything: this validates the whole graph against its
     * inputs' shapes (kernels against weights, groups against channels, pads against sizes, every size at least 1,
     * element counts within a long). Linear in the number of nodes and edges.
     *
     * @param inputShapes full shapes (batch included) of the graph inputs by name; an input without an entry takes
     *                    its declared shape with a batch of 1 (and must then have every size fixed)
     * @return every node's output shape (constants and inputs included), in topological order; fresh arrays
     * @throws IllegalArgumentException for a name that is not a graph input, or when a node does not fit its inputs'
     *                                  shapes: the message starts {@code "node 'NAME' (KIND): "} and goes on with the
     *                                  operator's, which names the attribute or operand and the values
     */
    public Map<String, long[]> shapes(Map<String, long[]> inputShapes) {
        for (String name : inputShapes.keySet()) {
            if (!inputNames.contains(name)) {
                throw new IllegalArgumentException("'" + name + "' is not an input of the graph; its inputs are " + inputNames);
            }
        }
        Map<String, long[]> out = new LinkedHashMap<>(nodes.size() * 4 / 3 + 1);
        for (Node n : nodes.values()) {
            Op op = n.op();
            long[][] ins;
            if (op instanceof Input) {
                long[] given = inputShapes.get(n.name());
                ins = given == null ? new long[0][] : new long[][] {given.clone()};
            } else {
                List<String> names = n.inputs();
                ins = new long[names.size()][];
                for (int i = 0; i < ins.length; i++) {
                    ins[i] = out.get(names.get(i));
                }
            }
            long[] shape;
            try {
                shape = op.outputShape(ins);
                if (!(op instanceof Constant)) {
                    Shapes.output(op.kind(), shape);
                }
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IllegalArgumentException("node '" + n.name() + "' (" + op.kind() + "): " + e.getMessage(), e);
            }
            out.put(n.name(), shape);
        }
        return out;
    }

    /**
     * {@link #shapes(Map)} for a graph with one input.
     *
     * @param inputShape the input's full shape, batch included (e.g. {@code 1, 3, 224, 224}); none: every input's
     *                   declared shape with a batch of 1 (for any number of inputs)
     * @throws IllegalStateException    when a shape is given and the graph has several inputs
     * @throws IllegalArgumentException as {@link #shapes(Map)}
     */
    public Map<String, long[]> shapes(long... inputShape) {
        return shapes(inputShape.length == 0 ? Map.of() : Map.of(inputName(), inputShape));
    }

    /** @return a multi-line table: name, operator, attributes, inputs. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        int w = nodes.keySet().stream().mapToInt(String::length).max().orElse(4);
        String fmt = "%-" + w + "s  %-22s  %s%n";
        sb.append(String.format(fmt, "node", "operator", "inputs / attributes"));
        for (Node n : nodes.values()) {
            if (n.op() instanceof Constant c) {
                continue;
            }
            String ins = n.inputs().stream().map(i -> nodes.get(i).op() instanceof Constant c
                    ? i + Arrays.toString(c.value().shape()) : i).collect(Collectors.joining(", "));
            sb.append(String.format(fmt, n.name(), n.op().kind(), ins + (n.op().describe().isEmpty() ? "" : "  {" + n.op().describe() + "}")));
        }
        sb.append("input ").append(inputNames).append(", scores ").append(scoresName).append(", output ").append(outputName)
                .append(", ").append(constantNames().stream().mapToLong(c -> constant(c).length()).sum()).append(" parameters");
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Graph[" + nodes.size() + " nodes, input " + inputNames + ", scores " + scoresName + ", output " + outputName + "]";
    }

    /** Collects nodes in topological order; {@link #build()} validates the wiring. */
    public static final class Builder {
        private final Map<String, Node> nodes = new LinkedHashMap<>();
        private final List<String> inputs = new ArrayList<>();
        private String output;
        private String scores;

        private Builder() {
        }

        /** Adds an input of shape {@code [N, shapeWithoutBatch...]}, for an image {@code [N, channels, height, width]}. */
        public Builder input(String name, long... shapeWithoutBatch) {
            add(name, new Input(shapeWithoutBatch));
            inputs.add(name);
            return this;
        }

        /** Adds a constant (a weight, bias or statistic). */
        public Builder constant(String name, INDArray value) {
            return add(name, new Constant(value));
        }

        /** Adds a node; its inputs must already be in the builder. */
        public Builder add(String name, Op op, String... inputNames) {
            return add(new Node(name, op, List.of(inputNames)));
        }

        /** Adds a node; its inputs must already be in the builder. */
        public Builder add(Node node) {
            if (nodes.containsKey(node.name())) {
                throw new IllegalArgumentException("duplicate node name '" + node.name() + "'");
            }
            for (String in : node.inputs()) {
                if (!nodes.containsKey(in)) {
                    throw new IllegalArgumentException("node '" + node.name() + "' reads '" + in
                            + "', which is not defined before it");
                }
            }
            nodes.put(node.name(), node);
            return this;
        }

        /** @return whether a node of this name was added. */
        public boolean has(String name) {
            return nodes.containsKey(name);
        }

        /**
         * A name no node has yet: {@code base}, else {@code base_2}, {@code base_3}, … (for importers that derive
         * names of weights and helper nodes from layer names).
         */
        public String unusedName(String base) {
            if (!has(base)) {
                return base;
            }
            for (int i = 2; ; i++) {
                if (!has(base + "_" + i)) {
                    return base + "_" + i;
                }
            }
        }

        /** @return the node of this name, if added. */
        public Node get(String name) {
            return nodes.get(name);
        }

        /** Marks the model's output node (default: the last node added). */
        public Builder output(String name) {
            this.output = name;
            return this;
        }

        /**
         * Marks the class-score node (default: the input of a final Softmax, LogSoftmax or Log of a Softmax, else the
         * output).
         */
        public Builder scores(String name) {
            this.scores = name;
            return this;
        }

        /** Validates and builds the graph. */
        public Graph build() {
            if (inputs.isEmpty()) {
                throw new IllegalArgumentException("the graph has no input");
            }
            if (nodes.isEmpty()) {
                throw new IllegalArgumentException("the graph is empty");
            }
            String out = output != null ? output : new ArrayList<>(nodes.keySet()).get(nodes.size() - 1);
            if (!nodes.containsKey(out)) {
                throw new IllegalArgumentException("output node '" + out + "' is not in the graph");
            }
            String sc = scores != null ? scores : defaultScores(out);
            if (!nodes.containsKey(sc)) {
                throw new IllegalArgumentException("scores node '" + sc + "' is not in the graph");
            }
            return new Graph(nodes, inputs, out, sc);
        }

        /**
         * The scores are the input of the last Softmax, LogSoftmax or Log of a Softmax (the log-probabilities of
         * old exports) on the way back from the output through shape-only nodes.
         */
        private String defaultScores(String out) {
            String cur = out;
            while (true) {
                Node n = nodes.get(cur);
                if (n.op() instanceof Softmax || n.op() instanceof LogSoftmax) {
                    return n.inputs().get(0);
                }
                if (n.op() instanceof Log && n.inputs().size() == 1) {
                    Node p = nodes.get(n.inputs().get(0));
                    if (p.op() instanceof Softmax && !p.inputs().isEmpty()) {
                        return p.inputs().get(0);
                    }
                }
                if (n.op() instanceof ShapeOnly && !n.inputs().isEmpty()) {
                    cur = n.inputs().get(0);
                } else {
                    return out;
                }
            }
        }
    }

    /**
     * Marker for operators that only move or reshape values (Flatten, Reshape, Identity, Dropout): the
     * default class-score search looks through them for a final softmax.
     */
    public interface ShapeOnly {
    }
}
