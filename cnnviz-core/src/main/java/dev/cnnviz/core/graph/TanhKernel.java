package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static dev.cnnviz.core.graph.OneDnn.pd;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_tanh_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.Tanh;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * {@link Tanh} on a 4-D value in a {@link OneDnnPlan}: oneDNN's eltwise primitive
 * ({@code dnnl_eltwise_tanh_use_dst_for_bwd}) forward, and its backward {@code dx = (1 - y²) · dy}, read from the
 * output, for the standard rule.
 */
final class TanhKernel extends PlanKernel {
    private final Step fwd;
    private final dnnl_primitive_desc hintPd;
    private final PlanValue x;
    private final Map<dnnl_memory, Step> bwd = new HashMap<>();
    private dnnl_primitive_desc bwdPd;

    TanhKernel(OneDnnPlan plan, String name, PlanValue x) {
        super(plan, name, x.dims);
        this.x = x;
        dnnl_eltwise_desc_t desc = new dnnl_eltwise_desc_t();
        check(dnnl_eltwise_forward_desc_init(desc, dnnl_forward_training, dnnl_eltwise_tanh_use_dst_for_bwd, x.md, 0f, 0f),
                "dnnl_eltwise_forward_desc_init");
        hintPd = pd(res, desc, null);
        fwd = res.step(hintPd, OneDnn.srcDst(), x.mem, y.mem);
    }

    @Override
    void forward() {
        fwd.run(stream);
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        if (!wanted[0]) {
            return;
        }
        if (bwdPd == null) {
            dnnl_eltwise_desc_t desc = new dnnl_eltwise_desc_t();
            check(dnnl_eltwise_backward_desc_init(desc, dnnl_eltwise_tanh_use_dst_for_bwd, y.md, y.md, 0f, 0f),
                    "dnnl_eltwise_backward_desc_init");
            bwdPd = pd(res, desc, hintPd);
        }
        contribute(x, bwd, t -> res.step(bwdPd, new int[] {DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC},
                y.mem, y.diff(), t));
    }
}
