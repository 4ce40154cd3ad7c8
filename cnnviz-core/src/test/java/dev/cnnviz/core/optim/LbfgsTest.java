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

class LbfgsTest {
    private static final Lbfgs TIGHT = Lbfgs.create().withGradientTolerance(1e-10).withFunctionTolerance(0);

    private static double[] ones(int n) {
        double[] v = new double[n];
        Arrays.fill(v, 1);
        return v;
    }

    @Test
    void rosenbrock2dConvergesToTheMinimizerInFewIterations() {
        double[] x = TestFunctions.rosenbrockStart(2);
        Lbfgs.Result r = TIGHT.run(TestFunctions.ROSENBROCK, x, 200, StepListener.NONE);
        System.out.println("L-BFGS Rosenbrock 2-D (tight): " + r.trace().steps() + " iterations, " + r.evaluations()
                + " evaluations, " + r.termination() + ", |x - x*| = " + TestFunctions.maxDiff(x, ones(2)));
        assertTrue(TestFunctions.maxDiff(x, ones(2)) <= 1e-6, Arrays.toString(x));
        assertEquals(Lbfgs.Termination.GRADIENT_TOLERANCE, r.termination());
        assertTrue(r.trace().steps() <= 50, "iterations: " + r.trace().steps());
        assertTrue(r.trace().stoppedEarly());
    }

    @Test
    void rosenbrock10dConvergesToTheMinimizer() {
        double[] x = TestFunctions.rosenbrockStart(10);
        Lbfgs.Result r = TIGHT.run(TestFunctions.ROSENBROCK, x, 500, StepListener.NONE);
        System.out.println("L-BFGS Rosenbrock 10-D (tight): " + r.trace().steps() + " iterations, " + r.evaluations()
                + " evaluations, " + r.termination() + ", |x - x*| = " + TestFunctions.maxDiff(x, ones(10)));
        assertTrue(TestFunctions.maxDiff(x, ones(10)) <= 1e-6, Arrays.toString(x));
        assertTrue(r.trace().steps() <= 100, "iterations: " + r.trace().steps());
    }

    @Test
    void defaultTolerancesStopNearTheRosenbrockMinimizer() {
        double[] x = TestFunctions.rosenbrockStart(2);
        Lbfgs.Result r = Lbfgs.create().run(TestFunctions.ROSENBROCK, x, 200, StepListener.NONE);
        System.out.println("L-BFGS Rosenbrock 2-D (defaults): " + r.trace().steps() + " iterations, " + r.evaluations()
                + " evaluations, " + r.termination() + ", |x - x*| = " + TestFunctions.maxDiff(x, ones(2)));
        assertTrue(r.trace().stoppedEarly());
        assertTrue(TestFunctions.maxDiff(x, ones(2)) <= 1e-3, Arrays.toString(x));
        assertTrue(r.trace().finalLoss() < 1e-7, String.valueOf(r.trace().finalLoss()));
    }

    @Test
    void quadraticConvergesToTheKnownMinimizer() {
        SplittableRandom random = new SplittableRandom(11);
        int n = 20;
        double[][] a = TestFunctions.randomSpd(n, random);
        double[] xStar = random.doubles(n, -2, 2).toArray();
        double[] b = TestFunctions.times(a, xStar);
        double[] x = new double[n];
        Lbfgs.Result r = TIGHT.run(TestFunctions.quadratic(a, b), x, 100, StepListener.NONE);
        System.out.println("L-BFGS quadratic n=20: " + r.trace().steps() + " iterations, " + r.evaluations()
                + " evaluations, " + r.termination() + ", |x - x*| = " + TestFunctions.maxDiff(x, xStar));
        assertTrue(TestFunctions.maxDiff(x, xStar) <= 1e-6);
        assertTrue(r.trace().steps() <= 30, "iterations: " + r.trace().steps());
    }

    @Test
    void theLossesAreTheValuesBeforeEachIterationAndDecrease() {
        double[] x = TestFunctions.rosenbrockStart(2);
        OptimizationTrace t = TIGHT.minimize(TestFunctions.ROSENBROCK, x, 200, StepListener.NONE);
        double[] losses = t.losses();
        assertEquals(24.2, losses[0], 1e-12);   // f(-1.2, 1)
        for (int i = 1; i < losses.length; i++) {
            assertTrue(losses[i] < losses[i - 1], "iteration " + i + ": " + losses[i] + " after " + losses[i - 1]);
        }
        assertTrue(t.finalLoss() < losses[losses.length - 1]);
        assertEquals(t.finalLoss(), TestFunctions.ROSENBROCK.evaluate(x, new double[2]));
    }

