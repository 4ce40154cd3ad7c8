package dev.cnnviz.dl4j.onnx;

import static dev.cnnviz.dl4j.onnx.OnnxModels.f;
import static dev.cnnviz.dl4j.onnx.OnnxModels.floats;
import static dev.cnnviz.dl4j.onnx.OnnxModels.i;
import static dev.cnnviz.dl4j.onnx.OnnxModels.input;
import static dev.cnnviz.dl4j.onnx.OnnxModels.longs;
import static dev.cnnviz.dl4j.onnx.OnnxModels.model;
import static dev.cnnviz.dl4j.onnx.OnnxModels.node;
import static dev.cnnviz.dl4j.onnx.OnnxModels.output;
import static dev.cnnviz.dl4j.onnx.OnnxModels.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorProto;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Small models built in the test: folding, naming, attribute inputs, value encodings, old operators. */
class SyntheticOnnxTest {

    private static Model load(int opset, GraphProto g) throws ModelImportException {
        return OnnxImporter.load(OnnxModels.stream(model(opset, g)), "synthetic.onnx");
    }

    private static INDArray run(Model m, INDArray x) {
        try (ForwardPass pass = m.graph().infer(x, List.of())) {
            return pass.output().dup();
        }
    }

    /** PyTorch's x.view(x.size(0), -1) export: Shape -> Gather -> Unsqueeze -> Concat -> Reshape keeps any batch. */
    @Test
    void shapeSubgraphIsFoldedAndKeepsTheBatchDimension() throws Exception {
        float[] w = new float[27 * 4];
        for (int k = 0; k < w.length; k++) {
            w[k] = (float) Math.sin(k);
        }
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", "batch", 3, 3, 3))
                .addInitializer(floats("W", new long[] {27, 4}, w))
                .addInitializer(floats("b", new long[] {4}, 0.1f, -0.2f, 0.3f, 0f))
                .addNode(node("Relu", "", List.of("x"), List.of("r")))
                .addNode(node("Shape", "", List.of("r"), List.of("s")))
                .addNode(node("Constant", "", List.of(), List.of("zero"),
                        t("value", TensorProto.newBuilder().setDataType(7).addInt64Data(0).build())))
                .addNode(node("Gather", "", List.of("s", "zero"), List.of("n"), i("axis", 0)))
                .addNode(node("Constant", "", List.of(), List.of("ax0"), t("value", longs("", 0))))
                .addNode(node("Unsqueeze", "", List.of("n", "ax0"), List.of("n1")))
                .addNode(node("Constant", "", List.of(), List.of("minus1"), t("value", longs("", -1))))
                .addNode(node("Concat", "", List.of("n1", "minus1"), List.of("shape"), i("axis", 0)))
                .addNode(node("Reshape", "", List.of("r", "shape"), List.of("flat")))
                .addNode(node("MatMul", "", List.of("flat", "W"), List.of("mm")))
                .addNode(node("Add", "", List.of("mm", "b"), List.of("logits")))
                .addNode(node("Softmax", "", List.of("logits"), List.of("prob")))
                .addOutput(output("prob")).build();
        Model m = load(13, g);
        Graph graph = m.graph();
        System.out.println(graph.summary());
        assertEquals("add_logits", graph.scoresNode());
        assertEquals("softmax_prob", graph.outputName());
        assertFalse(graph.contains("shape_s"), "the shape computation is folded away");
        assertEquals(List.of("W", "b"), graph.constantNames());
        for (int batch : new int[] {1, 3}) {
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, 3, 3).subi(0.5);
            INDArray expectLogits = Transforms.relu(x, true).reshape(batch, 27)
                    .mmul(Nd4j.create(w, new long[] {27, 4}, 'c')).addRowVector(Nd4j.createFromArray(0.1f, -0.2f, 0.3f, 0f));
            INDArray expect = Transforms.softmax(expectLogits, true);
            INDArray y = run(m, x);
            assertArrayEquals(new long[] {batch, 4}, y.shape());
            assertTrue(y.equalsWithEps(expect, 1e-5), y + " vs " + expect);
        }
    }

    /** Clip (opset 11+) with a Constant min and no max; float16 and int32 initializers in the typed fields. */
    @Test
    void clipBoundsFromInputsAndTypedInitializers() throws Exception {
        TensorProto half = TensorProto.newBuilder().setName("h").setDataType(10).addDims(2)
                .addInt32Data(0x3E00).addInt32Data(0xC000).build(); // 1.5, -2
        TensorProto int32 = TensorProto.newBuilder().setName("k").setDataType(6).addDims(2)
                .addInt32Data(3).addInt32Data(-4).build();
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 1, 2))
                .addInitializer(half).addInitializer(int32)
                .addInitializer(floats("lo", new long[0], -1f))
                .addNode(node("Add", "plus_half", List.of("x", "h"), List.of("a")))
                .addNode(node("Mul", "times_k", List.of("a", "k"), List.of("b")))
                .addNode(node("Clip", "clip", List.of("b", "lo", ""), List.of("y")))
                .addOutput(output("y")).build();
        Model m = load(13, g);
        assertEquals(1, m.graph().node("clip").inputs().size());
        INDArray y = run(m, Nd4j.createFromArray(0.5f, 3f).reshape(1, 1, 1, 2));
        // (0.5 + 1.5) * 3 = 6 ; (3 - 2) * -4 = -4 -> clipped to -1
        assertArrayEquals(new float[] {6f, -1f}, y.reshape(2).toFloatVector(), 1e-6f);
    }

    /** Empty node names derive from the operator and output; duplicate ONNX names are replaced; all unique. */
    @Test
    void nodeNames() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 3, 4, 4))
                .addNode(node("Relu", "act", List.of("x"), List.of("r1")))
                .addNode(node("Relu", "act", List.of("r1"), List.of("r2")))
                .addNode(node("Sigmoid", "x", List.of("r2"), List.of("s")))
                .addNode(node("Tanh", "", List.of("s"), List.of("act")))
                .addOutput(output("act")).build();
        Graph graph = load(13, g).graph();
        assertEquals(List.of("x", "relu_r1", "relu_r2", "sigmoid_s", "tanh_act"), graph.names());
    }

    /** A symbolic height and width need a size from the caller. */
    @Test
    void symbolicSpatialSize() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", "N", 3, "H", "W"))
                .addNode(node("Relu", "", List.of("x"), List.of("y")))
                .addOutput(output("y")).build();
        ModelImportException e = assertThrows(ModelImportException.class, () -> load(13, g));
        assertTrue(e.getMessage().contains("withInputSize"), e.getMessage());
        Model m = OnnxImporter.load(OnnxModels.stream(model(13, g)), "s.onnx",
                OnnxImporter.Options.defaults().withInputSize(32, 48));
        assertEquals(32, m.inputSpec().height());
        assertEquals(48, m.inputSpec().width());
        assertArrayEquals(new long[] {2, 3, 5, 7}, run(m, Nd4j.ones(DataType.FLOAT, 2, 3, 5, 7)).shape(),
                "the graph itself accepts any size");
    }

    /** ImageScaler (y = scale x + bias[c]) and Affine (y = alpha x + beta) of the opset-7 style networks. */
    @Test
    void imageScalerAndAffine() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 3, 1, 1))
                .addNode(node("ImageScaler", "pre", List.of("x"), List.of("a"), f("scale", 2f),
                        OnnxModels.floatsAttr("bias", 1f, 2f, 3f)))
                .addNode(node("Affine", "post", List.of("a"), List.of("y"), f("alpha", 10f), f("beta", 0.5f)))
                .addOutput(output("y")).build();
        Model m = load(7, g);
        INDArray y = run(m, Nd4j.createFromArray(1f, 1f, 2f).reshape(1, 3, 1, 1));
        // (2*1+1)*10+0.5 = 30.5 ; (2*1+2)*10+0.5 = 40.5 ; (2*2+3)*10+0.5 = 70.5
        assertArrayEquals(new float[] {30.5f, 40.5f, 70.5f}, y.reshape(3).toFloatVector(), 1e-4f);
    }

    /** Constant-only computations (CNTK's reshaped MatMul weights) fold into one named constant. */
    @Test
    void constantReshapeIsFolded() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addInitializer(floats("w", new long[] {1, 4, 2}, 1, 2, 3, 4, 5, 6, 7, 8))
                .addInitializer(longs("wshape", 4, 2))
                .addInitializer(longs("xshape", 1, 4))
                .addNode(node("Reshape", "w_reshape", List.of("w", "wshape"), List.of("w2")))
                .addNode(node("Reshape", "x_reshape", List.of("x", "xshape"), List.of("x2")))
                .addNode(node("MatMul", "times", List.of("x2", "w2"), List.of("y")))
                .addOutput(output("y")).build();
        Model m = load(7, g);
        assertTrue(m.graph().node("w_reshape").op() instanceof Constant);
        assertArrayEquals(new long[] {4, 2}, m.graph().constant("w_reshape").shape());
        INDArray y = run(m, Nd4j.createFromArray(1f, 0f, 0f, 1f).reshape(1, 1, 2, 2));
        assertArrayEquals(new float[] {1 + 7, 2 + 8}, y.reshape(2).toFloatVector(), 1e-6f);
    }

    /** Initializers listed as graph inputs (opset < 9 style) are constants, not inputs. */
    @Test
    void initializersListedAsInputs() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("w", 1, 3, 1, 1))
                .addInput(input("x", 1, 3, 2, 2))
                .addInitializer(floats("w", new long[] {1, 3, 1, 1}, 1, 2, 3))
                .addNode(node("Mul", "", List.of("x", "w"), List.of("y")))
                .addOutput(output("y")).build();
        Model m = load(7, g);
        assertEquals(List.of("x"), m.graph().inputNames());
        assertEquals(List.of("w"), m.graph().constantNames());
    }

    /** Softmax before opset 13 flattens from the axis (default 1); from 13 it runs along the axis (default -1). */
    @Test
    void softmaxSemanticsFollowTheOpset() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 3, 1, 2))
                .addNode(node("Softmax", "sm", List.of("x"), List.of("y")))
                .addOutput(output("y")).build();
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 1, 2);
        INDArray old = run(load(11, g), x);
        assertEquals(1.0, old.sumNumber().doubleValue(), 1e-5, "opset 11: one distribution over all 6 values");
        INDArray now = run(load(13, g), x);
        assertEquals(3.0, now.sumNumber().doubleValue(), 1e-5, "opset 13: one distribution per row of 2");
    }

    /**
     * LogSoftmax mirrors Softmax: before opset 13 it flattens from the axis (default 1), from 13 it runs along the
     * axis (default -1); Log of a Softmax gives the same values. The scores are the LogSoftmax's input.
     */
    @Test
    void logSoftmaxAndLogFollowTheOpset() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 3, 1, 2))
                .addNode(node("Relu", "relu", List.of("x"), List.of("r")))
                .addNode(node("LogSoftmax", "logsm", List.of("r"), List.of("y")))
                .addOutput(output("y")).build();
        GraphProto viaLog = GraphProto.newBuilder()
                .addInput(input("x", 1, 3, 1, 2))
                .addNode(node("Relu", "relu", List.of("x"), List.of("r")))
                .addNode(node("Softmax", "sm", List.of("r"), List.of("p")))
                .addNode(node("Log", "log", List.of("p"), List.of("y")))
                .addOutput(output("y")).build();
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 1, 2).muli(4).subi(1);
        Model old = load(11, g);
        assertEquals("relu", old.graph().scoresNode());
        INDArray y11 = run(old, x);
        assertArrayEquals(new long[] {1, 3, 1, 2}, y11.shape());
        assertEquals(1.0, Transforms.exp(y11, true).sumNumber().doubleValue(), 1e-5, "opset 11: one distribution over all 6");
        assertTrue(y11.equalsWithEps(run(load(11, viaLog), x), 1e-5), "Log(Softmax) = LogSoftmax at opset 11");
        INDArray y13 = run(load(13, g), x);
        INDArray rows = Transforms.exp(y13, true).sum(3);
        assertArrayEquals(new float[] {1, 1, 1}, rows.reshape(3).toFloatVector(), 1e-5f, "opset 13: one distribution per row of 2");
        assertTrue(y13.equalsWithEps(run(load(13, viaLog), x), 1e-5), "Log(Softmax) = LogSoftmax at opset 13");
        GraphProto axis1 = g.toBuilder().setNode(1, node("LogSoftmax", "logsm", List.of("r"), List.of("y"), i("axis", 1))).build();
        INDArray channels = Transforms.exp(run(load(13, axis1), x), true).sum(1);
        assertArrayEquals(new float[] {1, 1}, channels.reshape(2).toFloatVector(), 1e-5f, "opset 13, axis 1: per pixel");
        assertEquals("relu", load(13, viaLog).graph().scoresNode());
    }

    /** Upsample (opset 7 attribute, opset 9 input) and Resize (opset 13 sizes) of a 2x2 image. */
    @Test
    void upsampleAndResize() throws Exception {
        INDArray x = Nd4j.createFromArray(1f, 2f, 3f, 4f).reshape(1, 1, 2, 2);
        float[] nearest2x = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
        GraphProto v7 = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addNode(node("Upsample", "up", List.of("x"), List.of("y"), OnnxModels.floatsAttr("scales", 1, 1, 2, 2)))
                .addOutput(output("y")).build();
        assertArrayEquals(nearest2x, run(load(7, v7), x).reshape(16).toFloatVector(), 1e-6f);
        GraphProto v9 = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addInitializer(floats("scales", new long[] {4}, 1, 1, 2, 2))
                .addNode(node("Upsample", "up", List.of("x", "scales"), List.of("y")))
                .addOutput(output("y")).build();
        assertArrayEquals(nearest2x, run(load(9, v9), x).reshape(16).toFloatVector(), 1e-6f);
        GraphProto v13 = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addInitializer(longs("sizes", 1, 1, 4, 4))
                .addNode(node("Resize", "rs", List.of("x", "", "", "sizes"), List.of("y"), OnnxModels.s("mode", "nearest"),
                        OnnxModels.s("coordinate_transformation_mode", "asymmetric"), OnnxModels.s("nearest_mode", "floor")))
                .addOutput(output("y")).build();
        assertArrayEquals(nearest2x, run(load(13, v13), x).reshape(16).toFloatVector(), 1e-6f);
    }

    /** Pad with opset-11 inputs (reflect) and with opset-2 attributes (constant value). */
    @Test
    void padModesAndVersions() throws Exception {
        INDArray x = Nd4j.createFromArray(1f, 2f, 3f, 4f).reshape(1, 1, 2, 2);
        GraphProto v11 = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addInitializer(longs("pads", 0, 0, 0, 1, 0, 0, 0, 1))
                .addNode(node("Pad", "pad", List.of("x", "pads"), List.of("y"), OnnxModels.s("mode", "reflect")))
                .addOutput(output("y")).build();
        assertArrayEquals(new float[] {2, 1, 2, 1, 4, 3, 4, 3}, run(load(11, v11), x).reshape(8).toFloatVector(), 1e-6f);
        GraphProto v7 = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addNode(node("Pad", "pad", List.of("x"), List.of("y"), OnnxModels.ints("pads", 0, 0, 1, 0, 0, 0, 0, 0),
                        f("value", 9f)))
                .addOutput(output("y")).build();
        assertArrayEquals(new float[] {9, 9, 1, 2, 3, 4}, run(load(7, v7), x).reshape(6).toFloatVector(), 1e-6f);
    }

    /** Squeeze/Unsqueeze axes as opset-13 inputs, Transpose without perm, ReduceMean, untyped (IR v1 style) attributes. */
    @Test
    void axesInputsTransposeReduceAndUntypedAttributes() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 3, 2, 2))
                .addInitializer(longs("hw", 2, 3))
                .addNode(node("ReduceMean", "mean", List.of("x"), List.of("m"), OnnxModels.ints("axes", 2, 3)))
                .addNode(node("Squeeze", "sq", List.of("m", "hw"), List.of("s")))
                .addNode(node("Unsqueeze", "unsq", List.of("s", "hw"), List.of("u")))
                .addNode(node("Transpose", "tr", List.of("u"), List.of("t")))
                .addNode(node("LeakyRelu", "lrelu", List.of("t"), List.of("y"),
                        dev.cnnviz.dl4j.onnx.proto.OnnxProto.AttributeProto.newBuilder().setName("alpha").setF(0.5f).build()))
                .addOutput(output("y")).build();
        Model m = load(13, g);
        INDArray x = Nd4j.createFromArray(1f, 1f, 1f, 1f, -2f, -2f, -2f, -2f, 3f, 5f, 3f, 5f).reshape(1, 3, 2, 2);
        INDArray y = run(m, x);
        assertArrayEquals(new long[] {1, 1, 3, 1}, y.shape());
        assertArrayEquals(new float[] {1f, -1f, 4f}, y.reshape(3).toFloatVector(), 1e-6f);
    }

    /** ConvTranspose with output_shape larger than the computed size extends the end (bias only), as onnxruntime does. */
    @Test
    void convTransposeOutputShape() throws Exception {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addInitializer(floats("w", new long[] {1, 1, 1, 1}, 2f))
                .addInitializer(floats("b", new long[] {1}, 0.5f))
                .addNode(node("ConvTranspose", "up", List.of("x", "w", "b"), List.of("y"), OnnxModels.ints("strides", 2, 2),
                        OnnxModels.ints("output_shape", 4, 4)))
                .addOutput(output("y")).build();
        INDArray y = run(load(7, g), Nd4j.createFromArray(1f, 2f, 3f, 4f).reshape(1, 1, 2, 2));
        assertArrayEquals(new long[] {1, 1, 4, 4}, y.shape());
        assertArrayEquals(new float[] {2.5f, 0.5f, 4.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 6.5f, 0.5f, 8.5f, 0.5f,
            0.5f, 0.5f, 0.5f, 0.5f}, y.reshape(16).toFloatVector(), 1e-6f);
    }
}
