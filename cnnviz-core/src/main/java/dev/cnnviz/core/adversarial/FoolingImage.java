package dev.cnnviz.core.adversarial;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fooling image (the lecture's "elephant → koala"; Szegedy et al. 2014, "Intriguing properties of neural networks";
 * CS231n's network-visualization exercise): targeted gradient ascent on the target's log probability (or score)
 * until the model's top class is the target with at least the chosen probability, within a step budget and an
 * optional L∞ cap. Image space as every attack ({@code [0, 1]}, before preprocessing; see
 * {@link dev.cnnviz.api.Attack}).
 * <pre>   x^{k+1} = Π(x^k + α · sign(∇ₓ J(x^k)))     J = log softmax(f(x))_t   (or the score f_t(x))</pre>
 * where {@code Π} clips to {@code [0, 1]} and, with an ε, to the L∞ ball {@code ‖x − x₀‖∞ ≤ ε}. An image stops as
 * soon as its top class is the target with probability at least {@link #confidence()}; the others of the batch go
 * on. The result reports the steps each image used and its L∞ and L2 change.
 *
 * <p>Defaults: objective {@link Objective#LOG_PROBABILITY}, α = 0.25/255, 200 steps, confidence 0 (top-1 is enough),
 * no ε cap ({@code +∞}).
 *
 * <pre>{@code
 * AdversarialExample a = FoolingImage.of(model).withTargetClass(6).withEpsilon(2 / 255.0).attack(cat);
 * System.out.println(a.success() + " after " + a.steps() + " steps, L∞ " + a.linf() * 255 + " grey levels");
 * }</pre>
 */
public final class FoolingImage extends AttackBase<FoolingImage> {
    /** The default step: a quarter of a grey level. */
    public static final double DEFAULT_ALPHA = 0.25 / 255;
    /** The default step budget. */
    public static final int DEFAULT_STEPS = 200;

    /** What the ascent maximizes. */
    public enum Objective {
        /** {@code log softmax(f(x))_t}: raises the target and lowers the others. */
        LOG_PROBABILITY,
        /** {@code f_t(x)}, the target's score before the softmax (the lecture's choice). */
        SCORE
    }

    private final int targetClass;
    private final Objective objective;
    private final double alpha;
    private final int steps;
    private final double confidence;
    private final double epsilon;

    private FoolingImage(Model model, Settings settings, int targetClass, Objective objective, double alpha, int steps,
                         double confidence, double epsilon) {
        super(model, settings);
        if (objective == null) {
            throw new IllegalArgumentException("objective must not be null");
        }
        if (targetClass < -1) {
            throw new IllegalArgumentException("target class must not be negative, found " + targetClass);
        }
        if (!(confidence >= 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in [0, 1), found " + confidence);
        }
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("epsilon must be >= 0 (or +Infinity for no cap), found " + epsilon);
        }
        this.targetClass = targetClass;
        this.objective = objective;
        this.alpha = checkPositive("alpha (the step size)", alpha);
        this.steps = checkSteps("steps", steps);
        this.confidence = confidence;
        this.epsilon = epsilon;
    }

    /** @return a fooling-image attack on {@code model} with the defaults (give the class with {@link #withTargetClass}) */
    public static FoolingImage of(Model model) {
        return new FoolingImage(model, Settings.defaults(), -1, Objective.LOG_PROBABILITY, DEFAULT_ALPHA, DEFAULT_STEPS,
                0, Double.POSITIVE_INFINITY);
    }

    /**
     * @return a copy aiming at class {@code c} when the caller's target is {@link Target#topClass()}
     * @throws IllegalArgumentException if {@code c} is negative or not a class of the model
     */
    public FoolingImage withTargetClass(int c) {
        if (c < 0 || c >= classCount(model)) {
            throw new IllegalArgumentException("target class " + c + " is out of range: the model has "
                    + classCount(model) + " classes");
        }
        return new FoolingImage(model, settings, c, objective, alpha, steps, confidence, epsilon);
    }

    /** @return a copy ascending this objective */
    public FoolingImage withObjective(Objective o) {
        return new FoolingImage(model, settings, targetClass, o, alpha, steps, confidence, epsilon);
    }

    /** @return a copy with this step size (image units, positive) */
    public FoolingImage withAlpha(double a) {
        return new FoolingImage(model, settings, targetClass, objective, a, steps, confidence, epsilon);
    }

    /** @return a copy with this step budget (1 to {@link #MAX_STEPS}) */
    public FoolingImage withSteps(int n) {
        return new FoolingImage(model, settings, targetClass, objective, alpha, n, confidence, epsilon);
    }

    /** @return a copy that stops only when the target's probability is at least {@code p} (in [0, 1)) */
    public FoolingImage withConfidence(double p) {
        return new FoolingImage(model, settings, targetClass, objective, alpha, steps, p, epsilon);
    }

    /** @return a copy whose change stays within {@code ‖δ‖∞ ≤ eps} ({@code +∞}: no cap) */
    public FoolingImage withEpsilon(double eps) {
        return new FoolingImage(model, settings, targetClass, objective, alpha, steps, confidence, eps);
    }

    /** @return the class aimed at when the caller's target is the top class, or -1 if not set */
    public int targetClass() {
        return targetClass;
    }

    /** @return the objective */
    public Objective objective() {
        return objective;
    }

    /** @return the step size */
    public double alpha() {
        return alpha;
    }

    /** @return the step budget */
    public int steps() {
        return steps;
    }

    /** @return the probability the target must reach */
    public double confidence() {
        return confidence;
    }

    /** @return the L∞ cap ({@code +∞}: none) */
    public double epsilon() {
        return epsilon;
    }

    @Override
    protected FoolingImage with(Settings s) {
        return new FoolingImage(model, s, targetClass, objective, alpha, steps, confidence, epsilon);
    }

    @Override
    public String name() {
        return "Fooling image";
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("objective", objective.name());
        m.put("alpha", String.valueOf(alpha));
        m.put("steps", String.valueOf(steps));
        m.put("confidence", String.valueOf(confidence));
        m.put("epsilon", String.valueOf(epsilon));
        return m;
    }

    @Override
    public List<AdversarialExample> attackAll(List<BufferedImage> images, List<Target> targets) {
        return super.attackAll(images, aim(targets));
    }

    @Override
    public List<AdversarialExample> attackTensor(dev.cnnviz.api.Tensor images, List<Target> targets) {
        return super.attackTensor(images, aim(targets));
    }

    @Override
    public List<AdversarialExample> attackLabelled(dev.cnnviz.api.Tensor images, int[] trueClasses) {
        throw new IllegalArgumentException("a fooling image is targeted: use withTargetClass(c) and attack, not attackLabelled");
    }

    /** Replaces untargeted requests by {@link #targetClass()}, which must then be set. */
    private List<Target> aim(List<Target> targets) {
        if (targets == null) {
            throw new IllegalArgumentException("targets must not be null");
        }
        return targets.stream().map(t -> {
            if (t instanceof Target.TopClass) {
                if (targetClass < 0) {
                    throw new IllegalArgumentException("a fooling image needs a target class: withTargetClass(c) or a class target");
                }
                return Target.classIndex(targetClass);
            }
            return t;
        }).toList();
    }

    @Override
    protected int[] run(Batch b) {
        int len = b.length();
        int k = b.engine.classes();
        int[] used = new int[b.n];
        boolean[] active = new boolean[b.n];
        java.util.Arrays.fill(active, true);
        float[] g = new float[b.x0.length];
        float a = (float) alpha;
        for (int s = 0; s <= steps; s++) {
            try (GradientEngine.Pass p = b.engine.forward(b.adv)) {
                double[] z = p.scores();
                boolean any = false;
                for (int i = 0; i < b.n; i++) {
                    if (active[i] && b.reached(z, i) && softmax(z, i, k)[b.cls[i]] >= confidence) {
                        active[i] = false;
                    }
                    any |= active[i];
                }
                if (!any || s == steps || Thread.currentThread().isInterrupted()) {
                    break;
                }
                double[] seed = new double[b.n * k];
                for (int i = 0; i < b.n; i++) {
                    if (!active[i]) {
                        continue;
                    }
                    if (objective == Objective.SCORE) {
                        seed[i * k + b.cls[i]] = 1;
                    } else {
                        double[] pr = softmax(z, i, k);
                        for (int c = 0; c < k; c++) {
                            seed[i * k + c] = (c == b.cls[i] ? 1 : 0) - pr[c];
                        }
                    }
                }
                p.gradient(seed, g);
            }
            for (int i = 0; i < b.n; i++) {
                if (!active[i]) {
                    continue;
                }
                used[i]++;
                for (int j = i * len; j < (i + 1) * len; j++) {
                    b.adv[j] += a * sign(g[j]);
                }
            }
            Norm.LINF.project(b.adv, b.x0, len, Double.isInfinite(epsilon) ? 2 : epsilon, active);
        }
        return used;
    }
}
