package dev.cnnviz.core.adversarial;

import dev.cnnviz.core.Model;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fast gradient sign method (Goodfellow, Shlens &amp; Szegedy 2015, "Explaining and Harnessing Adversarial
 * Examples"): one step of size ε along the sign of the loss gradient, in image space ({@code [0, 1]}, before the
 * model's preprocessing; see {@link dev.cnnviz.api.Attack}).
 * <pre>   untargeted: x' = clip₀¹(x + ε · sign(∇ₓ CE(f(x), y)))     y = the top class (or the true class)
 *   targeted:   x' = clip₀¹(x − ε · sign(∇ₓ CE(f(x), t)))</pre>
 * with {@code sign(0) = 0} and CE the cross-entropy of the softmax of the class scores. One forward and one
 * input-gradient pass per batch.
 *
 * <p>Defaults: ε = 8/255.
 *
 * <pre>{@code
 * AdversarialExample a = Fgsm.of(model).withEpsilon(8 / 255.0).attack(image);
 * AdversarialExample t = Fgsm.of(model).attack(image, Target.classIndex(6));
 * }</pre>
 */
public final class Fgsm extends AttackBase<Fgsm> {
    /** The default ε: 8/255. */
    public static final double DEFAULT_EPSILON = 8 / 255.0;
    private final double epsilon;

    private Fgsm(Model model, Settings settings, double epsilon) {
        super(model, settings);
        this.epsilon = checkEpsilon("epsilon", epsilon);
    }

    /** @return FGSM on {@code model} with the defaults */
    public static Fgsm of(Model model) {
        return new Fgsm(model, Settings.defaults(), DEFAULT_EPSILON);
    }

    /**
     * @param eps the L∞ radius in image units ({@code 8/255} = eight grey levels)
     * @return a copy with this ε
     * @throws IllegalArgumentException if {@code eps} is negative, NaN or infinite
     */
    public Fgsm withEpsilon(double eps) {
        return new Fgsm(model, settings, eps);
    }

    /** @return the L∞ radius */
    public double epsilon() {
        return epsilon;
    }

    @Override
    protected Fgsm with(Settings s) {
        return new Fgsm(model, s, epsilon);
    }

    @Override
    public String name() {
        return "FGSM";
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("epsilon", String.valueOf(epsilon));
        return m;
    }

    /** FGSM's one gradient is at the clean images: their scores come from that pass. */
    @Override
    protected boolean gradientAtClean() {
        return true;
    }

    @Override
    protected int[] run(Batch b) {
        float[] g = new float[b.x0.length];
        try (GradientEngine.Pass p = b.takeCleanPass()) {
            p.gradient(crossEntropySeed(p.scores(), b, null), g);
        }
        float e = (float) epsilon;
        float[] x0 = b.x0;
        float[] adv = b.adv;
        // Branch-free: signum and min/max are intrinsics (sign(0) = 0; a NaN gradient stays NaN and is refused later)
        for (int j = 0; j < g.length; j++) {
            adv[j] = Math.min(1f, Math.max(0f, x0[j] + e * Math.signum(g[j])));
        }
        int[] steps = new int[b.n];
        java.util.Arrays.fill(steps, 1);
        return steps;
    }
}
