package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Softmax;
import dev.cnnviz.core.graph.ops.Tanh;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Objectives: values by hand, gradients against central finite differences, algebra, and errors. */
class ObjectiveTest {
    /** x [N, 2, 3, 3] -> 2x2 conv to 3 channels "c1" -> tanh "h" [N, 3, 2, 2] -> 2x2 conv to 4 "s" [N, 4, 1, 1] -> softmax. */
    static Graph net(long seed) {
        Random r = new Random(seed);
        return Graph.builder()
                .input("x", 2, 3, 3)
                .constant("w1", random(r, 3, 2, 2, 2))
                .constant("w2", random(r, 4, 3, 2, 2))
                .add("c1", Conv.simple(), "x", "w1")
                .add("h", new Tanh(), "c1")
                .add("s", Conv.simple(), "h", "w2")
                .add("p", Softmax.classes(), "s")
                .build();
    }

    private static INDArray random(Random r, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, r.nextGaussian() * 0.7);
        }
        return a;
    }

    /** Max error of GraphObjective's input gradient against central differences, relative to the values (floor 1e-3). */
    static double gradientError(Graph g, Objective o, INDArray x) {
        GraphObjective f = GraphObjective.of(g, o);
        INDArray grad = Nd4j.zerosLike(x);
        f.evaluate(x, grad);
        double h = 1e-5;
        double worst = 0;
        INDArray scratch = Nd4j.zerosLike(x);
        for (long i = 0; i < x.length(); i++) {
            INDArray xp = x.dup();
            xp.putScalar(i, x.getDouble(i) + h);
            INDArray xm = x.dup();
            xm.putScalar(i, x.getDouble(i) - h);
            double numeric = (f.evaluate(xp, scratch) - f.evaluate(xm, scratch)) / (2 * h);
            double analytic = grad.getDouble(i);
            worst = Math.max(worst, Math.abs(numeric - analytic) / (1e-3 + Math.abs(numeric) + Math.abs(analytic)));
        }
        return worst;
    }

    @Property(tries = 2)
    void everyTermsGradientMatchesFiniteDifferences(@ForAll @LongRange(min = 1, max = 1_000_000) long seed) {
        Graph g = net(seed);
        INDArray x = random(new Random(seed + 1), 2, 2, 3, 3);
        List<Objective> terms = List.of(
                Objective.classScore(2),
                Objective.logProbability(1),
                Objective.neuron("h", 1, 0, 1),
                Objective.channel("h", 2),
                Objective.layerL2("h"),
                Objective.direction("c1", new double[] {0.5, -1, 2}),
                Objective.channel("h", 0).plus(Objective.classScore(3).times(0.25)).minus(Objective.layerL2("c1").times(0.1)));
        for (Objective o : terms) {
            double err = gradientError(g, o, x);
            assertTrue(err < 1e-7, o.describe() + ": relative gradient error " + err);
        }
    }

    @Test
    void valuesByHand() {
        Graph g = net(7);
        INDArray x = random(new Random(8), 2, 2, 3, 3);
        INDArray grad = Nd4j.zerosLike(x);
        INDArray h;
        INDArray s;
        try (var pass = g.forward(x)) {
            h = pass.get("h").dup();
            s = pass.get("s").dup().reshape(2, 4);
        }
        assertEquals(s.getDouble(0, 2) + s.getDouble(1, 2), GraphObjective.of(g, Objective.classScore(2)).evaluate(x, grad), 1e-12);
        double lse0 = Math.log(Math.exp(s.getDouble(0, 0)) + Math.exp(s.getDouble(0, 1)) + Math.exp(s.getDouble(0, 2)) + Math.exp(s.getDouble(0, 3)));
        double lse1 = Math.log(Math.exp(s.getDouble(1, 0)) + Math.exp(s.getDouble(1, 1)) + Math.exp(s.getDouble(1, 2)) + Math.exp(s.getDouble(1, 3)));
        assertEquals(s.getDouble(0, 1) - lse0 + s.getDouble(1, 1) - lse1,
                GraphObjective.of(g, Objective.logProbability(1)).evaluate(x, grad), 1e-12);
        double channelMean = (h.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(2))
                .sumNumber().doubleValue()) / 4;
        assertEquals(channelMean, GraphObjective.of(g, Objective.channel("h", 2)).evaluate(x, grad), 1e-12);
        assertEquals(0.5 * h.mul(h).sumNumber().doubleValue(), GraphObjective.of(g, Objective.layerL2("h")).evaluate(x, grad), 1e-12);
        Objective sum = Objective.channel("h", 2).times(3).minus(Objective.classScore(2));
        assertEquals(3 * channelMean - s.getDouble(0, 2) - s.getDouble(1, 2), GraphObjective.of(g, sum).evaluate(x, grad), 1e-12);
        assertEquals("3.000 * (channel(h, 2)) - class(2)", sum.describe());
    }

    @Test
    void badObjectivesAreClearErrors() {
        Graph g = net(1);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> GraphObjective.of(g, Objective.channel("hh", 0)));
        assertTrue(unknown.getMessage().contains("no node named 'hh'") && unknown.getMessage().contains("closest names: [h"),
                unknown.getMessage());
        IllegalArgumentException channel = assertThrows(IllegalArgumentException.class,
                () -> GraphObjective.of(g, Objective.channel("h", 3)));
        assertTrue(channel.getMessage().contains("channel 3 is outside layer 'h' of shape [1, 3, 2, 2]"), channel.getMessage());
        IllegalArgumentException cls = assertThrows(IllegalArgumentException.class,
                () -> GraphObjective.of(g, Objective.classScore(4)));
        assertTrue(cls.getMessage().contains("class index 4 is out of range: the model has 4 classes"), cls.getMessage());
        IllegalArgumentException weights = assertThrows(IllegalArgumentException.class,
                () -> GraphObjective.of(g, Objective.layerL2("w1")));
        assertTrue(weights.getMessage().contains("is a constant"), weights.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Objective.neuron("h", 0, 5, 5).bind(g));
        assertThrows(IllegalArgumentException.class, () -> Objective.direction("h", new double[] {1, 2}).bind(g)
                .evaluate(java.util.Map.of("h", Nd4j.zeros(1, 3, 2, 2)), java.util.Map.of("h", Nd4j.zeros(1, 3, 2, 2))));
        assertThrows(IllegalArgumentException.class, () -> Objective.classScore(1).times(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Objective.channel(" ", 0));
    }
}
