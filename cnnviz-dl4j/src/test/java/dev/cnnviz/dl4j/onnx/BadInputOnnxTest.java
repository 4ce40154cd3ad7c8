package dev.cnnviz.dl4j.onnx;

import static dev.cnnviz.dl4j.onnx.OnnxModels.floats;
import static dev.cnnviz.dl4j.onnx.OnnxModels.input;
import static dev.cnnviz.dl4j.onnx.OnnxModels.model;
import static dev.cnnviz.dl4j.onnx.OnnxModels.node;
import static dev.cnnviz.dl4j.onnx.OnnxModels.output;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ModelProto;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Files that are not (supported) ONNX models fail with a ModelImportException that says why. */
class BadInputOnnxTest {
    @TempDir
    Path tmp;

    private static String fails(Executable load, String... expected) {
        ModelImportException e = assertThrows(ModelImportException.class, load);
        String m = e.getMessage();
        System.out.println("expected failure: " + m);
        for (String s : expected) {
            assertTrue(m.contains(s), "message should contain '" + s + "': " + m);
        }
        return m;
    }

    @Test
    void missingFile() {
        Path f = tmp.resolve("nope.onnx");
        fails(() -> OnnxImporter.load(f), "nope.onnx", "file not found");
    }

    @Test
    void directory() {
        fails(() -> OnnxImporter.load(tmp), "directory");
    }

    @Test
    void emptyFile() throws Exception {
        Path f = Files.write(tmp.resolve("empty.onnx"), new byte[0]);
        fails(() -> OnnxImporter.load(f), "empty.onnx", "empty");
    }

    @Test
    void truncatedSqueezeNet() throws Exception {
        byte[] all = Files.readAllBytes(SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.onnx"));
        Path f = Files.write(tmp.resolve("truncated.onnx"), Arrays.copyOf(all, 1000));
        fails(() -> OnnxImporter.load(f), "truncated.onnx", "truncated or corrupt");
        Path g = Files.write(tmp.resolve("half.onnx"), Arrays.copyOf(all, all.length / 2));
        fails(() -> OnnxImporter.load(g), "half.onnx", "truncated or corrupt");
    }

    @Test
    void randomBytes() throws Exception {
        for (long seed = 1; seed <= 20; seed++) {
            byte[] b = new byte[4096];
            new Random(seed).nextBytes(b);
            Path f = Files.write(tmp.resolve("random" + seed + ".onnx"), b);
            String m = fails(() -> OnnxImporter.load(f), "random" + seed + ".onnx");
            assertTrue(m.contains("not a valid ONNX file") || m.contains("not an ONNX model") || m.contains("no graph"), m);
        }
    }

    @Test
    void pngFile() throws Exception {
        Path f = tmp.resolve("image.png");
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", f.toFile());
        fails(() -> OnnxImporter.load(f), "image.png", "PNG image, not an ONNX model");
    }

    @Test
    void hdf5File() {
        Path f = SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.h5");
        fails(() -> OnnxImporter.load(f), "squeezenet1.1-imagenet.h5", "HDF5");
    }

    @Test
    void jpegFile() {
        Path f = SharedData.require("images/cat.jpg");
        fails(() -> OnnxImporter.load(f), "cat.jpg", "JPEG");
    }

    @Test
    void protobufWithoutGraph() {
        ModelProto m = ModelProto.newBuilder().setIrVersion(7).setProducerName("x").build();
        fails(() -> OnnxImporter.load(new ByteArrayInputStream(m.toByteArray()), "nograph.onnx"), "nograph.onnx", "no graph");
    }

    private static GraphProto unsupportedGraph() {
        return GraphProto.newBuilder().setName("g")
                .addInput(input("x", 1, 3, 8, 8))
                .addNode(node("Relu", "", List.of("x"), List.of("r")))
                .addNode(node("Hardmax", "the_hardmax", List.of("r"), List.of("y")))
                .addOutput(output("y")).build();
    }

    @Test
    void unsupportedOperator() {
        InputStream in = OnnxModels.stream(model(13, unsupportedGraph()));
        String m = fails(() -> OnnxImporter.load(in, "hardmax.onnx"), "hardmax.onnx", "node 'the_hardmax'",
                "operator Hardmax", "Supported operators: Add, Affine, AveragePool, BatchNormalization");
        assertTrue(m.contains("Upsample"), m);
    }

    @Test
    void unsupportedOpsets() {
        fails(() -> OnnxImporter.load(OnnxModels.stream(model(18, unsupportedGraph())), "new.onnx"),
                "new.onnx", "opset 18 is not supported", "opsets 7 to 17", "Hardmax");
        fails(() -> OnnxImporter.load(OnnxModels.stream(model(6, unsupportedGraph())), "old.onnx"),
                "opset 6 is not supported");
        ModelProto none = model(13, unsupportedGraph()).toBuilder().clearOpsetImport().build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(none), "none.onnx"), "imports no opset");
    }

    @Test
    void nonConstantReshapeShape() {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addNode(node("Relu", "", List.of("x"), List.of("r")))
                .addNode(node("Reshape", "reshape_it", List.of("x", "r"), List.of("y")))
                .addOutput(output("y")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(model(13, g)), "m.onnx"), "node 'reshape_it' (Reshape)",
                "'shape'", "must be a constant");
    }

    @Test
    void dropoutMaskMustBeUnused() {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addNode(node("Dropout", "drop", List.of("x"), List.of("y", "mask")))
                .addNode(node("Add", "uses_mask", List.of("y", "mask"), List.of("z")))
                .addOutput(output("z")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(model(11, g)), "m.onnx"), "node 'uses_mask'", "dropout mask");
    }

    @Test
    void wrongInputs() {
        GraphProto twoInputs = GraphProto.newBuilder()
                .addInput(input("a", 1, 3, 2, 2)).addInput(input("b", 1, 3, 2, 2))
                .addNode(node("Add", "", List.of("a", "b"), List.of("y")))
                .addOutput(output("y")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(model(13, twoInputs)), "m.onnx"), "2 inputs", "exactly one");
        GraphProto rank2 = GraphProto.newBuilder()
                .addInput(input("a", 1, 784))
                .addNode(node("Relu", "", List.of("a"), List.of("y")))
                .addOutput(output("y")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(model(13, rank2)), "m.onnx"), "rank 2", "[N, C, H, W]");
        GraphProto fourChannels = GraphProto.newBuilder()
                .addInput(input("a", 1, 4, 8, 8))
                .addNode(node("Relu", "", List.of("a"), List.of("y")))
                .addOutput(output("y")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(model(13, fourChannels)), "m.onnx"), "4 channels");
    }

    @Test
    void wrongDataType() {
        GraphProto g = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addInitializer(floats("w", new long[] {1}, 1f).toBuilder().setDataType(8).clearRawData()
                        .addStringData(com.google.protobuf.ByteString.copyFromUtf8("hello")))
                .addNode(node("Add", "", List.of("x", "w"), List.of("y")))
                .addOutput(output("y")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(model(13, g)), "m.onnx"), "initializer 'w'", "STRING");
        GraphProto shortData = GraphProto.newBuilder()
                .addInput(input("x", 1, 1, 2, 2))
                .addInitializer(floats("w", new long[] {2, 2}, 1f, 2f, 3f))
                .addNode(node("Add", "", List.of("x", "w"), List.of("y")))
                .addOutput(output("y")).build();
        fails(() -> OnnxImporter.load(OnnxModels.stream(model(13, shortData)), "m.onnx"), "initializer 'w'", "16 bytes");
    }
}
