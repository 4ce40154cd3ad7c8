package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.ActivationTest.assertFloat32;
import static dev.cnnviz.core.graph.ops.ActivationTest.assertIae;
import static dev.cnnviz.core.graph.ops.ActivationTest.d;
import static dev.cnnviz.core.graph.ops.ActivationTest.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

/** Sub, Mul, Div, Sum, Scale: broadcasting gradients, known answers, bad inputs, float32. */
class ElementwiseTest {

    /**
     * A pair of shapes that broadcast (numpy rules), by pattern: 0 equal; 1 [N,C,H,W] with [1,C,1,1];
     * 2 [N,C,H,W] with [C,1,1]; 3 with [1]; 4 with a rank-0 scalar; 5 random bidirectional (both sides get
     * random 1s, the second loses random leading dims). {@code swap} exchanges the two.
     */
    static long[][] shapes(Random rnd, int pattern, boolean swap) {
        long[] full = new long[pattern == 1 || pattern == 2 ? 4 : 1 + rnd.nextInt(4)];
        for (int i = 0; i < full.length; i++) {
            full[i] = 1 + rnd.nextInt(3);
        }
        long[] a = full.clone();
        long[] b;
        switch (pattern) {
            case 0 -> b = full.clone();
            case 1 -> b = new long[] {1, full[1], 1, 1};
            case 2 -> b = new long[] {full[1], 1, 1};
            case 3 -> b = new long[] {1};
            case 4 -> b = new long[0];
            default -> {
                int drop = rnd.nextInt(full.length);
                b = new long[full.length - drop];
                for (int i = 0; i < b.length; i++) {
                    b[i] = rnd.nextBoolean() ? full[i + drop] : 1;
                }
                for (int i = 0; i < a.length; i++) {
                    int j = i - drop;
                    // keep every dim represented by at least one side
                    if (j >= 0 && b[j] != 1 && rnd.nextBoolean()) {
                        a[i] = 1;
                    }
                }
            }
        }
        return swap ? new long[][] {b, a} : new long[][] {a, b};
    }

    /** Values bounded away from zero: ±[0.5, 1.5]. */
    static INDArray awayFromZero(Random rnd, long... shape) {
        INDArray x = GradientCheck.random(rnd, shape);
        for (long i = 0; i < x.length(); i++) {
            double v = x.getDouble(i);
            x.putScalar(i, Math.signum(v == 0 ? 1 : v) * (0.5 + Math.abs(v)));
        }
        return x;
    }

    @Property(tries = 30)
    void subGradient(@ForAll long seed, @ForAll @IntRange(min = 0, max = 5) int pattern, @ForAll boolean swap) {
        Random rnd = new Random(seed);
        long[][] s = shapes(rnd, pattern, swap);
        GradientCheck.check(new Sub(), new INDArray[] {GradientCheck.random(rnd, s[0]), GradientCheck.random(rnd, s[1])}, seed);
    }

    @Property(tries = 30)
    void mulGradient(@ForAll long seed, @ForAll @IntRange(min = 0, max = 5) int pattern, @ForAll boolean swap) {
        Random rnd = new Random(seed);
        long[][] s = shapes(rnd, pattern, swap);
        GradientCheck.check(new Mul(), new INDArray[] {GradientCheck.random(rnd, s[0]), GradientCheck.random(rnd, s[1])}, seed);
    }

    @Property(tries = 30)
    void divGradient(@ForAll long seed, @ForAll @IntRange(min = 0, max = 5) int pattern, @ForAll boolean swap) {
        Random rnd = new Random(seed);
        long[][] s = shapes(rnd, pattern, swap);
        GradientCheck.check(new Div(), new INDArray[] {GradientCheck.random(rnd, s[0]), awayFromZero(rnd, s[1])}, seed);
    }

    /** One to four inputs, each a random broadcastable variant of a common shape. */
    @Property(tries = 25)
    void sumGradient(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int count) {
        Random rnd = new Random(seed);
        INDArray[] in = new INDArray[count];
        long[] first = null;
        for (int i = 0; i < count; i++) {
            long[][] s = first == null ? shapes(rnd, rnd.nextInt(6), rnd.nextBoolean()) : new long[][] {first, variant(rnd, first)};
            if (first == null) {
                first = s[0];
            }
            in[i] = GradientCheck.random(rnd, i == 0 ? s[0] : s[1]);
        }
        GradientCheck.check(new Sum(), in, seed);
    }

