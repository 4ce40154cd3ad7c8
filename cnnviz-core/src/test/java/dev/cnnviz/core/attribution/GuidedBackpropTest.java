package dev.cnnviz.core.attribution;

import static dev.cnnviz.core.attribution.GradientTestNets.assertClose;
import static dev.cnnviz.core.attribution.GradientTestNets.assertMap;
import static dev.cnnviz.core.attribution.GradientTestNets.assertTensor;
import static dev.cnnviz.core.attribution.GradientTestNets.d;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.GradientCheck;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Softmax;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Guided backprop, deconvnet and their ReLU rules against the plain gradient. */
class GuidedBackpropTest {
    static final int[] SHAPE = {1, 2, 2};

    /*
     * reluNet on x = (1, -2, 3, -1), class 0:
     *   h0 = x = (1, -2, 3, -1),  h1 = -x = (-1, 2, -3, 1)
     *   dy at the ReLU (class-0 weights): dy0 = (1, 1, -1, 2), dy1 = (-1, 3, 1, -2)
     * plain:  dh = [h > 0]·dy            → dh0 = (1, 0, -1, 0), dh1 = (0, 3, 0, -2)
     * guided: dh = [h > 0]·max(dy, 0)    → dh0 = (1, 0, 0, 0),  dh1 = (0, 3, 0, 0)
     * deconv: dh = max(dy, 0)            → dh0 = (1, 1, 0, 2),  dh1 = (0, 3, 1, 0)
     * dx = dh0 - dh1 (1×1 conv weights 1, -1).
     * Cases covered: input > 0 & gradient < 0 (h0[2], h1[3]), input < 0 & gradient > 0 (h0[1], h0[3], h1[2]),
     * input < 0 & gradient < 0 (h1[0]), both > 0 (h0[0], h1[1]).
     */
    static final double[] X = {1, -2, 3, -1};

    @Test
    void plainGuidedAndDeconvnetOnAHandWorkedNet() {
        Model m = GradientTestNets.reluNet();
        INDArray x = d(X, 1, 1, 2, 2);
        Explanation plain = Saliency.of(m).withAbs(false).explain(x, 0);
        Explanation guided = GuidedBackprop.of(m).explain(x, 0);
        Explanation deconv = Deconvnet.of(m).explain(x, 0);
        assertTensor(new double[] {1, -3, -1, 2}, SHAPE, plain.attribution(), 1e-7);
        assertTensor(new double[] {1, -3, 0, 0}, SHAPE, guided.attribution(), 1e-7);
        assertTensor(new double[] {1, -2, -1, 2}, SHAPE, deconv.attribution(), 1e-7);
        assertMap(new double[] {1, 3, 0, 0}, 2, 2, guided.map(), 1e-7);
        assertMap(new double[] {1, 2, 1, 2}, 2, 2, deconv.map(), 1e-7);
        assertFalse(guided.signed());
        assertFalse(deconv.signed());
        assertEquals("Guided Backprop", guided.provenance().method());
        assertEquals("guided-backprop", guided.provenance().options().get("rules"));
        assertEquals("deconvnet", deconv.provenance().options().get("rules"));
    }

    @Test
    void positiveGradientsMakeGuidedEqualPlainAndDeconvnetIgnoreTheMask() {
        // Class 1 has all weights 0.5: dy > 0 everywhere.
        Model m = GradientTestNets.reluNet();
        INDArray x = d(X, 1, 1, 2, 2);
        double[] plain = {0.5, -0.5, 0.5, -0.5};   // 0.5·[x > 0] - 0.5·[-x > 0]
        assertTensor(plain, SHAPE, Saliency.of(m).withAbs(false).explain(x, 1).attribution(), 1e-7);
        assertTensor(plain, SHAPE, GuidedBackprop.of(m).explain(x, 1).attribution(), 1e-7);
        assertTensor(new double[] {0, 0, 0, 0}, SHAPE, Deconvnet.of(m).explain(x, 1).attribution(), 1e-7);
    }

