package dev.cnnviz.examples.bench;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.dl4j.onnx.OnnxImporter;
import dev.cnnviz.dl4j.onnx.OnnxModels;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmark of ONNX import time against the model's size: a chain of {@code nodes} nodes after one 3x3
 * convolution on [1, 3, 8, 8], either Relu/Identity alternating ({@code kind=relu}), Add with a constant of its own
 * ({@code kind=add}: one initializer per node), or a ReduceMean followed by Transposes without {@code perm}
 * ({@code kind=transpose}: each needs its input's rank, which an importer that ran the graph to learn shapes paid
 * for quadratically). Import time should grow linearly with {@code nodes}.
 *
 * <pre>
 *   ./cnnviz jmh ImportBench -p nodes=1000,10000,50000 -p kind=transpose
 * </pre>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class ImportBench {
    /** Nodes in the chain. */
    @Param({"1000", "10000", "50000"})
    public int nodes;

    /** relu, add or transpose. */
    @Param({"relu", "add", "transpose"})
    public String kind;

    private Path file;

    /** Writes the chain model to a temporary file. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Files.createTempFile("cnnviz-chain", ".onnx");
        Files.write(file, chain(nodes, kind).toByteArray());
    }

    /** Deletes the file. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(file);
    }

    /** @return the imported model's node count (so the work is not dead code). */
    @Benchmark
    public int importChain() throws ModelImportException {
        return OnnxImporter.load(file).graph().nodes().size();
    }

    /** The chain model: see the class comment. */
    static ModelProto chain(int n, String kind) {
        float[] w = new float[81];
        java.util.Arrays.fill(w, 0.01f);
        GraphProto.Builder g = GraphProto.newBuilder().setName("chain").addInput(OnnxModels.input("x", 1, 3, 8, 8))
                .addInitializer(OnnxModels.floats("w", new long[] {3, 3, 3, 3}, w))
                .addNode(OnnxModels.node("Conv", "", List.of("x", "w"), List.of("t0"), OnnxModels.ints("pads", 1, 1, 1, 1)));
        for (int i = 1; i < n; i++) {
            List<String> in = List.of("t" + (i - 1));
            List<String> out = List.of("t" + i);
            switch (kind) {
                case "add" -> {
                    g.addInitializer(OnnxModels.floats("b" + i, new long[] {1}, 0.001f));
                    g.addNode(OnnxModels.node("Add", "", List.of("t" + (i - 1), "b" + i), out));
                }
                case "transpose" -> g.addNode(i == 1
                        ? OnnxModels.node("ReduceMean", "", in, out, OnnxModels.ints("axes", 1), OnnxModels.i("keepdims", 1))
                        : OnnxModels.node("Transpose", "", in, out));
                case "relu" -> g.addNode(OnnxModels.node(i % 2 == 0 ? "Relu" : "Identity", "", in, out));
                default -> throw new IllegalArgumentException("kind must be relu, add or transpose, found '" + kind + "'");
            }
        }
        g.addOutput(OnnxModels.output("t" + (n - 1)));
        return OnnxModels.model(13, g.build());
    }
}
