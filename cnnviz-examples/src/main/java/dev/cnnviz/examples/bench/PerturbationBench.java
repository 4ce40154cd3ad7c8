package dev.cnnviz.examples.bench;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.perturbation.Features;
import dev.cnnviz.core.perturbation.KernelShap;
import dev.cnnviz.core.perturbation.Lime;
import dev.cnnviz.core.perturbation.Occlusion;
import dev.cnnviz.core.perturbation.PerturbationBase;
import dev.cnnviz.core.perturbation.Rise;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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
 * JMH benchmarks of the perturbation methods (issue 14) on SqueezeNet 1.1, class 285 of the shared cat image, each
 * against the arithmetic of the forward passes it needs:
 * <ul>
 *   <li>{@code occlusion}: window 16, stride 8: 27 × 27 = 729 occluded inputs;</li>
 *   <li>{@code kernel-shap}: 1,000 coalitions of a 16-pixel grid (196 features) + the empty one: 1,001 inputs;</li>
 *   <li>{@code lime}: 1,000 samples of about 50 SLIC superpixels (the first is the image: 999 inputs);</li>
 *   <li>{@code rise}: 4,000 masks of a 7 × 7 grid: 4,000 inputs;</li>
 * </ul>
 * plus one forward pass for the target. {@code inferPasses} runs the same number of plain inference passes in the
 * same batches (32) with no perturbation around them: the floor a method's time is compared with ("within 1.5×").
 * One SqueezeNet forward pass is 0.70 GFLOP: 729 passes are 511 GFLOP.
 *
 * <pre>
 *   ./cnnviz jmh PerturbationBench -f 1 -wi 1 -i 3
 *   ./cnnviz jmh PerturbationBench -p method=occlusion
 * </pre>
 * Captum's {@code Occlusion} ({@code perturbations_per_eval=32}) is the reference the issue names; it runs in Python
 * and is measured side by side outside this benchmark.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class PerturbationBench {
    /** One method and one image. */
    @State(Scope.Benchmark)
    public static class One {
        /** The ONNX file; empty: from {@code cnnviz.shared} or {@code ../shared}. */
        @Param("")
        public String model;

        /** The method. */
        @Param({"occlusion", "kernel-shap", "lime", "rise"})
        public String method;

        PerturbationBase<?> attribution;
        Model squeezeNet;
        INDArray x;
        INDArray batch;
        int evaluations;

        /** Loads the model and the cat image and builds the method. */
        @Setup(Level.Trial)
        public void setUp() throws ModelImportException, IOException {
            Path file = Shared.squeezeNet(model);
            squeezeNet = Shared.loadSqueezeNet(file);
            attribution = switch (method) {
                case "occlusion" -> Occlusion.of(squeezeNet).withWindow(16).withStride(8);
                case "kernel-shap" -> KernelShap.of(squeezeNet).withFeatures(Features.grid(16)).withSamples(1000);
                case "lime" -> Lime.of(squeezeNet).withSamples(1000);
                case "rise" -> Rise.of(squeezeNet).withMasks(4000);
                default -> throw new IllegalArgumentException("unknown method " + method);
            };
            evaluations = switch (method) {
                case "occlusion" -> 729;
                case "kernel-shap" -> 1001;
                case "lime" -> 999;
                default -> 4000;
            } + 1;
            x = Shared.catBatch(file, 1);
            batch = Shared.catBatch(file, 32);
            double gflop = Flops.count(squeezeNet.graph(), x.shape()) / 1e9;
            System.out.printf(Locale.ROOT, "%n# %s on SqueezeNet 1.1, one 224x224 image: %d forward passes, %.1f GFLOP%n",
                    attribution, evaluations, evaluations * gflop);
        }

        /** Frees the inputs. */
        @TearDown(Level.Trial)
        public void tearDown() {
            x.close();
            batch.close();
        }
    }

    /** One explanation. */
    @Benchmark
    public Explanation explain(One s) {
        return s.attribution.explain(s.x, List.of(Target.classIndex(GraphBench.CLASS))).get(0);
    }

    /** The same number of inference passes, in batches of 32, with nothing around them. */
    @Benchmark
    public double inferPasses(One s) {
        double sum = 0;
        int left = s.evaluations;
        while (left > 0) {
            int n = Math.min(32, left);
            INDArray in = n == 32 ? s.batch : s.batch.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n)).dup();
            try (ForwardPass p = s.squeezeNet.graph().infer(in, List.of())) {
                sum += p.scores().getDouble(0, GraphBench.CLASS);
            } finally {
                if (in != s.batch) {
                    in.close();
                }
            }
            left -= n;
        }
        return sum;
    }
}
