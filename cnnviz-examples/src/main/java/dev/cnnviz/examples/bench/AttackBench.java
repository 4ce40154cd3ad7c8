package dev.cnnviz.examples.bench;

import dev.cnnviz.api.AdversarialExample;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.Fgsm;
import dev.cnnviz.core.adversarial.ImageSpace;
import dev.cnnviz.core.adversarial.Pgd;
import dev.cnnviz.core.graph.HostArrays;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmarks of the attacks on SqueezeNet 1.1 (ONNX, CPU), on the shared cat image (224×224): PGD (L∞,
 * ε = 8/255, α = 2/255, 10 steps, random start) on a batch of 32 copies, and FGSM on one image.
 *
 * <h2>Running</h2>
 * <pre>
 *   ./cnnviz jmh AttackBench -f 1 -wi 2 -i 5
 *   ./cnnviz jmh 'AttackBench.fgsm' GraphBench.forwardInputGradient   # FGSM against one forward + input gradient
 * </pre>
 * The model comes from {@code -p model=FILE}, {@code -Dcnnviz.shared=DIR} or {@code ../shared} (see
 * {@link GraphBench}). The PyTorch twin of {@code pgd32} is {@code src/main/python/attack_pgd.py}.
 *
 * <h2>Reading the numbers</h2>
 * Milliseconds per call (one batch). The arithmetic: {@code pgd32} is 10 forward + input-gradient passes at batch 32
 * plus two forward passes (the model's answer before and after), about {@code 32 · (10 · 1.4 + 2 · 0.7) = 493}
 * GFLOP; {@code fgsm1} is one forward + input gradient (its clean scores come from that pass) and one forward pass
 * that judges the result, about 2.1 GFLOP; {@code fgsmPerturb1} is the adversarial image alone
 * ({@link dev.cnnviz.api.Attack#perturb}), one forward + input gradient, 1.4 GFLOP, to set beside
 * {@code GraphBench.forwardInputGradient} at batch 1. Attacks per second are {@code 32000 / pgd32} and
 * {@code 1000 / fgsm1}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class AttackBench {
    /** The model and the cat as image-space batches of 1 and 32. */
    @State(Scope.Benchmark)
    public static class Inputs {
        /** The ONNX file; empty: from {@code cnnviz.shared} or {@code ../shared}. */
        @Param("")
        public String model;

        Pgd pgd;
        Fgsm fgsm;
        Tensor one;
        Tensor batch32;

        /** Loads the model and the cat input and converts it to image space. */
        @Setup(Level.Trial)
        public void setUp() throws ModelImportException, IOException {
            Path file = Shared.squeezeNet(model);
            Model m = Shared.loadSqueezeNet(file);
            ImageSpace space = ImageSpace.of(m.inputSpec());
            float[] u = new float[space.imageLength()];
            try (INDArray x = Shared.catBatch(file, 1)) {
                space.invert(HostArrays.floats(x), u);
            }
            one = Tensor.of(u, 1, 3, 224, 224);
            float[] many = new float[32 * u.length];
            for (int i = 0; i < 32; i++) {
                System.arraycopy(u, 0, many, i * u.length, u.length);
            }
            batch32 = Tensor.of(many, 32, 3, 224, 224);
            pgd = Pgd.of(m).withSteps(10).withBatchSize(32);
            fgsm = Fgsm.of(m);
            System.out.printf(Locale.ROOT, "%n# %s and %s on SqueezeNet 1.1%n", pgd, fgsm);
        }
    }

    /** PGD, 10 steps, on a batch of 32 images. */
    @Benchmark
    public List<AdversarialExample> pgd32(Inputs in) {
        return in.pgd.attackTensor(in.batch32, List.of(Target.topClass()));
    }

    /** FGSM on one image. */
    @Benchmark
    public List<AdversarialExample> fgsm1(Inputs in) {
        return in.fgsm.attackTensor(in.one, List.of(Target.topClass()));
    }

    /** FGSM's adversarial image alone on one image: one forward + input-gradient pass, nothing judged after. */
    @Benchmark
    public Tensor fgsmPerturb1(Inputs in) {
        return in.fgsm.perturb(in.one, List.of(Target.topClass()));
    }
}
