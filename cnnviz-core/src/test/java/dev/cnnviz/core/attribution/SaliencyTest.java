package dev.cnnviz.core.attribution;

import static dev.cnnviz.core.attribution.GradientTestNets.assertMap;
import static dev.cnnviz.core.attribution.GradientTestNets.assertTensor;
import static dev.cnnviz.core.attribution.GradientTestNets.d;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class SaliencyTest {
    /** W[k, c, h, w] of a linear 3×2×2 → 2 classifier, row-major. */
    static final double[] W = {
        1, -2, 3, 0.5, /**/ -1, 4, -0.5, 2, /**/ 0.25, -3, 1, -1,      // class 0
        2, 0, -1, 1, /**/ 0.5, -0.5, 3, -2, /**/ -4, 1, 0, 0.75,       // class 1
    };
    static final double[] B = {0.1, -0.2};
    static final double[] X = {0.5, -1, 2, 0, /**/ 1, 0.25, -0.5, 1.5, /**/ -2, 0.75, 1, -0.25};
    static final int[] CHW = {3, 2, 2};

    static Model linear() {
        return GradientTestNets.linear(W, B, 3, 2, 2);
    }

    @Test
    void saliencyOfALinearModelIsTheAbsoluteWeights() {
        Saliency s = Saliency.of(linear());
        Explanation e1 = s.explain(d(X, 1, 3, 2, 2), 1);
        assertTensor(new double[] {2, 0, 1, 1, 0.5, 0.5, 3, 2, 4, 1, 0, 0.75}, CHW, e1.attribution(), 1e-7);
        // max over channels of |W[1]|: (max(2, .5, 4), max(0, .5, 1), max(1, 3, 0), max(1, 2, .75))
        assertMap(new double[] {4, 1, 3, 2}, 2, 2, e1.map(), 1e-7);
        assertFalse(e1.signed());
        assertEquals(1, e1.target().classIndex());
        assertEquals(3.2375, e1.target().score(), 1e-6);

        Explanation e0 = s.explain(d(X, 3, 2, 2), 0);
        assertTensor(new double[] {1, 2, 3, 0.5, 1, 4, 0.5, 2, 0.25, 3, 1, 1}, CHW, e0.attribution(), 1e-7);
        assertMap(new double[] {1, 4, 3, 2}, 2, 2, e0.map(), 1e-7);
    }

    @Test
    void signedSaliencyIsTheGradient() {
        Explanation e = Saliency.of(linear()).withAbs(false).explain(d(X, 1, 3, 2, 2), 1);
        assertTensor(new double[] {2, 0, -1, 1, 0.5, -0.5, 3, -2, -4, 1, 0, 0.75}, CHW, e.attribution(), 1e-7);
        assertMap(new double[] {4, 1, 3, 2}, 2, 2, e.map(), 1e-7);
        assertFalse(e.signed(), "the map is max |g|, non-negative");
    }

    @Test
    void topClassAndPerExampleTargetsInOneBatch() {
        double[] two = new double[24];
        System.arraycopy(X, 0, two, 0, 12);
        for (int i = 0; i < 12; i++) {
            two[12 + i] = -X[i];
        }
        Saliency s = Saliency.of(linear()).withBatchSize(1);
        List<Explanation> es = s.explain(d(two, 2, 3, 2, 2), List.of(Target.topClass()));
        // S0(x) = 10.35 > S1(x) = 3.2375; S0(-x) = -10.15 < S1(-x) = -3.6375
        assertEquals(0, es.get(0).target().classIndex());
        assertEquals(10.35, es.get(0).target().score(), 1e-6);
        assertEquals(1, es.get(1).target().classIndex());
        assertEquals(-3.6375, es.get(1).target().score(), 1e-6);
        assertMap(new double[] {1, 4, 3, 2}, 2, 2, es.get(0).map(), 1e-7);
        assertMap(new double[] {4, 1, 3, 2}, 2, 2, es.get(1).map(), 1e-7);

        List<Explanation> per = Saliency.of(linear()).explain(d(two, 2, 3, 2, 2),
                List.of(Target.classIndex(1), Target.classIndex(0)));
        assertMap(new double[] {4, 1, 3, 2}, 2, 2, per.get(0).map(), 1e-7);
        assertMap(new double[] {1, 4, 3, 2}, 2, 2, per.get(1).map(), 1e-7);
    }

    @Test
    void neuronAndWeightedTargets() {
        Model m = linear();
        // Neuron scores[1, 0, 0] is class 1's score.
        Explanation n = Saliency.of(m).withAbs(false).explain(d(X, 1, 3, 2, 2), Target.neuron("scores", 1, 0, 0));
        assertTensor(new double[] {2, 0, -1, 1, 0.5, -0.5, 3, -2, -4, 1, 0, 0.75}, CHW, n.attribution(), 1e-7);
        // "class 0 minus class 1"
        Target diff = new Target.Weighted("scores", Tensor.of(new float[] {1, -1}, 2, 1, 1), "0 - 1");
        Explanation w = Saliency.of(m).withAbs(false).explain(d(X, 1, 3, 2, 2), diff);
        double[] expected = new double[12];
        for (int i = 0; i < 12; i++) {
            expected[i] = W[i] - W[12 + i];
        }
        assertTensor(expected, CHW, w.attribution(), 1e-7);
        assertEquals(10.35 - 3.2375, w.target().score(), 1e-6);
    }

    @Test
    void tensorInputAndProvenance() {
        float[] xf = new float[12];
        for (int i = 0; i < 12; i++) {
            xf[i] = (float) X[i];
        }
        Explanation e = Saliency.of(linear()).explain(Tensor.of(xf, 3, 2, 2), 1);
        assertMap(new double[] {4, 1, 3, 2}, 2, 2, e.map(), 1e-6);
        assertEquals("Saliency", e.provenance().method());
        assertEquals("true", e.provenance().options().get("abs"));
        assertEquals("", e.provenance().layer());
        assertEquals(null, e.provenance().seed());
        assertEquals(2, e.image().getWidth());
    }

    @Test
    void imagesArePreprocessedAndBatched() {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(2, 2, java.awt.image.BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0x102030);
        img.setRGB(1, 1, 0xffffff);
        Model m = linear();
        List<Explanation> es = Saliency.of(m).withBatchSize(1).explainAll(List.of(img, img, img),
                List.of(Target.classIndex(1)));
        assertEquals(3, es.size());
        for (Explanation e : es) {
            assertMap(new double[] {4, 1, 3, 2}, 2, 2, e.map(), 1e-6);
            assertEquals(2, e.image().getHeight());
        }
        // raw preprocessing: x = pixel values, so S1 = W[1]·x + b[1]
        double s1 = -0.2;
        int[][] rgb = {{0x10, 0, 0, 0xff}, {0x20, 0, 0, 0xff}, {0x30, 0, 0, 0xff}};
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < 4; p++) {
                s1 += W[12 + c * 4 + p] * rgb[c][p];
            }
        }
        assertEquals(s1, es.get(0).target().score(), 1e-4);
    }

    @Test
    void optionsAreValidatedAndCopied() {
        Saliency s = Saliency.of(linear());
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> s.withBatchSize(0));
        assertTrue(ex.getMessage().contains("0"), ex.getMessage());
        assertTrue(s.abs());
        assertFalse(s.withAbs(false).abs());
        assertTrue(s.abs(), "withAbs returns a copy");
        assertThrows(IllegalArgumentException.class, () -> Saliency.of(null));
    }

    @Test
    void theInputIsNotModified() {
        INDArray x = d(X, 1, 3, 2, 2);
        INDArray copy = x.dup();
        Saliency.of(linear()).explain(x, 0);
        InputXGradient.of(linear()).explain(x, 0);
        IntegratedGradients.of(linear()).withSteps(4).explain(x, 0);
        assertEquals(copy, x);
    }
}
