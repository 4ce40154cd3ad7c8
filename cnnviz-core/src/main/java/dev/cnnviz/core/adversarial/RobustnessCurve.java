package dev.cnnviz.core.adversarial;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Attack;
import dev.cnnviz.api.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * A robustness curve: the model's accuracy and the attack's success rate against ε, over a set of labelled images,
 * for any attack that takes an ε. At each ε the attack runs untargeted from each image's true class
 * ({@link Attack#attackLabelled}); accuracy is the share of images whose top class after the attack is the true
 * class, the success rate the share of the images classified correctly when clean that the attack fools. ε = 0
 * gives the clean accuracy. Without true labels (a folder of photographs), the clean top classes stand in for them,
 * so the clean accuracy is 1 by construction.
 *
 * <pre>{@code
 * RobustnessCurve.Result r = RobustnessCurve.of(eps -> Pgd.of(model).withEpsilon(eps))
 *         .withEpsilons(0, 1 / 255.0, 2 / 255.0, 4 / 255.0, 8 / 255.0)
 *         .evaluate(images, labels);
 * System.out.print(r.table());
 * ImageIO.write(AttackFigures.robustness(r), "png", new File("robustness.png"));
 * }</pre>
 */
public final class RobustnessCurve {
    /** The default ε values: 0, 1, 2, 4, 8 and 16 grey levels. */
    private static final double[] DEFAULT_EPSILONS = {0, 1 / 255.0, 2 / 255.0, 4 / 255.0, 8 / 255.0, 16 / 255.0};

    private final DoubleFunction<? extends Attack> attack;
    private final double[] epsilons;

    /**
     * One point of the curve.
     *
     * @param epsilon     the radius
     * @param accuracy    the share of images whose top class after the attack is the true class
     * @param successRate the share of the clean-correct images that the attack fools (NaN if none was correct)
     */
    public record Point(double epsilon, double accuracy, double successRate) {
    }

    /**
     * The curve.
     *
     * @param attack the attack's name
     * @param images how many images were attacked
     * @param points one point per ε, in the order given
     */
    public record Result(String attack, int images, List<Point> points) {
        /** Copies. */
        public Result {
            points = List.copyOf(points);
        }

        /** @return the curve as a text table: ε (and in grey levels), accuracy, success rate; one row per line */
        public String table() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-10s %-8s %-9s %s%n", "epsilon", "x255",
                    "accuracy", "success"));
            for (Point p : points) {
                sb.append(String.format(Locale.ROOT, "%-10.5f %-8.2f %-9.4f %.4f%n", p.epsilon(), p.epsilon() * 255,
                        p.accuracy(), p.successRate()));
            }
            return sb.toString();
        }
    }

    private RobustnessCurve(DoubleFunction<? extends Attack> attack, double[] epsilons) {
        this.attack = attack;
        this.epsilons = epsilons;
    }

    /**
     * @param attackAtEpsilon the attack with a given ε, e.g. {@code eps -> Fgsm.of(model).withEpsilon(eps)}
     * @return a curve over the default ε values (0 to 16/255)
     */
    public static RobustnessCurve of(DoubleFunction<? extends Attack> attackAtEpsilon) {
        if (attackAtEpsilon == null) {
            throw new IllegalArgumentException("the attack function must not be null");
        }
        return new RobustnessCurve(attackAtEpsilon, DEFAULT_EPSILONS.clone());
    }

    /**
     * @return a copy over these ε values (each finite and at least 0, at least one)
     * @throws IllegalArgumentException naming a bad value
     */
    public RobustnessCurve withEpsilons(double... eps) {
        if (eps == null || eps.length == 0) {
            throw new IllegalArgumentException("give at least one epsilon");
        }
        for (double e : eps) {
            AttackBase.checkEpsilon("epsilon", e);
        }
        return new RobustnessCurve(attack, eps.clone());
    }

    /** @return the ε values */
    public double[] epsilons() {
        return epsilons.clone();
    }

    /**
     * Evaluates the curve.
     *
     * @param images      {@code [N, C, H, W]} image-space images in [0, 1]
     * @param trueClasses one class per image, or null to use the clean top classes
     * @return the curve
     */
    public Result evaluate(Tensor images, int[] trueClasses) {
        List<Point> points = new ArrayList<>();
        String name = "";
        int[] labels = trueClasses;
        for (double eps : epsilons) {
            Attack a = attack.apply(eps);
            name = a.name();
            List<AdversarialExample> r;
            if (labels == null) {
                // Untargeted from the clean top class is attackLabelled with the clean top classes, which it reports.
                r = a.attackTensor(images, List.of(dev.cnnviz.api.Target.topClass()));
                labels = r.stream().mapToInt(e -> e.before().classIndex()).toArray();
            } else {
                r = a.attackLabelled(images, labels);
            }
            int correct = 0;
            int cleanCorrect = 0;
            int fooled = 0;
            for (int i = 0; i < r.size(); i++) {
                AdversarialExample e = r.get(i);
                if (e.after().classIndex() == labels[i]) {
                    correct++;
                }
                if (e.before().classIndex() == labels[i]) {
                    cleanCorrect++;
                    if (e.after().classIndex() != labels[i]) {
                        fooled++;
                    }
                }
            }
            points.add(new Point(eps, (double) correct / r.size(), cleanCorrect == 0 ? Double.NaN : (double) fooled / cleanCorrect));
        }
        return new Result(name, images.rank() == 4 ? images.size(0) : 1, points);
    }

    @Override
    public String toString() {
        return "RobustnessCurve" + Arrays.toString(epsilons);
    }
}
