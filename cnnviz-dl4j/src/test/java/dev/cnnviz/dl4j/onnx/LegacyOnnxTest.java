package dev.cnnviz.dl4j.onnx;

import static dev.cnnviz.dl4j.onnx.OnnxModels.f;
import static dev.cnnviz.dl4j.onnx.OnnxModels.floats;
import static dev.cnnviz.dl4j.onnx.OnnxModels.i;
import static dev.cnnviz.dl4j.onnx.OnnxModels.input;
import static dev.cnnviz.dl4j.onnx.OnnxModels.ints;
import static dev.cnnviz.dl4j.onnx.OnnxModels.legacyModel;
import static dev.cnnviz.dl4j.onnx.OnnxModels.model;
import static dev.cnnviz.dl4j.onnx.OnnxModels.node;
import static dev.cnnviz.dl4j.onnx.OnnxModels.output;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Input;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.AttributeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ModelProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.NodeProto;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Files from before ONNX 1.0 (IR version 1, no opset import) read at opset 1; graphs whose inputs are not one
 * image ({@link OnnxImporter#readGraph}); 1-D convolution and max pooling.
 */
class LegacyOnnxTest {

    private static OnnxImporter.GraphResult graph(ModelProto m) throws ModelImportException {
        return OnnxImporter.readGraph(OnnxModels.stream(m), "legacy.onnx", OnnxImporter.Options.defaults());
    }

    private static INDArray run(Graph g, Map<String, INDArray> inputs) {
        try (ForwardPass pass = g.infer(inputs, List.of())) {
            return pass.output().dup();
        }
    }

    private static String fails(Executable e, String... fragments) {
        ModelImportException ex = assertThrows(ModelImportException.class, e);
        for (String f : fragments) {
            assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' lacks '" + f + "'");
        }
        return ex.getMessage();
    }

    /** All ONNX value names a graph defines (inputs, initializers, node outputs). */
    private static Set<String> onnxNames(GraphProto g) {
        Set<String> s = new HashSet<>();
        g.getInputList().forEach(v -> s.add(v.getName()));
        g.getInitializerList().forEach(t -> s.add(t.getName()));
        for (NodeProto n : g.getNodeList()) {
            s.addAll(n.getOutputList());
        }
        return s;
    }

    // ---- opset 1 -------------------------------------------------------------------------------------------

    /**
     * Add, Mul and Sub broadcast B only with broadcast=1: from axis (a bias [C] on [N, C, L] with axis 1, a
     * computed [N, C] with axis 0) or onto the last axes without it; Reshape takes its shape as an attribute;
     * Concat's axis defaults to 1.
     */
    @Test
    void legacyBroadcastReshapeAttributeAndConcatDefaultAxis() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 2, 3))
                .addInput(input("q", 1, 2))
                .addInitializer(floats("bias", new long[] {2}, 10f, 20f))
                .addInitializer(floats("scale", new long[] {3}, 1f, 2f, 3f))
                .addInitializer(floats("one", new long[] {1}, 1f))
                .addNode(node("Add", "add_bias", List.of("x", "bias"), List.of("a"), i("broadcast", 1), i("axis", 1)))
                .addNode(node("Mul", "mul_scale", List.of("a", "scale"), List.of("m"), i("broadcast", 1)))
                .addNode(node("Sub", "sub_one", List.of("m", "one"), List.of("s"), i("broadcast", 1)))
                .addNode(node("Add", "add_q", List.of("s", "q"), List.of("t"), i("broadcast", 1), i("axis", 0)))
                .addNode(node("Reshape", "flat", List.of("t"), List.of("r"), ints("shape", 0, -1)))
                .addNode(node("Concat", "twice", List.of("r", "r"), List.of("y")))
                .addOutput(output("y")).build();
        OnnxImporter.GraphResult r = graph(legacyModel(g));
        assertEquals(1, r.opset());
        assertEquals(List.of("x", "q"), r.graph().inputNames());
        assertTrue(onnxNames(g).containsAll(r.tensorToNode().keySet()), "only ONNX names: " + r.tensorToNode().keySet());
        float[] xv = {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6};
        float[] qv = {100, 200, 300, 400};
        INDArray y = run(r.graph(), Map.of("x", Nd4j.create(xv, new long[] {2, 2, 3}, 'c'),
                "q", Nd4j.create(qv, new long[] {2, 2}, 'c')));
        assertArrayEquals(new long[] {2, 12}, y.shape());
        float[] expected = new float[24];
        float[] bias = {10, 20};
        float[] scale = {1, 2, 3};
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 2; c++) {
                for (int l = 0; l < 3; l++) {
                    float v = (xv[(n * 2 + c) * 3 + l] + bias[c]) * scale[l] - 1 + qv[n * 2 + c];
                    expected[n * 12 + c * 3 + l] = v;
                    expected[n * 12 + 6 + c * 3 + l] = v;
                }
            }
        }
        assertArrayEquals(expected, y.reshape(24).toFloatVector(), 1e-4f);
    }

    /** The same operator without broadcast=1 needs equal shapes; with it, B must match A from the axis. */
    @Test
    void broadcastMismatchesAreRejected() {
        GraphProto noBroadcast = GraphProto.newBuilder()
                .addInput(input("x", 1, 2, 3))
                .addInitializer(floats("bias", new long[] {3}, 1f, 2f, 3f))
                .addNode(node("Add", "add", List.of("x", "bias"), List.of("y")))
                .addOutput(output("y")).build();
        fails(() -> graph(legacyModel(noBroadcast)), "node 'add' (Add)", "shapes [1, 2, 3] and [3]", "no broadcast=1",
                "before opset 7");
        GraphProto wrongAxis = GraphProto.newBuilder()
                .addInput(input("x", 1, 2, 3))
                .addInitializer(floats("bias", new long[] {3}, 1f, 2f, 3f))
                .addNode(node("Add", "add", List.of("x", "bias"), List.of("y"), i("broadcast", 1), i("axis", 1)))
                .addOutput(output("y")).build();
        fails(() -> graph(legacyModel(wrongAxis)), "node 'add' (Add)", "B of shape [3] does not match A of shape [1, 2, 3] from axis 1");
    }

    /** Dropout before opset 7 is the identity only with is_test=1; its default 0 is training mode. */
    @Test
    void dropoutNeedsTestMode() throws Exception {
        GraphProto.Builder b = GraphProto.newBuilder()
                .addInput(input("x", 1, 4))
                .addNode(node("Dropout", "drop", List.of("x"), List.of("y", "mask"), f("ratio", 0.5f)))
                .addOutput(output("y"));
        fails(() -> graph(legacyModel(b.build())), "node 'drop' (Dropout)", "training mode (is_test=0");
        GraphProto test = b.setNode(0, node("Dropout", "drop", List.of("x"), List.of("y", "mask"), f("ratio", 0.5f),
                i("is_test", 1))).build();
        INDArray x = Nd4j.createFromArray(1f, -2f, 3f, -4f).reshape(1, 4);
        assertArrayEquals(x.toFloatVector(), run(graph(legacyModel(test)).graph(), Map.of("x", x)).toFloatVector(), 0f);
    }

    /**
     * Operators whose opset-1 definition cnnviz does not implement fail naming the operator and the reason;
     * operators cnnviz does not know at all keep the usual message.
     */
    @Test
    void operatorsOutsideTheOpset1SetAreRejected() {
        GraphProto bn = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addInitializer(floats("s", new long[] {1}, 1f))
                .addNode(node("BatchNormalization", "bn", List.of("x", "s", "s", "s", "s"), List.of("y"), i("is_test", 1)))
                .addOutput(output("y")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(legacyModel(bn)), "bn.onnx"), "bn.onnx", "node 'bn' (BatchNormalization)",
                "read at opset 1", "BatchNormalization at that opset is not supported", "is_test",
                "Operators supported at opset 1: Add, AveragePool");
        GraphProto hs = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addNode(node("HardSigmoid", "hs", List.of("x"), List.of("y")))
                .addOutput(output("y")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(legacyModel(hs)), "hs.onnx"), "node 'hs' (HardSigmoid)",
                "cnnviz implements HardSigmoid as defined from opset 7 on");
        GraphProto hardmax = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addNode(node("Hardmax", "hm", List.of("x"), List.of("y")))
                .addOutput(output("y")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(legacyModel(hardmax)), "hm.onnx"), "node 'hm'",
                "operator Hardmax, which cnnviz does not support (model opset 1)");
        // Only IR versions 1 and 2 lack opset imports legitimately; a later file without one is still rejected.
        ModelProto ir3 = legacyModel(hs).toBuilder().setIrVersion(3).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(ir3), "ir3.onnx"), "imports no opset", "IR version 3");
    }

    /** An image model of IR version 1 imports as a Model; its Softmax flattens from axis 1 as before opset 13. */
    @Test
    void legacyImageModelImportsAsAModel() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addInitializer(floats("w", new long[] {1, 1, 1, 1}, 2f))
                .addNode(node("Conv", "conv", List.of("x", "w"), List.of("c"), ints("kernel_shape", 1, 1)))
                .addNode(node("Relu", "relu", List.of("c"), List.of("r")))
                .addNode(node("Softmax", "sm", List.of("r"), List.of("y")))
                .addOutput(output("y")).build();
        OnnxImporter.Result r = OnnxImporter.read(OnnxModels.stream(legacyModel(g)), "old.onnx", OnnxImporter.Options.defaults());
        assertEquals(1, r.opset());
        assertEquals("pytorch 0.2", r.producer());
        Model m = r.model();
        assertTrue(m.source().contains("opset 1"), m.source());
        assertEquals("relu", m.graph().scoresNode());
        INDArray x = Nd4j.createFromArray(0f, 1f, -1f, 2f).reshape(1, 1, 2, 2);
        INDArray y = run(m.graph(), Map.of("x", x));
        // softmax over the 4 values of relu(2x) = [0, 2, 0, 4]
        double z = 2 + Math.exp(2) + Math.exp(4);
        assertArrayEquals(new float[] {(float) (1 / z), (float) (Math.exp(2) / z), (float) (1 / z), (float) (Math.exp(4) / z)},
                y.reshape(4).toFloatVector(), 1e-6f);
    }

    // ---- 1-D operators -------------------------------------------------------------------------------------

    private static GraphProto conv1d(AttributeProto... convAttrs) {
        float[] w = {1, -1, 2, 0.5f, 0, 1, -2, 1, 1, 1, 1, 1};
        return GraphProto.newBuilder()
                .addInput(input("x", 1, 2, 5))
                .addInitializer(floats("w", new long[] {3, 2, 2}, w))
                .addInitializer(floats("b", new long[] {3}, 0.5f, -0.5f, 0f))
                .addNode(node("Conv", "conv", List.of("x", "w", "b"), List.of("c"), convAttrs))
                .addNode(node("MaxPool", "pool", List.of("c"), List.of("y"), ints("kernel_shape", 2), ints("strides", 2),
                        ints("pads", 0)))
                .addOutput(output("y")).build();
    }

    /**
     * 1-D Conv and MaxPool on [N, C, L], with standard attributes (one value per axis, pads [begin, end]) and with
     * the 2-D-view attributes PyTorch 0.2 wrote for Conv1d (strides [1, s], pads [0, begin, 0, end]): both give
     * the plain-Java result.
     */
    @Test
    void oneDimensionalConvAndMaxPool() throws Exception {
        float[] w = {1, -1, 2, 0.5f, 0, 1, -2, 1, 1, 1, 1, 1};
        float[] bias = {0.5f, -0.5f, 0f};
        float[] xv = {1, 2, 3, 4, 5, -1, 0, 1, 0, -1, 2, 2, 2, 2, 2, 0.5f, 0.5f, -0.5f, -0.5f, 1};
        INDArray x = Nd4j.create(xv, new long[] {2, 2, 5}, 'c');
        // Conv: kernel 2, pads [1, 0] -> length 5; MaxPool kernel 2 stride 2 -> length 2.
        float[] expected = new float[2 * 3 * 2];
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < 3; o++) {
                float[] conv = new float[5];
                for (int t = 0; t < 5; t++) {
                    float acc = bias[o];
                    for (int c = 0; c < 2; c++) {
                        for (int k = 0; k < 2; k++) {
                            int i = t + k - 1;
                            if (i >= 0 && i < 5) {
                                acc += xv[(n * 2 + c) * 5 + i] * w[(o * 2 + c) * 2 + k];
                            }
                        }
                    }
                    conv[t] = acc;
                }
                expected[(n * 3 + o) * 2] = Math.max(conv[0], conv[1]);
                expected[(n * 3 + o) * 2 + 1] = Math.max(conv[2], conv[3]);
            }
        }
        GraphProto standard = conv1d(ints("kernel_shape", 2), ints("strides", 1), ints("pads", 1, 0), ints("dilations", 1));
        GraphProto view2d = conv1d(ints("kernel_shape", 2), ints("strides", 1, 1), ints("pads", 0, 1, 0, 0), ints("dilations", 1, 1));
        for (ModelProto m : List.of(model(13, standard), legacyModel(view2d), legacyModel(standard))) {
            OnnxImporter.GraphResult r = graph(m);
            Graph g = r.graph();
            assertEquals("Conv", g.node("conv").op().kind(), "the 2-D convolution keeps the node's name");
            assertEquals("MaxPool", g.node("pool").op().kind());
            assertEquals(g.outputName(), r.tensorToNode().get("y"));
            INDArray y = run(g, Map.of("x", x));
            assertArrayEquals(new long[] {2, 3, 2}, y.shape());
            assertArrayEquals(expected, y.reshape(12).toFloatVector(), 1e-5f, "opset " + r.opset());
        }
        fails(() -> graph(model(13, conv1d(ints("kernel_shape", 2), ints("strides", 2, 1)))), "node 'conv' (Conv)",
                "attribute 'strides' = [2, 1] does not fit a 1-D operator");
        fails(() -> graph(model(13, conv1d(ints("kernel_shape", 2), ints("pads", 1, 1, 1, 1)))),
                "pads [1, 1, 1, 1] do not fit a 1-D operator");
        fails(() -> graph(model(13, conv1d(ints("kernel_shape", 3)))), "kernel_shape [3] for weights of shape [3, 2, 2]");
        GraphProto rank4 = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 4, 4))
                .addNode(node("MaxPool", "pool", List.of("x"), List.of("y"), ints("kernel_shape", 2), ints("pads", 1)))
                .addOutput(output("y")).build();
        fails(() -> graph(model(13, rank4)), "node 'pool' (MaxPool)", "pads [1] do not fit a 1-D operator");
        GraphProto rank4Zero = rank4.toBuilder().setNode(0, node("MaxPool", "pool", List.of("x"), List.of("y"),
                ints("kernel_shape", 2))).build();
        fails(() -> graph(model(13, rank4Zero)), "node 'pool' (MaxPool)", "1-D attributes but reads a value of rank 4");
    }

    // ---- graphs whose inputs are not one image -------------------------------------------------------------

    /** Several inputs of any rank: load() (a Model) refuses them, readGraph imports them with their shapes. */
    @Test
    void readGraphTakesInputsThatAModelCannot() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("a", "batch", 3))
                .addInput(input("b", "batch", 3))
                .addNode(node("Add", "sum", List.of("a", "b"), List.of("s")))
                .addNode(node("LogSoftmax", "logp", List.of("s"), List.of("y")))
                .addOutput(output("y")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(model(13, g)), "two.onnx"), "2 inputs", "exactly one image input",
                "OnnxImporter.readGraph");
        OnnxImporter.GraphResult r = OnnxImporter.readGraph(OnnxModels.stream(model(13, g)), "two.onnx",
                OnnxImporter.Options.defaults());
        Graph graph = r.graph();
        assertEquals(13, r.opset());
        assertEquals(List.of("a", "b"), graph.inputNames());
        assertArrayEquals(new long[] {3}, ((Input) graph.node("a").op()).shape());
        assertEquals("sum", graph.scoresNode());
        INDArray y = run(graph, Map.of("a", Nd4j.createFromArray(new float[][] {{0, 1, 2}, {5, 5, 5}}),
                "b", Nd4j.createFromArray(new float[][] {{0, (float) Math.log(2) - 1, (float) Math.log(3) - 2}, {0, 0, 0}})));
        float third = (float) Math.log(1 / 3.0);
        assertArrayEquals(new float[] {(float) Math.log(1 / 6.0), (float) Math.log(2 / 6.0), (float) Math.log(3 / 6.0),
            third, third, third}, y.reshape(6).toFloatVector(), 1e-6f);
        // An input rank the image import rejects.
        GraphProto seq = GraphProto.newBuilder()
                .addInput(input("s", 1, 8, 10))
                .addNode(node("Relu", "relu", List.of("s"), List.of("y")))
                .addOutput(output("y")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(model(13, seq)), "seq.onnx"), "rank 3", "OnnxImporter.readGraph");
        assertArrayEquals(new long[] {8, 10}, ((Input) graph(model(13, seq)).graph().node("s").op()).shape());
        // Sizes other than the batch must be fixed; a rank-4 input's height and width may come from the options.
        GraphProto symbolic = seq.toBuilder().setInput(0, input("s", 1, 8, "length")).build();
        fails(() -> graph(model(13, symbolic)), "'s' [1,8,length] has no fixed size at axis 2");
        GraphProto image = seq.toBuilder().setInput(0, input("s", 1, 2, "h", "w")).build();
        fails(() -> graph(model(13, image)), "has no fixed height and width", "withInputSize");
        Graph sized = OnnxImporter.readGraph(OnnxModels.stream(model(13, image)), "img.onnx",
                OnnxImporter.Options.defaults().withInputSize(4, 5)).graph();
        assertArrayEquals(new long[] {2, -1, -1}, ((Input) sized.node("s").op()).shape());
    }
}
