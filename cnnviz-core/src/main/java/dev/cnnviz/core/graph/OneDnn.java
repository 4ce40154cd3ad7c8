package dev.cnnviz.core.graph;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core;
import static org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw8c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_impl_info_str;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_primitive_kind;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_v2;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_get_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_scratchpad_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_a;
import static org.bytedeco.dnnl.global.dnnl.dnnl_u8;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_tag;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_sum;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_destroy;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thin, checked access to oneDNN's C API (the JavaCPP preset {@code org.bytedeco:dnnl}) for {@link OneDnnPlan}:
 * one CPU engine per process, memory descriptors, memories, primitives and their arguments, and the copies
 * between ND4J arrays (plain NCHW) and oneDNN's blocked layouts. Every call's status is checked; a failure is an
 * {@link IllegalStateException} naming the call and oneDNN's status.
 *
 * <p>Everything created here is owned by a {@link Resources} list and destroyed with it.
 */
final class OneDnn {
    private static final Logger LOG = LoggerFactory.getLogger(OneDnn.class);
    /** oneDNN's DNNL_MEMORY_ALLOCATE: let the library allocate the buffer. */
    static final Pointer ALLOCATE = new Pointer() {
        {
            address = -1L;
        }
    };

    private static final dnnl_engine ENGINE;
    private static final String UNAVAILABLE;

    /**
     * The channel block of activations: 16 where oneDNN runs AVX-512 kernels (they read and write {@code nChw16c}),
     * 8 otherwise ({@code nChw8c}, the AVX2 kernels'). On an AVX-512 machine, 8-channel blocks would confine every
     * convolution to the AVX2 kernels at half the vector width. System property {@code cnnviz.onednn.block} (8 or
     * 16) overrides the choice; oneDNN's own {@code DNNL_MAX_CPU_ISA} environment variable lowers the ISA and so the
     * default.
     */
    static final int BLOCK;

    static {
        dnnl_engine engine = null;
        String why = null;
        try {
            if (!Boolean.parseBoolean(System.getProperty("cnnviz.onednn", "true"))) {
                why = "disabled by -Dcnnviz.onednn=false";
            } else if (!Nd4j.getBackend().getClass().getName().toLowerCase(java.util.Locale.ROOT).contains("cpu")) {
                why = "ND4J's backend is " + Nd4j.getBackend().getClass().getSimpleName() + ", not the CPU";
            } else {
                engine = new dnnl_engine();
                check(dnnl_engine_create(engine, dnnl_cpu, 0), "dnnl_engine_create");
            }
        } catch (LinkageError | RuntimeException e) {
            engine = null;
            why = "oneDNN could not be loaded: " + e;
        }
        ENGINE = engine;
        UNAVAILABLE = why;
        BLOCK = engine == null ? 8 : block(System.getProperty("cnnviz.onednn.block"));
        if (why != null) {
            LOG.info("cnnviz runs graphs through ND4J only: {}", why);
        }
    }

    private OneDnn() {
    }

    private static int block(String property) {
        if (property != null) {
            if (!property.equals("8") && !property.equals("16")) {
                throw new IllegalArgumentException("cnnviz.onednn.block must be 8 or 16, found '" + property + "'");
            }
            if (property.equals("16") && !hasAvx512()) {
                LOG.warn("cnnviz.onednn.block=16 without AVX-512: oneDNN runs pooling on such blocks with its slow reference kernels");
            }
            return Integer.parseInt(property);
        }
        return hasAvx512() ? 16 : 8;
    }

