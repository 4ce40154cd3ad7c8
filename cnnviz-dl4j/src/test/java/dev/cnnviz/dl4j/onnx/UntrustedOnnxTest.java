package dev.cnnviz.dl4j.onnx;

import static dev.cnnviz.dl4j.onnx.OnnxModels.floats;
import static dev.cnnviz.dl4j.onnx.OnnxModels.input;
import static dev.cnnviz.dl4j.onnx.OnnxModels.model;
import static dev.cnnviz.dl4j.onnx.OnnxModels.node;
import static dev.cnnviz.dl4j.onnx.OnnxModels.output;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Model files are untrusted input: external data stays inside the model's folder, non-finite weights are refused,
 * tensors are held to the memory budget, and unused initializers are never read.
 */
class UntrustedOnnxTest {
    @TempDir
    Path tmp;

    /** 54 weights of a 2x3x3x3 convolution, as raw little-endian floats. */
    private static byte[] weightBytes(float value) {
        ByteBuffer b = ByteBuffer.allocate(54 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 54; i++) {
            b.putFloat(value * (i % 5 - 2));
        }
        return b.array();
    }

    /** conv(3 -> 2, 3x3) -> global average pool -> flatten -> softmax, on [1, 3, 4, 4]; weights as given. */
    private static GraphProto net(TensorProto weights, TensorProto... extra) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("g")
                .addInput(input("x", 1, 3, 4, 4)).addOutput(output("p"))
                .addInitializer(weights)
                .addNode(node("Conv", "conv", List.of("x", "w"), List.of("c")))
                .addNode(node("GlobalAveragePool", "gap", List.of("c"), List.of("g")))
                .addNode(node("Flatten", "flat", List.of("g"), List.of("f")))
                .addNode(node("Softmax", "soft", List.of("f"), List.of("p")));
        for (TensorProto t : extra) {
            g.addInitializer(t);
        }
        return g.build();
    }

    private static TensorProto external(String location, Long offset, Long length) {
        TensorProto.Builder t = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(List.of(2L, 3L, 3L, 3L)).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location));
        if (offset != null) {
            t.addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(offset.toString()));
        }
        if (length != null) {
            t.addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(length.toString()));
        }
        return t.build();
    }

    /** Writes the model into its own folder {@code tmp/model/} and returns its path. */
    private Path write(GraphProto g) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        return Files.write(dir.resolve("net.onnx"), model(13, g).toByteArray());
    }

    private static String fails(Executable load, String... expected) {
        ModelImportException e = assertThrows(ModelImportException.class, load);
        String m = e.getMessage();
        for (String s : expected) {
            assertTrue(m.contains(s), "message should contain '" + s + "': " + m);
        }
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    @Test
    void externalDataInsideTheFolderLoads() throws Exception {
        Path f = write(net(external("weights/w.bin", 8L, 216L)));
        Path data = Files.createDirectories(f.getParent().resolve("weights")).resolve("w.bin");
        byte[] padded = new byte[8 + 216 + 5];
        System.arraycopy(weightBytes(0.1f), 0, padded, 8, 216);
        Files.write(data, padded);
        Model m = OnnxImporter.load(f);
        assertEquals(-0.1f, m.graph().constant("w").getFloat(0, 0, 0, 1), 1e-7);   // value 0.1 * (i % 5 - 2), i = 1
        assertEquals(0.2f, m.graph().constant("w").getFloat(0, 0, 1, 1), 1e-7);    // i = 4
    }

    @Test
    void absoluteLocationIsRefusedWithoutReadingIt() throws Exception {
        Path outside = Files.write(tmp.resolve("secret.bin"), weightBytes(1f));   // exactly the right size
        Path f = write(net(external(outside.toString(), null, null)));
        String m = fails(() -> OnnxImporter.load(f), "initializer 'w'", "absolute", outside.toString());
        assertFalse(m.contains("216"), "must not reveal the other file's size: " + m);
    }

    @Test
    void locationClimbingOutIsRefused() throws Exception {
        Files.write(tmp.resolve("secret.bin"), weightBytes(1f));
        Path f = write(net(external("../secret.bin", null, null)));
        fails(() -> OnnxImporter.load(f), "'../secret.bin'", "outside the model's folder");
        Path g = write(net(external("sub/../../secret.bin", null, null)));
        fails(() -> OnnxImporter.load(g), "outside the model's folder");
    }

    @Test
    void symbolicLinkOutOfTheFolderIsRefused() throws Exception {
        Path outside = Files.write(tmp.resolve("secret.bin"), weightBytes(1f));
        Path f = write(net(external("link.bin", null, null)));
        Files.createSymbolicLink(f.getParent().resolve("link.bin"), outside);
        String m = fails(() -> OnnxImporter.load(f), "'link.bin'", "outside the model's folder");
        assertFalse(m.contains(outside.toString()), "must not name the link's target: " + m);
    }

    @Test
    void missingAndOutsideFilesGetTheSameMessage() throws Exception {
        Path f = write(net(external("nothing-here.bin", null, null)));
        String m = fails(() -> OnnxImporter.load(f), "'nothing-here.bin'");
        assertFalse(m.contains("model/nothing-here.bin"), "names the location as written, not a resolved path: " + m);
    }

    @Test
    void directoryOrDeviceIsRefused() throws Exception {
        Path f = write(net(external("sub", null, null)));
        Files.createDirectories(f.getParent().resolve("sub"));
        fails(() -> OnnxImporter.load(f), "not a regular file");
        Path g = write(net(external(".", null, null)));
        fails(() -> OnnxImporter.load(g), "'.'");
    }

    @Test
    void rangesAreCheckedBeforeReading() throws Exception {
        Path f = write(net(external("w.bin", 100L, null)));
        Files.write(f.getParent().resolve("w.bin"), weightBytes(1f));   // 216 bytes: offset 100 + 216 does not fit
        fails(() -> OnnxImporter.load(f), "too short for 216 bytes at offset 100");
        Path g = write(net(external("w.bin", 0L, 100L)));
        fails(() -> OnnxImporter.load(g), "declares 100 bytes", "need 216");
        Path h = write(net(external("w.bin", -4L, null)));
        fails(() -> OnnxImporter.load(h), "negative");
        Path k = write(net(external("w.bin", Long.MAX_VALUE, null)));
        fails(() -> OnnxImporter.load(k), "too short");
    }

    @Test
    void nonFiniteWeightsAreAnImportErrorUnlessAllowed() throws Exception {
        float[] w = new float[54];
        Arrays.fill(w, 0.5f);
        w[3] = Float.NaN;
        w[7] = Float.POSITIVE_INFINITY;
        Path f = write(net(floats("w", new long[] {2, 3, 3, 3}, w)));
        fails(() -> OnnxImporter.load(f), "NaN or infinite", "'w' (2 of 54 values)", "withNonFiniteWeightsAllowed");
        Model m = OnnxImporter.load(f, OnnxImporter.Options.defaults().withNonFiniteWeightsAllowed(true));
        assertTrue(Float.isNaN(m.graph().constant("w").getFloat(0, 0, 1, 0)));
    }

    @Test
    void unusedInitializersAreNeverRead() throws Exception {
        // An unused initializer whose external data does not even exist: reading it would fail.
        TensorProto unused = TensorProto.newBuilder().setName("unused").setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(1L << 20).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("/etc/passwd")).build();
        float[] w = new float[54];
        Arrays.fill(w, 0.25f);
        Path f = write(net(floats("w", new long[] {2, 3, 3, 3}, w), unused));
        Model m = OnnxImporter.load(f);
        assertFalse(m.graph().contains("unused"));
    }

    @Test
    void tensorsOverTheBudgetAreRefusedBeforeAllocation() throws Exception {
        // Declares 2^40 floats in raw_data of 4 bytes: refused by size before anything is read or allocated.
        TensorProto huge = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(List.of(1L << 20, 1L << 10, 1L << 5, 1L << 5)).setRawData(ByteString.copyFrom(new byte[4])).build();
        Path f = write(net(huge));
        fails(() -> OnnxImporter.load(f), "initializer 'w'", "memory budget", "cnnviz.memory.budget");
        float[] w = new float[54];
        Path g = write(net(floats("w", new long[] {2, 3, 3, 3}, w)));
        fails(() -> OnnxImporter.load(g, OnnxImporter.Options.defaults().withMemoryBudget(MemoryBudget.ofBytes(100))),
                "initializer 'w'", "216 bytes", "memory budget of 100 bytes");
    }

    /**
     * Import never runs the graph to learn a shape: a chain of Transposes without perm (each needs its input's rank)
     * after a ReduceMean took 40 s for 500 nodes and 133 s for 1,000 when it did. The bound is a hundred times the
     * time it takes now (about 50 ms), so that only the quadratic behaviour can fail it.
     */
    @Test
    void importTimeIsLinearInTheNumberOfNodes() throws Exception {
        int n = 2000;
        float[] w = new float[54];
        Arrays.fill(w, 0.01f);
        GraphProto.Builder g = GraphProto.newBuilder().setName("chain").addInput(input("x", 1, 3, 4, 4))
                .addInitializer(floats("w", new long[] {2, 3, 3, 3}, w))
                .addNode(node("Conv", "conv", List.of("x", "w"), List.of("t0"), OnnxModels.ints("pads", 1, 1, 1, 1)))
                .addNode(node("ReduceMean", "mean", List.of("t0"), List.of("t1"), OnnxModels.ints("axes", 1), OnnxModels.i("keepdims", 1)));
        for (int i = 2; i < n; i++) {
            g.addNode(node("Transpose", "", List.of("t" + (i - 1)), List.of("t" + i)));
        }
        g.addOutput(output("t" + (n - 1)));
        Path f = write(g.build());
        long t0 = System.nanoTime();
        Model m = OnnxImporter.load(f);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(n + 2, m.graph().nodes().size());
        assertTrue(seconds < 5, "importing " + n + " nodes took " + seconds + " s");
    }

    @Test
    void modelMustBeARegularFile() {
        fails(() -> OnnxImporter.load(Path.of("/dev/zero")), "not a regular file");
    }

    @Test
    void validModelStillPredicts() throws Exception {
        float[] w = new float[54];
        Arrays.fill(w, 0.25f);
        Path f = write(net(floats("w", new long[] {2, 3, 3, 3}, w)));
        Model m = OnnxImporter.load(f);
        try (var pass = m.graph().forward(Nd4j.ones(DataType.FLOAT, 1, 3, 4, 4))) {
            assertEquals(1.0, pass.get(m.graph().outputName()).sumNumber().doubleValue(), 1e-5);
        }
    }
}
