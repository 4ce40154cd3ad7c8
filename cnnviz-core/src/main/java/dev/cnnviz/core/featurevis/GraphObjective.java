package dev.cnnviz.core.featurevis;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.graph.BackwardRules;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.graph.ScratchArrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An {@link Objective} bound to a graph, evaluated on an input batch with its gradient with respect to the input:
 * one forward pass, the objective's value and seeds at the nodes it reads, one backward pass to the input. This is
 * the per-step work of every optimization in feature visualization.
 *
 * <pre>{@code
 * GraphObjective f = GraphObjective.of(model.graph(), Objective.classScore(285));
 * INDArray grad = Nd4j.zerosLike(x);
 * double value = f.evaluate(x, grad);          // value and d value / d x
 * }</pre>
 *
 * <p>The forward pass computes only the nodes the objective reads and what they depend on
 * ({@link Graph#forwardTo}): a channel of a middle layer skips the layers after it, a class score the final softmax.
 * Per call it allocates nothing batch-sized: the forward and backward pass live in the graph's pooled workspace
 * and compiled plan, and the gradient seeds at the objective's nodes are leased from {@link ScratchArrays} (so a
 * run of 1,000 steps reuses the same native memory). Thread-safe: the objective may be evaluated from several
 * threads at once, each call with its own pass and seeds.
 */
public final class GraphObjective {
    private final Graph graph;
    private final Objective objective;
    private final BackwardRules rules;

    private GraphObjective(Graph graph, Objective objective, BackwardRules rules) {
        this.graph = graph;
        this.objective = objective;
        this.rules = rules;
    }

    /**
     * @return the objective bound to the graph (names checked, class terms resolved)
     * @throws IllegalArgumentException as {@link Objective#bind}
     */
    public static GraphObjective of(Graph graph, Objective objective) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(objective, "objective");
        return new GraphObjective(graph, objective.bind(graph), BackwardRules.standard());
    }

    /**
     * @param newRules the backward rule per operator kind, e.g. {@link dev.cnnviz.core.graph.RedirectedRelu}
     *                 for {@link dev.cnnviz.core.graph.ops.Relu} (Lucid's default for feature visualization)
     * @return a copy whose input gradient flows back through {@code newRules} (the value is unchanged)
     */
    public GraphObjective withRules(BackwardRules newRules) {
        Objects.requireNonNull(newRules, "rules");
        return new GraphObjective(graph, objective, newRules);
    }

    /** @return the backward rules of the input gradient (the exact ones unless {@link #withRules}) */
    public BackwardRules rules() {
        return rules;
    }

    /** @return the bound objective */
    public Objective objective() {
        return objective;
    }

    /**
     * Evaluates the objective on {@code input} and writes its gradient with respect to the input.
     *
     * @param input    the model's preprocessed input batch {@code [N, C, H, W]} (not modified)
     * @param gradient receives {@code ∂objective/∂input}, same shape (overwritten)
     * @return the objective's value, summed over the batch
     * @throws NonFiniteResultException if the value or the gradient is NaN or infinite
     */
    public double evaluate(INDArray input, INDArray gradient) {
        if (!java.util.Arrays.equals(input.shape(), gradient.shape())) {
            throw new IllegalArgumentException("the gradient array has shape " + java.util.Arrays.toString(gradient.shape())
                    + ", the input " + java.util.Arrays.toString(input.shape()));
        }
        return evaluate(input, dx -> gradient.assign(dx));
    }

    /**
     * As {@link #evaluate(INDArray, INDArray)}, handing the input gradient to {@code reader} instead of copying it:
     * the array lives in the pass and is valid only during the call (read it, do not keep or modify it). It has the
     * input's shape and is checked to be finite before {@code reader} sees it.
     *
     * @param input  the model's preprocessed input batch {@code [N, C, H, W]} (not modified)
     * @param reader receives {@code ∂objective/∂input}
     * @return the objective's value, summed over the batch
     * @throws NonFiniteResultException if the value or the gradient is NaN or infinite
     */
    public double evaluate(INDArray input, java.util.function.Consumer<INDArray> reader) {
        Objects.requireNonNull(reader, "reader");
        Map<String, INDArray> seeds = new HashMap<>();
        List<ScratchArrays.Lease> leases = new ArrayList<>(objective.nodes().size());
        try (ForwardPass pass = graph.forwardTo(input, objective.nodes())) {
            Map<String, INDArray> activations = new HashMap<>();
            for (String n : objective.nodes()) {
                INDArray a = pass.get(n);
                activations.put(n, a);
                // Pooled arrays: a fresh seed per step would land on fresh native pages (INDArray.close() frees nothing
                // in ND4J 1.0.0-M2.1), and a layer objective's seed is as large as the layer's activations.
                ScratchArrays.Lease lease = ScratchArrays.lease(a.dataType(), a.shape());
                leases.add(lease);
                seeds.put(n, lease.array().assign(0));
            }
            double value = objective.evaluate(activations, seeds);
            if (!Double.isFinite(value)) {
                throw new NonFiniteResultException("the objective " + objective.describe() + " is " + value);
            }
            Gradients g = pass.backward(seeds, List.of(graph.inputName()), rules);
            INDArray dx = g.get(graph.inputName());
            if (!HostArrays.allFinite(dx)) {
                throw new NonFiniteResultException("the gradient of " + objective.describe() + " holds NaN or infinite values");
            }
            reader.accept(dx);
            return value;
        } finally {
            leases.forEach(ScratchArrays.Lease::close);
        }
    }

    @Override
    public String toString() {
        return "GraphObjective[" + objective.describe() + "]";
    }
}
