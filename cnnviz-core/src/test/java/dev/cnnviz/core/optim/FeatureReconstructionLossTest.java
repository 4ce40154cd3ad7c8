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
import dev.cnnviz.core.optim.FeatureReconstructionLoss.Normalization;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** FeatureReconstructionLoss: finite differences, known answers, float32, bad inputs. */
class FeatureReconstructionLossTest {

    @Property(tries = 40)
    void gradientMatchesFiniteDifferences(@ForAll long seed, @ForAll Normalization normalization) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] shape = LossTesting.nchw(rnd);
        FeatureReconstructionLoss loss = FeatureReconstructionLoss.of(uniform(rnd, shape), normalization)
                .withWeight(rnd.nextDouble(0.1, 3));
        assertGradient(loss, uniform(rnd, shape), seed);
    }

    @Property(tries = 15)
    void float32MatchesFloat64(@ForAll long seed, @ForAll Normalization normalization) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] shape = LossTesting.nchw(rnd);
        assertFloat32(FeatureReconstructionLoss.of(uniform(rnd, shape), normalization),
                uniform(rnd, shape));
    }

    @Test
    void isOneAtZeroAndZeroAtTheTarget() {
        INDArray t = d(new double[] {1, -2, 2, 4}, 1, 4);    // ||t||² = 25
        FeatureReconstructionLoss loss = FeatureReconstructionLoss.of(t);
        LossTesting.Result r = run(loss, Nd4j.zeros(DataType.DOUBLE, 1, 4));
        assertEquals(1.0, r.value(), 1e-15);
        assertArrayEquals(new double[] {-2 / 25.0, 4 / 25.0, -4 / 25.0, -8 / 25.0}, values(r.grad()), 1e-15);
        LossTesting.Result atTarget = run(loss, t.dup());
        assertEquals(0.0, atTarget.value(), 0);
        assertArrayEquals(new double[4], values(atTarget.grad()), 0);
    }

    @Test
    void knownAnswersOfTheThreeNormalizations() {
        // two examples: targets (3, 4) and (0, 1); x = (3, 5) and (2, 1): squared distances 1 and 4
        INDArray t = d(new double[] {3, 4, 0, 1}, 2, 2);
        INDArray x = d(new double[] {3, 5, 2, 1}, 2, 2);
        FeatureReconstructionLoss loss = FeatureReconstructionLoss.of(t);
        LossTesting.Result norm = run(loss, x);
        assertEquals(1 / 25.0 + 4 / 1.0, norm.value(), 1e-14);                 // each example by its own norm
        assertArrayEquals(new double[] {0, 2 / 25.0, 4, 0}, values(norm.grad()), 1e-14);
        LossTesting.Result sum = run(loss.withNormalization(Normalization.SUM).withWeight(0.5), x);
        assertEquals(2.5, sum.value(), 1e-14);
        assertArrayEquals(new double[] {0, 1, 2, 0}, values(sum.grad()), 1e-14);
        LossTesting.Result mean = run(loss.withNormalization(Normalization.MEAN), x);
        assertEquals(5 / 4.0, mean.value(), 1e-14);                           // PyTorch mse_loss: /4 elements
        assertArrayEquals(new double[] {0, 0.5, 1, 0}, values(mean.grad()), 1e-14);
    }

    @Test
    void copiesTheTarget() {
        INDArray t = d(new double[] {1, 2}, 1, 2);
        FeatureReconstructionLoss loss = FeatureReconstructionLoss.of(t);
        t.assign(100);
        assertEquals(1.0, run(loss, Nd4j.zeros(DataType.DOUBLE, 1, 2)).value(), 1e-15);
    }

    @Test
    void acceptsAFloat32TargetForFloat64ArraysAndViews() {
        INDArray t = d(new double[] {1, 2, 3, 4, 5, 6}, 1, 6).castTo(DataType.FLOAT);
        FeatureReconstructionLoss loss = FeatureReconstructionLoss.of(t, Normalization.SUM);
        INDArray big = d(new double[] {0, 9, 0, 9, 0, 9, 0, 9, 0, 9, 0, 9}, 6, 2);
        INDArray view = big.getColumn(0).reshape(1, 6);                       // zeros, through a view
        assertEquals(91.0, run(loss, view).value(), 1e-12);
        INDArray strided = big.transpose().getRow(0).reshape(1, 6);
        assertEquals(91.0, run(loss, strided).value(), 1e-12);
        INDArray grad = Nd4j.create(DataType.DOUBLE, 6, 2).assign(Double.NaN).getColumn(1).reshape(1, 6);
        assertEquals(91.0, loss.evaluate(strided, grad), 1e-12);                // into a strided gradient view
        assertArrayEquals(new double[] {-2, -4, -6, -8, -10, -12}, values(grad), 1e-12);
    }

    @Test
    void rejectsBadInputs() {
        INDArray t = d(new double[] {1, 2, 3, 4}, 1, 4);
        FeatureReconstructionLoss loss = FeatureReconstructionLoss.of(t);
        assertIae(() -> loss.evaluate(Nd4j.zeros(DataType.DOUBLE, 2, 2), Nd4j.zeros(DataType.DOUBLE, 2, 2)),
                "shape [2, 2]", "target's shape [1, 4]");
        assertIae(() -> FeatureReconstructionLoss.of(Nd4j.zeros(DataType.DOUBLE, 2, 3)), "example 0", "all zeros",
                "SUM or MEAN");
        INDArray partlyZero = d(new double[] {1, 2, 0, 0}, 2, 2);
        assertIae(() -> FeatureReconstructionLoss.of(partlyZero), "example 1", "all zeros");
        FeatureReconstructionLoss sum = FeatureReconstructionLoss.of(partlyZero.dup(), Normalization.SUM);   // a zero target is fine without TARGET_NORM
        assertEquals(5.0, run(sum, Nd4j.zeros(DataType.DOUBLE, 2, 2)).value(), 1e-15);
        assertIae(() -> FeatureReconstructionLoss.of(Nd4j.zeros(DataType.DOUBLE, 1, 2), Normalization.MEAN)
                .withNormalization(Normalization.TARGET_NORM), "all zeros");
        assertIae(() -> FeatureReconstructionLoss.of(t, null), "normalization is null");
        assertIae(() -> FeatureReconstructionLoss.of(null), "target is null");
        assertIae(() -> FeatureReconstructionLoss.of(d(new double[] {1, 2}, 2)), "rank >= 2", "[2]");
        assertIae(() -> FeatureReconstructionLoss.of(d(new double[] {1, Double.NaN}, 1, 2)), "NaN or infinite");
        assertIae(() -> FeatureReconstructionLoss.of(t.castTo(DataType.INT)), "floating point");
        assertIae(() -> loss.withNormalization(null), "normalization is null", "TARGET_NORM");
        assertIae(() -> loss.withWeight(Double.NaN), "weight", "NaN");
        LossTesting.assertRejectsBadArrays(loss, Nd4j.ones(DataType.DOUBLE, 1, 4));
        INDArray nan = d(new double[] {1, Double.NaN, 0, 0}, 1, 4);
        assertThrows(NonFiniteResultException.class, () -> loss.evaluate(nan, nan.ulike()));
    }
}
