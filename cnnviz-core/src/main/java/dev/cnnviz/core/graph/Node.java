package dev.cnnviz.core.graph;

import java.util.List;

/**
 * A named operator application in a {@link Graph}: {@code name = op(inputs...)}. The node's name is also the
 * name of its output value.
 *
 * @param name   stable, human-readable, unique in the graph (e.g. a Keras layer name)
 * @param op     the operator
 * @param inputs names of the nodes whose outputs feed this one, in order
 */
public record Node(String name, Op op, List<String> inputs) {

    /** Validates and copies the input list. */
    public Node {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("node name must not be blank, found '" + name + "'");
        }
        if (op == null) {
            throw new IllegalArgumentException("node '" + name + "' has no operator");
        }
        inputs = List.copyOf(inputs);
    }

    @Override
    public String toString() {
        return name + " = " + op.kind() + inputs;
    }
}
