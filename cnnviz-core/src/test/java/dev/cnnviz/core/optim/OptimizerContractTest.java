package dev.cnnviz.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.NonFiniteResultException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What every optimizer promises: argument checks, the listener, the trace, determinism, non-finite values. */
class OptimizerContractTest {
    static Stream<Optimizer> optimizers() {
        return Stream.of(GradientDescent.of(1e-3), NormalizedGradientStep.l2().withLearningRate(0.01),
                NormalizedGradientStep.l1Mean(), Adam.create().withLearningRate(0.01), Lbfgs.create());
    }

    /** A seeded noisy function (like a jittered objective): the same seed gives the same sequence of values. */
    private static DifferentiableFunction noisyRosenbrock(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return (x, g) -> {
            double f = TestFunctions.ROSENBROCK.evaluate(x, g);
            double shift = random.nextDouble(-1e-3, 1e-3);
            for (int i = 0; i < g.length; i++) {
                g[i] += shift;
                f += shift * x[i];
            }
            return f;
        };
    }

    @ParameterizedTest
    @MethodSource("optimizers")
    void sameInputsAndSeedGiveBitIdenticalPointsAndTraces(Optimizer o) {
        double[] x1 = TestFunctions.rosenbrockStart(6);
        double[] x2 = TestFunctions.rosenbrockStart(6);
        OptimizationTrace t1 = o.minimize(noisyRosenbrock(42), x1, 30, StepListener.NONE);
        OptimizationTrace t2 = o.minimize(noisyRosenbrock(42), x2, 30, StepListener.NONE);
        assertTrue(Arrays.equals(x1, x2), o + ": " + Arrays.toString(x1) + " vs " + Arrays.toString(x2));
        assertEquals(t1, t2);
        assertEquals(t1.hashCode(), t2.hashCode());
        double[] x3 = TestFunctions.rosenbrockStart(6);
        o.minimize(noisyRosenbrock(43), x3, 30, StepListener.NONE);
        assertFalse(Arrays.equals(x1, x3), o + ": another seed should give another point");
    }

