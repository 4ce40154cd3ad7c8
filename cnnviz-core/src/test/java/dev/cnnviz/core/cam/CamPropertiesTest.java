package dev.cnnviz.core.cam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.core.Model;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Properties over random two-conv networks ({@link CamNets#randomNet}). */
class CamPropertiesTest {

    private static final int SIZE = 4;
    private static final int K = 3;
    private static final int CLASSES = 4;

    @Property(tries = 10)
    void camEqualsGradCamTimesHwOnGapLinearModels(@ForAll @LongRange(min = 0, max = 1_000_000) long seed,
            @ForAll @IntRange(min = 0, max = CLASSES - 1) int cls) {
        Model m = CamNets.randomNet(seed, SIZE, K, CLASSES);
        INDArray x = CamNets.randomInput(seed + 1, SIZE);
        double[] cam = CamNets.values(Cam.of(m).withRelu(false).explain(x, cls));
        double[] grad = CamNets.values(GradCam.of(m).withRelu(false).explain(x, cls));
        // dS/dA = w^c / (h w) at every position: Grad-CAM = CAM / (h w), a positive factor
        for (int p = 0; p < cam.length; p++) {
            assertEquals(cam[p] / (SIZE * SIZE), grad[p], 1e-5 * Math.max(1, Math.abs(cam[p])),
                    "CAM " + Arrays.toString(cam) + " vs Grad-CAM " + Arrays.toString(grad));
        }
        // HiResCAM and Grad-CAM coincide there too (the gradient is constant over positions)
        double[] hires = CamNets.values(HiResCam.of(m).withRelu(false).explain(x, cls));
        for (int p = 0; p < cam.length; p++) {
            assertEquals(grad[p], hires[p], 1e-5 * Math.max(1, Math.abs(grad[p])));
        }
    }

    @Property(tries = 10)
    void scoreCamAndGradCamMapsAreNonNegative(@ForAll @LongRange(min = 0, max = 1_000_000) long seed,
            @ForAll @IntRange(min = 0, max = CLASSES - 1) int cls, @ForAll boolean shallow) {
        Model m = CamNets.randomNet(seed, SIZE, K, CLASSES);
        INDArray x = CamNets.randomInput(seed + 7, SIZE);
        String layer = shallow ? "relu1" : "relu2";
        for (CamBase<?> method : new CamBase<?>[] {GradCam.of(m).withLayer(layer), ScoreCam.of(m).withLayer(layer)}) {
            Explanation e = method.explain(x, cls);
            for (float v : e.map().values()) {
                assertTrue(v >= 0, method.name() + " gave a negative value " + v);
            }
            assertEquals(SIZE, e.map().height());
            assertTrue(!e.signed());
        }
    }
}
