package dev.cnnviz.core.graph.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.GradientCheck;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
import org.nd4j.linalg.ops.transforms.Transforms;

class PoolingTest {

    /** Random pooling configurations (kernel, stride, dilation per axis; pads are clipped to the kernel). */
    record Case(int n, int c, int h, int w, int kH, int kW, int sH, int sW, int dH, int dW, int[] pads, boolean ceil,
            AutoPad auto, boolean countPad, long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<int[]> pads = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(4);
        return Combinators.combine(Arbitraries.integers().between(1, 2), Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(5, 7), Arbitraries.integers().between(5, 7),
                Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 3))
                .as((n, c, h, w, kh, kw, sh, sw) -> new Case(n, c, h, w, kh, kw, sh, sw, 1, 1, null, false, AutoPad.NOTSET, false, 0))
                .flatMap(k -> Combinators.combine(Arbitraries.of(1, 1, 2), Arbitraries.of(1, 1, 2), pads, Arbitraries.of(true, false),
                        Arbitraries.of(AutoPad.NOTSET, AutoPad.NOTSET, AutoPad.NOTSET, AutoPad.SAME_UPPER, AutoPad.SAME_LOWER, AutoPad.VALID),
                        Arbitraries.of(true, false), Arbitraries.longs())
                        .as((dh, dw, p, ceil, auto, cp, seed) -> {
                            int effH = (k.kH - 1) * dh + 1;
                            int effW = (k.kW - 1) * dw + 1;
                            int[] q = {Math.min(p[0], effH - 1), Math.min(p[1], effW - 1), Math.min(p[2], effH - 1), Math.min(p[3], effW - 1)};
                            return new Case(k.n, k.c, k.h, k.w, k.kH, k.kW, k.sH, k.sW, dh, dw, q, ceil, auto, cp, seed);
                        }));
    }

    /** Distinct values in [-1, 1] with gaps far above the finite-difference step, so the argmax never flips. */
    static INDArray distinct(Random rnd, long... shape) {
        long len = 1;
        for (long s : shape) {
            len *= s;
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < len; i++) {
            order.add(i);
        }
        Collections.shuffle(order, rnd);
        double[] v = new double[(int) len];
        for (int i = 0; i < len; i++) {
            v[i] = 2.0 * order.get(i) / len - 1;
        }
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    /** One axis of the reference geometry: {out, padBegin, padEnd}. */
    static int[] refAxis(int in, int k, int s, int d, int pb, int pe, boolean ceil, AutoPad auto) {
        int[] p = auto.resolve(in, k, s, d, pb, pe);
        int eff = (k - 1) * d + 1;
        int span = in + p[0] + p[1] - eff;
        int out;
        if (auto != AutoPad.NOTSET) {
            out = auto == AutoPad.VALID ? span / s + 1 : (in + s - 1) / s;
        } else if (ceil) {
            out = (int) Math.ceil(span / (double) s) + 1;
            if ((out - 1) * s >= in + p[0]) {
                out--;
            }
        } else {
            out = span / s + 1;
        }
        return new int[] {out, p[0], p[1]};
    }

    /** Direct (loop) MaxPool or AveragePool with onnxruntime semantics. */
    static INDArray reference(INDArray x, Case c, boolean max) {
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        int[] ah = refAxis(h, c.kH, c.sH, c.dH, c.pads[0], c.pads[2], c.ceil, c.auto);
        int[] aw = refAxis(w, c.kW, c.sW, c.dW, c.pads[1], c.pads[3], c.ceil, c.auto);
        INDArray y = Nd4j.create(DataType.DOUBLE, x.size(0), x.size(1), ah[0], aw[0]);
        for (int n = 0; n < x.size(0); n++) {
            for (int ch = 0; ch < x.size(1); ch++) {
                for (int oy = 0; oy < ah[0]; oy++) {
                    for (int ox = 0; ox < aw[0]; ox++) {
                        double best = Double.NEGATIVE_INFINITY;
                        double sum = 0;
                        int valid = 0;
                        int padded = 0;
                        for (int i = 0; i < c.kH; i++) {
                            for (int j = 0; j < c.kW; j++) {
                                int yy = oy * c.sH - ah[1] + i * c.dH;
                                int xx = ox * c.sW - aw[1] + j * c.dW;
                                if (yy >= -ah[1] && yy < h + ah[2] && xx >= -aw[1] && xx < w + aw[2]) {
                                    padded++;
                                }
                                if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                                    double v = x.getDouble(n, ch, yy, xx);
                                    best = Math.max(best, v);
                                    sum += v;
                                    valid++;
                                }
                            }
                        }
                        y.putScalar(new long[] {n, ch, oy, ox}, max ? best : sum / (c.countPad ? padded : valid));
                    }
                }
            }
        }
        return y;
    }

    static void assertClose(INDArray expected, INDArray actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        double err = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(err <= tol, "max error " + err + "\nexpected " + expected + "\nactual " + actual);
    }

    static INDArray arr(double[] v, long... shape) {
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    static INDArray range(int from, long... shape) {
        long len = 1;
        for (long s : shape) {
            len *= s;
        }
        double[] v = new double[(int) len];
        for (int i = 0; i < len; i++) {
            v[i] = from + i;
        }
        return arr(v, shape);
    }

    /** Finite differences on a random sample of at most 60 elements (keeps the class fast). */
    static void check(dev.cnnviz.core.graph.Op op, INDArray x, long seed) {
        GradientCheck.check(op, new INDArray[] {x}, new boolean[] {true}, seed, 1e-6, 1e-5, 1e-4, 60);
    }

    private static MaxPool maxPool(Case c) {
        return new MaxPool(new int[] {c.kH, c.kW}, new int[] {c.sH, c.sW}, c.pads, new int[] {c.dH, c.dW}, c.ceil, c.auto);
    }

    private static Case avgCase(Case c) {
        int[] p = {Math.min(c.pads[0], c.kH - 1), Math.min(c.pads[1], c.kW - 1), Math.min(c.pads[2], c.kH - 1), Math.min(c.pads[3], c.kW - 1)};
        return new Case(c.n, c.c, c.h, c.w, c.kH, c.kW, c.sH, c.sW, 1, 1, p, c.ceil, c.auto, c.countPad, c.seed);
    }

    private static AveragePool avgPool(Case c) {
        return new AveragePool(new int[] {c.kH, c.kW}, new int[] {c.sH, c.sW}, c.pads, c.ceil, c.countPad, c.auto);
    }

    @Property(tries = 20)
    void maxPoolMatchesReferenceAndFiniteDifferences(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        MaxPool op = maxPool(c);
        INDArray x = distinct(rnd, c.n, c.c, c.h, c.w);
        assertClose(reference(x, c, true), op.forward(new INDArray[] {x}), 0);
        check(op, x, c.seed);
    }

    @Property(tries = 20)
    void averagePoolMatchesReferenceAndFiniteDifferences(@ForAll("cases") Case c0) {
        Case c = avgCase(c0);
        Random rnd = new Random(c.seed);
        AveragePool op = avgPool(c);
        INDArray x = GradientCheck.random(rnd, c.n, c.c, c.h, c.w);
        assertClose(reference(x, c, false), op.forward(new INDArray[] {x}), 1e-12);
        check(op, x, c.seed);
    }

    /**
     * The float32 backward (Java routing, {@link MaxPoolRouting}) routes like libnd4j's own {@code maxpool2d_bp}
     * (float64 kernel as reference), padding, ceil mode and dilation included, on inputs with many ties (values
     * from {0, 0.5, 1}, as after a ReLU): ties go to the same element. On SqueezeNet's first pool it equals
     * libnd4j's float32 kernel bit for bit.
     */
    @Property(tries = 40)
    void floatBackwardRoutesLikeLibnd4j(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed());
        INDArray x = Nd4j.create(DataType.FLOAT, c.n(), c.c(), c.h(), c.w());
        for (long i = 0; i < x.length(); i++) {
            x.putScalar(i, rnd.nextInt(3) / 2.0);
        }
        MaxPool op = new MaxPool(new int[] {c.kH(), c.kW()}, new int[] {c.sH(), c.sW()}, c.pads(),
                new int[] {c.dH(), c.dW()}, c.ceil(), c.auto());
        INDArray y = op.forward(new INDArray[] {x});
        assertEquals(reference(x.castTo(DataType.DOUBLE), c, true).castTo(DataType.FLOAT), y, "float32 forward of " + c);
        INDArray g = Nd4j.rand(DataType.FLOAT, y.shape());
        INDArray ours = op.backward(new INDArray[] {x}, y, g, new boolean[] {true})[0];
        INDArray theirs = libnd4jBackward(op, x, g);
        // Same elements receive gradient (ties routed alike); sums of overlapping windows agree to float rounding.
        assertEquals(theirs.gt(0), ours.gt(0), "elements receiving gradient, " + c);
        assertClose(theirs, ours, 1e-6);
    }

    @Test
    void floatBackwardRoutesLikeLibnd4jOnSqueezeNetShapes() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 64, 111, 111);
        Transforms.relu(x.subi(0.5), false);
        MaxPool op = new MaxPool(new int[] {3, 3}, new int[] {2, 2}, new int[4], new int[] {1, 1}, true, AutoPad.NOTSET);
        INDArray y = op.forward(new INDArray[] {x});
        INDArray g = Nd4j.rand(DataType.FLOAT, y.shape());
        INDArray theirs = x.like();
        OpSupport.execPooling("maxpool2d_bp", new INDArray[] {x, g}, new INDArray[] {theirs}, 3, 3, 2, 2, 0, 0, 1, 1, 0, 0, 0);
        assertEquals(theirs, op.backward(new INDArray[] {x}, y, g, new boolean[] {true})[0], "bit for bit, float32");
    }

    /**
     * The routing's two paths agree with libnd4j's float32 {@code maxpool2d_bp}: with the forward output (maxima
     * matched by equality) and without it (running comparison), on windows that hold NaN first, NaN later, ties
     * and a single maximum.
     */
    @Test
    void floatBackwardRoutesNanWindowsAndMissingMaximaLikeLibnd4j() {
        float nan = Float.NaN;
        INDArray x = Nd4j.createFromArray(new float[] {
            nan, 1, 2, 0,
            3, 3, nan, 0,
            0, 0, 0, 0,
            5, 0, 0, nan}).reshape(1, 1, 4, 4);
        MaxPool op = new MaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[4], new int[] {1, 1}, false, AutoPad.NOTSET);
        INDArray y = op.forward(new INDArray[] {x});
        INDArray g = Nd4j.createFromArray(new float[] {1, 10, 100, 1000}).reshape(1, 1, 2, 2);
        assertTrue(MaxPoolRouting.applies(x, g), "the Java routing runs (a reshaped whole array is plain)");
        INDArray theirs = x.like();
        OpSupport.execPooling("maxpool2d_bp", new INDArray[] {x, g}, new INDArray[] {theirs}, 2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0);
        assertEquals(theirs, op.backward(new INDArray[] {x}, y, g, new boolean[] {true})[0], "with the maxima");
        assertEquals(theirs, op.backward(new INDArray[] {x}, null, g, new boolean[] {true})[0], "without the maxima");
    }

    /** libnd4j's own kernel on the float64 copy (its float64 path is the reference the class comment names). */
    private static INDArray libnd4jBackward(MaxPool op, INDArray x, INDArray g) {
        INDArray xd = x.castTo(DataType.DOUBLE);
        INDArray gd = g.castTo(DataType.DOUBLE);
        return op.backward(new INDArray[] {xd}, null, gd, new boolean[] {true})[0].castTo(DataType.FLOAT);
    }

    @Property(tries = 15)
    void globalPoolsMatchFiniteDifferences(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        INDArray x = distinct(rnd, c.n, c.c, c.h - 3, c.w - 2);
        GradientCheck.check(new GlobalAveragePool(), new INDArray[] {x}, new boolean[] {true}, c.seed, 1e-6, 1e-5, 1e-4, 30);
        GradientCheck.check(new GlobalMaxPool(), new INDArray[] {x}, new boolean[] {true}, c.seed, 1e-6, 1e-5, 1e-4, 30);
        INDArray avg = new GlobalAveragePool().forward(new INDArray[] {x});
        INDArray max = new GlobalMaxPool().forward(new INDArray[] {x});
        assertArrayEquals(new long[] {c.n, c.c, 1, 1}, avg.shape());
        assertArrayEquals(new long[] {c.n, c.c, 1, 1}, max.shape());
        assertEquals(x.sumNumber().doubleValue() / (x.length() / (c.n * c.c)), avg.sumNumber().doubleValue(), 1e-9);
    }

    @Test
    void maxPoolKnownAnswers() {
        // ONNX test maxpool_2d_ceil: 4x4 of 1..16, kernel 3, stride 2, ceil mode.
        INDArray x = range(1, 1, 1, 4, 4);
        MaxPool ceil = new MaxPool(new int[] {3, 3}, new int[] {2, 2}, new int[4], new int[] {1, 1}, true, AutoPad.NOTSET);
        assertClose(arr(new double[] {11, 12, 15, 16}, 1, 1, 2, 2), ceil.forward(new INDArray[] {x}), 0);
        // ONNX test maxpool_2d_pads: 5x5 of 1..25, kernel 5, pads 2.
        MaxPool padded = new MaxPool(new int[] {5, 5}, new int[] {1, 1}, new int[] {2, 2, 2, 2}, new int[] {1, 1}, false, AutoPad.NOTSET);
        assertClose(arr(new double[] {13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25},
                1, 1, 5, 5), padded.forward(new INDArray[] {range(1, 1, 1, 5, 5)}), 0);
        // Padding never wins, even over negative inputs: 2x2 kernel, pads 1 on -1..-9.
        INDArray neg = range(1, 1, 1, 3, 3).negi();
        MaxPool p1 = new MaxPool(new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, false, AutoPad.NOTSET);
        assertClose(arr(new double[] {-1, -1, -2, -3, -1, -1, -2, -3, -4, -4, -5, -6, -7, -7, -8, -9}, 1, 1, 4, 4),
                p1.forward(new INDArray[] {neg}), 0);
        // Overlapping windows accumulate at the shared maximum: 3x3 kernel 2 stride 1, max 9 in the centre.
        INDArray centre = arr(new double[] {1, 2, 3, 4, 9, 5, 6, 7, 8}, 1, 1, 3, 3);
        INDArray g = MaxPool.of(2, 1).backward(new INDArray[] {centre}, null, Nd4j.ones(DataType.DOUBLE, 1, 1, 2, 2), new boolean[] {true})[0];
        assertClose(arr(new double[] {0, 0, 0, 0, 4, 0, 0, 0, 0}, 1, 1, 3, 3), g, 0);
    }

    @Test
    void averagePoolKnownAnswers() {
        INDArray x = range(1, 1, 1, 3, 3);
        int[] k = {2, 2};
        int[] s = {1, 1};
        int[] p = {1, 1, 1, 1};
        AveragePool exclude = new AveragePool(k, s, p, false, false, AutoPad.NOTSET);
        AveragePool include = new AveragePool(k, s, p, false, true, AutoPad.NOTSET);
        assertClose(arr(new double[] {1, 1.5, 2.5, 3, 2.5, 3, 4, 4.5, 5.5, 6, 7, 7.5, 7, 7.5, 8.5, 9}, 1, 1, 4, 4),
                exclude.forward(new INDArray[] {x}), 1e-12);
        assertClose(arr(new double[] {0.25, 0.75, 1.25, 0.75, 1.25, 3, 4, 2.25, 2.75, 6, 7, 3.75, 1.75, 3.75, 4.25, 2.25}, 1, 1, 4, 4),
                include.forward(new INDArray[] {x}), 1e-12);
        // Asymmetric pads (bottom/right only) on [[1, 2], [3, 4]].
        INDArray x2 = range(1, 1, 1, 2, 2);
        int[] asym = {0, 0, 1, 1};
        assertClose(arr(new double[] {2.5, 3, 3.5, 4}, 1, 1, 2, 2),
                new AveragePool(k, s, asym, false, false, AutoPad.NOTSET).forward(new INDArray[] {x2}), 1e-12);
        assertClose(arr(new double[] {2.5, 1.5, 1.75, 1}, 1, 1, 2, 2),
                new AveragePool(k, s, asym, false, true, AutoPad.NOTSET).forward(new INDArray[] {x2}), 1e-12);
        // ONNX test averagepool_2d_ceil (4x4 of 1..16, kernel 3, stride 2); the ceil overhang never counts.
        INDArray x4 = range(1, 1, 1, 4, 4);
        for (boolean countPad : new boolean[] {false, true}) {
            AveragePool ceil = new AveragePool(new int[] {3, 3}, new int[] {2, 2}, new int[4], true, countPad, AutoPad.NOTSET);
            assertClose(arr(new double[] {6, 7.5, 12, 13.5}, 1, 1, 2, 2), ceil.forward(new INDArray[] {x4}), 1e-12);
        }
        // Backward of exclude-pad: the corner window (one valid cell) passes its full gradient.
        INDArray g = exclude.backward(new INDArray[] {x}, null, Nd4j.ones(DataType.DOUBLE, 1, 1, 4, 4), new boolean[] {true})[0];
        // x[0,0] is in windows (0,0) count 1, (0,1) count 2, (1,0) count 2, (1,1) count 4.
        assertEquals(1 + 0.5 + 0.5 + 0.25, g.getDouble(0, 0, 0, 0), 1e-12);
    }

    @Test
    void globalPoolKnownAnswers() {
        INDArray x = arr(new double[] {5, 1, 5, 0, -1, -2, -3, -4}, 1, 2, 2, 2);
        assertClose(arr(new double[] {2.75, -2.5}, 1, 2, 1, 1), new GlobalAveragePool().forward(new INDArray[] {x}), 1e-12);
        assertClose(arr(new double[] {5, -1}, 1, 2, 1, 1), new GlobalMaxPool().forward(new INDArray[] {x}), 0);
        // Tie between elements 0 and 2 of channel 0: the gradient goes to the first.
        INDArray g = new GlobalMaxPool().backward(new INDArray[] {x}, null, arr(new double[] {3, 7}, 1, 2, 1, 1), new boolean[] {true})[0];
        assertClose(arr(new double[] {3, 0, 0, 0, 7, 0, 0, 0}, 1, 2, 2, 2), g, 0);
        INDArray ga = new GlobalAveragePool().backward(new INDArray[] {x}, null, arr(new double[] {4, 8}, 1, 2, 1, 1), new boolean[] {true})[0];
        assertClose(arr(new double[] {1, 1, 1, 1, 2, 2, 2, 2}, 1, 2, 2, 2), ga, 0);
    }

    @Test
    void float32Works() {
        Random rnd = new Random(5);
        INDArray x = distinct(rnd, 2, 3, 7, 6);
        INDArray xf = x.castTo(DataType.FLOAT);
        MaxPool mp = new MaxPool(new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 0, 2, 1}, new int[] {1, 1}, true, AutoPad.NOTSET);
        AveragePool ap = new AveragePool(new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 0, 2, 1}, true, false, AutoPad.NOTSET);
        // Dilated: libnd4j's oneDNN float32 maxpool2d is wrong when dilated, so MaxPool runs these in float64.
        MaxPool dilated = new MaxPool(new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 0, 1, 1}, new int[] {2, 2}, false, AutoPad.NOTSET);
        for (dev.cnnviz.core.graph.Op op : new dev.cnnviz.core.graph.Op[] {mp, ap, dilated, new GlobalAveragePool(), new GlobalMaxPool()}) {
            INDArray yf = op.forward(new INDArray[] {xf});
            assertEquals(DataType.FLOAT, yf.dataType(), op.toString());
            assertClose(op.forward(new INDArray[] {x}), yf, 1e-6);
            INDArray gf = op.backward(new INDArray[] {xf}, yf, Nd4j.ones(DataType.FLOAT, yf.shape()), new boolean[] {true})[0];
            INDArray gd = op.backward(new INDArray[] {x}, null, Nd4j.ones(DataType.DOUBLE, yf.shape()), new boolean[] {true})[0];
            assertEquals(DataType.FLOAT, gf.dataType(), op.toString());
            assertClose(gd, gf, 1e-6);
        }
    }

    @Test
    void rejectsBadInputs() {
        INDArray rank3 = Nd4j.zeros(DataType.DOUBLE, 1, 3, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MaxPool.of(2, 2).forward(new INDArray[] {rank3}));
        assertTrue(e.getMessage().contains("[1, 3, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AveragePool.of(2, 2).forward(new INDArray[] {rank3}));
        assertTrue(e.getMessage().contains("[1, 3, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new MaxPool(new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 0, 0, 0}, new int[] {1, 1}, false, AutoPad.NOTSET));
        assertTrue(e.getMessage().contains("[2, 0, 0, 0]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new AveragePool(new int[] {0, 2}, new int[] {1, 1}, new int[4], false, false, AutoPad.NOTSET));
        assertTrue(e.getMessage().contains("[0, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaxPool.of(2, 2).forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 1, 1, 1, 4)}));
        assertTrue(e.getMessage().contains("[1, 1, 1, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new GlobalMaxPool().forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 2, 3)}));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new GlobalAveragePool().forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 2, 3)}));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void valueSemantics() {
        MaxPool a = MaxPool.of(2, 2);
        MaxPool b = MaxPool.of(2, 2);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        int[] k = a.kernel();
        k[0] = 7;
        assertEquals(2, a.kernel()[0]);
        assertEquals(AveragePool.of(3, 1), AveragePool.of(3, 1));
        assertTrue(a.toString().contains("2x2"), a.toString());
    }
}
