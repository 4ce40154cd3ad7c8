package dev.cnnviz.core.graph;

import static dev.cnnviz.core.graph.OneDnn.check;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_submemory;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;

import dev.cnnviz.core.graph.OneDnn.Step;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.PadMode;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;

/**
 * Reflect padding of the two spatial dimensions ({@link Pad} in {@link PadMode#REFLECT} mode, numpy's
 * {@code 'reflect'}: the edge is not repeated; the style networks' borders) in a {@link OneDnnPlan}. With pads
 * {@code t, l, b, r} (each at most the axis' size minus 1) on {@code x [N, C, H, W]},
 * <pre>  y[n, c, i, j] = x[n, c, ρ_H(i - t), ρ_W(j - l)],    ρ_n(s) = -s (s &lt; 0),  s (0 ≤ s &lt; n),  2(n-1) - s (s ≥ n)</pre>
 *
 * <p>Forward, by oneDNN reorders between windows (sub-memories) of the values, so any layout (plain NCHW or
 * channel-blocked) works unchanged: {@code x} into the interior of {@code y}; then each left and right border column,
 * over the interior rows, copied from the interior column it reflects; then each top and bottom border row, over the
 * whole width, copied from the interior row it reflects (so the corners reflect both ways).
 *
 * <p>Backward, the adjoint of those steps in reverse order, {@code dx = Tᵀ dy}: each border row's gradient added to
 * the interior row it was copied from (a summing reorder); each border column's gradient, over the interior rows,
 * added to its interior column; then the interior window is {@code x}'s gradient contribution. Every border
 * element's gradient thus lands on the input element it copies, as in the ND4J operator. The folds run in place on
 * {@code dy}, which nothing reads after this step, unless the pass returns this node's gradient
 * ({@link PlanValue#gradientKept}): then on a copy of {@code dy} in scratch (one more pass over the padded value,
 * which the in-place folds save: the style networks pad before each of their 16 convolutions).
 */
final class ReflectPadKernel extends PlanKernel {
    private final PlanValue x;
    /** {@code t, l, b, r}. */
    private final long[] pads;
    private final dnnl_memory_desc_t interiorMd;
    private final List<Step> fwd = new ArrayList<>();
    /** The output gradient in scratch, its border folds, and the interior window of the scratch. */
    private dnnl_memory scratch;
    private final List<Step> bwd = new ArrayList<>();
    private dnnl_memory scratchInterior;
    /** The border folds on the output gradient itself, and its interior window. */
    private final List<Step> bwdInPlace = new ArrayList<>();
    private dnnl_memory diffInterior;

    /**
     * @return whether {@code p} on an input of shape {@code x} runs on {@code plan}: 4-D, reflect mode, batch and
     *         channel pads zero, spatial pads at most the size minus 1, and channels laid out plainly or in whole
     *         blocks (oneDNN makes no windows of a blocked layout whose last block is padded, e.g. 24 channels in
     *         blocks of 16)
     */
    static boolean plannable(OneDnnPlan plan, Pad p, long[] x) {
        int[] pads = p.pads();
        return p.mode() == PadMode.REFLECT && x != null && x.length == 4 && pads.length == 8 && pads[0] == 0 && pads[1] == 0
                && pads[4] == 0 && pads[5] == 0 && pads[2] < x[2] && pads[6] < x[2] && pads[3] < x[3] && pads[7] < x[3]
                && (plan.tag(x) == dnnl_nchw || x[1] % plan.block == 0);
    }

    ReflectPadKernel(OneDnnPlan plan, String name, PlanValue x, Pad p) {
        super(plan, name, padded(x.dims, p.pads()));
        int[] q = p.pads();
        if (!plannable(plan, p, x.dims)) {
            throw new IllegalArgumentException(p + " on " + java.util.Arrays.toString(x.dims) + " is not a spatial reflect padding");
        }
        this.x = x;
        this.pads = new long[] {q[2], q[3], q[6], q[7]};
        long h = x.dims[2];
        long w = x.dims[3];
        long t = pads[0];
        long l = pads[1];
        interiorMd = window(y.md, x.dims, t, l);
        fwd.add(res.reorder(x.md, x.mem, interiorMd, view(y.mem, interiorMd), false));
        long[] column = {x.dims[0], x.dims[1], h, 1};
        long[] row = {x.dims[0], x.dims[1], 1, y.dims[3]};
        for (long[] copy : columnCopies(w)) {
            fwd.add(copy(y.mem, window(y.md, column, t, copy[1]), window(y.md, column, t, copy[0]), false));
        }
        for (long[] copy : rowCopies(h)) {
            fwd.add(copy(y.mem, window(y.md, row, copy[1], 0), window(y.md, row, copy[0], 0), false));
        }
    }

