package dev.cnnviz.core.graph;

import dev.cnnviz.core.graph.OneDnn.Resources;
import dev.cnnviz.core.graph.OneDnn.Step;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_stream;

/**
 * One planned node of a {@link OneDnnPlan}: the oneDNN steps that compute its output {@link #y} (a
 * {@link PlanValue} the kernel creates and registers with its plan) from its inputs' values, and its inputs'
 * gradients from {@code y}'s. A kernel builds its forward primitives when the plan traces its node, and its
 * backward primitives at the first backward pass; every native object belongs to the plan's {@link Resources} and
 * runs on the plan's stream.
 *
 * <p>The kernels: {@link ConvKernel}, {@link DeconvKernel}, {@link ReluKernel}, {@link TanhKernel}, {@link PoolKernel},
 * {@link InstanceNormKernel}, {@link ConcatKernel}, {@link AddKernel}, {@link CropKernel}, {@link ReflectPadKernel},
 * {@link UpsampleKernel} and {@link CopyKernel}.
 */
abstract class PlanKernel {
    final OneDnnPlan plan;
    final Resources res;
    final dnnl_stream stream;
    final PlanValue y;

    PlanKernel(OneDnnPlan plan, String name, long[] dims, int tag) {
        this(plan, name, dims, tag, false);
    }

    /** @param releasable whether the output's buffer may be freed after the trace ({@link PlanValue#releaseBuffer}) */
    PlanKernel(OneDnnPlan plan, String name, long[] dims, int tag, boolean releasable) {
        this.plan = plan;
        this.res = plan.res;
        this.stream = plan.stream;
        this.y = plan.output(name, dims, tag, releasable);
    }

    /** An output in the default layout for its channel count ({@link OneDnnPlan#tag}). */
    PlanKernel(OneDnnPlan plan, String name, long[] dims) {
        this(plan, name, dims, false);
    }

    PlanKernel(OneDnnPlan plan, String name, long[] dims, boolean releasable) {
        this(plan, name, dims, plan.tag(dims), releasable);
    }

    abstract void forward();

    boolean supports(BackwardRule rule, boolean[] wanted) {
        return rule == BackwardRule.STANDARD;
    }

    abstract void backward(BackwardRule rule, boolean[] wanted);

    /**
     * Runs the step that writes a gradient contribution for input {@code x} (made once per target memory):
     * into x's gradient directly, or into scratch and then summed when x already has one.
     */
    void contribute(PlanValue x, Map<dnnl_memory, Step> steps, java.util.function.Function<dnnl_memory, Step> make) {
        dnnl_memory target = x.target();
        steps.computeIfAbsent(target, make).run(stream);
        x.contributed(target);
    }

    /**
     * @return {@code p}, unless oneDNN runs it on its slow reference kernel and {@code any} (the same primitive with
     * layouts of oneDNN's choosing) gets a JIT kernel: then {@code any}'s
     */
    static dnnl_primitive_desc preferJit(dnnl_primitive_desc p, Supplier<dnnl_primitive_desc> any) {
        if (!OneDnn.implementation(p).startsWith("ref")) {
            return p;
        }
        dnnl_primitive_desc a = any.get();
        return OneDnn.implementation(a).startsWith("ref") ? p : a;
    }

    /**
     * The memory a primitive reads as one of its operands: {@code mem} itself when it is already in the layout the
     * primitive asks for, else a new memory in that layout and the reorder that fills it (run it before the primitive).
     *
     * @param memory  what the primitive reads
     * @param reorder the step to run first, or null
     */
    record Operand(dnnl_memory memory, Step reorder) {
    }

    /** {@link Operand} for the operand {@code query} of {@code p}, from {@code mem} in layout {@code md}. */
    Operand operand(dnnl_primitive_desc p, int query, dnnl_memory_desc_t md, dnnl_memory mem) {
        dnnl_memory_desc_t want = OneDnn.copy(org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md(p, query, 0));
        if (org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal(want, md) != 0) {
            return new Operand(mem, null);
        }
        dnnl_memory into = res.memory(want);
        return new Operand(into, res.reorder(md, mem, want, into, false));
    }
}
