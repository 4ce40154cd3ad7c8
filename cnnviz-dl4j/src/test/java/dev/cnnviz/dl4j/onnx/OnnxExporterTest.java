package dev.cnnviz.dl4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Softmax;
import dev.cnnviz.core.style.TransformNet;
import dev.cnnviz.dl4j.Models;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link OnnxExporter}: a written transformation network loads back with the importer and computes the same. */
class OnnxExporterTest {
    private static final String DOC = "Image(s) in RGB format, pixel values 0..255";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "upsampleConv {0}")
    @ValueSource(booleans = {true, false})
    void transformNetworkRoundTripsThroughOnnx(boolean upsampleConv) throws Exception {
        Graph net = TransformNet.builder().width(4).residualBlocks(2).outerKernel(5).upsampleConv(upsampleConv).seed(9).build();
        Path file = dir.resolve("net.onnx");
        OnnxExporter.write(net, file, DOC, 20, 28);
        Model back = Models.load(file);
        assertEquals(List.of(20, 28), List.of(back.inputSpec().height(), back.inputSpec().width()));
        Path plain = Files.createFile(dir.resolve("plain.bin"));
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file),
                    "the model file gets the permissions of any new file, not a temporary file's owner-only ones");
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of("net.onnx", "plain.bin"), files.map(f -> f.getFileName().toString()).sorted().toList(),
                    "no temporary file left");
        }
        assertEquals(ChannelOrder.RGB, back.inputSpec().preprocessing().order());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 20, 28).muli(255);
        try (ForwardPass a = net.infer(x, List.of()); ForwardPass b = back.graph().infer(x, List.of())) {
            INDArray ya = a.output();
            INDArray yb = b.output();
            assertEquals(List.of(2L, 3L, 20L, 28L), List.of(yb.shape()[0], yb.shape()[1], yb.shape()[2], yb.shape()[3]));
            double rel = ya.sub(yb).norm2Number().doubleValue() / ya.norm2Number().doubleValue();
            assertTrue(rel <= 1e-6, "relative L2 difference " + rel);
        }
    }

    @Test
    void symbolicSizesStaySymbolicAndLoadWithAnInputSize() throws Exception {
        Graph net = TransformNet.builder().width(2).residualBlocks(1).outerKernel(3).seed(4).build();
        Path file = dir.resolve("any.onnx");
        OnnxExporter.write(net, file, DOC);
        Model back = OnnxImporter.load(file, OnnxImporter.Options.defaults().withInputSize(12, 16));
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 12, 16).muli(255);
        try (ForwardPass a = net.infer(x, List.of()); ForwardPass b = back.graph().infer(x, List.of())) {
            double rel = a.output().sub(b.output()).norm2Number().doubleValue() / a.output().norm2Number().doubleValue();
            assertTrue(rel <= 1e-6, "relative L2 difference " + rel);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExporter.toModel(net, DOC, -1, 16));
        assertTrue(e.getMessage().contains("-1x16"), e.getMessage());
    }

    @Test
    void unsupportedOperatorIsNamed() {
        Graph g = Graph.builder().input("x", 3, 4, 4).constant("w", Nd4j.ones(DataType.FLOAT, 2, 3, 1, 1))
                .add("conv", Conv.simple(), "x", "w").add("probs", new Softmax(1, false), "conv").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExporter.toModel(g, ""));
        assertTrue(e.getMessage().contains("'probs'") && e.getMessage().contains("Softmax"), e.getMessage());
    }

    @Test
    void writtenFilePassesOnnxChecker() throws Exception {
        assumeTrue(new File("/usr/bin/python3").canExecute(), "no /usr/bin/python3");
        Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import onnx").redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3 has no onnx module");
        Path file = dir.resolve("net.onnx");
        OnnxExporter.write(TransformNet.builder().width(2).residualBlocks(1).seed(1).build(), file, DOC, 64, 64);
        Process p = new ProcessBuilder("/usr/bin/python3", "-c",
                "import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print('ok')",
                file.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("ok"), out);
    }

    @Test
    void missingFolderIsAnIoExceptionNamingTheFile() {
        Path file = dir.resolve("no/such/net.onnx");
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> OnnxExporter.write(
                TransformNet.builder().width(2).residualBlocks(0).build(), file, DOC));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(Files.notExists(file));
    }
}
