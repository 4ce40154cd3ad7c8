package dev.cnnviz.examples.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.cam.GradCam;
import dev.cnnviz.core.attribution.Saliency;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.metrics.DataRandomization;
import dev.cnnviz.core.metrics.Summary;
import dev.cnnviz.examples.DefaultModel;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.util.List;
import java.util.function.Function;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adebayo et al.'s data-randomisation test on the embedded Fashion-MNIST model: the project's trainer retrains the
 * architecture on a subset with shuffled labels, and, as a control, with the true labels and the same budget. The maps
 * of the model that learned the labels must agree with the embedded model's more than the maps of the model that
 * could only memorise. (Seen here, seed 5: Grad-CAM ρ −0.005 ± 0.087 against 0.261 ± 0.146 for the control;
 * saliency 0.092 ± 0.033 against 0.139 ± 0.034.) Two short trainings, 3,072 images for 3 epochs each.
 */
class DataRandomizationTest {
    private static final int TRAIN_IMAGES = 3072;
    private static final int EPOCHS = 3;

    @Test
    void mapsOfAModelTrainedOnShuffledLabelsDifferFromTheTrainedModels() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR),
                "Fashion-MNIST is not installed at " + FashionMnist.DEFAULT_DIR
                        + " (Debian package dataset-fashion-mnist); skipping the data-randomisation test");
        FashionMnist.Split train = FashionMnist.loadTrain(FashionMnist.DEFAULT_DIR).first(TRAIN_IMAGES);
        FashionMnist.Split test = FashionMnist.loadTest(FashionMnist.DEFAULT_DIR).first(1000);
        MultiLayerNetwork shuffledNet = TrainDefaultModel.train(train.withShuffledLabels(5), EPOCHS, 5, (n, e, l) -> { });
        MultiLayerNetwork controlNet = TrainDefaultModel.train(train, EPOCHS, 5, (n, e, l) -> { });
        double shuffledAccuracy = TrainDefaultModel.accuracy(shuffledNet, test);
        double controlAccuracy = TrainDefaultModel.accuracy(controlNet, test);
        assertTrue(shuffledAccuracy < 0.3 && controlAccuracy > 0.6,
                "test accuracy: shuffled labels " + shuffledAccuracy + ", true labels " + controlAccuracy);
        Model trained = DefaultModel.load();
        Model shuffled = TrainDefaultModel.toModel(shuffledNet, "Fashion-MNIST CNN trained on shuffled labels");
        Model control = TrainDefaultModel.toModel(controlNet, "Fashion-MNIST CNN, same budget, true labels");

        List<BufferedImage> imgs = DefaultModel.testImages().stream().limit(24).map(DefaultModel.TestImage::image).toList();
        try (INDArray batch = ImageTensors.toBatch(imgs, trained.inputSpec())) {
            for (Function<Model, dev.cnnviz.api.Attribution> method : List.<Function<Model, dev.cnnviz.api.Attribution>>of(
                    GradCam::of, Saliency::of)) {
                DataRandomization test1 = DataRandomization.of(method);
                Summary random = Summary.of(test1.compare(trained, shuffled, batch, Target.topClass()).correlations());
                Summary same = Summary.of(test1.compare(trained, control, batch, Target.topClass()).correlations());
                System.out.printf("data randomisation, %s: rho(trained, shuffled labels) = %s, rho(trained, control) = %s%n",
                        method.apply(trained).name(), random.format(3), same.format(3));
                String what = method.apply(trained).name() + ": control " + same.format(3) + " vs shuffled labels " + random.format(3);
                assertTrue(random.mean() < 0.3 && random.mean() < same.mean(), what);
                if (method.apply(trained) instanceof GradCam) {
                    // Grad-CAM's maps are smooth enough for the intervals to separate; saliency's are noisy (Adebayo et
                    // al. report the same) and only the means are compared.
                    assertTrue(same.mean() - same.halfWidth() > random.mean() + random.halfWidth(), what);
                }
            }
        }
    }
}