    private static long[] padded(long[] x, int[] pads) {
        return new long[] {x[0], x[1], x[2] + pads[2] + pads[6], x[3] + pads[3] + pads[7]};
    }

    /** The border columns of {@code y} as {destination, source} column indices (left, then right). */
    private List<long[]> columnCopies(long w) {
        return borderCopies(pads[1], pads[3], w);
    }

    /** The border rows of {@code y} as {destination, source} row indices (top, then bottom). */
    private List<long[]> rowCopies(long h) {
        return borderCopies(pads[0], pads[2], h);
    }

    /**
     * {destination, source} indices along a padded axis of input size {@code n} with pads {@code begin, end}: border
     * index {@code o} copies {@code begin + ρ_n(o - begin)}, always an interior index.
     */
    private static List<long[]> borderCopies(long begin, long end, long n) {
        List<long[]> out = new ArrayList<>();
        for (long o = 0; o < begin; o++) {
            out.add(new long[] {o, begin + (begin - o)});
        }
        for (long e = 0; e < end; e++) {
            long o = begin + n + e;
            out.add(new long[] {o, begin + 2 * (n - 1) - (n + e)});
        }
        return out;
    }

    /** The window of {@code dims} at spatial offset {@code (top, left)} of a value laid out as {@code md}. */
    private static dnnl_memory_desc_t window(dnnl_memory_desc_t md, long[] dims, long top, long left) {
        dnnl_memory_desc_t sub = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_submemory(sub, md, dims, new long[] {0, 0, top, left}), "dnnl_memory_desc_init_submemory");
        return sub;
    }

    /** A buffer-less memory of layout {@code md} on {@code m}'s buffer (which must not change). */
    private dnnl_memory view(dnnl_memory m, dnnl_memory_desc_t md) {
        dnnl_memory v = res.handle(md);
        check(dnnl_memory_set_data_handle(v, OneDnn.dataHandle(m)), "dnnl_memory_set_data_handle");
        return v;
    }

    /** A copy (or, with {@code add}, a summing copy) between two windows of one memory. */
    private Step copy(dnnl_memory m, dnnl_memory_desc_t from, dnnl_memory_desc_t to, boolean add) {
        return res.reorder(from, view(m, from), to, view(m, to), add);
    }

    @Override
    void forward() {
        for (Step s : fwd) {
            s.run(stream);
        }
    }

    @Override
    void backward(BackwardRule rule, boolean[] wanted) {
        if (!wanted[0]) {
            return;
        }
        if (!y.gradientKept) {
            if (diffInterior == null) {
                folds(y.diff(), bwdInPlace);
                diffInterior = view(y.diff(), interiorMd);
            }
            for (Step s : bwdInPlace) {
                s.run(stream);
            }
            x.addGradient(interiorMd, diffInterior);
            return;
        }
        if (scratch == null) {
            scratch = res.memory(y.md);
            bwd.add(res.reorder(y.md, y.diff(), y.md, scratch, false));
            folds(scratch, bwd);
            scratchInterior = view(scratch, interiorMd);
        }
        for (Step s : bwd) {
            s.run(stream);
        }
        x.addGradient(interiorMd, scratchInterior);
    }

    /** Adds the border rows', then the border columns' gradients in {@code m} to the interior rows and columns they copy. */
    private void folds(dnnl_memory m, List<Step> into) {
        long[] column = {x.dims[0], x.dims[1], x.dims[2], 1};
        long[] row = {x.dims[0], x.dims[1], 1, y.dims[3]};
        for (long[] copy : rowCopies(x.dims[2])) {
            into.add(copy(m, window(y.md, row, copy[0], 0), window(y.md, row, copy[1], 0), true));
        }
        for (long[] copy : columnCopies(x.dims[3])) {
            into.add(copy(m, window(y.md, column, pads[0], copy[0]), window(y.md, column, pads[0], copy[1]), true));
        }
    }
}
