package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Softmax;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** ClassVisualization and FeatureVisualization on small models: closed form, stopping, seeds and errors. */
class ClassVisualizationTest {
    /** x [N, 1, 2, 2] -> a 2x2 conv to 2 classes "s" [N, 2, 1, 1] -> softmax: s_c = w_c . x. */
    static Model linear(double[] w0) {
        INDArray w = Nd4j.create(DataType.FLOAT, 2, 1, 2, 2);
        for (int i = 0; i < 4; i++) {
            w.putScalar(new long[] {0, 0, i / 2, i % 2}, w0[i]);
            w.putScalar(new long[] {1, 0, i / 2, i % 2}, -w0[i]);
        }
        Graph g = Graph.builder().input("x", 1, 2, 2).constant("w", w)
                .add("s", Conv.simple(), "x", "w").add("p", Softmax.classes(), "s").build();
        return new Model(g, new InputSpec(1, 2, 2, Layout.NCHW, Preprocessing.raw(ChannelOrder.GREY)), List.of("a", "b"), "linear");
    }

    /** x [N, 1, 8, 8] -> 3x3 conv to 4 channels "c" -> relu "r" -> 6x6 conv to 3 classes "s" -> softmax. */
    static Model small() {
        Random r = new Random(5);
        INDArray w1 = Nd4j.create(DataType.FLOAT, 4, 1, 3, 3);
        INDArray w2 = Nd4j.create(DataType.FLOAT, 3, 4, 6, 6);
        for (INDArray a : List.of(w1, w2)) {
            for (long i = 0; i < a.length(); i++) {
                a.putScalar(i, r.nextGaussian() * 0.3);
            }
        }
        Graph g = Graph.builder().input("x", 1, 8, 8).constant("w1", w1).constant("w2", w2)
                .add("c", Conv.simple(), "x", "w1").add("r", new Relu(), "c")
                .add("s", Conv.simple(), "r", "w2").add("p", Softmax.classes(), "s").build();
        return new Model(g, new InputSpec(1, 8, 8, Layout.NCHW, Preprocessing.unit(ChannelOrder.GREY)), List.of(), "small");
    }

    @Test
    void linearModelWithL2DecayReachesTheClosedForm() {
        double[] w = {0.5, 1, 1.5, 2};
        double lambda = 0.01;
        Synthesis s = ClassVisualization.of(linear(w)).withInputScaling(false).withL2(lambda).withLearningRate(0.25)
                .withSteps(1500).withJitter(0).withBlur(0, 0).withInitialStd(0).visualize(0);
        float[] x = s.input().data();
        for (int i = 0; i < 4; i++) {
            assertEquals(w[i] / (2 * lambda), x[i], 0.3, "x*[" + i + "] = w/2λ");
        }
        OptimizationStep last = s.history().get(s.history().size() - 1);
        assertEquals(last.loss(), last.terms().values().stream().mapToDouble(Double::doubleValue).sum(), 1e-6);
        assertEquals(List.of("class(0)", "l2"), List.copyOf(last.terms().keySet()));
    }

    @Test
    void inputScaleFollowsThePreprocessing() {
        assertEquals(255 * 0.226, ClassVisualization.inputScale(Preprocessing.caffeBgr(104, 117, 123)), 1e-9);
        assertEquals(1.0, ClassVisualization.inputScale(Preprocessing.imagenetTorch()), 0.01);
        assertEquals(0.226, ClassVisualization.inputScale(Preprocessing.unit(ChannelOrder.GREY)), 1e-9);
    }

    @Test
    void listenerStopAndInterruptReturnTheCurrentImage() {
        ClassVisualization cv = ClassVisualization.of(small()).withSteps(20);
        Synthesis stopped = cv.visualize(Target.classIndex(1), step -> step.step() < 3);
        assertTrue(stopped.interrupted());
        assertEquals(3, stopped.steps());
        assertEquals(8, stopped.image().getWidth());
        Synthesis interrupted = cv.visualize(Target.classIndex(1), step -> {
            if (step.step() == 2) {
                Thread.currentThread().interrupt();
            }
            return true;
        });
        assertTrue(Thread.interrupted(), "the interrupt is restored for the caller");
        assertTrue(interrupted.interrupted());
        assertEquals(2, interrupted.steps());
        Synthesis full = cv.visualize(Target.classIndex(1));
        assertFalse(full.interrupted());
        assertEquals(20, full.steps());
        FeatureVisualization fv = FeatureVisualization.of(small()).withSteps(10);
        Synthesis fs = fv.visualize(Target.channel("r", 1), step -> step.step() < 4);
        assertTrue(fs.interrupted());
        assertEquals(4, fs.steps());
    }

    @Test
    void sameSeedSameImageOtherSeedAnother() {
        ClassVisualization cv = ClassVisualization.of(small()).withSteps(5).withBlur(2, 0.5).withJitter(2);
        assertArrayEquals(cv.visualize(2).input().data(), cv.visualize(2).input().data());
        assertFalse(java.util.Arrays.equals(cv.visualize(2).input().data(), cv.withSeed(7).visualize(2).input().data()));
        FeatureVisualization fv = FeatureVisualization.of(small()).withSteps(5);
        assertEquals(8, fv.size());
        assertArrayEquals(fv.visualize(Target.channel("r", 2)).input().data(), fv.visualize(Target.channel("r", 2)).input().data());
        assertFalse(java.util.Arrays.equals(fv.visualize(Target.channel("r", 2)).input().data(),
                fv.withSeed(8).visualize(Target.channel("r", 2)).input().data()));
    }

