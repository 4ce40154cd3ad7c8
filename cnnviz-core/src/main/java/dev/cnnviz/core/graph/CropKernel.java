package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_submemory;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.Pad;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;

/**
 * A {@link Pad} whose spatial pads are all zero or negative, i.e. a crop {@code y = x[:, :, t : H - b, l : W - r]}
 * (ONNX's deprecated {@code Crop}, which the importer maps to such a Pad; the style networks' residual skips), in
 * a {@link OneDnnPlan}: one reorder from a window of {@code x} (a oneDNN sub-memory, any layout) into {@code y}.
 * Backward: {@code dx} is {@code dy} in the window and zero outside; the first contribution zeroes {@code x}'s
 * gradient and copies {@code dy} into the window, later ones add {@code dy} there.
 */
final class CropKernel extends PlanKernel {
    private final PlanValue x;
    private final dnnl_memory_desc_t window;
    private final dnnl_memory xWindow;
    private final Step fwd;
    private dnnl_memory dxWindow;
    private Step zero;
    private Step copy;
    private Step add;

    /**
     * @return whether {@code p} on an input of shape {@code x} is a crop this kernel runs: 4-D, batch and channel
     *         pads zero, spatial pads at most zero, a non-empty result
     */
    static boolean plannable(Pad p, long[] x) {
        int[] pads = p.pads();
        if (x == null || x.length != 4 || pads.length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0) {
            return false;
        }
        for (int i : new int[] {2, 3, 6, 7}) {
            if (pads[i] > 0) {
                return false;
            }
        }
        return x[2] + pads[2] + pads[6] >= 1 && x[3] + pads[3] + pads[7] >= 1;
    }

    CropKernel(OneDnnPlan plan, String name, PlanValue x, Pad p) {
        super(plan, name, cropped(x.dims, p.pads()));
        this.x = x;
        int[] pads = p.pads();
        window = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_submemory(window, x.md, y.dims, new long[] {0, 0, -pads[2], -pads[3]}),
                "dnnl_memory_desc_init_submemory");
        xWindow = res.handle(window);
        fwd = res.reorder(window, xWindow, y.md, y.mem, false);
    }

    private static long[] cropped(long[] x, int[] pads) {
        return new long[] {x[0], x[1], x[2] + pads[2] + pads[6], x[3] + pads[3] + pads[7]};
    }

    @Override
    void forward() {
        // x's buffer can be an ND4J array's (an imported plain value), pointed at anew on every pass
        check(dnnl_memory_set_data_handle(xWindow, OneDnn.dataHandle(x.mem)), "dnnl_memory_set_data_handle");
        fwd.run(stream);
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        if (!wanted[0]) {
            return;
        }
        dnnl_memory dx = x.diff();
        if (dxWindow == null) {
            dxWindow = res.handle(window);
            check(dnnl_memory_set_data_handle(dxWindow, OneDnn.dataHandle(dx)), "dnnl_memory_set_data_handle");
            // zeros of the plan's own (not an ND4J array: a pass's workspace would reuse its memory)
            dnnl_memory z = res.memory(x.md);
            org.bytedeco.javacpp.Pointer.memset(OneDnn.dataHandle(z), 0, OneDnn.bytes(x.md));
            zero = res.reorder(x.md, z, x.md, dx, false);
            copy = res.reorder(y.md, y.diff(), window, dxWindow, false);
            add = res.reorder(y.md, y.diff(), window, dxWindow, true);
        }
        if (x.diffSet) {
            add.run(stream);
        } else {
            zero.run(stream);
            copy.run(stream);
            x.diffSet = true;
        }
    }
}