    @ParameterizedTest
    @MethodSource("optimizers")
    void oneOptimizerServesSeveralThreadsAtOnce(Optimizer o) throws Exception {
        double[] reference = TestFunctions.rosenbrockStart(8);
        o.minimize(TestFunctions.ROSENBROCK, reference, 50, StepListener.NONE);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<double[]>> runs = pool.invokeAll(java.util.Collections.nCopies(8, () -> {
                double[] x = TestFunctions.rosenbrockStart(8);
                o.minimize(TestFunctions.ROSENBROCK, x, 50, StepListener.NONE);
                return x;
            }));
            for (Future<double[]> r : runs) {
                assertArrayEquals(reference, r.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource("optimizers")
    void aListenerReturningFalseAtStepOneLeavesExactlyOneStep(Optimizer o) {
        double[] once = TestFunctions.rosenbrockStart(4);
        OptimizationTrace one = o.minimize(TestFunctions.ROSENBROCK, once, 1, StepListener.NONE);
        assertEquals(1, one.steps());

        double[] x = TestFunctions.rosenbrockStart(4);
        int[] calls = {0};
        OptimizationTrace t = o.minimize(TestFunctions.ROSENBROCK, x, 100, (step, loss, p) -> {
            calls[0]++;
            return false;
        });
        assertEquals(1, calls[0]);
        assertEquals(1, t.steps());
        assertTrue(t.stoppedEarly());
        assertEquals(1, t.losses().length);
        assertArrayEquals(once, x, o.toString());
        assertFalse(Arrays.equals(TestFunctions.rosenbrockStart(4), x), "one step was applied");
        assertEquals(TestFunctions.ROSENBROCK.evaluate(TestFunctions.rosenbrockStart(4), new double[4]), t.losses()[0]);
        assertEquals(TestFunctions.ROSENBROCK.evaluate(x, new double[4]), t.finalLoss());
    }

    @ParameterizedTest
    @MethodSource("optimizers")
    void aListenerCanStopARunLater(Optimizer o) {
        double[] x = TestFunctions.rosenbrockStart(4);
        double[][] last = new double[1][];
        OptimizationTrace t = o.minimize(TestFunctions.ROSENBROCK, x, 100, (step, loss, p) -> {
            last[0] = p.clone();
            return step < 5;
        });
        assertEquals(5, t.steps());
        assertTrue(t.stoppedEarly());
        assertArrayEquals(last[0], x, "x holds the point after the last step");
        assertEquals(TestFunctions.ROSENBROCK.evaluate(x, new double[4]), t.finalLoss());
    }

    @ParameterizedTest
    @MethodSource("optimizers")
    void aFullRunIsNotStoppedEarlyAndZeroStepsMoveNothing(Optimizer o) {
        double[] x = TestFunctions.rosenbrockStart(4);
        OptimizationTrace t = o.minimize(TestFunctions.ROSENBROCK, x, 3, StepListener.NONE);
        assertEquals(3, t.steps());
        assertFalse(t.stoppedEarly());
        double[] y = TestFunctions.rosenbrockStart(4);
        OptimizationTrace z = o.minimize(TestFunctions.ROSENBROCK, y, 0, StepListener.NONE);
        assertEquals(0, z.steps());
        assertFalse(z.stoppedEarly());
        assertArrayEquals(TestFunctions.rosenbrockStart(4), y);
        assertEquals(t.losses()[0], z.finalLoss());
        assertEquals(z.finalLoss(), z.initialLoss());
    }

    @ParameterizedTest
    @MethodSource("optimizers")
    void badArgumentsAreRefusedNamingTheValue(Optimizer o) {
        DifferentiableFunction f = TestFunctions.ROSENBROCK;
        assertMessage(() -> o.minimize(f, new double[] {1, 2}, -1, StepListener.NONE), "steps must be >= 0, found -1");
        assertMessage(() -> o.minimize(null, new double[] {1, 2}, 1, StepListener.NONE), "function to minimize must not be null");
        assertMessage(() -> o.minimize(f, null, 1, StepListener.NONE), "x must not be null");
        assertMessage(() -> o.minimize(f, new double[0], 1, StepListener.NONE), "at least one coordinate, found 0");
        assertMessage(() -> o.minimize(f, new double[] {1, Double.NaN}, 1, StepListener.NONE), "x[1] = NaN");
        assertMessage(() -> o.minimize(f, new double[] {Double.NEGATIVE_INFINITY, 1}, 1, StepListener.NONE),
                "x[0] = -Infinity");
        assertMessage(() -> o.minimize(f, new double[] {1, 2}, 1, null), "listener must not be null");
    }

    @ParameterizedTest
    @MethodSource("optimizers")
    void aNanValueThrowsNonFiniteResultException(Optimizer o) {
        int[] calls = {0};
        DifferentiableFunction f = (x, g) -> {
            double v = TestFunctions.ROSENBROCK.evaluate(x, g);
            return ++calls[0] >= 3 ? Double.NaN : v;
        };
        NonFiniteResultException e = assertThrows(NonFiniteResultException.class,
                () -> o.minimize(f, TestFunctions.rosenbrockStart(2), 10, StepListener.NONE));
        assertTrue(e.getMessage().contains("function value") && e.getMessage().contains("is NaN"), e.getMessage());
        NonFiniteResultException first = assertThrows(NonFiniteResultException.class,
                () -> o.minimize((x, g) -> Double.POSITIVE_INFINITY, new double[] {1}, 10, StepListener.NONE));
        assertTrue(first.getMessage().contains("at the starting point") || first.getMessage().contains("before step 1"),
                first.getMessage());
    }

    @ParameterizedTest
    @MethodSource("optimizers")
    void aNanGradientThrowsNonFiniteResultException(Optimizer o) {
        DifferentiableFunction f = (x, g) -> {
            g[0] = Double.NaN;
            g[1] = 1;
            return 1;
        };
        NonFiniteResultException e = assertThrows(NonFiniteResultException.class,
                () -> o.minimize(f, new double[] {1, 2}, 10, StepListener.NONE));
        assertTrue(e.getMessage().contains("gradient") && e.getMessage().contains("1 NaN values (of 2)"), e.getMessage());
    }

    @Test
    void anUpdateThatOverflowsThrowsNamingTheCoordinate() {
        // ascend along x[1] from near the largest double: the normalized step (of L2 or mean-absolute size lr), and
        // plain gradient descent, take it to infinity
        DifferentiableFunction f = (x, g) -> {
            g[0] = 0;
            g[1] = -1;
            return 0;
        };
        for (Optimizer o : List.of(NormalizedGradientStep.l2().withLearningRate(1e308),
                NormalizedGradientStep.l1Mean().withLearningRate(1e307), GradientDescent.of(1e308))) {
            NonFiniteResultException e = assertThrows(NonFiniteResultException.class,
                    () -> o.minimize(f, new double[] {1, 1.7e308}, 3, StepListener.NONE), o.toString());
            assertTrue(e.getMessage().contains("step 1 made x[1] Infinity"), e.getMessage());
        }
    }

    @Test
    void aFunctionThatChecksItsGradientIsNotCheckedAgain() {
        // a function that claims to check its gradient, and lies: the gradient pass is skipped, so the NaN surfaces
        // only in the point the step makes
        DifferentiableFunction liar = new DifferentiableFunction() {
            @Override
            public double evaluate(double[] x, double[] g) {
                g[0] = Double.NaN;
                g[1] = 0;
                return 1;
            }

            @Override
            public boolean checksGradient() {
                return true;
            }
        };
        NonFiniteResultException e = assertThrows(NonFiniteResultException.class,
                () -> GradientDescent.of(0.1).minimize(liar, new double[] {1, 2}, 3, StepListener.NONE));
        assertTrue(e.getMessage().contains("step 1 made x[0] NaN"), e.getMessage());
    }

    @Test
    void learningRatesAreValidatedNamingTheValue() {
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            String found = "found " + bad;
            assertMessage(() -> GradientDescent.of(bad), found);
            assertMessage(() -> GradientDescent.of(1).withLearningRate(bad), found);
            assertMessage(() -> NormalizedGradientStep.l2().withLearningRate(bad), found);
            assertMessage(() -> NormalizedGradientStep.l1Mean().withLearningRate(bad), found);
            assertMessage(() -> Adam.create().withLearningRate(bad), found);
        }
        assertMessage(() -> Adam.create().withLearningRate(-0.5), "learning rate must be a finite number > 0, found -0.5");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
