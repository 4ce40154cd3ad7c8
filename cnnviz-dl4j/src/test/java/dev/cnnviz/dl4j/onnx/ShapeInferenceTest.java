package dev.cnnviz.dl4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Input;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ModelProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The importer's static shapes (the operators' shape functions, {@code Op.outputShape}, applied node by node as the
 * graph is translated, and {@code Graph.shapes} over the finished graph) agree with the shapes the operators really
 * produce on real models.
 */
class ShapeInferenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"squeezenet1.1/squeezenet1.1-imagenet.onnx", "fixtures/tiny-resnet.onnx",
        "fixtures/tiny-mobilenet.onnx", "fixtures/winml-mnist.onnx", "style/candy.onnx"})
    void staticShapesMatchTheForwardPass(String relative) throws Exception {
        Path f = SharedData.require("models/" + relative);
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(f));
        GraphTranslator t = new GraphTranslator(m.getGraph(), (int) m.getOpsetImport(0).getVersion(), f.getParent(),
                OnnxImporter.Options.defaults());
        Graph g = t.translate();
        Map<String, long[]> shapes = t.staticShapes();
        Map<String, long[]> graphShapes = g.shapes(1, t.channels(), t.height(), t.width());
        INDArray x = Nd4j.zeros(DataType.FLOAT, 1, t.channels(), t.height(), t.width());
        int checked = 0;
        int total = 0;
        try (ForwardPass pass = g.forward(x)) {
            for (Node n : g.nodes()) {
                if (n.op() instanceof Constant || n.op() instanceof Input) {
                    continue;
                }
                total++;
                long[] s = shapes.get(n.name());
                assertArrayEquals(pass.get(n.name()).shape(), graphShapes.get(n.name()), "Graph.shapes of " + n);
                if (s != null) {
                    assertArrayEquals(pass.get(n.name()).shape(), s, "static shape of " + n);
                    checked++;
                }
            }
        }
        System.out.printf("%s: %d of %d node shapes derived statically%n", relative, checked, total);
        assertTrue(checked == total, checked + " of " + total);
    }
}
