package dev.cnnviz.core.graph;

import java.lang.ref.Cleaner;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The idle {@link OneDnnPlan}s of one graph, by input shapes. A forward pass borrows a plan (or starts tracing a
 * new one) and gives it back when it closes. Idle plans keep their native memory so that the next pass with the
 * same shapes allocates nothing; over all graphs at most {@link #MAX_IDLE_BYTES} are kept idle (system property
 * {@code cnnviz.onednn.maxPooledBytes}, default 4 GiB), and a graph's idle plans are freed when the graph is
 * garbage-collected.
 */
final class OneDnnPlans {
    static final long MAX_IDLE_BYTES = Long.getLong("cnnviz.onednn.maxPooledBytes", 4L << 30);
    private static final AtomicLong IDLE_BYTES = new AtomicLong();
    private static final Cleaner CLEANER = Cleaner.create();

    private final Idle idle = new Idle();
    private final int block;

    /** The pooled plans; holds no reference to the graph, so the cleaner can run. */
    private static final class Idle implements Runnable {
        final Map<String, ConcurrentLinkedDeque<OneDnnPlan>> byKey = new ConcurrentHashMap<>();

        @Override
        public void run() {
            for (ConcurrentLinkedDeque<OneDnnPlan> q : byKey.values()) {
                OneDnnPlan p;
                while ((p = q.pollFirst()) != null) {
                    IDLE_BYTES.addAndGet(-p.bytes());
                    p.close();
                }
            }
        }
    }

    /** @param block the plans' channel block, 8 or 16 ({@link OneDnn#BLOCK}) */
    OneDnnPlans(Graph owner, int block) {
        this.block = block;
        CLEANER.register(owner, idle);
    }

    /**
     * @param key      the input shapes and whether the pass may run backward (see {@link OneDnnPlan#OneDnnPlan(boolean, int)})
     * @param training whether passes may run backward
     * @return an idle plan built for {@code key}, or a new one to trace
     */
    OneDnnPlan borrow(String key, boolean training) {
        ConcurrentLinkedDeque<OneDnnPlan> q = idle.byKey.get(key);
        OneDnnPlan p = q == null ? null : q.pollFirst();
        if (p != null) {
            IDLE_BYTES.addAndGet(-p.bytes());
            return p;
        }
        return new OneDnnPlan(training, block);
    }

    /** Takes a plan back: pooled if its trace completed and the idle budget allows, freed otherwise. */
    void giveBack(String key, OneDnnPlan p) {
        if (!p.built() || IDLE_BYTES.addAndGet(p.bytes()) > MAX_IDLE_BYTES) {
            if (p.built()) {
                IDLE_BYTES.addAndGet(-p.bytes());
            }
            p.close();
            return;
        }
        idle.byKey.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).offerFirst(p);
    }
}
