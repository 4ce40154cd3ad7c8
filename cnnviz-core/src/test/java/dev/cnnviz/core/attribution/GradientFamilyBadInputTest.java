package dev.cnnviz.core.attribution;

import static dev.cnnviz.core.attribution.GradientTestNets.d;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Bad inputs give an IllegalArgumentException with a clear message, for every method of the family. */
class GradientFamilyBadInputTest {

    private static List<AttributionBase> methods(Model m) {
        return List.of(Saliency.of(m), InputXGradient.of(m), GuidedBackprop.of(m), Deconvnet.of(m),
                IntegratedGradients.of(m).withSteps(4), SmoothGrad.of(Saliency.of(m)).withSamples(2),
                SmoothGrad.of(IntegratedGradients.of(m).withSteps(2)).withSamples(2));
    }

    private static void expect(String what, Runnable r, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run, what);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), what + ": '" + f + "' not in: " + e.getMessage());
        }
    }

    @Test
    void classIndexOutOfRange() {
        Model m = SaliencyTest.linear();
        INDArray x = d(SaliencyTest.X, 1, 3, 2, 2);
        for (AttributionBase a : methods(m)) {
            expect(a.name(), () -> a.explain(x, 2), "class index 2", "2 classes");
        }
    }

    @Test
    void unknownLayerListsCloseNames() {
        Model m = SaliencyTest.linear();
        INDArray x = d(SaliencyTest.X, 1, 3, 2, 2);
        for (AttributionBase a : methods(m)) {
            expect(a.name(), () -> a.explain(x, Target.neuron("score", 0, 0, 0)), "'score'", "scores");
            expect(a.name(), () -> a.explain(x, Target.neuron("scores", 0, 1, 0)), "[0, 1, 0]");
        }
    }

    @Test
    void wrongInputShape() {
        Model m = SaliencyTest.linear();
        INDArray x = d(new double[8], 1, 2, 2, 2);
        for (AttributionBase a : methods(m)) {
            expect(a.name(), () -> a.explain(x, 0), "[1, 2, 2, 2]", "3");
        }
    }

    @Test
    void nanInput() {
        Model m = SaliencyTest.linear();
        double[] v = SaliencyTest.X.clone();
        v[5] = Double.NaN;
        INDArray x = d(v, 1, 3, 2, 2);
        for (AttributionBase a : methods(m)) {
            expect(a.name(), () -> a.explain(x, 0), "NaN");
        }
    }

    @Test
    void wrongNumberOfTargets() {
        Model m = SaliencyTest.linear();
        INDArray x = d(new double[36], 3, 3, 2, 2);
        for (AttributionBase a : methods(m)) {
            expect(a.name(), () -> a.explain(x, List.of(Target.classIndex(0), Target.classIndex(1))), "3", "found 2");
        }
    }
}