    @Test
    void theListenerIsCalledOncePerIterationWithTheLossBefore() {
        double[] x = TestFunctions.rosenbrockStart(2);
        int[] calls = {0};
        double[][] seen = new double[100][];
        OptimizationTrace t = TIGHT.minimize(TestFunctions.ROSENBROCK, x, 100, (step, loss, p) -> {
            assertEquals(++calls[0], step);
            seen[step - 1] = p.clone();
            return true;
        });
        assertEquals(t.steps(), calls[0]);
        double[] g = new double[2];
        for (int k = 1; k < t.steps(); k++) {
            // the loss reported with step k + 1 is f at the point reported after step k
            assertEquals(TestFunctions.ROSENBROCK.evaluate(seen[k - 1], g), t.losses()[k]);
        }
        assertArrayEquals(x, seen[t.steps() - 1]);
    }

    @Test
    void aListenerStopAfterTheFirstIterationLeavesTheFirstIterate() {
        double[] once = TestFunctions.rosenbrockStart(2);
        Lbfgs.Result one = TIGHT.run(TestFunctions.ROSENBROCK, once, 1, StepListener.NONE);
        assertEquals(Lbfgs.Termination.STEPS, one.termination());
        assertFalse(one.trace().stoppedEarly());

        double[] x = TestFunctions.rosenbrockStart(2);
        Lbfgs.Result r = TIGHT.run(TestFunctions.ROSENBROCK, x, 100, (step, loss, p) -> false);
        assertEquals(Lbfgs.Termination.LISTENER, r.termination());
        assertTrue(r.trace().stoppedEarly());
        assertEquals(1, r.trace().steps());
        assertArrayEquals(once, x);
        assertEquals(one.trace().finalLoss(), r.trace().finalLoss());
    }

    @Test
    void sameInputsGiveBitIdenticalResults() {
        double[] x1 = TestFunctions.rosenbrockStart(10);
        double[] x2 = TestFunctions.rosenbrockStart(10);
        Lbfgs.Result r1 = TIGHT.run(TestFunctions.ROSENBROCK, x1, 40, StepListener.NONE);
        Lbfgs.Result r2 = TIGHT.run(TestFunctions.ROSENBROCK, x2, 40, StepListener.NONE);
        assertTrue(Arrays.equals(x1, x2));
        assertEquals(r1, r2);
    }

    @Test
    void aStartAtTheMinimizerTakesNoStep() {
        double[] x = ones(3);
        Lbfgs.Result r = Lbfgs.create().run(TestFunctions.ROSENBROCK, x, 10, StepListener.NONE);
        assertEquals(0, r.trace().steps());
        assertEquals(1, r.evaluations());
        assertEquals(Lbfgs.Termination.GRADIENT_TOLERANCE, r.termination());
        assertTrue(r.trace().stoppedEarly());
        assertEquals(0.0, r.trace().finalLoss());
        assertArrayEquals(ones(3), x);
    }

    @Test
    void zeroStepsEvaluatesOnceAndMovesNothing() {
        double[] x = TestFunctions.rosenbrockStart(2);
        Lbfgs.Result r = Lbfgs.create().run(TestFunctions.ROSENBROCK, x, 0, StepListener.NONE);
        assertEquals(0, r.trace().steps());
        assertEquals(1, r.evaluations());
        assertFalse(r.trace().stoppedEarly());
        assertEquals(24.2, r.trace().finalLoss(), 1e-12);
        assertArrayEquals(TestFunctions.rosenbrockStart(2), x);
    }

    @Test
    void theEvaluationCountIsTheFunctionsCallCount() {
        TestFunctions.Counting f = new TestFunctions.Counting(TestFunctions.ROSENBROCK);
        Lbfgs.Result r = TIGHT.run(f, TestFunctions.rosenbrockStart(2), 100, StepListener.NONE);
        assertEquals(f.calls, r.evaluations());
        assertTrue(r.evaluations() > r.trace().steps());
    }

    @Test
    void aHistoryOfOnePairStillConverges() {
        double[] x = TestFunctions.rosenbrockStart(2);
        Lbfgs.Result r = TIGHT.withHistory(1).run(TestFunctions.ROSENBROCK, x, 1000, StepListener.NONE);
        assertTrue(TestFunctions.maxDiff(x, ones(2)) <= 1e-6, r + " " + Arrays.toString(x));
    }

