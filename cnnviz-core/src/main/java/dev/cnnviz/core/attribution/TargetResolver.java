package dev.cnnviz.core.attribution;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.api.ResolvedTarget;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns {@link Target}s into gradient seeds and scores on a forward pass. One target per example of the
 * batch; {@link Target.TopClass} is resolved to the top-scoring class of each example.
 *
 * <p>Class targets use the graph's {@link Graph#scoresNode() scores before the softmax}; the probability is
 * the softmax of those scores.
 */
public final class TargetResolver {
    private final Model model;

    /** Creates a resolver for a model. */
    public TargetResolver(Model model) {
        this.model = model;
    }

    /**
     * Expands "one target for all" to one per example and validates each against the model (layer names,
     * class range, labels, neuron index) without running anything.
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public List<Target> expand(List<Target> targets, int n) {
        if (targets == null || targets.isEmpty()) {
            throw new IllegalArgumentException("at least one target is needed");
        }
        if (targets.size() != 1 && targets.size() != n) {
            throw new IllegalArgumentException("give one target per example (" + n + ") or one for all, found " + targets.size());
        }
        List<Target> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Target t = targets.size() == 1 ? targets.get(0) : targets.get(i);
            out.add(validate(t));
        }
        return out;
    }

    private Target validate(Target t) {
        Graph g = model.graph();
        if (t instanceof Target.ClassLabel l) {
            return Target.classIndex(labelIndex(l.label()));
        }
        if (t instanceof Target.Custom c && !(c instanceof CustomTarget)) {
            throw new IllegalArgumentException("custom targets must implement " + CustomTarget.class.getName()
                    + ", found " + c.getClass().getName());
        }
        if (!(t instanceof Target.TopClass) && !(t instanceof Target.ClassIndex)) {
            g.node(nodeOf(t));
        }
        return t;
    }

    private int labelIndex(String label) {
        List<String> labels = model.labels();
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("target label '" + label + "' given but the model has no labels; use Model.withLabels");
        }
        for (int i = 0; i < labels.size(); i++) {
            if (labels.get(i).equalsIgnoreCase(label)) {
                return i;
            }
        }
        String q = label.toLowerCase(Locale.ROOT);
        List<String> close = labels.stream()
                .sorted(Comparator.comparingInt((String s) -> s.toLowerCase(Locale.ROOT).contains(q) ? 0 : 1)
                        .thenComparingInt(s -> Math.abs(s.length() - label.length())))
                .limit(5).toList();
        throw new IllegalArgumentException("no class labelled '" + label + "'; closest labels: " + close);
    }

    /** The per-example resolution of targets on a forward pass. */
    public record Resolved(List<ResolvedTarget> targets, Map<String, INDArray> seeds, double[] scores) {
        /** @return the class indices (-1 for non-class targets), for re-use on derived batches. */
        public List<Target> fixed() {
            List<Target> out = new ArrayList<>();
            for (ResolvedTarget r : targets) {
                out.add(r.classIndex() >= 0 ? Target.classIndex(r.classIndex()) : r.target());
            }
            return out;
        }
    }

    /** @return the node a target reads. */
    public String nodeOf(Target t) {
        if (t instanceof Target.Neuron nr) {
            return nr.layer();
        }
        if (t instanceof Target.Channel ch) {
            return ch.layer();
        }
        if (t instanceof Target.Weighted w) {
            return w.layer();
        }
        if (t instanceof CustomTarget c) {
            return c.layer();
        }
        return model.graph().scoresNode();
    }

