package dev.cnnviz.core.train;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Parameters;
import dev.cnnviz.core.optim.Adam;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A training loop: minibatch Adam on some constants (the trainable parameters) of a graph. Each step reads batch
 * {@code t} of a {@link BatchSource}, runs the graph forward up to the nodes the {@link TrainingObjective} reads,
 * asks it for the loss and the gradient seeds, runs backward to the parameters and takes a {@link ParameterAdam}
 * step.
 *
 * <p>The trainer works on its own copies of the trainable values ({@link Parameters}, bound to the graph with
 * {@link Graph#withParameters}, so that compiled oneDNN plans see every update), and the caller's graph is never
 * changed; {@link #graph()} is the graph with the current values and {@link #parameters()} copies them out.
 * The other constants (a loss network's weights, fixed preprocessing) are shared, not copied. With the same graph,
 * batches, objective and options, a run gives the same parameters bit for bit: batches are drawn from seeded
 * generators, the operators are deterministic, and the updates run in a fixed order.
 *
 * <p>The loop stops early when the listener returns false or the thread is interrupted (the interrupt flag stays
 * set); the history says so.
 *
 * <pre>{@code
 * Graph chain = GraphComposer.append(net, "output", lossNet, "loss/");
 * Trainer t = Trainer.of(chain, net.constantNames(), Adam.create().withLearningRate(1e-3));
 * TrainingHistory h = t.train(RandomCrops.of(photos, 128, 4).withSeed(1), objective, 2000, TrainingListener.NONE);
 * Graph trained = net.withConstants(t.parameters());
 * }</pre>
 */
public final class Trainer implements AutoCloseable {
    private final Graph graph;
    private final Parameters parameters;
    private final ParameterAdam adam;

    private Trainer(Graph graph, Parameters parameters, ParameterAdam adam) {
        this.graph = graph;
        this.parameters = parameters;
        this.adam = adam;
    }

    /**
     * A trainer of some constants of a graph.
     *
     * @param graph     the training graph (e.g. a transformation network with a loss network appended)
     * @param trainable the names of the constants to train, at least one (copied: the graph keeps its values)
     * @param adam      the optimizer options
     * @return a trainer at step 0
     * @throws IllegalArgumentException if a name is not a constant of the graph (naming it), the list is empty, or
     *                                  the options are null
     */
    public static Trainer of(Graph graph, List<String> trainable, Adam adam) {
        if (graph == null) {
            throw new IllegalArgumentException("Trainer needs a graph, found null");
        }
        if (trainable == null || trainable.isEmpty()) {
            throw new IllegalArgumentException("Trainer needs at least one trainable constant, found " + trainable);
        }
        ParameterAdam state = ParameterAdam.of(adam);
        Parameters p = Parameters.of(graph, trainable);
        return new Trainer(graph.withParameters(p), p, state);
    }

    /** @return the training graph, holding the current parameter values (which change as training goes on) */
    public Graph graph() {
        return graph;
    }

    /** @return the names of the trainable constants */
    public List<String> trainable() {
        return parameters.names();
    }

    /** @return the steps taken so far (over every {@link #train} call) */
    public int steps() {
        return adam.steps();
    }

    /** @return copies of the current parameter values, by name */
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String n : parameters.names()) {
            out.put(n, parameters.get(n).dup());
        }
        return out;
    }

    /**
     * Runs {@code steps} steps from the current state. Batch numbers continue from the steps already taken.
     *
     * @param batches   the batches
     * @param objective the loss
     * @param steps     the steps to take, at least 0
     * @param listener  told each step; returning false stops the run
     * @return the history of this run
     * @throws IllegalArgumentException if steps is negative or an argument is null
     * @throws IOException              naming the file if a batch cannot be read
     * @throws dev.cnnviz.api.NonFiniteResultException if a loss or gradient is not finite (naming it and the step)
     */
    public TrainingHistory train(BatchSource batches, TrainingObjective objective, int steps, TrainingListener listener)
            throws IOException {
        if (batches == null || objective == null || listener == null) {
            throw new IllegalArgumentException("train needs batches, an objective and a listener, found " + batches + ", "
                    + objective + ", " + listener);
        }
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be at least 0, found " + steps);
        }
        List<String> wrt = parameters.names();
        List<String> nodes = List.copyOf(objective.nodes());
        double[] losses = new double[steps];
        Map<String, List<Double>> terms = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        int done = 0;
        boolean stopped = false;
        for (int s = 0; s < steps; s++) {
            if (Thread.currentThread().isInterrupted()) {
                stopped = true;
                break;
            }
            Map<String, Double> step;
            INDArray raw = batches.batch(adam.steps());
            try (INDArray x = raw.dataType() == graph.dataType() ? raw : raw.castTo(graph.dataType());
                 ForwardPass pass = graph.forwardTo(x, nodes)) {
                if (x != raw) {
                    raw.close();
                }
                Map<String, INDArray> seeds = new HashMap<>();
                try {
                    step = objective.evaluate(pass, x, seeds);
                    double sum = 0;
                    for (double v : step.values()) {
                        sum += v;
                    }
                    if (!Double.isFinite(sum)) {
                        throw new NonFiniteResultException("training loss is not finite at step "
                                + (adam.steps() + 1) + ": terms " + step);
                    }
                    losses[s] = sum;
                    try (Gradients g = pass.backward(seeds, wrt)) {
                        Map<String, INDArray> grads = new HashMap<>();
                        for (String w : wrt) {
                            grads.put(w, g.get(w));
                        }
                        adam.step(parameters, grads);
                    }
                } finally {
                    seeds.values().forEach(INDArray::close);
                }
            }
            for (Map.Entry<String, Double> e : step.entrySet()) {
                terms.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
            }
            done = s + 1;
            if (!listener.onStep(new TrainingProgress(done, steps, losses[s], step, System.nanoTime() - t0))) {
                stopped = done < steps;
                break;
            }
        }
        Map<String, double[]> termArrays = new LinkedHashMap<>();
        for (Map.Entry<String, List<Double>> e : terms.entrySet()) {
            termArrays.put(e.getKey(), e.getValue().stream().mapToDouble(Double::doubleValue).toArray());
        }
        return new TrainingHistory(Arrays.copyOf(losses, done), termArrays, stopped, System.nanoTime() - t0);
    }

    /** Frees the optimizer state and the parameters (the {@link #graph()} cannot run after this). */
    @Override
    public void close() {
        adam.close();
        parameters.close();
    }
}
