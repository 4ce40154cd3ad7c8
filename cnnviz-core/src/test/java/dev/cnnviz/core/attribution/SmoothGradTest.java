package dev.cnnviz.core.attribution;

import static dev.cnnviz.core.attribution.GradientTestNets.assertClose;
import static dev.cnnviz.core.attribution.GradientTestNets.assertMap;
import static dev.cnnviz.core.attribution.GradientTestNets.assertTensor;
import static dev.cnnviz.core.attribution.GradientTestNets.d;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.SmoothGrad.Mode;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

class SmoothGradTest {
    static final double[] W = SaliencyTest.W;
    static final double[] X = SaliencyTest.X;

    @Test
    void theGradientOfALinearModelDoesNotDependOnNoise() {
        Model m = SaliencyTest.linear();
        INDArray x = d(X, 1, 3, 2, 2);
        SmoothGrad sg = SmoothGrad.of(Saliency.of(m).withAbs(false)).withNoise(0.5);
        double[] w1 = new double[12];
        double[] sq = new double[12];
        for (int i = 0; i < 12; i++) {
            w1[i] = W[12 + i];
            sq[i] = w1[i] * w1[i];
        }
        assertTensor(w1, SaliencyTest.CHW, sg.explain(x, 1).attribution(), 1e-6);
        Explanation squared = sg.withMode(Mode.SMOOTHGRAD_SQUARED).explain(x, 1);
        assertTensor(sq, SaliencyTest.CHW, squared.attribution(), 1e-5);
        // max over channels of W[1]²: (16, 1, 9, 4)
        assertMap(new double[] {16, 1, 9, 4}, 2, 2, squared.map(), 1e-5);
        assertFalse(squared.signed());
        assertTensor(new double[12], SaliencyTest.CHW, sg.withMode(Mode.VARGRAD).explain(x, 1).attribution(), 1e-6);
    }

