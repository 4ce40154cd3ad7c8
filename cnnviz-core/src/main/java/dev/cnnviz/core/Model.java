package dev.cnnviz.core;

import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.graph.Graph;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An imported CNN ready for cnnviz: its differentiable {@link Graph}, what it takes as input
 * ({@link InputSpec}: shape, original layout, preprocessing), optional class labels, and where it came from.
 * Immutable and thread-safe; the {@code withX} methods return copies and never change the original.
 *
 * <pre>{@code
 * Model model = Models.load(Path.of("squeezenet1.1.onnx"))
 *     .withPreprocessing(Preprocessing.caffeBgr(104, 117, 123))
 *     .withLabels(Labels.read(Path.of("imagenet-labels.txt")));
 * }</pre>
 *
 * @param graph     the graph (NCHW)
 * @param inputSpec the input specification
 * @param labels    class names in index order, or an empty list
 * @param source    a one-line provenance, e.g. {@code "ONNX opset 7: squeezenet1.1.onnx"}
 */
public record Model(Graph graph, InputSpec inputSpec, List<String> labels, String source) {

    /** Validates and copies the labels. */
    public Model {
        if (graph == null || inputSpec == null) {
            throw new IllegalArgumentException("a model needs a graph and an input spec");
        }
        labels = labels == null ? List.of() : List.copyOf(labels);
        source = source == null ? "" : source;
    }

    /** Returns a copy with these class labels (one per class, in index order). */
    public Model withLabels(List<String> newLabels) {
        return new Model(graph, inputSpec, newLabels, source);
    }

    /** Returns a copy with other pixel preprocessing. */
    public Model withPreprocessing(Preprocessing preprocessing) {
        return new Model(graph, inputSpec.withPreprocessing(preprocessing), labels, source);
    }

    /** Returns a copy computing on another graph (e.g. with randomised weights), same input and labels. */
    public Model withGraph(Graph newGraph) {
        return new Model(newGraph, inputSpec, labels, source);
    }

    /**
     * Checks that the model can run at all: its graph validated against the input spec (the static shape of every
     * node for one example, {@link Graph#shapes(Map)}: kernels against weights, groups against channels, every size
     * positive) and one example's forward and backward pass within the graph's
     * {@link Graph#memoryBudget() memory budget}. The importers call it on every model they return.
     *
     * @return this model
     * @throws IllegalArgumentException naming the node that does not fit its inputs
     * @throws dev.cnnviz.api.ResourceLimitException if one example needs more memory than the budget
     */
    public Model validate() {
        return validate(1);
    }

    /**
     * {@link #validate()} at a batch of {@code batch}, for models whose graph fixes the batch (some exporters bake it
     * into a Reshape target).
     *
     * @throws IllegalArgumentException if {@code batch} is below 1, or as {@link #validate()}
     */
    public Model validate(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, found " + batch);
        }
        long[] one = inputSpec.batchShape(batch);
        Map<String, long[]> in = Map.of(graph.inputName(), one);
        long bytes = graph.passBytes(in, true);
        graph.memoryBudget().check("a forward and backward pass of " + (batch == 1 ? "one " : "a ") + java.util.Arrays.toString(one)
                + " input (activations and gradients of " + graph.nodes().size() + " nodes)", bytes);
        return this;
    }

    /** @return the label of class {@code index}, if labels are known and the index is in range. */
    public Optional<String> label(int index) {
        return index >= 0 && index < labels.size() ? Optional.of(labels.get(index)) : Optional.empty();
    }

    @Override
    public String toString() {
        return "Model[" + source + ", input " + inputSpec + ", " + labels.size() + " labels, " + graph + "]";
    }
}
