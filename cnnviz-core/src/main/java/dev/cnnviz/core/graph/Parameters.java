package dev.cnnviz.core.graph;

import dev.cnnviz.core.graph.ops.Constant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The trainable values of a graph: a mutable set of named floating-point arrays, copies of some of the graph's
 * {@link Constant} nodes (weights, biases), that {@link Graph#withParameters} binds to a copy of the graph. Every
 * forward pass of that copy reads the arrays' current values, on ND4J and on the oneDNN plans alike; gradients with
 * respect to them come from {@link ForwardPass#backward(Map, Collection)} with the parameter names as {@code wrt}.
 *
 * <p>Change the values only through {@link #set}, {@link #update} and {@link #forEach}: each bumps a version
 * counter ({@link #version()}, and one per array), which is how a compiled plan, holding the weights in a layout of
 * its own, knows to copy them again before its next step. The array {@link #get} returns is the live one, for
 * reading only: writing it directly would bypass the counter, and a plan would keep using the old values.
 * The arrays are float32 for float32 graphs (the oneDNN plans run only those), float64 for float64 graphs.
 *
 * <p>Not thread-safe: change values only while no pass of a graph bound to them runs on another thread.
 * Closing frees the arrays; passes of bound graphs are then refused with an {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (Parameters p = Parameters.of(graph, List.of("conv1_w", "conv1_b"))) {
 *     Graph trainable = graph.withParameters(p);
 *     for (int step = 0; step < 100; step++) {
 *         try (ForwardPass pass = trainable.forward(x)) {
 *             Gradients g = pass.backward(Map.of("loss", seed), p.names());
 *             p.forEach((name, w) -> w.subi(g.get(name).mul(0.01)));      // plain SGD, in place
 *         }
 *     }
 * }
 * }</pre>
 */
public final class Parameters implements AutoCloseable {

    /** One named array and the version of its last change; plans keep a reference to compare versions cheaply. */
    static final class Slot {
        final String name;
        final INDArray array;
        private volatile long version;

        private Slot(String name, INDArray array) {
            this.name = name;
            this.array = array;
        }

        /** @return the count of changes made to this array through its {@link Parameters} */
        long version() {
            return version;
        }
    }

    private final Map<String, Slot> slots;
    private final List<String> names;
    private final long size;
    private volatile long version;
    private volatile boolean closed;

    private Parameters(Map<String, Slot> slots) {
        this.slots = Collections.unmodifiableMap(slots);
        this.names = List.copyOf(slots.keySet());
        this.size = slots.values().stream().mapToLong(s -> s.array.length()).sum();
    }

    /**
     * Copies the values of the named constant nodes of {@code graph} into new, owned arrays (of the constants'
     * shapes and floating-point types). The graph is not changed; bind the copies with {@link Graph#withParameters}.
     *
     * @param graph         the graph whose constants become trainable
     * @param constantNames names of {@link Constant} nodes of floating-point type, without repeats, at least one
     * @return the parameters, in the given order
     * @throws IllegalArgumentException for an unknown name (with the closest constant names), a node that is not a
     *                                  Constant (naming its operator), a constant that is not floating-point, a
     *                                  repeated name, or no names
     */
    public static Parameters of(Graph graph, Collection<String> constantNames) {
        Objects.requireNonNull(graph, "graph");
        if (constantNames == null || constantNames.isEmpty()) {
            throw new IllegalArgumentException("Parameters.of needs at least one constant name, found " + constantNames);
        }
        Set<String> seen = new HashSet<>();
        for (String name : constantNames) {
            checkConstant(graph, name);
            if (!seen.add(name)) {
                throw new IllegalArgumentException("constant '" + name + "' is named twice in " + constantNames);
            }
        }
        Map<String, Slot> slots = new LinkedHashMap<>();
        try {
            for (String name : constantNames) {
                INDArray v = graph.constant(name);
                slots.put(name, new Slot(name, v.dup('c')));
            }
        } catch (RuntimeException e) {
            slots.values().forEach(s -> s.array.close());
            throw e;
        }
        return new Parameters(slots);
    }

    /** Refuses a name that is not a floating-point constant of {@code graph}, naming the closest constants. */
    static void checkConstant(Graph graph, String name) {
        if (name == null || !graph.contains(name)) {
            throw new IllegalArgumentException("no constant named '" + name + "' in the graph; closest constant names: "
                    + graph.closestConstantNames(name, 5) + " (Graph.constantNames() lists all " + graph.constantNames().size() + ")");
        }
        Node n = graph.node(name);
        if (!(n.op() instanceof Constant c)) {
            throw new IllegalArgumentException("node '" + name + "' is a " + n.op().kind() + ", not a Constant; closest constant names: "
                    + graph.closestConstantNames(name, 5));
        }
        DataType t = c.value().dataType();
        if (t != DataType.FLOAT && t != DataType.DOUBLE) {
            throw new IllegalArgumentException("constant '" + name + "' is " + t + "; only FLOAT or DOUBLE constants can be parameters");
        }
    }

    /** @return the parameter names, in the order given to {@link #of} */
    public List<String> names() {
        return names;
    }

    /** @return whether a parameter of this name exists */
    public boolean contains(String name) {
        return slots.containsKey(name);
    }

    /**
     * Returns the live array of parameter {@code name}, for reading only (valid until {@link #close()}); change it
     * through {@link #set}, {@link #update} or {@link #forEach}.
     *
     * @throws IllegalArgumentException for an unknown name (naming the parameters)
     * @throws IllegalStateException    after {@link #close()}
     */
    public INDArray get(String name) {
        return slot(name).array;
    }

    /**
     * Copies {@code value} (same shape; cast to the parameter's type) into parameter {@code name}.
     *
     * @throws IllegalArgumentException for an unknown name or a value of another shape
     * @throws IllegalStateException    after {@link #close()}
     */
    public void set(String name, INDArray value) {
        Slot s = slot(name);
        Objects.requireNonNull(value, "value");
        if (!Arrays.equals(value.shape(), s.array.shape())) {
            throw new IllegalArgumentException("parameter '" + name + "' has shape " + Arrays.toString(s.array.shape())
                    + ", the new value has " + Arrays.toString(value.shape()));
        }
        try {
            s.array.assign(value.dataType() == s.array.dataType() ? value : value.castTo(s.array.dataType()));
        } finally {
            bump(s);
        }
    }

    /**
     * Changes parameter {@code name} in place: {@code change} receives its live array and modifies it (e.g.
     * {@code w -> w.subi(step)}). The version is bumped even if {@code change} throws, so that no plan keeps a
     * value the array no longer has.
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException    after {@link #close()}
     */
    public void update(String name, Consumer<INDArray> change) {
        Slot s = slot(name);
        Objects.requireNonNull(change, "change");
        try {
            change.accept(s.array);
        } finally {
            bump(s);
        }
    }

    /**
     * Changes every parameter in place, in {@link #names()} order: {@code change} receives each name and live array
     * (an optimizer's step over all parameters). Every parameter's version is bumped, even if {@code change} throws.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public void forEach(BiConsumer<String, INDArray> change) {
        checkOpen();
        Objects.requireNonNull(change, "change");
        List<Slot> all = new ArrayList<>(slots.values());
        try {
            for (Slot s : all) {
                change.accept(s.name, s.array);
            }
        } finally {
            for (Slot s : all) {
                bump(s);
            }
        }
    }

    /** @return the count of changes made so far through {@link #set}, {@link #update} and {@link #forEach} */
    public long version() {
        return version;
    }

    /** @return the number of scalars over all parameters */
    public long size() {
        return size;
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return closed;
    }

    /** The slot of parameter {@code name}. */
    Slot slot(String name) {
        checkOpen();
        Slot s = slots.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'; the parameters are " + names);
        }
        return s;
    }

    /** @throws IllegalStateException if closed */
    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("these Parameters were closed; their arrays are freed");
        }
    }

    private void bump(Slot s) {
        s.version++;
        version++;
    }

    /** Frees the arrays. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Slot s : slots.values()) {
            s.array.close();
        }
    }

    @Override
    public String toString() {
        return "Parameters" + names + " (" + size() + " values, version " + version + (closed ? ", closed" : "") + ")";
    }
}
