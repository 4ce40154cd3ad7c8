package dev.cnnviz.core.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradients computed by one {@link ForwardPass#backward backward} call, by node name. They live in the pass's
 * memory (an ND4J workspace reset when the pass closes) and are valid until the pass is closed; closing this object only makes later
 * {@link #get} calls fail, which callers use to mark that they are done with them.
 */
public final class Gradients implements AutoCloseable {
    private final Map<String, INDArray> grads;
    private boolean closed;

    Gradients(Map<String, INDArray> grads) {
        this.grads = Collections.unmodifiableMap(new LinkedHashMap<>(grads));
    }

    /**
     * @return the gradient of the seeded loss with respect to node {@code name}'s output (same shape), valid
     * until this object or its pass is closed
     */
    public INDArray get(String name) {
        if (closed) {
            throw new IllegalStateException("these gradients were closed");
        }
        INDArray g = grads.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no gradient was requested for '" + name + "'; requested: " + grads.keySet());
        }
        return g;
    }

    /** @return the names with a gradient. */
    public Set<String> names() {
        return grads.keySet();
    }

    @Override
    public void close() {
        closed = true;
    }
}
