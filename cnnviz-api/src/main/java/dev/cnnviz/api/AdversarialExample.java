package dev.cnnviz.api;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Locale;

/**
 * The result of an {@link Attack} on one image: the original and the adversarial image (image space, {@code [0, 1]},
 * see {@link Attack}), the target, the model's class and probability before and after, the steps used, whether the
 * attack succeeded, and how it was made. The perturbation and its norms are derived from the two images, so they
 * always agree with them.
 *
 * <pre>{@code
 * AdversarialExample a = Fgsm.of(model).attack(image);
 * ImageIO.write(a.adversarialImage(), "png", new File("adv.png"));
 * System.out.printf("%s -> %s, L∞ = %.4f (%.1f grey levels)%n", a.before(), a.after(), a.linf(), 255 * a.linf());
 * }</pre>
 *
 * @param original    the image attacked, {@code [C, H, W]} in {@code [0, 1]} (C = 3 RGB or 1 grey)
 * @param adversarial the adversarial image, same shape, in {@code [0, 1]}
 * @param target      {@link Target#topClass()} for an untargeted attack, else the class aimed at
 * @param trueClass   the class an untargeted attack moved away from (the clean image's top class, or the given
 *                    true class); for a targeted attack the clean image's top class
 * @param before      the model's top class and its probability on the original
 * @param after       the model's top class and its probability on the adversarial image
 * @param steps       gradient steps used for this image (at most the attack's budget; fewer when it stopped early)
 * @param success     untargeted: the top class after is not {@code trueClass}; targeted: it is the target
 * @param provenance  the attack, its options (ε, α, steps, norm …), the seed and the model
 * @param interrupted whether the thread was interrupted during the attack: the run stopped early and returned the
 *                    images it had (valid, within the budget; {@code steps} says how far it got)
 */
