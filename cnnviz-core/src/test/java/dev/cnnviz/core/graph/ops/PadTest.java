package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.PoolingTest.arr;
import static dev.cnnviz.core.graph.ops.PoolingTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

class PadTest {

    record Case(long[] shape, int[] pads, PadMode mode, double value, long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<long[]> shapes = Arbitraries.longs().between(1, 4).array(long[].class).ofMinSize(1).ofMaxSize(4);
        return Combinators.combine(shapes, Arbitraries.of(PadMode.values()), Arbitraries.of(0.0, -2.5), Arbitraries.longs())
                .as((shape, mode, value, seed) -> {
                    Random rnd = new Random(seed);
                    int r = shape.length;
                    int[] pads = new int[2 * r];
                    for (int i = 0; i < 2 * r; i++) {
                        long n = shape[i % r];
                        pads[i] = switch (mode) {
                            case REFLECT -> rnd.nextInt((int) n);            // at most n - 1
                            case EDGE -> rnd.nextInt(3);
                            case CONSTANT -> rnd.nextInt(4) - 1;             // -1 crops
                        };
                    }
                    if (mode == PadMode.CONSTANT) {
                        for (int i = 0; i < r; i++) {
                            while (shape[i] + pads[i] + pads[i + r] < 1) {
                                pads[i]++;
                            }
                        }
                    }
                    return new Case(shape, pads, mode, value, seed);
                });
    }

    /** Source index along one axis, or -1 for the constant. */
    static long source(long o, long n, int begin, PadMode mode) {
        long s = o - begin;
        if (s >= 0 && s < n) {
            return s;
        }
        return switch (mode) {
            case CONSTANT -> -1;
            case EDGE -> Math.max(0, Math.min(n - 1, s));
            case REFLECT -> s < 0 ? -s : 2 * (n - 1) - s;
        };
    }

