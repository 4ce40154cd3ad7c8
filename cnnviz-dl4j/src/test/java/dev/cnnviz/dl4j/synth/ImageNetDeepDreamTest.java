package dev.cnnviz.dl4j.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.featurevis.DeepDream;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.dl4j.Models;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DeepDream on the real SqueezeNet 1.1 with the cat at 300x400, not the model's 224x224. */
class ImageNetDeepDreamTest {
    private static Model model;
    private static BufferedImage cat;

    @BeforeAll
    static void load() throws Exception {
        model = Models.load(SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.onnx"))
                .withPreprocessing(Preprocessing.caffeBgr(104, 117, 123));
        cat = ImageResize.resize(ImageIo.read(SharedData.require("images/cat.jpg")), 400, 300);
    }

    @Test
    void dreamsAtTheImagesSizeRaisingTheLayerReproducibly() {
        DeepDream dd = DeepDream.of(model).withLayer("concat_fire5/concat_1").withSteps(5);
        Synthesis s = dd.dream(cat);
        assertEquals(400, s.image().getWidth());
        assertEquals(300, s.image().getHeight());
        assertArrayEquals(new int[] {1, 3, 300, 400}, s.input().shape());
        assertEquals(20, s.steps());
        List<OptimizationStep> h = s.history();
        for (int o = 0; o < 4; o++) {
            double first = -h.get(o * 5).loss();
            double last = -h.get(o * 5 + 4).loss();
            assertTrue(last > first, "octave " + o + ": l2 " + first + " -> " + last);
            if (o > 0) {
                assertTrue(first > -h.get((o - 1) * 5 + 4).loss(), "octave " + o + " starts above where octave "
                        + (o - 1) + " ended (larger image, carried detail)");
            }
        }
        Synthesis again = dd.dream(cat);
        assertArrayEquals(s.input().data(), again.input().data(), "same seed, same image");
    }

    @Test
    void aLayerTooDeepForTheSmallestOctaveAndBadNamesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeepDream.of(model).withLayer("concat_fire9/concat_1").withOctaves(8).withOctaveScale(2).dream(cat));
        assertTrue(e.getMessage().contains("octave 1 of 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DeepDream.of(model).withLayer("fire5"));
        assertTrue(e.getMessage().contains("concat_fire5/concat_1") || e.getMessage().contains("fire5"), e.getMessage());
    }
}
