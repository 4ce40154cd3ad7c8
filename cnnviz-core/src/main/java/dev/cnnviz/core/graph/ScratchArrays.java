package dev.cnnviz.core.graph;

import dev.cnnviz.core.MemoryBudget;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reusable native arrays for the batches that methods build to evaluate a model many times (the interpolated
 * inputs of integrated gradients, SmoothGrad's noisy copies, Score-CAM's masked images).
 *
 * <p>Why: in ND4J 1.0.0-M2.1 {@code INDArray.close()} does not return memory (see {@link Arena}), so a fresh
 * batch of 32 224×224 images (19 MB) lands on fresh pages every time and pays the kernel's page faults: about a
 * fifth of Score-CAM's time and a tenth of integrated gradients' before these arrays were reused. A leased array
 * goes back to a pool when the lease closes and is handed out again for the next request of the same type and
 * length; at most {@link #MAX_POOLED_BYTES} of idle arrays are kept (system property
 * {@code cnnviz.scratch.maxPooledBytes}, default 1 GiB), larger leftovers are left to the garbage collector.
 * Leased arrays live outside every workspace and their contents are undefined until written.
 *
 * <pre>{@code
 * try (ScratchArrays.Lease lease = ScratchArrays.lease(DataType.FLOAT, 32, 3, 224, 224)) {
 *     INDArray batch = lease.array();       // fill it, then run the model on it
 *     try (ForwardPass pass = graph.forward(batch)) { ... }
 * }                                        // the array may now be handed to the next lease
 * }</pre>
 * Thread-safe: each lease has its array to itself until it is closed.
 */
public final class ScratchArrays {
    /** The most bytes of idle arrays kept for reuse (default 1 GiB). */
    public static final long MAX_POOLED_BYTES = Long.getLong("cnnviz.scratch.maxPooledBytes", 1L << 30);

    private static final Map<String, ConcurrentLinkedDeque<INDArray>> IDLE = new ConcurrentHashMap<>();
    private static final AtomicLong IDLE_BYTES = new AtomicLong();

    private ScratchArrays() {
    }

    /**
     * Leases a row-major array of {@code shape}, with undefined contents.
     *
     * @throws IllegalArgumentException if the shape is empty or has a dimension below 1; a
     *                                  {@link dev.cnnviz.api.ResourceLimitException} if it exceeds the memory budget
     */
    public static Lease lease(DataType type, long... shape) {
        if (type == null) {
            throw new IllegalArgumentException("data type must not be null");
        }
        if (shape == null || shape.length == 0) {
            throw new IllegalArgumentException("shape must have at least one dimension, found " + Arrays.toString(shape));
        }
        long length = 1;
        for (long d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("shape dimensions must be positive, found " + Arrays.toString(shape));
            }
            length = Math.multiplyExact(length, d);
        }
        String key = type + ":" + length;
        MemoryBudget.defaultBudget().check("a scratch batch of shape " + Arrays.toString(shape),
                MemoryBudget.bytesOf(type.width(), shape), "use a smaller batch size");
        ConcurrentLinkedDeque<INDArray> q = IDLE.get(key);
        INDArray base = q == null ? null : q.pollFirst();
        if (base != null) {
            IDLE_BYTES.addAndGet(-bytes(base));
        } else {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                base = Nd4j.createUninitialized(type, length);
            }
        }
        return new Lease(key, base, base.reshape('c', shape));
    }

    private static long bytes(INDArray a) {
        return a.length() * a.dataType().width();
    }

    /** One leased array; closing it returns the array to the pool. */
    public static final class Lease implements AutoCloseable {
        private final String key;
        private final INDArray base;
        private final INDArray array;
        private boolean closed;

        private Lease(String key, INDArray base, INDArray array) {
            this.key = key;
            this.base = base;
            this.array = array;
        }

        /** @return the leased array, valid until this lease is closed */
        public INDArray array() {
            if (closed) {
                throw new IllegalStateException("this lease was closed");
            }
            return array;
        }

        /** Returns the array to the pool (or leaves it to the garbage collector when the pool is full). */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (IDLE_BYTES.addAndGet(bytes(base)) > MAX_POOLED_BYTES) {
                IDLE_BYTES.addAndGet(-bytes(base));
                base.close();
                return;
            }
            IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).offerFirst(base);
        }
    }
}
