package dev.cnnviz.core.optim;

import static dev.cnnviz.core.optim.LossTesting.assertFloat32;
import static dev.cnnviz.core.optim.LossTesting.assertGradient;
import static dev.cnnviz.core.optim.LossTesting.assertIae;
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
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** TotalVariationLoss: finite differences for several β, a loop reference, known answers, float32, bad inputs. */
class TotalVariationLossTest {
    /** [[1, 2], [4, 8]]: s = 1² + 3² = 10 at (0,0), 6² = 36 at (0,1), 4² = 16 at (1,0), 0 at (1,1). */
    private static final INDArray TWO_BY_TWO = d(new double[] {1, 2, 4, 8}, 1, 1, 2, 2);

    @Test
    void knownAnswersOnATwoByTwoImage() {
        LossTesting.Result r = run(TotalVariationLoss.of(), TWO_BY_TWO);
        assertEquals(62, r.value(), 1e-13);
        // ∂/∂x00 = −2·1 − 2·3, ∂/∂x01 = 2·1 − 2·6, ∂/∂x10 = 2·3 − 2·4, ∂/∂x11 = 2·6 + 2·4
        assertArrayEquals(new double[] {-8, -10, -2, 20}, values(r.grad()), 1e-13);
        TotalVariationLoss isotropic = TotalVariationLoss.of().withBeta(1).withEpsilon(1e-14);
        assertEquals(Math.sqrt(10) + 6 + 4, run(isotropic, TWO_BY_TWO).value(), 1e-6);
        assertEquals(Math.pow(10, 1.5) + 216 + 64, run(TotalVariationLoss.of().withBeta(3).withEpsilon(0), TWO_BY_TWO)
                .value(), 1e-10);
        // Mahendran & Vedaldi's normaliser H·W·V^β
        assertEquals(62 / (2 * 2 * 9.0), run(TotalVariationLoss.of().withRangeNormalization(3), TWO_BY_TWO).value(),
                1e-13);
        assertEquals(-0.5 * 62, run(TotalVariationLoss.of().withWeight(-0.5), TWO_BY_TWO).value(), 1e-13);
    }

    @Test
    void flatImagesCostNothingAndHaveFiniteGradients() {
        INDArray flat = Nd4j.valueArrayOf(new long[] {2, 3, 4, 5}, 0.7, DataType.DOUBLE);
        for (double beta : new double[] {1, 1.5, 2, 3}) {
            LossTesting.Result r = run(TotalVariationLoss.of().withBeta(beta), flat);
            assertEquals(0, r.value(), 1e-12, "beta " + beta);
            assertArrayEquals(new double[(int) flat.length()], values(r.grad()), 0, "beta " + beta);
        }
        INDArray step = flat.dup();
        step.putScalar(new long[] {0, 0, 1, 1}, 1.7);   // one pixel up by 1: at β = 1 the gradient stays bounded
        LossTesting.Result r = run(TotalVariationLoss.of().withBeta(1), step);
        // terms: (1,0) has dh = 1, (0,1) has dv = 1, (1,1) has dh = dv = −1: 1 + 1 + √2, each less √ε
        double e = TotalVariationLoss.DEFAULT_EPSILON;
        assertEquals(2 * (Math.sqrt(1 + e) - Math.sqrt(e)) + Math.sqrt(2 + e) - Math.sqrt(e), r.value(), 1e-12);
        assertEquals(2 + Math.sqrt(2), r.value(), 4e-5);
        // ∂/∂x11 = 1 + 1 + (1 + 1)/√2; the neighbours (1,2) and (2,1) get −1/√2; flat regions get 0
        assertEquals(2 + Math.sqrt(2), r.grad().getDouble(0, 0, 1, 1), 1e-6);
        assertEquals(-1 / Math.sqrt(2), r.grad().getDouble(0, 0, 1, 2), 1e-6);
        assertEquals(-1, r.grad().getDouble(0, 0, 1, 0), 1e-6);
        assertEquals(0, r.grad().getDouble(0, 0, 3, 4), 0);
        assertEquals(0, r.grad().sumNumber().doubleValue(), 1e-12);   // shifting the image changes nothing
    }

    @Test
    void singleRowsAndColumnsUseTheDifferencesThatExist() {
        assertEquals(1 + 4, run(TotalVariationLoss.of(), d(new double[] {1, 2, 4}, 1, 1, 1, 3)).value(), 1e-14);
        assertEquals(1 + 4, run(TotalVariationLoss.of(), d(new double[] {1, 2, 4}, 1, 1, 3, 1)).value(), 1e-14);
        LossTesting.Result one = run(TotalVariationLoss.of().withBeta(1.5), d(new double[] {5}, 1, 1, 1, 1));
        assertEquals(0, one.value(), 0);
        assertArrayEquals(new double[] {0}, values(one.grad()), 0);
    }