    /** @return whether oneDNN runs its AVX-512 kernels here (the kernels that read blocks of 16 channels) */
    static boolean hasAvx512() {
        int isa = dnnl_get_effective_cpu_isa();
        return (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core;
    }

    /** The channel-blocked layout ({@code nChw8c} or {@code nChw16c}) for a block of 8 or 16 channels. */
    static int blockedTag(int block) {
        return switch (block) {
            case 8 -> dnnl_nChw8c;
            case 16 -> dnnl_nChw16c;
            default -> throw new IllegalArgumentException("oneDNN channel block must be 8 or 16, found " + block);
        };
    }

    /** The name of a {@code dnnl_primitive_kind_t} this engine creates. */
    static String kindName(int kind) {
        if (kind == dnnl_convolution) {
            return "convolution";
        } else if (kind == dnnl_eltwise) {
            return "eltwise";
        } else if (kind == dnnl_pooling || kind == dnnl_pooling_v2) {
            return "pooling";
        } else if (kind == dnnl_reorder) {
            return "reorder";
        }
        return "primitive kind " + kind;
    }

    /** @return the name of the implementation oneDNN chose for a primitive, e.g. {@code jit:avx2} or {@code ref:any} */
    static String implementation(dnnl_primitive_desc pd) {
        org.bytedeco.javacpp.PointerPointer<BytePointer> out = new org.bytedeco.javacpp.PointerPointer<>(1);
        check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, out), "dnnl_primitive_desc_query");
        return out.get(BytePointer.class, 0).getString();
    }

    /** @return whether graphs can run on oneDNN directly in this process. */
    static boolean available() {
        return ENGINE != null;
    }

    /** @return why oneDNN is not used, or null when it is. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    static dnnl_engine engine() {
        return ENGINE;
    }

    static void check(int status, String call) {
        if (status != 0) {
            throw new IllegalStateException("oneDNN " + call + " failed: " + statusName(status));
        }
    }

    /** oneDNN's {@code dnnl_status_t} names (dnnl_types.h). */
    static String statusName(int status) {
        String[] names = {"success", "out of memory", "invalid arguments", "unimplemented", "iterator ends", "runtime error",
            "not required"};
        return status >= 0 && status < names.length ? names[status] + " (" + status + ")" : "status " + status;
    }

    /** A float32 memory descriptor of {@code dims} in layout {@code tag} (a {@code dnnl_format_tag_t}). */
    static dnnl_memory_desc_t md(long[] dims, int tag) {
        return md(dims, dnnl_f32, tag);
    }

    static dnnl_memory_desc_t md(long[] dims, int type, int tag) {
        dnnl_memory_desc_t m = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(m, dims.length, dims, type, tag), "dnnl_memory_desc_init_by_tag");
        return m;
    }

    /**
     * A host view of the first {@code count} floats of a memory's buffer: the stream runs in order on the CPU, so once
     * a step has run its results are there to read, and values written here are there for the next step.
     */
    static java.nio.FloatBuffer hostFloats(dnnl_memory m, long count) {
        return new org.bytedeco.javacpp.FloatPointer(dataHandle(m)).capacity(count).asBuffer();
    }

    /** @return the buffer of a memory. */
    static Pointer dataHandle(dnnl_memory m) {
        org.bytedeco.javacpp.PointerPointer<Pointer> out = new org.bytedeco.javacpp.PointerPointer<>(1);
        check(dnnl_memory_get_data_handle(m, out), "dnnl_memory_get_data_handle");
        return out.get(0);
    }

    static long bytes(dnnl_memory_desc_t md) {
        return dnnl_memory_desc_get_size(md);
    }

    /** Native objects to destroy together, in reverse order of creation. */
    static final class Resources implements AutoCloseable {
        private final List<Pointer> owned = new ArrayList<>();
        private final List<dnnl_memory> scratchHandles = new ArrayList<>();
        private dnnl_memory scratch;
        private long scratchBytes;
        private dnnl_primitive_attr plainAttr;
        private long bytes;
        private final List<String> reference = new ArrayList<>();
        private String label = "";

        /**
         * The attribute every primitive of a plan is created with: a user-provided scratchpad. oneDNN's default
         * scratchpad is thread-local and global, so a primitive created on one thread could not run on another
         * (a pooled plan moves between threads); instead the plan's primitives share one scratchpad buffer, which
         * is safe because one plan runs one primitive at a time.
         */
        dnnl_primitive_attr attr() {
            if (plainAttr == null) {
                plainAttr = newAttr();
            }
            return plainAttr;
        }

        private dnnl_primitive_attr newAttr() {
            dnnl_primitive_attr attr = new dnnl_primitive_attr();
            check(dnnl_primitive_attr_create(attr), "dnnl_primitive_attr_create");
            owned.add(attr);
            check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "dnnl_primitive_attr_set_scratchpad_mode");
            return attr;
        }

        /** A primitive and its arguments, plus the shared scratchpad if the primitive needs one. */
        Step step(dnnl_primitive_desc pd, int[] kinds, dnnl_memory... memories) {
            dnnl_primitive p = primitive(pd);
            String impl = implementation(pd);
            if (impl.startsWith("ref")) {
                IntPointer kind = new IntPointer(1);
                check(dnnl_primitive_desc_query(pd, dnnl_query_primitive_kind, 0, kind), "dnnl_primitive_desc_query");
                reference.add(label + ": " + kindName(kind.get()) + " (" + impl + ")");
                LOG.info("node '{}': oneDNN runs this {} on its reference kernel ({}), which is slow", label, kindName(kind.get()), impl);
            }
            dnnl_memory_desc_t smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
            long need = smd == null || smd.isNull() ? 0 : dnnl_memory_desc_get_size(smd);
            if (need == 0) {
                return new Step(p, kinds, memories);
            }
            if (need > scratchBytes) {
                scratch = memory(md(new long[] {need}, dnnl_u8, dnnl_a));
                scratchBytes = need;
                for (dnnl_memory h : scratchHandles) {
                    check(dnnl_memory_set_data_handle(h, dataHandle(scratch)), "dnnl_memory_set_data_handle");
                }
            }
            dnnl_memory_desc_t copy = new dnnl_memory_desc_t();
            copy.put(smd);
            dnnl_memory h = handle(copy);
            check(dnnl_memory_set_data_handle(h, dataHandle(scratch)), "dnnl_memory_set_data_handle");
            scratchHandles.add(h);
            int[] k = java.util.Arrays.copyOf(kinds, kinds.length + 1);
            k[kinds.length] = DNNL_ARG_SCRATCHPAD;
            dnnl_memory[] m = java.util.Arrays.copyOf(memories, memories.length + 1);
            m[memories.length] = h;
            return new Step(p, k, m);
        }

        /** Destroys a memory made by {@link #memory} before the others (its buffer is freed now). */
        void free(dnnl_memory m, dnnl_memory_desc_t md) {
            for (int i = owned.size() - 1; i >= 0; i--) {
                if (owned.get(i) == m) {
                    owned.remove(i);
                    dnnl_memory_destroy(m);
                    bytes -= OneDnn.bytes(md);
                    return;
                }
            }
            throw new IllegalStateException("memory not owned here");
        }

        dnnl_memory memory(dnnl_memory_desc_t md) {
            dnnl_memory m = new dnnl_memory();
            check(dnnl_memory_create(m, md, ENGINE, ALLOCATE), "dnnl_memory_create");
            owned.add(m);
            bytes += OneDnn.bytes(md);
            return m;
        }

        /** A memory without a buffer; {@link #wrap} points it at an ND4J array before each use. */
        dnnl_memory handle(dnnl_memory_desc_t md) {
            dnnl_memory m = new dnnl_memory();
            check(dnnl_memory_create(m, md, ENGINE, null), "dnnl_memory_create");
            owned.add(m);
            return m;
        }

        dnnl_stream stream() {
            dnnl_stream s = new dnnl_stream();
            check(dnnl_stream_create(s, ENGINE, 0), "dnnl_stream_create");
            owned.add(s);
            return s;
        }

        dnnl_primitive_desc own(dnnl_primitive_desc pd) {
            owned.add(pd);
            return pd;
        }

        dnnl_primitive primitive(dnnl_primitive_desc pd) {
            dnnl_primitive p = new dnnl_primitive();
            check(dnnl_primitive_create(p, pd), "dnnl_primitive_create");
            owned.add(p);
            return p;
        }

        /** An attribute whose post-op adds the destination's old content ({@code dst = op(...) + dst}). */
        dnnl_primitive_attr accumulate() {
            return withPostOp(po -> check(dnnl_post_ops_append_sum(po, 1f), "dnnl_post_ops_append_sum"));
        }

        /** A plan attribute (see {@link #attr()}) with one post-op. */
        dnnl_primitive_attr withPostOp(java.util.function.Consumer<dnnl_post_ops> append) {
            dnnl_post_ops po = new dnnl_post_ops();
            check(dnnl_post_ops_create(po), "dnnl_post_ops_create");
            try {
                append.accept(po);
                dnnl_primitive_attr attr = newAttr();
                check(dnnl_primitive_attr_set_post_ops(attr, po), "dnnl_primitive_attr_set_post_ops");
                return attr;
            } finally {
                dnnl_post_ops_destroy(po);
            }
        }

        /** A copy from layout {@code from} to layout {@code to} (same dims), adding to the target if asked. */
        Step reorder(dnnl_memory_desc_t from, dnnl_memory src, dnnl_memory_desc_t to, dnnl_memory dst, boolean add) {
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_reorder_primitive_desc_create(pd, from, ENGINE, to, ENGINE, add ? accumulate() : attr()),
                    "dnnl_reorder_primitive_desc_create");
            own(pd);
            return step(pd, new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, src, dst);
        }

        long bytes() {
            return bytes;
        }

        /** @return the steps made so far whose primitive is a reference kernel, as "label: kind (implementation)" */
        List<String> referenceKernels() {
            return List.copyOf(reference);
        }

        /** Names the node whose steps are made next (for {@link #referenceKernels} and the log). */
        void label(String node) {
            label = node;
        }

        @Override
        public void close() {
            for (int i = owned.size() - 1; i >= 0; i--) {
                Pointer p = owned.get(i);
                if (p instanceof dnnl_memory m) {
                    dnnl_memory_destroy(m);
                } else if (p instanceof dnnl_primitive pr) {
                    dnnl_primitive_destroy(pr);
                } else if (p instanceof dnnl_primitive_desc pd) {
                    dnnl_primitive_desc_destroy(pd);
                } else if (p instanceof dnnl_primitive_attr a) {
                    dnnl_primitive_attr_destroy(a);
                } else if (p instanceof dnnl_stream s) {
                    dnnl_stream_destroy(s);
                }
            }
            owned.clear();
        }
    }

    /** The argument list of one primitive execution. */
    static dnnl_exec_arg_t args(int[] kinds, dnnl_memory... memories) {
        dnnl_exec_arg_t a = new dnnl_exec_arg_t(kinds.length);
        for (int i = 0; i < kinds.length; i++) {
            a.position(i).arg(kinds[i]).memory(memories[i]);
        }
        a.position(0);
        return a;
    }

    /** A primitive with its arguments, executed as one step. */
    record Step(dnnl_primitive primitive, dnnl_exec_arg_t args, int count) {
        Step(dnnl_primitive primitive, int[] kinds, dnnl_memory... memories) {
            this(primitive, OneDnn.args(kinds, memories), kinds.length);
        }

        void run(dnnl_stream stream) {
            check(dnnl_primitive_execute(primitive, stream, count, args), "dnnl_primitive_execute");
        }
    }

    /** Points a buffer-less memory at a plain float32 ND4J array (which must stay alive while it is used). */
    static void wrap(dnnl_memory handle, INDArray a) {
        if (a.dataType() != DataType.FLOAT || !HostArrays.plain(a)) {
            throw new IllegalArgumentException("oneDNN reads plain float32 arrays, found " + a.dataType() + " " + a.shapeInfoToString());
        }
        check(dnnl_memory_set_data_handle(handle, a.data().addressPointer()), "dnnl_memory_set_data_handle");
    }

    /**
     * A float32, plain row-major array of {@code a}'s values (one {@link #wrap} accepts): {@code a} itself when it
     * already is one, else a cast and/or a copy.
     */
    static INDArray plain(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        return HostArrays.plain(f) ? f : f.dup('c');
    }

    /** A copy of a descriptor that a query returned (which lives only as long as its primitive descriptor's answer). */
    static dnnl_memory_desc_t copy(dnnl_memory_desc_t md) {
        dnnl_memory_desc_t c = new dnnl_memory_desc_t();
        c.put(md);
        return c;
    }

    /**
     * A primitive descriptor for operation {@code desc} (with {@code hint}, the forward's, for a backward), made with
     * the plan attribute ({@link Resources#attr()}) and owned by {@code res}.
     */
    static dnnl_primitive_desc pd(Resources res, Pointer desc, dnnl_primitive_desc hint) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(desc), res.attr(), OneDnn.engine(), hint),
                "dnnl_primitive_desc_create");
        return res.own(pd);
    }

    /** @return the source and destination argument kinds, for one-input primitives. */
    static int[] srcDst() {
        return new int[] {DNNL_ARG_SRC, DNNL_ARG_DST};
    }
}
