package dev.cnnviz.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.NonFiniteResultException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdamTest {
    /** f(x) = ½ x0² + 2 x1², gradient (x0, 4 x1). */
    private static final DifferentiableFunction F = (x, g) -> {
        g[0] = x[0];
        g[1] = 4 * x[1];
        return 0.5 * x[0] * x[0] + 2 * x[1] * x[1];
    };

    @Test
    void threeStepsFromZeroMomentsMatchTheHandComputedIterates() {
        // computed with 50-digit decimals from the paper's Algorithm 1: lr 0.1, β1 0.9, β2 0.999, ε 1e-8, x0 (1, -0.5)
        double[][] expected = {
            {9.00000000999999990000e-1, -4.00000000499999997500e-1},
            {8.00412229712337391106e-1, -3.01187420623429340148e-1},
            {7.01586274504414214235e-1, -2.04871250970723129147e-1},
        };
        // the same three steps replayed in IEEE double arithmetic (Python floats), in the order Adam computes them
        double[][] replayed = {
            {0.900000001, -0.4000000005},
            {0.8004122297123382, -0.30118742062343007},
            {0.701586274504415, -0.2048712509707239},
        };
        Adam adam = Adam.create().withLearningRate(0.1);
        for (int steps = 1; steps <= 3; steps++) {
            double[] x = {1, -0.5};
            adam.minimize(F, x, steps, StepListener.NONE);
            for (int i = 0; i < 2; i++) {
                // 1 − β₂ᵗ loses about 13 bits to cancellation (1 − 0.999² = 0.001998999999999973 in doubles): the
                // iterates agree with the exact ones to 1e-15, and with the double replay bit for bit
                assertEquals(expected[steps - 1][i], x[i], 1e-15, "step " + steps + ", x[" + i + "]");
                assertEquals(replayed[steps - 1][i], x[i], "step " + steps + ", x[" + i + "], bit for bit");
            }
        }
        double[] x = {1, -0.5};
        OptimizationTrace t = adam.minimize(F, x, 3, StepListener.NONE);
        // f at the iterates, off by the iterates' rounding above (|∇f| < 2, so < 4e-15)
        assertArrayEquals(new double[] {1.0, 7.25000001699999988000e-1, 5.01757593420126878592e-1}, t.losses(), 4e-15);
        assertEquals(3.30056109235109672618e-1, t.finalLoss(), 4e-15);
    }

    @Test
    void theUpdateRulesPiecesAreThePapersFormulas() {
        // Step 1 from zero moments with g = 2: m = 0.1 * 2, v = 0.001 * 4, corrections 0.1 and 0.001, so m̂ = 2,
        // v̂ = 4 and the step is lr * 2 / (2 + ε).
        assertEquals(0.1, Adam.biasCorrection(0.9, 1), 1e-15);
        assertEquals(1 - 0.999 * 0.999 * 0.999, Adam.biasCorrection(0.999, 3), 1e-15);
        assertEquals(0.0, Adam.biasCorrection(0.0, 1) - 1.0);
        double m = Adam.moment(0.9, 0, 2);
        double v = Adam.moment(0.999, 0, 4);
        assertEquals(0.2, m, 1e-15);
        assertEquals(0.004, v, 1e-15);
        assertEquals(0.05 * 2 / (2 + 1e-8), Adam.step(0.05, 1e-8, m, v, 0.1, 0.001), 1e-15);
        // Later steps blend: 0.9 * 0.2 + 0.1 * (-1).
        assertEquals(0.08, Adam.moment(0.9, m, -1), 1e-15);
        // A zero first moment takes no step, whatever v.
        assertEquals(0.0, Adam.step(1, 1e-8, 0, 5, 0.5, 0.5));
    }

    @Test
    void theFirstStepMovesEveryCoordinateByAboutTheLearningRate() {
        // t = 1: m̂ = g, v̂ = g², so the step is lr · g / (|g| + ε)
        double[] x = {3, -7, 1e-3};
        double[] x0 = x.clone();
        DifferentiableFunction f = (p, g) -> {
            g[0] = 5;
            g[1] = -0.25;
            g[2] = 1e-3;
            return 0;
        };
        Adam.create().withLearningRate(0.05).minimize(f, x, 1, StepListener.NONE);
        assertEquals(x0[0] - 0.05 * 5 / (5 + 1e-8), x[0], 1e-15);
        assertEquals(x0[1] + 0.05 * 0.25 / (0.25 + 1e-8), x[1], 1e-15);
        assertEquals(x0[2] - 0.05 * 1e-3 / (1e-3 + 1e-8), x[2], 1e-15);
    }

    @Test
    void agreesWithPyTorchsArrangementOfTheUpdate() {
        // torch.optim.Adam: x -= (lr / (1 - β1^t)) · m / (√v / √(1 - β2^t) + ε)
        SplittableRandom random = new SplittableRandom(3);
        double[][] a = TestFunctions.randomSpd(6, random);
        double[] b = random.doubles(6, -1, 1).toArray();
        DifferentiableFunction f = TestFunctions.quadratic(a, b);
        double lr = 0.02;
        double[] x = random.doubles(6, -1, 1).toArray();
        double[] torch = x.clone();
        Adam.create().withLearningRate(lr).minimize(f, x, 50, StepListener.NONE);
        double[] m = new double[6];
        double[] v = new double[6];
        double[] g = new double[6];
        for (int t = 1; t <= 50; t++) {
            f.evaluate(torch, g);
            double bc1 = 1 - Math.pow(0.9, t);
            double bc2 = 1 - Math.pow(0.999, t);
            for (int i = 0; i < 6; i++) {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                torch[i] -= lr / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + 1e-8);
            }
        }
        assertArrayEquals(torch, x, 1e-12);
    }

    @Test
    void getsCloseToTheMinimizerOfAQuadratic() {
        SplittableRandom random = new SplittableRandom(5);
        int n = 20;
        double[][] a = TestFunctions.randomSpd(n, random);
        double[] xStar = random.doubles(n, -2, 2).toArray();
        double[] x = new double[n];
        OptimizationTrace t = Adam.create().withLearningRate(0.01)
                .minimize(TestFunctions.quadratic(a, TestFunctions.times(a, xStar)), x, 3000, StepListener.NONE);
        System.out.println("Adam lr 0.01 quadratic n=20, 3000 steps: |x - x*| = " + TestFunctions.maxDiff(x, xStar));
        assertTrue(TestFunctions.maxDiff(x, xStar) < 1e-3, Arrays.toString(x));
        assertFalse(t.stoppedEarly());
        assertEquals(3000, t.steps());
    }

    @Test
    void getsCloseToTheRosenbrockMinimizer() {
        double[] x = TestFunctions.rosenbrockStart(2);
        OptimizationTrace t = Adam.create().withLearningRate(0.01)
                .minimize(TestFunctions.ROSENBROCK, x, 10_000, StepListener.NONE);
        System.out.println("Adam lr 0.01 Rosenbrock 2-D, 10000 steps: |x - x*| = "
                + TestFunctions.maxDiff(x, new double[] {1, 1}) + ", f = " + t.finalLoss());
        assertTrue(TestFunctions.maxDiff(x, new double[] {1, 1}) < 1e-2, Arrays.toString(x));
        assertTrue(t.finalLoss() < 1e-4 * t.losses()[0]);
    }

    @Test
    void aZeroGradientTakesNoStep() {
        double[] x = {1, 2};
        Adam.create().minimize((p, g) -> {
            g[0] = 0;
            g[1] = 0;
            return 1;
        }, x, 5, StepListener.NONE);
        assertArrayEquals(new double[] {1, 2}, x);
    }

    @Test
    void anOverflowingSecondMomentIsReportedNotHidden() {
        NonFiniteResultException e = assertThrows(NonFiniteResultException.class, () -> Adam.create().minimize(
                (p, g) -> {
                    g[0] = 1e200;
                    return 0;
                }, new double[] {0}, 3, StepListener.NONE));
        assertTrue(e.getMessage().contains("second moment of x[0] overflowed at step 1"), e.getMessage());
    }

    @Test
    void optionsAreValidatedImmutableCopies() {
        Adam a = Adam.create();
        assertEquals(1e-3, a.learningRate());
        assertEquals(0.9, a.beta1());
        assertEquals(0.999, a.beta2());
        assertEquals(1e-8, a.epsilon());
        Adam b = a.withLearningRate(0.05).withBetas(0.5, 0.99).withEpsilon(1e-6);
        assertEquals(1e-3, a.learningRate());
        assertEquals(0.05, b.learningRate());
        assertEquals(0.5, b.beta1());
        assertEquals(0.99, b.beta2());
        assertEquals(1e-6, b.epsilon());
        assertEquals(a, Adam.create());
        assertEquals(a.hashCode(), Adam.create().hashCode());
        assertFalse(a.equals(b));
        assertEquals("Adam[learningRate=0.001, beta1=0.9, beta2=0.999, epsilon=1.0E-8]", a.toString());
        assertEquals(0.0, a.withBetas(0, 0).beta1());
        assertMessage(() -> a.withBetas(1, 0.999), "beta1 must be in [0, 1), found 1.0");
        assertMessage(() -> a.withBetas(-0.1, 0.999), "beta1 must be in [0, 1), found -0.1");
        assertMessage(() -> a.withBetas(0.9, 1.5), "beta2 must be in [0, 1), found 1.5");
        assertMessage(() -> a.withBetas(0.9, Double.NaN), "beta2 must be in [0, 1), found NaN");
        assertMessage(() -> a.withEpsilon(0), "epsilon must be a finite number > 0, found 0.0");
        assertMessage(() -> a.withEpsilon(Double.NaN), "found NaN");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
