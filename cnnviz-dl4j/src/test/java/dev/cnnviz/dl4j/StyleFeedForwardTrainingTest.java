package dev.cnnviz.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.data.ImageFolder;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.style.FeedForwardTraining;
import dev.cnnviz.core.train.TrainingListener;
import dev.cnnviz.dl4j.onnx.OnnxExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Feed-forward style training on the shared SqueezeNet with starry_night.jpg and the shared photographs (a tiny
 * network and a few steps: what the code does, not what a long run learns), and the trained network through ONNX.
 */
class StyleFeedForwardTrainingTest {
    @TempDir
    Path dir;

    @Test
    void tinyNetworkTrainsOnSqueezeNetAndRoundTripsThroughOnnx() throws Exception {
        Model squeeze = Models.load(SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.onnx"))
                .withPreprocessing(Preprocessing.caffeBgr(104, 117, 123));
        Path photos = Files.createDirectory(dir.resolve("photos"));
        for (String f : List.of("chelsea.png", "coffee.png", "astronaut.png")) {
            Files.copy(SharedData.require("images/" + f), photos.resolve(f));
        }
        FeedForwardTraining.Result r = FeedForwardTraining.of(squeeze, ImageIo.read(SharedData.require("images/starry_night.jpg")))
                .withWidth(4).withResidualBlocks(1).withSize(48).withStyleSize(64).withBatch(2).withSteps(4).withSeed(3)
                .train(ImageFolder.of(photos), TrainingListener.NONE);
        assertEquals(4, r.history().steps());
        for (String term : List.of("content", "style", "tv")) {
            for (double v : r.history().term(term)) {
                assertTrue(Double.isFinite(v) && v > 0, term + " " + v);
            }
        }
        assertEquals("3", r.provenance().options().get("seed"));
        Path onnx = dir.resolve("starry.onnx");
        OnnxExporter.write(r.network(), onnx, "Image(s) in RGB format, pixel values 0..255", 40, 52);
        Model back = Models.load(onnx);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 40, 52).muli(255);
        try (ForwardPass a = r.network().infer(x, List.of()); ForwardPass b = back.graph().infer(x, List.of())) {
            double rel = a.output().sub(b.output()).norm2Number().doubleValue() / a.output().norm2Number().doubleValue();
            assertTrue(rel <= 1e-6, "relative L2 difference " + rel);
        }
        java.awt.image.BufferedImage styled = r.stylize(ImageIo.read(SharedData.require("images/chelsea.png"))
                .getSubimage(0, 0, 222, 223));
        assertEquals(224, styled.getWidth(), "sides rounded up to multiples of 4");
        assertEquals(224, styled.getHeight(), "sides rounded up to multiples of 4");
    }
}