    /** A shape broadcastable with {@code s}: random dims set to 1, random leading dims dropped. */
    static long[] variant(Random rnd, long[] s) {
        int drop = rnd.nextInt(s.length + 1);
        long[] v = new long[s.length - drop];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextInt(3) == 0 ? 1 : s[i + drop];
        }
        return v;
    }

    @Property(tries = 20)
    void scaleGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        double scale = rnd.nextDouble() * 4 - 2;
        double shift = rnd.nextDouble() * 4 - 2;
        GradientCheck.check(new Scale(scale, shift), new INDArray[] {GradientCheck.random(rnd, ActivationTest.shape(rnd))}, seed);
    }

    // ---- exhaustive numpy broadcasting over small shapes -----------------------------------------------------

    /** Small shapes including length-1 shapes of every rank, the cases libnd4j's pairwise ops get wrong. */
    static final long[][] SMALL = {{}, {1}, {1, 1}, {1, 1, 1}, {2}, {1, 2}, {2, 1}, {3, 2}, {1, 3, 2}, {3, 1}, {2, 1, 1}, {2, 3, 2}};

    /** The value of {@code a} at index {@code idx} of the broadcast output (numpy rules), read element by element. */
    static double broadcastValue(INDArray a, long[] idx) {
        if (a.rank() == 0) {
            return a.getDouble(0);
        }
        long[] ai = new long[a.rank()];
        int off = idx.length - a.rank();
        for (int i = 0; i < ai.length; i++) {
            ai[i] = a.size(i) == 1 ? 0 : idx[i + off];
        }
        return a.getDouble(ai);
    }

    /** Checks a binary op's forward against an element-by-element numpy reference for every pair of SMALL shapes. */
    static void assertNumpyBroadcasting(Op op, java.util.function.DoubleBinaryOperator f, boolean gradients) {
        Random rnd = new Random(1);
        int pairs = 0;
        for (long[] as : SMALL) {
            for (long[] bs : SMALL) {
                long[] out;
                try {
                    out = OpSupport.broadcastShape(as, bs);
                } catch (IllegalArgumentException e) {
                    continue;
                }
                INDArray a = GradientCheck.random(rnd, as);
                INDArray b = awayFromZero(rnd, bs);
                INDArray y = op.forward(new INDArray[] {a, b});
                String what = op + " " + java.util.Arrays.toString(as) + " with " + java.util.Arrays.toString(bs);
                assertArrayEquals(out, y.shape(), what);
                for (long k = 0; k < y.length(); k++) {
                    long[] idx = org.nd4j.linalg.api.shape.Shape.ind2subC(out, k);
                    double expected = f.applyAsDouble(broadcastValue(a, idx), broadcastValue(b, idx));
                    assertEquals(expected, y.getDouble(k), 1e-12, what + " element " + k);
                }
                if (gradients) {
                    GradientCheck.check(op, new INDArray[] {a, b}, pairs);
                }
                pairs++;
            }
        }
        assertTrue(pairs > 80, "pairs checked: " + pairs);
    }

    @Test
    void broadcastingMatchesNumpyOnAllSmallShapePairs() {
        assertNumpyBroadcasting(new Sub(), (x, y) -> x - y, true);
        assertNumpyBroadcasting(new Mul(), (x, y) -> x * y, true);
        assertNumpyBroadcasting(new Div(), (x, y) -> x / y, true);
        assertNumpyBroadcasting(new Sum(), Double::sum, true);
    }

    // ---- known answers -------------------------------------------------------------------------------------

    static INDArray[] grads(Op op, INDArray... in) {
        INDArray y = op.forward(in);
        boolean[] wanted = new boolean[in.length];
        java.util.Arrays.fill(wanted, true);
        return op.backward(in, y, Nd4j.ones(y.dataType(), y.shape()), wanted);
    }

    @Test
    void subKnownAnswer() {
        INDArray a = d(new double[] {1, 2, 3, 4}, 2, 2);
        INDArray b = d(new double[] {10, 20}, 2);
        assertArrayEquals(new double[] {-9, -18, -7, -16}, values(new Sub().forward(new INDArray[] {a, b})), 0);
        assertArrayEquals(new double[] {9, 18, 7, 16}, values(new Sub().forward(new INDArray[] {b, a})), 0);
        INDArray[] g = grads(new Sub(), a, b);
        assertArrayEquals(new double[] {1, 1, 1, 1}, values(g[0]), 0);
        assertArrayEquals(new long[] {2}, g[1].shape());
        assertArrayEquals(new double[] {-2, -2}, values(g[1]), 0);
        // ImageNet-style per-channel mean subtraction: [1, 2, 1, 1] from [1, 2, 2, 1].
        INDArray x = d(new double[] {1, 2, 3, 4}, 1, 2, 2, 1);
        INDArray mean = d(new double[] {1, 3}, 1, 2, 1, 1);
        assertArrayEquals(new double[] {0, 1, 0, 1}, values(new Sub().forward(new INDArray[] {x, mean})), 0);
        INDArray[] gm = grads(new Sub(), x, mean);
        assertArrayEquals(new double[] {-2, -2}, values(gm[1]), 0);
        assertArrayEquals(new long[] {1, 2, 1, 1}, gm[1].shape());
    }

    @Test
    void mulKnownAnswer() {
        // [3, 1] ⊙ [1, 2]: bidirectional broadcasting to [3, 2].
        INDArray a = d(new double[] {1, 2, 3}, 3, 1);
        INDArray b = d(new double[] {10, 100}, 1, 2);
        INDArray y = new Mul().forward(new INDArray[] {a, b});
        assertArrayEquals(new long[] {3, 2}, y.shape());
        assertArrayEquals(new double[] {10, 100, 20, 200, 30, 300}, values(y), 0);
        INDArray[] g = grads(new Mul(), a, b);
        assertArrayEquals(new double[] {110, 110, 110}, values(g[0]), 0);
        assertArrayEquals(new double[] {6, 6}, values(g[1]), 0);
        // A rank-0 scalar operand.
        INDArray s = new Mul().forward(new INDArray[] {Nd4j.scalar(2.0), a});
        assertArrayEquals(new double[] {2, 4, 6}, values(s), 0);
        assertEquals(0, grads(new Mul(), Nd4j.scalar(2.0), a)[0].rank());
        assertEquals(6, grads(new Mul(), Nd4j.scalar(2.0), a)[0].getDouble(0), 0);
    }

    @Test
    void divKnownAnswer() {
        INDArray a = d(new double[] {1, 2, 3, 4}, 2, 2);
        INDArray b = d(new double[] {2, 4}, 2, 1);
        assertArrayEquals(new double[] {0.5, 1, 0.75, 1}, values(new Div().forward(new INDArray[] {a, b})), 0);
        INDArray[] g = grads(new Div(), a, b);
        assertArrayEquals(new double[] {0.5, 0.5, 0.25, 0.25}, values(g[0]), 0);
        // dB = −Σ_j A / B²: −(1 + 2)/4, −(3 + 4)/16
        assertArrayEquals(new long[] {2, 1}, g[1].shape());
        assertArrayEquals(new double[] {-0.75, -0.4375}, values(g[1]), 0);
        // IEEE division by zero.
        INDArray z = new Div().forward(new INDArray[] {d(new double[] {1, -1}, 2), d(new double[] {0}, 1)});
        assertEquals(Double.POSITIVE_INFINITY, z.getDouble(0));
        assertEquals(Double.NEGATIVE_INFINITY, z.getDouble(1));
        // Only one gradient wanted.
        INDArray[] only = new Div().backward(new INDArray[] {a, b}, null, Nd4j.ones(DataType.DOUBLE, 2, 2), new boolean[] {false, true});
        assertNull(only[0]);
    }

    @Test
    void sumKnownAnswer() {
        INDArray a = d(new double[] {1, 2}, 2);
        INDArray b = d(new double[] {10, 20}, 2, 1);
        INDArray c = Nd4j.scalar(100.0);
        INDArray y = new Sum().forward(new INDArray[] {a, b, c});
        assertArrayEquals(new long[] {2, 2}, y.shape());
        assertArrayEquals(new double[] {111, 112, 121, 122}, values(y), 0);
        INDArray[] g = grads(new Sum(), a, b, c);
        assertArrayEquals(new double[] {2, 2}, values(g[0]), 0);
        assertArrayEquals(new double[] {2, 2}, values(g[1]), 0);
        assertArrayEquals(new long[] {2, 1}, g[1].shape());
        assertEquals(4, g[2].getDouble(0), 0);
        // A single input is a copy.
        INDArray one = new Sum().forward(new INDArray[] {a});
        one.putScalar(0, 99);
        assertEquals(1, a.getDouble(0), 0);
    }

    @Test
    void scaleKnownAnswer() {
        INDArray x = d(new double[] {1, -1, 0.5}, 3);
        Scale s = new Scale(2, 1);
        assertArrayEquals(new double[] {3, -1, 2}, values(s.forward(new INDArray[] {x})), 0);
        assertArrayEquals(new double[] {2, 2, 2}, values(grads(s, x)[0]), 0);
        assertArrayEquals(new double[] {1 / 255.0, -1 / 255.0, 0.5 / 255.0}, values(new Scale(1 / 255.0, 0).forward(new INDArray[] {x})), 1e-18);
        assertEquals("scale 2.0 shift 1.0", s.describe());
    }

    // ---- bad inputs ----------------------------------------------------------------------------------------

    @Test
    void rejectsBadInputs() {
        INDArray a23 = Nd4j.zeros(DataType.DOUBLE, 2, 3);
        INDArray a4 = Nd4j.zeros(DataType.DOUBLE, 4);
        assertIae("Sub: input shapes [2, 3] and [4] do not broadcast", () -> new Sub().forward(new INDArray[] {a23, a4}));
        assertIae("Mul: input shapes [4] and [2, 3]", () -> new Mul().forward(new INDArray[] {a4, a23}));
        assertIae("Div: input shapes [2, 3] and [3, 2]", () -> new Div().forward(new INDArray[] {a23, Nd4j.ones(DataType.DOUBLE, 3, 2)}));
        assertIae("Sum: input shapes [2, 3], [3], [4]", () -> new Sum().forward(new INDArray[] {a23, Nd4j.ones(DataType.DOUBLE, 3), a4}));
        assertIae("needs 2 inputs, found 1", () -> new Sub().forward(new INDArray[] {a23}));
        assertIae("needs 2 inputs, found 3", () -> new Mul().forward(new INDArray[] {a23, a23, a23}));
        assertIae("at least 1", () -> new Sum().forward(new INDArray[0]));
        assertIae("input 1 is missing", () -> new Sum().forward(new INDArray[] {a23, null}));
        assertIae("scale NaN", () -> new Scale(Double.NaN, 0));
        assertIae("shift Infinity", () -> new Scale(1, Double.POSITIVE_INFINITY));
    }

    // ---- float32 -------------------------------------------------------------------------------------------

    @Test
    void float32Forward() {
        Random rnd = new Random(3);
        INDArray x = GradientCheck.random(rnd, 2, 3, 2, 2);
        INDArray c = awayFromZero(rnd, 3, 1, 1);
        assertFloat32(new Sub(), x, c);
        assertFloat32(new Mul(), c, x);
        assertFloat32(new Div(), x, c);
        assertFloat32(new Sum(), x, c, GradientCheck.random(rnd, 1));
        assertFloat32(new Scale(0.5, -1), x);
        // Gradients keep float32 and the operands' shapes.
        INDArray x32 = x.castTo(DataType.FLOAT);
        INDArray c32 = c.castTo(DataType.FLOAT);
        for (Op op : new Op[] {new Sub(), new Mul(), new Div(), new Sum()}) {
            INDArray[] g = grads(op, x32, c32);
            assertEquals(DataType.FLOAT, g[1].dataType());
            assertArrayEquals(new long[] {3, 1, 1}, g[1].shape());
            assertTrue(g[0].equalShapes(x32));
        }
    }
}
