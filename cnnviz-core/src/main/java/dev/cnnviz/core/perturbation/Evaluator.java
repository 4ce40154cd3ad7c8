package dev.cnnviz.core.perturbation;

import dev.cnnviz.api.ResolvedTarget;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.TargetResolver;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ScratchArrays;
import java.util.Collections;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Evaluates a target on perturbed copies of one input, {@code x̃ = b + m ⊙ (x − b)} for masks {@code m ∈ [0, 1]^{H×W}}
 * shared by all channels, in batches of inference-only passes ({@link Graph#infer}); the batch array is a pooled
 * scratch array checked against the memory budget before it is leased.
 */
final class Evaluator {
    /** Writes the mask of perturbed input {@code index} into {@code keep} ({@code H × W}; 1 keeps the input). */
    interface MaskWriter {
        void write(int index, float[] keep);
    }

    private final Model model;
    private final TargetResolver targets;
    private final double[] x;
    private final double[] baseline;
    private final int channels;
    private final int height;
    private final int width;
    private final boolean probability;
    private final Target fixed;
    private final ResolvedTarget resolved;
    private final double original;

    /**
     * Resolves the target on the unperturbed input (the top class becomes a class index).
     *
     * @param passSizes how many inputs go into each pass of {@code n}: a function of {@code n}
     */
    Evaluator(Model model, TargetResolver targets, double[] x, double[] baseline, int channels, int height, int width,
            Target target, boolean probability, java.util.function.IntFunction<int[]> passSizes) {
        this.model = model;
        this.targets = targets;
        this.x = x;
        this.baseline = baseline;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.probability = probability;
        this.passSizesFn = passSizes;
        ResolvedTarget[] r = new ResolvedTarget[1];
        double[] v = run(1, (i, keep) -> java.util.Arrays.fill(keep, 1f), target, r);
        this.resolved = r[0];
        if (probability && resolved.classIndex() < 0) {
            throw new IllegalArgumentException("the probability applies only to class targets, found " + target.describe());
        }
        this.fixed = resolved.classIndex() >= 0 ? Target.classIndex(resolved.classIndex()) : resolved.target();
        this.original = v[0];
    }

    private final java.util.function.IntFunction<int[]> passSizesFn;

    /** @return the target as resolved on the unperturbed input */
    ResolvedTarget resolved() {
        return resolved;
    }

    /** @return the explained value (score or probability) on the unperturbed input */
    double original() {
        return original;
    }

    /** @return {@code {C, H, W}} of the input */
    int[] dims() {
        return new int[] {channels, height, width};
    }

    /** @return the baseline {@code [C, H, W]} */
    double[] baseline() {
        return baseline;
    }

    /** Writes coalition {@code index} into {@code present} (one entry per feature; true keeps the feature). */
    interface CoalitionWriter {
        void write(int index, boolean[] present);
    }

    /**
     * Evaluates coalitions of features: features absent from a coalition are set to the baseline.
     *
     * @param n how many coalitions
     * @return the explained value on each
     */
    double[] evaluateCoalitions(FeatureMask mask, int n, CoalitionWriter writer) {
        int[] labels = mask.labelsView();
        boolean[] z = new boolean[mask.count()];
        return evaluate(n, (i, keep) -> {
            java.util.Arrays.fill(z, false);
            writer.write(i, z);
            for (int p = 0; p < labels.length; p++) {
                keep[p] = z[labels[p]] ? 1f : 0f;
            }
        });
    }

    /**
     * @param n how many perturbed inputs
     * @return the explained value on each
     */
    double[] evaluate(int n, MaskWriter writer) {
        return run(n, writer, fixed, null);
    }

    private double[] run(int n, MaskWriter writer, Target target, ResolvedTarget[] first) {
        Graph g = model.graph();
        DataType type = g.dataType();
        int plane = height * width;
        int per = channels * plane;
        g.memoryBudget().check("the results of " + n + " perturbed inputs", MemoryBudget.bytesOf(8, n),
                "use fewer samples, masks or features");
        double[] out = new double[n];
        int[] sizes = passSizesFn.apply(n);
        int biggest = 0;
        for (int s : sizes) {
            biggest = Math.max(biggest, s);
        }
        int elem = type == DataType.DOUBLE ? 8 : 4;
        g.memoryBudget().check("a batch of " + biggest + " perturbed inputs of " + channels + "x" + height + "x" + width,
                MemoryBudget.bytesOf(elem, biggest, channels, height, width), "use a smaller batch size");
        float[] keep = new float[plane];
        float[] fdata = type == DataType.DOUBLE ? null : new float[biggest * per];
        double[] ddata = type == DataType.DOUBLE ? new double[biggest * per] : null;
        List<String> keepNodes = List.of(targets.nodeOf(target));
        int next = 0;
        for (int count : sizes) {
            for (int r = 0; r < count; r++) {
                writer.write(next + r, keep);
                int base = r * per;
                for (int c = 0; c < channels; c++) {
                    int off = c * plane;
                    for (int p = 0; p < plane; p++) {
                        double b = baseline[off + p];
                        double v = b + keep[p] * (x[off + p] - b);
                        if (fdata != null) {
                            fdata[base + off + p] = (float) v;
                        } else {
                            ddata[base + off + p] = v;
                        }
                    }
                }
            }
            try (ScratchArrays.Lease in = ScratchArrays.lease(type, count, channels, height, width)) {
                INDArray a = in.array();
                if (fdata != null) {
                    a.data().asNioFloat().put(fdata, 0, count * per);
                } else {
                    a.data().asNioDouble().put(ddata, 0, count * per);
                }
                try (ForwardPass pass = g.infer(a, keepNodes)) {
                    TargetResolver.Resolved res = targets.resolve(pass, Collections.nCopies(count, target));
                    try {
                        for (int r = 0; r < count; r++) {
                            ResolvedTarget t = res.targets().get(r);
                            out[next + r] = probability && t.classIndex() >= 0 ? t.probability() : t.score();
                        }
                        if (first != null) {
                            first[0] = res.targets().get(0);
                        }
                    } finally {
                        res.seeds().values().forEach(INDArray::close);
                    }
                }
            }
            next += count;
        }
        return out;
    }
}
