package dev.cnnviz.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.Saliency;
import dev.cnnviz.core.cam.GradCam;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class RandomizationTest {

    private static INDArray batch() {
        Random r = new Random(5);
        INDArray x = Nd4j.create(DataType.FLOAT, 4, 3, 6, 6);
        for (int i = 0; i < 4 * 3 * 36; i++) {
            x.putScalar(i, r.nextDouble());
        }
        return x;
    }

    @Test
    void layersAreTheWeightNodesFromTheOutputDown() {
        Model m = MetricNets.convNet(1);
        assertEquals(List.of("scores", "c2", "c1"), ModelRandomization.weightLayers(m.graph()));
    }

    @Test
    void randomisingTheWeightsChangesSaliencyAndGradCam() {
        Model m = MetricNets.convNet(1);
        for (var method : List.<java.util.function.Function<Model, dev.cnnviz.api.Attribution>>of(
                Saliency::of, mm -> GradCam.of(mm).withLayer("r2"))) {
            ModelRandomization.Result r = ModelRandomization.of(m, method).withSeed(2).run(batch(), Target.topClass());
            assertEquals(3, r.layers().size());
            double[] mean = r.mean();
            assertTrue(mean[2] < 0.7, "mean correlation after randomising every layer: " + java.util.Arrays.toString(mean));
            ModelRandomization.Result again = ModelRandomization.of(m, method).withSeed(2).run(batch(), Target.topClass());
            assertArrayEquals(mean, again.mean(), 1e-12);
        }
    }

    @Test
    void aMethodThatIgnoresTheModelFailsTheTest() {
        // A map that is the input itself (an "edge detector") does not change when the weights do.
        Model m = MetricNets.convNet(1);
        ModelRandomization.Result r = ModelRandomization.of(m, InputMap::new).run(batch(), Target.topClass());
        for (double v : r.mean()) {
            assertEquals(1.0, v, 1e-9);
        }
        DataRandomization.Result d = DataRandomization.of(InputMap::new).compare(m, MetricNets.convNet(9), batch(), Target.topClass());
        for (double v : d.correlations()) {
            assertEquals(1.0, v, 1e-9);
        }
    }

    @Test
    void independentModeRandomisesOneLayerAtATime() {
        Model m = MetricNets.convNet(1);
        ModelRandomization t = ModelRandomization.of(m, Saliency::of).withMode(ModelRandomization.Mode.INDEPENDENT)
                .withLayers(List.of("c1"));
        ModelRandomization.Result r = t.run(batch(), Target.topClass());
        assertEquals(List.of("c1"), r.layers());
        assertTrue(r.mean()[0] < 0.99, "randomising the first convolution changes saliency");
    }

    @Test
    void rankCorrelationKnownAnswers() {
        Map2D a = Map2D.of(new float[][] {{1, 2}, {3, 4}});
        assertEquals(1.0, RankCorrelation.spearman(a, Map2D.of(new float[][] {{10, 20}, {30, 400}}), false), 1e-12);
        assertEquals(-1.0, RankCorrelation.spearman(a, Map2D.of(new float[][] {{4, 3}, {2, 1}}), false), 1e-12);
        assertEquals(1.0, RankCorrelation.spearman(a, Map2D.of(new float[][] {{-1, -2}, {-3, -4}}), true), 1e-12);
        assertEquals(0.0, RankCorrelation.spearman(a, Map2D.constant(2, 2, 0), false));
        assertEquals(1.0, RankCorrelation.spearman(Map2D.constant(2, 2, 0), Map2D.constant(2, 2, 0), false));
        Summary s = Summary.of(new double[] {1, 2, 3});
        assertEquals(2.0, s.mean(), 1e-12);
        assertEquals(4.302652729911275 / Math.sqrt(3), s.halfWidth(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> Summary.of(new double[0]));
    }

    @Test
    void badArgumentsAreClearErrors() {
        Model m = MetricNets.convNet(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelRandomization.of(m, Saliency::of).withLayers(List.of("r1")));
        assertTrue(e.getMessage().contains("'r1' has no weights"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelRandomization.of(m, Saliency::of).withLayers(List.of("nope")));
        assertThrows(IllegalArgumentException.class, () -> ModelRandomization.of(m, null));
        assertThrows(IllegalArgumentException.class,
                () -> DataRandomization.of(Saliency::of).compare(m, MetricNets.region(6, 2), batch(), Target.topClass()));
    }

    /** A method whose map is the input's first channel, whatever the model. */
    static final class InputMap extends dev.cnnviz.core.attribution.AttributionBase {
        InputMap(Model model) {
            super(model, 8);
        }

        @Override
        public String name() {
            return "input";
        }

        @Override
        protected java.util.Map<String, String> options() {
            return java.util.Map.of();
        }

        @Override
        protected List<dev.cnnviz.api.Explanation> compute(INDArray x, List<Target> targets,
                                                           List<java.awt.image.BufferedImage> images) {
            List<dev.cnnviz.api.Explanation> out = new java.util.ArrayList<>();
            for (int i = 0; i < x.size(0); i++) {
                float[] v = dev.cnnviz.core.graph.HostArrays.floats(x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(0)));
                Map2D map = new Map2D((int) x.size(2), (int) x.size(3), v);
                out.add(MetricNets.explanation(v, new int[] {(int) x.size(2), (int) x.size(3)}, map, 0));
            }
            return out;
        }
    }
}
