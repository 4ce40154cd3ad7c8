package dev.cnnviz.dl4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Softmax;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The shared Caffe2 SqueezeNet 1.1 (opset 7, unnamed nodes, initializers listed as inputs, Dropout with a mask). */
class OnnxImageNetKnownAnswerTest {
    private static Path file;
    private static OnnxImporter.Result result;

    @BeforeAll
    static void load() throws Exception {
        file = SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.onnx");
        long t0 = System.nanoTime();
        result = OnnxImporter.read(file, OnnxImporter.Options.defaults());
        long t1 = System.nanoTime();
        int runs = 5;
        long best = Long.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            long s = System.nanoTime();
            OnnxImporter.load(file);
            best = Math.min(best, System.nanoTime() - s);
        }
        System.out.printf("SqueezeNet ONNX import: first %.1f ms (cold JVM), best of %d warm runs %.1f ms%n",
                (t1 - t0) / 1e6, runs, best / 1e6);
    }

    @Test
    void inputSpecAndSource() {
        Model m = result.model();
        assertEquals(3, m.inputSpec().channels());
        assertEquals(224, m.inputSpec().height());
        assertEquals(224, m.inputSpec().width());
        assertEquals(Layout.NCHW, m.inputSpec().originalLayout());
        assertEquals(Preprocessing.raw(ChannelOrder.RGB), m.inputSpec().preprocessing());
        assertEquals(7, result.opset());
        assertTrue(m.source().startsWith("ONNX (opset 7, producer onnx-caffe2"), m.source());
        assertTrue(m.source().endsWith("squeezenet1.1-imagenet.onnx"), m.source());
        assertEquals(List.of("data_0"), m.graph().inputNames());
    }

    @Test
    void nodeNamesAreReadableAndUniqueAndScoresAreTheGlobalAveragePool() {
        Graph g = result.model().graph();
        System.out.println(g.summary());
        List<String> names = g.names();
        assertEquals(names.size(), new HashSet<>(names).size());
        assertTrue(g.contains("conv_conv1_1"), names.toString());
        assertTrue(g.contains("relu_conv1_2"), names.toString());
        assertTrue(g.contains("maxpool_pool1_1"), names.toString());
        assertTrue(g.contains("concat_fire9/concat_1"), names.toString());
        assertTrue(g.contains("conv1_w_0"), "initializers keep their names: " + names);
        assertEquals("globalaveragepool_pool10_1", g.scoresNode());
        assertEquals("softmax_softmaxout_1", g.outputName());
        assertTrue(g.node(g.outputName()).op() instanceof Softmax);
        assertEquals("globalaveragepool_pool10_1", result.tensorToNode().get("pool10_1"));
        assertEquals("conv_conv1_1", result.tensorToNode().get("conv1_1"));
        // 26 convolutions with weights and biases; every initializer is a constant, none is an input
        long convs = g.nodes().stream().filter(n -> n.op().kind().equals("Conv")).count();
        assertEquals(26, convs);
        assertEquals(52, g.constantNames().size());
        Set<String> consumedConstants = new HashSet<>();
        for (Node n : g.nodes()) {
            for (String in : n.inputs()) {
                if (g.node(in).op() instanceof Constant) {
                    consumedConstants.add(in);
                }
            }
        }
        assertEquals(52, consumedConstants.size());
        List<String> nonConstant = g.nodes().stream().filter(n -> !(n.op() instanceof Constant)).map(Node::name).toList();
        System.out.println("first 10 non-constant nodes: " + nonConstant.subList(0, 10));
    }

    @Test
    void catIsAnEgyptianCatAndTheScoresMatchTheLogits() {
        INDArray x = Nd4j.createFromNpyFile(SharedData.require("models/squeezenet1.1/cat-input.npy").toFile());
        INDArray expected = Nd4j.createFromNpyFile(SharedData.require("models/squeezenet1.1/cat-logits.npy").toFile())
                .castTo(DataType.FLOAT);
        assertArrayEquals(new long[] {1, 3, 224, 224}, x.shape());
        Graph g = result.model().graph();
        try (ForwardPass pass = g.infer(x, List.of())) {
            INDArray scores = pass.scores();
            assertArrayEquals(new long[] {1, 1000, 1, 1}, scores.shape());
            INDArray s = scores.reshape(1, 1000).castTo(DataType.FLOAT);
            double rel = s.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
            double maxAbs = s.sub(expected).amaxNumber().doubleValue();
            INDArray p = pass.output().reshape(1, 1000);
            int top = p.argMax(1).getInt(0);
            double prob = p.getDouble(0, top);
            System.out.printf("SqueezeNet cat: top class %d p=%.4f, score %.3f; scores vs cat-logits: relative L2 %.3g, max abs %.3g%n",
                    top, prob, s.getDouble(0, top), rel, maxAbs);
            assertEquals(285, top);
            assertEquals(0.7616, prob, 0.001);
            assertTrue(rel < 1e-4, "relative L2 error " + rel);
            assertFalse(Double.isNaN(maxAbs));
        }
    }
}
