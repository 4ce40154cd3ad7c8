package dev.cnnviz.core.adversarial;

import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Universal adversarial perturbations (Moosavi-Dezfooli, Fawzi, Fawzi &amp; Frossard 2017, "Universal adversarial
 * perturbations"): one perturbation {@code v}, with {@code ‖v‖_p ≤ ξ}, that changes the model's top class on most
 * images at once. Image space as every attack ({@code [0, 1]}, before preprocessing; see
 * {@link dev.cnnviz.api.Attack}); the perturbed image is {@code clip₀¹(x + v)}.
 *
 * <p>Algorithm 1 of the paper, batched: passes over the training images in a seeded random order; for each batch,
 * the images that {@code v} does not yet fool get a {@link DeepFool} step {@code Δv_i} from {@code clip(x_i + v)}
 * (overshoot 0.02, at most 10 steps), and {@code v ← Π_{p,ξ}(v + Δv_i)} is applied for each of them in turn
 * ({@code Π} the projection onto the ξ-ball; within a batch the Δv are computed against the same {@code v}, which is
 * where this differs from the paper's one-image-at-a-time loop). It stops when the fooling rate on the training
 * images reaches the target or after {@link #passes()} passes. The fooling rate is the share of images whose top
 * class under {@code clip(x + v)} differs from that of {@code x}; {@link #fit(Tensor, Tensor)} also measures it on
 * held-out images.
 *
 * <p>Defaults: L∞, ξ = 10/255 (the paper's ξ = 10 on 0..255 images), target fooling rate 0.8 (the paper's
 * {@code 1 − δ} with δ = 0.2), at most 5 passes, batches of 32.
 *
 * <pre>{@code
 * UniversalPerturbation.Result r = UniversalPerturbation.of(model).withXi(0.1).fit(train, test);
 * System.out.println("fooling rate on held-out images: " + r.heldOutFoolingRate());
 * ImageIO.write(AttackFigures.universal(r), "png", new File("universal.png"));
 * }</pre>
 */
public final class UniversalPerturbation {
    /** The default L∞ radius, 10/255. */
    public static final double DEFAULT_XI = 10 / 255.0;
    /** The default target fooling rate, 0.8. */
    public static final double DEFAULT_FOOLING_RATE = 0.8;
    /** The default number of passes, 5. */
    public static final int DEFAULT_PASSES = 5;
    /** DeepFool's step budget inside the loop, 10. */
    public static final int DEEPFOOL_STEPS = 10;

    private final Model model;
    private final ImageSpace space;
    private final Norm norm;
    private final double xi;
    private final double foolingRate;
    private final int passes;
    private final int batchSize;
    private final long seed;

    /**
     * A fitted perturbation.
     *
     * @param perturbation       {@code v}, {@code [C, H, W]} image-space values within the ξ-ball
     * @param norm               the norm of the ball
     * @param xi                 its radius
     * @param trainFoolingRate   the fooling rate on the training images
     * @param heldOutFoolingRate the fooling rate on the held-out images, or NaN if none were given
     * @param passes             the passes made over the training images
     * @param provenance         method, options, seed and model
     * @param interrupted        whether the thread was interrupted: the fit stopped early and {@code passes} says how far
     */
    public record Result(Tensor perturbation, Norm norm, double xi, double trainFoolingRate, double heldOutFoolingRate,
                         int passes, Provenance provenance, boolean interrupted) {

        /**
         * One line for JShell and logs, e.g. {@code "UniversalPerturbation.Result[L∞ ξ=0.0392 (10.0/255) on [1, 28,
         * 28], fooling rate 0.812 on the training images, 0.780 held out, 3 passes]"}.
         *
         * @return the description (never the perturbation's values)
         */
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "UniversalPerturbation.Result[%s ξ=%.4g (%.1f/255) on %s, fooling rate %.3f on the "
                    + "training images, %s, %d passes%s]", norm == Norm.LINF ? "L∞" : "L2", xi, 255 * xi, Arrays.toString(perturbation.shape()),
                    trainFoolingRate, Double.isNaN(heldOutFoolingRate) ? "none held out"
                            : String.format(Locale.ROOT, "%.3f held out", heldOutFoolingRate), passes,
                    interrupted ? ", interrupted" : "");
        }
    }

    private UniversalPerturbation(Model model, Norm norm, double xi, double foolingRate, int passes, int batchSize, long seed) {
        if (model == null || norm == null) {
            throw new IllegalArgumentException("model and norm must not be null");
        }
        AttackBase.checkEpsilon("xi", xi);
        if (!(foolingRate > 0 && foolingRate <= 1)) {
            throw new IllegalArgumentException("the target fooling rate must be in (0, 1], found " + foolingRate);
        }
        AttackBase.checkSteps("passes", passes);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + batchSize);
        }
        AttackBase.classCount(model);
        this.model = model;
        this.space = ImageSpace.of(model.inputSpec());
        this.norm = norm;
        this.xi = xi;
        this.foolingRate = foolingRate;
        this.passes = passes;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /** @return the method on {@code model} with the defaults */
    public static UniversalPerturbation of(Model model) {
        return new UniversalPerturbation(model, Norm.LINF, DEFAULT_XI, DEFAULT_FOOLING_RATE, DEFAULT_PASSES,
                AttackBase.DEFAULT_BATCH_SIZE, AttackBase.DEFAULT_SEED);
    }

    /** @return a copy bounding {@code v} in this norm */
    public UniversalPerturbation withNorm(Norm n) {
        return new UniversalPerturbation(model, n, xi, foolingRate, passes, batchSize, seed);
    }

    /** @return a copy with this radius (image units, at least 0) */
    public UniversalPerturbation withXi(double x) {
        return new UniversalPerturbation(model, norm, x, foolingRate, passes, batchSize, seed);
    }

    /** @return a copy stopping at this training fooling rate (in (0, 1]) */
    public UniversalPerturbation withFoolingRate(double r) {
        return new UniversalPerturbation(model, norm, xi, r, passes, batchSize, seed);
    }

    /** @return a copy making at most this many passes (at least 1) */
    public UniversalPerturbation withPasses(int p) {
        return new UniversalPerturbation(model, norm, xi, foolingRate, p, batchSize, seed);
    }

    /** @return a copy running DeepFool on this many images per pass (at least 1) */
    public UniversalPerturbation withBatchSize(int b) {
        return new UniversalPerturbation(model, norm, xi, foolingRate, passes, b, seed);
    }

    /** @return a copy with this seed (the order of the images) */
    public UniversalPerturbation withSeed(long s) {
        return new UniversalPerturbation(model, norm, xi, foolingRate, passes, batchSize, s);
    }

    /** @return the norm */
    public Norm norm() {
        return norm;
    }

    /** @return ξ */
    public double xi() {
        return xi;
    }

    /** @return the target fooling rate */
    public double foolingRate() {
        return foolingRate;
    }

    /** @return the most passes */
    public int passes() {
        return passes;
    }

    /** @return the batch size */
    public int batchSize() {
        return batchSize;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** Fits on {@code train} without held-out images. */
    public Result fit(Tensor train) {
        return fit(train, null);
    }

    /**
     * Fits a perturbation on {@code train} and measures it on {@code heldOut}.
     *
     * @param train   {@code [N, C, H, W]} image-space images in [0, 1]
     * @param heldOut the same form, or null
     * @throws IllegalArgumentException if a tensor does not fit the model's image space
     */
    public Result fit(Tensor train, Tensor heldOut) {
        float[] x = check("training", train);
        float[] h = heldOut == null ? null : check("held-out", heldOut);
        int len = space.imageLength();
        int n = x.length / len;
        int[] clean = predict(x, null);
        float[] v = new float[len];
        SplittableRandom random = new SplittableRandom(seed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        double rate = 0;
        int made = 0;
        int b = Math.min(batchSize, n);
        int k = AttackBase.classCount(model);
        float[] xb = new float[b * len];
        float[] out = new float[b * len];
        int[] labels = new int[b];
        boolean[] attack = new boolean[b];
        try (GradientEngine engine = new GradientEngine(model, space, b, k)) {
            while (made < passes && rate < foolingRate) {
                for (int i = n - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                for (int start = 0; start < n && !Thread.currentThread().isInterrupted(); start += b) {
                    int m = Math.min(b, n - start);
                    // A short last batch is padded with its first image, not attacked (one engine size per run).
                    for (int i = 0; i < b; i++) {
                        int src = order[start + (i < m ? i : 0)];
                        labels[i] = clean[src];
                        attack[i] = i < m;
                        for (int q = 0; q < len; q++) {
                            xb[i * len + q] = Math.max(0f, Math.min(1f, x[src * len + q] + v[q]));
                        }
                    }
                    DeepFool.run(engine, xb, labels, attack, DEEPFOOL_STEPS, DeepFool.DEFAULT_OVERSHOOT,
                            DeepFool.DEFAULT_CANDIDATES, out);
                    for (int i = 0; i < m; i++) {
                        for (int q = 0; q < len; q++) {
                            v[q] += out[i * len + q] - xb[i * len + q];
                        }
                        norm.projectBall(v, 0, len, xi);
                    }
                }
                made++;
                rate = foolingRate(x, clean, v);
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
            }
        }
        boolean interrupted = Thread.currentThread().isInterrupted();
        double held = h == null ? Double.NaN : foolingRate(h, predict(h, null), v);
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("norm", norm.name());
        opts.put("xi", String.valueOf(xi));
        opts.put("targetFoolingRate", String.valueOf(foolingRate));
        opts.put("passes", String.valueOf(passes));
        opts.put("batchSize", String.valueOf(batchSize));
        opts.put("trainImages", String.valueOf(n));
        opts.put("heldOutImages", String.valueOf(h == null ? 0 : h.length / len));
        Provenance prov = new Provenance("Universal perturbation", opts, "", seed, model.source(), Instant.now());
        return new Result(Tensor.of(v, space.imageShape()), norm, xi, rate, held, made, prov, interrupted);
    }

    /**
     * @return the share of {@code images} whose top class under {@code clip(x + v)} differs from {@code clean}
     */
    private double foolingRate(float[] images, int[] clean, float[] v) {
        int[] after = predict(images, v);
        int fooled = 0;
        for (int i = 0; i < after.length; i++) {
            if (after[i] != clean[i]) {
                fooled++;
            }
        }
        return (double) fooled / after.length;
    }

    /**
     * The fooling rate of a perturbation on images.
     *
     * @param images       {@code [N, C, H, W]} image-space images
     * @param perturbation {@code [C, H, W]}
     * @return the share of images whose top class changes under {@code clip(x + v)}
     */
    public double foolingRate(Tensor images, Tensor perturbation) {
        float[] x = check("", images);
        if (!Arrays.equals(perturbation.shape(), space.imageShape())) {
            throw new IllegalArgumentException("the perturbation must be " + Arrays.toString(space.imageShape())
                    + ", found " + Arrays.toString(perturbation.shape()));
        }
        return foolingRate(x, predict(x, null), perturbation.data());
    }

    /** @return the top class of every image ({@code clip(x + v)} when {@code v} is not null) */
    private int[] predict(float[] x, float[] v) {
        int len = space.imageLength();
        int n = x.length / len;
        int k = AttackBase.classCount(model);
        int b = Math.min(batchSize, n);
        int[] out = new int[n];
        float[] xb = new float[b * len];
        try (GradientEngine engine = new GradientEngine(model, space, b, k)) {
            for (int start = 0; start < n; start += b) {
                int m = Math.min(b, n - start);
                for (int i = 0; i < b; i++) {
                    int src = start + (i < m ? i : 0);
                    for (int q = 0; q < len; q++) {
                        float u = x[src * len + q];
                        xb[i * len + q] = v == null ? u : Math.max(0f, Math.min(1f, u + v[q]));
                    }
                }
                double[] z = engine.scores(xb);
                for (int i = 0; i < m; i++) {
                    out[start + i] = AttackBase.argMax(z, i, k);
                }
            }
        }
        return out;
    }

    private float[] check(String what, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException("the " + what + " images must not be null");
        }
        int[] s = t.shape();
        int[] want = space.imageShape();
        if (s.length != 4 || !Arrays.equals(Arrays.copyOfRange(s, 1, 4), want)) {
            throw new IllegalArgumentException("the " + what + " images must be [N, " + want[0] + ", " + want[1] + ", "
                    + want[2] + "] in [0, 1], found " + Arrays.toString(s));
        }
        float[] v = t.data();
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] >= 0 && v[i] <= 1)) {
                throw new IllegalArgumentException("the " + what + " images must be in [0, 1], found " + v[i] + " at index " + i);
            }
        }
        return v;
    }
}
