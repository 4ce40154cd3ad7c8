package dev.cnnviz.core.graph;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The native memory of one {@link ForwardPass}: an ND4J workspace, borrowed from a small pool, that holds every
 * array the pass allocates (activations, operator temporaries, gradients) and is reset in one step when the pass
 * closes.
 *
 * <p>Why: in ND4J 1.0.0-M2.1 {@code INDArray.close()} does not return memory (deeplearning4j issue 8781; the
 * garbage collector frees it later), so every fresh array lands on fresh pages and pays the kernel's page
 * faults, about 2.5 ns per float: 2 ms for one 64×111×111 activation, more than the convolution that fills it.
 * A workspace is a bump-pointer arena whose pages stay mapped, so allocation is free after the first pass and
 * resident memory stays flat however many passes run.
 *
 * <p>The workspace is the thread's current workspace only while the pass computes ({@link #run}); user code that
 * runs between forward and backward allocates as usual. Arrays of a pass are invalid once it is closed: the next
 * pass reuses their memory.
 *
 * <p>Sizing: the first pass of a workspace allocates outside it and learns the size; later, larger passes grow it
 * ({@link SpillPolicy#REALLOCATE}). At most {@link #POOLED} idle workspaces are kept (one per pass that ran at
 * the same time as another), and none larger than {@link #MAX_POOLED_BYTES}: a pass that needs more pays the
 * slow first-pass allocation every time. SqueezeNet needs about 57 MB per image for a forward and backward pass
 * (1.8 GB at batch 32). The limit is the system property {@code cnnviz.arena.maxPooledBytes} (bytes, default 4 GiB).
 */
final class Arena implements AutoCloseable {
    /** Idle workspaces kept for reuse (one per concurrently running pass is enough). */
    static final int POOLED = Math.max(2, Runtime.getRuntime().availableProcessors());
    /** Workspaces that grew beyond this are destroyed rather than pooled (default 4 GiB). */
    static final long MAX_POOLED_BYTES = Long.getLong("cnnviz.arena.maxPooledBytes", 4L << 30);

    private static final ConcurrentLinkedDeque<MemoryWorkspace> POOL = new ConcurrentLinkedDeque<>();
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.1)
            .policySpill(SpillPolicy.REALLOCATE)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .build();

    private final MemoryWorkspace workspace;
    private boolean closed;

    private Arena(MemoryWorkspace workspace) {
        this.workspace = workspace;
    }

    /** Borrows a workspace and opens it (without making it current). */
    static Arena open() {
        MemoryWorkspace ws = POOL.pollFirst();
        if (ws == null) {
            ws = Nd4j.getWorkspaceManager().createNewWorkspace(CONFIG, "cnnviz-pass-" + IDS.incrementAndGet());
        }
        MemoryWorkspace previous = Nd4j.getMemoryManager().getCurrentWorkspace();
        ws.notifyScopeEntered();
        Nd4j.getMemoryManager().setCurrentWorkspace(previous);
        return new Arena(ws);
    }

    /** Runs {@code work} with this arena as the thread's current workspace, restoring the previous one after. */
    <T> T run(Supplier<T> work) {
        if (closed) {
            throw new IllegalStateException("this pass was closed");
        }
        MemoryWorkspace previous = Nd4j.getMemoryManager().getCurrentWorkspace();
        Nd4j.getMemoryManager().setCurrentWorkspace(workspace);
        try {
            return work.get();
        } finally {
            Nd4j.getMemoryManager().setCurrentWorkspace(previous);
        }
    }

    /** Resets the workspace (invalidating its arrays) and returns it to the pool. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        MemoryWorkspace previous = Nd4j.getMemoryManager().getCurrentWorkspace();
        Nd4j.getMemoryManager().setCurrentWorkspace(workspace);
        workspace.close();
        Nd4j.getMemoryManager().setCurrentWorkspace(previous);
        if (workspace.getCurrentSize() > MAX_POOLED_BYTES || POOL.size() >= POOLED) {
            workspace.destroyWorkspace(true);
        } else {
            POOL.offerFirst(workspace);
        }
    }
}
