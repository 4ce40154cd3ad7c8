package dev.cnnviz.dl4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The shared importer fixtures: PyTorch exports with known outputs, and third-party small models. */
class FixtureOnnxTest {

    /** tiny-resnet and tiny-mobilenet (opset 13, symbolic batch) reproduce PyTorch's outputs. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-resnet", "tiny-mobilenet"})
    void reproducesPyTorch(String name) throws Exception {
        Model m = OnnxImporter.load(SharedFiles.require("models/fixtures/" + name + ".onnx"));
        INDArray x = Nd4j.createFromNpyFile(SharedFiles.require("models/fixtures/" + name + "-input.npy").toFile());
        INDArray expected = Nd4j.createFromNpyFile(SharedFiles.require("models/fixtures/" + name + "-output.npy").toFile())
                .castTo(DataType.FLOAT);
        assertEquals(3, m.inputSpec().channels());
        assertEquals(64, m.inputSpec().height());
        Graph g = m.graph();
        assertEquals(g.outputName(), g.scoresNode(), "no final softmax: the scores are the output");
        try (ForwardPass pass = g.infer(x, List.of())) {
            INDArray y = pass.output().castTo(DataType.FLOAT);
            assertArrayEquals(expected.shape(), y.shape());
            double rel = y.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
            double maxAbs = y.sub(expected).amaxNumber().doubleValue();
            System.out.printf("%s: relative L2 error %.3g, max abs error %.3g (output norm %.3g)%n", name, rel, maxAbs,
                    expected.norm2Number().doubleValue());
            assertTrue(rel < 1e-4, name + " relative L2 error " + rel);
        }
    }

    @Test
    void tinyMobilenetClipBoundsAreFoldedFromConstantInputs() throws Exception {
        Model m = OnnxImporter.load(SharedFiles.require("models/fixtures/tiny-mobilenet.onnx"));
        Graph g = m.graph();
        long clips = g.nodes().stream().filter(n -> n.op().kind().equals("Clip")).count();
        assertTrue(clips > 10);
        g.nodes().stream().filter(n -> n.op().kind().equals("Clip"))
                .forEach(n -> assertEquals(1, n.inputs().size(), "Clip bounds are attributes: " + n));
        assertTrue(g.contains("/features/features.0/features.0.0/Conv"), "ONNX node names are kept");
    }

    /** The Windows ML MNIST model (CNTK, opset 7): SAME_UPPER convolutions, reshaped MatMul weights. */
    @Test
    void winmlMnistImportsAndRuns() throws Exception {
        Model m = OnnxImporter.load(SharedFiles.require("models/fixtures/winml-mnist.onnx"));
        assertEquals(1, m.inputSpec().channels());
        assertEquals(28, m.inputSpec().height());
        assertEquals(28, m.inputSpec().width());
        assertEquals(Preprocessing.unit(ChannelOrder.GREY), m.inputSpec().preprocessing());
        System.out.println(m.graph().summary());
        for (INDArray x : List.of(Nd4j.zeros(DataType.FLOAT, 1, 1, 28, 28), Nd4j.rand(DataType.FLOAT, 1, 1, 28, 28).muli(255))) {
            try (ForwardPass pass = m.graph().infer(x, List.of())) {
                INDArray y = pass.output();
                assertArrayEquals(new long[] {1, 10}, y.shape());
                assertTrue(Double.isFinite(y.sumNumber().doubleValue()));
            }
        }
    }

    /** DL4J's output_cnn_mnist.onnx ends in LogSoftmax, which is outside cnnviz's operator set. */
    @Test
    void outputCnnMnistNamesTheUnsupportedLogSoftmax() {
        Path f = SharedFiles.require("models/fixtures/output_cnn_mnist.onnx");
        ModelImportException e = assertThrows(ModelImportException.class, () -> OnnxImporter.load(f));
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains("output_cnn_mnist.onnx"), e.getMessage());
        assertTrue(e.getMessage().contains("LogSoftmax_15"), e.getMessage());
        assertTrue(e.getMessage().contains("operator LogSoftmax"), e.getMessage());
        assertTrue(e.getMessage().contains("Supported operators: Add, Affine, AveragePool"), e.getMessage());
    }

    /** DL4J's sm_cnn.onnx is a PyTorch 0.2 text CNN: IR version 1 without opsets, three rank-3 inputs, Log. */
    @Test
    void smCnnIsRejectedClearly() {
        Path f = SharedFiles.require("models/fixtures/sm_cnn.onnx");
        ModelImportException e = assertThrows(ModelImportException.class, () -> OnnxImporter.load(f));
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains("sm_cnn.onnx"), e.getMessage());
        assertTrue(e.getMessage().contains("opset"), e.getMessage());
        assertTrue(e.getMessage().contains("Log"), e.getMessage());
    }
}
