package dev.cnnviz.core.metrics;

import dev.cnnviz.api.ResolvedTarget;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.TargetResolver;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.graph.ScratchArrays;
import dev.cnnviz.core.image.ImageTensors;
import java.nio.DoubleBuffer;
import java.util.Collections;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Evaluates one target of a model on many inputs, in batches of inference-only passes ({@link Graph#infer}): the
 * engine of every metric in this package, where the model is run hundreds of times per image.
 *
 * <p>The inputs are not materialised all at once: a {@link RowFiller} writes each input (one {@code C×H×W} row in
 * the model's preprocessed NCHW space) into a reusable batch of {@link #batchSize()} rows, so the memory is one batch
 * whatever the number of evaluations; the batch is a pooled native array ({@link ScratchArrays}) checked against the
 * {@link MemoryBudget} before it is allocated, and every pass is checked by {@link Graph#infer}.
 *
 * <p>What is returned for each input is {@code f(x)}: the target's class probability (softmax of the scores) when
 * {@link #probability()} is true and the target is a class, otherwise the target's value (class score before the
 * softmax, neuron, channel mean...).
 *
 * <pre>{@code
 * ModelScorer scorer = ModelScorer.of(model).withBatchSize(64).withProbability(true);
 * ModelScorer.Fixed t = scorer.fix(x, Target.topClass());          // resolves the top class once
 * double[] f = scorer.evaluate(t.target(), 100, (row, dst, off) -> { ... write input row ... });
 * }</pre>
 */
public final class ModelScorer {
    /** The default number of inputs per inference pass. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    /** Writes input number {@code row} (its {@code C*H*W} preprocessed values, NCHW) at {@code dst[offset...]}. */
    @FunctionalInterface
    public interface RowFiller {
        /**
         * @param row    the index of the input, 0-based, in increasing order
         * @param dst    the batch buffer
         * @param offset where the row starts in {@code dst}
         */
        void fill(int row, float[] dst, int offset);
    }

    /**
     * A target fixed on one input: top-class targets resolved to the class index, so that perturbed inputs are
     * scored for the same class.
     *
     * @param target   the fixed target
     * @param resolved the resolution on the original input (score, probability, label)
     * @param value    {@code f(x)} on the original input, as {@link #evaluate} returns it
     */
    public record Fixed(Target target, ResolvedTarget resolved, double value) {
    }

    private final Model model;
    private final TargetResolver targets;
    private final int batchSize;
    private final boolean probability;

    private ModelScorer(Model model, int batchSize, boolean probability) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + batchSize);
        }
        this.model = model;
        this.targets = new TargetResolver(model);
        this.batchSize = batchSize;
        this.probability = probability;
    }

    /** @return a scorer for {@code model}: batches of {@value #DEFAULT_BATCH_SIZE}, class probabilities */
    public static ModelScorer of(Model model) {
        return new ModelScorer(model, DEFAULT_BATCH_SIZE, true);
    }

    /** @return a copy evaluating {@code n} inputs per pass; @throws IllegalArgumentException if {@code n < 1} */
    public ModelScorer withBatchSize(int n) {
        return new ModelScorer(model, n, probability);
    }

    /** @return a copy returning class probabilities ({@code true}) or scores before the softmax ({@code false}) */
    public ModelScorer withProbability(boolean p) {
        return new ModelScorer(model, batchSize, p);
    }

    /** @return the inputs per inference pass */
    public int batchSize() {
        return batchSize;
    }

    /** @return whether class targets are scored by their probability */
    public boolean probability() {
        return probability;
    }

    /** @return the model */
    public Model model() {
        return model;
    }

    /** @return the values of one input, {@code C*H*W} */
    public int rowLength() {
        return model.inputSpec().channels() * model.inputSpec().height() * model.inputSpec().width();
    }

    /**
     * Checks one preprocessed example and returns its values.
     *
     * @param x {@code [C,H,W]} or {@code [1,C,H,W]}
     * @return the {@code C*H*W} values, row-major
     * @throws IllegalArgumentException naming the shape found and the one expected, or a NaN in the input
     */
    public float[] example(INDArray x) {
        if (x == null) {
            throw new IllegalArgumentException("input must not be null");
        }
        INDArray b = x.rank() == 3 ? x.reshape(1, x.size(0), x.size(1), x.size(2)) : x;
        ImageTensors.checkBatch(b, model.inputSpec());
        if (b.size(0) != 1) {
            throw new IllegalArgumentException("expected one example [1, C, H, W], found a batch of " + b.size(0));
        }
        return HostArrays.floats(b);
    }

    /**
     * Resolves {@code target} on the input {@code x} (one inference pass).
     *
     * @param x      {@code [C,H,W]} or {@code [1,C,H,W]}, preprocessed
     * @param target the target; {@link Target#topClass()} is fixed to the class the model predicts for {@code x}
     * @throws IllegalArgumentException for a bad input or target (a class out of range, an unknown layer)
     */
    public Fixed fix(INDArray x, Target target) {
        float[] v = example(x);
        return fix(v, target);
    }

    /** {@link #fix(INDArray, Target)} on the {@code C*H*W} values of one example. */
    public Fixed fix(float[] x, Target target) {
        List<Target> t = targets.expand(List.of(target), 1);
        Resolved r = run(1, (row, dst, off) -> System.arraycopy(x, 0, dst, off, x.length), t.get(0));
        ResolvedTarget rt = r.first;
        Target fixed = rt.classIndex() >= 0 ? Target.classIndex(rt.classIndex()) : rt.target();
        return new Fixed(fixed, rt, r.values[0]);
    }

    /**
     * Evaluates {@code fixed} on {@code count} inputs written by {@code filler}, in inference-only passes of at most
     * {@link #batchSize()} inputs.
     *
     * @param fixed  a target, best one returned by {@link #fix} (a top-class target is re-resolved per input)
     * @param count  the number of inputs, at least 1
     * @param filler writes each input
     * @return {@code f} of each input, in order
     * @throws IllegalArgumentException if {@code count < 1}
     * @throws dev.cnnviz.api.ResourceLimitException if one batch exceeds the memory budget
     * @throws dev.cnnviz.api.NonFiniteResultException if the model gives a NaN or infinite value
     */
    public double[] evaluate(Target fixed, int count, RowFiller filler) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one input must be evaluated, found " + count);
        }
        Target t = targets.expand(List.of(fixed), 1).get(0);
        return run(count, filler, t).values;
    }

    private record Resolved(double[] values, ResolvedTarget first) {
    }

    private Resolved run(int count, RowFiller filler, Target target) {
        Graph g = model.graph();
        int c = model.inputSpec().channels();
        int h = model.inputSpec().height();
        int w = model.inputSpec().width();
        int len = rowLength();
        int bs = Math.min(batchSize, count);
        MemoryBudget.defaultBudget().check("a host buffer of " + bs + " inputs of " + c + "x" + h + "x" + w,
                MemoryBudget.bytesOf(4, bs, len), "use a smaller batch size");
        float[] buf = new float[bs * len];
        double[] out = new double[count];
        ResolvedTarget first = null;
        DataType type = g.dataType();
        List<String> keep = List.of(targets.nodeOf(target));
        for (int start = 0; start < count; start += bs) {
            int n = Math.min(bs, count - start);
            for (int i = 0; i < n; i++) {
                filler.fill(start + i, buf, i * len);
            }
            try (ScratchArrays.Lease lease = ScratchArrays.lease(type, n, c, h, w)) {
                INDArray in = lease.array();
                if (type == DataType.FLOAT) {
                    in.data().asNioFloat().put(buf, 0, n * len);
                } else {
                    DoubleBuffer db = in.data().asNioDouble();
                    for (int i = 0; i < n * len; i++) {
                        db.put(i, buf[i]);
                    }
                }
                try (ForwardPass pass = g.infer(in, keep)) {
                    TargetResolver.Resolved r = targets.resolve(pass, Collections.nCopies(n, target));
                    try {
                        for (int i = 0; i < n; i++) {
                            ResolvedTarget rt = r.targets().get(i);
                            out[start + i] = rt.classIndex() >= 0 && probability ? rt.probability() : rt.score();
                        }
                        if (first == null) {
                            first = r.targets().get(0);
                        }
                    } finally {
                        r.seeds().values().forEach(INDArray::close);
                    }
                }
            }
        }
        dev.cnnviz.api.NonFiniteResultException.requireFinite(out, "the model's output on perturbed inputs");
        return new Resolved(out, first);
    }
}
