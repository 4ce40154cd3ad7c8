package dev.cnnviz.examples.bench;

import com.google.protobuf.ByteString;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.dl4j.onnx.OnnxImporter;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.AttributeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ModelProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.NodeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorShapeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TypeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ValueInfoProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
        GraphProto.Builder g = GraphProto.newBuilder().setName("chain");
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : new long[] {1, 3, 8, 8}) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        g.addInput(ValueInfoProto.newBuilder().setName("x").setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))));
        g.addInitializer(floats("w", new long[] {3, 3, 3, 3}, 0.01f, 81));
        g.addNode(node("Conv", List.of("x", "w"), "t0", ints("pads", 1, 1, 1, 1)));
        for (int i = 1; i < n; i++) {
            String in = "t" + (i - 1);
            String out = "t" + i;
            switch (kind) {
                case "add" -> {
                    g.addInitializer(floats("b" + i, new long[] {1}, 0.001f, 1));
                    g.addNode(node("Add", List.of(in, "b" + i), out));
                }
                case "transpose" -> g.addNode(i == 1
                        ? node("ReduceMean", List.of(in), out, ints("axes", 1),
                                AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(1).build())
                        : node("Transpose", List.of(in), out));
                case "relu" -> g.addNode(node(i % 2 == 0 ? "Relu" : "Identity", List.of(in), out));
                default -> throw new IllegalArgumentException("kind must be relu, add or transpose, found '" + kind + "'");
            }
        }
        g.addOutput(ValueInfoProto.newBuilder().setName("t" + (n - 1)));
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("cnnviz-bench")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
    }

    private static NodeProto node(String op, List<String> inputs, String output, AttributeProto... attributes) {
        return NodeProto.newBuilder().setOpType(op).addAllInput(inputs).addOutput(output).addAllAttribute(List.of(attributes)).build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static TensorProto floats(String name, long[] dims, float value, int count) {
        ByteBuffer b = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            b.putFloat(value);
        }
        b.flip();
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }
}
