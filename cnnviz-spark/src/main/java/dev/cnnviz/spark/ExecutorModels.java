package dev.cnnviz.spark;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models loaded in this JVM, keyed by their bundle's content hash: a Spark executor loads a broadcast model once
 * and its task threads share it. A {@link Model}'s graph holds no mutable state and every pass is its own scope
 * (pooled oneDNN plans and workspaces are borrowed per pass), so one model serves all task threads; the jobs build
 * their explainers per task, which is cheap (immutable option objects over the shared model).
 *
 * <p>Models stay cached for the JVM's life; {@link #clear()} drops them (tests, long-lived drivers).
 */
public final class ExecutorModels {
    private static final Map<String, Model> CACHE = new ConcurrentHashMap<>();
    private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorModels() {
    }

    /**
     * The bundle's model, imported on the first call in this JVM (one thread imports; others asking for the same
     * bundle meanwhile wait for it) and cached.
     *
     * @param bundle the model's bytes
     * @return the model
     * @throws ModelImportException if the bytes cannot be imported (not cached: the next call tries again)
     */
    public static Model get(ModelBundle bundle) throws ModelImportException {
        Model m = CACHE.get(bundle.hash());
        if (m != null) {
            return m;
        }
        synchronized (LOCKS.computeIfAbsent(bundle.hash(), k -> new Object())) {
            m = CACHE.get(bundle.hash());
            if (m == null) {
                m = bundle.importNow();
                LOADS.incrementAndGet();
                CACHE.put(bundle.hash(), m);
            }
            return m;
        }
    }

    /** @return how many imports this JVM has made (each a cache miss): 1 per model in a healthy job */
    public static int loads() {
        return LOADS.get();
    }

    /** Drops every cached model (their native memory is freed when they are garbage-collected). */
    public static void clear() {
        CACHE.clear();
    }
}
