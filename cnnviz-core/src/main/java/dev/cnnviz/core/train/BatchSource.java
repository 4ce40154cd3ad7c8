package dev.cnnviz.core.train;

import java.io.IOException;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training batches of a {@link Trainer}: batch {@code step} is a function of the step number alone (and of the
 * source's seed), so that a run is reproducible and can be resumed at any step.
 */
@FunctionalInterface
public interface BatchSource {
    /**
     * @param step the training step, from 0
     * @return a fresh batch {@code [N, C, H, W]} the caller owns (and closes)
     * @throws IOException naming the file if an example cannot be read
     */
    INDArray batch(long step) throws IOException;
}
