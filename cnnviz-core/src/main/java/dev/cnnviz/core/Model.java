package dev.cnnviz.core;

import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.graph.Graph;
import java.util.List;
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

    /** @return the label of class {@code index}, if labels are known and the index is in range. */
    public Optional<String> label(int index) {
        return index >= 0 && index < labels.size() ? Optional.of(labels.get(index)) : Optional.empty();
    }

    @Override
    public String toString() {
        return "Model[" + source + ", input " + inputSpec + ", " + labels.size() + " labels, " + graph + "]";
    }
}
