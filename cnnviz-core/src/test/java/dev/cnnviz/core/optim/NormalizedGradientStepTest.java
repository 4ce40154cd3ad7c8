package dev.cnnviz.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.optim.NormalizedGradientStep.Norm;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NormalizedGradientStepTest {
    /** A linear function with a fixed random gradient of the given scale: every step sees the same g. */
    private static DifferentiableFunction linear(double[] g0) {
        return (x, g) -> {
            double f = 0;
            for (int i = 0; i < x.length; i++) {
                g[i] = g0[i];
                f += g0[i] * x[i];
            }
            return f;
        };
    }

    private static double[] gradient(int n, double scale, long seed) {
        return new SplittableRandom(seed).doubles(n, -1, 1).map(v -> v * scale).toArray();
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e-300, 1e-8, 1, 1e8, 1e300})
    void theL2StepHasL2NormExactlyTheLearningRate(double scale) {
        double[] g0 = gradient(1000, scale, 1);
        double[] x = new double[1000];
        NormalizedGradientStep.l2().withLearningRate(25).minimize(linear(g0), x, 1, StepListener.NONE);
        assertEquals(25, TestFunctions.norm(x), 25 * 1e-14);
        for (int i = 0; i < x.length; i++) {
            assertTrue(x[i] * g0[i] < 0, "the step goes against the gradient at " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e-300, 1e-8, 1, 1e8, 1e300})
    void theL1MeanStepHasUnitMeanAbsoluteValueTimesTheLearningRate(double scale) {
        double[] g0 = gradient(1000, scale, 2);
        double[] x = new double[1000];
        NormalizedGradientStep.l1Mean().minimize(linear(g0), x, 1, StepListener.NONE);
        double meanAbs = 0;
        for (double v : x) {
            meanAbs += Math.abs(v);
        }
        meanAbs /= x.length;
        assertEquals(0.01, meanAbs, 0.01 * 1e-14);
        // the direction is the gradient's: x = -lr g / mean|g|
        double gMeanAbs = 0;
        for (double v : g0) {
            gMeanAbs += Math.abs(v);
        }
        gMeanAbs /= g0.length;
        for (int i = 0; i < x.length; i++) {
            assertEquals(-0.01 * g0[i] / gMeanAbs, x[i], 1e-15);
        }
    }

    @Test
    void everyStepOfARunHasTheSameSize() {
        double[] x = new SplittableRandom(4).doubles(50, -3, 3).toArray();
        double[][] prev = {x.clone()};
        NormalizedGradientStep.l2().withLearningRate(0.1).minimize(TestFunctions.ROSENBROCK, x, 20, (step, loss, p) -> {
            double s = 0;
            for (int i = 0; i < p.length; i++) {
                s += (p[i] - prev[0][i]) * (p[i] - prev[0][i]);
            }
            assertEquals(0.1, Math.sqrt(s), 1e-12, "step " + step);
            prev[0] = p.clone();
            return true;
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"L2", "L1_MEAN"})
    void aZeroGradientTakesNoStepAndGivesNoNan(String norm) {
        double[] x = {0.5, -2, 3};
        OptimizationTrace t = NormalizedGradientStep.of(Norm.valueOf(norm)).minimize(
                linear(new double[3]), x, 4, StepListener.NONE);
        assertArrayEquals(new double[] {0.5, -2, 3}, x);
        assertEquals(4, t.steps());
        assertEquals(0.0, t.finalLoss());
    }

    @ParameterizedTest
    @ValueSource(strings = {"L2", "L1_MEAN"})
    void stepsDecreaseTheLossOfAQuadratic(String norm) {
        SplittableRandom random = new SplittableRandom(9);
        int n = 10;
        double[][] a = TestFunctions.randomSpd(n, random);
        double[] xStar = random.doubles(n, -2, 2).toArray();
        double[] x = new double[n];
        double lr = Norm.valueOf(norm) == Norm.L2 ? 0.05 : 0.02;
        OptimizationTrace t = NormalizedGradientStep.of(Norm.valueOf(norm)).withLearningRate(lr)
                .minimize(TestFunctions.quadratic(a, TestFunctions.times(a, xStar)), x, 200, StepListener.NONE);
        double[] losses = t.losses();
        for (int k = 1; k < 20; k++) {
            assertTrue(losses[k] < losses[k - 1], "step " + k + ": " + losses[k] + " after " + losses[k - 1]);
        }
        assertTrue(t.finalLoss() < losses[0] - 0.99 * (losses[0] - minimum(a, xStar)), t.toString());
        // a fixed step size ends in a neighbourhood of the minimizer of about that size
        assertTrue(TestFunctions.maxDiff(x, xStar) < 20 * lr, "distance " + TestFunctions.maxDiff(x, xStar));
    }

    @Test
    void stepsDecreaseTheRosenbrockLoss() {
        for (Norm norm : Norm.values()) {
            double[] x = TestFunctions.rosenbrockStart(10);
            OptimizationTrace t = NormalizedGradientStep.of(norm).withLearningRate(norm == Norm.L2 ? 1e-2 : 1e-3)
                    .minimize(TestFunctions.ROSENBROCK, x, 500, StepListener.NONE);
            assertTrue(t.finalLoss() < 0.5 * t.losses()[0], norm + ": " + t);
        }
    }

    /** f(x*) = -½ x*ᵀAx* for f = ½ xᵀAx − (Ax*)ᵀx. */
    private static double minimum(double[][] a, double[] xStar) {
        double[] ax = TestFunctions.times(a, xStar);
        double s = 0;
        for (int i = 0; i < ax.length; i++) {
            s += ax[i] * xStar[i];
        }
        return -0.5 * s;
    }

    @Test
    void defaultsAndOptions() {
        assertEquals(Norm.L2, NormalizedGradientStep.l2().norm());
        assertEquals(1.0, NormalizedGradientStep.l2().learningRate());
        assertEquals(Norm.L1_MEAN, NormalizedGradientStep.l1Mean().norm());
        assertEquals(0.01, NormalizedGradientStep.l1Mean().learningRate());
        NormalizedGradientStep s = NormalizedGradientStep.l1Mean().withLearningRate(1.5);
        assertEquals(1.5, s.learningRate());
        assertEquals(Norm.L2, s.withNorm(Norm.L2).norm());
        assertEquals(1.5, s.withNorm(Norm.L2).learningRate());
        assertEquals(0.01, NormalizedGradientStep.l1Mean().learningRate());
        assertEquals(NormalizedGradientStep.l2(), NormalizedGradientStep.of(Norm.L2));
        assertEquals(NormalizedGradientStep.l2().hashCode(), NormalizedGradientStep.of(Norm.L2).hashCode());
        assertFalse(NormalizedGradientStep.l2().equals(NormalizedGradientStep.l1Mean()));
        assertEquals("NormalizedGradientStep[norm=L1_MEAN, learningRate=1.5]", s.toString());
        assertSame(Norm.L2, Norm.valueOf("L2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NormalizedGradientStep.of(null));
        assertTrue(e.getMessage().contains("norm must not be null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.withNorm(null));
        assertTrue(e.getMessage().contains("norm must not be null"), e.getMessage());
    }
}
