package dev.cnnviz.examples.bench;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.Fgsm;
import dev.cnnviz.core.adversarial.ImageSpace;
import dev.cnnviz.core.featurevis.ClassVisualization;
import dev.cnnviz.core.featurevis.GraphObjective;
import dev.cnnviz.core.featurevis.Objective;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.HostArrays;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The batch-1 methods against their floor, interleaved in one JVM: {@link GraphBench}'s forward + input gradient
 * (SqueezeNet 1.1, the cat, class 285), {@link OptimStepBench}'s bare step, FGSM's {@code perturb} and a step of
 * {@link ClassVisualization} with its regularizers, one after the other in every round, so that all four see the
 * same machine. JMH runs each benchmark in its own fork, minutes apart; on a shared host those forks' floors
 * differed by up to 30%, more than the 10% the targets allow, so the ratios are read here.
 *
 * <p>Run from the checkout root after a build (the launcher's {@code jmh} environment, libgomp's default wait
 * policy):
 * <pre>
 *   java -cp "cnnviz-examples/target/classes:cnnviz-examples/target/lib/*" \
 *       dev.cnnviz.examples.bench.InterleavedLatency [ROUNDS]       # default 12 rounds of 50 + one 50-step run
 *   DNNL_MAX_CPU_ISA=AVX2 java -cp ... dev.cnnviz.examples.bench.InterleavedLatency
 * </pre>
 * Prints, per method, the number of timings, the minimum, the 10th percentile, the median and the 90th percentile in
 * milliseconds (the first two rounds are warm-up). The model is found as by {@link GraphBench}.
 */
public final class InterleavedLatency {
    private InterleavedLatency() {
    }

    /**
     * @param args optionally the number of rounds (at least 3)
     * @throws ModelImportException if the shared SqueezeNet cannot be read
     * @throws IOException          if the cat input cannot be read
     */
    public static void main(String[] args) throws ModelImportException, IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        if (rounds < 3) {
            throw new IllegalArgumentException("rounds must be at least 3 (two warm up), found " + rounds);
        }
        Path file = Shared.squeezeNet("");
        Model m = Shared.loadSqueezeNet(file);
        Graph graph = m.graph();
        INDArray start = Shared.catBatch(file, 1);
        INDArray x = start.dup('c');
        INDArray g = x.ulike().assign(0);
        GraphObjective objective = GraphObjective.of(graph, Objective.classScore(OptimStepBench.CLASS));
        String in = graph.inputName();
        String scores = graph.scoresNode();
        INDArray seed;
        try (ForwardPass p = graph.forward(start)) {
            seed = p.scores().ulike().assign(0);
            long[] idx = new long[seed.rank()];
            idx[1] = OptimStepBench.CLASS;
            seed.putScalar(idx, 1.0);
        }
        ImageSpace space = ImageSpace.of(m.inputSpec());
        float[] u = new float[space.imageLength()];
        space.invert(HostArrays.floats(start), u);
        Tensor one = Tensor.of(u, 1, 3, 224, 224);
        Fgsm fgsm = Fgsm.of(m);
        int steps = 50;
        ClassVisualization cv = ClassVisualization.of(m).withSteps(steps);
        List<Double> floor = new ArrayList<>();
        List<Double> bare = new ArrayList<>();
        List<Double> attack = new ArrayList<>();
        List<Double> visualization = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            x.assign(start);
            for (int k = 0; k < steps; k++) {
                long t0 = System.nanoTime();
                try (ForwardPass p = graph.forward(start)) {
                    p.backward(Map.of(scores, seed), List.of(in)).get(in).getDouble(0);
                }
                long t1 = System.nanoTime();
                OptimStepBench.step(objective, x, g);
                long t2 = System.nanoTime();
                fgsm.perturb(one, List.of(Target.topClass()));
                long t3 = System.nanoTime();
                if (r >= 2) {
                    floor.add((t1 - t0) / 1e6);
                    bare.add((t2 - t1) / 1e6);
                    attack.add((t3 - t2) / 1e6);
                }
            }
            long[] t = new long[steps + 1];
            t[0] = System.nanoTime();
            cv.visualize(Target.classIndex(OptimStepBench.CLASS), s -> {
                t[s.step()] = System.nanoTime();
                return true;
            });
            for (int i = 2; i <= steps && r >= 2; i++) {
                visualization.add((t[i] - t[i - 1]) / 1e6);
            }
        }
        report("forward + input gradient (GraphBench)", floor);
        report("bare class-visualization step (OptimStepBench.step)", bare);
        report("FGSM perturb, one image", attack);
        report("ClassVisualization step", visualization);
    }

    private static void report(String name, List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "%-52s n=%d  min %.2f  p10 %.2f  median %.2f  p90 %.2f ms%n", name, s.length,
                s[0], s[s.length / 10], s[s.length / 2], s[s.length * 9 / 10]);
    }
}
