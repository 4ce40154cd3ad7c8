package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static dev.cnnviz.core.graph.OneDnn.copy;
import static dev.cnnviz.core.graph.OneDnn.pd;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_avg_exclude_padding;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_max;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_v2_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_v2_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_workspace_md;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.MaxPool;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_v2_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * Max pooling ({@link MaxPool}, windows from {@link MaxPool#geometry}) or global average pooling
 * ({@link GlobalAveragePool}) in a {@link OneDnnPlan}.
 *
 * <p>Forward: oneDNN's pooling primitive ({@code dnnl_pooling_v2_forward_desc_init}, algorithm
 * {@code dnnl_pooling_max} or {@code dnnl_pooling_avg_exclude_padding}). In a training plan max pooling also
 * records where each maximum was (oneDNN's workspace) for the backward; inference plans skip it.
 *
 * <p>Backward: the input gradient by the pooling backward primitive ({@code dnnl_pooling_v2_backward_desc_init},
 * with the workspace for max pooling), built at the first backward pass.
 */
final class PoolKernel extends OneStepKernel {
    private final PlanValue x;
    private final dnnl_primitive_desc fwdPd;
    private final dnnl_memory workspace;
    private final int alg;
    private final long[] strides;
    private final long[] kernel;
    private final long[] dil;
    private final long[] padL;
    private final long[] padR;
    private final Map<dnnl_memory, Step> bwd = new HashMap<>();
    private dnnl_primitive_desc bwdPd;

    PoolKernel(OneDnnPlan plan, String name, PlanValue x, long[] geo, int[] k, int[] s, int[] d) {
        super(plan, name, new long[] {x.dims[0], x.dims[1], geo[0], geo[1]});
        this.x = x;
        this.alg = d == null ? dnnl_pooling_avg_exclude_padding : dnnl_pooling_max;
        if (geo[4] < 0 || geo[5] < 0) {
            throw new IllegalArgumentException("windows stop short of the input's end");
        }
        strides = new long[] {s[0], s[1]};
        kernel = new long[] {k[0], k[1]};
        dil = d == null ? new long[] {0, 0} : new long[] {d[0] - 1, d[1] - 1};
        padL = new long[] {geo[2], geo[3]};
        padR = new long[] {geo[4], geo[5]};
        dnnl_pooling_v2_desc_t desc = new dnnl_pooling_v2_desc_t();
        check(dnnl_pooling_v2_forward_desc_init(desc, plan.training ? dnnl_forward_training : dnnl_forward_inference, alg, x.md, y.md,
                strides, kernel, dil, padL, padR),
                "dnnl_pooling_v2_forward_desc_init");
        fwdPd = pd(res, desc, null);
        dnnl_memory_desc_t wsMd = dnnl_primitive_desc_query_md(fwdPd, dnnl_query_workspace_md, 0);
        if (wsMd != null && !wsMd.isNull() && wsMd.ndims() > 0) {
            workspace = res.memory(copy(wsMd));
            fwd = res.step(fwdPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_WORKSPACE}, x.mem, y.mem, workspace);
        } else {
            workspace = null;
            fwd = res.step(fwdPd, OneDnn.srcDst(), x.mem, y.mem);
        }
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        if (!wanted[0]) {
            return;
        }
        if (bwdPd == null) {
            dnnl_pooling_v2_desc_t desc = new dnnl_pooling_v2_desc_t();
            check(dnnl_pooling_v2_backward_desc_init(desc, alg, x.md, y.md, strides, kernel, dil, padL, padR),
                    "dnnl_pooling_v2_backward_desc_init");
            bwdPd = pd(res, desc, fwdPd);
        }
        contribute(x, bwd, t -> workspace == null
                ? res.step(bwdPd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC}, y.diff(), t)
                : res.step(bwdPd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WORKSPACE, DNNL_ARG_DIFF_SRC}, y.diff(), workspace, t));
    }
}
