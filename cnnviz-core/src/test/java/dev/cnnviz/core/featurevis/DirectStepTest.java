package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.BackwardRules;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Softmax;
import dev.cnnviz.core.optim.NormalizedGradientStep;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The synthesis engine's direct path (pixels with a {@link Roll} or no transform: one pass each way between the
 * double image and the float32 input, the gradient read in place) gives the bits of the general path (the transform
 * on doubles, then the conversions and the negation), which runs for the same roll wrapped in a {@link Compose}.
 */
class DirectStepTest {
    /** x [N, 3, 8, 10] -> 3x3 conv, 5 channels -> relu -> full-size conv to 4 classes -> softmax. */
    private static Model model() {
        Random r = new Random(11);
        INDArray w1 = Nd4j.create(DataType.FLOAT, 5, 3, 3, 3);
        INDArray w2 = Nd4j.create(DataType.FLOAT, 4, 5, 6, 8);
        for (INDArray w : List.of(w1, w2)) {
            for (long i = 0; i < w.length(); i++) {
                w.putScalar(i, r.nextGaussian() * 0.3);
            }
        }
        Graph g = Graph.builder().input("x", 3, 8, 10).constant("w1", w1).constant("w2", w2)
                .add("c1", Conv.simple(), "x", "w1").add("r1", new Relu(), "c1")
                .add("s", Conv.simple(), "r1", "w2").add("p", Softmax.classes(), "s").build();
        Preprocessing pre = new Preprocessing(ChannelOrder.RGB, 1 / 255.0, new double[] {0.5, 0.4, 0.3},
                new double[] {0.25, 0.2, 0.3});
        return new Model(g, new InputSpec(3, 8, 10, Layout.NCHW, pre), List.of("a", "b", "c", "d"), "direct-test");
    }

    private static Synthesis run(Model m, ImageTransform transform, double contributionClip) {
        List<SynthesisEngine.Term> terms = List.of(
                new SynthesisEngine.Term("class", Objective.classScore(2)),
                new SynthesisEngine.Term("l2", Objective.inputL2().times(-0.01)));
        SynthesisEngine.Settings s = new SynthesisEngine.Settings(m, terms, null, transform,
                NormalizedGradientStep.l2().withLearningRate(0.7), 12, 1, 8, 10, 5L, 1.0, null, 4, 0.5, 0,
                contributionClip, true, 1, 1.4, 0, "test", Map.of(), "", BackwardRules.standard());
        return new SynthesisEngine(s).run(ProgressListener.NONE);
    }

    @Test
    void rollAndNoTransformGiveTheGeneralPathsBits() {
        Model m = model();
        for (double clip : new double[] {0, 30}) {
            for (int d : new int[] {0, 3}) {
                Synthesis direct = run(m, new Roll(d), clip);
                Synthesis general = run(m, Compose.of(new Roll(d)), clip);
                assertSame(direct, general, "roll(" + d + "), contribution clip " + clip);
            }
            assertSame(run(m, null, clip), run(m, Compose.of(new Roll(0)), clip), "no transform, contribution clip " + clip);
        }
    }

    private static void assertSame(Synthesis a, Synthesis b, String what) {
        assertArrayEquals(a.input().data(), b.input().data(), what);
        assertEquals(a.history().size(), b.history().size(), what);
        for (int i = 0; i < a.history().size(); i++) {
            assertEquals(a.history().get(i).loss(), b.history().get(i).loss(), 0.0, what + " step " + i);
            assertEquals(a.history().get(i).terms(), b.history().get(i).terms(), what + " step " + i);
        }
    }
}
