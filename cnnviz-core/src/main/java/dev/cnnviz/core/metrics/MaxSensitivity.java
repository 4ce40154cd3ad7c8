package dev.cnnviz.core.metrics;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Max-sensitivity (Yeh, Hsieh, Suggala, Inouye &amp; Ravikumar 2019, "On the (In)fidelity and Sensitivity of
 * Explanations", NeurIPS, Def. 3.1): the largest change of an explanation under small input perturbations, lower is
 * more robust,
 * <pre>  SENS_MAX(Φ, f, x, r) = max_{‖y − x‖_∞ ≤ r} ‖Φ(f, y) − Φ(f, x)‖₂ / ‖Φ(f, x)‖₂</pre>
 * estimated as Captum's {@code sensitivity_max} does: the maximum over {@code S} points {@code y = x + δ},
 * {@code δ ~ U[−r_c, r_c]} i.i.d. per element, of the Frobenius norm of the difference of the raw attributions,
 * divided by the norm of {@code Φ(f, x)} (not divided when that norm is 0). The target is fixed to the class the
 * explanation of {@code x} resolved, so that every perturbed input is explained for the same class. The perturbed
 * inputs are explained in batches by the method itself (in groups of at most {@link #batchSize()}).
 *
 * <p>The radius {@code r} is a fraction of the pixel range (0..255) mapped into each channel's preprocessed scale,
 * {@code r_c = r·|pre(c, 255) − pre(c, 0)|}: the default 0.02 is Captum's default radius for images in {@code [0, 1]}.
 * Defaults: {@code S = 10} (Captum's), {@code r = 0.02}, seed 0, groups of 32.
 *
 * <pre>{@code
 * double sens = MaxSensitivity.of(model).withSamples(20).value(GradCam.of(model), x, Target.topClass());
 * }</pre>
 */
public final class MaxSensitivity {
    /** The most samples one call may ask for. */
    public static final int MAX_SAMPLES = 10_000;

    private final Model model;
    private final int samples;
    private final double radius;
    private final long seed;
    private final int batchSize;

    private MaxSensitivity(Model model, int samples, double radius, long seed, int batchSize) {
        this.model = model;
        this.samples = samples;
        this.radius = radius;
        this.seed = seed;
        this.batchSize = batchSize;
    }

    /** @return max-sensitivity for {@code model} with the defaults of the class comment */
    public static MaxSensitivity of(Model model) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        return new MaxSensitivity(model, 10, 0.02, 0, 32);
    }

    /** @return a copy drawing {@code n} perturbations; @throws IllegalArgumentException unless 1 ≤ n ≤ {@value #MAX_SAMPLES} */
    public MaxSensitivity withSamples(int n) {
        if (n < 1 || n > MAX_SAMPLES) {
            throw new IllegalArgumentException("max-sensitivity samples must be from 1 to " + MAX_SAMPLES + ", found " + n);
        }
        return new MaxSensitivity(model, n, radius, seed, batchSize);
    }

    /** @return a copy with radius {@code r} (a fraction of the pixel range); @throws IllegalArgumentException unless positive */
    public MaxSensitivity withRadius(double r) {
        if (!(r > 0) || Double.isInfinite(r)) {
            throw new IllegalArgumentException("max-sensitivity radius must be positive and finite, found " + r);
        }
        return new MaxSensitivity(model, samples, r, seed, batchSize);
    }

    /** @return a copy drawing its perturbations from seed {@code s} */
    public MaxSensitivity withSeed(long s) {
        return new MaxSensitivity(model, samples, radius, s, batchSize);
    }

    /** @return a copy explaining at most {@code n} perturbed inputs per call; @throws IllegalArgumentException if {@code n < 1} */
    public MaxSensitivity withBatchSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + n);
        }
        return new MaxSensitivity(model, samples, radius, seed, n);
    }

    /** @return the number of perturbations */
    public int samples() {
        return samples;
    }

    /** @return the radius as a fraction of the pixel range */
    public double radius() {
        return radius;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** @return the perturbed inputs explained per call */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Explains {@code x} and {@code S} perturbations of it with {@code method} and returns the max-sensitivity.
     *
     * @param method an attribution method bound to this metric's model
     * @param x      {@code [C,H,W]} or {@code [1,C,H,W]}, preprocessed
     * @param target the target; {@link Target#topClass()} is fixed to the class predicted for {@code x}
     * @return the estimate, at least 0
     * @throws IllegalArgumentException for a bad input or target, or a method of another input size
     */
    public double value(Attribution method, INDArray x, Target target) {
        if (method == null) {
            throw new IllegalArgumentException("attribution method must not be null");
        }
        ModelScorer scorer = ModelScorer.of(model);
        float[] in = scorer.example(x);
        var spec = model.inputSpec();
        int c = spec.channels();
        int h = spec.height();
        int w = spec.width();
        int plane = h * w;
        int len = c * plane;
        Explanation e0 = method.explainTensor(DeletionInsertion.tensor(in, scorer), List.of(target)).get(0);
        Target fixed = DeletionInsertion.fixedTarget(e0);
        float[] a0 = e0.attribution().data();
        double norm0 = 0;
        for (float v : a0) {
            norm0 += (double) v * v;
        }
        norm0 = Math.sqrt(norm0);
        double[] span = new double[c];
        for (int ch = 0; ch < c; ch++) {
            span[ch] = radius * Math.abs(spec.preprocessing().apply(ch, 255) - spec.preprocessing().apply(ch, 0));
        }
        SplittableRandom root = new SplittableRandom(seed);
        double max = 0;
        for (int start = 0; start < samples; start += batchSize) {
            int n = Math.min(batchSize, samples - start);
            MemoryBudget.defaultBudget().check("max-sensitivity's " + n + " perturbed inputs of " + c + "x" + h + "x" + w,
                    MemoryBudget.bytesOf(4, n, len), "use a smaller batch size");
            float[] batch = new float[n * len];
            for (int i = 0; i < n; i++) {
                SplittableRandom r = root.split();
                for (int ch = 0; ch < c; ch++) {
                    for (int p = 0; p < plane; p++) {
                        int k = ch * plane + p;
                        batch[i * len + k] = (float) (in[k] + span[ch] * (2 * r.nextDouble() - 1));
                    }
                }
            }
            List<Explanation> es = method.explainTensor(Tensor.of(batch, n, c, h, w), new ArrayList<>(List.of(fixed)));
            for (Explanation e : es) {
                float[] a = e.attribution().data();
                if (a.length != a0.length) {
                    throw new IllegalArgumentException("the method returned attributions of " + a.length + " and " + a0.length
                            + " values for inputs of the same shape");
                }
                double d = 0;
                for (int k = 0; k < a.length; k++) {
                    double t = a[k] - a0[k];
                    d += t * t;
                }
                d = Math.sqrt(d);
                max = Math.max(max, norm0 > 0 ? d / norm0 : d);
            }
        }
        dev.cnnviz.api.NonFiniteResultException.requireFinite(new double[] {max}, "the max-sensitivity");
        return max;
    }

    @Override
    public String toString() {
        return "MaxSensitivity[" + samples + " samples, radius " + radius + ", seed " + seed + "]";
    }
}
