package dev.cnnviz.core.metrics;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Infidelity (Yeh, Hsieh, Suggala, Inouye &amp; Ravikumar 2019, "On the (In)fidelity and Sensitivity of
 * Explanations", NeurIPS, Def. 2.1): how badly the attribution {@code Φ} predicts the change of the model's output
 * under random perturbations {@code I} of the input, lower is better:
 * <pre>  INFD(Φ, f, x) = E_I[ (Iᵀ·β·Φ − (f(x) − f(x − I)))² ]</pre>
 * estimated with {@code S} samples of one of the paper's two perturbations ({@link Perturbation}):
 * <ul>
 *   <li>{@link Perturbation#NOISY_BASELINE} (the default, as Captum's tutorial): {@code I_s ~ N(0, σ_c²)} i.i.d. per
 *       element, so {@code Iᵀ Φ = Σ_i I_i Φ_i}. Its expected covariance with the output change is
 *       {@code σ² Φᵀ∇f}: an unsigned map (Grad-CAM, |saliency|) against a gradient of mixed signs has {@code β ≈ 0}
 *       and every unsigned map gets about the same score, the variance of {@code Δf};</li>
 *   <li>{@link Perturbation#SQUARE_REMOVAL} (Yeh et al.'s "Square", their code's {@code binary_I}): a random square
 *       of side {@code s ∈ [0.10, 0.15]·min(H, W)} (at least 1 pixel) is set to 0 in the model's preprocessed space
 *       (the dataset mean under mean/std normalisation) and {@code Iᵀ Φ} is the attribution's mass in the square,
 *       {@code Σ_{i ∈ square} Φ_i} (all channels). It asks whether the map's mass predicts the drop when a region is
 *       removed, which is what an unsigned map claims: use it to compare CAMs with gradients. On a linear model the
 *       exact answer is input × gradient (x ⊙ w), with infidelity 0.</li>
 * </ul>
 * With {@link #withNormalize normalisation} (the default) the attribution is scaled by the least-squares
 * factor {@code β = Σ_s (I_sᵀΦ)(Δf_s) / Σ_s (I_sᵀΦ)²} (Captum's {@code normalize=True}, Yeh et al.'s Sec. 3 remark
 * that infidelity should not reward an attribution's scale), so that methods of different scales compare; without
 * it {@code β = 1}. The {@code S} perturbed inputs are evaluated forward only, in batches.
 *
 * <p>{@code Φ} is the explanation's raw attribution when it has the input's {@code C×H×W} shape, otherwise its 2-D map
 * resampled bilinearly to {@code H×W} and repeated over the channels (CAMs). The noise {@code σ} is a fraction of the
 * pixel range (0..255) mapped into each channel's preprocessed scale: {@code σ_c = σ·|pre(c, 255) − pre(c, 0)|}.
 *
 * <p>Defaults: the noisy-baseline perturbation, {@code S = 64} samples, {@code σ = 0.02} of the pixel range (small perturbations, as max-sensitivity's
 * radius: with {@code σ = 0.1} on the embedded Fashion-MNIST model every method scored the same, the model's change
 * being far from linear in the perturbation), normalised, seed 0, {@code f} the target's
 * score before the softmax (Yeh et al. use the model's output; {@link #withProbability} changes it), batches of 32.
 *
 * <pre>{@code
 * Explanation e = Saliency.of(model).explain(x, Target.topClass());
 * double infd = Infidelity.of(model).withSamples(128).withSeed(1).value(x, e);
 * }</pre>
 */
public final class Infidelity {
    /** The perturbations {@code I} of Yeh et al. 2019, Sec. 4. */
    public enum Perturbation {
        /** Gaussian noise on every element, {@code σ} a fraction of the pixel range. */
        NOISY_BASELINE,
        /** A random square set to 0, the attribution's mass in it as {@code IᵀΦ}. */
        SQUARE_REMOVAL
    }

    /** The smallest square side, as a fraction of the input's shorter side. */
    public static final double SQUARE_MIN = 0.10;
    /** The largest square side, as a fraction of the input's shorter side. */
    public static final double SQUARE_MAX = 0.15;

    /** The most samples one call may ask for. */
    public static final int MAX_SAMPLES = 100_000;

    private final ModelScorer scorer;
    private final int samples;
    private final double sigma;
    private final boolean normalize;
    private final long seed;
    private final Perturbation perturbation;

    private Infidelity(ModelScorer scorer, int samples, double sigma, boolean normalize, long seed, Perturbation perturbation) {
        this.scorer = scorer;
        this.samples = samples;
        this.sigma = sigma;
        this.normalize = normalize;
        this.seed = seed;
        this.perturbation = perturbation;
    }

    /** @return infidelity for {@code model} with the defaults of the class comment */
    public static Infidelity of(Model model) {
        return new Infidelity(ModelScorer.of(model).withProbability(false), 64, 0.02, true, 0, Perturbation.NOISY_BASELINE);
    }

    /** @return a copy drawing {@code n} perturbations; @throws IllegalArgumentException unless 1 ≤ n ≤ {@value #MAX_SAMPLES} */
    public Infidelity withSamples(int n) {
        if (n < 1 || n > MAX_SAMPLES) {
            throw new IllegalArgumentException("infidelity samples must be from 1 to " + MAX_SAMPLES + ", found " + n);
        }
        return new Infidelity(scorer, n, sigma, normalize, seed, perturbation);
    }

    /** @return a copy with noise of {@code s} (a fraction of the pixel range); @throws IllegalArgumentException unless positive */
    public Infidelity withNoise(double s) {
        if (!(s > 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("infidelity noise must be positive and finite, found " + s);
        }
        return new Infidelity(scorer, samples, s, normalize, seed, perturbation);
    }

    /** @return a copy with ({@code true}) or without the least-squares scaling {@code β} */
    public Infidelity withNormalize(boolean n) {
        return new Infidelity(scorer, samples, sigma, n, seed, perturbation);
    }

    /** @return a copy drawing its perturbations from seed {@code s} */
    public Infidelity withSeed(long s) {
        return new Infidelity(scorer, samples, sigma, normalize, s, perturbation);
    }

    /** @return a copy scoring class probabilities ({@code true}) or scores before the softmax (the default) */
    public Infidelity withProbability(boolean p) {
        return new Infidelity(scorer.withProbability(p), samples, sigma, normalize, seed, perturbation);
    }

    /** @return a copy evaluating {@code n} inputs per pass; @throws IllegalArgumentException if {@code n < 1} */
    public Infidelity withBatchSize(int n) {
        return new Infidelity(scorer.withBatchSize(n), samples, sigma, normalize, seed, perturbation);
    }

    /**
     * @return a copy drawing perturbations of kind {@code p} (see the class comment)
     * @throws IllegalArgumentException if {@code p} is null
     */
    public Infidelity withPerturbation(Perturbation p) {
        if (p == null) {
            throw new IllegalArgumentException("the infidelity perturbation must be one of "
                    + java.util.Arrays.toString(Perturbation.values()) + ", found null");
        }
        return new Infidelity(scorer, samples, sigma, normalize, seed, p);
    }

    /** @return the kind of perturbation */
    public Perturbation perturbation() {
        return perturbation;
    }

    /** @return the number of perturbations */
    public int samples() {
        return samples;
    }

    /** @return the noise as a fraction of the pixel range */
    public double noise() {
        return sigma;
    }

    /** @return whether the attribution is scaled by {@code β} */
    public boolean normalize() {
        return normalize;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /**
     * The infidelity of an explanation of {@code x}.
     *
     * @param x {@code [C,H,W]} or {@code [1,C,H,W]}, preprocessed: the input {@code e} explains
     * @param e the explanation (its resolved target is the one measured)
     * @return the estimate, at least 0
     * @throws IllegalArgumentException for a bad input
     */
    public double value(INDArray x, Explanation e) {
        float[] in = scorer.example(x);
        return value(in, e);
    }

    /** Explains {@code x} with {@code method} and returns the explanation's infidelity. */
    public double value(Attribution method, INDArray x, Target target) {
        float[] in = scorer.example(x);
        Explanation e = method.explainTensor(DeletionInsertion.tensor(in, scorer), List.of(target)).get(0);
        return value(in, e);
    }

    private double value(float[] x, Explanation e) {
        var spec = scorer.model().inputSpec();
        int c = spec.channels();
        int plane = spec.height() * spec.width();
        float[] phi = Ranking.perElement(e, c, spec.height(), spec.width());
        double[] span = new double[c];
        for (int ch = 0; ch < c; ch++) {
            span[ch] = sigma * Math.abs(spec.preprocessing().apply(ch, 255) - spec.preprocessing().apply(ch, 0));
        }
        Target fixed = DeletionInsertion.fixedTarget(e);
        double fx = scorer.evaluate(fixed, 1, (row, dst, off) -> System.arraycopy(x, 0, dst, off, x.length))[0];
        double[] dot = new double[samples];
        SplittableRandom root = new SplittableRandom(seed);
        int h = spec.height();
        int w = spec.width();
        int shorter = Math.min(h, w);
        int minSide = Math.max(1, (int) Math.round(SQUARE_MIN * shorter));
        int maxSide = Math.max(minSide, (int) Math.round(SQUARE_MAX * shorter));
        double[] f = scorer.evaluate(fixed, samples, (row, dst, off) -> {
            SplittableRandom r = root.split();
            double d = 0;
            if (perturbation == Perturbation.SQUARE_REMOVAL) {
                int side = minSide + r.nextInt(maxSide - minSide + 1);
                int y0 = r.nextInt(h - side + 1);
                int x0 = r.nextInt(w - side + 1);
                System.arraycopy(x, 0, dst, off, x.length);
                for (int ch = 0; ch < c; ch++) {
                    for (int y = y0; y < y0 + side; y++) {
                        for (int xx = x0; xx < x0 + side; xx++) {
                            int i = ch * plane + y * w + xx;
                            d += phi[i];
                            dst[off + i] = 0f;
                        }
                    }
                }
            } else {
                for (int ch = 0; ch < c; ch++) {
                    for (int p = 0; p < plane; p++) {
                        int i = ch * plane + p;
                        double noise = span[ch] * gaussian(r);
                        d += noise * phi[i];
                        dst[off + i] = (float) (x[i] - noise);
                    }
                }
            }
            dot[row] = d;
        });
        double beta = 1;
        if (normalize) {
            double num = 0;
            double den = 0;
            for (int s = 0; s < samples; s++) {
                num += dot[s] * (fx - f[s]);
                den += dot[s] * dot[s];
            }
            beta = den > 0 ? num / den : 0;
        }
        double sum = 0;
        for (int s = 0; s < samples; s++) {
            double err = beta * dot[s] - (fx - f[s]);
            sum += err * err;
        }
        double v = sum / samples;
        dev.cnnviz.api.NonFiniteResultException.requireFinite(new double[] {v}, "the infidelity");
        return v;
    }

    /** A standard normal draw (Box–Muller; {@link SplittableRandom} has none in Java 17). */
    static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    @Override
    public String toString() {
        return "Infidelity[" + samples + " samples, " + (perturbation == Perturbation.SQUARE_REMOVAL ? "square removal"
                : "noise " + sigma) + (normalize ? ", normalised" : "") + ", seed " + seed + "]";
    }
}
