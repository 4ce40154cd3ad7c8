package dev.cnnviz.examples.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.Saliency;
import dev.cnnviz.core.cam.GradCam;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.metrics.DeletionInsertion;
import dev.cnnviz.core.metrics.ModelRandomization;
import dev.cnnviz.examples.DefaultModel;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The metrics on the embedded, trained Fashion-MNIST model. */
class DefaultModelMetricsTest {

    private static INDArray batch(Model m, int n) {
        List<BufferedImage> imgs = DefaultModel.testImages().stream().limit(n).map(DefaultModel.TestImage::image).toList();
        return ImageTensors.toBatch(imgs, m.inputSpec());
    }

    @Test
    void gradCamAndSaliencyChangeAsTheLayersAreRandomised() {
        Model m = DefaultModel.load();
        try (INDArray x = batch(m, 8)) {
            for (var method : List.<java.util.function.Function<Model, dev.cnnviz.api.Attribution>>of(GradCam::of, Saliency::of)) {
                ModelRandomization.Result r = ModelRandomization.of(m, method).withSeed(1).run(x, Target.topClass());
                assertEquals(List.of("fc_preact", "conv3", "conv2", "conv1"), r.layers());
                double[] mean = r.mean();
                assertTrue(mean[mean.length - 1] < 0.4, "mean rank correlation after randomising every layer: "
                        + java.util.Arrays.toString(mean));
            }
        }
    }

    @Test
    void gradCamsDeletionBeatsARandomRankingOnTheTrainedModel() {
        Model m = DefaultModel.load();
        DeletionInsertion del = DeletionInsertion.of(m);
        double gradCam = 0;
        double random = 0;
        int n = 8;
        try (INDArray x = batch(m, n)) {
            for (int i = 0; i < n; i++) {
                INDArray one = x.get(NDArrayIndex.interval(i, i + 1));
                Explanation e = GradCam.of(m).explain(one, Target.topClass());
                gradCam += del.curve(one, e).auc() / n;
                Random r = new Random(i);
                random += del.curve(one, dev.cnnviz.api.Map2D.generate(28, 28, (yy, xx) -> r.nextFloat()),
                        Target.classIndex(e.target().classIndex())).auc() / n;
            }
        }
        assertTrue(gradCam < random, "deletion AUC: Grad-CAM " + gradCam + ", random " + random);
    }
}
