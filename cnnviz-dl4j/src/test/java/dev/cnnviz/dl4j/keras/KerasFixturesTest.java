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
import dev.cnnviz.core.graph.Graph;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The small third-party Keras files in {@code shared/models/fixtures}: imported, run, and compared with DL4J. */
class KerasFixturesTest {
    private static final double TOL = 1e-4;

    private static INDArray randomInput(long... nchwShape) {
        Nd4j.getRandom().setSeed(17);
        return Nd4j.rand(DataType.FLOAT, nchwShape).muli(2).subi(1);
    }

    @Test
    void twelveNetFunctionalWithPReluAndTwoOutputs() throws Exception {
        Path file = SharedData.require("models/fixtures/12net.h5");
        Model m = KerasImporter.load(file);
        Graph g = m.graph();
        // the input size is unknown in the file (None x None): the graph takes any size, the spec the smallest
        assertEquals(3, m.inputSpec().channels());
        assertEquals(12, m.inputSpec().height());
        assertEquals(12, m.inputSpec().width());
        assertEquals(Layout.NHWC, m.inputSpec().originalLayout());
        assertEquals(Preprocessing.raw(ChannelOrder.RGB), m.inputSpec().preprocessing());
        assertEquals("conv4-1", g.outputName());
        assertEquals("conv4-1_preact", g.scoresNode());
        assertTrue(m.source().contains("other Keras outputs") && m.source().contains("conv4-2"), m.source());
        for (String n : List.of("conv1", "PReLU1", "max_pooling2d_2", "conv2", "PReLU2", "conv3", "PReLU3", "conv4-1", "conv4-2")) {
            assertTrue(g.contains(n), n + "\n" + g.summary());
        }
        ComputationGraph dl4j = KerasModelImport.importKerasModelAndWeights(file.toString(), false);
        for (long[] shape : new long[][] {{2, 3, 12, 12}, {1, 3, 30, 22}}) {
            INDArray x = randomInput(shape);
            INDArray[] expected = dl4j.output(nhwc(x));
            try (ForwardPass pass = g.forward(x)) {
                double e1 = relL2(pass.get("conv4-1"), nchw(expected[0]));
                double e2 = relL2(pass.get("conv4-2"), nchw(expected[1]));
                System.out.printf("12net %s: conv4-1 rel L2 %.3g, conv4-2 rel L2 %.3g%n", java.util.Arrays.toString(shape), e1, e2);
                assertTrue(e1 < TOL && e2 < TOL, e1 + " " + e2);
            }
        }
    }

    @Test
    void sequentialCnnWithBatchNormalization() throws Exception {
        Path file = SharedData.require("models/fixtures/cnn_batch_norm.h5");
        Model m = KerasImporter.load(file);
        assertArrayEquals(new long[] {1, 3, 10, 10}, m.inputSpec().batchShape(1));
        assertEquals(Layout.NHWC, m.inputSpec().originalLayout());
        assertTrue(m.source().startsWith("Keras ") && m.source().contains("Sequential"), m.source());
        for (String n : List.of("conv2d_1", "batch_normalization_1", "activation_1", "conv2d_2", "dense_1")) {
            assertTrue(m.graph().contains(n), n + "\n" + m.graph().summary());
        }
        MultiLayerNetwork dl4j = KerasModelImport.importKerasSequentialModelAndWeights(file.toString(), false);
        INDArray x = randomInput(4, 3, 10, 10);
        INDArray expected = dl4j.output(nhwc(x));
        try (ForwardPass pass = m.graph().forward(x)) {
            double e = relL2(pass.output(), expected);
            System.out.printf("cnn_batch_norm: rel L2 %.3g%n", e);
            assertTrue(e < TOL, "rel L2 " + e);
        }
    }

    @Test
    void sequentialGanDiscriminatorWithLeakyReluPaddingAndBatchNorm() throws Exception {
        Path file = SharedData.require("models/fixtures/wgan_discriminator.h5");
        Model m = KerasImporter.load(file);
        assertArrayEquals(new long[] {1, 1, 28, 28}, m.inputSpec().batchShape(1));
        assertEquals(Preprocessing.unit(ChannelOrder.GREY), m.inputSpec().preprocessing());
        for (String n : List.of("conv2d_1", "leaky_re_lu_1", "dropout_1", "zero_padding2d_1", "batch_normalization_1", "conv2d_4")) {
            assertTrue(m.graph().contains(n), n + "\n" + m.graph().summary());
        }
        MultiLayerNetwork dl4j = KerasModelImport.importKerasSequentialModelAndWeights(file.toString(), false);
        INDArray x = randomInput(3, 1, 28, 28);
        INDArray expected = dl4j.output(nhwc(x));
        try (ForwardPass pass = m.graph().forward(x)) {
            INDArray ours = pass.output();
            // DL4J drops the trailing Keras Flatten; Keras flattens its [N, H, W, C] array in C order
            INDArray cmp = expected.rank() == 4 && ours.rank() == 2 ? expected.dup('c').reshape('c', ours.shape())
                    : expected.rank() == 4 ? nchw(expected) : expected;
            double e = relL2(ours, cmp);
            System.out.printf("wgan_discriminator: output %s, rel L2 %.3g%n", java.util.Arrays.toString(ours.shape()), e);
            assertTrue(e < TOL, "rel L2 " + e);
        }
    }
}