    /** Element-by-element reference. */
    static INDArray reference(INDArray x, Pad op) {
        int r = x.rank();
        int[] pads = op.pads();
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            out[i] = x.size(i) + pads[i] + pads[i + r];
        }
        INDArray y = Nd4j.create(DataType.DOUBLE, out);
        long[] idx = new long[r];
        long[] src = new long[r];
        for (long k = 0; k < y.length(); k++) {
            long rest = k;
            boolean constant = false;
            for (int d = r - 1; d >= 0; d--) {
                idx[d] = rest % out[d];
                rest /= out[d];
                src[d] = source(idx[d], x.size(d), pads[d], op.mode());
                constant |= src[d] < 0;
            }
            y.putScalar(idx, constant ? op.value() : x.getDouble(src));
        }
        return y;
    }

    @Property(tries = 30)
    void matchesReferenceAndFiniteDifferences(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        Pad op = new Pad(c.pads, c.mode, c.value);
        INDArray x = GradientCheck.random(rnd, c.shape);
        assertClose(reference(x, op), op.forward(new INDArray[] {x}), 0);
        GradientCheck.check(op, new INDArray[] {x}, new boolean[] {true}, c.seed, 1e-6, 1e-5, 1e-4, 60);
    }

    private static Pad row(int begin, int end, PadMode mode, double value) {
        return new Pad(new int[] {0, 0, 0, begin, 0, 0, 0, end}, mode, value);
    }

    @Test
    void knownAnswers() {
        INDArray x = arr(new double[] {1, 2, 3}, 1, 1, 1, 3);
        assertClose(arr(new double[] {3, 2, 1, 2, 3, 2, 1}, 1, 1, 1, 7), row(2, 2, PadMode.REFLECT, 0).forward(new INDArray[] {x}), 0);
        assertClose(arr(new double[] {1, 1, 1, 2, 3, 3, 3}, 1, 1, 1, 7), row(2, 2, PadMode.EDGE, 0).forward(new INDArray[] {x}), 0);
        assertClose(arr(new double[] {9, 9, 1, 2, 3, 9, 9}, 1, 1, 1, 7), row(2, 2, PadMode.CONSTANT, 9).forward(new INDArray[] {x}), 0);
        // Negative pads crop (CONSTANT only): drop the first element, add one 0 at the end.
        assertClose(arr(new double[] {2, 3, 0}, 1, 1, 1, 3), row(-1, 1, PadMode.CONSTANT, 0).forward(new INDArray[] {x}), 0);
        // Gradients of an all-ones seed count how often each element is copied.
        INDArray ones = Nd4j.ones(DataType.DOUBLE, 1, 1, 1, 7);
        assertClose(arr(new double[] {2, 3, 2}, 1, 1, 1, 3), row(2, 2, PadMode.REFLECT, 0).backward(new INDArray[] {x}, null, ones, new boolean[] {true})[0], 0);
        assertClose(arr(new double[] {3, 1, 3}, 1, 1, 1, 3), row(2, 2, PadMode.EDGE, 0).backward(new INDArray[] {x}, null, ones, new boolean[] {true})[0], 0);
        assertClose(arr(new double[] {1, 1, 1}, 1, 1, 1, 3), row(2, 2, PadMode.CONSTANT, 5).backward(new INDArray[] {x}, null, ones, new boolean[] {true})[0], 0);
        assertClose(arr(new double[] {0, 1, 1}, 1, 1, 1, 3),
                row(-1, 1, PadMode.CONSTANT, 0).backward(new INDArray[] {x}, null, Nd4j.ones(DataType.DOUBLE, 1, 1, 1, 3), new boolean[] {true})[0], 0);
        // 2-D reflect: numpy.pad([[1,2],[3,4]], 1, mode='reflect') = [[4,3,4,3],[2,1,2,1],[4,3,4,3],[2,1,2,1]].
        INDArray sq = arr(new double[] {1, 2, 3, 4}, 2, 2);
        assertClose(arr(new double[] {4, 3, 4, 3, 2, 1, 2, 1, 4, 3, 4, 3, 2, 1, 2, 1}, 4, 4),
                new Pad(new int[] {1, 1, 1, 1}, PadMode.REFLECT, 0).forward(new INDArray[] {sq}), 0);
        assertArrayEquals(new long[] {1, 1, 5, 6}, Pad.spatial(1, 2, 3, 1, PadMode.EDGE, 0).forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 1, 1, 1, 3)}).shape());
    }

    @Test
    void float32Works() {
        INDArray x = GradientCheck.random(new Random(3), 2, 3, 4, 5);
        for (PadMode mode : PadMode.values()) {
            Pad op = new Pad(new int[] {0, 1, 2, 3, 1, 0, 1, 2}, mode, 0.5);
            INDArray yf = op.forward(new INDArray[] {x.castTo(DataType.FLOAT)});
            assertEquals(DataType.FLOAT, yf.dataType());
            assertClose(op.forward(new INDArray[] {x}), yf, 1e-6);
            INDArray gf = op.backward(new INDArray[] {x.castTo(DataType.FLOAT)}, yf, Nd4j.ones(DataType.FLOAT, yf.shape()), new boolean[] {true})[0];
            assertEquals(DataType.FLOAT, gf.dataType());
            assertArrayEquals(x.shape(), gf.shape());
        }
    }

    @Test
    void rejectsBadInputs() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, 1, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Pad(new int[] {1, 1, 1, 1}, PadMode.EDGE, 0).forward(new INDArray[] {x}));
        assertTrue(e.getMessage().contains("[1, 1, 2, 3]") && e.getMessage().contains("rank 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Pad(new int[] {1, 2, 3}, PadMode.CONSTANT, 0));
        assertTrue(e.getMessage().contains("[1, 2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Pad(new int[] {-1, 0}, PadMode.REFLECT, 0));
        assertTrue(e.getMessage().contains("[-1, 0]") && e.getMessage().contains("REFLECT"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> row(3, 0, PadMode.REFLECT, 0).forward(new INDArray[] {x}));
        assertTrue(e.getMessage().contains("size 3") && e.getMessage().contains("at most 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> row(-2, -1, PadMode.CONSTANT, 0).forward(new INDArray[] {x}));
        assertTrue(e.getMessage().contains("leave nothing"), e.getMessage());
    }

    @Test
    void valueSemantics() {
        Pad a = row(1, 2, PadMode.EDGE, 0);
        assertEquals(a, row(1, 2, PadMode.EDGE, 0));
        assertEquals(a.hashCode(), row(1, 2, PadMode.EDGE, 0).hashCode());
        a.pads()[3] = 7;
        assertEquals(1, a.pads()[3]);
        assertEquals(PadMode.CONSTANT, new Pad(new int[] {0, 0}, null, 0).mode());
        assertTrue(a.toString().contains("EDGE"), a.toString());
    }
}
