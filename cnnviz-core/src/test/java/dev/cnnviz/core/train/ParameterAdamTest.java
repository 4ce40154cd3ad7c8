package dev.cnnviz.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.optim.Adam;
import dev.cnnviz.core.optim.DifferentiableFunction;
import dev.cnnviz.core.optim.StepListener;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * ParameterAdam's fused update: against {@link Adam#minimize} (float64, bit for bit; float32, to float rounding), on
 * plain arrays, strided views and gradients of another type, across several chunks, and its refusals.
 */
class ParameterAdamTest {
    /** A separable quadratic with a different curvature per coordinate, minimum at {@code target}. */
    private static DifferentiableFunction quadratic(double[] target) {
        return (x, grad) -> {
            double v = 0;
            for (int i = 0; i < x.length; i++) {
                double d = x[i] - target[i];
                double w = 1 + (i % 7);
                v += w * d * d;
                grad[i] = 2 * w * d;
            }
            return v;
        };
    }

    private static double[] targets(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = 4 * r.nextDouble() - 2;
        }
        return t;
    }

    /** Runs {@code steps} steps on {@code p} (any layout), with gradients made by {@code gradient} from the values. */
    private static void run(Adam options, INDArray p, DifferentiableFunction f, int steps, DataType gradientType, boolean viewGradient) {
        try (ParameterAdam adam = ParameterAdam.of(options)) {
            for (int s = 0; s < steps; s++) {
                double[] x = HostArrays.doubles(p);
                double[] g = new double[x.length];
                f.evaluate(x, g);
                INDArray grad = Nd4j.create(g, p.shape(), DataType.DOUBLE).castTo(gradientType);
                if (viewGradient) {
                    // the same values as a non-contiguous view: every other column of a twice-as-wide array
                    INDArray wide = Nd4j.zeros(gradientType, p.size(0), 2 * p.size(1));
                    wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 2 * p.size(1))).assign(grad);
                    grad = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 2 * p.size(1)));
                    assertFalse(HostArrays.plain(grad));
                }
                adam.step(Map.of("p", p), Map.of("p", grad));
                assertEquals(s + 1, adam.steps());
            }
        }
    }

    @Test
    void float64IsAdamMinimizeBitForBitOnPlainArraysAndViews() {
        // 3 · 2^16 + 5 values: several chunks and a ragged last one
        int rows = 3;
        int cols = (1 << 16) + 2;
        double[] target = targets(rows * cols, 1);
        DifferentiableFunction f = quadratic(target);
        Adam options = Adam.create().withLearningRate(0.05);
        double[] expected = new double[rows * cols];
        options.minimize(f, expected, 12, StepListener.NONE);

        INDArray plain = Nd4j.zeros(DataType.DOUBLE, rows, cols);
        run(options, plain, f, 12, DataType.DOUBLE, false);
        assertArrayEquals(expected, HostArrays.doubles(plain));

        INDArray wide = Nd4j.zeros(DataType.DOUBLE, rows, 2 * cols);
        INDArray view = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2, 2 * cols));
        assertFalse(HostArrays.plain(view));
        run(options, view, f, 12, DataType.DOUBLE, true);
        assertArrayEquals(expected, HostArrays.doubles(view));
        // the columns between the view's are untouched
        assertEquals(0, wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 2 * cols)).amaxNumber().doubleValue());
    }

    @Test
    void float32FollowsAdamMinimizeToFloatRoundingOnPlainArraysAndViews() {
        int rows = 2;
        int cols = (1 << 16) + 3;
        double[] target = targets(rows * cols, 2);
        DifferentiableFunction f = quadratic(target);
        Adam options = Adam.create().withLearningRate(0.02);
        double[] expected = new double[rows * cols];
        options.minimize(f, expected, 15, StepListener.NONE);

        INDArray plain = Nd4j.zeros(DataType.FLOAT, rows, cols);
        run(options, plain, f, 15, DataType.FLOAT, false);
        double[] got = HostArrays.doubles(plain);
        for (int i = 0; i < got.length; i++) {
            // 15 steps of lr 0.02 move a value by at most 0.3; float32 rounding of the moments and values is far below 1e-5
            assertEquals(expected[i], got[i], 1e-5, "value " + i);
        }
        assertTrue(Math.abs(got[0]) > 0.1, "the parameters moved: " + got[0]);

        // a strided float32 parameter with a float64 view as gradient takes the host-copy path to the same values
        INDArray wide = Nd4j.zeros(DataType.FLOAT, rows, 2 * cols);
        INDArray view = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 2 * cols));
        run(options, view, f, 15, DataType.DOUBLE, true);
        assertArrayEquals(HostArrays.floats(plain), HostArrays.floats(view));
        assertEquals(0, wide.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2, 2 * cols)).amaxNumber().doubleValue());
    }

    @Test
    void nonFiniteGradientUpdatesNothing() {
        INDArray a = Nd4j.createFromArray(1f, 2f, 3f);
        INDArray b = Nd4j.createFromArray(4f, 5f);
        try (ParameterAdam adam = ParameterAdam.of(Adam.create())) {
            adam.step(Map.of("a", a, "b", b), Map.of("a", Nd4j.createFromArray(1f, 1f, 1f), "b", Nd4j.createFromArray(1f, 1f)));
            float[] a1 = HostArrays.floats(a);
            float[] b1 = HostArrays.floats(b);
            NonFiniteResultException e = assertThrows(NonFiniteResultException.class, () -> adam.step(Map.of("a", a, "b", b),
                    Map.of("a", Nd4j.createFromArray(1f, 1f, 1f), "b", Nd4j.createFromArray(1f, Float.NaN))));
            assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("step 2"), e.getMessage());
            assertArrayEquals(a1, HostArrays.floats(a));
            assertArrayEquals(b1, HostArrays.floats(b));
            assertEquals(1, adam.steps());
        }
    }

    @Test
    void aParameterThatChangesTypeOrSizeIsRefused() {
        try (ParameterAdam adam = ParameterAdam.of(Adam.create())) {
            adam.step(Map.of("w", Nd4j.createFromArray(1f, 2f)), Map.of("w", Nd4j.createFromArray(1f, 1f)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> adam.step(
                    Map.of("w", Nd4j.createFromArray(1.0, 2.0)), Map.of("w", Nd4j.createFromArray(1.0, 1.0))));
            assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("DOUBLE"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> adam.step(
                    Map.of("w", Nd4j.createFromArray(1f, 2f, 3f)), Map.of("w", Nd4j.createFromArray(1f, 1f, 1f))));
            assertTrue(e.getMessage().contains("[3]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> adam.step(
                    Map.of("w", Nd4j.createFromArray(1f, 2f)), Map.of("w", Nd4j.createFromArray(1f, 1f, 1f))));
            assertTrue(e.getMessage().contains("shape"), e.getMessage());
            assertEquals(1, adam.steps());
        }
    }
}
