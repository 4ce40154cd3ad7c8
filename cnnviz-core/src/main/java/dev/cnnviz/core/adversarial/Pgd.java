package dev.cnnviz.core.adversarial;

import dev.cnnviz.core.Model;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Projected gradient descent (Madry et al. 2018, "Towards Deep Learning Models Resistant to Adversarial Attacks") in
 * L∞ or L2, and without its random start the basic iterative method / I-FGSM (Kurakin, Goodfellow &amp; Bengio
 * 2017, "Adversarial examples in the physical world"), created with {@link #bim(Model)}. Image space as every attack
 * ({@code [0, 1]}, before the model's preprocessing; see {@link dev.cnnviz.api.Attack}).
 *
 * <p>With {@code J} the cross-entropy of the true (or top) class for untargeted attacks and minus that of the target
 * for targeted ones, {@code Π} the projection onto the ε-ball around {@code x₀} followed by clipping to
 * {@code [0, 1]}:
 * <pre>   x⁰ = Π(x₀ + η)                       η uniform in the ε-ball (random start), or 0
 *   L∞: x^{k+1} = Π(x^k + α · sign(∇J(x^k)))
 *   L2: x^{k+1} = Π(x^k + α · ∇J(x^k) / ‖∇J(x^k)‖₂)    per image</pre>
 * Every step is one forward and one input-gradient pass over the batch; all images run every step (as in the common
 * libraries; {@code steps} is reported for each).
 *
 * <p>Defaults, as torchattacks and foolbox: L∞ ε = 8/255, α = 2/255; L2 ε = 1.0, α = 0.2; 10 steps, random start
 * (PGD) or none (BIM). ε and α follow the norm until set explicitly.
 *
 * <pre>{@code
 * AdversarialExample a = Pgd.of(model).withNorm(Norm.LINF).withEpsilon(2 / 255.0).withSteps(10).attack(image);
 * Pgd l2 = Pgd.of(model).withNorm(Norm.L2);          // ε = 1.0, α = 0.2
 * Pgd bim = Pgd.bim(model);                           // no random start
 * }</pre>
 */
public final class Pgd extends AttackBase<Pgd> {
    /** The default L∞ radius, 8/255. */
    public static final double DEFAULT_LINF_EPSILON = 8 / 255.0;
    /** The default L∞ step, 2/255. */
    public static final double DEFAULT_LINF_ALPHA = 2 / 255.0;
    /** The default L2 radius, 1.0. */
    public static final double DEFAULT_L2_EPSILON = 1.0;
    /** The default L2 step, 0.2. */
    public static final double DEFAULT_L2_ALPHA = 0.2;
    /** The default number of steps, 10. */
    public static final int DEFAULT_STEPS = 10;

    private final Norm norm;
    private final Double epsilon;
    private final Double alpha;
    private final int steps;
    private final boolean randomStart;

    private Pgd(Model model, Settings settings, Norm norm, Double epsilon, Double alpha, int steps, boolean randomStart) {
        super(model, settings);
        if (norm == null) {
            throw new IllegalArgumentException("norm must not be null");
        }
        this.norm = norm;
        this.epsilon = epsilon == null ? null : checkEpsilon("epsilon", epsilon);
        this.alpha = alpha == null ? null : checkPositive("alpha (the step size)", alpha);
        this.steps = checkSteps("steps", steps);
        this.randomStart = randomStart;
    }

    /** @return PGD in L∞ with the defaults */
    public static Pgd of(Model model) {
        return new Pgd(model, Settings.defaults(), Norm.LINF, null, null, DEFAULT_STEPS, true);
    }

    /** @return the basic iterative method (I-FGSM): PGD without the random start */
    public static Pgd bim(Model model) {
        return of(model).withRandomStart(false);
    }

    /** @return a copy in this norm (ε and α not set explicitly take the norm's defaults) */
    public Pgd withNorm(Norm n) {
        return new Pgd(model, settings, n, epsilon, alpha, steps, randomStart);
    }

    /**
     * @return a copy with this radius (image units)
     * @throws IllegalArgumentException if negative, NaN or infinite
     */
    public Pgd withEpsilon(double eps) {
        return new Pgd(model, settings, norm, eps, alpha, steps, randomStart);
    }

    /**
     * @return a copy with this step size (image units)
     * @throws IllegalArgumentException if not positive
     */
    public Pgd withAlpha(double a) {
        return new Pgd(model, settings, norm, epsilon, a, steps, randomStart);
    }

    /**
     * @return a copy taking this many steps
     * @throws IllegalArgumentException if below 1 or above {@link #MAX_STEPS}
     */
    public Pgd withSteps(int n) {
        return new Pgd(model, settings, norm, epsilon, alpha, n, randomStart);
    }

    /** @return a copy with or without the random start (without: BIM / I-FGSM) */
    public Pgd withRandomStart(boolean r) {
        return new Pgd(model, settings, norm, epsilon, alpha, steps, r);
    }

    /** @return the norm */
    public Norm norm() {
        return norm;
    }

    /** @return the radius in image units */
    public double epsilon() {
        return epsilon != null ? epsilon : norm == Norm.LINF ? DEFAULT_LINF_EPSILON : DEFAULT_L2_EPSILON;
    }

    /** @return the step size in image units */
    public double alpha() {
        return alpha != null ? alpha : norm == Norm.LINF ? DEFAULT_LINF_ALPHA : DEFAULT_L2_ALPHA;
    }

    /** @return the number of steps */
    public int steps() {
        return steps;
    }

    /** @return whether the start is random */
    public boolean randomStart() {
        return randomStart;
    }

    @Override
    protected Pgd with(Settings s) {
        return new Pgd(model, s, norm, epsilon, alpha, steps, randomStart);
    }

    @Override
    public String name() {
        return (randomStart ? "PGD" : "BIM") + (norm == Norm.LINF ? " (L∞)" : " (L2)");
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("norm", norm.name());
        m.put("epsilon", String.valueOf(epsilon()));
        m.put("alpha", String.valueOf(alpha()));
        m.put("steps", String.valueOf(steps));
        m.put("randomStart", String.valueOf(randomStart));
        return m;
    }

    @Override
    protected int[] run(Batch b) {
        int len = b.length();
        double eps = epsilon();
        if (randomStart && eps > 0) {
            randomStart(b, len, eps);
        }
        float[] g = new float[b.x0.length];
        float a = (float) alpha();
        int done = 0;
        for (int k = 0; k < steps; k++) {
            if (Thread.currentThread().isInterrupted()) {
                break; // an interrupt stops the batch where it is: the images so far are valid, and steps says so
            }
            done++;
            try (GradientEngine.Pass p = b.engine.forward(b.adv)) {
                p.gradient(crossEntropySeed(p.scores(), b, null), g);
            }
            step(b.adv, g, len, a, norm);
            norm.project(b.adv, b.x0, len, eps, null);
        }
        int[] used = new int[b.n];
        java.util.Arrays.fill(used, done);
        return used;
    }

    /** One ascent step on every image: {@code α · sign(g)} (L∞) or {@code α · g / ‖g‖₂} (L2). */
    static void step(float[] x, float[] g, int len, float a, Norm norm) {
        int n = x.length / len;
        for (int i = 0; i < n; i++) {
            int from = i * len;
            if (norm == Norm.LINF) {
                for (int j = from; j < from + len; j++) {
                    x[j] += a * sign(g[j]);
                }
            } else {
                double gn = Norm.L2.of(g, from, len);
                if (gn > 0) {
                    float f = (float) (a / gn);
                    for (int j = from; j < from + len; j++) {
                        x[j] += f * g[j];
                    }
                }
            }
        }
    }

    private void randomStart(Batch b, int len, double eps) {
        for (int i = 0; i < b.n; i++) {
            int from = i * len;
            if (norm == Norm.LINF) {
                for (int j = from; j < from + len; j++) {
                    b.adv[j] = b.x0[j] + (float) ((2 * b.random.nextDouble() - 1) * eps);
                }
            } else {
                // Uniform in the L2 ball: a Gaussian direction, radius ε · U^(1/d).
                double[] d = new double[len];
                double s = 0;
                for (int j = 0; j < len; j++) {
                    d[j] = gaussian(b.random);
                    s += d[j] * d[j];
                }
                double r = eps * Math.pow(b.random.nextDouble(), 1.0 / len) / Math.sqrt(s);
                for (int j = 0; j < len; j++) {
                    b.adv[from + j] = b.x0[from + j] + (float) (r * d[j]);
                }
            }
        }
        norm.project(b.adv, b.x0, len, eps, null);
    }

    /** A standard normal number (Box–Muller). */
    static double gaussian(java.util.SplittableRandom r) {
        double u = 1 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
