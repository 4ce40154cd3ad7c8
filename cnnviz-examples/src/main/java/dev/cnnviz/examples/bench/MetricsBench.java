package dev.cnnviz.examples.bench;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.cam.GradCam;
import dev.cnnviz.core.metrics.Curve;
import dev.cnnviz.core.metrics.DeletionInsertion;
import dev.cnnviz.core.metrics.Infidelity;
import dev.cnnviz.core.metrics.MaxSensitivity;
import dev.cnnviz.core.metrics.Road;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
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
 * JMH benchmarks of the explanation metrics ({@code dev.cnnviz.core.metrics}) on SqueezeNet 1.1 (ONNX, CPU), class
 * 285 of the shared cat image explained by Grad-CAM (computed once, in the set-up):
 * <ul>
 *   <li>{@code deletion}: the deletion metric over {@code images} images (default 100, the workload; the cat
 *       input repeated), 224 pixels per step: 225 inference passes per image, 22,500 in all (15.8 TFLOP at
 *       0.70 GFLOP per pass), batched by 32;</li>
 *   <li>{@code road}: ROAD (MoRF, 9 fractions) on one image: 9 noisy linear imputations of up to 45,000 pixels on the
 *       CPU and 9 inference passes;</li>
 *   <li>{@code infidelity}: 64 perturbations + 1, 65 inference passes;</li>
 *   <li>{@code maxSensitivity}: Grad-CAM of 10 perturbed inputs + 1 (forward and backward down to fire9).</li>
 * </ul>
 * Report each against its arithmetic: the time of one batched inference pass ({@link GraphBench}'s {@code forward}
 * at batch 32, divided by 32) times the number of passes.
 *
 * <pre>
 *   ./cnnviz jmh MetricsBench -f 1
 *   ./cnnviz jmh MetricsBench.deletion -p images=20
 * </pre>
 * The model comes from {@code -p model=FILE}, {@code -Dcnnviz.shared=DIR} or {@code ../shared} (see {@link GraphBench}).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class MetricsBench {
    /** The explained class: 285, Egyptian cat. */
    static final Target TARGET = Target.classIndex(GraphBench.CLASS);

    /** The model, the images and their Grad-CAM explanations. */
    @State(Scope.Benchmark)
    public static class Data {
        /** The ONNX file; empty: from {@code cnnviz.shared} or {@code ../shared}. */
        @Param("")
        public String model;

        /** Images of the deletion benchmark. */
        @Param("100")
        public int images;

        Model m;
        INDArray x;
        INDArray one;
        Explanation e;

        /** Loads the model and the cat input and explains it. */
        @Setup(Level.Trial)
        public void setUp() throws ModelImportException, IOException {
            Path file = Shared.squeezeNet(model);
            m = Shared.loadSqueezeNet(file);
            x = Shared.catBatch(file, images);
            one = x.get(NDArrayIndex.interval(0, 1)).dup();
            e = GradCam.of(m).explain(one, TARGET);
            System.out.printf(Locale.ROOT, "%n# metrics on SqueezeNet 1.1, 224x224, Grad-CAM maps; deletion over %d images%n", images);
        }

        /** Frees the inputs. */
        @TearDown(Level.Trial)
        public void tearDown() {
            x.close();
            one.close();
        }
    }

    /** Deletion AUC of every image (225 inference passes each). */
    @Benchmark
    public double deletion(Data d) {
        DeletionInsertion del = DeletionInsertion.of(d.m);
        double sum = 0;
        for (int i = 0; i < d.images; i++) {
            Curve c = del.curve(d.x.get(NDArrayIndex.interval(i, i + 1)), d.e.map(), TARGET);
            sum += c.auc();
        }
        return sum / d.images;
    }

    /** ROAD (MoRF) of one image. */
    @Benchmark
    public double road(Data d) {
        return Road.of(d.m).curve(d.one, d.e).auc();
    }

    /** Infidelity of one Grad-CAM map, 64 perturbations. */
    @Benchmark
    public double infidelity(Data d) {
        return Infidelity.of(d.m).value(d.one, d.e);
    }

    /** Max-sensitivity of Grad-CAM, 10 perturbations. */
    @Benchmark
    public double maxSensitivity(Data d) {
        return MaxSensitivity.of(d.m).value(GradCam.of(d.m), d.one, TARGET);
    }
}
