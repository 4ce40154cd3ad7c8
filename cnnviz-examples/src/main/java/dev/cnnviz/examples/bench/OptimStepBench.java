package dev.cnnviz.examples.bench;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.featurevis.GraphObjective;
import dev.cnnviz.core.featurevis.Objective;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.featurevis.ClassVisualization;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
 * {@link dev.cnnviz.core.optim.NormalizedGradientStep#l2()}, on the float32 input array in place), and
 * {@code classVisualization}, the same step as {@link ClassVisualization} takes it, with its regularizers. This is what
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
    private ClassVisualization visualization;

    /** The steps of one {@link #classVisualization()} run. */
    static final int RUN_STEPS = 50;

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
        visualization = ClassVisualization.of(m).withSteps(RUN_STEPS);
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
     * The whole of class visualization as a user runs it, {@link ClassVisualization} with the CS231n defaults (jitter
     * up to 16 px, blur every 10 steps, L2 decay, clipping to the pixel range) for {@value #RUN_STEPS} steps from
     * seeded noise: the score is milliseconds per step. It adds to {@link #step()} the host-side image work (jitter
     * and its adjoint, the preprocessing and its adjoint, the blur, the clip, the float/double copies) and one extra
     * evaluation per run (the final point's loss, 1/{@value #RUN_STEPS} of a step).
     *
     * @return the final loss (so that the work is not eliminated)
     */
    @Benchmark
    @OperationsPerInvocation(RUN_STEPS)
    public double classVisualization() {
        return visualization.visualize(Target.classIndex(CLASS), ProgressListener.NONE).history()
                .get(RUN_STEPS - 1).loss();
    }

    /**
     * The step itself: updates {@code x} in place and uses {@code g} (same shape) as scratch. The arithmetic runs in
     * plain loops over the arrays' native buffers: level-1 BLAS calls here would wake OpenBLAS's own thread pool
     * between oneDNN's OpenMP passes (measured: +5 ms median per step on 2 cores).
     */
    static double step(GraphObjective objective, INDArray x, INDArray g) {
        double score = objective.evaluate(x, g);
        FloatBuffer xb = x.data().asNioFloat();
        FloatBuffer gb = g.data().asNioFloat();
        int n = (int) x.length();
        double squared = 0;
        double norm2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = xb.get(i);
            float gi = (float) (gb.get(i) - 2 * L2_REG * xi);   // g = dS/dx - 2 lambda x
            gb.put(i, gi);
            squared += xi * xi;
            norm2 += gi * gi;
        }
        double norm = Math.sqrt(norm2);
        if (norm > 0) {
            float factor = (float) (LEARNING_RATE / norm);      // ascent: x += lr g / |g|
            for (int i = 0; i < n; i++) {
                xb.put(i, xb.get(i) + factor * gb.get(i));
            }
        }
        return score - L2_REG * squared;
    }
}