public record AdversarialExample(Tensor original, Tensor adversarial, Target target, int trueClass,
                                 Prediction before, Prediction after, int steps, boolean success,
                                 Provenance provenance, boolean interrupted) {

    /** An example of an attack that ran to its end (not {@linkplain #interrupted() interrupted}). */
    public AdversarialExample(Tensor original, Tensor adversarial, Target target, int trueClass,
                              Prediction before, Prediction after, int steps, boolean success, Provenance provenance) {
        this(original, adversarial, target, trueClass, before, after, steps, success, provenance, false);
    }

    /**
     * A top class and its probability.
     *
     * @param classIndex  the class index
     * @param label       its label, or "" if the model has none
     * @param probability its softmax probability
     */
    public record Prediction(int classIndex, String label, double probability) {
        /** Validates. */
        public Prediction {
            if (classIndex < 0) {
                throw new IllegalArgumentException("class index must not be negative, found " + classIndex);
            }
            if (!(probability >= 0 && probability <= 1)) {
                throw new IllegalArgumentException("probability must be in [0, 1], found " + probability);
            }
            label = label == null ? "" : label;
        }

        /** @return e.g. {@code "285 Egyptian cat (p=0.762)"}. */
        @Override
        public String toString() {
            return classIndex + (label.isEmpty() ? "" : " " + label)
                    + String.format(Locale.ROOT, " (p=%.3f)", probability);
        }
    }

    /** Validates: both images {@code [C, H, W]} of the same shape with values in {@code [0, 1]}. */
    public AdversarialExample {
        if (original == null || adversarial == null || target == null || before == null || after == null
                || provenance == null) {
            throw new IllegalArgumentException("an adversarial example needs both images, a target, both predictions "
                    + "and provenance");
        }
        if (original.rank() != 3 || !Arrays.equals(original.shape(), adversarial.shape())) {
            throw new IllegalArgumentException("the original and adversarial images must both be [C, H, W] of one shape, found "
                    + Arrays.toString(original.shape()) + " and " + Arrays.toString(adversarial.shape()));
        }
        if (original.size(0) != 1 && original.size(0) != 3) {
            throw new IllegalArgumentException("images must have 1 or 3 channels, found " + original.size(0));
        }
        checkUnit("original", original);
        checkUnit("adversarial", adversarial);
        if (steps < 0) {
            throw new IllegalArgumentException("steps must not be negative, found " + steps);
        }
    }

    private static void checkUnit(String what, Tensor t) {
        float[] v = t.data();
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] > 1) {
                throw new IllegalArgumentException("the " + what + " image has value " + v[i] + " at index " + i
                        + ", outside [0, 1]");
            }
        }
    }

    /** @return whether the attack was targeted (the target is a class). */
    public boolean targeted() {
        return !(target instanceof Target.TopClass);
    }

    /** @return the perturbation {@code adversarial − original}, {@code [C, H, W]}. */
    public Tensor perturbation() {
        float[] a = adversarial.data();
        float[] o = original.data();
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - o[i];
        }
        return Tensor.of(d, original.shape());
    }

    /** @return the L∞ norm of the perturbation, {@code max |δ_i|}, in image units (1 = the full range). */
    public double linf() {
        float[] a = adversarial.data();
        float[] o = original.data();
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - o[i]));
        }
        return m;
    }

    /** @return the L2 norm of the perturbation, {@code sqrt(Σ δ_i²)} over all channels and pixels. */
    public double l2() {
        float[] a = adversarial.data();
        float[] o = original.data();
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - o[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    /** @return the L0 "norm" of the perturbation: how many values (channels × pixels) changed. */
    public long l0() {
        float[] a = adversarial.data();
        float[] o = original.data();
        long n = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] != o[i]) {
                n++;
            }
        }
        return n;
    }

    /** @return the original as an 8-bit image ({@code round(255 v)}; RGB, or grey for one channel). */
    public BufferedImage originalImage() {
        return toImage(original);
    }

    /** @return the adversarial image as an 8-bit image (rounding may undo perturbations under half a grey level). */
    public BufferedImage adversarialImage() {
        return toImage(adversarial);
    }

    /**
     * An image-space tensor {@code [C, H, W]} in {@code [0, 1]} as an 8-bit image: {@code round(255 v)} per channel,
     * {@code TYPE_INT_RGB} for three channels, {@code TYPE_BYTE_GRAY} for one.
     *
     * @throws IllegalArgumentException if the shape is not {@code [1 or 3, H, W]}
     */
    public static BufferedImage toImage(Tensor chw) {
        if (chw.rank() != 3 || (chw.size(0) != 1 && chw.size(0) != 3)) {
            throw new IllegalArgumentException("expected an image tensor [1 or 3, H, W], found " + Arrays.toString(chw.shape()));
        }
        int c = chw.size(0);
        int h = chw.size(1);
        int w = chw.size(2);
        int plane = h * w;
        float[] v = chw.data();
        BufferedImage out = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        if (c == 1) {
            int[] g = new int[plane];
            for (int i = 0; i < plane; i++) {
                g[i] = to8(v[i]);
            }
            out.getRaster().setSamples(0, 0, w, h, 0, g);
            return out;
        }
        int[] rgb = new int[plane];
        for (int i = 0; i < plane; i++) {
            rgb[i] = to8(v[i]) << 16 | to8(v[plane + i]) << 8 | to8(v[2 * plane + i]);
        }
        out.setRGB(0, 0, w, h, rgb, 0, w);
        return out;
    }

    private static int to8(float v) {
        return (int) Math.round(Math.max(0, Math.min(1, v)) * 255.0);
    }

    /**
     * One line for JShell and logs: whether it was targeted, then {@link #describe()} with the L0 norm, e.g.
     * {@code "AdversarialExample[PGD (L∞), untargeted: 285 Egyptian cat (p=0.762) -> 283 Persian cat (p=0.410),
     * L∞ 0.0078, L2 1.32, L0 9120 of 150528, 10 steps, success]"}.
     *
     * @return the description (never the pixels)
     */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "AdversarialExample[%s, %s: %s -> %s, L∞ %.4g, L2 %.4g, L0 %d of %d, %d steps, %s%s]",
                provenance.method(), targeted() ? "targeted at " + target.describe() : "untargeted", before, after,
                linf(), l2(), l0(), original.length(), steps, success ? "success" : "failure",
                interrupted ? ", interrupted" : "");
    }

    /** @return one line: e.g. {@code "PGD (L∞): 285 Egyptian cat (p=0.762) -> 283 Persian cat (p=0.41), L∞ 0.0078, L2 1.32, 10 steps, success"}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s: %s -> %s, L∞ %.4g, L2 %.4g, %d steps, %s", provenance.method(), before,
                after, linf(), l2(), steps, success ? "success" : "failure");
    }
}
