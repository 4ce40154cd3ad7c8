package dev.cnnviz.core.featurevis;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.optim.TotalVariationLoss;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A differentiable quantity of a forward pass's activations, to be <b>maximized</b>: the objectives of feature
 * visualization, as values with algebra (Lucid/Lucent's {@code objectives}, in Java). Each term knows its value and
 * its exact gradient with respect to the activations it reads, so one forward and one backward pass evaluate any
 * sum of terms.
 *
 * <pre>{@code
 * Objective o = Objective.channel("fire6_concat", 17)
 *         .plus(Objective.classScore(285).times(0.1))
 *         .minus(Objective.layerL2("conv1").times(1e-3))
 *         .bind(model.graph());                       // names checked against the graph
 * }</pre>
 *
 * <p>Terms (each summed over the batch; N images optimized together simply add):
 * <ul>
 *   <li>{@link #classScore}: the class score before the softmax, {@code s_c} (Simonyan et al. 2014);</li>
 *   <li>{@link #logProbability}: {@code log softmax(s)_c = s_c − log Σ_k exp s_k}, gradient {@code e_c − softmax(s)};</li>
 *   <li>{@link #neuron}: one activation {@code A[n, k, y, x]};</li>
 *   <li>{@link #channel}: the mean of channel {@code k} over positions, {@code (1/HW) Σ_yx A[n, k, y, x]} (Lucid);</li>
 *   <li>{@link #layerL2}: {@code ½ Σ A²} over a whole layer (DeepDream's {@code objective_L2}: its gradient is the
 *       activation itself, Mordvintsev et al. 2015);</li>
 *   <li>{@link #direction}: {@code Σ_yx Σ_k A[n, k, y, x] v_k}, the activation's dot product with a direction
 *       {@code v} in channel space at every position (Lucid's {@code direction}).</li>
 *   <li>{@link #diversity}: across the N images of the batch, with {@code G_i} the Gram matrix {@code A_i A_iᵀ}
 *       ({@code C x C}, {@code A_i} the activation of image i as {@code C x HW}) and {@code Ĝ_i = G_i / ‖G_i‖_F},
 *       {@code −(1/N) Σ_i Σ_{j≠i} <Ĝ_i, Ĝ_j>}: minus the pairwise cosine similarities of the Gram matrices
 *       (Lucid's {@code objectives.diversity}, which normalizes by N as here: that is {@code (N − 1)} times the mean
 *       over pairs). Maximizing it pushes the images of a batch apart in style.</li>
 *   <li>{@link #inputL2}: {@code Σ x²} of the model's input (subtract it, times λ, for Simonyan's L2 decay);</li>
 *   <li>{@link #totalVariation}: a {@link TotalVariationLoss} of the model's input (subtract it to smooth).</li>
 * </ul>
 * Layer names are the graph's node names ({@link Graph#names()}, as {@code summary} prints them); {@link #bind}
 * checks them, naming the closest ones for a wrong name, and resolves {@link #classScore}'s node to the graph's
 * {@link Graph#scoresNode() scores}.
 */
public interface Objective {

    /** The name class objectives read before {@link #bind} resolves it to the graph's scores node. */
    String SCORES = "<scores>";

    /** The name input regularizers read before {@link #bind} resolves it to the graph's input node. */
    String INPUT = "<input>";

    /** @return the nodes whose activations this objective reads */
    Set<String> nodes();

    /**
     * Evaluates the objective and adds its gradient.
     *
     * @param activations the forward pass's values of (at least) {@link #nodes()}, batch first
     * @param gradients   one array per node of {@link #nodes()}, of that node's shape: the objective <em>adds</em>
     *                    {@code ∂value/∂activation} into them (so the terms of a sum share them)
     * @return the value, summed over the batch
     */
    double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients);

    /** @return a short description, e.g. {@code "channel(fire6_concat, 17) + 0.1 * class(285)"} */
    String describe();

    /**
     * Checks the objective against a graph and resolves symbolic names.
     *
     * @return this objective with its class terms reading the graph's scores node
     * @throws IllegalArgumentException naming an unknown layer (with the closest names) or an index out of range
     */
    Objective bind(Graph graph);

    /** @return the sum of this objective and {@code other} */
    default Objective plus(Objective other) {
        return new ObjectiveTerms.Sum(this, other, 1.0);
    }

    /** @return this objective minus {@code other} (e.g. a regularizer to keep small) */
    default Objective minus(Objective other) {
        return new ObjectiveTerms.Sum(this, other, -1.0);
    }

    /** @return this objective scaled by {@code weight} (finite) */
    default Objective times(double weight) {
        return new ObjectiveTerms.Scaled(this, weight);
    }

    /** @return the class score {@code s_c} before the softmax */
    static Objective classScore(int classIndex) {
        return new ObjectiveTerms.ClassScore(SCORES, classIndex, false);
    }

    /** @return the log probability {@code log softmax(s)_c} of class {@code classIndex} */
    static Objective logProbability(int classIndex) {
        return new ObjectiveTerms.ClassScore(SCORES, classIndex, true);
    }

    /** @return one activation {@code A[n, channel, y, x]} of a 4-D layer (or {@code A[n, channel]} of a 2-D one when y = x = -1) */
    static Objective neuron(String layer, int channel, int y, int x) {
        return new ObjectiveTerms.Neuron(layer, channel, y, x);
    }

    /** @return the mean of channel {@code channel} of a layer over its positions */
    static Objective channel(String layer, int channel) {
        return new ObjectiveTerms.Channel(layer, channel);
    }

    /** @return {@code ½ Σ A²} over the whole layer (DeepDream) */
    static Objective layerL2(String layer) {
        return new ObjectiveTerms.LayerL2(layer);
    }

    /**
     * @param direction one weight per channel of the layer (copied)
     * @return {@code Σ_positions Σ_k A[n, k, ...] direction[k]}
     */
    static Objective direction(String layer, double[] direction) {
        return new ObjectiveTerms.Direction(layer, direction);
    }

    /**
     * Lucid's diversity term on a 4-D layer (see the class documentation); 0 for a batch of one image.
     *
     * @return {@code −(1/N) Σ_i Σ_{j≠i} cos(G_i, G_j)}, to be maximized with a positive weight
     */
    static Objective diversity(String layer) {
        return new ObjectiveTerms.Diversity(layer);
    }

    /** @return {@code Σ x²} over the model's input batch (its gradient is {@code 2x}); subtract it to penalize */
    static Objective inputL2() {
        return new ObjectiveTerms.InputL2(INPUT);
    }

    /**
     * @param tv the total variation loss (its β, ε, normalization and weight)
     * @return {@code tv(x)} of the model's input batch; subtract it to penalize
     */
    static Objective totalVariation(TotalVariationLoss tv) {
        return new ObjectiveTerms.InputTv(INPUT, tv);
    }
}
