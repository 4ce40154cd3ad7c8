package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.NativeMemory;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.Relu;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-step cost of {@link GraphObjective#evaluate}: its gradient seeds are reused rather than allocated on every
 * call (so native memory neither grows between collections nor over 1,000 steps), the results are those of a
 * hand-written forward and backward pass, concurrent evaluations do not share seeds, and a non-finite gradient is
 * still reported.
 */
class GraphObjectiveStepTest {
    /**
     * x [1, 3, 64, 64] -> 3x3 conv to 16 channels -> relu "h" [1, 16, 64, 64] (256 KB) -> 1x1 conv to 10 -> global
     * average pool "s" [1, 10, 1, 1].
     */
    private static Graph net() {
        Random r = new Random(3);
        return Graph.builder()
                .input("x", 3, 64, 64)
                .constant("w1", random(r, 0.2, 16, 3, 3, 3))
                .constant("w2", random(r, 0.3, 10, 16, 1, 1))
                .add("c1", Conv.padded(1), "x", "w1")
                .add("h", new Relu(), "c1")
                .add("c2", Conv.simple(), "h", "w2")
                .add("s", new GlobalAveragePool(), "c2")
                .scores("s")
                .output("s")
                .build();
    }

    private static INDArray random(Random r, double scale, long... shape) {
        float[] v = new float[Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact))];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return Nd4j.create(v, shape, 'c');
    }

    /**
     * Native memory allocated per evaluation, without a collection in between: a fresh 256 KB seed per call (what
     * evaluate did before its seeds were pooled) adds 50 MB over 200 calls until the collector frees them.
     */
    @Test
    void evaluateAllocatesNoSeedPerCall() {
        Graph g = net();
        GraphObjective f = GraphObjective.of(g, Objective.layerL2("h"));
        INDArray x = random(new Random(5), 1, 1, 3, 64, 64);
        INDArray grad = x.ulike();
        for (int i = 0; i < 30; i++) {
            f.evaluate(x, grad);
        }
        System.gc();
        long before = NativeMemory.residentOutsideHeap();
        for (int i = 0; i < 200; i++) {
            f.evaluate(x, grad);
        }
        long growth = NativeMemory.residentOutsideHeap() - before;
        System.out.println("GraphObjective: resident memory outside the heap grew by " + (growth >> 10) + " KB over 200 evaluations");
        assertTrue(growth < 16L << 20, "resident memory outside the heap grew by " + (growth >> 20) + " MB over 200 evaluations");
    }

    /** Native memory stays flat over 1,000 evaluations (sampled every 100 after a warm-up, see {@link NativeMemory}). */
    @Test
    void nativeMemoryStaysFlatOverAThousandEvaluations() {
        Graph g = net();
        GraphObjective f = GraphObjective.of(g, Objective.layerL2("h").plus(Objective.classScore(3)));
        INDArray x = random(new Random(6), 1, 1, 3, 64, 64);
        INDArray grad = x.ulike();
        NativeMemory.Samples s = NativeMemory.sample(11, 100, () -> f.evaluate(x, grad));
        assertTrue(s.floorGrowth() < 24L << 20, s.describe());
        assertTrue(s.trackedGrowth() < 4L << 20, s.describe());
    }

    /** Reused seeds start from zero on every call: repeated and interleaved evaluations agree with a direct pass. */
    @Test
    void repeatedEvaluationsMatchAHandWrittenPass() {
        Graph g = net();
        INDArray x = random(new Random(7), 1, 1, 3, 64, 64);
        INDArray expected;
        double expectedValue;
        try (ForwardPass pass = g.forward(x)) {
            INDArray h = pass.get("h");
            expectedValue = 0.5 * h.mul(h).sumNumber().doubleValue();
            expected = pass.backward(Map.of("h", h.dup()), List.of("x")).get("x").dup();
        }
        GraphObjective layer = GraphObjective.of(g, Objective.layerL2("h"));
        GraphObjective cls = GraphObjective.of(g, Objective.classScore(3));
        INDArray grad = x.ulike();
        for (int i = 0; i < 3; i++) {
            assertEquals(expectedValue, layer.evaluate(x, grad), 1e-6 * Math.abs(expectedValue));
            assertEquals(expected, grad, "evaluation " + i);
            cls.evaluate(x, grad);   // a different seed of another shape in between
        }
    }

    /** Evaluations on several threads at once each get their own seeds and the single-thread result. */
    @Test
    void concurrentEvaluationsAgree() throws Exception {
        Graph g = net();
        GraphObjective f = GraphObjective.of(g, Objective.layerL2("h").plus(Objective.classScore(3)));
        List<INDArray> xs = new ArrayList<>();
        List<INDArray> expected = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            INDArray x = random(new Random(10 + t), 1, 1, 3, 64, 64);
            INDArray grad = x.ulike();
            f.evaluate(x, grad);
            xs.add(x);
            expected.add(grad);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                INDArray x = xs.get(t);
                INDArray want = expected.get(t);
                results.add(pool.submit(() -> {
                    INDArray grad = x.ulike();
                    boolean same = true;
                    for (int i = 0; i < 20; i++) {
                        f.evaluate(x, grad);
                        same &= grad.equalsWithEps(want, 1e-5);
                    }
                    return same;
                }));
            }
            for (int t = 0; t < 4; t++) {
                assertTrue(results.get(t).get(), "thread " + t + " got another gradient");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A gradient that overflows to infinity, or to NaN (infinity minus infinity), while the value stays finite is
     * still an error, not a result.
     */
    @Test
    void aNonFiniteGradientIsReported() {
        // w1 scales x by +1e30 and -1e30 into two channels, w2 sums them with weight 1e30: at x = 0 the value is 0,
        // while the gradient of class 0 is 1e30 * 1e30 = infinity (one channel) or inf - inf = NaN (both).
        INDArray x = Nd4j.zeros(DataType.FLOAT, 1, 1, 2, 2);
        for (float second : new float[] {0f, -1e30f}) {
            Graph g = Graph.builder()
                    .input("x", 1, 2, 2)
                    .constant("w1", Nd4j.create(new float[] {1e30f, second}, new long[] {2, 1, 1, 1}, 'c'))
                    .constant("w2", Nd4j.valueArrayOf(new long[] {2, 2, 2, 2}, 1e30f))
                    .add("h", Conv.simple(), "x", "w1")
                    .add("s", Conv.simple(), "h", "w2")
                    .scores("s")
                    .output("s")
                    .build();
            NonFiniteResultException e = assertThrows(NonFiniteResultException.class,
                    () -> GraphObjective.of(g, Objective.classScore(0)).evaluate(x, x.ulike()), "second weight " + second);
            assertTrue(e.getMessage().contains("gradient"), e.getMessage());
        }
    }
}
