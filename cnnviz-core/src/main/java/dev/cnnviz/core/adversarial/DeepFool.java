package dev.cnnviz.core.adversarial;

import dev.cnnviz.core.Model;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DeepFool (Moosavi-Dezfooli, Fawzi &amp; Frossard 2016, "DeepFool: a simple and accurate method to fool deep neural
 * networks"), L2, untargeted: the smallest step to the nearest linearized decision boundary, repeated until the top
 * class changes. Image space as every attack ({@code [0, 1]}, before preprocessing; see
 * {@link dev.cnnviz.api.Attack}). With {@code l} the original class and {@code K} the candidate classes (the top
 * classes of the clean image), at each step
 * <pre>   w_k = ∇ₓ(f_k − f_l),  f'_k = f_k − f_l,   k̂ = argmin_{k∈K} |f'_k| / ‖w_k‖₂
 *   r = |f'_k̂| / ‖w_k̂‖₂² · w_k̂,   r_tot += r,   x = clip₀¹(x₀ + (1 + overshoot) · r_tot)</pre>
 * On a linear classifier one step lands exactly on the boundary (before the overshoot); unlike the reference code no
 * {@code 1e-4} is added to {@code |f'|}, the overshoot alone crosses it. Each step is one forward pass and one
 * input-gradient pass per candidate (9 with the defaults); an image stops when its top class changes, the batch when
 * all have.
 *
 * <p>Defaults (the paper's): overshoot 0.02, at most 50 steps, the 10 top classes (the original and 9 others) as
 * candidates.
 *
 * <pre>{@code
 * AdversarialExample a = DeepFool.of(model).attack(image);
 * System.out.println("minimal L2 " + a.l2() + " in " + a.steps() + " steps");
 * }</pre>
 */
public final class DeepFool extends AttackBase<DeepFool> {
    /** The default overshoot, 0.02. */
    public static final double DEFAULT_OVERSHOOT = 0.02;
    /** The default step budget, 50. */
    public static final int DEFAULT_STEPS = 50;
    /** The default number of candidate classes (the top ones, the original included), 10. */
    public static final int DEFAULT_CANDIDATES = 10;

    private final double overshoot;
    private final int steps;
    private final int candidates;

    private DeepFool(Model model, Settings settings, double overshoot, int steps, int candidates) {
        super(model, settings);
        this.overshoot = checkEpsilon("overshoot", overshoot);
        this.steps = checkSteps("steps", steps);
        if (candidates < 2) {
            throw new IllegalArgumentException("DeepFool needs at least 2 candidate classes (the original and one other), found "
                    + candidates);
        }
        this.candidates = candidates;
    }

    /** @return DeepFool on {@code model} with the defaults */
    public static DeepFool of(Model model) {
        return new DeepFool(model, Settings.defaults(), DEFAULT_OVERSHOOT, DEFAULT_STEPS, DEFAULT_CANDIDATES);
    }

    /** @return a copy with this overshoot (at least 0) */
    public DeepFool withOvershoot(double o) {
        return new DeepFool(model, settings, o, steps, candidates);
    }

    /** @return a copy with this step budget (1 to {@link #MAX_STEPS}) */
    public DeepFool withSteps(int n) {
        return new DeepFool(model, settings, overshoot, n, candidates);
    }

    /** @return a copy considering the {@code k} top classes (at least 2; capped at the model's class count) */
    public DeepFool withCandidates(int k) {
        return new DeepFool(model, settings, overshoot, steps, k);
    }

    /** @return the overshoot */
    public double overshoot() {
        return overshoot;
    }

    /** @return the step budget */
    public int steps() {
        return steps;
    }

    /** @return the number of candidate classes */
    public int candidates() {
        return candidates;
    }

    @Override
    protected DeepFool with(Settings s) {
        return new DeepFool(model, s, overshoot, steps, candidates);
    }

    @Override
    public String name() {
        return "DeepFool";
    }

    @Override
    protected boolean supportsTargets() {
        return false;
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("overshoot", String.valueOf(overshoot));
        m.put("steps", String.valueOf(steps));
        m.put("candidates", String.valueOf(candidates));
        return m;
    }

    @Override
    protected int[] run(Batch b) {
        return run(b.engine, b.x0, b.cls, null, steps, overshoot, candidates, b.adv);
    }

    /**
     * DeepFool on a batch, for this class and {@link UniversalPerturbation}.
     *
     * @param engine     the engine (batch size {@code n})
     * @param x0         the images, {@code n · len}
     * @param labels     per image, the class to move away from
     * @param attack     which images to attack (null: all); the others are copied unchanged
     * @param steps      the step budget
     * @param overshoot  the overshoot
     * @param candidates the number of top classes considered
     * @param out        receives the perturbed images
     * @return the steps each image used
     */
    static int[] run(GradientEngine engine, float[] x0, int[] labels, boolean[] attack, int steps, double overshoot,
                     int candidates, float[] out) {
        int n = labels.length;
        int k = engine.classes();
        int len = x0.length / n;
        int m = Math.min(candidates, k) - 1;
        System.arraycopy(x0, 0, out, 0, x0.length);
        float[] rTot = new float[x0.length];
        float[] g = new float[x0.length];
        float[] best = new float[x0.length];
        double[] bestRatio = new double[n];
        double[] bestF = new double[n];
        double[] bestNorm2 = new double[n];
        int[][] cand = new int[n][];
        int[] used = new int[n];
        boolean[] active = new boolean[n];
        for (int s = 0; s <= steps; s++) {
            try (GradientEngine.Pass p = engine.forward(out)) {
                double[] z = p.scores();
                boolean any = false;
                for (int i = 0; i < n; i++) {
                    if (s == 0) {
                        cand[i] = topOthers(z, i, k, labels[i], m);
                    }
                    active[i] = (attack == null || attack[i]) && argMax(z, i, k) == labels[i];
                    any |= active[i];
                }
                if (!any || s == steps || Thread.currentThread().isInterrupted()) {
                    break;
                }
                Arrays.fill(bestRatio, Double.POSITIVE_INFINITY);
                for (int j = 0; j < m; j++) {
                    double[] seed = new double[n * k];
                    for (int i = 0; i < n; i++) {
                        if (active[i]) {
                            seed[i * k + cand[i][j]] += 1;
                            seed[i * k + labels[i]] -= 1;
                        }
                    }
                    p.gradient(seed, g);
                    for (int i = 0; i < n; i++) {
                        if (!active[i]) {
                            continue;
                        }
                        double f = z[i * k + cand[i][j]] - z[i * k + labels[i]];
                        double w2 = 0;
                        for (int q = i * len; q < (i + 1) * len; q++) {
                            w2 += (double) g[q] * g[q];
                        }
                        if (w2 == 0) {
                            continue;
                        }
                        double ratio = Math.abs(f) / Math.sqrt(w2);
                        if (ratio < bestRatio[i]) {
                            bestRatio[i] = ratio;
                            bestF[i] = f;
                            bestNorm2[i] = w2;
                            System.arraycopy(g, i * len, best, i * len, len);
                        }
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                if (!active[i] || Double.isInfinite(bestRatio[i])) {
                    continue;
                }
                used[i]++;
                double c = Math.abs(bestF[i]) / bestNorm2[i];
                for (int q = i * len; q < (i + 1) * len; q++) {
                    rTot[q] += (float) (c * best[q]);
                    out[q] = Math.max(0f, Math.min(1f, (float) (x0[q] + (1 + overshoot) * rTot[q])));
                }
            }
        }
        return used;
    }

    /** @return the {@code m} highest-scoring classes of row {@code i} other than {@code label}, best first */
    private static int[] topOthers(double[] z, int i, int k, int label, int m) {
        Integer[] idx = new Integer[k];
        for (int c = 0; c < k; c++) {
            idx[c] = c;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(z[i * k + b], z[i * k + a]));
        int[] out = new int[m];
        int at = 0;
        for (int c = 0; c < k && at < m; c++) {
            if (idx[c] != label) {
                out[at++] = idx[c];
            }
        }
        return out;
    }
}
