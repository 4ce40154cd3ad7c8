package dev.cnnviz.core.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Attack;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Properties of every attack on random small nets, images and ε: results are images in [0, 1] within the attack's
 * ε-ball in its norm; "success" means what it says, checked against a fresh forward pass of the adversarial image.
 */
class AttackPropertiesTest {
    enum Kind { FGSM, BIM, PGD_LINF, PGD_L2, FOOL, DEEPFOOL, CW }

    static Attack attack(Kind kind, Model m, double eps, long seed) {
        return switch (kind) {
            case FGSM -> Fgsm.of(m).withEpsilon(eps);
            case BIM -> Pgd.bim(m).withEpsilon(eps).withAlpha(eps / 4 + 1e-4).withSteps(5);
            case PGD_LINF -> Pgd.of(m).withEpsilon(eps).withAlpha(eps / 4 + 1e-4).withSteps(5).withSeed(seed);
            case PGD_L2 -> Pgd.of(m).withNorm(Norm.L2).withEpsilon(eps * 10).withSteps(5).withSeed(seed);
            case FOOL -> FoolingImage.of(m).withTargetClass(1).withEpsilon(eps).withAlpha(eps / 4 + 1e-4).withSteps(20);
            case DEEPFOOL -> DeepFool.of(m).withSteps(10);
            case CW -> CarliniWagner.of(m).withBinarySearchSteps(2).withSteps(10).withLearningRate(0.05);
        };
    }

    @Property(tries = 40)
    void resultsAreValidImagesInTheirBallAndSuccessMeansWhatItSays(@ForAll Kind kind, @ForAll @LongRange(min = 0, max = 1000) long seed,
            @ForAll @DoubleRange(min = 0, max = 0.3) double eps, @ForAll boolean targeted, @ForAll @IntRange(min = 1, max = 3) int n) {
        Model m = AttackNets.reluNet(seed, 3);
        Tensor imgs = AttackNets.images(seed + 1, 0, 1, n, 3, 4, 4);
        boolean canTarget = kind != Kind.DEEPFOOL;
        Target t = targeted && canTarget ? Target.classIndex(2) : Target.topClass();
        if (kind == Kind.FOOL) {
            t = Target.topClass(); // aims at withTargetClass(1)
        }
        List<AdversarialExample> out = attack(kind, m, eps, seed).attackTensor(imgs, List.of(t));
        assertEquals(n, out.size());
        for (AdversarialExample a : out) {
            for (float v : a.adversarial().data()) {
                assertTrue(v >= 0 && v <= 1, kind + ": value " + v + " outside [0, 1]");
            }
            switch (kind) {
                case FGSM, BIM, PGD_LINF, FOOL -> assertTrue(a.linf() <= eps + 1e-6, kind + ": L∞ " + a.linf() + " > ε " + eps);
                case PGD_L2 -> assertTrue(a.l2() <= eps * 10 * (1 + 1e-5) + 1e-6, kind + ": L2 " + a.l2() + " > ε " + eps * 10);
                default -> { }
            }
            double[] z = AttackNets.scores(m, a.adversarial());
            int top = AttackNets.argMax(z);
            assertEquals(top, a.after().classIndex(), kind + ": the reported class after is the model's top class");
            if (a.targeted()) {
                int target = ((Target.ClassIndex) a.target()).index();
                assertEquals(top == target, a.success(), kind + ": targeted success means the top class is the target");
            } else {
                int before = AttackNets.argMax(AttackNets.scores(m, a.original()));
                assertEquals(before, a.trueClass());
                assertEquals(top != before, a.success(), kind + ": untargeted success means the top class changed");
            }
        }
    }

    @Property(tries = 20)
    void quantizedResultsAreEightBitImagesInTheBall(@ForAll @LongRange(min = 0, max = 1000) long seed,
            @ForAll @DoubleRange(min = 0, max = 0.2) double eps) {
        Model m = AttackNets.reluNet(seed, 3);
        Tensor imgs = AttackNets.images(seed, 0, 1, 2, 3, 4, 4);
        // Start from 8-bit images, as real photographs are.
        float[] v = imgs.data();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.round(v[i] * 255) / 255f;
        }
        double e8 = Math.floor(eps * 255) / 255;
        for (AdversarialExample a : Pgd.of(m).withEpsilon(e8).withQuantize(true).withSeed(seed)
                .attackTensor(Tensor.of(v, 2, 3, 4, 4), List.of(Target.topClass()))) {
            for (float x : a.adversarial().data()) {
                assertEquals(Math.round(x * 255) / 255f, x, 0f, "a grey level");
            }
            assertTrue(a.linf() <= e8 + 1e-6, "L∞ " + a.linf() + " > " + e8);
            assertEquals(AttackNets.argMax(AttackNets.scores(m, a.adversarial())), a.after().classIndex());
        }
    }
}
