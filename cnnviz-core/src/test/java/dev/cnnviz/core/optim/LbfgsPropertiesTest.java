package dev.cnnviz.core.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class LbfgsPropertiesTest {
    private static final Lbfgs TIGHT = Lbfgs.create().withGradientTolerance(1e-12).withFunctionTolerance(0);

    /**
     * On f = ½ xᵀAx − bᵀx with a random SPD A of size 2..20, L-BFGS reaches x* = A⁻¹b within 1e-5 relative. (Near x*
     * the function's changes fall below double rounding: with condition numbers up to about 5e3, a point whose f is
     * rounding-exact can still be √(ε·κ) ≈ 1e-6 away in x, where the line search rightly stops; a run at n = 18 ended
     * there at 1.01e-6.)
     */
    @Property(tries = 200)
    void reachesTheMinimizerOfRandomConvexQuadratics(@ForAll @IntRange(min = 2, max = 20) int n,
                                                     @ForAll long seed,
                                                     @ForAll @IntRange(min = 0, max = 3) int conditioning) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] a = TestFunctions.randomSpd(n, random);
        // stretch one eigen-direction to reach condition numbers up to about 5e3
        double stretch = Math.pow(10, conditioning);
        double[] u = random.doubles(n, -1, 1).toArray();
        double un = TestFunctions.norm(u);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] += (stretch - 1) * u[i] * u[j] / (un * un);
            }
        }
        double[] xStar = random.doubles(n, -10, 10).toArray();
        double[] b = TestFunctions.times(a, xStar);
        double[] x = random.doubles(n, -10, 10).toArray();
        Lbfgs.Result r = TIGHT.run(TestFunctions.quadratic(a, b), x, 500, StepListener.NONE);
        double error = 0;
        for (int i = 0; i < n; i++) {
            error += (x[i] - xStar[i]) * (x[i] - xStar[i]);
        }
        error = Math.sqrt(error) / TestFunctions.norm(xStar);
        assertTrue(error <= 1e-5, "n = " + n + ", relative error " + error + ", " + r.termination() + " after "
                + r.trace().steps() + " iterations");
    }
}
