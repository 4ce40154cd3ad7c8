package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.PoolingTest.arr;
import static dev.cnnviz.core.graph.ops.PoolingTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.GradientCheck;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ConvTransposeTest {

    record Case(int n, int cPerGroup, int oPerGroup, int group, int kH, int kW, int s, int d, int[] pads, int[] outPad,
            AutoPad auto, boolean bias, int h, int w, long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<int[]> pads = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(4);
        Arbitrary<int[]> outPad = Arbitraries.integers().between(0, 1).array(int[].class).ofSize(2);
        return Combinators.combine(Arbitraries.integers().between(1, 2), Arbitraries.integers().between(1, 2),
                Arbitraries.integers().between(1, 2), Arbitraries.of(1, 1, 2, 3), Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 3), Arbitraries.of(1, 2, 3), Arbitraries.of(1, 1, 2))
                .as((n, c, o, g, kh, kw, s, d) -> new Case(n, c, o, g, kh, kw, s, d, null, null, AutoPad.NOTSET, true, 0, 0, 0))
                .flatMap(c -> Combinators.combine(pads, outPad,
                        Arbitraries.of(AutoPad.NOTSET, AutoPad.NOTSET, AutoPad.NOTSET, AutoPad.SAME_UPPER, AutoPad.SAME_LOWER, AutoPad.VALID),
                        Arbitraries.of(true, false), Arbitraries.integers().between(2, 4), Arbitraries.integers().between(2, 4), Arbitraries.longs())
                        .as((p, op, a, b, h, w, seed) -> new Case(c.n, c.cPerGroup, c.oPerGroup, c.group, c.kH, c.kW, c.s, c.d, p, op, a, b, h,
                                w, seed)));
    }

    /** {begin, outLength} of one axis per the ONNX specification. */
    static long[] refAxis(long in, long k, int s, int d, int pb, int pe, int op, AutoPad auto) {
        long full = (in - 1) * s + (k - 1) * d + 1;
        return switch (auto) {
            case VALID -> new long[] {0, full + op};
            case SAME_UPPER, SAME_LOWER -> {
                long total = Math.max(0, full + op - in * s);
                yield new long[] {auto == AutoPad.SAME_UPPER ? total / 2 : total - total / 2, in * s};
            }
            default -> new long[] {pb, full - pb - pe + op};
        };
    }

    /** Direct scatter-loop transposed convolution. */
    static INDArray reference(INDArray x, INDArray w, INDArray b, ConvTranspose op) {
        int group = op.group();
        long n = x.size(0);
        long c = x.size(1);
        long og = w.size(1);
        long o = og * group;
        long cg = c / group;
        int[] s = op.strides();
        int[] d = op.dilations();
        int[] p = op.pads();
        int[] opad = op.outputPadding();
        long[] ah = refAxis(x.size(2), w.size(2), s[0], d[0], p[0], p[2], opad[0], op.autoPad());
        long[] aw = refAxis(x.size(3), w.size(3), s[1], d[1], p[1], p[3], opad[1], op.autoPad());
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, o, ah[1], aw[1]);
        for (int in = 0; in < n; in++) {
            for (int ic = 0; ic < c; ic++) {
                int g = (int) (ic / cg);
                for (int oc = 0; oc < og; oc++) {
                    for (int yy = 0; yy < x.size(2); yy++) {
                        for (int xx = 0; xx < x.size(3); xx++) {
                            for (int i = 0; i < w.size(2); i++) {
                                for (int j = 0; j < w.size(3); j++) {
                                    long py = yy * s[0] + (long) i * d[0] - ah[0];
                                    long px = xx * s[1] + (long) j * d[1] - aw[0];
                                    if (py >= 0 && py < ah[1] && px >= 0 && px < aw[1]) {
                                        long[] at = {in, g * og + oc, py, px};
                                        y.putScalar(at, y.getDouble(at) + x.getDouble(in, ic, yy, xx) * w.getDouble(ic, oc, i, j));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if (b != null) {
            y.addi(b.reshape(1, o, 1, 1).broadcast(y.shape()));
        }
        return y;
    }

    @Property(tries = 20)
    void matchesReferenceAndFiniteDifferences(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        ConvTranspose op = new ConvTranspose(new int[] {c.s, c.s}, c.pads, new int[] {c.d, c.d}, c.group, c.outPad, c.auto);
        INDArray x = GradientCheck.random(rnd, c.n, (long) c.cPerGroup * c.group, c.h, c.w);
        INDArray w = GradientCheck.random(rnd, (long) c.cPerGroup * c.group, c.oPerGroup, c.kH, c.kW);
        INDArray b = c.bias ? GradientCheck.random(rnd, (long) c.oPerGroup * c.group) : null;
        INDArray[] in = b == null ? new INDArray[] {x, w} : new INDArray[] {x, w, b};
        INDArray y;
        try {
            y = op.forward(in);
        } catch (IllegalArgumentException e) {
            // Pads that crop the whole output: rejected, and the reference agrees the output is empty.
            long[] ah = refAxis(c.h, c.kH, c.s, c.d, c.pads[0], c.pads[2], c.outPad[0], c.auto);
            long[] aw = refAxis(c.w, c.kW, c.s, c.d, c.pads[1], c.pads[3], c.outPad[1], c.auto);
            assertTrue(ah[1] < 1 || aw[1] < 1, e.getMessage());
            Assume.that(false);
            return;
        }
        assertClose(reference(x, w, b, op), y, 1e-12);
        boolean[] wanted = new boolean[in.length];
        Arrays.fill(wanted, true);
        GradientCheck.check(op, in, wanted, c.seed, 1e-6, 1e-5, 1e-4, 50);
    }

    private static ConvTranspose ct(int s, int[] pads, int[] outPad) {
        return new ConvTranspose(new int[] {s, s}, pads, new int[] {1, 1}, 1, outPad, AutoPad.NOTSET);
    }

    @Test
    void knownAnswers() {
        INDArray x = arr(new double[] {1, 2, 3, 4}, 1, 1, 2, 2);
        INDArray ones = Nd4j.ones(DataType.DOUBLE, 1, 1, 2, 2);
        // Stride 1: overlapping copies of the kernel add up.
        assertClose(arr(new double[] {1, 3, 2, 4, 10, 6, 3, 7, 4}, 1, 1, 3, 3), ct(1, new int[4], new int[2]).forward(new INDArray[] {x, ones}), 0);
        // Stride 2 with a 2x2 kernel of ones: every pixel becomes a 2x2 block.
        INDArray blocks = arr(new double[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, 1, 1, 4, 4);
        assertClose(blocks, ct(2, new int[4], new int[2]).forward(new INDArray[] {x, ones}), 0);
        // Pads crop: pads 1 all round leave the centre 2x2.
        assertClose(arr(new double[] {1, 2, 3, 4}, 1, 1, 2, 2), ct(2, new int[] {1, 1, 1, 1}, new int[2]).forward(new INDArray[] {x, ones}), 0);
        // Asymmetric: crop the top row and left column only.
        assertClose(arr(new double[] {1, 2, 2, 3, 4, 4, 3, 4, 4}, 1, 1, 3, 3),
                ct(2, new int[] {1, 1, 0, 0}, new int[2]).forward(new INDArray[] {x, ones}), 0);
        // Output padding adds a last row/column that holds the bias only.
        INDArray bias = arr(new double[] {0.5}, 1);
        INDArray y = ct(2, new int[4], new int[] {1, 1}).forward(new INDArray[] {x, ones, bias});
        assertArrayEquals(new long[] {1, 1, 5, 5}, y.shape());
        assertEquals(4.5, y.getDouble(0, 0, 3, 3), 0);
        assertEquals(0.5, y.getDouble(0, 0, 4, 4), 0);
        assertEquals(0.5, y.getDouble(0, 0, 4, 0), 0);
        // Weights [C=1, O=2, 1, 1]: a 1x1 transposed convolution maps one channel to two scaled copies.
        INDArray w2 = arr(new double[] {2, -1}, 1, 2, 1, 1);
        assertClose(arr(new double[] {2, 4, 6, 8, -1, -2, -3, -4}, 1, 2, 2, 2), ct(1, new int[4], new int[2]).forward(new INDArray[] {x, w2}), 0);
        // SAME_UPPER: output = in · stride.
        ConvTranspose same = new ConvTranspose(new int[] {2, 2}, new int[4], new int[] {1, 1}, 1, new int[2], AutoPad.SAME_UPPER);
        assertArrayEquals(new long[] {1, 1, 4, 4}, same.forward(new INDArray[] {x, Nd4j.ones(DataType.DOUBLE, 1, 1, 3, 3)}).shape());
        // Bias gradient sums the output gradient.
        INDArray[] g = ct(2, new int[4], new int[] {1, 1}).backward(new INDArray[] {x, ones, bias}, y, Nd4j.ones(DataType.DOUBLE, 1, 1, 5, 5),
                new boolean[] {false, false, true});
        assertEquals(25, g[2].getDouble(0), 0);
        assertEquals(null, g[0]);
    }

    @Test
    void float32Works() {
        Random rnd = new Random(4);
        INDArray x = GradientCheck.random(rnd, 2, 4, 3, 3);
        INDArray w = GradientCheck.random(rnd, 4, 3, 3, 2);
        INDArray b = GradientCheck.random(rnd, 6);
        ConvTranspose op = new ConvTranspose(new int[] {2, 1}, new int[] {1, 0, 0, 1}, new int[] {1, 2}, 2, new int[] {1, 0}, AutoPad.NOTSET);
        INDArray[] f = {x.castTo(DataType.FLOAT), w.castTo(DataType.FLOAT), b.castTo(DataType.FLOAT)};
        INDArray yf = op.forward(f);
        assertEquals(DataType.FLOAT, yf.dataType());
        assertClose(reference(x, w, b, op), yf, 1e-5);
        INDArray[] g = op.backward(f, yf, Nd4j.ones(DataType.FLOAT, yf.shape()), new boolean[] {true, true, true});
        for (int i = 0; i < 3; i++) {
            assertEquals(DataType.FLOAT, g[i].dataType());
            assertArrayEquals(f[i].shape(), g[i].shape());
        }
    }

    @Test
    void rejectsBadInputs() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, 3, 4, 4);
        INDArray w = Nd4j.zeros(DataType.DOUBLE, 2, 2, 3, 3);
        ConvTranspose op = ConvTranspose.of(1, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> op.forward(new INDArray[] {x, w}));
        assertTrue(e.getMessage().contains("[1, 3, 4, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> op.forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 3, 4, 4), w}));
        assertTrue(e.getMessage().contains("[3, 4, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ConvTranspose(new int[] {1, 1}, new int[4], new int[] {1, 1}, 0, new int[2], AutoPad.NOTSET));
        assertTrue(e.getMessage().contains("found 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ConvTranspose(new int[] {1, 1}, new int[4], new int[] {1, 1}, 1, new int[] {-1, 0}, AutoPad.NOTSET));
        assertTrue(e.getMessage().contains("[-1, 0]"), e.getMessage());
        INDArray x1 = Nd4j.zeros(DataType.DOUBLE, 1, 2, 1, 1);
        e = assertThrows(IllegalArgumentException.class, () -> ConvTranspose.of(1, 1).forward(new INDArray[] {x1, Nd4j.zeros(DataType.DOUBLE, 2, 1, 1, 1)}));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> op.forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 1, 2, 4, 4), w, Nd4j.zeros(DataType.DOUBLE, 3)}));
        assertTrue(e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void valueSemantics() {
        assertEquals(ConvTranspose.of(2, 1), ConvTranspose.of(2, 1));
        assertEquals(ConvTranspose.of(2, 1).hashCode(), ConvTranspose.of(2, 1).hashCode());
        ConvTranspose op = ConvTranspose.of(2, 1);
        op.pads()[0] = 9;
        assertEquals(1, op.pads()[0]);
        assertTrue(op.toString().contains("stride 2x2"), op.toString());
    }
}
