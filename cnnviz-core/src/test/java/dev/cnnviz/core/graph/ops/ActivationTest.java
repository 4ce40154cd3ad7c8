package dev.cnnviz.core.graph.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.GradientCheck;
import dev.cnnviz.core.graph.Op;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** LeakyRelu, PRelu, Elu, Sigmoid, Tanh, Clip, HardSigmoid: gradients, known answers, bad inputs, float32. */
class ActivationTest {

    // ---- helpers -------------------------------------------------------------------------------------------

    static INDArray d(double[] v, long... shape) {
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    static double[] values(INDArray a) {
        return a.dup('c').data().asDouble();
    }

    /** A random shape of rank 1..4 with sizes 1..4. */
    static long[] shape(Random rnd) {
        long[] s = new long[1 + rnd.nextInt(4)];
        for (int i = 0; i < s.length; i++) {
            s[i] = 1 + rnd.nextInt(4);
        }
        return s;
    }

    /** Moves every value closer than {@code eps} to a kink {@code 2·eps} away from it (keeping its side). */
    static INDArray avoid(INDArray x, double eps, double... kinks) {
        for (long i = 0; i < x.length(); i++) {
            double v = x.getDouble(i);
            for (double k : kinks) {
                if (Math.abs(v - k) < eps) {
                    v = k + (v >= k ? 2 * eps : -2 * eps);
                }
            }
            x.putScalar(i, v);
        }
        return x;
    }

    /** Random values in [-scale, scale]. */
    static INDArray random(Random rnd, double scale, long... shape) {
        return GradientCheck.random(rnd, shape).muli(scale);
    }

    static void assertGrad(double[] expected, Op op, INDArray... in) {
        INDArray y = op.forward(in);
        INDArray g = Nd4j.ones(y.dataType(), y.shape());
        INDArray gx = op.backward(in, y, g, new boolean[] {true})[0];
        assertArrayEquals(expected, values(gx), 1e-12, op + " gradient");
    }

    /** The op in float32 agrees with float64 and returns float32. */
    static void assertFloat32(Op op, INDArray... in64) {
        INDArray[] in32 = new INDArray[in64.length];
        for (int i = 0; i < in64.length; i++) {
            in32[i] = in64[i].castTo(DataType.FLOAT);
        }
        INDArray y64 = op.forward(in64);
        INDArray y32 = op.forward(in32);
        assertEquals(DataType.FLOAT, y32.dataType(), op + " float32 output type");
        assertArrayEquals(y64.shape(), y32.shape());
        double[] a = values(y64);
        double[] b = values(y32.castTo(DataType.DOUBLE));
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-5 * (1 + Math.abs(a[i])), op + " float32 element " + i);
        }
    }

    // ---- gradient properties -------------------------------------------------------------------------------

    @Property(tries = 25)
    void leakyReluGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        double alpha = rnd.nextInt(4) == 0 ? LeakyRelu.DEFAULT_ALPHA : rnd.nextDouble() * 2 - 0.5;
        INDArray x = avoid(random(rnd, 2, shape(rnd)), 1e-3, 0);
        GradientCheck.check(new LeakyRelu(alpha), new INDArray[] {x}, seed);
    }

    /** Slope shapes: same as X, a trailing-suffix pattern with random 1s, [1], rank 0, or [1, C, 1, 1]-style. */
    @Property(tries = 30)
    void preluGradient(@ForAll long seed, @ForAll @IntRange(min = 0, max = 4) int pattern) {
        Random rnd = new Random(seed);
        long[] xs = shape(rnd);
        long[] ss = switch (pattern) {
            case 0 -> xs.clone();
            case 1 -> new long[] {1};
            case 2 -> new long[0];
            case 3 -> {
                long[] s = new long[xs.length];
                for (int i = 0; i < s.length; i++) {
                    s[i] = i == Math.min(1, s.length - 1) ? xs[i] : 1;
                }
                yield s;
            }
            default -> {
                int drop = rnd.nextInt(xs.length);
                long[] s = new long[xs.length - drop];
                for (int i = 0; i < s.length; i++) {
                    s[i] = rnd.nextBoolean() ? xs[i + drop] : 1;
                }
                yield s;
            }
        };
        INDArray x = avoid(random(rnd, 2, xs), 1e-3, 0);
        INDArray slope = random(rnd, 1, ss);
        GradientCheck.check(new PRelu(), new INDArray[] {x, slope}, seed);
    }

    @Property(tries = 25)
    void eluGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        double alpha = rnd.nextBoolean() ? 1.0 : rnd.nextDouble() * 2;
        INDArray x = avoid(random(rnd, 3, shape(rnd)), 1e-3, 0);
        GradientCheck.check(new Elu(alpha), new INDArray[] {x}, seed);
    }

    @Property(tries = 20)
    void sigmoidGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        GradientCheck.check(new Sigmoid(), new INDArray[] {random(rnd, 4, shape(rnd))}, seed);
    }

    @Property(tries = 20)
    void tanhGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        GradientCheck.check(new Tanh(), new INDArray[] {random(rnd, 3, shape(rnd))}, seed);
    }

    @Property(tries = 30)
    void clipGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        double min = rnd.nextInt(5) == 0 ? Double.NEGATIVE_INFINITY : rnd.nextDouble() * 1.5 - 1;
        double max = rnd.nextInt(5) == 0 ? Double.POSITIVE_INFINITY
                : (Double.isInfinite(min) ? 0 : min) + 0.01 + rnd.nextDouble() * 1.5;
        INDArray x = avoid(random(rnd, 2, shape(rnd)), 1e-3, min, max);
        GradientCheck.check(new Clip(min, max), new INDArray[] {x}, seed);
    }

    @Property(tries = 25)
    void hardSigmoidGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        boolean defaults = rnd.nextInt(3) == 0;
        double alpha = defaults ? HardSigmoid.DEFAULT_ALPHA : (rnd.nextBoolean() ? 1 : -1) * (0.1 + rnd.nextDouble());
        double beta = defaults ? HardSigmoid.DEFAULT_BETA : rnd.nextDouble() * 1.5 - 0.25;
        INDArray x = avoid(random(rnd, 4, shape(rnd)), 1e-3, -beta / alpha, (1 - beta) / alpha);
        GradientCheck.check(new HardSigmoid(alpha, beta), new INDArray[] {x}, seed);
    }

    // ---- known answers -------------------------------------------------------------------------------------

    @Test
    void leakyReluKnownAnswer() {
        INDArray x = d(new double[] {-2, -0.5, 0, 3}, 4);
        assertArrayEquals(new double[] {-0.2, -0.05, 0, 3}, values(new LeakyRelu(0.1).forward(new INDArray[] {x})), 1e-15);
        // At x = 0 the gradient is alpha (x > 0 is strict, like Relu).
        assertGrad(new double[] {0.1, 0.1, 0.1, 1}, new LeakyRelu(0.1), x);
        assertEquals(0.01, new LeakyRelu().alpha());
        assertArrayEquals(new double[] {-0.02, -0.005, 0, 3}, values(new LeakyRelu().forward(new INDArray[] {x})), 1e-15);
    }

    @Test
    void preluKnownAnswer() {
        // X [1, 2, 1, 2] = channel 0: [-1, 2], channel 1: [-4, 3]; per-channel slopes [C, 1, 1] = [0.5, 0.25].
        INDArray x = d(new double[] {-1, 2, -4, 3}, 1, 2, 1, 2);
        INDArray s = d(new double[] {0.5, 0.25}, 2, 1, 1);
        PRelu op = new PRelu();
        INDArray y = op.forward(new INDArray[] {x, s});
        assertArrayEquals(new long[] {1, 2, 1, 2}, y.shape());
        assertArrayEquals(new double[] {-0.5, 2, -1, 3}, values(y), 1e-15);
        INDArray[] g = op.backward(new INDArray[] {x, s}, y, Nd4j.ones(DataType.DOUBLE, 1, 2, 1, 2), new boolean[] {true, true});
        assertArrayEquals(new double[] {0.5, 1, 0.25, 1}, values(g[0]), 1e-15);
        assertArrayEquals(new long[] {2, 1, 1}, g[1].shape());
        assertArrayEquals(new double[] {-1, -4}, values(g[1]), 1e-15);
        // Only the slope gradient.
        INDArray[] onlySlope = op.backward(new INDArray[] {x, s}, y, Nd4j.ones(DataType.DOUBLE, 1, 2, 1, 2), new boolean[] {false, true});
        assertNull(onlySlope[0]);
        // [1, C, 1, 1] slopes give the same result.
        assertArrayEquals(values(y), values(op.forward(new INDArray[] {x, s.reshape(1, 2, 1, 1).dup()})), 1e-15);
    }

    @Test
    void eluKnownAnswer() {
        INDArray x = d(new double[] {-1, 0, 2}, 3);
        double e1 = Math.exp(-1);
        assertArrayEquals(new double[] {e1 - 1, 0, 2}, values(new Elu().forward(new INDArray[] {x})), 1e-15);
        assertGrad(new double[] {e1, 1, 1}, new Elu(), x);
        assertArrayEquals(new double[] {2 * (e1 - 1), 0, 2}, values(new Elu(2).forward(new INDArray[] {x})), 1e-15);
        // At x = 0 the gradient is the left derivative alpha·exp(0) = alpha.
        assertGrad(new double[] {2 * e1, 2, 1}, new Elu(2), x);
    }

    @Test
    void sigmoidKnownAnswer() {
        INDArray x = d(new double[] {0, Math.log(3), -Math.log(3)}, 3);
        assertArrayEquals(new double[] {0.5, 0.75, 0.25}, values(new Sigmoid().forward(new INDArray[] {x})), 1e-12);
        assertGrad(new double[] {0.25, 0.1875, 0.1875}, new Sigmoid(), x);
    }

    @Test
    void tanhKnownAnswer() {
        double a = 0.5 * Math.log(3); // atanh(0.5)
        INDArray x = d(new double[] {0, a, -a}, 3);
        assertArrayEquals(new double[] {0, 0.5, -0.5}, values(new Tanh().forward(new INDArray[] {x})), 1e-12);
        assertGrad(new double[] {1, 0.75, 0.75}, new Tanh(), x);
    }

    @Test
    void clipKnownAnswerAndBoundaryConvention() {
        INDArray x = d(new double[] {-1, 0, 3, 6, 7}, 5);
        Clip relu6 = Clip.relu6();
        assertArrayEquals(new double[] {0, 0, 3, 6, 6}, values(relu6.forward(new INDArray[] {x})), 0);
        // The gradient passes at the bounds (min <= x <= max), as in PyTorch's clamp.
        assertGrad(new double[] {0, 1, 1, 1, 0}, relu6, x);
        // Infinite bounds.
        INDArray big = d(new double[] {-1e30, 0.5, 2}, 3);
        assertArrayEquals(new double[] {-1e30, 0.5, 1}, values(new Clip(Double.NEGATIVE_INFINITY, 1).forward(new INDArray[] {big})), 0);
        assertArrayEquals(values(big), values(new Clip().forward(new INDArray[] {big})), 0);
        assertGrad(new double[] {1, 1, 1}, new Clip(), big);
        // min == max: a constant; the gradient passes only at that value.
        INDArray c = d(new double[] {-1, 0.5, 2}, 3);
        assertArrayEquals(new double[] {0.5, 0.5, 0.5}, values(new Clip(0.5, 0.5).forward(new INDArray[] {c})), 0);
        assertGrad(new double[] {0, 1, 0}, new Clip(0.5, 0.5), c);
        // Extra (ONNX opset 11 min/max) inputs are ignored and get no gradient.
        INDArray[] in = {x, d(new double[] {0}, 1), d(new double[] {6}, 1)};
        INDArray y = relu6.forward(in);
        INDArray[] g = relu6.backward(in, y, Nd4j.ones(DataType.DOUBLE, 5), new boolean[] {true, true, true});
        assertEquals(3, g.length);
        assertNull(g[1]);
        assertEquals("[0.0, 6.0]", relu6.describe());
    }

    @Test
    void hardSigmoidKnownAnswer() {
        INDArray x = d(new double[] {-3, 0, 1, 3}, 4);
        HardSigmoid hs = new HardSigmoid();
        // z = 0.2x + 0.5 = [-0.1, 0.5, 0.7, 1.1]
        assertArrayEquals(new double[] {0, 0.5, 0.7, 1}, values(hs.forward(new INDArray[] {x})), 1e-15);
        assertGrad(new double[] {0, 0.2, 0.2, 0}, hs, x);
        // At the kinks (z = 0 and z = 1 exactly, with alpha 0.25) the gradient passes, as for Clip.
        HardSigmoid quarter = new HardSigmoid(0.25, 0.5);
        INDArray kinks = d(new double[] {-2, 2, -2.5, 2.5}, 4);
        assertArrayEquals(new double[] {0, 1, 0, 1}, values(quarter.forward(new INDArray[] {kinks})), 0);
        assertGrad(new double[] {0.25, 0.25, 0, 0}, quarter, kinks);
    }

    // ---- bad inputs ----------------------------------------------------------------------------------------

    static void assertIae(String expectedFragment, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(expectedFragment), "message '" + e.getMessage() + "' lacks '" + expectedFragment + "'");
    }

    @Test
    void rejectsBadAttributes() {
        assertIae("NaN", () -> new LeakyRelu(Double.NaN));
        assertIae("Infinity", () -> new LeakyRelu(Double.POSITIVE_INFINITY));
        assertIae("NaN", () -> new Elu(Double.NaN));
        assertIae("min 1.0, max 0.0", () -> new Clip(1, 0));
        assertIae("NaN", () -> new Clip(Double.NaN, 1));
        assertIae("NaN", () -> new Clip(0, Double.NaN));
        assertIae("beta NaN", () -> new HardSigmoid(0.2, Double.NaN));
        assertIae("alpha Infinity", () -> new HardSigmoid(Double.POSITIVE_INFINITY, 0.5));
    }

    @Test
    void rejectsBadInputs() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, 3, 2, 2);
        // A [3] slope aligns with W (size 2) under numpy rules: both shapes are named.
        assertIae("[3]", () -> new PRelu().forward(new INDArray[] {x, Nd4j.ones(DataType.DOUBLE, 3)}));
        assertIae("[1, 3, 2, 2]", () -> new PRelu().forward(new INDArray[] {x, Nd4j.ones(DataType.DOUBLE, 3)}));
        // Bidirectional broadcasting would change X's shape: rejected.
        assertIae("[2, 3, 2, 2]", () -> new PRelu().forward(new INDArray[] {x, Nd4j.ones(DataType.DOUBLE, 2, 3, 2, 2)}));
        assertIae("needs 2 inputs, found 1", () -> new PRelu().forward(new INDArray[] {x}));
        assertIae("needs 1 input, found 2", () -> new Sigmoid().forward(new INDArray[] {x, x}));
        assertIae("found 0", () -> new Tanh().forward(new INDArray[0]));
        assertIae("found 2", () -> new LeakyRelu().forward(new INDArray[] {x, x}));
        assertIae("found 0", () -> new Elu().forward(new INDArray[0]));
        assertIae("found 0", () -> new HardSigmoid().forward(new INDArray[0]));
        assertIae("missing", () -> new Clip().forward(new INDArray[] {null}));
    }

    // ---- float32 -------------------------------------------------------------------------------------------

    @Test
    void float32Forward() {
        Random rnd = new Random(7);
        INDArray x = random(rnd, 3, 2, 3, 4, 4);
        assertFloat32(new LeakyRelu(0.2), x);
        assertFloat32(new PRelu(), x, random(rnd, 1, 3, 1, 1));
        assertFloat32(new Elu(), x);
        assertFloat32(new Sigmoid(), x);
        assertFloat32(new Tanh(), x);
        assertFloat32(Clip.relu6(), x.mul(4));
        assertFloat32(new Clip(Double.NEGATIVE_INFINITY, 0.5), x);
        assertFloat32(new HardSigmoid(), x);
        // Gradients in float32 keep the type.
        INDArray x32 = x.castTo(DataType.FLOAT);
        for (Op op : new Op[] {new LeakyRelu(), new Elu(), new Sigmoid(), new Tanh(), Clip.relu6(), new HardSigmoid()}) {
            INDArray y = op.forward(new INDArray[] {x32});
            INDArray g = op.backward(new INDArray[] {x32}, y, Nd4j.ones(DataType.FLOAT, y.shape()), new boolean[] {true})[0];
            assertEquals(DataType.FLOAT, g.dataType(), op + " gradient type");
            assertArrayEquals(x32.shape(), g.shape());
        }
    }

    @Test
    void forwardDoesNotModifyOrAliasTheInput() {
        Random rnd = new Random(11);
        INDArray x = random(rnd, 3, 2, 3);
        INDArray before = x.dup();
        for (Op op : new Op[] {new LeakyRelu(), new Elu(), new Sigmoid(), new Tanh(), new Clip(), new HardSigmoid()}) {
            INDArray y = op.forward(new INDArray[] {x});
            y.assign(123);
            assertEquals(0, before.sub(x).amaxNumber().doubleValue(), 0, op + " modified or aliases its input");
        }
    }
}
