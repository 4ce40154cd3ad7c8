package dev.cnnviz.core.optim;

import static dev.cnnviz.core.optim.LossTesting.assertFloat32;
import static dev.cnnviz.core.optim.LossTesting.assertGradient;
import static dev.cnnviz.core.optim.LossTesting.assertIae;
import static dev.cnnviz.core.optim.LossTesting.awayFromZero;
import static dev.cnnviz.core.optim.LossTesting.d;
import static dev.cnnviz.core.optim.LossTesting.run;
import static dev.cnnviz.core.optim.LossTesting.uniform;
import static dev.cnnviz.core.optim.LossTesting.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cnnviz.api.NonFiniteResultException;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** NormLoss and WeightedSum: finite differences, known answers, float32, bad inputs. */
class NormLossTest {
    private static final double[] POWERS = {1, 1.5, 2, 3, 6};

    @Test
    void knownAnswers() {
        INDArray x = d(new double[] {1, -2, 3, 0}, 1, 4);
        LossTesting.Result l2 = run(NormLoss.l2(), x);
        assertEquals(14, l2.value(), 0);
        assertArrayEquals(new double[] {2, -4, 6, 0}, values(l2.grad()), 0);
        LossTesting.Result l1 = run(NormLoss.l1().withWeight(3), x);
        assertEquals(18, l1.value(), 0);
        assertArrayEquals(new double[] {3, -3, 3, 0}, values(l1.grad()), 0);     // sign, 0 at 0
        LossTesting.Result l3 = run(NormLoss.lp(3), x);
        assertEquals(1 + 8 + 27, l3.value(), 1e-12);
        assertArrayEquals(new double[] {3, -12, 27, 0}, values(l3.grad()), 1e-12);
        INDArray x0 = d(new double[] {1, 1, 1, 1}, 1, 4);
        LossTesting.Result ref = run(NormLoss.l2().withReference(x0), x);
        assertEquals(0 + 9 + 4 + 1, ref.value(), 0);
        assertArrayEquals(new double[] {0, -6, 4, -2}, values(ref.grad()), 0);
        assertEquals(14, run(NormLoss.l2().withReference(x0).withoutReference(), x).value(), 0);
        // Mahendran & Vedaldi's R_α / (H·W·B^α): [1, 2, 1, 2] of ones, B = 2, α = 6 → 4 / (2·1·64)
        INDArray ones = Nd4j.ones(DataType.DOUBLE, 1, 2, 1, 2);
        assertEquals(4 / 128.0, run(NormLoss.lp(6).withRangeNormalization(2), ones).value(), 1e-15);
    }

    @Property(tries = 20)
    void gradientMatchesFiniteDifferences(@ForAll long seed, @ForAll @IntRange(min = 0, max = 4) int power,
            @ForAll boolean withReference, @ForAll boolean normalised) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] shape = LossTesting.nchw(rnd);
        NormLoss loss = NormLoss.lp(POWERS[power]).withWeight(rnd.nextDouble(0.1, 3));
        // away from the kink of |x − x0| at 0 (central differences straddle it within the step)
        INDArray x = awayFromZero(rnd, 1e-3, shape);
        if (withReference) {
            INDArray x0 = uniform(rnd, shape);
            loss = loss.withReference(x0);
            x.addi(x0);
        }
        if (normalised) {
            loss = loss.withRangeNormalization(rnd.nextDouble(0.5, 2));
        }
        assertGradient(loss, x, seed);
    }

    @Property(tries = 10)
    void float32MatchesFloat64(@ForAll long seed, @ForAll @IntRange(min = 0, max = 4) int power) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] shape = LossTesting.nchw(rnd);
        assertFloat32(NormLoss.lp(POWERS[power]).withReference(uniform(rnd, shape).castTo(DataType.FLOAT)),
                uniform(rnd, shape));
    }

    @Property(tries = 15)
    void weightedSumMatchesFiniteDifferencesAndItsTerms(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] shape = LossTesting.nchw(rnd);
        TotalVariationLoss tv = TotalVariationLoss.of();
        NormLoss l2 = NormLoss.l2().withReference(uniform(rnd, shape));
        double a = rnd.nextDouble(-2, 2);
        double b = rnd.nextDouble(0.1, 2);
        WeightedSum sum = WeightedSum.of(tv, a).plus(l2, b);
        INDArray x = uniform(rnd, shape);
        assertGradient(sum, x, seed);
        LossTesting.Result r = run(sum, x);
        LossTesting.Result rt = run(tv, x);
        LossTesting.Result rl = run(l2, x);
        assertEquals(a * rt.value() + b * rl.value(), r.value(), 1e-12 * (1 + Math.abs(r.value())));
        assertArrayEquals(values(rt.grad().mul(a).addi(rl.grad().mul(b))), values(r.grad()), 1e-12);
        assertEquals(2, sum.terms().size());
        assertEquals(a, run(WeightedSum.of(NormLoss.l1(), a), Nd4j.ones(DataType.DOUBLE, 1, 1)).value(), 1e-15);
    }

    @Test
    void rejectsBadInputs() {
        assertIae(() -> NormLoss.lp(0.5), "p", ">= 1", "0.5");
        assertIae(() -> NormLoss.lp(Double.NaN), "NaN");
        assertIae(() -> NormLoss.l2().withRangeNormalization(-1), "range B", "-1");
        assertIae(() -> NormLoss.l2().withWeight(Double.NEGATIVE_INFINITY), "weight", "-Infinity");
        assertIae(() -> NormLoss.l2().withReference(null), "reference point is null");
        assertIae(() -> NormLoss.l2().withReference(d(new double[] {1, Double.NaN}, 1, 2)), "NaN or infinite");
        NormLoss ref = NormLoss.l1().withReference(Nd4j.zeros(DataType.DOUBLE, 1, 3));
        assertIae(() -> ref.evaluate(Nd4j.zeros(DataType.DOUBLE, 1, 4), Nd4j.zeros(DataType.DOUBLE, 1, 4)),
                "shape [1, 4]", "reference point's shape [1, 3]");
        NormLoss ranged = NormLoss.l2().withRangeNormalization(1);
        assertIae(() -> ranged.evaluate(Nd4j.zeros(DataType.DOUBLE, 1, 4), Nd4j.zeros(DataType.DOUBLE, 1, 4)),
                "[N, C, H, W]", "[1, 4]");
        LossTesting.assertRejectsBadArrays(NormLoss.l2(), Nd4j.ones(DataType.DOUBLE, 2, 3));
        INDArray inf = d(new double[] {1, Double.POSITIVE_INFINITY}, 1, 2);
        assertThrows(NonFiniteResultException.class, () -> NormLoss.l1().evaluate(inf, inf.ulike()));
        assertThrows(NonFiniteResultException.class, () -> NormLoss.lp(6).evaluate(
                d(new double[] {1e300}, 1, 1), Nd4j.zeros(DataType.DOUBLE, 1, 1)));   // overflow
        assertIae(() -> WeightedSum.of(null, 1), "loss is null");
        assertIae(() -> WeightedSum.of(NormLoss.l2(), Double.NaN), "weight", "NaN");
        assertIae(() -> WeightedSum.of(NormLoss.l2(), 1).plus(NormLoss.l1(), Double.POSITIVE_INFINITY), "weight");
        LossTesting.assertRejectsBadArrays(WeightedSum.of(NormLoss.l2(), 1), Nd4j.ones(DataType.DOUBLE, 2, 3));
    }
}
