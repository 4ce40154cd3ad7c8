package dev.cnnviz.dl4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Labels;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.featurevis.ClassVisualization;
import dev.cnnviz.core.featurevis.FeatureVisualization;
import dev.cnnviz.core.graph.ForwardPass;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Class and channel visualization on the real SqueezeNet 1.1 (issue 11): CS231n's defaults, scaled to the model's
 * 0..255 BGR input, make six classes reach p > 0.99 in 100 steps; a short channel visualization raises its
 * channel's mean activation well above its value at the start.
 */
class ImageNetClassVisualizationTest {
    private static final int[] CLASSES = {543, 968, 251, 945, 951, 250};
    private static final String[] NAMES = {"dumbbell", "cup", "dalmatian", "bell pepper", "lemon", "Siberian husky"};

    private static Model squeezeNet() throws Exception {
        Model m = Models.load(SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.onnx"));
        List<String> labels = Labels.read(SharedData.require("models/squeezenet1.1/imagenet-labels.txt"));
        return m.withLabels(labels).withPreprocessing(dev.cnnviz.api.Preprocessing.caffeBgr(104, 117, 123));
    }

    private static double probability(Model m, Synthesis s, int c) {
        long[] shape = {1, s.input().size(1), s.input().size(2), s.input().size(3)};
        try (INDArray x = Nd4j.create(s.input().data(), shape, DataType.FLOAT); ForwardPass p = m.graph().forward(x)) {
            INDArray scores = p.scores().reshape(1, -1).castTo(DataType.DOUBLE);
            INDArray prob = Transforms.softmax(scores, true);
            return prob.getDouble(0, c);
        }
    }

    @Test
    void sixClassesReachProbabilityAbove099InTheDefault100Steps() throws Exception {
        Model m = squeezeNet();
        for (int i = 0; i < NAMES.length; i++) {
            assertTrue(m.labels().get(CLASSES[i]).startsWith(NAMES[i]), m.labels().get(CLASSES[i]));
        }
        ClassVisualization cv = ClassVisualization.of(m);
        List<BufferedImage> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < CLASSES.length; i++) {
            Synthesis s = cv.visualize(CLASSES[i]);
            double p = probability(m, s, CLASSES[i]);
            images.add(s.image());
            captions.add(String.format(java.util.Locale.ROOT, "%d %s p=%.3f", CLASSES[i], NAMES[i], p));
            assertTrue(p > 0.99, NAMES[i] + ": p = " + p + " after " + s.steps() + " steps");
        }
        writeRow(images, captions, Path.of("target", "squeezenet-six-classes.png"));
    }

    @Test
    void shortChannelVisualizationsRaiseTheirChannels() throws Exception {
        Model m = squeezeNet();
        String layer = "concat_fire5/concat_1";
        FeatureVisualization fv = FeatureVisualization.of(m).withSteps(64).withSize(64);
        List<Synthesis> grid = fv.channelGrid(layer, 6, Path.of("target", "squeezenet-fire5-channels.png"));
        StringBuilder all = new StringBuilder();
        int offAtStart = 0;
        for (int c = 0; c < grid.size(); c++) {
            double[] losses = grid.get(c).losses();
            all.append(String.format(java.util.Locale.ROOT, " %d: %.3g -> %.3g", c, -losses[0], -losses[losses.length - 1]));
            offAtStart += -losses[0] == 0 ? 1 : 0;
        }
        for (int c = 0; c < grid.size(); c++) {
            double[] losses = grid.get(c).losses();
            double start = -losses[0];
            double end = -losses[losses.length - 1];
            // every channel, including one that is off on the near-uniform start (Lucid's redirected ReLU gradient
            // starts it), ends well above its start
            assertTrue(end > 2 * start + 0.5, "channel " + c + "'s mean went from " + start + " to " + end + ";" + all);
        }
        System.out.println("fire5 channel means (start -> end), " + offAtStart + " off at the start:" + all);
    }

    static void writeRow(List<BufferedImage> images, List<String> captions, Path file) throws Exception {
        int t = 224;
        BufferedImage out = new BufferedImage(images.size() * (t + 8) + 8, t + 36, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(Color.BLACK);
        for (int i = 0; i < images.size(); i++) {
            g.drawImage(images.get(i), 8 + i * (t + 8), 8, t, t, null);
            g.drawString(captions.get(i), 8 + i * (t + 8), t + 28);
        }
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(out, "png", file.toFile());
    }
}