    @Property(tries = 25)
    void valueMatchesLoops(@ForAll long seed, @ForAll @DoubleRange(min = 1, max = 4) double beta) {
        SplittableRandom rnd = new SplittableRandom(seed);
        INDArray x = uniform(rnd, LossTesting.nchw(rnd));
        double eps = 1e-6;
        double v = rnd.nextDouble(0.5, 2);
        TotalVariationLoss loss = TotalVariationLoss.of().withBeta(beta).withEpsilon(eps).withRangeNormalization(v);
        int n = (int) x.size(0);
        int c = (int) x.size(1);
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        double expected = 0;
        for (int e = 0; e < n; e++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        double here = x.getDouble(e, ch, i, j);
                        double dh = j + 1 < w ? x.getDouble(e, ch, i, j + 1) - here : 0;
                        double dv = i + 1 < h ? x.getDouble(e, ch, i + 1, j) - here : 0;
                        expected += Math.pow(dh * dh + dv * dv + eps, beta / 2) - Math.pow(eps, beta / 2);
                    }
                }
            }
        }
        expected /= h * w * Math.pow(v, beta);
        assertEquals(expected, run(loss, x).value(), 1e-12 * (1 + expected));
    }

    @Property(tries = 10)
    void gradientMatchesFiniteDifferences(@ForAll long seed, @ForAll boolean normalised) {
        for (double beta : new double[] {1, 1.5, 2, 3}) {
            SplittableRandom rnd = new SplittableRandom(seed);
            TotalVariationLoss loss = TotalVariationLoss.of().withBeta(beta).withWeight(rnd.nextDouble(0.1, 3));
            if (normalised) {
                loss = loss.withRangeNormalization(rnd.nextDouble(0.5, 2));
            }
            assertGradient(loss, smoothPoint(rnd, LossTesting.nchw(rnd)), seed);
        }
    }

    /**
     * A random array whose every existing gradient magnitude {@code √s} is at least 0.01: below it, for β &lt; 2,
     * the loss's third derivative (about {@code s^((β−3)/2)}) makes central differences with step 1e-5 inaccurate.
     */
    private static INDArray smoothPoint(SplittableRandom rnd, long[] shape) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            INDArray x = uniform(rnd, shape);
            boolean ok = true;
            for (long e = 0; e < shape[0] && ok; e++) {
                for (long ch = 0; ch < shape[1] && ok; ch++) {
                    for (long i = 0; i < shape[2] && ok; i++) {
                        for (long j = 0; j < shape[3] && ok; j++) {
                            boolean last = i + 1 == shape[2] && j + 1 == shape[3];
                            double here = x.getDouble(e, ch, i, j);
                            double dh = j + 1 < shape[3] ? x.getDouble(e, ch, i, j + 1) - here : 0;
                            double dv = i + 1 < shape[2] ? x.getDouble(e, ch, i + 1, j) - here : 0;
                            ok = last || dh * dh + dv * dv >= 1e-4;
                        }
                    }
                }
            }
            if (ok) {
                return x;
            }
        }
        throw new AssertionError("no array without near-zero differences in 1000 attempts");
    }

    @Property(tries = 10)
    void float32MatchesFloat64(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (double beta : new double[] {1.5, 2, 3}) {
            assertFloat32(TotalVariationLoss.of().withBeta(beta), smoothPoint(rnd, LossTesting.nchw(rnd)));
        }
    }

    @Test
    void viewsAndStridedGradientsGiveThePlainResult() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (double beta : new double[] {1, 1.5, 2}) {
            TotalVariationLoss loss = TotalVariationLoss.of().withBeta(beta).withWeight(3);
            for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                LossTesting.assertViewsGiveThePlainResult(loss, uniform(rnd, 2, 3, 4, 5).castTo(type));
            }
        }
    }

    @Test
    void sumsTheBatch() {
        SplittableRandom rnd = new SplittableRandom(5);
        INDArray a = uniform(rnd, 1, 2, 3, 4);
        INDArray b = uniform(rnd, 1, 2, 3, 4);
        TotalVariationLoss loss = TotalVariationLoss.of().withBeta(1.5);
        assertEquals(run(loss, a).value() + run(loss, b).value(), run(loss, Nd4j.concat(0, a, b)).value(), 1e-13);
    }

    @Test
    void rejectsBadInputs() {
        assertIae(() -> TotalVariationLoss.of().withBeta(0.5), "beta", ">= 1", "0.5");
        assertIae(() -> TotalVariationLoss.of().withBeta(Double.NaN), "beta", "NaN");
        assertIae(() -> TotalVariationLoss.of().withEpsilon(-1), "epsilon", "-1");
        assertIae(() -> TotalVariationLoss.of().withEpsilon(0).withBeta(1.5), "beta 1.5 < 2", "epsilon > 0");
        assertIae(() -> TotalVariationLoss.of().withBeta(1).withEpsilon(0), "epsilon > 0");
        TotalVariationLoss.of().withBeta(2).withEpsilon(0);   // fine at β >= 2
        assertIae(() -> TotalVariationLoss.of().withRangeNormalization(0), "range V", "0.0");
        assertIae(() -> TotalVariationLoss.of().withRangeNormalization(Double.POSITIVE_INFINITY), "range V");
        assertIae(() -> TotalVariationLoss.of().withWeight(Double.NaN), "weight");
        TotalVariationLoss loss = TotalVariationLoss.of();
        assertIae(() -> loss.evaluate(Nd4j.ones(DataType.DOUBLE, 1, 2, 3), Nd4j.ones(DataType.DOUBLE, 1, 2, 3)),
                "[N, C, H, W]", "[1, 2, 3]");
        LossTesting.assertRejectsBadArrays(loss, TWO_BY_TWO);
        INDArray nan = TWO_BY_TWO.dup();
        nan.putScalar(0, Double.NaN);
        assertThrows(NonFiniteResultException.class, () -> loss.evaluate(nan, nan.ulike()));
    }
}
