package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static dev.cnnviz.core.graph.OneDnn.pd;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.Relu;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * ReLU ({@link Relu}) in a {@link OneDnnPlan}, with the exact, guided or deconvnet backward ({@link ReluGate}) or
 * Lucid's redirected gradient ({@link RedirectedRelu}).
 * The mask {@code [x > 0]} is read from the output ({@code y > 0} exactly where {@code x > 0}), so a ReLU fused
 * into the convolution before it needs no pre-activation: after the trace that convolution writes this ReLU's
 * output directly ({@link ConvKernel#fuseRelu}).
 *
 * <p>Forward: oneDNN's eltwise primitive with {@code dnnl_eltwise_relu_use_dst_for_bwd}, unless fused.
 *
 * <p>Backward, by gate: the input gate is the eltwise backward primitive ({@code dnnl_eltwise_relu_use_dst_for_bwd},
 * {@code dx = [y > 0] · dy}); the gradient gate clips with an eltwise ReLU forward ({@code max(·, 0)}), in place
 * after the input gate or from {@code dy}; with neither gate the gradient is copied by a reorder. The redirected rule
 * runs the input gate, then {@link RedirectedRelu#redirect} on the host over the three memories (same layout).
 */
final class ReluKernel extends PlanKernel {
    private final Step fwd;
    private final dnnl_primitive_desc hintPd;
    private final PlanValue x;
    private final boolean fused;
    private final Map<dnnl_memory, Step> masked = new HashMap<>();
    private final Map<dnnl_memory, Step> clippedInPlace = new HashMap<>();
    private final Map<dnnl_memory, Step> clipped = new HashMap<>();
    private final Map<dnnl_memory, Step> copied = new HashMap<>();
    private dnnl_primitive_desc bwdPd;

    ReluKernel(OneDnnPlan plan, String name, PlanValue x, ConvKernel producer) {
        super(plan, name, x.dims);
        this.x = x;
        dnnl_eltwise_desc_t desc = new dnnl_eltwise_desc_t();
        check(dnnl_eltwise_forward_desc_init(desc, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, x.md, 0f, 0f),
                "dnnl_eltwise_forward_desc_init");
        hintPd = pd(res, desc, null);
        fwd = res.step(hintPd, OneDnn.srcDst(), x.mem, y.mem);
        fused = producer != null && producer.fuseRelu(y);
    }

    @Override
    void forward() {
        if (!fused || !plan.built()) {
            fwd.run(stream);
        }
    }

    @Override
    boolean supports(BackwardRule rule, boolean[] wanted) {
        return rule == BackwardRule.STANDARD || rule instanceof ReluGate || rule instanceof RedirectedRelu;
    }

    /** {@code to = max(from, 0)}. */
    private Step clip(dnnl_memory from, dnnl_memory to, Map<dnnl_memory, Step> cache) {
        return cache.computeIfAbsent(to, t -> {
            dnnl_eltwise_desc_t desc = new dnnl_eltwise_desc_t();
            check(dnnl_eltwise_forward_desc_init(desc, dnnl_forward_training, dnnl_eltwise_relu, y.md, 0f, 0f),
                    "dnnl_eltwise_forward_desc_init");
            return res.step(pd(res, desc, null), OneDnn.srcDst(), from, t);
        });
    }

    /** The exact gradient {@code [y > 0] · dy} into {@code target}: the eltwise backward primitive. */
    private Step maskedStep(dnnl_memory target) {
        if (bwdPd == null) {
            dnnl_eltwise_desc_t desc = new dnnl_eltwise_desc_t();
            check(dnnl_eltwise_backward_desc_init(desc, dnnl_eltwise_relu_use_dst_for_bwd, y.md, y.md, 0f, 0f),
                    "dnnl_eltwise_backward_desc_init");
            bwdPd = pd(res, desc, hintPd);
        }
        return masked.computeIfAbsent(target, t -> res.step(bwdPd,
                new int[] {DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC}, y.mem, y.diff(), t));
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        if (!wanted[0]) {
            return;
        }
        boolean inputGate = true;
        boolean gradientGate = false;
        if (rule instanceof ReluGate gate) {
            inputGate = gate.inputGate();
            gradientGate = gate.gradientGate();
        }
        dnnl_memory target = x.target();
        if (rule instanceof RedirectedRelu) {
            maskedStep(target).run(stream);
            long count = OneDnn.bytes(y.md) / Float.BYTES;
            RedirectedRelu.redirect(OneDnn.hostFloats(y.mem, count), OneDnn.hostFloats(y.diff(), count),
                    OneDnn.hostFloats(target, count), (int) y.dims[0]);
            x.contributed(target);
            return;
        }
        if (inputGate) {
            maskedStep(target).run(stream);
            if (gradientGate) {
                clip(target, target, clippedInPlace).run(stream);
            }
        } else if (gradientGate) {
            clip(y.diff(), target, clipped).run(stream);
        } else {
            copied.computeIfAbsent(target, t -> res.reorder(y.md, y.diff(), x.md, t, false)).run(stream);
        }
        x.contributed(target);
    }
}
