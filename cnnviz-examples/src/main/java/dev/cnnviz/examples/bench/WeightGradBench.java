package dev.cnnviz.examples.bench;

import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Parameters;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * JMH benchmark of weight gradients: a forward pass and the gradients of every convolution's weights and bias, on
 * the convolution shapes of Johnson, Alahi &amp; Fei-Fei's transformation network (2016) at batch 4 and 128×128
 * pixels, with the weights trainable ({@link Parameters}), on the oneDNN plans ({@code engine=plan}: the
 * backward-weights primitive) and on ND4J only ({@code engine=nd4j}, what a graph whose weights needed gradients
 * ran on before).
 *
 * <p>The network's convolutions: {@code c9s1-32} (3→32, 9×9, 128 px), {@code d64} and {@code d128} (3×3, stride
 * 2), ten 3×3 128→128 convolutions at 32 px (the five residual blocks), and the last {@code c9s1-3} (32→3, 9×9,
 * 128 px), each but the last followed by a ReLU. The fractionally strided convolutions, instance normalization,
 * reflect padding and residual additions are left out: this measures the convolutions' weight gradients alone, so
 * the last convolution reads the first one's output (same shapes as after the upsampling layers).
 *
 * <h2>Running</h2>
 * <pre>
 *   ./cnnviz jmh WeightGradBench                        # both engines
 *   ./cnnviz jmh WeightGradBench -p engine=plan -f 1 -wi 2 -i 3
 * </pre>
 * Scores are milliseconds per forward + backward of the batch. At set-up each trial prints the forward FLOPs
 * ({@link Flops#count}); the backward with input and weight gradients costs about twice the forward.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class WeightGradBench {

    /** The network with trainable weights and a batch of random images. */
    @State(Scope.Benchmark)
    public static class Net {
        /** {@code plan}: oneDNN plans; {@code nd4j}: ND4J only. */
        @Param({"plan", "nd4j"})
        public String engine;

        /** Images per batch. */
        @Param("4")
        public int batch;

        /** Image side in pixels. */
        @Param("128")
        public int size;

        Parameters parameters;
        Graph graph;
        INDArray x;
        Map<String, INDArray> seeds;

        /** Builds the network (seeded random weights), binds its parameters and prints the FLOPs. */
        @Setup(Level.Trial)
        public void setUp() {
            if (!engine.equals("plan") && !engine.equals("nd4j")) {
                throw new IllegalArgumentException("engine must be plan or nd4j, found '" + engine + "'");
            }
            SplittableRandom rnd = new SplittableRandom(12);
            Graph.Builder b = Graph.builder().input("x", 3, size, size);
            List<String> weights = new ArrayList<>();
            String last = conv(b, rnd, weights, "c9s1_32", "x", 3, 32, 9, 1, true);
            String first = last;
            last = conv(b, rnd, weights, "d64", last, 32, 64, 3, 2, true);
            last = conv(b, rnd, weights, "d128", last, 64, 128, 3, 2, true);
            for (int i = 1; i <= 10; i++) {
                last = conv(b, rnd, weights, "res" + i, last, 128, 128, 3, 1, true);
            }
            String out = conv(b, rnd, weights, "c9s1_3", first, 32, 3, 9, 1, false);
            Graph g = b.output(out).build();
            parameters = Parameters.of(g, weights);
            Graph bound = g.withParameters(parameters);
            graph = engine.equals("plan") ? bound : bound.withNd4jOnly();
            x = random(rnd, batch, 3, size, size);
            seeds = Map.of(last, random(rnd, batch, 128, size / 4, size / 4).muli(1e-2), out, random(rnd, batch, 3, size, size));
            long flops = Flops.count(graph, x.shape());
            System.out.printf(Locale.ROOT, "%n# Johnson transformation network convolutions, batch %d, %d px, %s: %.3f GFLOP "
                    + "per forward pass, %d weights%n", batch, size, engine, flops / 1e9, parameters.size());
        }

        private static String conv(Graph.Builder b, SplittableRandom rnd, List<String> weights, String name, String in,
                int cin, int cout, int k, int stride, boolean relu) {
            double scale = Math.sqrt(2.0 / (cin * k * k));
            b.constant(name + "_w", random(rnd, cout, cin, k, k).muli(scale)).constant(name + "_b", random(rnd, cout).muli(0.1));
            weights.add(name + "_w");
            weights.add(name + "_b");
            int p = k / 2;
            b.add(name, new Conv(new int[] {stride, stride}, new int[] {p, p, p, p}, new int[] {1, 1}, 1,
                    dev.cnnviz.core.graph.ops.AutoPad.NOTSET), in, name + "_w", name + "_b");
            if (!relu) {
                return name;
            }
            b.add(name + "_relu", new Relu(), name);
            return name + "_relu";
        }

        private static INDArray random(SplittableRandom rnd, long... shape) {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            float[] v = new float[Math.toIntExact(n)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            return Nd4j.create(v, shape, 'c').castTo(DataType.FLOAT);
        }

        /** Frees the native arrays. */
        @TearDown(Level.Trial)
        public void tearDown() {
            x.close();
            seeds.values().forEach(INDArray::close);
            parameters.close();
        }
    }

    /** A forward pass keeping every activation, then the gradients of every weight and bias. */
    @Benchmark
    public double forwardWeightGradients(Net s) {
        try (ForwardPass pass = s.graph.forward(s.x)) {
            Gradients g = pass.backward(s.seeds, s.parameters.names());
            return g.get("c9s1_32_w").getDouble(0);
        }
    }
}
