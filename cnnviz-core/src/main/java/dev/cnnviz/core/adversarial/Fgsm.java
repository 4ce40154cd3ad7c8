package dev.cnnviz.core.adversarial;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.api.NonFiniteResultException;
import java.nio.FloatBuffer;
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

    /** The step clips to [0, 1], and from finite images and gradients it makes no NaN. */
    @Override
    protected boolean resultsInRange() {
        return true;
    }

    @Override
    protected int[] run(Batch b) {
        float e = (float) epsilon;
        try (GradientEngine.Pass p = b.takeCleanPass()) {
            boolean[] finite = {true};
            // the step reads the gradient where the backward pass left it, checking it as it goes
            p.modelGradient(crossEntropySeed(p.scores(), b, null), g -> finite[0] = step(space, b.n, b.x0, g, e, b.adv));
            if (!finite[0]) {
                throw new NonFiniteResultException("the input gradient of the attack's loss holds NaN or infinite values");
            }
        }
        int[] steps = new int[b.n];
        java.util.Arrays.fill(steps, 1);
        return steps;
    }

    /**
     * The whole FGSM step from the gradient at the model's input {@code gx}: {@code adv = clip(x0 + ε · sign(Aᵀ gx),
     * 0, 1)} for {@code n} images, {@code Aᵀ} the image space's adjoint, fused into the step: every image channel
     * {@code s(c)} receives exactly one model channel {@code c} ({@link dev.cnnviz.api.InputSpec} requires as many
     * preprocessing channels as model channels), so {@code (Aᵀ gx)[i, s(c)] = a_c · gx[i, c]}, the product rounded
     * as {@link ImageSpace#adjoint} rounds it. One pass instead of three (clear, accumulate, step), the same bits.
     */
    static void step(ImageSpace space, int n, float[] x0, float[] gx, float e, float[] adv) {
        step(space, n, x0, FloatBuffer.wrap(gx), e, adv);
    }

    /**
     * {@link #step(ImageSpace, int, float[], float[], float, float[])} reading the gradient from a buffer (the native
     * one the backward pass wrote) in chunks that stay in the cache, and checking it in the same pass.
     *
     * @return true if every gradient value was finite (otherwise {@code adv} is not meaningful)
     */
    static boolean step(ImageSpace space, int n, float[] x0, FloatBuffer gx, float e, float[] adv) {
        int plane = space.inputSpec().height() * space.inputSpec().width();
        int modelChannels = space.inputSpec().channels();
        float[] chunk = new float[Math.min(plane, CHUNK)];
        boolean finite = true;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < modelChannels; c++) {
                int to = (i * space.channels() + space.source(c)) * plane;
                int from = (i * modelChannels + c) * plane;
                for (int at = 0; at < plane; at += chunk.length) {
                    int len = Math.min(chunk.length, plane - at);
                    gx.get(from + at, chunk, 0, len);
                    finite &= HostArrays.allFinite(chunk, 0, len);
                    step(x0, to + at, chunk, 0, space.gain(c), e, adv, len);
                }
            }
        }
        return finite;
    }

    /** Gradient values read per chunk: 16 KB, resident in the L1 cache while the step reads them. */
    private static final int CHUNK = 4096;

    /**
     * {@code adv = clip(x0 + ε · sign(g), 0, 1)}, with {@code sign(±0) = 0}, in one pass of integer and float
     * arithmetic the JIT compiles without branches: {@code ε · sign(g)} is {@code ε} with {@code g}'s sign bit,
     * masked to {@code +0} where {@code |g| = 0}. (JDK 17's {@code Math.signum} and float
     * {@code Math.min}/{@code max} branch per element: the same loop written with them took 3× as long.) The
     * gradient is finite here: the engine refuses NaN and infinite gradients before.
     */
    static void step(float[] x0, float[] g, float e, float[] adv) {
        step(x0, 0, g, 0, 1f, e, adv, g.length);
    }

    /**
     * {@link #step(float[], float[], float, float[])} on {@code len} values, with the gradient
     * {@code scale · g[gFrom + j]} (rounded to float, as {@link ImageSpace#adjoint} computes it) for
     * {@code x0[xFrom + j]} and {@code adv[xFrom + j]}.
     */
    static void step(float[] x0, int xFrom, float[] g, int gFrom, float scale, float e, float[] adv, int len) {
        int eBits = Float.floatToRawIntBits(e);
        for (int j = 0; j < len; j++) {
            int bits = Float.floatToRawIntBits(scale * g[gFrom + j]);
            int nonZero = ((bits & 0x7fffffff) + 0x7fffffff) >> 31;   // -1 unless the gradient is +0 or -0
            float v = x0[xFrom + j] + Float.intBitsToFloat(((bits & 0x80000000) | eBits) & nonZero);
            adv[xFrom + j] = v <= 0f ? 0f : (v >= 1f ? 1f : v);
        }
    }
}
