package dev.cnnviz.core.train;

import dev.cnnviz.core.graph.ForwardPass;
import java.util.Collection;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The loss of one training batch, computed from a forward pass of the training graph: its value as named terms and
 * its gradient with respect to some nodes of the graph (the seeds of the backward pass that gives the parameter
 * gradients). The perceptual loss of {@link dev.cnnviz.core.style.FeedForwardTraining} is one.
 */
public interface TrainingObjective {
    /** @return the nodes the forward pass must compute (the layers the loss reads); the pass stops after them */
    Collection<String> nodes();

    /**
     * Evaluates the loss on one batch.
     *
     * @param pass  the forward pass of the training graph on {@code batch}, computed up to {@link #nodes()}
     * @param batch the input batch
     * @param seeds receives {@code dL/d(node)} for the nodes the loss reads (fresh arrays of their shapes); the
     *              trainer closes them
     * @return the loss terms by name (in a fixed order); the loss is their sum
     */
    Map<String, Double> evaluate(ForwardPass pass, INDArray batch, Map<String, INDArray> seeds);
}
