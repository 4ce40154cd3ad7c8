package dev.cnnviz.core.style;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cnnviz.core.graph.GradientCheck;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ChannelMomentsTest {

    record Case(int n, int c, int h, int w, boolean broadcastTarget, double weight, long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        return Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 4),
                Arbitraries.integers().between(1, 4), Arbitraries.integers().between(2, 4), Arbitraries.of(false, true),
                Arbitraries.of(1.0, 0.3, 10.0), Arbitraries.longs()).as(Case::new);
    }

    /** The style loss's gradient against central differences of the loss, element by element (float64). */
    @Property(tries = 25)
    void styleLossGradient(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        INDArray phi = GradientCheck.random(rnd, c.n, c.c, c.h, c.w);
        int tn = c.broadcastTarget ? 1 : c.n;
        ChannelMoments.Moments target = new ChannelMoments.Moments(GradientCheck.random(rnd, tn, c.c),
                Nd4j.rand(DataType.DOUBLE, tn, c.c).addi(0.1));
        INDArray[] g = new INDArray[1];
        ChannelMoments.styleLoss(phi, target, g, c.weight);
        check(phi, g[0], x -> ChannelMoments.styleLoss(x, target, null, c.weight));
    }

    @Property(tries = 15)
    void contentLossGradient(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        INDArray f = GradientCheck.random(rnd, c.n, c.c, c.h, c.w);
        INDArray t = GradientCheck.random(rnd, c.n, c.c, c.h, c.w);
        INDArray[] g = new INDArray[1];
        ChannelMoments.contentLoss(f, t, g, c.weight);
        check(f, g[0], x -> ChannelMoments.contentLoss(x, t, null, c.weight));
    }

    private static void check(INDArray x, INDArray grad, java.util.function.ToDoubleFunction<INDArray> loss) {
        double h = 1e-6;
        for (long k = 0; k < x.length(); k++) {
            double v = x.getDouble(k);
            x.putScalar(k, v + h);
            double up = loss.applyAsDouble(x);
            x.putScalar(k, v - h);
            double down = loss.applyAsDouble(x);
            x.putScalar(k, v);
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, grad.getDouble(k), 1e-6 + 1e-5 * Math.abs(numeric), "element " + k);
        }
    }

    /**
     * By hand: φ = [1, 3] (one channel; μ 2, sample variance 2, σ = sqrt(2 + 1e-5)), target μ 0, σ 1: L = 4 + (σ - 1)²;
     * content [1, 3] against [0, 0]: (1 + 9) / 2 = 5.
     */
    @Test
    void handWorkedValues() {
        INDArray phi = Nd4j.create(new double[] {1, 3}, new long[] {1, 1, 1, 2}, DataType.DOUBLE);
        ChannelMoments.Moments target = new ChannelMoments.Moments(Nd4j.zeros(DataType.DOUBLE, 1, 1), Nd4j.ones(DataType.DOUBLE, 1, 1));
        double sigma = Math.sqrt(2 + 1e-5);
        assertEquals(4 + (sigma - 1) * (sigma - 1), ChannelMoments.styleLoss(phi, target, null, 1), 1e-12);
        assertEquals(5, ChannelMoments.contentLoss(phi, Nd4j.zeros(DataType.DOUBLE, 1, 1, 1, 2), null, 1), 1e-12);
        ChannelMoments.Moments m = ChannelMoments.moments(phi);
        assertEquals(2, m.mean().getDouble(0), 1e-12);
        assertEquals(sigma, m.std().getDouble(0), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> ChannelMoments.moments(Nd4j.ones(DataType.DOUBLE, 1, 2, 1, 1)));
    }
}