    @Test
    void theReluRulesThemselves() {
        INDArray x = d(new double[] {-1, 2, 3, -4, 0}, 5);
        INDArray dy = d(new double[] {1, -1, 2, -3, 5}, 5);
        Relu relu = new Relu();
        INDArray y = Transforms.relu(x, true);
        boolean[] wanted = {true};
        assertArrayEquals(new double[] {0, 0, 2, 0, 0},
                ReluRules.GUIDED.backward(relu, new INDArray[] {x}, y, dy, wanted)[0].toDoubleVector(), 0);
        assertArrayEquals(new double[] {1, 0, 2, 0, 5},
                ReluRules.DECONVNET.backward(relu, new INDArray[] {x}, y, dy, wanted)[0].toDoubleVector(), 0);
        assertArrayEquals(new double[] {0, -1, 2, 0, 0},
                relu.backward(new INDArray[] {x}, y, dy, wanted)[0].toDoubleVector(), 0);
        assertArrayEquals(new double[] {1, -1, 2, -3, 5}, dy.toDoubleVector(), 0, "the gradient is not modified");
        assertTrue(ReluRules.guidedBackprop().ruleFor(relu) == ReluRules.GUIDED);
        assertTrue(ReluRules.deconvnet().ruleFor(relu) == ReluRules.DECONVNET);
        assertTrue(ReluRules.guidedBackprop().ruleFor(Conv.simple()) != ReluRules.GUIDED);
    }

    @Test
    void withoutReluAllThreeAreThePlainGradient() {
        for (long seed = 0; seed < 5; seed++) {
            Model m = GradientTestNets.randomNet(seed, false);
            INDArray x = GradientTestNets.randomInput(100 + seed, 2, 3, 4, 4);
            List<Target> t = List.of(Target.topClass());
            List<Explanation> plain = Saliency.of(m).withAbs(false).explain(x, t);
            List<Explanation> guided = GuidedBackprop.of(m).explain(x, t);
            List<Explanation> deconv = Deconvnet.of(m).explain(x, t);
            for (int i = 0; i < 2; i++) {
                assertClose(plain.get(i).attribution(), guided.get(i).attribution(), 0, "guided, seed " + seed);
                assertClose(plain.get(i).attribution(), deconv.get(i).attribution(), 0, "deconvnet, seed " + seed);
                assertEquals(plain.get(i).map(), guided.get(i).map());
            }
        }
    }

    @Test
    void withReluTheyDifferFromThePlainGradientOnlyThroughTheRule() {
        for (long seed = 0; seed < 5; seed++) {
            // conv → ReLU → dense with positive weights: every gradient reaching the ReLU is positive, so the
            // guided rule [x > 0]·max(dy, 0) equals the plain [x > 0]·dy.
            Random rnd = new Random(seed);
            Graph g = Graph.builder()
                    .input("x", 3, 4, 4)
                    .constant("w1", GradientCheck.random(rnd, 4, 3, 3, 3))
                    .add("c1", Conv.padded(1), "x", "w1")
                    .add("r1", new Relu(), "c1")
                    .constant("w2", Transforms.abs(GradientCheck.random(rnd, 3, 4, 4, 4), false))
                    .add("scores", Conv.simple(), "r1", "w2")
                    .add("prob", Softmax.classes(), "scores")
                    .build();
            Model m = GradientTestNets.model(g, 3, 4, 4);
            INDArray x = GradientTestNets.randomInput(200 + seed, 1, 3, 4, 4);
            Explanation plain = Saliency.of(m).withAbs(false).explain(x, 2);
            Explanation guided = GuidedBackprop.of(m).explain(x, 2);
            Explanation deconv = Deconvnet.of(m).explain(x, 2);
            assertClose(plain.attribution(), guided.attribution(), 1e-7, "seed " + seed);
            // deconvnet passes the (positive) gradient through inactive units too: it is the gradient of the
            // same net without the ReLU
            Explanation linear = Saliency.of(m.withGraph(withoutRelu(g))).withAbs(false).explain(x, 2);
            assertClose(linear.attribution(), deconv.attribution(), 1e-7, "seed " + seed);
        }
    }

    private static Graph withoutRelu(Graph g) {
        return Graph.builder()
                .input("x", 3, 4, 4)
                .constant("w1", g.constant("w1"))
                .add("c1", Conv.padded(1), "x", "w1")
                .constant("w2", g.constant("w2"))
                .add("scores", Conv.simple(), "c1", "w2")
                .add("prob", Softmax.classes(), "scores")
                .build();
    }
}
