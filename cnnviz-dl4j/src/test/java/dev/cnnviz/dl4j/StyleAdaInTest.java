package dev.cnnviz.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.data.ImageFolder;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.style.AdaIn;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** AdaIN on the shared ImageNet loss network: the decoder's mirror, a short training run, save and reload. */
class StyleAdaInTest {

    private static Path folder(Path dir, String... names) throws IOException {
        Files.createDirectories(dir);
        for (String n : names) {
            Files.copy(SharedData.require("images/" + n), dir.resolve(n));
        }
        return dir;
    }

    @Test
    void mirrorTrainSaveLoadOnTheSharedNetwork(@TempDir Path tmp) throws Exception {
        Model m = Models.load(SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.onnx"))
                .withPreprocessing(Preprocessing.caffeBgr(104, 117, 123));
        List<String> styleLayers = AdaIn.defaultStyleLayers(m.graph(), AdaIn.DEFAULT_LAYER);
        assertEquals(List.of("relu_conv1_2", "concat_fire2/concat_1", "concat_fire4/concat_1"), styleLayers);
        Path photos = folder(tmp.resolve("photos"), "chelsea.png", "coffee.png");
        Path paintings = folder(tmp.resolve("paintings"), "starry_night.jpg", "the_scream.jpg");
        List<OptimizationStep> seen = new ArrayList<>();
        AdaIn a = AdaIn.trainer(m).withSteps(2).withBatch(1).withSize(64).withLearningRate(1e-3).withSeed(1)
                .train(ImageFolder.of(photos), ImageFolder.of(paintings), seen::add);
        assertEquals(2, seen.size());
        assertTrue(seen.stream().allMatch(s -> Double.isFinite(s.loss()) && s.loss() > 0), seen.toString());
        // conv 256→128, up, conv 128→128, conv 128→64, up, up + conv 64→3 (the class comment's mirror)
        assertEquals(256 * 128 * 9 + 128 + 128 * 128 * 9 + 128 + 128 * 64 * 9 + 64 + 64 * 3 * 9 + 3, a.decoderParameters(),
                a.decoderDescription());
        a.save(tmp.resolve("model"));
        AdaIn back = AdaIn.load(tmp.resolve("model"), m).withMaxSize(96);
        BufferedImage cat = ImageIo.read(SharedData.require("images/chelsea.png"));
        BufferedImage starry = ImageIo.read(SharedData.require("images/starry_night.jpg"));
        INDArray out = a.withMaxSize(96).stylizePixels(cat, List.of(starry), new double[] {1});
        assertEquals(out, back.stylizePixels(cat, List.of(starry), new double[] {1}));
        long[] shape = out.shape();
        assertEquals(96, Math.max(shape[2], shape[3]), java.util.Arrays.toString(shape));
        assertArrayEquals(new long[] {1, 3}, new long[] {shape[0], shape[1]});
        assertTrue(out.minNumber().doubleValue() >= 0 && out.maxNumber().doubleValue() <= 255);
    }
}
