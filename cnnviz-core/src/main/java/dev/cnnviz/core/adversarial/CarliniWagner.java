package dev.cnnviz.core.adversarial;

import dev.cnnviz.core.Model;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Carlini &amp; Wagner L2 attack (Carlini &amp; Wagner 2017, "Towards Evaluating the Robustness of Neural
 * Networks"), targeted or untargeted, in image space ({@code [0, 1]}, before preprocessing; see
 * {@link dev.cnnviz.api.Attack}). The box constraint is removed by the change of variables
 * {@code x = (tanh(w) + 1) / 2}, and for each image
 * <pre>   minimize_w  ‖x − x₀‖₂² + c · g(x)
 *   targeted:    g(x) = max(max_{j≠t} Z_j(x) − Z_t(x), −κ)
 *   untargeted:  g(x) = max(Z_y(x) − max_{j≠y} Z_j(x), −κ)</pre>
 * with {@code Z} the class scores before the softmax and κ the confidence, by Adam (β = 0.9, 0.999) on {@code w}.
 * The constant {@code c} is found per image by a binary search: after each round of {@link #steps()} steps, {@code c}
 * is halved towards the last failure if the round found an adversarial image, else multiplied by 10 (until an upper
 * bound is known). The result is the smallest-L2 adversarial image met at any step, or the original if none was.
 * Every step is one forward and one input-gradient pass over the batch.
 *
 * <p>Defaults: κ = 0, initial c = 1, 5 binary-search rounds of 100 steps, learning rate 0.01 (the paper's and
 * foolbox's rate; fewer rounds and steps than foolbox's 9 × 10,000, to keep the attack interactive), no early abort.
 * {@link #foolbox(Model)} gives foolbox 3's {@code L2CarliniWagnerAttack} defaults instead: initial c = 0.001,
 * 9 rounds of up to 10,000 steps, and its early abort (every ⌈steps/10⌉ steps a round stops unless the batch's total
 * loss fell below 0.9999 × its value at the previous check).
 *
 * <pre>{@code
 * AdversarialExample a = CarliniWagner.of(model).withConfidence(5).attack(image, Target.classIndex(6));
 * }</pre>
 */
public final class CarliniWagner extends AttackBase<CarliniWagner> {
    /** The default κ, 0. */
    public static final double DEFAULT_CONFIDENCE = 0;
    /** The default initial constant c, 1. */
    public static final double DEFAULT_INITIAL_CONST = 1;
    /** The default number of binary-search rounds, 5. */
    public static final int DEFAULT_BINARY_SEARCH_STEPS = 5;
    /** The default Adam steps per round, 100. */
    public static final int DEFAULT_STEPS = 100;
    /** The default Adam learning rate, 0.01. */
    public static final double DEFAULT_LEARNING_RATE = 0.01;

    private final double confidence;
    private final double initialConst;
    private final int binarySearchSteps;
    private final int steps;
    private final double learningRate;
    private final boolean abortEarly;

    private CarliniWagner(Model model, Settings settings, double confidence, double initialConst, int binarySearchSteps,
                          int steps, double learningRate, boolean abortEarly) {
        super(model, settings);
        this.confidence = checkEpsilon("confidence (kappa)", confidence);
        this.initialConst = checkPositive("initial constant c", initialConst);
        this.binarySearchSteps = checkSteps("binary search steps", binarySearchSteps);
        this.steps = checkSteps("steps", steps);
        this.learningRate = checkPositive("learning rate", learningRate);
        this.abortEarly = abortEarly;
    }

    /** @return C&amp;W L2 on {@code model} with the defaults */
    public static CarliniWagner of(Model model) {
        return new CarliniWagner(model, Settings.defaults(), DEFAULT_CONFIDENCE, DEFAULT_INITIAL_CONST,
                DEFAULT_BINARY_SEARCH_STEPS, DEFAULT_STEPS, DEFAULT_LEARNING_RATE, false);
    }

    /**
     * @return C&amp;W L2 on {@code model} with foolbox 3's defaults: κ = 0, initial c = 0.001, 9 binary-search rounds of
     *     up to 10,000 Adam steps at 0.01, early abort on
     */
    public static CarliniWagner foolbox(Model model) {
        return new CarliniWagner(model, Settings.defaults(), 0, 1e-3, 9, 10_000, 0.01, true);
    }

    /**
     * @return a copy that stops a round early ({@code true}) when every ⌈steps/10⌉ steps the batch's total loss has not
     *     fallen below 0.9999 × its value at the previous check (foolbox's {@code abort_early})
     */
    public CarliniWagner withAbortEarly(boolean a) {
        return new CarliniWagner(model, settings, confidence, initialConst, binarySearchSteps, steps, learningRate, a);
    }

    /** @return whether rounds stop early when the loss stalls */
    public boolean abortEarly() {
        return abortEarly;
    }

    /** @return a copy with this κ (score margin, at least 0) */
    public CarliniWagner withConfidence(double kappa) {
        return new CarliniWagner(model, settings, kappa, initialConst, binarySearchSteps, steps, learningRate, abortEarly);
    }

    /** @return a copy starting the binary search at this c (positive) */
    public CarliniWagner withInitialConst(double c) {
        return new CarliniWagner(model, settings, confidence, c, binarySearchSteps, steps, learningRate, abortEarly);
    }

    /** @return a copy with this many binary-search rounds (at least 1) */
    public CarliniWagner withBinarySearchSteps(int n) {
        return new CarliniWagner(model, settings, confidence, initialConst, n, steps, learningRate, abortEarly);
    }

    /** @return a copy with this many Adam steps per round (at least 1) */
    public CarliniWagner withSteps(int n) {
        return new CarliniWagner(model, settings, confidence, initialConst, binarySearchSteps, n, learningRate, abortEarly);
    }

    /** @return a copy with this Adam learning rate (positive) */
    public CarliniWagner withLearningRate(double lr) {
        return new CarliniWagner(model, settings, confidence, initialConst, binarySearchSteps, steps, lr, abortEarly);
    }

    /** @return κ */
    public double confidence() {
        return confidence;
    }

    /** @return the initial constant */
    public double initialConst() {
        return initialConst;
    }

    /** @return the binary-search rounds */
    public int binarySearchSteps() {
        return binarySearchSteps;
    }

    /** @return Adam steps per round */
    public int steps() {
        return steps;
    }

    /** @return the learning rate */
    public double learningRate() {
        return learningRate;
    }

    @Override
    protected CarliniWagner with(Settings s) {
        return new CarliniWagner(model, s, confidence, initialConst, binarySearchSteps, steps, learningRate, abortEarly);
    }

    @Override
    public String name() {
        return "Carlini-Wagner L2";
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("confidence", String.valueOf(confidence));
        m.put("initialConst", String.valueOf(initialConst));
        m.put("binarySearchSteps", String.valueOf(binarySearchSteps));
        m.put("steps", String.valueOf(steps));
        m.put("learningRate", String.valueOf(learningRate));
        m.put("abortEarly", String.valueOf(abortEarly));
        return m;
    }

    @Override
    protected int[] run(Batch b) {
        int n = b.n;
        int k = b.engine.classes();
        int len = b.length();
        int total = n * len;
        float[] w0 = new float[total];
        for (int q = 0; q < total; q++) {
            // Shrink the box slightly so that 0 and 1 have a finite atanh.
            double v = (2.0 * b.x0[q] - 1) * 0.999999;
            w0[q] = (float) (0.5 * Math.log((1 + v) / (1 - v)));
        }
        float[] w = new float[total];
        float[] x = new float[total];
        float[] g = new float[total];
        float[] m1 = new float[total];
        float[] m2 = new float[total];
        double[] c = new double[n];
        double[] lo = new double[n];
        double[] hi = new double[n];
        double[] bestL2 = new double[n];
        Arrays.fill(c, initialConst);
        Arrays.fill(hi, Double.POSITIVE_INFINITY);
        Arrays.fill(bestL2, Double.POSITIVE_INFINITY);
        int[] used = new int[n];
        float kappa = (float) confidence;
        for (int round = 0; round < binarySearchSteps; round++) {
            System.arraycopy(w0, 0, w, 0, total);
            Arrays.fill(m1, 0f);
            Arrays.fill(m2, 0f);
            boolean[] found = new boolean[n];
            double previousCheck = Double.POSITIVE_INFINITY;
            int checkEvery = (int) Math.ceil(steps / 10.0);
            for (int s = 0; s <= steps; s++) {
                for (int q = 0; q < total; q++) {
                    x[q] = (float) ((Math.tanh(w[q]) + 1) / 2);
                }
                try (GradientEngine.Pass p = b.engine.forward(x)) {
                    double[] z = p.scores();
                    double[] seed = new double[n * k];
                    double loss = 0;
                    for (int i = 0; i < n; i++) {
                        int t = b.cls[i];
                        int other = -1;
                        for (int j = 0; j < k; j++) {
                            if (j != t && (other < 0 || z[i * k + j] > z[i * k + other])) {
                                other = j;
                            }
                        }
                        double margin = b.targeted[i] ? z[i * k + other] - z[i * k + t] : z[i * k + t] - z[i * k + other];
                        if (abortEarly) {
                            double d2 = 0;
                            for (int q = i * len; q < (i + 1) * len; q++) {
                                double d = (double) x[q] - b.x0[q];
                                d2 += d * d;
                            }
                            loss += d2 + c[i] * Math.max(margin, -kappa);
                        }
                        // Adversarial with the margin κ at this step: keep the closest such image.
                        if (margin <= -kappa || (kappa == 0 && b.reached(z, i))) {
                            double d2 = 0;
                            for (int q = i * len; q < (i + 1) * len; q++) {
                                double d = (double) x[q] - b.x0[q];
                                d2 += d * d;
                            }
                            found[i] = true;
                            if (d2 < bestL2[i]) {
                                bestL2[i] = d2;
                                System.arraycopy(x, i * len, b.adv, i * len, len);
                            }
                        }
                        if (margin > -kappa && s < steps) {
                            seed[i * k + (b.targeted[i] ? other : t)] += c[i];
                            seed[i * k + (b.targeted[i] ? t : other)] -= c[i];
                        }
                    }
                    if (s == steps || Thread.currentThread().isInterrupted()) {
                        break;
                    }
                    if (abortEarly && s % checkEvery == 0) {
                        if (!(loss <= 0.9999 * previousCheck)) {
                            break;
                        }
                        previousCheck = loss;
                    }
                    p.gradient(seed, g);
                }
                double b1 = 1 - Math.pow(0.9, s + 1);
                double b2 = 1 - Math.pow(0.999, s + 1);
                for (int q = 0; q < total; q++) {
                    // d/dx ‖x − x₀‖² + c·g, then dx/dw = (1 − tanh² w)/2 = 2x(1 − x).
                    float gx = 2 * (x[q] - b.x0[q]) + g[q];
                    float gw = gx * 2 * x[q] * (1 - x[q]);
                    m1[q] = 0.9f * m1[q] + 0.1f * gw;
                    m2[q] = 0.999f * m2[q] + 0.001f * gw * gw;
                    w[q] -= (float) (learningRate * (m1[q] / b1) / (Math.sqrt(m2[q] / b2) + 1e-8));
                }
                for (int i = 0; i < n; i++) {
                    used[i]++;
                }
            }
            for (int i = 0; i < n; i++) {
                if (found[i]) {
                    hi[i] = Math.min(hi[i], c[i]);
                } else {
                    lo[i] = Math.max(lo[i], c[i]);
                }
                c[i] = Double.isInfinite(hi[i]) ? c[i] * 10 : (lo[i] + hi[i]) / 2;
            }
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
        }
        return used;
    }
}
