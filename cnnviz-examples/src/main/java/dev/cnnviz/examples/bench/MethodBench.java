package dev.cnnviz.examples.bench;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.AttributionBase;
import dev.cnnviz.core.cam.GradCam;
import dev.cnnviz.examples.cli.Method;
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
 * JMH benchmarks of the attribution methods on SqueezeNet 1.1 (ONNX, CPU), class 285 of the shared cat image:
 * one 224×224 image per call for saliency, guided backprop, Grad-CAM, integrated gradients (50 steps),
 * SmoothGrad (25 samples of saliency) and Score-CAM (one masked forward pass per channel of the layer: 512 for
 * SqueezeNet's last fire module), and Grad-CAM on a batch of 32 images.
 *
 * <h2>Running</h2>
 * From the root of the checkout:
 * <pre>
 *   ./cnnviz jmh MethodBench -f 1 -wi 2 -i 3
 *   ./cnnviz jmh MethodBench.explain -p method=grad-cam,integrated-gradients
 *   ./cnnviz jmh MethodBench.gradCamBatch32 -p model=/data/squeezenet1.1-imagenet.onnx
 *   java -cp "cnnviz-examples/target/classes:cnnviz-examples/target/lib/*" org.openjdk.jmh.Main MethodBench
 * </pre>
 * The model comes from {@code -p model=FILE}, {@code -Dcnnviz.shared=DIR} or {@code ../shared} (see
 * {@link GraphBench}).
 *
 * <h2>Reading the numbers</h2>
 * Milliseconds per call (Mode.AverageTime); {@code gradCamBatch32} is per batch of 32 (divide by 32 per
 * image). Each method's cost in forward-pass equivalents, to compare with {@link GraphBench}'s
 * {@code forward} and {@code forwardInputGradient} at batch 1 and 32 and to turn into GFLOP/s with the FLOPs it
 * prints (about 0.7 GFLOP per image forward): saliency, guided backprop and Grad-CAM: one forward + one
 * backward; integrated gradients: 50 forward + backward (run in batches of 32); SmoothGrad: 25 forward +
 * backward; Score-CAM: 1 forward + one forward per channel (batched by 32).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class MethodBench {
    /** The explained class: 285, Egyptian cat. */
    static final List<Target> TARGET = List.of(Target.classIndex(GraphBench.CLASS));

    /** One method and one image. */
    @State(Scope.Benchmark)
    public static class One {
        /** The ONNX file; empty: from {@code cnnviz.shared} or {@code ../shared}. */
        @Param("")
        public String model;

        /** The method, by its CLI name; defaults: integrated gradients 50 steps, SmoothGrad 25 samples. */
        @Param({"saliency", "guided-backprop", "grad-cam", "integrated-gradients", "smoothgrad", "score-cam"})
        public String method;

        /**
         * The layer for CAM methods; empty: the method's default (for SqueezeNet, {@code relu_conv10_2}, 1000
         * channels). {@code -p method=score-cam -p layer=concat_fire9/concat_1} is Score-CAM over 512 channels.
         */
        @Param("")
        public String layer;

        AttributionBase attribution;
        INDArray x;

        /** Loads the model and the cat image and builds the method. */
        @Setup(Level.Trial)
        public void setUp() throws ModelImportException, IOException {
            Path file = Shared.squeezeNet(model);
            Model m = Shared.loadSqueezeNet(file);
            attribution = Method.parse(method).create(m, layer.isEmpty() ? null : layer, null, null);
            x = Shared.catBatch(file, 1);
            System.out.printf(Locale.ROOT, "%n# %s on SqueezeNet 1.1, one 224x224 image; forward: %.3f GFLOP%n",
                    attribution, Flops.count(m.graph(), x.shape()) / 1e9);
        }

        /** Frees the input. */
        @TearDown(Level.Trial)
        public void tearDown() {
            x.close();
        }
    }

    /** Grad-CAM and a batch of 32 images. */
    @State(Scope.Benchmark)
    public static class Batch {
        /** The ONNX file; empty: from {@code cnnviz.shared} or {@code ../shared}. */
        @Param("")
        public String model;

        GradCam gradCam;
        INDArray x;

        /** Loads the model and repeats the cat image 32 times. */
        @Setup(Level.Trial)
        public void setUp() throws ModelImportException, IOException {
            Path file = Shared.squeezeNet(model);
            Model m = Shared.loadSqueezeNet(file);
            gradCam = GradCam.of(m).withBatchSize(32);
            x = Shared.catBatch(file, 32);
        }

        /** Frees the batch. */
        @TearDown(Level.Trial)
        public void tearDown() {
            x.close();
        }
    }

    /** One explanation of one image. */
    @Benchmark
    public Explanation explain(One s) {
        return s.attribution.explain(s.x, TARGET).get(0);
    }

    /** Grad-CAM of 32 images in one forward and one backward pass. */
    @Benchmark
    public List<Explanation> gradCamBatch32(Batch s) {
        return s.gradCam.explain(s.x, TARGET);
    }
}
