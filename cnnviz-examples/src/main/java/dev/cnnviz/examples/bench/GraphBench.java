package dev.cnnviz.examples.bench;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.dl4j.Models;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * JMH benchmarks of the graph engine on SqueezeNet 1.1 (ONNX, 224×224, CPU): a forward pass and a forward pass
 * plus the gradient of one class score with respect to the input (what every gradient method does per
 * sample), at batch 1 and 32, and the ONNX import itself. The attribution methods are in {@link MethodBench}.
 *
 * <h2>Running</h2>
 * From the root of the checkout (the launcher builds the project first if needed):
 * <pre>
 *   ./cnnviz jmh GraphBench                            # all of this class, default settings
 *   ./cnnviz jmh GraphBench.forward -p batch=32 -f 1 -wi 2 -i 3
 *   ./cnnviz jmh -l                                    # list every benchmark
 *   java -cp "cnnviz-examples/target/classes:cnnviz-examples/target/lib/*" org.openjdk.jmh.Main GraphBench
 * </pre>
 * The model is {@code -p model=FILE}, else {@code -Dcnnviz.shared=DIR} + {@code models/squeezenet1.1/...}, else
 * {@code ../shared/models/squeezenet1.1/squeezenet1.1-imagenet.onnx} relative to the working directory (the
 * launcher runs from the checkout's root, so {@code ../shared} beside the checkout works as is).
 *
 * <h2>Reading the numbers</h2>
 * Scores are milliseconds per call (Mode.AverageTime) of the whole batch. At set-up each trial prints the
 * forward FLOPs of its batch ({@link Flops#count}: multiply-accumulates of Conv and Gemm, counted as 2 FLOPs);
 * <pre>   GFLOP/s = GFLOP per batch / (ms per call / 1000)</pre>
 * SqueezeNet 1.1 needs about 0.7 GFLOP per 224×224 image forward, so {@code forward} at batch 32 taking
 * 1000 ms means about 22 GFLOP/s. A backward pass costs roughly two forward passes, so
 * {@code forwardInputGradient} does about 3× the forward FLOPs (2× if the weight gradients are skipped, as here:
 * only the input gradient is asked for, so compare it with 2× to 3× the forward time). Compare the GFLOP/s
 * with the machine's peak (cores × GHz × 16 or 32 single-precision FLOPs per cycle with AVX2 or AVX-512) to
 * see how far the engine is from the hardware. Batch 1 measures latency, batch 32 throughput (per image:
 * divide by 32).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class GraphBench {
    /** The class whose score the gradient benchmarks differentiate: 285, Egyptian cat. */
    static final int CLASS = 285;

    /** SqueezeNet and a batch of cat images. */
    @State(Scope.Benchmark)
    public static class Net {
        /** The ONNX file; empty: from {@code cnnviz.shared} or {@code ../shared}. */
        @Param("")
        public String model;

        /** The batch size. */
        @Param({"1", "32"})
        public int batch;

        Graph graph;
        INDArray x;
        INDArray seed;
        String input;
        String scores;

        /** Loads the model, builds the batch and the one-hot seed, and prints the FLOPs. */
        @Setup(Level.Trial)
        public void setUp() throws ModelImportException, IOException {
            Path file = Shared.squeezeNet(model);
            Model m = Shared.loadSqueezeNet(file);
            graph = m.graph();
            input = graph.inputName();
            scores = graph.scoresNode();
            x = Shared.catBatch(file, batch);
            try (ForwardPass pass = graph.infer(x, List.of())) {
                INDArray s = pass.scores();
                seed = s.ulike().assign(0);
                long[] shape = s.shape();
                for (int i = 0; i < batch; i++) {
                    long[] idx = new long[shape.length];
                    idx[0] = i;
                    idx[1] = CLASS;
                    seed.putScalar(idx, 1.0);
                }
            }
            long flops = Flops.count(graph, x.shape());
            System.out.printf(Locale.ROOT, "%n# SqueezeNet 1.1, batch %d: %.3f GFLOP per forward pass "
                    + "(GFLOP/s = %.3f / (ms / 1000))%n", batch, flops / 1e9, flops / 1e9);
        }

        /** Frees the native arrays. */
        @TearDown(Level.Trial)
        public void tearDown() {
            x.close();
            seed.close();
        }
    }

    /** The model file alone, for the import benchmark. */
    @State(Scope.Benchmark)
    public static class File {
        /** The ONNX file; empty: from {@code cnnviz.shared} or {@code ../shared}. */
        @Param("")
        public String model;

        Path path;

        /** Resolves the path. */
        @Setup(Level.Trial)
        public void setUp() {
            path = Shared.squeezeNet(model);
        }
    }

    /** Inference: one forward pass keeping only the scores and output. */
    @Benchmark
    public double forward(Net s) {
        try (ForwardPass pass = s.graph.infer(s.x, List.of())) {
            return pass.scores().getDouble(0);
        }
    }

    /** A forward pass keeping every activation, then the gradient of class 285's score with respect to the input. */
    @Benchmark
    public double forwardInputGradient(Net s) {
        try (ForwardPass pass = s.graph.forward(s.x)) {
            Gradients g = pass.backward(Map.of(s.scores, s.seed), List.of(s.input));
            return g.get(s.input).getDouble(0);
        }
    }

    /** Reading and translating the ONNX file (about 5 MB) into a graph. */
    @Benchmark
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 3, time = 2)
    public Model onnxImport(File f) throws ModelImportException {
        return Models.load(f.path);
    }
}