    /**
     * Resolves targets on a pass whose batch has {@code targets.size()} examples (already {@link #expand expanded})
     * and builds the seeds {@code ∂S_n/∂A} for each node involved (rows of other examples are zero).
     * The caller owns the seed arrays (close them when done).
     */
    public Resolved resolve(ForwardPass pass, List<Target> targets) {
        int n = targets.size();
        Map<String, INDArray> seeds = new LinkedHashMap<>();
        List<ResolvedTarget> resolved = new ArrayList<>(n);
        double[] scores = new double[n];
        INDArray classScores = null;
        INDArray probs = null;
        boolean ok = false;
        try {
        for (int i = 0; i < n; i++) {
            Target t = targets.get(i);
            String node = nodeOf(t);
            INDArray act = pass.get(node);
            if (act.size(0) != n) {
                throw new IllegalArgumentException("the batch has " + act.size(0) + " examples but " + n + " targets");
            }
            INDArray seed = seeds.computeIfAbsent(node, k -> Nd4j.zeros(act.dataType(), act.shape()));
            INDArray row = act.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i));
            INDArray seedRow = seed.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i));
            if (t instanceof Target.TopClass || t instanceof Target.ClassIndex) {
                if (classScores == null) {
                    classScores = flatScores(pass);
                    probs = softmax(classScores);
                }
                int c = t instanceof Target.ClassIndex ci ? ci.index() : argMax(classScores, i);
                if (c >= classScores.size(1)) {
                    throw new IllegalArgumentException("class index " + c + " is out of range: the model has "
                            + classScores.size(1) + " classes (0.." + (classScores.size(1) - 1) + ")");
                }
                scores[i] = classScores.getDouble(i, c);
                seedRow.putScalar(classOffset(seedRow, c), 1.0);
                resolved.add(new ResolvedTarget(t, c, model.label(c).orElse(""), scores[i], probs.getDouble(i, c)));
            } else if (t instanceof Target.Neuron nr) {
                long[] idx = Arrays.stream(nr.index()).asLongStream().toArray();
                if (idx.length != row.rank()) {
                    throw new IllegalArgumentException("neuron index " + Arrays.toString(nr.index()) + " does not fit layer '"
                            + node + "' of shape [N, " + shapeTail(act) + "]");
                }
                for (int d = 0; d < idx.length; d++) {
                    if (idx[d] >= row.size(d)) {
                        throw new IllegalArgumentException("neuron index " + Arrays.toString(nr.index()) + " is outside layer '"
                                + node + "' of shape [N, " + shapeTail(act) + "]");
                    }
                }
                scores[i] = row.getDouble(idx);
                seedRow.putScalar(idx, 1.0);
                resolved.add(new ResolvedTarget(t, -1, "", scores[i], Double.NaN));
            } else if (t instanceof Target.Channel ch) {
                if (act.rank() != 4) {
                    throw new IllegalArgumentException("a channel target needs a 4-D layer; '" + node + "' has shape [N, "
                            + shapeTail(act) + "]");
                }
                if (ch.channel() >= act.size(1)) {
                    throw new IllegalArgumentException("channel " + ch.channel() + " is out of range: layer '" + node
                            + "' has " + act.size(1) + " channels");
                }
                INDArray plane = row.get(org.nd4j.linalg.indexing.NDArrayIndex.point(ch.channel()));
                scores[i] = plane.meanNumber().doubleValue();
                seedRow.get(org.nd4j.linalg.indexing.NDArrayIndex.point(ch.channel())).assign(1.0 / plane.length());
                resolved.add(new ResolvedTarget(t, -1, "", scores[i], Double.NaN));
            } else if (t instanceof Target.Weighted w) {
                if (w.weights().length() != row.length()) {
                    throw new IllegalArgumentException("weighted target has " + w.weights().length() + " weights but layer '"
                            + node + "' has " + row.length() + " activations per example");
                }
                try (INDArray wa = Nd4j.create(w.weights().data(), row.shape(), 'c');
                        INDArray prod = AttributionBase.typedCopy(row, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
                        INDArray wd = AttributionBase.typedCopy(wa, org.nd4j.linalg.api.buffer.DataType.DOUBLE)) {
                    scores[i] = prod.muli(wd).sumNumber().doubleValue();
                    seedRow.assign(wa);
                }
                resolved.add(new ResolvedTarget(t, -1, "", scores[i], Double.NaN));
            } else if (t instanceof CustomTarget c) {
                try (INDArray one = act.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + 1)).dup();
                        INDArray grad = c.gradient(one)) {
                    scores[i] = c.score(one);
                    if (!Arrays.equals(grad.shape(), one.shape())) {
                        throw new IllegalArgumentException("custom target '" + c.describe() + "' returned a gradient of shape "
                                + Arrays.toString(grad.shape()) + " for an activation of shape " + Arrays.toString(one.shape()));
                    }
                    seedRow.assign(grad.reshape(seedRow.shape()));
                }
                resolved.add(new ResolvedTarget(t, -1, "", scores[i], Double.NaN));
            } else {
                throw new IllegalArgumentException("unsupported target " + t);
            }
        }
        NonFiniteResultException.requireFinite(scores, "the target's score");
        ok = true;
        return new Resolved(resolved, seeds, scores);
        } finally {
            if (probs != null) {
                probs.close();
            }
            if (!ok) {
                seeds.values().forEach(INDArray::close);
            }
        }
    }

    private static long[] classOffset(INDArray seedRow, int c) {
        long[] idx = new long[seedRow.rank()];
        idx[0] = c;
        return idx;
    }

    private static String shapeTail(INDArray a) {
        String s = Arrays.toString(Arrays.copyOfRange(a.shape(), 1, a.rank()));
        return s.substring(1, s.length() - 1);
    }

    /** @return the class scores of the pass as {@code [N, classes]}. */
    public INDArray flatScores(ForwardPass pass) {
        INDArray s = pass.scores();
        if (s.rank() < 2 || s.length() != s.size(0) * s.size(1)) {
            throw new IllegalArgumentException("the scores node '" + model.graph().scoresNode() + "' has shape "
                    + Arrays.toString(s.shape()) + ", not [N, classes]; class targets need class scores");
        }
        return s.reshape(s.size(0), s.size(1));
    }

    private static int argMax(INDArray scores, int row) {
        int best = 0;
        for (int c = 1; c < scores.size(1); c++) {
            if (scores.getDouble(row, c) > scores.getDouble(row, best)) {
                best = c;
            }
        }
        return best;
    }

    /** Row-wise softmax of {@code [N, K]} scores, in double precision, as a fresh array (the caller closes it). */
    public static INDArray softmax(INDArray scores) {
        INDArray d = scores.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray e = d == scores ? d.dup() : d;
        try (INDArray max = e.max(1)) {
            e.subiColumnVector(max);
        }
        org.nd4j.linalg.ops.transforms.Transforms.exp(e, false);
        try (INDArray sum = e.sum(1)) {
            e.diviColumnVector(sum);
        }
        return e;
    }
}
