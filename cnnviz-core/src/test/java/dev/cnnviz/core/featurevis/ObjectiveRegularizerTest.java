package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.optim.TotalVariationLoss;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The diversity term and the input regularizers: gradients against finite differences (float64), values by hand. */
class ObjectiveRegularizerTest {

    private static INDArray random(Random r, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, r.nextGaussian() * 0.7);
        }
        return a;
    }

    @Property(tries = 3)
    void newTermsGradientsMatchFiniteDifferences(@ForAll @LongRange(min = 1, max = 1_000_000) long seed) {
        Graph g = ObjectiveTest.net(seed);
        INDArray x = random(new Random(seed + 1), 3, 2, 3, 3);
        List<Objective> terms = List.of(
                Objective.diversity("h"),
                Objective.diversity("c1").times(2.5),
                Objective.inputL2(),
                Objective.totalVariation(TotalVariationLoss.of()),
                Objective.totalVariation(TotalVariationLoss.of().withBeta(1.5).withEpsilon(1e-6)),
                Objective.classScore(1).minus(Objective.inputL2().times(0.3)).minus(Objective.totalVariation(TotalVariationLoss.of()).times(0.1))
                        .plus(Objective.diversity("h").times(4)));
        for (Objective o : terms) {
            double err = ObjectiveTest.gradientError(g, o, x);
            assertTrue(err < 1e-6, o.describe() + ": relative gradient error " + err);
        }
    }

    @Test
    void valuesByHand() {
        Graph g = ObjectiveTest.net(3);
        INDArray one = random(new Random(4), 1, 2, 3, 3);
        INDArray same = Nd4j.concat(0, one, one, one);
        INDArray grad = Nd4j.zerosLike(same);
        // three identical images: every cosine is 1, so -(1/N) * N(N-1) = -(N-1)
        assertEquals(-2.0, GraphObjective.of(g, Objective.diversity("h")).evaluate(same, grad), 1e-9);
        // one image alone has no pair: 0
        assertEquals(0.0, GraphObjective.of(g, Objective.diversity("h")).evaluate(one, Nd4j.zerosLike(one)), 0);
        double sq = one.mul(one).sumNumber().doubleValue();
        assertEquals(sq, GraphObjective.of(g, Objective.inputL2()).evaluate(one, Nd4j.zerosLike(one)), 1e-9);
        INDArray tvGrad = Nd4j.zerosLike(one);
        double tv = TotalVariationLoss.of().evaluate(one, tvGrad);
        assertEquals(tv, GraphObjective.of(g, Objective.totalVariation(TotalVariationLoss.of())).evaluate(one, Nd4j.zerosLike(one)), 1e-9);
        assertEquals("l2(input)", Objective.inputL2().describe());
        assertEquals("diversity(h)", Objective.diversity("h").describe());
    }
}
