package dev.cnnviz.core.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Known answers on a linear classifier {@code z = W·P(u) + b}, where every gradient has a closed form. */
class LinearKnownAnswersTest {
    static final int C = 3;
    static final int H = 4;
    static final int W = 4;
    static final int LEN = C * H * W;

    /** The image-space gradient of {@code CE(z, y)}: {@code Aᵀ Wᵀ (p − e_y)} with caffe-bgr's A (a = 1·255, BGR). */
    static double[] ceGradient(double[] w, double[] z, int y, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double[] p = new double[k];
        double sum = 0;
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(z[c] - max);
            sum += p[c];
        }
        int plane = H * W;
        double[] g = new double[LEN];
        for (int c = 0; c < k; c++) {
            double coef = p[c] / sum - (c == y ? 1 : 0);
            for (int mc = 0; mc < C; mc++) {
                int src = 2 - mc; // model channel mc (B, G, R) reads image channel 2 - mc
                for (int q = 0; q < plane; q++) {
                    g[src * plane + q] += coef * w[c * LEN + mc * plane + q] * 255;
                }
            }
        }
        return g;
    }

    @Test
    void fgsmIsItsClosedForm() {
        Random r = new Random(5);
        int k = 4;
        double[] w = AttackNets.random(r, k * LEN, 0.01);
        double[] b = AttackNets.random(r, k, 0.5);
        Model m = AttackNets.linear(w, b, C, H, W, Preprocessing.caffeBgr(104, 117, 123));
        Tensor img = AttackNets.images(9, 0, 1, C, H, W);
        double eps = 3 / 255.0;
        for (Target t : List.of(Target.topClass(), Target.classIndex(2))) {
            AdversarialExample a = Fgsm.of(m).withEpsilon(eps).attackTensor(img, List.of(t)).get(0);
            double[] z = AttackNets.scores(m, img);
            int y = t instanceof Target.ClassIndex ci ? ci.index() : AttackNets.argMax(z);
            double sign = t instanceof Target.ClassIndex ? -1 : 1;
            double[] g = ceGradient(w, z, y, k);
            float[] u = img.data();
            float[] got = a.adversarial().data();
            for (int i = 0; i < LEN; i++) {
                double want = Math.max(0, Math.min(1, u[i] + sign * eps * Math.signum(g[i])));
                assertEquals(want, got[i], 1e-6, "value " + i + " for " + t.describe());
            }
            assertEquals(1, a.steps());
        }
    }

    @Test
    void deepFoolReachesTheLinearBoundaryInOneStep() {
        Random r = new Random(11);
        int k = 5;
        double[] w = AttackNets.random(r, k * LEN, 0.01);
        double[] b = AttackNets.random(r, k, 0.3);
        Model m = AttackNets.linear(w, b, C, H, W, AttackNets.rawRgb());
        Tensor img = AttackNets.images(12, 0.4, 0.6, 1, C, H, W);
        AdversarialExample a = DeepFool.of(m).withOvershoot(0).withSteps(1).attackTensor(img, List.of(Target.topClass())).get(0);
        double[] z0 = AttackNets.scores(m, Tensor.of(img.data(), C, H, W));
        double[] z = AttackNets.scores(m, a.adversarial());
        int l = AttackNets.argMax(z0);
        double bestOther = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            if (c != l) {
                bestOther = Math.max(bestOther, z[c]);
            }
        }
        assertTrue(a.linf() < 0.1 && a.l2() > 0, "a small move that the [0, 1] box does not clip: " + a.linf());
        assertEquals(z[l], bestOther, 1e-4, "one step lands on the boundary between the original and the nearest class");
        assertEquals(1, a.steps());
        // With the default overshoot the boundary is crossed.
        AdversarialExample crossed = DeepFool.of(m).attackTensor(img, List.of(Target.topClass())).get(0);
        assertTrue(crossed.success(), crossed.describe());
        assertNotEquals(l, AttackNets.argMax(AttackNets.scores(m, crossed.adversarial())));
    }

    @Test
    void pgdEqualsFgsmOnceItsStepReachesEpsilon() {
        Random r = new Random(21);
        double[] w = AttackNets.random(r, 2 * LEN, 0.01);
        double[] b = {0.2, -0.1};
        Model m = AttackNets.linear(w, b, C, H, W, Preprocessing.caffeBgr(104, 117, 123));
        Tensor imgs = AttackNets.images(22, 0, 1, 3, C, H, W);
        double eps = 4 / 255.0;
        List<AdversarialExample> f = Fgsm.of(m).withEpsilon(eps).attackTensor(imgs, List.of(Target.topClass()));
        for (double alpha : new double[] {eps, 2 * eps}) {
            List<AdversarialExample> p = Pgd.bim(m).withEpsilon(eps).withAlpha(alpha).withSteps(10)
                    .attackTensor(imgs, List.of(Target.topClass()));
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(f.get(i).adversarial().data(), p.get(i).adversarial().data(), 1e-6f,
                        "image " + i + ", alpha " + alpha);
            }
        }
    }

    @Test
    void anInterruptedAttackReturnsValidImagesAndSaysSo() throws Exception {
        Random r = new Random(31);
        double[] w = AttackNets.random(r, 2 * LEN, 0.01);
        Model m = AttackNets.linear(w, new double[] {0.2, -0.1}, C, H, W, Preprocessing.caffeBgr(104, 117, 123));
        Tensor imgs = AttackNets.images(32, 0, 1, 3, C, H, W);
        Pgd pgd = Pgd.of(m).withEpsilon(4 / 255.0).withSteps(10).withBatchSize(2);
        List<AdversarialExample> done = pgd.attackTensor(imgs, List.of(Target.topClass()));
        for (AdversarialExample a : done) {
            assertTrue(!a.interrupted() && a.steps() == 10, "a full run: " + a.steps());
        }
        java.util.concurrent.atomic.AtomicReference<List<AdversarialExample>> got = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            Thread.currentThread().interrupt();
            got.set(pgd.attackTensor(imgs, List.of(Target.topClass())));
        });
        t.start();
        t.join();
        assertEquals(3, got.get().size());
        for (AdversarialExample a : got.get()) {
            assertTrue(a.interrupted(), "the interrupt is reported");
            assertEquals(0, a.steps());
            assertTrue(a.linf() <= 4 / 255.0 + 1e-6, "within the budget: " + a.linf());
        }
    }

    @Test
    void anInterruptedUniversalFitSaysSo() throws Exception {
        Random r = new Random(41);
        double[] w = AttackNets.random(r, 2 * LEN, 0.01);
        Model m = AttackNets.linear(w, new double[] {0.2, -0.1}, C, H, W, Preprocessing.caffeBgr(104, 117, 123));
        Tensor imgs = AttackNets.images(42, 0, 1, 4, C, H, W);
        UniversalPerturbation u = UniversalPerturbation.of(m).withBatchSize(2);
        assertTrue(!u.fit(imgs).interrupted());
        java.util.concurrent.atomic.AtomicReference<UniversalPerturbation.Result> got = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            Thread.currentThread().interrupt();
            got.set(u.fit(imgs));
        });
        t.start();
        t.join();
        assertTrue(got.get().interrupted());
        assertTrue(got.get().passes() <= 1, "stopped in its first pass: " + got.get().passes());
    }

    @Test
    void carliniWagnerAbortsARoundEarlyOnceItsLossStalls() {
        Random r = new Random(51);
        double[] w = AttackNets.random(r, 2 * LEN, 0.01);
        Model m = AttackNets.linear(w, new double[] {0.2, -0.1}, C, H, W, Preprocessing.caffeBgr(104, 117, 123));
        Tensor img = AttackNets.images(52, 0, 1, C, H, W);
        CarliniWagner cw = CarliniWagner.of(m).withBinarySearchSteps(1).withSteps(300).withLearningRate(0.05);
        AdversarialExample full = cw.attackTensor(img, List.of(Target.topClass())).get(0);
        AdversarialExample early = cw.withAbortEarly(true).attackTensor(img, List.of(Target.topClass())).get(0);
        assertEquals(300, full.steps());
        assertTrue(early.steps() < 300 && early.steps() % 30 == 0, "stopped at a check: " + early.steps());
        assertEquals(full.success(), early.success());
        CarliniWagner fb = CarliniWagner.foolbox(m);
        assertEquals(List.of(9, 10_000, 1e-3, 0.0, true),
                List.of(fb.binarySearchSteps(), fb.steps(), fb.initialConst(), fb.confidence(), fb.abortEarly()));
        assertTrue(!CarliniWagner.of(m).abortEarly());
    }
}