    @Test
    void floatModels() {
        dev.cnnviz.core.graph.Graph g = dev.cnnviz.core.graph.Graph.builder()
                .input("x", 3, 2, 2)
                .constant("W", d(W, 2, 3, 2, 2).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT))
                .add("scores", dev.cnnviz.core.graph.ops.Conv.simple(), "x", "W")
                .add("prob", dev.cnnviz.core.graph.ops.Softmax.classes(), "scores")
                .build();
        Model m = GradientTestNets.model(g, 3, 2, 2);
        Explanation e = SmoothGrad.of(InputXGradient.of(m)).withNoise(0).withSamples(3).explain(d(X, 1, 3, 2, 2), 0);
        assertTensor(new double[] {0.5, 2, 6, 0, -1, 1, 0.25, 3, -0.5, -2.25, 1, 0.25}, SaliencyTest.CHW, e.attribution(), 1e-6);
        Explanation n = SmoothGrad.of(Saliency.of(m).withAbs(false)).withNoise(1).explain(d(X, 1, 3, 2, 2), 0);
        double[] w0 = java.util.Arrays.copyOf(W, 12);
        assertTensor(w0, SaliencyTest.CHW, n.attribution(), 1e-6);
    }

    @Test
    void knownAnswerForInputTimesGradientOfALinearModel() {
        // SmoothGrad(x ⊙ w) = mean_s (x + σ ε_s) ⊙ w with σ = 0.2 · (max x - min x) = 0.2 · (2 - (-2)) = 0.8
        // and ε_s the Gaussian stream of SplittableRandom(seed), sample after sample, in row-major order.
        Model m = SaliencyTest.linear();
        long seed = 1234;
        int samples = 7;
        Explanation e = SmoothGrad.of(InputXGradient.of(m)).withNoise(0.2).withSamples(samples).withSeed(seed)
                .withBatchSize(3).explain(d(X, 1, 3, 2, 2), 0);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] mean = new double[12];
        for (int s = 0; s < samples; s++) {
            for (int i = 0; i < 12; i++) {
                mean[i] += (X[i] + 0.8 * rng.nextGaussian()) * W[i] / samples;
            }
        }
        assertTensor(mean, SaliencyTest.CHW, e.attribution(), 1e-6);
        double[] map = new double[4];
        for (int p = 0; p < 4; p++) {
            map[p] = mean[p] + mean[4 + p] + mean[8 + p];
        }
        assertMap(map, 2, 2, e.map(), 1e-6);
        assertTrue(e.signed());
        assertEquals("SmoothGrad (Input x Gradient)", e.provenance().method());
        assertEquals(seed, e.provenance().seed());
        assertEquals("7", e.provenance().options().get("samples"));
        assertEquals("Input x Gradient", e.provenance().options().get("inner"));
        assertEquals(10.35, e.target().score(), 1e-6, "the noiseless target");
    }

    @Test
    void sameSeedSameResultDifferentSeedDifferentResult() {
        Model m = GradientTestNets.randomNet(11, true);
        INDArray x = GradientTestNets.randomInput(12, 2, 3, 4, 4);
        SmoothGrad sg = SmoothGrad.of(Saliency.of(m)).withSamples(10).withSeed(7);
        List<Explanation> a = sg.explain(x, List.of(Target.topClass()));
        List<Explanation> b = sg.explain(x, List.of(Target.topClass()));
        List<Explanation> c = sg.withSeed(8).explain(x, List.of(Target.topClass()));
        for (int i = 0; i < 2; i++) {
            assertEquals(a.get(i).attribution(), b.get(i).attribution());
            assertEquals(a.get(i).map(), b.get(i).map());
            assertNotEquals(a.get(i).attribution(), c.get(i).attribution());
        }
    }

    @Test
    void anExampleGetsTheSameResultAloneOrInAnyBatch() {
        Model m = GradientTestNets.randomNet(13, true);
        INDArray x = GradientTestNets.randomInput(14, 3, 3, 4, 4);
        SmoothGrad sg = SmoothGrad.of(GuidedBackprop.of(m)).withSamples(6);
        List<Target> t = List.of(Target.topClass());
        List<Explanation> batch = sg.withBatchSize(4).explain(x, t);
        for (int i = 0; i < 3; i++) {
            Explanation alone = sg.withBatchSize(32).explain(x.get(NDArrayIndex.point(i)).dup(), Target.topClass());
            assertClose(alone.attribution(), batch.get(i).attribution(), 1e-6, "example " + i);
        }
    }

    @Test
    void tinyNoiseGivesTheInnerMethod() {
        Model m = GradientTestNets.randomNet(21, true);
        INDArray x = GradientTestNets.randomInput(22, 2, 3, 4, 4);
        List<Target> t = List.of(Target.classIndex(1));
        for (AttributionBase inner : new AttributionBase[] {Saliency.of(m), InputXGradient.of(m), GuidedBackprop.of(m),
                Deconvnet.of(m), IntegratedGradients.of(m).withSteps(8)}) {
            List<Explanation> plain = inner.explain(x, t);
            List<Explanation> smooth = SmoothGrad.of(inner).withNoise(1e-12).withSamples(3).explain(x, t);
            for (int i = 0; i < 2; i++) {
                assertClose(plain.get(i).attribution(), smooth.get(i).attribution(), 1e-6, inner.name());
                assertEquals(plain.get(i).signed(), smooth.get(i).signed());
                float[] pm = plain.get(i).map().values();
                float[] sm = smooth.get(i).map().values();
                for (int p = 0; p < pm.length; p++) {
                    assertEquals(pm[p], sm[p], 1e-6, inner.name() + " map");
                }
            }
            // zero noise: the mean is the inner result and the variance is zero
            List<Explanation> var = SmoothGrad.of(inner).withNoise(0).withSamples(3).withMode(Mode.VARGRAD).explain(x, t);
            assertEquals(0, var.get(0).attribution().sum(), 1e-9);
        }
    }

    @Test
    void theTargetIsResolvedOnceOnTheNoiselessInput() {
        Model m = GradientTestNets.randomNet(31, true);
        INDArray x = GradientTestNets.randomInput(32, 1, 3, 4, 4);
        Explanation plain = Saliency.of(m).explain(x, Target.topClass());
        // so much noise that the predicted class of the noisy copies changes
        Explanation e = SmoothGrad.of(Saliency.of(m)).withNoise(3).withSamples(8).explain(x, Target.topClass());
        assertEquals(plain.target().classIndex(), e.target().classIndex());
        assertEquals(plain.target().score(), e.target().score(), 1e-12);
        Explanation fixed = SmoothGrad.of(Saliency.of(m)).withNoise(3).withSamples(8)
                .explain(x, Target.classIndex(plain.target().classIndex()));
        assertEquals(fixed.attribution(), e.attribution());
    }

    @Test
    void optionsAreValidated() {
        Model m = SaliencyTest.linear();
        SmoothGrad sg = SmoothGrad.of(Saliency.of(m).withBatchSize(5));
        assertEquals(25, sg.samples());
        assertEquals(0.15, sg.noise());
        assertEquals(Mode.SMOOTHGRAD, sg.mode());
        assertEquals(0, sg.seed());
        assertEquals(5, sg.batchSize());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sg.withSamples(0));
        assertTrue(e.getMessage().contains("found 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sg.withNoise(-0.1));
        assertTrue(e.getMessage().contains("-0.1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sg.withNoise(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> sg.withNoise(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> sg.withMode(null));
        assertThrows(IllegalArgumentException.class, () -> sg.withBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> SmoothGrad.of(null));
        assertEquals("VarGrad (Saliency)", sg.withMode(Mode.VARGRAD).name());
    }
}
