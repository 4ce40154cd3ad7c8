package dev.cnnviz.examples.bench;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.featurevis.GraphObjective;
import dev.cnnviz.core.featurevis.Objective;
import dev.cnnviz.core.graph.Graph;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.blas.Level1;
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
 * JMH benchmark of one step of class visualization (Simonyan et al. 2014, as in CS231n's assignment 3) on
 * SqueezeNet 1.1 (ONNX, one 224×224 image, CPU): the objective {@code S_285(x) − λ‖x‖²} and its gradient by
 * {@link GraphObjective#evaluate} (one forward pass and one input-gradient pass on the compiled plans), then the
 * L2-normalised ascent step {@code x ← x + lr · g / ‖g‖₂} (the arithmetic of
 * {@link dev.cnnviz.core.optim.NormalizedGradientStep#l2()}, on the float32 input array in place). This is what
 * every step of feature visualization pays: about 1.4 GFLOP (0.70 forward, 0.70 for the input gradient).
 *
 * <p>Its Python twin {@code cnnviz-examples/src/main/python/class_vis_step.py} runs the same loop in PyTorch on
 * the same weights; compare the two on the same machine, and with {@link GraphBench}'s
 * {@code forwardInputGradient} at batch 1 (the floor this step cannot go below).
 *
 * <h2>Running</h2>
 * From the root of the checkout:
 * <pre>
 *   ./cnnviz jmh OptimStepBench
 *   ./cnnviz jmh OptimStepBench GraphBench.forwardInputGradient -p batch=1   # side by side with the floor
 *   DNNL_MAX_CPU_ISA=AVX2 ./cnnviz jmh OptimStepBench                         # as on a host without AVX-512
 * </pre>
 * The model is found as by {@link GraphBench} ({@code -p model=FILE}, {@code -Dcnnviz.shared=DIR}, or
 * {@code ../shared}). Scores are milliseconds per step; {@code GFLOP/s = 1.4 / (ms / 1000)}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
@State(Scope.Benchmark)
public class OptimStepBench {
    /** The class whose score is maximized: 285, Egyptian cat. */
    static final int CLASS = 285;
    /** The L2 regularization weight λ (CS231n's {@code l2_reg}). */
    static final double L2_REG = 1e-3;
    /** The step size in input units (CS231n's {@code learning_rate}). */
    static final double LEARNING_RATE = 25;

    /** The ONNX file; empty: from {@code cnnviz.shared} or {@code ../shared}. */
    @Param("")
    public String model;

    private GraphObjective objective;
    private INDArray start;
    private INDArray x;
    private INDArray gradient;

    /** Loads the model, binds the objective, allocates the image and its gradient once, and prints the FLOPs. */
    @Setup(Level.Trial)
    public void setUp() throws ModelImportException, IOException {
        Path file = Shared.squeezeNet(model);
        Model m = Shared.loadSqueezeNet(file);
        Graph graph = m.graph();
        objective = GraphObjective.of(graph, Objective.classScore(CLASS));
        start = Shared.catBatch(file, 1);
        x = start.dup('c');
        gradient = x.ulike().assign(0);
        long flops = Flops.count(graph, x.shape());
        System.out.printf(Locale.ROOT, "%n# SqueezeNet 1.1, batch 1: %.3f GFLOP per step (forward + input gradient; "
                + "GFLOP/s = %.3f / (ms / 1000))%n", 2 * flops / 1e9, 2 * flops / 1e9);
    }

    /** Starts every iteration from the cat image, so that no run drifts to another regime of the network. */
    @Setup(Level.Iteration)
    public void reset() {
        x.assign(start);
    }

    /** Frees the native arrays. */
    @TearDown(Level.Trial)
    public void tearDown() {
        start.close();
        x.close();
        gradient.close();
    }

    /**
     * One ascent step on {@code S_285(x) − λ‖x‖²}: forward, input gradient, regularizer, normalized update.
     *
     * @return the objective before the step (so that the work is not eliminated)
     */
    @Benchmark
    public double step() {
        return step(objective, x, gradient);
    }

    /**
     * The step itself: updates {@code x} in place and uses {@code g} (same shape) as scratch. BLAS level 1 runs on
     * vector views of the two arrays (contiguous, row-major), allocating nothing.
     */
    static double step(GraphObjective objective, INDArray x, INDArray g) {
        double score = objective.evaluate(x, g);
        Level1 blas = Nd4j.getBlasWrapper().level1();
        long n = x.length();
        INDArray xv = x.reshape(n);
        INDArray gv = g.reshape(n);
        double squared = blas.dot(n, 1, xv, xv);
        blas.axpy(n, -2 * L2_REG, xv, gv);                          // g = dS/dx - 2 lambda x
        double norm = blas.nrm2(gv);
        if (norm > 0) {
            blas.axpy(n, LEARNING_RATE / norm, gv, xv);              // ascent: x += lr g / |g|
        }
        return score - L2_REG * squared;
    }
}
