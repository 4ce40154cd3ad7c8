package dev.cnnviz.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Stylization;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.style.GatysStyle;
import dev.cnnviz.core.style.TextureSynthesis;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Gatys style transfer and texture synthesis on the shared ImageNet SqueezeNet with its CS231n layers, on small
 * images: the default layers exist, the style loss falls tenfold, and a seed gives the same bits.
 */
class StyleGatysTest {
    private static Model lossModel() throws Exception {
        return Models.load(SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.onnx"))
                .withPreprocessing(Preprocessing.caffeBgr(104, 117, 123));
    }

    private static double style(OptimizationStep s) {
        return s.terms().entrySet().stream().filter(e -> e.getKey().startsWith("style:"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    @Test
    void gatysWithTheDefaultLayersLowersTheStyleLossTenfold() throws Exception {
        Model m = lossModel();
        BufferedImage content = ImageIo.read(SharedData.require("images/chelsea.png"));
        BufferedImage style = ImageIo.read(SharedData.require("images/starry_night.jpg"));
        Stylization s = GatysStyle.of(m).withSize(96).withSteps(20).stylize(content, style);
        List<OptimizationStep> h = s.history();
        assertEquals(List.of("content", "style:relu_conv1_2", "style:concat_fire3/concat_1",
                "style:concat_fire4/concat_1", "style:concat_fire5/concat_1", "tv", "range"),
                List.copyOf(h.get(0).terms().keySet()));
        double first = style(h.get(0));
        double last = style(h.get(h.size() - 1));
        assertTrue(last <= first / 10, "style loss " + first + " -> " + last);
        assertEquals(96, s.image().getWidth());
    }

    @Test
    void textureFromNoiseIsDeterministic() throws Exception {
        Model m = lossModel();
        BufferedImage brick = ImageIo.read(SharedData.require("images/brick.png"));
        TextureSynthesis t = TextureSynthesis.of(m).withSize(64).withSteps(15).withSeed(3);
        Stylization a = t.synthesize(brick);
        Stylization b = t.synthesize(brick);
        assertArrayEquals(a.pixels().data(), b.pixels().data());
        double first = style(a.history().get(0));
        double last = style(a.history().get(a.history().size() - 1));
        assertTrue(last <= first / 10, "style loss " + first + " -> " + last);
    }
}
