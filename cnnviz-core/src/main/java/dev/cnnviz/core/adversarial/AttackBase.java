package dev.cnnviz.core.adversarial;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Attack;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.TargetResolver;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The template of every attack: it turns images and image-space tensors into batches in {@code [0, 1]} (see
 * {@link Attack} for the image space), validates targets, runs the leaf's {@link #run} on batches of
 * {@link #batchSize()} images with one {@link GradientEngine} per batch, optionally quantizes the results to 8 bits,
 * evaluates the model before and after, and builds the {@link AdversarialExample}s with provenance;
 * {@link #perturb} returns the adversarial images alone, without the pass after.
 *
 * <p>Options common to all attacks, as immutable copies: {@link #withBatchSize} (default
 * {@value #DEFAULT_BATCH_SIZE} images per pass), {@link #withQuantize} (default off: results are exact floats; on,
 * they are rounded to 8-bit grey levels, clipped again, and judged after rounding) and {@link #withSeed} (default
 * {@value #DEFAULT_SEED}; the same seed gives the same result bit for bit). A batch runs to its last step even when
 * some of its images have stopped (those are left as they are, and their own step counts are reported).
 *
 * @param <A> the attack's own type, returned by the {@code withX} methods
 */
public abstract class AttackBase<A extends AttackBase<A>> implements Attack {
    /** The default number of images per forward and backward pass. */
    public static final int DEFAULT_BATCH_SIZE = 32;
    /** The default random seed. */
    public static final long DEFAULT_SEED = 13L;
    /** The most steps any attack accepts (each is at least one forward and backward pass). */
    public static final int MAX_STEPS = 100_000;

    /** The model attacked. */
    protected final Model model;
    /** Its image space. */
    protected final ImageSpace space;
    /** The options common to all attacks. */
    protected final Settings settings;
    private final int classes;
    /**
     * Engines kept between calls, by batch size (allocating one, with its native input array, cost a batch-1 FGSM
     * 0.2 ms, 2% of its pass): at most one per core for each size, each used by one call at a time.
     */
    private final ConcurrentHashMap<Integer, ConcurrentLinkedDeque<GradientEngine>> engines = new ConcurrentHashMap<>();

    /**
     * The options common to all attacks.
     *
     * @param batchSize images per pass, at least 1
     * @param quantize  whether results are rounded to 8 bits
     * @param seed      the random seed
     */
    protected record Settings(int batchSize, boolean quantize, long seed) {
        /** Validates. */
        public Settings {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, found " + batchSize);
            }
        }

        /** @return the defaults */
        static Settings defaults() {
            return new Settings(DEFAULT_BATCH_SIZE, false, DEFAULT_SEED);
        }
    }

    /**
     * @param model    the model
     * @param settings the common options
     * @throws IllegalArgumentException if the model is null or its scores node is not {@code [N, classes]}
     */
    protected AttackBase(Model model, Settings settings) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        this.model = model;
        this.space = ImageSpace.of(model.inputSpec());
        this.settings = settings;
        this.classes = classCount(model);
    }

    /** @return the number of classes of the model (the size of its scores node for one image). */
    static int classCount(Model model) {
        long[] s = model.graph().shapes(model.inputSpec().batchShape(1)).get(model.graph().scoresNode());
        long k = 1;
        for (int d = 1; d < s.length; d++) {
            k *= s[d];
        }
        if (s.length < 2 || k < 2 || k > Integer.MAX_VALUE || s[1] != k) {
            throw new IllegalArgumentException("attacks need class scores [N, classes] at the scores node '"
                    + model.graph().scoresNode() + "', found " + Arrays.toString(s));
        }
        return (int) k;
    }

    /** @return a copy of this attack with other common options */
    protected abstract A with(Settings newSettings);

    /** @return the attack's own options by name, for provenance (ε, α, steps …) */
    protected abstract Map<String, String> options();

    /**
     * Runs the attack on one batch.
     *
     * @param b the batch: clean images, classes, and {@code adv} to fill (it holds a copy of the clean images)
     * @return the steps used by each image
     */
    protected abstract int[] run(Batch b);

    /**
     * Whether {@link #run} starts with a gradient at the clean images. Then the clean scores come from a
     * gradient-capable forward pass that {@code run} takes over with {@link Batch#takeCleanPass()}, instead of an
     * inference pass followed by a second forward pass at the same images (FGSM: one forward + input gradient, and
     * the pass that checks the result). Default false.
     */
    protected boolean gradientAtClean() {
        return false;
    }

    /**
     * Whether {@link #run} leaves every adversarial value in {@code [0, 1]} and none NaN, so that the pass after it
     * that clips and refuses NaN is not needed (on a batch-1 FGSM it cost 1% of the call). Default false.
     */
    protected boolean resultsInRange() {
        return false;
    }

    /** @return whether this attack can aim at a class (DeepFool cannot) */
    protected boolean supportsTargets() {
        return true;
    }

    /** @return the model attacked */
    public Model model() {
        return model;
    }

    /** @return the image space the attack works in */
    public ImageSpace imageSpace() {
        return space;
    }

    /** @return images per forward and backward pass */
    public int batchSize() {
        return settings.batchSize();
    }

    /** @return whether results are quantized to 8 bits */
    public boolean quantize() {
        return settings.quantize();
    }

    /** @return the random seed */
    public long seed() {
        return settings.seed();
    }

    /**
     * @return a copy attacking {@code n} images per pass
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public A withBatchSize(int n) {
        return with(new Settings(n, settings.quantize(), settings.seed()));
    }

    /** @return a copy that rounds its results to 8-bit grey levels ({@code round(255 u) / 255}) when {@code q} */
    public A withQuantize(boolean q) {
        return with(new Settings(settings.batchSize(), q, settings.seed()));
    }

    /** @return a copy with another random seed */
    public A withSeed(long seed) {
        return with(new Settings(settings.batchSize(), settings.quantize(), seed));
    }

    /** The work of one batch, handed to {@link #run}. */
    protected static final class Batch {
        final GradientEngine engine;
        /** Images in this batch. */
        final int n;
        /** The clean images, {@code [n, C, H, W]} in [0, 1] (do not modify). */
        final float[] x0;
        /** The adversarial images, to be written; holds a copy of {@code x0} at first. */
        final float[] adv;
        /** Per image: the class to move away from (untargeted) or towards (targeted). */
        final int[] cls;
        /** Per image: whether the attack is targeted. */
        final boolean[] targeted;
        /** The batch's random numbers. */
        final SplittableRandom random;
        /** The open forward pass at {@code x0} when {@link #gradientAtClean()}, until taken; else null. */
        private GradientEngine.Pass clean;

        Batch(GradientEngine engine, float[] x0, int[] cls, boolean[] targeted, SplittableRandom random) {
            this.engine = engine;
            this.n = cls.length;
            this.x0 = x0;
            this.adv = engine.adversarialBuffer();   // the engine's: valid until the engine is returned to the pool
            System.arraycopy(x0, 0, adv, 0, x0.length);
            this.cls = cls;
            this.targeted = targeted;
            this.random = random;
        }

        /**
         * The forward pass at the clean images (its scores are the clean scores), for the caller to close: present
         * once when the attack's {@link #gradientAtClean()} is true, otherwise a fresh pass at {@code x0}.
         */
        GradientEngine.Pass takeCleanPass() {
            GradientEngine.Pass p = clean;
            clean = null;
            return p != null ? p : engine.forward(x0);
        }

        /** @return values per image */
        int length() {
            return x0.length / n;
        }

        /** @return whether image {@code i} meets the attack's goal given scores {@code z} ({@code [n · K]}) */
        boolean reached(double[] z, int i) {
            int top = argMax(z, i, engine.classes());
            return targeted[i] ? top == cls[i] : top != cls[i];
        }
    }

    @Override
    public List<AdversarialExample> attackAll(List<BufferedImage> images, List<Target> targets) {
        if (images == null || images.isEmpty()) {
            throw new IllegalArgumentException("at least one image is needed, found " + images);
        }
        List<Target> expanded = expand(targets, images.size());
        List<AdversarialExample> out = new ArrayList<>(images.size());
        for (int start = 0; start < images.size(); start += batchSize()) {
            int end = Math.min(images.size(), start + batchSize());
            float[] u = space.fromImages(images.subList(start, end));
            out.addAll(attackBatch(u, expanded.subList(start, end), null, start));
        }
        return out;
    }

    @Override
    public List<AdversarialExample> attackTensor(Tensor images, List<Target> targets) {
        float[] all = checkImages(images);
        int n = all.length / space.imageLength();
        return attackFlat(all, expand(targets, n), null);
    }

    @Override
    public List<AdversarialExample> attackLabelled(Tensor images, int[] trueClasses) {
        float[] all = checkImages(images);
        int n = all.length / space.imageLength();
        if (trueClasses == null || trueClasses.length != n) {
            throw new IllegalArgumentException("give one true class per image (" + n + "), found "
                    + (trueClasses == null ? "null" : trueClasses.length));
        }
        for (int c : trueClasses) {
            checkClass(c);
        }
        return attackFlat(all, java.util.Collections.nCopies(n, Target.topClass()), trueClasses);
    }

    /**
     * Attacks image-space values, {@code [N, C, H, W]} row-major, already validated.
     *
     * @param trueClasses per image, or null to use the clean top class for untargeted images
     */
    List<AdversarialExample> attackFlat(float[] all, List<Target> targets, int[] trueClasses) {
        int len = space.imageLength();
        int n = all.length / len;
        List<AdversarialExample> out = new ArrayList<>(n);
        for (int start = 0; start < n; start += batchSize()) {
            int end = Math.min(n, start + batchSize());
            float[] u = Arrays.copyOfRange(all, start * len, end * len);
            out.addAll(attackBatch(u, targets.subList(start, end),
                    trueClasses == null ? null : Arrays.copyOfRange(trueClasses, start, end), start));
        }
        return out;
    }

    /** {@inheritDoc} Batches of {@link #batchSize()} images, as {@link #attackTensor}. */
    @Override
    public Tensor perturb(Tensor images, List<Target> targets) {
        int n = checkShape(images);
        int len = space.imageLength();
        List<Target> expanded = expand(targets, n);
        int[] shape = space.imageShape();
        int[] outShape = {n, shape[0], shape[1], shape[2]};
        float[] out = n <= batchSize() ? null : new float[n * len];
        for (int start = 0; start < n; start += batchSize()) {
            int end = Math.min(n, start + batchSize());
            GradientEngine engine = borrowEngine(end - start);
            // the images go straight into the engine's buffer: no copy of the whole tensor, no array per call
            float[] u = engine.cleanBuffer();
            images.copyTo(start * len, u, 0, (end - start) * len);
            checkRange(u, start * len);
            Attacked a = attackInEngine(engine, u, expanded.subList(start, end), null, start);
            if (out == null) {
                Tensor t = Tensor.of(a.b.adv, outShape);   // one batch: its images are the answer (Tensor.of copies)
                returnEngine(engine);
                return t;
            }
            System.arraycopy(a.b.adv, 0, out, start * len, a.b.adv.length);
            returnEngine(engine);
        }
        return Tensor.of(out, outShape);
    }

    /**
     * An engine for batches of {@code n}, from the pool or new. Give it back with {@link #returnEngine} when the call
     * succeeded; after an exception it is left to the garbage collector (its passes are closed by their owners, but
     * nothing else is known of its state).
     */
    private GradientEngine borrowEngine(int n) {
        GradientEngine e = engines.computeIfAbsent(n, k -> new ConcurrentLinkedDeque<>()).poll();
        return e != null ? e : new GradientEngine(model, space, n, classes);
    }

    private void returnEngine(GradientEngine e) {
        ConcurrentLinkedDeque<GradientEngine> pool = engines.get(e.batch());
        if (pool.size() < Runtime.getRuntime().availableProcessors()) {
            pool.offer(e);
        } else {
            e.close();
        }
    }

    /** A batch after the leaf's run: its clean scores, reference classes and clipped (quantized) images. */
    private record Attacked(Batch b, double[] before, int[] reference, int[] steps) {
    }

    /**
     * Runs the leaf on one batch: clean scores (from the clean gradient pass when the leaf wants it), the
     * per-image classes, the leaf's {@link #run}, then the clip to {@code [0, 1]} and the optional quantization.
     */
    private Attacked attackInEngine(GradientEngine engine, float[] u, List<Target> targets, int[] trueClasses,
                                    int offset) {
        int n = targets.size();
        GradientEngine.Pass cleanPass = null;
        try {
            double[] before;
            if (gradientAtClean()) {
                cleanPass = engine.forward(u);
                before = cleanPass.scores();
            } else {
                before = engine.scores(u);
            }
            int[] cls = new int[n];
            int[] reference = new int[n];
            boolean[] targeted = new boolean[n];
            for (int i = 0; i < n; i++) {
                reference[i] = trueClasses != null ? trueClasses[i] : argMax(before, i, classes);
                targeted[i] = targets.get(i) instanceof Target.ClassIndex;
                cls[i] = targeted[i] ? ((Target.ClassIndex) targets.get(i)).index() : reference[i];
            }
            // One stream per batch, split from the seed in batch order: results do not depend on threads or timing.
            SplittableRandom random = new SplittableRandom(settings.seed() ^ (0x9E3779B97F4A7C15L * (offset + 1)));
            Batch b = new Batch(engine, u, cls, targeted, random);
            b.clean = cleanPass;
            cleanPass = null;
            int[] steps;
            try {
                steps = run(b);
            } finally {
                if (b.clean != null) {
                    b.clean.close();
                    b.clean = null;
                }
            }
            float[] adv = b.adv;
            boolean quantize = settings.quantize();
            for (int i = 0, end = quantize || !resultsInRange() ? adv.length : 0; i < end; i++) {
                float v = adv[i];
                if (!(v >= 0f && v <= 1f)) {   // rare (most leaves clip already): NaN is refused, the rest clipped
                    if (Float.isNaN(v)) {
                        throw new dev.cnnviz.api.NonFiniteResultException("the adversarial image "
                                + (offset + i / space.imageLength()) + " holds NaN");
                    }
                    v = v < 0f ? 0f : 1f;
                    adv[i] = v;
                }
                if (quantize) {
                    adv[i] = Math.max(0f, Math.min(1f, Math.round(v * 255f) / 255f));
                }
            }
            return new Attacked(b, before, reference, steps);
        } finally {
            if (cleanPass != null) {
                cleanPass.close();
            }
        }
    }

    private List<AdversarialExample> attackBatch(float[] u, List<Target> targets, int[] trueClasses, int offset) {
        int n = targets.size();
        GradientEngine engine = borrowEngine(n);
        Attacked a = attackInEngine(engine, u, targets, trueClasses, offset);
        Batch b = a.b;
        boolean interrupted = Thread.currentThread().isInterrupted();
        double[] after = engine.scores(b.adv);
        Provenance prov = new Provenance(name(), allOptions(), "", settings.seed(), model.source(), Instant.now());
        List<AdversarialExample> out = new ArrayList<>(n);
        int len = space.imageLength();
        int[] shape = space.imageShape();
        for (int i = 0; i < n; i++) {
            AdversarialExample.Prediction pb = prediction(a.before, i);
            AdversarialExample.Prediction pa = prediction(after, i);
            boolean success = b.targeted[i] ? pa.classIndex() == b.cls[i] : pa.classIndex() != a.reference[i];
            out.add(new AdversarialExample(
                    Tensor.of(Arrays.copyOfRange(u, i * len, (i + 1) * len), shape),
                    Tensor.of(Arrays.copyOfRange(b.adv, i * len, (i + 1) * len), shape),
                    targets.get(i), b.targeted[i] ? argMax(a.before, i, classes) : a.reference[i], pb, pa,
                    a.steps[i], success, prov, interrupted));
        }
        returnEngine(engine);   // after the copies: b.adv is the engine's buffer
        return out;
    }

    private Map<String, String> allOptions() {
        Map<String, String> m = new LinkedHashMap<>(options());
        m.put("batchSize", String.valueOf(settings.batchSize()));
        m.put("quantize", String.valueOf(settings.quantize()));
        m.put("imageSpace", space.channels() == 1 ? "grey [0,1]" : "RGB [0,1]");
        return m;
    }

    private AdversarialExample.Prediction prediction(double[] z, int i) {
        int top = argMax(z, i, classes);
        double[] p = softmax(z, i, classes);
        return new AdversarialExample.Prediction(top, model.label(top).orElse(""), Math.min(1, Math.max(0, p[top])));
    }

    private List<Target> expand(List<Target> targets, int n) {
        List<Target> t = new TargetResolver(model).expand(targets, n);
        List<Target> out = new ArrayList<>(n);
        for (Target x : t) {
            if (x instanceof Target.ClassIndex c) {
                if (!supportsTargets()) {
                    throw new IllegalArgumentException(name() + " is untargeted: give Target.topClass(), found " + x.describe());
                }
                checkClass(c.index());
            } else if (!(x instanceof Target.TopClass)) {
                throw new IllegalArgumentException("attacks take Target.topClass() (untargeted) or a class, found "
                        + x.describe());
            }
            out.add(x);
        }
        return out;
    }

    private void checkClass(int c) {
        if (c < 0 || c >= classes) {
            throw new IllegalArgumentException("class " + c + " is out of range: the model has " + classes
                    + " classes (0 to " + (classes - 1) + ")");
        }
    }

    /** Validates an image-space tensor and returns its values. */
    private float[] checkImages(Tensor images) {
        checkShape(images);
        float[] v = images.data();
        checkRange(v, 0);
        return v;
    }

    /** Validates an image-space tensor's shape ({@code [N, C, H, W]} or one {@code [C, H, W]}) and returns N. */
    private int checkShape(Tensor images) {
        if (images == null) {
            throw new IllegalArgumentException("images must not be null");
        }
        int[] s = images.shape();
        int[] want = space.imageShape();
        int[] body = s.length == 4 ? Arrays.copyOfRange(s, 1, 4) : s;
        if ((s.length != 3 && s.length != 4) || !Arrays.equals(body, want)) {
            throw new IllegalArgumentException("the model takes image-space batches [N, " + want[0] + ", " + want[1] + ", "
                    + want[2] + "] (" + (want[0] == 1 ? "grey" : "RGB") + " in [0, 1]), found " + Arrays.toString(s));
        }
        return images.length() / space.imageLength();
    }

    /** Checks that image-space values are in [0, 1]; {@code offset} is the first value's index in the caller's tensor. */
    private static void checkRange(float[] v, int offset) {
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] >= 0 && v[i] <= 1)) {
                throw new IllegalArgumentException("image values must be in [0, 1] (image space, before preprocessing), found "
                        + v[i] + " at index " + (offset + i));
            }
        }
    }

    /** @return the index of the largest of the {@code k} scores of row {@code i} */
    static int argMax(double[] z, int i, int k) {
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (z[i * k + c] > z[i * k + best]) {
                best = c;
            }
        }
        return best;
    }

    /** @return the softmax of row {@code i} of {@code [n · k]} scores */
    static double[] softmax(double[] z, int i, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, z[i * k + c]);
        }
        double[] p = new double[k];
        double sum = 0;
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(z[i * k + c] - max);
            sum += p[c];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= sum;
        }
        return p;
    }

    /**
     * Seeds for the gradient of the attack loss {@code J} that attacks ascend: untargeted
     * {@code J = CE(z, y) = −log softmax(z)_y}, targeted {@code J = −CE(z, t)}; {@code ∂CE/∂z = p − onehot}.
     * Rows of inactive images are zero.
     */
    static double[] crossEntropySeed(double[] z, Batch b, boolean[] active) {
        int k = b.engine.classes();
        double[] seed = new double[b.n * k];
        for (int i = 0; i < b.n; i++) {
            if (active != null && !active[i]) {
                continue;
            }
            double[] p = softmax(z, i, k);
            double sign = b.targeted[i] ? -1 : 1;
            for (int c = 0; c < k; c++) {
                seed[i * k + c] = sign * (p[c] - (c == b.cls[i] ? 1 : 0));
            }
        }
        return seed;
    }

    /** @return {@code sign(v)} with {@code sign(0) = 0} */
    static float sign(float v) {
        return v > 0 ? 1f : v < 0 ? -1f : 0f;
    }

    /** Checks an ε: finite and not negative. */
    static double checkEpsilon(String what, double eps) {
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException(what + " must be a finite number >= 0 (image units, 8/255 = eight grey levels), found " + eps);
        }
        return eps;
    }

    /** Checks a step count. */
    static int checkSteps(String what, int steps) {
        if (steps < 1 || steps > MAX_STEPS) {
            throw new IllegalArgumentException(what + " must be between 1 and " + MAX_STEPS + ", found " + steps);
        }
        return steps;
    }

    /** Checks a positive step size. */
    static double checkPositive(String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be a positive finite number, found " + v);
        }
        return v;
    }

    @Override
    public String toString() {
        return name() + allOptions();
    }
}