    /**
     * A channel that is off on the grey start (3×3 sum of ones, bias −6: −1.5 at grey 0.5) has no exact gradient;
     * Lucid's redirected ReLU gradient starts it, and once it fires the exact gradient takes over.
     */
    @Test
    void aChannelOffAtTheStartRisesOnlyWithTheRedirectedReluGradient() {
        INDArray w = Nd4j.ones(DataType.FLOAT, 1, 1, 3, 3);
        INDArray b = Nd4j.createFromArray(-6f);
        Graph g = Graph.builder().input("x", 1, 8, 8).constant("w", w).constant("b", b)
                .add("c", Conv.simple(), "x", "w", "b").add("r", new Relu(), "c").build();
        Model m = new Model(g, new InputSpec(1, 8, 8, Layout.NCHW, Preprocessing.unit(ChannelOrder.GREY)), List.of(), "off");
        FeatureVisualization fv = FeatureVisualization.of(m).withSteps(100).withTransforms(false);
        assertTrue(fv.redirectedRelu(), "on by default, as in Lucid");
        double[] exact = fv.withRedirectedRelu(false).visualize(Target.channel("r", 0)).losses();
        assertEquals(0.0, -exact[exact.length - 1], "without the redirect the channel never starts");
        double[] redirected = fv.visualize(Target.channel("r", 0)).losses();
        assertEquals(0.0, -redirected[0], "off at the start");
        assertTrue(-redirected[redirected.length - 1] > 0.5, "channel mean after 100 steps: " + (-redirected[redirected.length - 1]));
    }

    @Test
    void channelVisualizationRaisesTheChannelAndDiversitySeparatesTheBatch() {
        FeatureVisualization fv = FeatureVisualization.of(small()).withSteps(40).withTransforms(false);
        Synthesis s = fv.visualize(Target.channel("c", 0));
        double[] l = s.losses();
        assertTrue(-l[l.length - 1] > -l[0] + 0.1, "channel mean from " + (-l[0]) + " to " + (-l[l.length - 1]));
        Synthesis d = fv.withDiversity(10, 3).visualize(Target.channel("c", 0));
        assertEquals(3, d.images().size());
        assertTrue(d.history().get(0).terms().containsKey("diversity"));
        Synthesis pix = fv.withParameterization(FeatureVisualization.Parameterization.PIXELS).visualize(Target.channel("r", 0));
        assertEquals(8, pix.image().getHeight());
    }

    @Test
    void badTargetsNameTheValueFound() {
        ClassVisualization cv = ClassVisualization.of(small()).withSteps(1);
        IllegalArgumentException layer = assertThrows(IllegalArgumentException.class, () -> cv.visualize(Target.channel("rr", 0)));
        assertTrue(layer.getMessage().contains("'rr'") && layer.getMessage().contains("closest names"), layer.getMessage());
        IllegalArgumentException channel = assertThrows(IllegalArgumentException.class, () -> cv.visualize(Target.channel("r", 4)));
        assertTrue(channel.getMessage().contains("channel 4 is outside layer 'r'"), channel.getMessage());
        IllegalArgumentException cls = assertThrows(IllegalArgumentException.class, () -> cv.visualize(3));
        assertTrue(cls.getMessage().contains("class index 3 is out of range: the model has 3 classes"), cls.getMessage());
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class, () -> cv.visualize(Target.label("cat")));
        assertTrue(label.getMessage().contains("'cat'"), label.getMessage());
        IllegalArgumentException top = assertThrows(IllegalArgumentException.class, () -> cv.visualize(Target.topClass()));
        assertTrue(top.getMessage().contains("top"), top.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cv.withLearningRate(-1));
        assertThrows(IllegalArgumentException.class, () -> FeatureVisualization.of(small()).withDiversity(1, 1));
    }

    @Test
    void bilinearResizeAndRollAreAdjointToTheirBackward() {
        Random r = new Random(3);
        for (ImageTransform t : List.of(new BilinearResize(7, 5), new BilinearResize(2, 3), new Roll(3))) {
            long[] in = {2, 3, 4, 6};
            ImageTransform.Sampled s = t.sample(new java.util.SplittableRandom(1), in);
            int n = 2 * 3 * 4 * 6;
            long[] outShape = s.outputShape();
            int m = (int) (outShape[0] * outShape[1] * outShape[2] * outShape[3]);
            double[] x = r.doubles(n).toArray();
            double[] y = r.doubles(m).toArray();
            double[] ax = new double[m];
            double[] aty = new double[n];
            s.forward(x, ax);
            s.backward(y, aty);
            double lhs = 0;
            double rhs = 0;
            for (int i = 0; i < m; i++) {
                lhs += ax[i] * y[i];
            }
            for (int i = 0; i < n; i++) {
                rhs += x[i] * aty[i];
            }
            assertEquals(lhs, rhs, 1e-9 * Math.abs(lhs), t.toString());
        }
        double[] same = r.doubles(2 * 4 * 6).toArray();
        double[] out = new double[same.length];
        new BilinearResize(4, 6).sample(new java.util.SplittableRandom(1), new long[] {1, 2, 4, 6}).forward(same, out);
        assertArrayEquals(same, out, 1e-12, "a resize to the same size is the identity");
    }
}
