package dev.cnnviz.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.InputXGradient;
import dev.cnnviz.core.attribution.Saliency;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Infidelity and max-sensitivity on a linear model, where the gradient is the exact answer. */
class SensitivityTest {
    private static final int N = 5;

    private static double[] weights() {
        Random r = new Random(11);
        double[] w = new double[N * N];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextGaussian();
        }
        return w;
    }

    private static INDArray input() {
        Random r = new Random(12);
        INDArray x = Nd4j.create(DataType.FLOAT, 1, 1, N, N);
        for (int i = 0; i < N * N; i++) {
            x.putScalar(i, 10 + 100 * r.nextDouble());
        }
        return x;
    }

    @Test
    void theGradientOfALinearModelHasZeroInfidelity() {
        Model m = MetricNets.linear(weights(), N, N);
        Infidelity infd = Infidelity.of(m).withNormalize(false).withSamples(40).withSeed(3);
        double grad = infd.value(Saliency.of(m).withAbs(false), input(), Target.classIndex(0));
        double ixg = infd.value(InputXGradient.of(m), input(), Target.classIndex(0));
        assertTrue(grad < 1e-6 * ixg, "gradient " + grad + " vs input x gradient " + ixg);
        assertTrue(ixg > 1, "input x gradient does not predict a linear model's change: " + ixg);
    }

    @Test
    void normalisationForgivesScaleAndTheEstimateIsSeeded() {
        Model m = MetricNets.linear(weights(), N, N);
        double[] w = weights();
        float[] scaled = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            scaled[i] = (float) (7 * w[i]);
        }
        var e = MetricNets.explanation(scaled, new int[] {1, N, N}, Map2D.constant(N, N, 1), 0);
        Infidelity infd = Infidelity.of(m).withSeed(9);
        assertTrue(infd.value(input(), e) < 1e-6, "normalised infidelity of 7 x the gradient");
        assertTrue(infd.withNormalize(false).value(input(), e) > 1, "unnormalised infidelity of 7 x the gradient");
        assertEquals(infd.withNormalize(false).value(input(), e), infd.withNormalize(false).value(input(), e));
    }

    @Test
    void squareRemovalOfALinearModelIsAnsweredExactlyByInputTimesGradient() {
        Model m = MetricNets.linear(weights(), N, N);
        Infidelity infd = Infidelity.of(m).withPerturbation(Infidelity.Perturbation.SQUARE_REMOVAL)
                .withNormalize(false).withSamples(40).withSeed(3);
        // Removing a square S to 0 changes wᵀx by Σ_S w x: exactly the mass of x ⊙ w in S.
        double ixg = infd.value(InputXGradient.of(m), input(), Target.classIndex(0));
        double grad = infd.value(Saliency.of(m).withAbs(false), input(), Target.classIndex(0));
        assertTrue(ixg < 1e-6 * grad, "input x gradient " + ixg + " vs gradient " + grad);
        assertTrue(grad > 1, "the gradient's mass predicts a removal exactly: " + grad);
    }

    @Test
    void squareRemovalSeparatesUnsignedMapsThatTheNoisyBaselineCannot() {
        int n = 20;
        int r = 6;
        Model m = MetricNets.region(n, r);
        INDArray x = Nd4j.create(DataType.FLOAT, 1, 1, n, n);
        Random rnd = new Random(5);
        for (int i = 0; i < n * n; i++) {
            x.putScalar(i, 50 + 10 * rnd.nextDouble());
        }
        Map2D right = MetricNets.regionMap(n, r);
        Map2D wrong = Map2D.generate(n, n, (yy, xx) -> yy >= n - r && xx >= n - r ? 1f : 0f);
        var eRight = MetricNets.explanation(right.values(), new int[] {n, n}, right, 0);
        var eWrong = MetricNets.explanation(wrong.values(), new int[] {n, n}, wrong, 0);
        Infidelity square = Infidelity.of(m).withPerturbation(Infidelity.Perturbation.SQUARE_REMOVAL).withSamples(200).withSeed(2);
        double sr = square.value(x, eRight);
        double sw = square.value(x, eWrong);
        assertTrue(sr * 10 < sw, "square removal: the region's map " + sr + " vs another region's " + sw);
        assertEquals(Infidelity.Perturbation.SQUARE_REMOVAL, square.perturbation());
        assertTrue(square.toString().contains("square removal"), square.toString());
        assertThrows(IllegalArgumentException.class, () -> square.withPerturbation(null));
    }

    @Test
    void maxSensitivityOfAConstantGradientIsZero() {
        Model m = MetricNets.linear(weights(), N, N);
        MaxSensitivity s = MaxSensitivity.of(m).withSamples(7).withBatchSize(3).withSeed(4);
        assertEquals(0.0, s.value(Saliency.of(m).withAbs(false), input(), Target.classIndex(0)), 1e-6);
        double ixg = s.value(InputXGradient.of(m), input(), Target.classIndex(0));
        // |Φ(x+δ) − Φ(x)| = |w δ| with |δ| ≤ 0.02 * 255 ≈ 5.1, against |w x| with x ≥ 10.
        assertTrue(ixg > 0.001 && ixg < 0.6, "input x gradient max-sensitivity " + ixg);
        assertEquals(ixg, s.value(InputXGradient.of(m), input(), Target.classIndex(0)));
    }

    @Test
    void badArgumentsAreClearErrors() {
        Model m = MetricNets.linear(weights(), N, N);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Infidelity.of(m).withSamples(0)).getMessage().contains("found 0"));
        assertThrows(IllegalArgumentException.class, () -> Infidelity.of(m).withNoise(0));
        assertThrows(IllegalArgumentException.class, () -> MaxSensitivity.of(m).withSamples(0));
        assertThrows(IllegalArgumentException.class, () -> MaxSensitivity.of(m).withRadius(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> MaxSensitivity.of(m).value(null, input(), Target.topClass()));
        INDArray nan = input();
        nan.putScalar(3, Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Infidelity.of(m).value(Saliency.of(m), nan, Target.topClass()));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }
}
