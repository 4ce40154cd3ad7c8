package dev.cnnviz.dl4j.keras;

import static dev.cnnviz.dl4j.dl4j.Dl4jReference.nchw;
import static dev.cnnviz.dl4j.dl4j.Dl4jReference.nhwc;
import static dev.cnnviz.dl4j.dl4j.Dl4jReference.relL2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Softmax;
import dev.cnnviz.dl4j.dl4j.Dl4jReference;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The shared Keras 2.2.4 SqueezeNet 1.1 (functional, channels_last) against its known answer and against DL4J. */
class KerasImageNetKnownAnswerTest {
    private static Path file;
    private static Model model;
    private static INDArray cat;

    @BeforeAll
    static void load() throws Exception {
        file = SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.h5");
        Path input = SharedData.require("models/squeezenet1.1/cat-input.npy");
        long t0 = System.nanoTime();
        model = KerasImporter.load(file);
        System.out.printf("SqueezeNet Keras import: %.1f ms (first import in this JVM)%n", (System.nanoTime() - t0) / 1e6);
        cat = Nd4j.createFromNpyFile(input.toFile());
    }

    @Test
    void inputSpecNamesAndSource() {
        assertEquals(3, model.inputSpec().channels());
        assertEquals(224, model.inputSpec().height());
        assertEquals(224, model.inputSpec().width());
        assertEquals(Layout.NHWC, model.inputSpec().originalLayout());
        assertEquals(Preprocessing.raw(ChannelOrder.RGB), model.inputSpec().preprocessing());
        assertTrue(model.source().startsWith("Keras 2.2.4 functional (HDF5, channels_last"), model.source());
        assertTrue(model.source().endsWith("squeezenet1.1-imagenet.h5"), model.source());
        Graph g = model.graph();
        assertEquals(List.of("input_1"), g.inputNames());
        for (String n : List.of("conv1", "relu_conv1", "pool1", "fire2_squeeze1x1", "fire2_concat", "fire9_concat", "drop9",
                "conv10", "relu_conv10", "global_average_pooling2d_1", "loss")) {
            assertTrue(g.contains(n), n + " missing\n" + g.summary());
        }
        assertEquals("loss", g.outputName());
        assertTrue(g.node("loss").op() instanceof Softmax);
        assertEquals("global_average_pooling2d_1", g.scoresNode());
    }

    @Test
    void catKnownAnswer() {
        INDArray logits = Nd4j.createFromNpyFile(SharedData.require("models/squeezenet1.1/cat-logits.npy").toFile());
        try (ForwardPass pass = model.graph().forward(cat)) {
            INDArray probs = pass.output();
            INDArray scores = pass.scores();
            assertArrayEquals(new long[] {1, 1000}, probs.shape());
            assertArrayEquals(new long[] {1, 1000}, scores.shape());
            assertEquals(285, probs.argMax(1).getInt(0));
            double p = probs.getDouble(0, 285);
            double err = relL2(scores, logits);
            System.out.printf("SqueezeNet Keras: class 285 probability %.5f, scores rel L2 vs cat-logits %.3g%n", p, err);
            assertEquals(0.7616, p, 1e-3);
            assertTrue(err < 1e-4, "rel L2 " + err);
        }
    }

    @Test
    void inputGradientMatchesDl4jBackprop() throws Exception {
        ComputationGraph dl4j = Dl4jReference.backpropReady(KerasModelImport.importKerasModelAndWeights(file.toString(), false));
        INDArray x = nhwc(cat);
        // forward agrees with DL4J's own output
        INDArray dl4jOut = dl4j.outputSingle(x);
        try (ForwardPass pass = model.graph().forward(cat)) {
            assertTrue(relL2(pass.output(), dl4jOut) < 1e-5, "output rel L2 " + relL2(pass.output(), dl4jOut));
            // the class-285 score before the softmax
            INDArray oneHot = Nd4j.zeros(DataType.FLOAT, 1, 1000).putScalar(0, 285, 1.0);
            INDArray expected = nchw(Dl4jReference.inputGradient(dl4j, x, "global_average_pooling2d_1", oneHot));
            Gradients g = pass.backward(Map.of(model.graph().scoresNode(), oneHot), List.of("input_1"));
            double err = relL2(g.get("input_1"), expected);
            // a random seed on the softmax output
            Nd4j.getRandom().setSeed(9);
            INDArray seed = Nd4j.randn(DataType.FLOAT, 1, 1000);
            INDArray expected2 = nchw(Dl4jReference.inputGradient(dl4j, x, "loss", seed));
            Gradients g2 = pass.backward(Map.of("loss", seed), List.of("input_1"));
            double err2 = relL2(g2.get("input_1"), expected2);
            System.out.printf("SqueezeNet Keras input gradient vs DL4J backprop: class-285 score %.3g, random seed at softmax %.3g%n",
                    err, err2);
            assertTrue(err < 1e-4, "rel L2 " + err);
            assertTrue(err2 < 1e-4, "rel L2 " + err2);
        }
    }
}
