package dev.cnnviz.core.cam;

import dev.cnnviz.api.ResolvedTarget;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.TargetResolver;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ScratchArrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Score-CAM (Wang, Wang, Du, Yang, Zhang, Ding, Mardziel &amp; Hu 2020, "Score-CAM: Score-Weighted Visual
 * Explanations for Convolutional Neural Networks", CVPR workshops).
 *
 * <p>Gradient-free: each channel {@code A_k} of the layer is turned into a mask over the input,
 * <pre>  H_k = s( Up(A_k) )         Up: bilinear to the input size (align_corners=false), s: min-max to [0, 1]</pre>
 * the model is run on the masked input {@code X ⊙ H_k}, and the channel's weight is the target's response
 * (Definition 2 of the paper, "channel-wise increase of confidence", {@code C(A_k) = f(X ⊙ H_k) − f(X_b)}):
 * <pre>  α_k = p_c(X ⊙ H_k)          (default, {@link Weighting#PROBABILITY})
 *   M   = ReLU( Σ_k α_k A_k )</pre>
 * with {@code p_c} the softmax probability of the target class. Choices, selected by {@link #withWeighting(Weighting)}:
 * <ul>
 *   <li>{@link Weighting#PROBABILITY} (default): the post-softmax score of the masked input, which the paper
 *       prefers to the raw score because it lies in a fixed range whatever the forward pass, and which the
 *       authors' official code uses; the baseline term {@code f(X_b)} is left out, as in that code;</li>
 *   <li>{@link Weighting#CONFIDENCE_INCREASE}: Definition 2 literally, {@code α_k = p_c(X ⊙ H_k) − p_c(X_b)} with
 *       the baseline {@code X_b} an all-zero (preprocessed) input; negative weights are possible;</li>
 *   <li>{@link Weighting#CHANNEL_SOFTMAX}: pytorch-grad-cam's {@code ScoreCAM}: {@code α = softmax_k(S_c(X ⊙ H_k))},
 *       a softmax over channels of the class score before the softmax. (pytorch-grad-cam also upsamples with
 *       {@code align_corners=True}.)</li>
 * </ul>
 * A channel whose upsampled map is constant cannot be normalised; it gets {@code α_k = 0} and is not evaluated
 * (as in the official code), except with {@code CHANNEL_SOFTMAX}, where its mask is zero (as in pytorch-grad-cam).
 * For targets that are not classes (a neuron, a channel...), the target's value on the masked input replaces the
 * probability.
 *
 * <p>Defaults: the last 4-D layer before the global pooling (see {@link CamBase}; for SqueezeNet that is the
 * 1000-channel final ReLU, so {@code layer("fire9_concat")} with 512 channels is cheaper and usual),
 * {@link Weighting#PROBABILITY}, ReLU on, batch size {@value #DEFAULT_SCORE_BATCH_SIZE}.
 *
 * <p>Cost: one forward pass for the activation, then {@code K} masked inputs per example, evaluated forward only
 * in batches of {@link #batchSize() batchSize} (default 32); no backward pass. The map stays at the layer's
 * resolution (the paper adds the upsampled maps; as upsampling is linear, the two differ only by where the ReLU
 * is applied).
 *
 * <pre>{@code
 * Explanation e = ScoreCam.of(model).withLayer("fire9_concat").explain(image, 285);
 * Explanation p = ScoreCam.of(model).withWeighting(ScoreCam.Weighting.CHANNEL_SOFTMAX).explain(image, 285);
 * e.save(Path.of("scorecam.png"));
 * }</pre>
 */
public final class ScoreCam extends CamBase<ScoreCam> {
    /** The default number of masked inputs per forward pass. */
    public static final int DEFAULT_SCORE_BATCH_SIZE = 32;

    /**
     * How the responses to the masked inputs become channel weights; see the class comment.
     *
     * <pre>{@code
     * ScoreCam paper = ScoreCam.of(model);                                        // PROBABILITY
     * ScoreCam cic = paper.withWeighting(ScoreCam.Weighting.CONFIDENCE_INCREASE);    // Definition 2
     * ScoreCam pgc = paper.withWeighting(ScoreCam.Weighting.CHANNEL_SOFTMAX);        // pytorch-grad-cam
     * }</pre>
     */
    public enum Weighting {
        /** {@code α_k = p_c(X ⊙ H_k)}, the softmax probability of the class (paper, official code). */
        PROBABILITY,
        /** {@code α_k = p_c(X ⊙ H_k) − p_c(0)}, the paper's Definition 2 with an all-zero baseline. */
        CONFIDENCE_INCREASE,
        /** {@code α = softmax_k(S_c(X ⊙ H_k))} over channels, of the scores before the softmax (pytorch-grad-cam). */
        CHANNEL_SOFTMAX
    }

    private final Weighting weighting;

    private ScoreCam(Model model, Settings s, Weighting weighting) {
        super(model, s);
        this.weighting = weighting;
    }

    /** @return Score-CAM for a model: default layer, softmax-probability weights, 32 masked inputs per pass. */
    public static ScoreCam of(Model model) {
        return new ScoreCam(model, defaults(model, DEFAULT_SCORE_BATCH_SIZE), Weighting.PROBABILITY);
    }

    /** Returns a copy with another weighting of the masked responses. */
    public ScoreCam withWeighting(Weighting w) {
        if (w == null) {
            throw new IllegalArgumentException("weighting must not be null");
        }
        return new ScoreCam(model, settings(), w);
    }

    /** @return the weighting of the masked responses. */
    public Weighting weighting() {
        return weighting;
    }

    @Override
    protected ScoreCam with(Settings s) {
        return new ScoreCam(model, s, weighting);
    }

    @Override
    public String name() {
        return "Score-CAM";
    }

    @Override
    protected boolean usesGradients() {
        return false;
    }

    @Override
    protected Map<String, String> extraOptions() {
        return Map.of("weighting", weighting.name());
    }

    @Override
    protected double[] weights(Capture c) {
        Graph g = model.graph();
        INDArray batch = c.batch();
        int channelsIn = (int) batch.size(1);
        int height = (int) batch.size(2);
        int width = (int) batch.size(3);
        int plane = height * width;
        double[] x = CamSupport.doubles(batch.get(org.nd4j.linalg.indexing.NDArrayIndex.point(c.index())));
        ResolvedTarget rt = c.target();
        Target fixed = rt.classIndex() >= 0 ? Target.classIndex(rt.classIndex()) : rt.target();
        List<String> keep = List.of(targets.nodeOf(fixed));
        boolean logits = weighting == Weighting.CHANNEL_SOFTMAX;

        int k = c.channels();
        double[] alpha = new double[k];
        boolean[] evaluated = new boolean[k];
        CamSupport.Upsampler up = new CamSupport.Upsampler(c.height(), c.width(), height, width);
        double[] mask = new double[plane];
        int bs = batchSize();
        int[] rows = new int[bs];
        float[] data = new float[bs * channelsIn * plane];
        int next = 0;
        while (next < k) {
            int count = 0;
            while (next < k && count < bs) {
                int ch = next++;
                up.apply(c.activations, ch * c.positions(), mask);
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (double v : mask) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                boolean constant = !(max > min);
                if (constant && !logits) {
                    continue; // alpha stays 0
                }
                double range = max - min;
                int base = count * channelsIn * plane;
                for (int p = 0; p < plane; p++) {
                    double m = constant ? 0 : (mask[p] - min) / range;
                    for (int ci = 0; ci < channelsIn; ci++) {
                        data[base + ci * plane + p] = (float) (x[ci * plane + p] * m);
                    }
                }
                rows[count++] = ch;
            }
            if (count == 0) {
                continue;
            }
            // A pooled native array: a new 19 MB array per batch of 32 (224x224) cost about a fifth of Score-CAM's
            // time in page faults (ND4J does not free on close).
            try (ScratchArrays.Lease in = ScratchArrays.lease(DataType.FLOAT, count, channelsIn, height, width)) {
                in.array().data().asNioFloat().put(data, 0, count * channelsIn * plane);
                double[] v = evaluate(g, in.array(), fixed, keep, logits);
                for (int r = 0; r < count; r++) {
                    alpha[rows[r]] = v[r];
                    evaluated[rows[r]] = true;
                }
            }
        }
        if (weighting == Weighting.CONFIDENCE_INCREASE) {
            double base;
            try (INDArray zero = Nd4j.zeros(DataType.FLOAT, 1, channelsIn, height, width)) {
                base = evaluate(g, zero, fixed, keep, false)[0];
            }
            for (int ch = 0; ch < k; ch++) {
                if (evaluated[ch]) {
                    alpha[ch] -= base;
                }
            }
        } else if (logits) {
            double max = Double.NEGATIVE_INFINITY;
            for (double a : alpha) {
                max = Math.max(max, a);
            }
            double sum = 0;
            for (int ch = 0; ch < k; ch++) {
                alpha[ch] = Math.exp(alpha[ch] - max);
                sum += alpha[ch];
            }
            for (int ch = 0; ch < k; ch++) {
                alpha[ch] /= sum;
            }
        }
        return alpha;
    }

    /**
     * Runs the model forward (inference only) on a batch of float32 inputs and returns the target's probability
     * (class targets, unless {@code logits}) or value for each.
     */
    private double[] evaluate(Graph g, INDArray in, Target target, List<String> keep, boolean logits) {
        int count = (int) in.size(0);
        INDArray typed = in.castTo(g.dataType());
        try (ForwardPass pass = g.infer(typed, keep)) {
            TargetResolver.Resolved r = targets.resolve(pass, Collections.nCopies(count, target));
            try {
                double[] out = new double[count];
                for (int i = 0; i < count; i++) {
                    ResolvedTarget t = r.targets().get(i);
                    out[i] = t.classIndex() >= 0 && !logits ? t.probability() : t.score();
                }
                return out;
            } finally {
                for (INDArray s : r.seeds().values()) {
                    s.close();
                }
            }
        } finally {
            if (typed != in) {
                typed.close();
            }
        }
    }
}
