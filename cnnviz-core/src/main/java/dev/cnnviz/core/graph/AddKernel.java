package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static dev.cnnviz.core.graph.OneDnn.pd;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_add;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_desc_init;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.Add;
import java.util.Arrays;
import org.bytedeco.dnnl.dnnl_binary_desc_t;

/**
 * Element-wise {@link Add} of two 4-D values of one shape (the style networks' residual connections,
 * {@code y = a + b}) in a {@link OneDnnPlan}: oneDNN's binary primitive ({@code dnnl_binary_add}) forward; backward
 * adds the output gradient to each wanted input's ({@code da = db = dy}, a copy or a summing reorder). Broadcasting
 * additions (a bias, a mean) run on ND4J.
 */
final class AddKernel extends PlanKernel {
    private final PlanValue a;
    private final PlanValue b;
    private final Step fwd;

    /** @return whether two inputs of these shapes can be added here: both 4-D and equal */
    static boolean plannable(long[] a, long[] b) {
        return a != null && b != null && a.length == 4 && Arrays.equals(a, b);
    }

    AddKernel(OneDnnPlan plan, String name, PlanValue a, PlanValue b) {
        super(plan, name, a.dims);
        this.a = a;
        this.b = b;
        dnnl_binary_desc_t desc = new dnnl_binary_desc_t();
        check(dnnl_binary_desc_init(desc, dnnl_binary_add, a.md, b.md, y.md), "dnnl_binary_desc_init");
        fwd = res.step(pd(res, desc, null), new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST}, a.mem, b.mem, y.mem);
    }

    @Override
    void forward() {
        fwd.run(stream);
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        if (wanted[0]) {
            a.addGradient(y.md, y.diff());
        }
        if (wanted[1]) {
            b.addGradient(y.md, y.diff());
        }
    }
}