    @Test
    void aWrongGradientEndsInAFailedLineSearchAtTheLastAcceptedPoint() {
        // the "gradient" points uphill: no step along -g decreases f
        DifferentiableFunction wrong = (x, g) -> {
            g[0] = -2 * x[0];
            return x[0] * x[0];
        };
        double[] x = {1};
        Lbfgs.Result r = Lbfgs.create().run(wrong, x, 10, StepListener.NONE);
        assertEquals(Lbfgs.Termination.LINE_SEARCH_FAILED, r.termination());
        assertTrue(r.trace().stoppedEarly());
        assertEquals(0, r.trace().steps());
        assertArrayEquals(new double[] {1}, x);
        assertEquals(1.0, r.trace().finalLoss());
        assertTrue(r.evaluations() <= 1 + Lbfgs.DEFAULT_MAX_LINE_SEARCH_EVALUATIONS);
    }

    @Test
    void aFlatFunctionStopsOnTheFunctionTolerance() {
        // f decreases by less than 2.2e-9 relative per iteration: |f| ~ 1e6, gradient 1e-4
        DifferentiableFunction flat = (x, g) -> {
            g[0] = 1e-4 * x[0];
            return 1e6 + 0.5e-4 * x[0] * x[0];
        };
        Lbfgs.Result r = Lbfgs.create().withGradientTolerance(0).run(flat, new double[] {1}, 50, StepListener.NONE);
        assertEquals(Lbfgs.Termination.FUNCTION_TOLERANCE, r.termination());
        assertEquals(1, r.trace().steps());
    }

    @Test
    void aNanInTheLineSearchThrowsAndLeavesTheLastAcceptedPoint() {
        // f = -x, finite up to 1.2 and NaN beyond: the first trial, a step of length 1 from 0.5, lands at 1.5
        DifferentiableFunction f = (x, g) -> {
            g[0] = -1;
            return x[0] > 1.2 ? Double.NaN : -x[0];
        };
        double[] x = {0.5};
        NonFiniteResultException e = assertThrows(NonFiniteResultException.class,
                () -> Lbfgs.create().minimize(f, x, 10, StepListener.NONE));
        assertTrue(e.getMessage().contains("line-search point of step 1"), e.getMessage());
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertArrayEquals(new double[] {0.5}, x);
    }

    @Test
    void cubicInterpolationIsExactOnACubic() {
        // p(a) = a^3 - 3a: minimum at 1; p(0) = 0, p'(0) = -3; p(2) = 2, p'(2) = 9
        assertEquals(1.0, Lbfgs.cubicMinimizer(0, 0, -3, 2, 2, 9), 1e-15);
        assertEquals(1.0, Lbfgs.cubicMinimizer(2, 2, 9, 0, 0, -3), 1e-15);
        // a quadratic (a - 0.3)^2 is a cubic with no cubic term
        assertEquals(0.3, Lbfgs.cubicMinimizer(0, 0.09, -0.6, 1, 0.49, 1.4), 1e-15);
        // rising at both ends through an inflection (p' = 3 at 0 and 1, p(1) - p(0) = 2): no local minimum
        assertTrue(Double.isNaN(Lbfgs.cubicMinimizer(0, 0, 3, 1, 2, 3)));
    }

    @Test
    void badOptionsAreRefusedNamingTheValue() {
        Lbfgs l = Lbfgs.create();
        assertMessage(() -> l.withHistory(0), "found 0");
        assertMessage(() -> l.withHistory(1001), "found 1001");
        assertMessage(() -> l.withGradientTolerance(-1), "found -1.0");
        assertMessage(() -> l.withGradientTolerance(Double.NaN), "found NaN");
        assertMessage(() -> l.withFunctionTolerance(Double.POSITIVE_INFINITY), "found Infinity");
        assertMessage(() -> l.withMaxLineSearchEvaluations(0), "found 0");
        assertMessage(() -> l.withWolfe(0.9, 0.1), "c1 = 0.9, c2 = 0.1");
        assertMessage(() -> l.withWolfe(0, 0.9), "c1 = 0.0");
        assertMessage(() -> l.withWolfe(1e-4, 1), "c2 = 1.0");
    }

    @Test
    void optionsAreImmutableCopiesWithValueEquality() {
        Lbfgs a = Lbfgs.create();
        Lbfgs b = a.withHistory(5);
        assertEquals(10, a.history());
        assertEquals(5, b.history());
        assertEquals(a, Lbfgs.create());
        assertEquals(a.hashCode(), Lbfgs.create().hashCode());
        assertFalse(a.equals(b));
        assertEquals(1e-5, a.gradientTolerance());
        assertEquals(2.220446049250313e-9, a.functionTolerance(), 1e-24);
        assertEquals(20, a.maxLineSearchEvaluations());
        assertEquals(1e-4, a.c1());
        assertEquals(0.9, a.c2());
        assertTrue(a.toString().contains("history=10"), a.toString());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
