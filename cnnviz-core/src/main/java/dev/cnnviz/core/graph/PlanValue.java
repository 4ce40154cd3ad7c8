package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static dev.cnnviz.core.graph.OneDnn.plain;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_a;
import static org.bytedeco.dnnl.global.dnnl.dnnl_ab;
import static org.bytedeco.dnnl.global.dnnl.dnnl_abc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_abcde;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;

import dev.cnnviz.core.graph.OneDnn.Resources;
import dev.cnnviz.core.graph.OneDnn.Step;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One value of a {@link OneDnnPlan} in oneDNN memory (a planned node's output, or a copy of an ND4J value that
 * planned nodes read), with its gradient (allocated at the first backward pass); or only the gradient of a
 * convolution's weights or bias (plain layout, no value buffer: see {@link OneDnnPlan#parameterGradient}).
 *
 * <p>It holds the value in its plan's layout ({@link #md}: channel-blocked, or plain NCHW for few channels) and
 * makes the copies between that layout and ND4J's plain NCHW arrays: {@link #importValue} and {@link #export}
 * for the value, {@link #importGradient} and {@link #export} for its gradient. Kernels write a gradient
 * contribution into {@link #target()} and report it with {@link #contributed}, or add one held elsewhere with
 * {@link #addGradient}: the first contribution is copied, later ones are summed. Every memory and copy is owned by
 * the plan's {@link Resources}.
 */
final class PlanValue {
    private final Resources res;
    private final dnnl_stream stream;
    final String name;
    final long[] dims;
    final dnnl_memory_desc_t md;
    final dnnl_memory mem;
    dnnl_memory diff;
    dnnl_memory scratch;
    boolean diffSet;
    /**
     * Whether the current backward pass reads this value's gradient after its producer's backward step (the caller
     * asked for it): only then must the producer leave the gradient as it found it ({@link OneDnnPlan#beginBackward}).
     */
    boolean gradientKept = true;
    /** Whether {@link #mem} borrows the buffer of the ND4J value it imports. */
    private final boolean borrowsBuffer;
    /** Whether {@link #mem}'s buffer may be freed, and the memory that owns it (null while freed). */
    private final boolean releasable;
    private dnnl_memory buffer;
    private INDArray borrowed;
    /** Whether {@link #mem} is out of date (a fused convolution skipped it); {@link #refresh} computes it. */
    boolean stale;
    Runnable refresh;
    /** Plain NCHW, the layout of ND4J arrays, and a buffer-less memory pointed at one before each copy. */
    private final dnnl_memory_desc_t userMd;
    private dnnl_memory user;
    /** Copies out by source memory (value or gradient), and copies in by target memory. */
    private final Map<dnnl_memory, Step> exports = new HashMap<>();
    private Step importValue;
    /** Gradient additions by source memory: [0] copies (no gradient yet), [1] sums. */
    private final Map<dnnl_memory, Step[]> additions = new HashMap<>();

    /**
     * @param res      the plan's native resources, which own this value's memories and copies
     * @param stream   the plan's stream, on which the copies run
     * @param borrowed whether the buffer will be an ND4J array's (plain NCHW imports) rather than our own
     */
    PlanValue(Resources res, dnnl_stream stream, String name, long[] dims, int tag, boolean borrowed) {
        this(res, stream, name, dims, tag, borrowed, false);
    }

    /**
     * @param res        the plan's native resources, which own this value's memories and copies
     * @param stream     the plan's stream, on which the copies run
     * @param borrowed   whether the buffer will be an ND4J array's (plain NCHW imports) rather than our own
     * @param releasable whether the buffer may be freed while the value is not needed ({@link #releaseBuffer})
     */
    PlanValue(Resources res, dnnl_stream stream, String name, long[] dims, int tag, boolean borrowed, boolean releasable) {
        this.res = res;
        this.stream = stream;
        this.name = name;
        this.dims = dims.clone();
        this.md = OneDnn.md(dims, tag);
        this.userMd = OneDnn.md(dims, plainTag(dims.length));
        this.borrowsBuffer = borrowed;
        this.releasable = releasable;
        if (releasable) {
            this.mem = res.handle(md);
            ensureBuffer();
        } else {
            this.mem = borrowed ? res.handle(md) : res.memory(md);
        }
    }

    /** The plain row-major layout of ND4J arrays for {@code rank} dimensions (NCHW for 4). */
    static int plainTag(int rank) {
        return switch (rank) {
            case 1 -> dnnl_a;
            case 2 -> dnnl_ab;
            case 3 -> dnnl_abc;
            case 4 -> dnnl_nchw;
            case 5 -> dnnl_abcde;
            default -> throw new IllegalArgumentException("plan values have 1 to 5 dimensions, found " + rank);
        };
    }

    /**
     * Frees the buffer of a releasable value: the value becomes stale and {@link #refresh} (which must call
     * {@link #ensureBuffer}) recomputes it if it is read. Nothing else may run on {@link #mem} meanwhile.
     */
    void releaseBuffer() {
        if (buffer != null) {
            res.free(buffer, md);
            buffer = null;
            stale = true;
        }
    }

    /** Gives a releasable value a buffer again (if it has none). */
    void ensureBuffer() {
        if (releasable && buffer == null) {
            buffer = res.memory(md);
            check(dnnl_memory_set_data_handle(mem, OneDnn.dataHandle(buffer)), "dnnl_memory_set_data_handle");
        }
    }

    /** The buffer-less NCHW memory, pointed at {@code a}. */
    private dnnl_memory user(INDArray a) {
        if (user == null) {
            user = res.handle(userMd);
        }
        OneDnn.wrap(user, a);
        return user;
    }

    dnnl_memory diff() {
        if (diff == null) {
            diff = res.memory(md);
        }
        return diff;
    }

    /** Where a gradient contribution goes: the gradient itself if it has none yet, else a scratch memory. */
    dnnl_memory target() {
        if (!diffSet) {
            return diff();
        }
        if (scratch == null) {
            scratch = res.memory(md);
        }
        return scratch;
    }

    /** Records a contribution written to {@link #target()}. */
    void contributed(dnnl_memory target) {
        if (target == scratch) {
            addGradient(md, scratch);
        }
        diffSet = true;
    }

    /**
     * Adds a gradient held in {@code from} (layout {@code fromMd}) to this value's: a copy while it has none,
     * a summing reorder after.
     */
    void addGradient(dnnl_memory_desc_t fromMd, dnnl_memory from) {
        Step[] steps = additions.computeIfAbsent(from, f -> new Step[2]);
        int i = diffSet ? 1 : 0;
        if (steps[i] == null) {
            steps[i] = res.reorder(fromMd, from, md, diff(), diffSet);
        }
        steps[i].run(stream);
        diffSet = true;
    }

    /**
     * Adds {@code values} to this value's gradient on the host (a copy while it has none, a sum after, in float32 as a
     * summing reorder): for small gradients in plain layout, such as a parameter's, where launching a reorder costs
     * more than the values.
     *
     * @throws IllegalStateException if this value is not a vector of {@code values.length} elements (whose layout is
     *                               then plain)
     */
    void addGradient(float[] values) {
        if (dims.length != 1 || dims[0] != values.length) {
            throw new IllegalStateException("the gradient of '" + name + "' " + java.util.Arrays.toString(dims)
                    + " is not a plain vector of " + values.length + " values");
        }
        java.nio.FloatBuffer d = OneDnn.hostFloats(diff(), values.length);
        if (!diffSet) {
            d.put(0, values);
        } else {
            for (int i = 0; i < values.length; i++) {
                d.put(i, d.get(i) + values[i]);
            }
        }
        diffSet = true;
    }

    INDArray export(boolean gradient) {
        if (!gradient && stale) {
            refresh.run();
            stale = false;
        }
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, dims);
        dnnl_memory to = user(out);
        exports.computeIfAbsent(gradient ? diff() : mem, from -> res.reorder(md, from, userMd, to, false)).run(stream);
        return out;
    }

    /**
     * Makes an ND4J value readable here. A value kept in plain NCHW (few channels, e.g. the input image) is not
     * copied: the memory is pointed at the ND4J array, which the pass keeps alive and unmodified (at batch 32
     * the copy of a 224x224 image batch took 11 ms).
     */
    void importValue(INDArray a) {
        INDArray p = plain(a);
        if (borrowsBuffer) {
            borrowed = p; // a copy made by plain() must live as long as oneDNN reads it
            check(dnnl_memory_set_data_handle(mem, p.data().addressPointer()), "dnnl_memory_set_data_handle");
            return;
        }
        dnnl_memory from = user(p);
        if (importValue == null) {
            importValue = res.reorder(userMd, from, md, mem, false);
        }
        importValue.run(stream);
    }

    /** Adds an ND4J gradient to this value's gradient. */
    void importGradient(INDArray g) {
        addGradient(userMd, user(plain(g)));
    }
}
