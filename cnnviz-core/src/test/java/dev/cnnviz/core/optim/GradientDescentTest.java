package dev.cnnviz.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.NonFiniteResultException;
import org.junit.jupiter.api.Test;

class GradientDescentTest {
    @Test
    void iteratesOnAQuadraticMatchTheClosedForm() {
        // A = R diag(1, 4) Rᵀ with R a rotation by θ; x_k − x* = R diag((1 − lr)^k, (1 − 4 lr)^k) Rᵀ (x_0 − x*)
        double theta = 0.3;
        double c = Math.cos(theta);
        double s = Math.sin(theta);
        double[] lambda = {1, 4};
        double[][] a = {
            {c * c * lambda[0] + s * s * lambda[1], c * s * (lambda[0] - lambda[1])},
            {c * s * (lambda[0] - lambda[1]), s * s * lambda[0] + c * c * lambda[1]},
        };
        double[] xStar = {0.7, -1.3};
        DifferentiableFunction f = TestFunctions.quadratic(a, TestFunctions.times(a, xStar));
        double lr = 0.15;
        double[] x0 = {2, 1};
        for (int k : new int[] {1, 2, 5, 20, 60}) {
            double[] x = x0.clone();
            GradientDescent.of(lr).minimize(f, x, k, StepListener.NONE);
            // e = Rᵀ (x0 − x*), scaled per eigenvalue, rotated back
            double e0 = c * (x0[0] - xStar[0]) + s * (x0[1] - xStar[1]);
            double e1 = -s * (x0[0] - xStar[0]) + c * (x0[1] - xStar[1]);
            e0 *= Math.pow(1 - lr * lambda[0], k);
            e1 *= Math.pow(1 - lr * lambda[1], k);
            double[] expected = {xStar[0] + c * e0 - s * e1, xStar[1] + s * e0 + c * e1};
            assertEquals(expected[0], x[0], 1e-13, "k = " + k);
            assertEquals(expected[1], x[1], 1e-13, "k = " + k);
        }
    }

    @Test
    void oneStepIsXMinusLearningRateTimesGradient() {
        double[] x = {1, -2, 3};
        GradientDescent.of(0.25).minimize((p, g) -> {
            g[0] = 4;
            g[1] = -8;
            g[2] = 0;
            return 0;
        }, x, 1, StepListener.NONE);
        assertEquals(0.0, x[0]);
        assertEquals(0.0, x[1]);
        assertEquals(3.0, x[2]);
    }

    @Test
    void anOverflowingStepIsReported() {
        NonFiniteResultException e = assertThrows(NonFiniteResultException.class, () -> GradientDescent.of(1e300)
                .minimize((p, g) -> {
                    g[0] = 1e300;
                    return 0;
                }, new double[] {0}, 2, StepListener.NONE));
        assertTrue(e.getMessage().contains("step 1 made x[0] -Infinity"), e.getMessage());
    }

    @Test
    void options() {
        GradientDescent d = GradientDescent.of(0.1);
        assertEquals(0.1, d.learningRate());
        assertEquals(0.5, d.withLearningRate(0.5).learningRate());
        assertEquals(0.1, d.learningRate());
        assertEquals(d, GradientDescent.of(0.1));
        assertEquals(d.hashCode(), GradientDescent.of(0.1).hashCode());
        assertFalse(d.equals(GradientDescent.of(0.2)));
        assertEquals("GradientDescent[learningRate=0.1]", d.toString());
    }
}
