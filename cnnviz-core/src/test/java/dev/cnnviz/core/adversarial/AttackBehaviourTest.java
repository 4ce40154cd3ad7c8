package dev.cnnviz.core.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.ResourceLimitException;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad input, reproducibility, batching and the figures. */
class AttackBehaviourTest {
    final Model m = AttackNets.reluNet(7, 3);
    final Tensor imgs = AttackNets.images(8, 0, 1, 4, 3, 4, 4);

    static void assertMessage(IllegalArgumentException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention '" + p + "'");
        }
    }

    @Test
    void badInputIsAClearError() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> Fgsm.of(m).withEpsilon(-0.1)), "-0.1");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> Pgd.of(m).withEpsilon(Double.NaN)), "NaN");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> Pgd.of(m).withSteps(0)), "steps", "0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> DeepFool.of(m).withSteps(-3)), "-3");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> CarliniWagner.of(m).withSteps(0)), "0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> FoolingImage.of(m).withSteps(0)), "0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> Pgd.of(m).withAlpha(0)), "alpha", "0");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Fgsm.of(m).attackTensor(imgs, List.of(Target.classIndex(3)))), "class 3", "3 classes");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> FoolingImage.of(m).withTargetClass(7)), "7");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> FoolingImage.of(m).attackTensor(imgs, List.of(Target.topClass()))), "target class");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> DeepFool.of(m).attackTensor(imgs, List.of(Target.classIndex(1)))), "untargeted");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Fgsm.of(m).attackTensor(AttackNets.images(1, 0, 1, 1, 3, 5, 4), List.of(Target.topClass()))),
                "[N, 3, 4, 4]", "[1, 3, 5, 4]");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Fgsm.of(m).attackTensor(AttackNets.images(1, 0, 2, 1, 3, 4, 4), List.of(Target.topClass()))),
                "[0, 1]");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Fgsm.of(m).attackTensor(imgs, List.of(Target.channel("r1", 0)))), "topClass");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Fgsm.of(m).attackLabelled(imgs, new int[] {0, 1})), "4", "2");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> UniversalPerturbation.of(m).withXi(-1)), "-1");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> RobustnessCurve.of(e -> Fgsm.of(m).withEpsilon(e)).withEpsilons(0, -2)), "-2");
    }

    @Test
    void anOversizedBatchIsRefusedBeforeAllocation() {
        Model small = m.withGraph(m.graph().withMemoryBudget(MemoryBudget.ofBytes(2000)));
        ResourceLimitException e = assertThrows(ResourceLimitException.class,
                () -> Pgd.of(small).attackTensor(imgs, List.of(Target.topClass())));
        assertTrue(e.getMessage().contains("batch"), e.getMessage());
    }

    @Test
    void theSameSeedGivesTheSameImagesBitForBitAndBatchingDoesNotChangeThem() {
        List<AdversarialExample> a = Pgd.of(m).withSeed(3).attackTensor(imgs, List.of(Target.topClass()));
        List<AdversarialExample> b = Pgd.of(m).withSeed(3).attackTensor(imgs, List.of(Target.topClass()));
        List<AdversarialExample> c = Pgd.of(m).withSeed(4).attackTensor(imgs, List.of(Target.topClass()));
        boolean differs = false;
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(a.get(i).adversarial().data(), b.get(i).adversarial().data());
            differs |= !Arrays.equals(a.get(i).adversarial().data(), c.get(i).adversarial().data());
        }
        assertTrue(differs, "another seed, another random start");
        // Deterministic attacks give the same image whatever the batch size.
        List<AdversarialExample> one = DeepFool.of(m).withBatchSize(1).attackTensor(imgs, List.of(Target.topClass()));
        List<AdversarialExample> all = DeepFool.of(m).attackTensor(imgs, List.of(Target.topClass()));
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(one.get(i).adversarial().data(), all.get(i).adversarial().data(), 1e-6f);
            assertEquals(one.get(i).steps(), all.get(i).steps());
        }
    }

    @Test
    void perturbGivesTheAttacksImagesBitForBitWithoutJudgingThem() {
        List<Target> mixed = List.of(Target.topClass(), Target.classIndex(1), Target.topClass(), Target.classIndex(2));
        for (AttackBase<?> attack : List.<AttackBase<?>>of(Fgsm.of(m).withEpsilon(0.05), Pgd.of(m).withSeed(5).withBatchSize(3),
                Fgsm.of(m).withQuantize(true))) {
            List<AdversarialExample> full = attack.attackTensor(imgs, mixed);
            Tensor adv = attack.perturb(imgs, mixed);
            int[] s = imgs.shape();
            assertArrayEquals(s, adv.shape(), attack.toString());
            int len = s[1] * s[2] * s[3];
            for (int i = 0; i < full.size(); i++) {
                assertArrayEquals(full.get(i).adversarial().data(),
                        java.util.Arrays.copyOfRange(adv.data(), i * len, (i + 1) * len), attack + " image " + i);
            }
        }
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Fgsm.of(m).perturb(imgs, List.of(Target.classIndex(3)))), "class 3", "3 classes");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Fgsm.of(m).perturb(AttackNets.images(1, 0, 2, 1, 3, 4, 4), List.of(Target.topClass()))), "[0, 1]");
    }

    @Test
    void oneAttackCalledFromManyThreadsAtOnceGivesEachCallerItsOwnImages() throws Exception {
        // The attack keeps its engines between calls: concurrent callers must each get one of their own.
        Pgd attack = Pgd.of(m).withSeed(9).withBatchSize(2);
        List<Target> top = List.of(Target.topClass());
        List<Tensor> inputs = new java.util.ArrayList<>();
        List<Tensor> expected = new java.util.ArrayList<>();
        for (int k = 0; k < 8; k++) {
            Tensor t = AttackNets.images(k % 3 + 1, 0, 1, 10 + k, 3, 4, 4);
            inputs.add(t);
            expected.add(attack.perturb(t, top));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 5; round++) {
                List<java.util.concurrent.Future<Tensor>> got = new java.util.ArrayList<>();
                for (Tensor t : inputs) {
                    got.add(pool.submit(() -> attack.perturb(t, top)));
                }
                for (int k = 0; k < inputs.size(); k++) {
                    assertArrayEquals(expected.get(k).data(), got.get(k).get().data(), "call " + k + ", round " + round);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aStoppedImageDoesNotStopTheBatch() {
        // Per-image steps differ when images reach the target at different times; all are reported.
        List<AdversarialExample> r = FoolingImage.of(m).withTargetClass(2).withAlpha(0.01).withSteps(300)
                .attackTensor(AttackNets.images(30, 0, 1, 6, 3, 4, 4), List.of(Target.topClass()));
        int[] steps = r.stream().mapToInt(AdversarialExample::steps).toArray();
        for (AdversarialExample a : r) {
            assertTrue(a.success() || a.steps() == 300, a.describe());
            if (a.before().classIndex() == 2) {
                assertEquals(0, a.steps(), "already the target: no step");
            }
        }
        assertTrue(Arrays.stream(steps).distinct().count() > 1, "images stopped at different steps: " + Arrays.toString(steps));
    }

    @Test
    void universalPerturbationStaysInItsBallAndReportsItsRates() {
        Tensor train = AttackNets.images(40, 0, 1, 24, 3, 4, 4);
        Tensor test = AttackNets.images(41, 0, 1, 16, 3, 4, 4);
        for (Norm norm : Norm.values()) {
            double xi = norm == Norm.LINF ? 0.2 : 1.0;
            UniversalPerturbation up = UniversalPerturbation.of(m).withNorm(norm).withXi(xi).withBatchSize(5).withPasses(3);
            UniversalPerturbation.Result r = up.fit(train, test);
            float[] v = r.perturbation().data();
            assertTrue(norm.of(v, 0, v.length) <= xi * (1 + 1e-5), norm + " norm " + norm.of(v, 0, v.length));
            assertEquals(r.trainFoolingRate(), up.foolingRate(train, r.perturbation()), 1e-9);
            assertEquals(r.heldOutFoolingRate(), up.foolingRate(test, r.perturbation()), 1e-9);
            assertTrue(r.trainFoolingRate() > 0, "DeepFool steps with ξ = " + xi + " fool some images of this net");
            BufferedImage fig = AttackFigures.universal(r, 64);
            assertTrue(fig.getWidth() >= 64 && fig.getHeight() > 64);
        }
    }

    @Test
    void robustnessCurveStartsAtTheCleanAccuracyAndFallsWithEpsilon() {
        Tensor x = AttackNets.images(50, 0, 1, 12, 3, 4, 4);
        RobustnessCurve.Result r = RobustnessCurve.of(e -> Pgd.bim(m).withEpsilon(e).withAlpha(e / 4 + 1e-6))
                .withEpsilons(0, 0.05, 0.3).evaluate(x, null);
        assertEquals(1.0, r.points().get(0).accuracy(), "without labels the clean top classes are the truth");
        assertEquals(0.0, r.points().get(0).successRate());
        assertTrue(r.points().get(2).accuracy() <= r.points().get(0).accuracy());
        assertTrue(r.points().get(2).successRate() > 0, r.table());
        assertTrue(r.table().lines().count() == 4, r.table());
        BufferedImage plot = AttackFigures.robustness(r);
        assertEquals(640, plot.getWidth());
    }

    @Test
    void panelShowsThreeTilesAndTheCaption() {
        AdversarialExample a = Fgsm.of(m).withEpsilon(0.05).attackTensor(imgs, List.of(Target.topClass())).get(0);
        BufferedImage fig = AttackFigures.panel(a, 64);
        assertTrue(fig.getWidth() >= 3 * 64 && fig.getHeight() > 64, fig.getWidth() + "x" + fig.getHeight());
        assertFalse(a.describe().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> AttackFigures.panel(a, 3));
    }
}
