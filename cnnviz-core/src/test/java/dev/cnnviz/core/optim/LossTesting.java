package dev.cnnviz.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shared helpers of the loss tests: random arrays, the finite-difference check, float32 and error checks. */
final class LossTesting {
    /** The largest accepted finite-difference error, relative to the largest gradient entry. */
    static final double TOLERANCE = 1e-6;
    /** The central-difference step. */
    static final double STEP = 1e-5;

    private LossTesting() {
    }

    /** A float64 array of values uniform in [-1, 1]. */
    static INDArray uniform(SplittableRandom rnd, long... shape) {
        long n = Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble(-1, 1);
        }
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    /** A float64 array of values uniform in [-1, -gap] ∪ [gap, 1] (away from a kink at 0). */
    static INDArray awayFromZero(SplittableRandom rnd, double gap, long... shape) {
        INDArray x = uniform(rnd, shape);
        for (long i = 0; i < x.length(); i++) {
            double v = x.getDouble(i);
            x.putScalar(i, Math.copySign(gap + Math.abs(v) * (1 - gap), v));
        }
        return x;
    }

    /** A random activation shape: N 1..2, C 1..4, H and W 2..6. */
    static long[] nchw(SplittableRandom rnd) {
        return new long[] {rnd.nextInt(1, 3), rnd.nextInt(1, 5), rnd.nextInt(2, 7), rnd.nextInt(2, 7)};
    }

    /** A float64 array from values. */
    static INDArray d(double[] v, long... shape) {
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    /** The values of an array, c order, as doubles. */
    static double[] values(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    /** Evaluates a loss on a fresh gradient array; returns {value, gradient...}. */
    static Result run(ArrayLoss loss, INDArray x) {
        INDArray g = x.ulike().assign(Double.NaN);   // every entry must be overwritten
        double v = loss.evaluate(x, g);
        return new Result(v, g);
    }

    /** A value and its gradient. */
    record Result(double value, INDArray grad) {
    }

    /**
     * The largest difference between the analytic gradient and central finite differences
     * {@code (L(x + h e_k) − L(x − h e_k)) / 2h} (h = {@value #STEP}), over every element (at most {@code maxProbes},
     * chosen at random), divided by the largest analytic gradient entry. {@code x} must be float64; it is restored.
     */
    static double relativeError(ArrayLoss loss, INDArray x, SplittableRandom rnd, int maxProbes) {
        INDArray grad = x.ulike();
        double value = loss.evaluate(x, grad);
        assertTrue(Double.isFinite(value), "value " + value);
        INDArray scratch = x.ulike();
        double scale = Math.max(grad.amaxNumber().doubleValue(), 1e-12);
        long n = x.length();
        double worst = 0;
        for (int p = 0; p < Math.min(n, maxProbes); p++) {
            long k = n <= maxProbes ? p : rnd.nextLong(n);
            double orig = x.getDouble(k);
            x.putScalar(k, orig + STEP);
            double plus = loss.evaluate(x, scratch);
            x.putScalar(k, orig - STEP);
            double minus = loss.evaluate(x, scratch);
            x.putScalar(k, orig);
            double numeric = (plus - minus) / (2 * STEP);
            worst = Math.max(worst, Math.abs(numeric - grad.getDouble(k)) / scale);
        }
        return worst;
    }

    /** Asserts the finite-difference check passes on every element, or 100 random ones of larger arrays. */
    static void assertGradient(ArrayLoss loss, INDArray x, long seed) {
        double err = relativeError(loss, x, new SplittableRandom(seed), 100);
        assertTrue(err < TOLERANCE, loss + " on " + Arrays.toString(x.shape()) + ": relative gradient error " + err);
    }

    /** Asserts that a float32 copy gives the float64 value and gradient within float32 precision. */
    static void assertFloat32(ArrayLoss loss, INDArray x64) {
        Result r64 = run(loss, x64);
        INDArray x32 = x64.castTo(DataType.FLOAT);
        Result r32 = run(loss, x32);
        assertEquals(DataType.FLOAT, r32.grad().dataType(), "gradient type");
        assertEquals(r64.value(), r32.value(), 1e-4 * (1e-6 + Math.abs(r64.value())), loss + " float32 value");
        double[] a = values(r64.grad());
        double[] b = values(r32.grad());
        double scale = Math.max(1e-12, Arrays.stream(a).map(Math::abs).max().orElse(0));
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-4 * scale, loss + " float32 gradient element " + i);
        }
    }

    /** Asserts an IllegalArgumentException whose message contains every fragment. */
    /**
     * The loss on a view of {@code x} (its values in f-ordered planes) with a strided gradient array (pre-filled with
     * NaN) gives the value and gradient of the plain arrays, within float or double rounding.
     */
    static void assertViewsGiveThePlainResult(ArrayLoss loss, INDArray x) {
        Result plain = run(loss, x);
        long[] s = x.shape();
        INDArray view = x.permute(0, 1, 3, 2).dup('c').permute(0, 1, 3, 2);   // x's values, f-ordered planes
        INDArray grad = Nd4j.create(x.dataType(), s[0], s[1], s[3], s[2]).permute(0, 1, 3, 2).assign(Double.NaN);
        double v = loss.evaluate(view, grad);
        double tolerance = x.dataType() == DataType.DOUBLE ? 1e-12 : 1e-5;
        assertEquals(plain.value(), v, tolerance * (1 + Math.abs(v)));
        org.junit.jupiter.api.Assertions.assertArrayEquals(values(plain.grad()), values(grad), tolerance);
    }

    static void assertIae(Runnable r, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    /** Asserts the checks every loss makes on its arguments. */
    static void assertRejectsBadArrays(ArrayLoss loss, INDArray good) {
        assertIae(() -> loss.evaluate(null, good.ulike()), "array is null");
        assertIae(() -> loss.evaluate(good, null), "gradient array is null");
        assertIae(() -> loss.evaluate(good, good), "must not be the array itself");
        assertIae(() -> loss.evaluate(good, good.castTo(DataType.FLOAT)), "data type DOUBLE", "found FLOAT");
        INDArray wrong = Nd4j.zeros(DataType.DOUBLE, good.length());
        assertIae(() -> loss.evaluate(good, Nd4j.zeros(DataType.DOUBLE, 1, good.length() + 1)),
                "shape " + Arrays.toString(good.shape()), "found [1, " + (good.length() + 1) + "]");
        assertIae(() -> loss.evaluate(good.castTo(DataType.INT), good.castTo(DataType.INT)), "floating point", "INT");
        assertIae(() -> loss.evaluate(wrong, wrong.dup()), "rank >= 2");
    }
}
