package dev.cnnviz.core.graph;

import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;

import dev.cnnviz.core.graph.OneDnn.Resources;
import dev.cnnviz.core.graph.ops.Concat;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Dropout;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.Identity;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Relu;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The convolutional part of a {@link Graph}, compiled to oneDNN primitives for one set of input shapes and run
 * directly on oneDNN (the JavaCPP preset), with activations kept in oneDNN's channel-blocked layout
 * ({@code nChw16c} on AVX-512 machines, {@code nChw8c} otherwise, see {@link OneDnn#BLOCK}) from one primitive to
 * the next.
 *
 * <p>Why: ND4J 1.0.0-M2.1 reaches the same oneDNN through libnd4j, which re-creates every primitive on every call
 * (about 50 µs each) and reorders NCHW to the blocked layout and back around every convolution. On SqueezeNet
 * 1.1 at batch 1 the convolutions take 15.6 ms forward and 19.8 ms backward that way, and 4.8 and 4.5 ms here.
 *
 * <p>What runs here, on 4-D float32 values: {@link Conv} (any stride, padding, dilation and groups) and
 * {@link dev.cnnviz.core.graph.ops.ConvTranspose} (ungrouped, any stride, padding, dilation and output padding),
 * each with constant weights and bias or trainable {@link Parameters} that the kernel copies again whenever their
 * version changed, and with weight and bias gradients computed here; {@link Relu} (with the exact, guided and
 * deconvnet backward rules, see {@link ReluGate}), {@link MaxPool}, {@link GlobalAveragePool}, channel
 * {@link Concat}, {@link Identity}, {@link Dropout}, {@link dev.cnnviz.core.graph.ops.Tanh},
 * {@link dev.cnnviz.core.graph.ops.InstanceNorm} (constant or trainable scale and bias, with their gradients),
 * spatial crops (a {@link dev.cnnviz.core.graph.ops.Pad} with pads at most zero) and
 * {@link dev.cnnviz.core.graph.ops.Add} of two equal shapes where one operand is already here, spatial reflect
 * padding (a {@link dev.cnnviz.core.graph.ops.Pad} in reflect mode) and nearest-neighbour upsampling by whole
 * factors (a {@link dev.cnnviz.core.graph.ops.Resize}, see {@link dev.cnnviz.core.graph.ops.Resize#integerNearestFactors}).
 * Only the standard
 * backward rule runs here, except for ReLU. Every other node runs through its ND4J operator, exactly as without
 * this plan: values cross between the two worlds by copies, made only where a node on one side consumes a value of
 * the other (or a user asks for it).
 *
 * <p>Each planned node is a {@link PlanKernel}: {@link ConvKernel}, {@link ReluKernel}, {@link PoolKernel}
 * (max and global average pooling), {@link ConcatKernel}, {@link CopyKernel} (identity, dropout),
 * {@link TanhKernel}, {@link InstanceNormKernel}, {@link DeconvKernel}, {@link CropKernel}, {@link AddKernel},
 * {@link ReflectPadKernel} and {@link UpsampleKernel}; each value in oneDNN memory, with its gradient, is a {@link PlanValue}. This class traces a forward pass into kernels, then
 * runs them forward and backward by node name.
 *
 * <p>A plan is built by tracing the first forward pass for a set of input shapes ({@link #tryAdd}), then reused
 * by later passes with the same shapes (pooled per graph, see {@link OneDnnPlans}). It holds no reference to
 * its graph, so that idle plans can be freed when the graph is collected. It owns its native memory:
 * every activation and, after the first backward pass, every gradient. A plan is used by one pass at a time.
 */
final class OneDnnPlan implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OneDnnPlan.class);

    /** The native resources of this plan, which own every memory and primitive of its kernels. */
    final Resources res = new Resources();
    /** The stream every step of this plan runs on. */
    final dnnl_stream stream;
    /** Values in oneDNN memory: outputs of planned nodes, and copies of ND4J values that planned nodes read. */
    private final Map<String, PlanValue> vals = new HashMap<>();
    private final Map<String, PlanKernel> kernels = new HashMap<>();
    /**
     * Gradients of convolution and transposed-convolution weights and biases and of instance-norm scales and biases
     * computed here (by {@link ConvKernel}, {@link DeconvKernel}, {@link InstanceNormKernel}), in plain layout, by the
     * constant's name; their values stay ND4J's. Shapes as the constants' (a grouped convolution's 5-D weight
     * gradient is exported in the constant's 4-D shape).
     */
    private final Map<String, PlanValue> paramGrads = new HashMap<>();
    private final Map<String, long[]> paramShapes = new HashMap<>();
    /** Names of ND4J-computed values that planned nodes read (copied in when computed). */
    private final Map<String, PlanValue> imports = new HashMap<>();
    /** The versions of trainable parameters last copied into {@link #imports} ({@link #importParameter}). */
    private final Map<String, Long> importedVersions = new HashMap<>();
    private boolean built;
    /** Whether passes on this plan may run backward; inference plans skip max pooling's workspace. */
    final boolean training;
    /** Channels per block of the blocked layout, 8 or 16, and that layout ({@code nChw8c} or {@code nChw16c}). */
    final int block;
    final int blockedTag;

    /**
     * @param training whether passes may run backward. Max pooling for training also records where each maximum
     *                 was (oneDNN's workspace), which makes its forward about 3x slower (SqueezeNet's pool1 at
     *                 batch 32: 32 ms against 12 ms), so inference passes get plans of their own.
     * @param block    channels per block of the blocked layout, 8 or 16 ({@link OneDnn#BLOCK})
     */
    OneDnnPlan(boolean training, int block) {
        this.training = training;
        this.blockedTag = OneDnn.blockedTag(block);
        this.block = block;
        this.stream = res.stream();
    }

    /** @return whether the trace is complete (the plan has run one whole forward pass). */
    boolean built() {
        return built;
    }

    /**
     * Ends the trace. A convolution fused with its ReLU no longer writes its own output, so that buffer is freed
     * (about a sixth of a SqueezeNet plan) and allocated again only if someone reads the value.
     */
    void markBuilt() {
        built = true;
        for (PlanKernel k : kernels.values()) {
            if (k instanceof ConvKernel c && c.fusedFwd != null) {
                c.y.releaseBuffer();
            }
        }
    }

    /**
     * @return the primitives of this plan, so far, that run on oneDNN's reference kernels (about 100x slower than
     *         its JIT kernels), as "node: kind (implementation)"
     */
    List<String> referenceKernels() {
        return res.referenceKernels();
    }

    /** @return native bytes owned (activations, gradients, weights). */
    long bytes() {
        return res.bytes();
    }

    /** @return whether node {@code name} runs on oneDNN in this plan. */
    boolean runs(String name) {
        return kernels.containsKey(name);
    }

    /** @return whether the value {@code name} lives in oneDNN memory (a planned node's output or an import). */
    boolean holds(String name) {
        return vals.containsKey(name);
    }

    /** @return whether an ND4J value must be copied in once computed, because planned nodes read it. */
    boolean imports(String name) {
        return imports.containsKey(name);
    }

    // ------------------------------------------------------------------ values

    /**
     * A new value held here, the output of planned node {@code name} (see {@link PlanKernel}).
     *
     * @param releasable whether the buffer may be freed after the trace ({@link PlanValue#releaseBuffer})
     */
    PlanValue output(String name, long[] dims, int tag, boolean releasable) {
        PlanValue y = new PlanValue(res, stream, name, dims, tag, false, releasable);
        vals.put(name, y);
        return y;
    }

    /**
     * The layout of a value: channel-blocked where the channels are a multiple of 8, plain NCHW otherwise (an
     * image's 3 channels). With blocks of 16, a count like 1000 (SqueezeNet's classes) is padded to 1008 rather
     * than left plain: oneDNN has no fast convolution from blocked input to plain output.
     */
    int tag(long[] dims) {
        return dims[1] % 8 == 0 ? blockedTag : dnnl_nchw;
    }

    /** The oneDNN memory of an input value, importing an ND4J value on first sight (during the trace). */
    private PlanValue input(String name, INDArray nd4jValue) {
        PlanValue v = vals.get(name);
        if (v == null) {
            int t = tag(nd4jValue.shape());
            boolean borrowed = t == dnnl_nchw && nd4jValue.dataType() == DataType.FLOAT;
            v = new PlanValue(res, stream, name, nd4jValue.shape(), t, borrowed);
            vals.put(name, v);
            imports.put(name, v);
            v.importValue(nd4jValue);
        }
        return v;
    }

    // ------------------------------------------------------------------ trace

    /**
     * Tries to plan node {@code node} during the trace and, if it can, runs it.
     *
     * @param inputs the node's inputs as ND4J arrays, or null for inputs held here
     * @return whether the node now runs here
     */
    boolean tryAdd(Graph graph, Node node, INDArray[] inputs) {
        if (built) {
            throw new IllegalStateException("plan already built");
        }
        PlanKernel k;
        res.label(node.name());
        try {
            k = kernelFor(graph, node, inputs);
        } catch (RuntimeException e) {
            vals.remove(node.name());
            LOG.debug("node '{}' ({}) runs through ND4J: {}", node.name(), node.op().kind(), e.getMessage());
            k = null;
        }
        if (k == null) {
            return false;
        }
        kernels.put(node.name(), k);
        k.forward();
        return true;
    }

    private long[] shapeOf(String name, INDArray nd4j) {
        PlanValue v = vals.get(name);
        return v != null ? v.dims : nd4j == null ? null : nd4j.shape();
    }

    private PlanKernel kernelFor(Graph graph, Node node, INDArray[] args) {
        if (graph.dataType() != DataType.FLOAT) {
            return null;
        }
        List<String> in = node.inputs();
        Op op = node.op();
        if (op instanceof Conv || op instanceof Relu || op instanceof MaxPool || op instanceof GlobalAveragePool
                || op instanceof Identity || op instanceof Dropout) {
            long[] s = shapeOf(in.get(0), args[0]);
            if (s == null || s.length != 4 || (args[0] != null && args[0].dataType() != DataType.FLOAT)) {
                return null;
            }
            if (op instanceof Conv c) {
                return conv(graph, node, c, args);
            }
            PlanValue x = input(in.get(0), args[0]);
            if (op instanceof Relu) {
                PlanKernel producer = kernels.get(in.get(0));
                boolean fusable = producer instanceof ConvKernel && graph.consumers(in.get(0)).size() == 1;
                return new ReluKernel(this, node.name(), x, fusable ? (ConvKernel) producer : null);
            }
            if (op instanceof MaxPool m) {
                return new PoolKernel(this, node.name(), x, m.geometry(x.dims), m.kernel(), m.strides(), m.dilations());
            }
            if (op instanceof GlobalAveragePool) {
                long[] geo = {1, 1, 0, 0, 0, 0};
                return new PoolKernel(this, node.name(), x, geo, new int[] {(int) x.dims[2], (int) x.dims[3]}, new int[] {1, 1}, null);
            }
            return new CopyKernel(this, node.name(), x);
        }
        if (op instanceof Concat c) {
            for (int i = 0; i < in.size(); i++) {
                long[] s = shapeOf(in.get(i), args[i]);
                if (s == null || s.length != 4 || (c.axis() != 1 && c.axis() != -3)) {
                    return null;
                }
            }
            PlanValue[] xs = new PlanValue[in.size()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = input(in.get(i), args[i]);
            }
            return new ConcatKernel(this, node.name(), xs);
        }
        // reflect padding and nearest upsampling also of an ND4J value (the image a style network pads first): a
        // convolution reads their output here, so the value would be copied in anyway
        if (op instanceof dev.cnnviz.core.graph.ops.Pad p && in.size() == 1 && floats(args)
                && ReflectPadKernel.plannable(this, p, shapeOf(in.get(0), args[0]))) {
            return new ReflectPadKernel(this, node.name(), input(in.get(0), args[0]), p);
        }
        if (op instanceof dev.cnnviz.core.graph.ops.Resize r && in.size() == 1 && floats(args)
                && UpsampleKernel.plannable(r, shapeOf(in.get(0), args[0]))) {
            return new UpsampleKernel(this, node.name(), input(in.get(0), args[0]), r);
        }
        // crops and additions only where a value is already here (else they would copy ND4J values in and out)
        if (op instanceof dev.cnnviz.core.graph.ops.Pad p && in.size() == 1 && args[0] == null) {
            return CropKernel.plannable(p, shapeOf(in.get(0), args[0])) ? new CropKernel(this, node.name(), input(in.get(0), args[0]), p) : null;
        }
        if (op instanceof dev.cnnviz.core.graph.ops.Add && in.size() == 2 && (args[0] == null || args[1] == null) && floats(args)) {
            return AddKernel.plannable(shapeOf(in.get(0), args[0]), shapeOf(in.get(1), args[1]))
                    ? new AddKernel(this, node.name(), input(in.get(0), args[0]), input(in.get(1), args[1])) : null;
        }
        if (op instanceof dev.cnnviz.core.graph.ops.ConvTranspose t) {
            long[] s = shapeOf(in.get(0), args[0]);
            if (!DeconvKernel.plannable(graph, node, t, s) || (args[0] != null && args[0].dataType() != DataType.FLOAT)) {
                return null;
            }
            String bName = in.size() > 2 ? in.get(2) : null;
            return new DeconvKernel(this, node.name(), input(in.get(0), args[0]), t, graph.constant(in.get(1)),
                    bName == null ? null : graph.constant(bName), in.get(1), bName, graph.parameterSlot(in.get(1)),
                    bName == null ? null : graph.parameterSlot(bName));
        }
        if (op instanceof dev.cnnviz.core.graph.ops.Tanh || op instanceof dev.cnnviz.core.graph.ops.InstanceNorm) {
            long[] s = shapeOf(in.get(0), args[0]);
            if (s == null || s.length != 4 || (args[0] != null && args[0].dataType() != DataType.FLOAT)
                    || (op instanceof dev.cnnviz.core.graph.ops.InstanceNorm
                        && (!InstanceNormKernel.plannable(this, s) || !(graph.node(in.get(1)).op() instanceof Constant)
                            || !(graph.node(in.get(2)).op() instanceof Constant)))) {
                return null;
            }
            PlanValue x = input(in.get(0), args[0]);
            return op instanceof dev.cnnviz.core.graph.ops.InstanceNorm n
                    ? new InstanceNormKernel(this, node.name(), x, n, graph.constant(in.get(1)), graph.constant(in.get(2)),
                            in.get(1), in.get(2), graph.parameterSlot(in.get(1)), graph.parameterSlot(in.get(2)))
                    : new TanhKernel(this, node.name(), x);
        }
        return null;
    }

    /** @return whether every ND4J argument (null: held here) is float32 */
    private static boolean floats(INDArray[] args) {
        for (INDArray a : args) {
            if (a != null && a.dataType() != DataType.FLOAT) {
                return false;
            }
        }
        return true;
    }

    private PlanKernel conv(Graph graph, Node node, Conv c, INDArray[] args) {
        List<String> in = node.inputs();
        for (int i = 1; i < in.size(); i++) {
            if (!(graph.node(in.get(i)).op() instanceof Constant)) {
                return null;
            }
        }
        INDArray w = graph.constant(in.get(1));
        INDArray b = in.size() > 2 ? graph.constant(in.get(2)) : null;
        if (w.rank() != 4 || w.dataType() != DataType.FLOAT || (b != null && (b.length() != w.size(0) || b.dataType() != DataType.FLOAT))) {
            return null;
        }
        long[] xs = shapeOf(in.get(0), args[0]);
        if (w.size(1) * c.group() != xs[1] || w.size(0) % c.group() != 0) {
            return null;
        }
        long[] geo = c.geometry(xs, w.shape());
        PlanValue x = input(in.get(0), args[0]);
        return new ConvKernel(this, node.name(), x, c, w, b, geo, in.get(1), in.size() > 2 ? in.get(2) : null,
                graph.parameterSlot(in.get(1)), in.size() > 2 ? graph.parameterSlot(in.get(2)) : null);
    }

    // ------------------------------------------------------------------ running

    /** Runs a planned node forward (after the trace). */
    void forward(String name) {
        kernels.get(name).forward();
    }

    /** Copies an ND4J value that planned nodes read into oneDNN memory. */
    void importValue(String name, INDArray value) {
        imports.get(name).importValue(value);
    }

    /**
     * Copies trainable parameter {@code name}, which planned nodes read as an activation, into oneDNN memory again
     * if its version changed since the last copy (the trace's copy counts as unversioned: the first pass copies).
     */
    void importParameter(String name, Parameters.Slot slot) {
        long version = slot.version();
        Long seen = importedVersions.get(name);
        if (seen == null || seen != version) {
            imports.get(name).importValue(slot.array);
            importedVersions.put(name, version);
        }
    }

    /** @return the shape of a value held here. */
    long[] dims(String name) {
        return vals.get(name).dims.clone();
    }

    /** @return a fresh NCHW copy of a value held here (in the current workspace, if any). */
    INDArray export(String name) {
        return vals.get(name).export(false);
    }

    /**
     * Starts a backward pass: no value has a gradient yet.
     *
     * @param read the nodes whose gradients the pass reads when it ends (its {@code wrt}); a kernel may use the
     *             gradient of any other output as scratch once it has pushed it to its inputs
     */
    void beginBackward(java.util.Collection<String> read) {
        for (PlanValue v : vals.values()) {
            v.diffSet = false;
            v.gradientKept = read.contains(v.name);
        }
        for (PlanValue v : paramGrads.values()) {
            v.diffSet = false;
        }
    }

    /**
     * The gradient holder of constant {@code name} (the weights or bias of a convolution or transposed convolution, the
     * scale or bias of an instance norm), made at its first use.
     *
     * @param dims  the layout's dimensions (5 for a grouped convolution's weights: groups first)
     * @param shape the constant's shape, which exported gradients take
     */
    PlanValue parameterGradient(String name, long[] dims, long[] shape) {
        return paramGrads.computeIfAbsent(name, n -> {
            paramShapes.put(n, shape.clone());
            return new PlanValue(res, stream, n, dims, PlanValue.plainTag(dims.length), true);
        });
    }

    /** @return whether value {@code name} has a gradient in oneDNN memory (an activation's or a parameter's). */
    boolean hasGradient(String name) {
        PlanValue v = vals.get(name);
        if (v == null) {
            v = paramGrads.get(name);
        }
        return v != null && v.diffSet;
    }

    /** Adds an ND4J gradient to the gradient of a value held here. */
    void addGradient(String name, INDArray g) {
        vals.get(name).importGradient(g);
    }

    /** @return a fresh NCHW copy of value {@code name}'s gradient (which must exist). */
    INDArray exportGradient(String name) {
        PlanValue v = vals.get(name);
        if (v != null) {
            return v.export(true);
        }
        INDArray g = paramGrads.get(name).export(true);
        long[] shape = paramShapes.get(name);
        return java.util.Arrays.equals(shape, g.shape()) ? g : g.reshape('c', shape);
    }

    /** @return whether the planned node can run backward here under {@code rule} for the wanted inputs. */
    boolean canBackward(String name, BackwardRule rule, boolean[] wanted) {
        PlanKernel k = kernels.get(name);
        return training && k != null && k.supports(rule, wanted);
    }

    /** Runs a planned node backward: its gradient (which must exist) flows into its wanted inputs' gradients. */
    void backward(String name, BackwardRule rule, boolean[] wanted) {
        res.label(name);
        kernels.get(name).backward(rule, wanted);
    }

    @Override
    public void close() {
        res.close();
        vals.clear();
        paramGrads.clear();
        kernels.clear();
    }
}
