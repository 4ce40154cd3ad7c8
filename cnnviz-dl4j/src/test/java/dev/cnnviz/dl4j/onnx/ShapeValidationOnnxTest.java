package dev.cnnviz.dl4j.onnx;

import static dev.cnnviz.dl4j.onnx.OnnxModels.floats;
import static dev.cnnviz.dl4j.onnx.OnnxModels.i;
import static dev.cnnviz.dl4j.onnx.OnnxModels.input;
import static dev.cnnviz.dl4j.onnx.OnnxModels.ints;
import static dev.cnnviz.dl4j.onnx.OnnxModels.model;
import static dev.cnnviz.dl4j.onnx.OnnxModels.node;
import static dev.cnnviz.dl4j.onnx.OnnxModels.output;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.AttributeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every imported node is validated against its inputs' shapes: models whose attributes contradict their weights or
 * their inputs fail at import with a ModelImportException naming the file, the node, the attribute and the values,
 * instead of predicting with the wrong kernel or failing deep inside ND4J at run time.
 */
class ShapeValidationOnnxTest {

    private static float[] weights(int n) {
        float[] w = new float[n];
        for (int k = 0; k < n; k++) {
            w[k] = (k % 7 - 3) / 10f;
        }
        return w;
    }

    /** x [1, 3, h, w] -> Conv (weights [8, wc, 3, 3]) -> Relu. */
    private static GraphProto conv(long h, long w, long weightChannels, AttributeProto... attrs) {
        return GraphProto.newBuilder().setName("g")
                .addInput(input("x", 1, 3, h, w))
                .addInitializer(floats("W", new long[] {8, weightChannels, 3, 3}, weights((int) (8 * weightChannels * 9))))
                .addNode(node("Conv", "conv1", List.of("x", "W"), List.of("c"), attrs))
                .addNode(node("Relu", "relu1", List.of("c"), List.of("y")))
                .addOutput(output("y")).build();
    }

    private static String fails(GraphProto g, String... expected) {
        ModelImportException e = assertThrows(ModelImportException.class, () -> OnnxImporter.load(OnnxModels.stream(model(13, g)), "bad.onnx"));
        String m = e.getMessage();
        System.out.println("expected failure: " + m);
        assertTrue(m.contains("bad.onnx"), m);
        for (String s : expected) {
            assertTrue(m.contains(s), "message should contain '" + s + "': " + m);
        }
        assertFalse(m.contains("NegativeArraySize") || m.contains("ND4J") || m.contains("libnd4j"), m);
        return m;
    }

    @Test
    void convKernelShapeThatContradictsTheWeights() {
        fails(conv(8, 8, 3, ints("kernel_shape", 5, 5)), "node 'conv1' (Conv)", "kernel_shape [5, 5]", "[8, 3, 3, 3]", "3x3");
    }

    @Test
    void convTransposeKernelShapeThatContradictsTheWeights() {
        GraphProto g = GraphProto.newBuilder().setName("g")
                .addInput(input("x", 1, 3, 4, 4))
                .addInitializer(floats("W", new long[] {3, 2, 2, 2}, weights(24)))
                .addNode(node("ConvTranspose", "up1", List.of("x", "W"), List.of("y"), ints("kernel_shape", 3, 3), ints("strides", 2, 2)))
                .addOutput(output("y")).build();
        fails(g, "node 'up1' (ConvTranspose)", "kernel_shape [3, 3]", "[3, 2, 2, 2]");
    }

    @Test
    void hugePadsAreRefusedAtImport() {
        long p = Integer.MAX_VALUE / 2;
        fails(conv(8, 8, 3, ints("pads", p, p, p, p)), "node 'conv1' (Conv)", "overflows a long");
    }

    @Test
    void weightsThatDoNotTakeTheInputsChannels() {
        fails(conv(8, 8, 2), "node 'conv1' (Conv)", "weights [8, 2, 3, 3] need 2 x group 1 input channels", "has 3");
        fails(conv(8, 8, 1, i("group", 2)), "node 'conv1' (Conv)", "group 2 does not divide the 3 channels");
        fails(conv(2, 8, 3), "node 'conv1' (Conv)", "kernel 3 (dilation 1) does not fit input 2 padded by 0+0");
    }

    private static GraphProto fixedBatchReshape(long batch, long rows) {
        return GraphProto.newBuilder().setName("g")
                .addInput(input("x", batch, 3, 4, 4))
                .addInitializer(OnnxModels.longs("target", rows, -1))
                .addNode(node("Reshape", "flat", List.of("x", "target"), List.of("y")))
                .addOutput(output("y")).build();
    }

    /** Exporters bake a fixed batch into Reshape targets: such a model is validated at the batch it declares. */
    @Test
    void aModelIsValidatedAtTheBatchItDeclares() throws Exception {
        Model m = OnnxImporter.load(OnnxModels.stream(model(13, fixedBatchReshape(2, 2))), "batch2.onnx");
        assertArrayEquals(new long[] {2, 48}, m.graph().shapes(2, 3, 4, 4).get("flat"));
        fails(fixedBatchReshape(2, 5), "node 'flat' (Reshape)", "cannot infer the -1 in [5, -1] for input shape [2, 3, 4, 4]");
        fails(fixedBatchReshape(1, 5), "node 'flat' (Reshape)", "cannot infer the -1 in [5, -1] for input shape [1, 3, 4, 4]");
    }

    @Test
    void aHundredThousandSquaredInputIsValidatedInLongs() throws Exception {
        // Shapes are exact longs; one example needs 1.4 TiB, which the default memory budget refuses at import.
        ModelImportException big = assertThrows(ModelImportException.class,
                () -> OnnxImporter.load(OnnxModels.stream(model(13, conv(100000, 100000, 3))), "big.onnx"));
        assertTrue(big.getMessage().contains("one [1, 3, 100000, 100000] input") && big.getMessage().contains("1.4 TiB")
                && big.getMessage().contains("memory budget"), big.getMessage());
        Model m = OnnxImporter.load(OnnxModels.stream(model(13, conv(100000, 100000, 3))), "big.onnx",
                OnnxImporter.Options.defaults().withMemoryBudget(MemoryBudget.unlimited()));
        Map<String, long[]> s = m.graph().shapes();
        assertArrayEquals(new long[] {1, 8, 99998, 99998}, s.get("relu1"));
        GraphProto up = GraphProto.newBuilder().setName("g")
                .addInput(input("x", 1, 3, 100000, 100000))
                .addInitializer(floats("scales", new long[] {4}, 1, 1, 2, 2))
                .addNode(node("Upsample", "up1", List.of("x", "scales"), List.of("y"), OnnxModels.s("mode", "nearest")))
                .addOutput(output("y")).build();
        ModelImportException e = assertThrows(ModelImportException.class,
                () -> OnnxImporter.load(OnnxModels.stream(model(9, up)), "up.onnx"));
        assertTrue(e.getMessage().contains("node 'up1'") && e.getMessage().contains("interpolation matrix of 200000 x 100000"),
                e.getMessage());
    }
}
