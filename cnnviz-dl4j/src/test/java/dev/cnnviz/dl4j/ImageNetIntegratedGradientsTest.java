package dev.cnnviz.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.attribution.IntegratedGradients;
import dev.cnnviz.core.graph.ForwardPass;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Integrated gradients' completeness on the real SqueezeNet (issue 3): with the defaults (50 Gauss-Legendre steps,
 * an all-zero baseline in input space) the attributions of the cat for class 285 sum to the score difference
 * {@code F(x) − F(x')} within 1%, and the reported delta is exactly that sum's error.
 */
class ImageNetIntegratedGradientsTest {

    @Test
    void completenessWithinOnePercentAtFiftyGaussLegendreSteps() throws Exception {
        Model m = Models.load(SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.onnx"));
        INDArray cat = Nd4j.createFromNpyFile(SharedData.require("models/squeezenet1.1/cat-input.npy").toFile());
        IntegratedGradients ig = IntegratedGradients.of(m);
        assertEquals(50, ig.steps());
        Explanation e = ig.explain(cat, Target.classIndex(285));
        double fx = e.target().score();
        double fb;
        try (INDArray zeros = Nd4j.zerosLike(cat); ForwardPass p = m.graph().forward(zeros)) {
            fb = p.scores().reshape(-1).getDouble(285);
        }
        double gap = fx - fb;
        assertTrue(Math.abs(gap) > 1, "the cat scores well above the black image: " + fx + " vs " + fb);
        double sum = 0;
        for (float v : e.attribution().data()) {
            sum += v;
        }
        double delta = IntegratedGradients.delta(e);
        assertEquals(sum - gap, delta, 1e-3 * Math.abs(gap), "delta = sum of attributions - (F(x) - F(x'))");
        assertTrue(Math.abs(delta) < 0.01 * Math.abs(gap),
                "|delta| " + Math.abs(delta) + " should be under 1% of |F(x) - F(x')| = " + Math.abs(gap));
    }
}
