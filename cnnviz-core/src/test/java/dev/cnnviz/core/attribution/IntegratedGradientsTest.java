package dev.cnnviz.core.attribution;

import static dev.cnnviz.core.attribution.GradientTestNets.assertClose;
import static dev.cnnviz.core.attribution.GradientTestNets.assertMap;
import static dev.cnnviz.core.attribution.GradientTestNets.assertTensor;
import static dev.cnnviz.core.attribution.GradientTestNets.d;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.IntegratedGradients.Integration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class IntegratedGradientsTest {
    static final double[] W = SaliencyTest.W;
    static final double[] X = SaliencyTest.X;

    @Test
    void linearModelWithZeroBaselineIsInputTimesWeightsWithZeroDelta() {
        Model m = SaliencyTest.linear();
        Explanation e = IntegratedGradients.of(m).explain(d(X, 1, 3, 2, 2), 0);
        // (x - 0) ⊙ W[0]
        assertTensor(new double[] {0.5, 2, 6, 0, -1, 1, 0.25, 3, -0.5, -2.25, 1, 0.25}, SaliencyTest.CHW, e.attribution(), 1e-6);
        assertMap(new double[] {-1, 0.75, 7.25, 3.25}, 2, 2, e.map(), 1e-6);
        assertTrue(e.signed());
        assertEquals(0, IntegratedGradients.delta(e), 1e-9);
        assertEquals("GAUSS_LEGENDRE", e.provenance().options().get("method"));
        assertEquals("50", e.provenance().options().get("steps"));
        assertEquals("zeros", e.provenance().options().get("baseline"));
    }

    @Test
    void everyExactRuleGivesTheExactAnswerOnALinearModel() {
        Model m = SaliencyTest.linear();
        for (Integration method : new Integration[] {Integration.RIEMANN_LEFT, Integration.RIEMANN_RIGHT,
                Integration.RIEMANN_MIDDLE, Integration.GAUSS_LEGENDRE}) {
            for (int steps : new int[] {2, 3, 7}) {
                Explanation e = IntegratedGradients.of(m).withMethod(method).withSteps(steps).explain(d(X, 1, 3, 2, 2), 1);
                double[] expected = new double[12];
                for (int i = 0; i < 12; i++) {
                    expected[i] = X[i] * W[12 + i];
                }
                assertTensor(expected, SaliencyTest.CHW, e.attribution(), 1e-6);
                assertEquals(0, IntegratedGradients.delta(e), 1e-9, method + " " + steps);
            }
        }
    }

    @Test
    void captumsTrapezoidWeightsSumToOneMinusOneOverN() {
        // Captum's riemann_trapezoid: step 1/n with halved ends, so a linear model gets (1 - 1/n)·(x - x')⊙w.
        Model m = SaliencyTest.linear();
        Explanation e = IntegratedGradients.of(m).withMethod(Integration.RIEMANN_TRAPEZOID).withSteps(4)
                .explain(d(X, 1, 3, 2, 2), 0);
        double[] expected = new double[12];
        for (int i = 0; i < 12; i++) {
            expected[i] = 0.75 * X[i] * W[i];
        }
        assertTensor(expected, SaliencyTest.CHW, e.attribution(), 1e-6);
        assertEquals(-0.25 * 10.25, IntegratedGradients.delta(e), 1e-9);
    }

    @Test
    void blackAndTensorBaselines() {
        Preprocessing p = new Preprocessing(ChannelOrder.RGB, 1 / 255.0, new double[] {0.5, 0.25, 0.125},
                new double[] {0.5, 0.25, 0.5});
        Model m = SaliencyTest.linear().withPreprocessing(p);
        // black = (0 - mean) / std = (-1, -1, -0.25) per channel
        double[] black = {-1, -1, -1, -1, -1, -1, -1, -1, -0.25, -0.25, -0.25, -0.25};
        Explanation e = IntegratedGradients.of(m).withBaseline(Baseline.black()).explain(d(X, 1, 3, 2, 2), 0);
        double[] expected = new double[12];
        for (int i = 0; i < 12; i++) {
            expected[i] = (X[i] - black[i]) * W[i];
        }
        // e.g. channel 0: (1.5, 0, 3, 1) ⊙ (1, -2, 3, 0.5) = (1.5, 0, 9, 0.5)
        assertEquals(1.5, expected[0], 0);
        assertEquals(9, expected[2], 0);
        assertTensor(expected, SaliencyTest.CHW, e.attribution(), 1e-6);
        assertEquals(0, IntegratedGradients.delta(e), 1e-9);
        assertEquals("black", e.provenance().options().get("baseline"));

        float[] base = new float[12];
        for (int i = 0; i < 12; i++) {
            base[i] = i * 0.25f - 1;
        }
        Explanation t = IntegratedGradients.of(m).withBaseline(Baseline.of(Tensor.of(base, 1, 3, 2, 2)))
                .explain(d(X, 1, 3, 2, 2), 1);
        for (int i = 0; i < 12; i++) {
            expected[i] = (X[i] - base[i]) * W[12 + i];
        }
        assertTensor(expected, SaliencyTest.CHW, t.attribution(), 1e-6);
        assertEquals(0, IntegratedGradients.delta(t), 1e-9);
    }

    @Test
    void quadratureNodesAndWeights() {
        assertArrayEquals(new double[] {0, .25, .5, .75}, Integration.RIEMANN_LEFT.alphas(4), 1e-15);
        assertArrayEquals(new double[] {.25, .5, .75, 1}, Integration.RIEMANN_RIGHT.alphas(4), 1e-15);
        assertArrayEquals(new double[] {.125, .375, .625, .875}, Integration.RIEMANN_MIDDLE.alphas(4), 1e-15);
        assertArrayEquals(new double[] {0, 1 / 3.0, 2 / 3.0, 1}, Integration.RIEMANN_TRAPEZOID.alphas(4), 1e-15);
        assertArrayEquals(new double[] {.25, .25, .25, .25}, Integration.RIEMANN_LEFT.weights(4), 1e-15);
        assertArrayEquals(new double[] {.125, .25, .25, .125}, Integration.RIEMANN_TRAPEZOID.weights(4), 1e-15);

        assertArrayEquals(new double[] {0.5}, Integration.GAUSS_LEGENDRE.alphas(1), 1e-15);
        assertArrayEquals(new double[] {1}, Integration.GAUSS_LEGENDRE.weights(1), 1e-15);
        double r = 0.5 / Math.sqrt(3);
        assertArrayEquals(new double[] {0.5 - r, 0.5 + r}, Integration.GAUSS_LEGENDRE.alphas(2), 1e-15);
        assertArrayEquals(new double[] {0.5, 0.5}, Integration.GAUSS_LEGENDRE.weights(2), 1e-15);
        double s = 0.5 * Math.sqrt(0.6);
        assertArrayEquals(new double[] {0.5 - s, 0.5, 0.5 + s}, Integration.GAUSS_LEGENDRE.alphas(3), 1e-15);
        assertArrayEquals(new double[] {5 / 18.0, 8 / 18.0, 5 / 18.0}, Integration.GAUSS_LEGENDRE.weights(3), 1e-15);

        for (int n : new int[] {1, 4, 5, 17, 50, 100}) {
            double[] a = Integration.GAUSS_LEGENDRE.alphas(n);
            double[] w = Integration.GAUSS_LEGENDRE.weights(n);
            double sum = 0;
            for (int k = 0; k < n; k++) {
                assertTrue(a[k] > 0 && a[k] < 1, "node inside (0, 1)");
                assertTrue(k == 0 || a[k] > a[k - 1], "increasing nodes");
                assertTrue(w[k] > 0, "positive weights");
                assertEquals(w[k], w[n - 1 - k], 1e-14, "symmetric weights");
                sum += w[k];
            }
            assertEquals(1, sum, 1e-13);
            // exact for polynomials of degree 2n - 1: ∫₀¹ α^(2n-1) dα = 1/(2n)
            double q = 0;
            for (int k = 0; k < n; k++) {
                q += w[k] * Math.pow(a[k], 2 * n - 1);
            }
            assertEquals(1.0 / (2 * n), q, 1e-13, "degree " + (2 * n - 1));
        }
    }

    @Test
    void completenessOnASmoothNonlinearNet() {
        for (long seed = 0; seed < 3; seed++) {
            Model m = GradientTestNets.smoothNet(seed);
            INDArray x = GradientTestNets.randomInput(50 + seed, 2, 3, 4, 4).muli(2);
            List<Explanation> es = IntegratedGradients.of(m).explain(x, List.of(Target.topClass()));
            for (Explanation e : es) {
                double gap = e.target().score() - baselineScore(m, e.target().classIndex());
                assertTrue(Math.abs(gap) > 1e-3, "a non-trivial score change");
                double delta = IntegratedGradients.delta(e);
                assertTrue(Math.abs(delta) < 1e-9 * Math.max(1, Math.abs(gap)), "seed " + seed + ": delta " + delta);
                assertEquals(gap, e.attribution().sum(), 1e-5);
            }
        }
    }

    @Test
    void gaussLegendreConvergesFasterThanLeftRiemann() {
        for (long seed = 0; seed < 3; seed++) {
            Model m = GradientTestNets.smoothNet(seed);
            INDArray x = GradientTestNets.randomInput(70 + seed, 1, 3, 4, 4).muli(2);
            double previousLeft = Double.POSITIVE_INFINITY;
            for (int steps : new int[] {4, 8, 16}) {
                IntegratedGradients ig = IntegratedGradients.of(m).withSteps(steps);
                double gl = Math.abs(IntegratedGradients.delta(ig.explain(x, 0)));
                double left = Math.abs(IntegratedGradients.delta(ig.withMethod(Integration.RIEMANN_LEFT).explain(x, 0)));
                assertTrue(gl < left, "seed " + seed + ", " + steps + " steps: GL " + gl + " vs left " + left);
                assertTrue(left < previousLeft, "left Riemann converges");
                previousLeft = left;
            }
        }
    }

    @Test
    void resultsDoNotDependOnTheBatchSize() {
        Model m = GradientTestNets.randomNet(3, true);
        INDArray x = GradientTestNets.randomInput(8, 3, 3, 4, 4);
        IntegratedGradients ig = IntegratedGradients.of(m).withSteps(10);
        List<Target> t = List.of(Target.classIndex(0), Target.topClass(), Target.classIndex(2));
        List<Explanation> ref = ig.withBatchSize(1).explain(x, t);
        for (int b : new int[] {3, 7, 10, 29, 32}) {
            List<Explanation> es = ig.withBatchSize(b).explain(x, t);
            for (int i = 0; i < 3; i++) {
                assertClose(ref.get(i).attribution(), es.get(i).attribution(), 1e-6, "batch " + b + " example " + i);
                assertEquals(IntegratedGradients.delta(ref.get(i)), IntegratedGradients.delta(es.get(i)), 1e-9);
                assertEquals(ref.get(i).target().classIndex(), es.get(i).target().classIndex());
            }
        }
    }

    @Test
    void optionsAreValidated() {
        Model m = SaliencyTest.linear();
        IntegratedGradients ig = IntegratedGradients.of(m);
        assertEquals(50, ig.steps());
        assertEquals(Integration.GAUSS_LEGENDRE, ig.method());
        assertEquals(Baseline.zeros(), ig.baseline());
        assertEquals(32, ig.batchSize());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ig.withSteps(0));
        assertTrue(e.getMessage().contains("found 0"), e.getMessage());
        IntegratedGradients one = ig.withSteps(1);
        e = assertThrows(IllegalArgumentException.class, () -> one.withMethod(Integration.RIEMANN_LEFT));
        assertTrue(e.getMessage().contains("RIEMANN_LEFT") && e.getMessage().contains("found 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ig.withBaseline(Baseline.of(Tensor.of(new float[4], 1, 2, 2))));
        assertTrue(e.getMessage().contains("[1, 2, 2]") && e.getMessage().contains("[3, 2, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ig.withBaseline(null));
        assertThrows(IllegalArgumentException.class, () -> ig.withMethod(null));
        assertThrows(IllegalArgumentException.class, () -> ig.withBatchSize(-3));
        Explanation s = Saliency.of(m).explain(d(X, 1, 3, 2, 2), 0);
        e = assertThrows(IllegalArgumentException.class, () -> IntegratedGradients.delta(s));
        assertTrue(e.getMessage().contains("Saliency"), e.getMessage());
    }

    private static double baselineScore(Model m, int c) {
        INDArray zero = org.nd4j.linalg.factory.Nd4j.zeros(m.graph().dataType(), 1, 3, 4, 4);
        try (var pass = m.graph().forward(zero)) {
            return pass.scores().getDouble(0, c, 0, 0);
        }
    }
}
