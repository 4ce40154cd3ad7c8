package dev.cnnviz.core.attribution;

import static dev.cnnviz.core.attribution.GradientTestNets.assertMap;
import static dev.cnnviz.core.attribution.GradientTestNets.assertTensor;
import static dev.cnnviz.core.attribution.GradientTestNets.d;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.core.Model;
import java.util.List;
import org.junit.jupiter.api.Test;

class InputXGradientTest {

    @Test
    void inputTimesGradientOfALinearModelIsInputTimesWeights() {
        Model m = SaliencyTest.linear();
        Explanation e = InputXGradient.of(m).explain(d(SaliencyTest.X, 1, 3, 2, 2), 0);
        // x ⊙ W[0]
        double[] expected = {0.5, 2, 6, 0, /**/ -1, 1, 0.25, 3, /**/ -0.5, -2.25, 1, 0.25};
        assertTensor(expected, SaliencyTest.CHW, e.attribution(), 1e-7);
        // signed sum over channels: (0.5 - 1 - 0.5, 2 + 1 - 2.25, 6 + 0.25 + 1, 0 + 3 + 0.25)
        assertMap(new double[] {-1, 0.75, 7.25, 3.25}, 2, 2, e.map(), 1e-7);
        assertTrue(e.signed());
        // completeness for a linear model: Σ x ⊙ w = S - b
        assertEquals(10.35 - 0.1, e.attribution().sum(), 1e-6);
        assertEquals("Input x Gradient", e.provenance().method());
    }

    @Test
    void batchedEqualsOneByOne() {
        Model m = GradientTestNets.randomNet(5, true);
        var x = GradientTestNets.randomInput(9, 5, 3, 4, 4);
        List<Explanation> all = InputXGradient.of(m).withBatchSize(2).explain(x, List.of(dev.cnnviz.api.Target.topClass()));
        for (int i = 0; i < 5; i++) {
            Explanation one = InputXGradient.of(m).explain(x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).dup(),
                    dev.cnnviz.api.Target.topClass());
            GradientTestNets.assertClose(one.attribution(), all.get(i).attribution(), 1e-6, "example " + i);
            assertEquals(one.target().classIndex(), all.get(i).target().classIndex());
        }
    }
}
