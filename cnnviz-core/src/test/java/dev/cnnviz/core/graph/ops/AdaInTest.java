package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.PoolingTest.arr;
import static dev.cnnviz.core.graph.ops.PoolingTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.GradientCheck;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdaInTest {

    record Case(int n, int c, int h, int w, int h2, int w2, double eps, long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        return Combinators.combine(Arbitraries.integers().between(1, 2), Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 4), Arbitraries.integers().between(2, 4), Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(2, 5), Arbitraries.of(1e-5, 1e-3, 0.1), Arbitraries.longs()).as(Case::new);
    }

    /** Both inputs' gradients against central differences in float64, content and style of different sizes. */
    @Property(tries = 25)
    void gradientMatchesFiniteDifferences(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        INDArray[] in = {GradientCheck.random(rnd, c.n, c.c, c.h, c.w), GradientCheck.random(rnd, c.n, c.c, c.h2, c.w2)};
        GradientCheck.check(new AdaIn(c.eps), in, new boolean[] {true, true}, c.seed, 1e-6, 1e-6, 1e-4, 60);
    }

    /** The output's per-channel mean and sample std are the style's (up to ε), for any content. */
    @Property(tries = 15)
    void outputCarriesTheStyleStatistics(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        INDArray x = GradientCheck.random(rnd, c.n, c.c, c.h, c.w).muli(3).addi(0.7);
        INDArray y = GradientCheck.random(rnd, c.n, c.c, c.h2, c.w2).muli(2).subi(1.5);
        INDArray out = new AdaIn(0).forward(new INDArray[] {x, y});
        assertArrayEquals(x.shape(), out.shape());
        for (int n = 0; n < c.n; n++) {
            for (int ch = 0; ch < c.c; ch++) {
                double[] o = out.get(org.nd4j.linalg.indexing.NDArrayIndex.point(n), org.nd4j.linalg.indexing.NDArrayIndex.point(ch))
                        .dup().data().asDouble();
                double[] s = y.get(org.nd4j.linalg.indexing.NDArrayIndex.point(n), org.nd4j.linalg.indexing.NDArrayIndex.point(ch))
                        .dup().data().asDouble();
                assertEquals(mean(s), mean(o), 1e-9);
                assertEquals(sampleStd(s), sampleStd(o), 1e-9);
            }
        }
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }

    private static double sampleStd(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double d : v) {
            s += (d - m) * (d - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    /**
     * By hand: x = [1, 2, 3, 4] (μ 2.5, sample variance 5/3), y = [0, 2] (μ 1, sample variance 2), ε = 0: out =
     * sqrt(2 / (5/3)) · (x - 2.5) + 1 = sqrt(1.2) · [-1.5, -0.5, 0.5, 1.5] + 1. Gradient for g = [1, 0, 0, 0]:
     * x̂ = [-1.5, -0.5, 0.5, 1.5] / sqrt(5/3), Σ g·x̂ = x̂₀; dx = sqrt(1.2) · (g - 1/4 - x̂ · x̂₀ / 3);
     * dy = x̂₀ · (y - 1) / (1 · sqrt 2) + 1/2.
     */
    @Test
    void handWorkedExample() {
        INDArray x = arr(new double[] {1, 2, 3, 4}, 1, 1, 2, 2);
        INDArray y = arr(new double[] {0, 2}, 1, 1, 1, 2);
        AdaIn op = new AdaIn(0);
        double r = Math.sqrt(1.2);
        assertClose(arr(new double[] {1 - 1.5 * r, 1 - 0.5 * r, 1 + 0.5 * r, 1 + 1.5 * r}, 1, 1, 2, 2), op.forward(new INDArray[] {x, y}), 1e-12);
        double sx = Math.sqrt(5.0 / 3);
        double[] xh = {-1.5 / sx, -0.5 / sx, 0.5 / sx, 1.5 / sx};
        INDArray g = arr(new double[] {1, 0, 0, 0}, 1, 1, 2, 2);
        INDArray[] d = op.backward(new INDArray[] {x, y}, null, g, new boolean[] {true, true});
        double[] dx = new double[4];
        for (int i = 0; i < 4; i++) {
            dx[i] = r * ((i == 0 ? 1 : 0) - 0.25 - xh[i] * xh[0] / 3);
        }
        assertClose(arr(dx, 1, 1, 2, 2), d[0], 1e-12);
        assertClose(arr(new double[] {xh[0] * -1 / Math.sqrt(2) + 0.5, xh[0] * 1 / Math.sqrt(2) + 0.5}, 1, 1, 1, 2), d[1], 1e-12);
    }

    @Test
    void epsilonIsAddedToTheVariance() {
        INDArray x = arr(new double[] {1, 2, 3, 4}, 1, 1, 2, 2);
        INDArray y = arr(new double[] {0, 2}, 1, 1, 1, 2);
        double e = 0.5;
        double r = Math.sqrt(2 + e) / Math.sqrt(5.0 / 3 + e);
        assertClose(arr(new double[] {1 - 1.5 * r, 1 - 0.5 * r, 1 + 0.5 * r, 1 + 1.5 * r}, 1, 1, 2, 2),
                new AdaIn(e).forward(new INDArray[] {x, y}), 1e-12);
        assertEquals(1e-5, AdaIn.standard().epsilon());
    }

    @Test
    void float32Works() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 4);
        INDArray y = Nd4j.rand(DataType.FLOAT, 2, 3, 5, 3);
        INDArray out = AdaIn.standard().forward(new INDArray[] {x, y});
        assertEquals(DataType.FLOAT, out.dataType());
        for (float v : out.data().asFloat()) {
            assertTrue(Float.isFinite(v), "non-finite output " + v);
        }
        // float32 agrees with float64 to float32 rounding
        INDArray ref = AdaIn.standard().forward(new INDArray[] {x.castTo(DataType.DOUBLE), y.castTo(DataType.DOUBLE)});
        assertClose(ref, out.castTo(DataType.DOUBLE), 1e-5);
    }

    @Test
    void badShapesAreNamed() {
        AdaIn op = AdaIn.standard();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> op.outputShape(new long[][] {{1, 4, 8, 8}, {1, 3, 8, 8}}));
        assertTrue(e.getMessage().contains("[1, 3, 8, 8]") && e.getMessage().contains("[1, 4, 8, 8]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> op.outputShape(new long[][] {{1, 4, 1, 1}, {1, 4, 8, 8}}));
        assertTrue(e.getMessage().contains("2 spatial positions"), e.getMessage());
        assertArrayEquals(new long[] {2, 4, 5, 6}, op.outputShape(new long[][] {{2, 4, 5, 6}, {2, 4, 9, 3}}));
        assertThrows(IllegalArgumentException.class, () -> new AdaIn(-1));
        assertThrows(IllegalArgumentException.class, () -> op.forward(new INDArray[] {Nd4j.ones(1, 2, 2, 2)}));
    }
}
