package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.ActivationTest.assertFloat32;
import static dev.cnnviz.core.graph.ops.ActivationTest.assertIae;
import static dev.cnnviz.core.graph.ops.ActivationTest.d;
import static dev.cnnviz.core.graph.ops.ActivationTest.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.GradientCheck;
import dev.cnnviz.core.graph.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Concat, Flatten, Reshape, Transpose, Identity, Dropout, Squeeze, Unsqueeze, ReduceMean. */
class ShapeOpsTest {

    static long[] shape(Random rnd, int minRank, int maxRank) {
        long[] s = new long[minRank + rnd.nextInt(maxRank - minRank + 1)];
        for (int i = 0; i < s.length; i++) {
            s[i] = 1 + rnd.nextInt(4);
        }
        return s;
    }

    /** A random permutation of 0..n-1. */
    static int[] permutation(Random rnd, int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        java.util.Collections.shuffle(l, rnd);
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    // ---- gradient properties -------------------------------------------------------------------------------

    @Property(tries = 25)
    void concatGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        long[] base = shape(rnd, 1, 4);
        int axis = rnd.nextInt(base.length) - (rnd.nextBoolean() ? base.length : 0);
        int a = axis < 0 ? axis + base.length : axis;
        INDArray[] in = new INDArray[1 + rnd.nextInt(3)];
        for (int i = 0; i < in.length; i++) {
            long[] s = base.clone();
            s[a] = 1 + rnd.nextInt(3);
            in[i] = GradientCheck.random(rnd, s);
        }
        GradientCheck.check(new Concat(axis), in, seed);
    }

    @Property(tries = 20)
    void flattenGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        long[] s = shape(rnd, 1, 4);
        int axis = rnd.nextInt(2 * s.length + 1) - s.length;
        GradientCheck.check(new Flatten(axis), new INDArray[] {GradientCheck.random(rnd, s)}, seed);
    }

    @Property(tries = 20)
    void reshapeGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        long[] s = shape(rnd, 1, 4);
        long n = 1;
        for (long v : s) {
            n *= v;
        }
        // target: [0 (copy dim 0), -1] or a split of the total into [n / k, k] for a divisor k, or [-1]
        long[] target = switch (rnd.nextInt(3)) {
            case 0 -> s.length > 1 ? new long[] {0, -1} : new long[] {-1};
            case 1 -> {
                long k = 1;
                for (long c = 1; c <= n; c++) {
                    if (n % c == 0 && rnd.nextBoolean()) {
                        k = c;
                    }
                }
                yield new long[] {n / k, 1, k};
            }
            default -> new long[] {1, -1, 1};
        };
        GradientCheck.check(new Reshape(target), new INDArray[] {GradientCheck.random(rnd, s)}, seed);
    }

    @Property(tries = 20)
    void transposeGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        long[] s = shape(rnd, 1, 4);
        Transpose t = rnd.nextInt(4) == 0 ? new Transpose() : new Transpose(permutation(rnd, s.length));
        GradientCheck.check(t, new INDArray[] {GradientCheck.random(rnd, s)}, seed);
    }

    @Property(tries = 20)
    void identityAndDropoutGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        long[] s = shape(rnd, 0, 4);
        GradientCheck.check(new Identity(), new INDArray[] {GradientCheck.random(rnd, s)}, seed);
        GradientCheck.check(new Dropout(rnd.nextDouble() * 0.9), new INDArray[] {GradientCheck.random(rnd, s)}, seed);
    }

    @Property(tries = 25)
    void squeezeUnsqueezeGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        long[] s = shape(rnd, 1, 4);
        // Unsqueeze random positions (some negative), then squeeze them back (explicitly, or all size-1 axes).
        int k = 1 + rnd.nextInt(2);
        int outRank = s.length + k;
        int[] perm = permutation(rnd, outRank);
        int[] axes = new int[k];
        for (int i = 0; i < k; i++) {
            axes[i] = rnd.nextBoolean() ? perm[i] : perm[i] - outRank;
        }
        Unsqueeze u = new Unsqueeze(axes);
        INDArray x = GradientCheck.random(rnd, s);
        GradientCheck.check(u, new INDArray[] {x}, seed);
        INDArray y = u.forward(new INDArray[] {x});
        GradientCheck.check(rnd.nextBoolean() ? new Squeeze(axes) : new Squeeze(), new INDArray[] {y}, seed);
        INDArray back = new Squeeze(axes).forward(new INDArray[] {y});
        assertArrayEquals(s, back.shape());
        assertArrayEquals(values(x), values(back), 0);
    }

    @Property(tries = 25)
    void reduceMeanGradient(@ForAll long seed, @ForAll boolean keepDims) {
        Random rnd = new Random(seed);
        long[] s = shape(rnd, 1, 4);
        int[] perm = permutation(rnd, s.length);
        int[] axes = new int[rnd.nextInt(s.length + 1)];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = rnd.nextBoolean() ? perm[i] : perm[i] - s.length;
        }
        GradientCheck.check(new ReduceMean(axes, keepDims), new INDArray[] {GradientCheck.random(rnd, s)}, seed);
    }

    // ---- known answers -------------------------------------------------------------------------------------

    /**
     * Every concatenation path, Java block copies (sequential for small arrays, parallel above
     * {@link Concat#COPY_BYTES}) and libnd4j's kernels (a view among the inputs), puts every part at its slice,
     * forward and backward.
     */
    @Test
    void concatCopiesAndKernelsAgree() {
        for (int side : new int[] {8, 300}) {
            INDArray a = Nd4j.rand(DataType.FLOAT, 2, 3, side, side);
            INDArray b = Nd4j.rand(DataType.FLOAT, 2, 5, side, side);
            INDArray view = Nd4j.rand(DataType.FLOAT, 2, 6, side, side).get(NDArrayIndex.all(), NDArrayIndex.interval(1, 3),
                    NDArrayIndex.all(), NDArrayIndex.all());
            for (INDArray[] in : new INDArray[][] {{a, b}, {a, view, b}}) {
                Concat c = new Concat(1);
                INDArray y = c.forward(in);
                INDArray g = Nd4j.rand(DataType.FLOAT, y.shape());
                long at = 0;
                for (int i = 0; i < in.length; i++) {
                    long n = in[i].size(1);
                    INDArrayIndex[] slice = {NDArrayIndex.all(), NDArrayIndex.interval(at, at + n), NDArrayIndex.all(), NDArrayIndex.all()};
                    assertEquals(in[i], y.get(slice), "part " + i + " of " + in.length + ", side " + side);
                    at += n;
                }
                boolean[] all = new boolean[in.length];
                Arrays.fill(all, true);
                INDArray[] gs = c.backward(in, y, g, all);
                at = 0;
                for (int i = 0; i < in.length; i++) {
                    long n = in[i].size(1);
                    assertEquals(g.get(NDArrayIndex.all(), NDArrayIndex.interval(at, at + n), NDArrayIndex.all(), NDArrayIndex.all()),
                            gs[i], "gradient " + i + " of " + in.length + ", side " + side);
                    at += n;
                }
            }
            assertEquals(side > 8, 2L * 8 * side * side * Float.BYTES > Concat.COPY_BYTES, "the sizes straddle the threshold");
        }
    }

    @Test
    void concatKnownAnswer() {
        INDArray a = d(new double[] {1, 2, 3, 4}, 1, 2, 2);
        INDArray b = d(new double[] {5, 6}, 1, 1, 2);
        Concat c = new Concat(1);
        INDArray y = c.forward(new INDArray[] {a, b});
        assertArrayEquals(new long[] {1, 3, 2}, y.shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, values(y), 0);
        INDArray last = new Concat(-1).forward(new INDArray[] {a, a});
        assertArrayEquals(new long[] {1, 2, 4}, last.shape());
        assertArrayEquals(new double[] {1, 2, 1, 2, 3, 4, 3, 4}, values(last), 0);
        INDArray g = d(new double[] {10, 20, 30, 40, 50, 60}, 1, 3, 2);
        INDArray[] gs = c.backward(new INDArray[] {a, b}, y, g, new boolean[] {false, true});
        assertNull(gs[0]);
        assertArrayEquals(new long[] {1, 1, 2}, gs[1].shape());
        assertArrayEquals(new double[] {50, 60}, values(gs[1]), 0);
        assertEquals("axis 1", c.describe());
    }

    @Test
    void flattenKnownAnswer() {
        INDArray x = Nd4j.arange(24).castTo(DataType.DOUBLE).reshape(2, 3, 2, 2);
        assertArrayEquals(new long[] {2, 12}, new Flatten().forward(new INDArray[] {x}).shape());
        assertArrayEquals(new long[] {1, 24}, new Flatten(0).forward(new INDArray[] {x}).shape());
        assertArrayEquals(new long[] {6, 4}, new Flatten(-2).forward(new INDArray[] {x}).shape());
        assertArrayEquals(new long[] {24, 1}, new Flatten(4).forward(new INDArray[] {x}).shape());
        assertArrayEquals(values(x), values(new Flatten().forward(new INDArray[] {x})), 0);
        // Row-major order also for a non-contiguous (permuted) input.
        INDArray p = d(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose();
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, values(new Flatten(0).forward(new INDArray[] {p})), 0);
    }

    @Test
    void reshapeKnownAnswer() {
        INDArray x = Nd4j.arange(24).castTo(DataType.DOUBLE).reshape(2, 3, 4);
        assertArrayEquals(new long[] {2, 12}, new Reshape(new long[] {0, -1}).forward(new INDArray[] {x}).shape());
        assertArrayEquals(new long[] {4, 3, 2}, new Reshape(new long[] {4, 0, -1}).forward(new INDArray[] {x}).shape());
        assertArrayEquals(new long[] {24}, new Reshape(new long[] {-1}).forward(new INDArray[] {x}).shape());
        INDArray y = new Reshape(new long[] {6, 4}).forward(new INDArray[] {x});
        assertArrayEquals(values(x), values(y), 0);
        assertEquals(7, y.getDouble(1, 3), 0);
        // Array accessors copy; equality is by value.
        Reshape r = new Reshape(new long[] {0, -1});
        r.shape()[0] = 5;
        assertArrayEquals(new long[] {0, -1}, r.shape());
        assertEquals(new Reshape(new long[] {0, -1}), r);
        assertEquals(new Reshape(new long[] {0, -1}).hashCode(), r.hashCode());
        assertNotEquals(new Reshape(new long[] {-1, 0}), r);
        assertEquals("Reshape[shape=[0, -1]]", r.toString());
    }

    @Test
    void transposeKnownAnswer() {
        INDArray x = d(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        INDArray y = new Transpose().forward(new INDArray[] {x});
        assertArrayEquals(new long[] {3, 2}, y.shape());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, values(y), 0);
        assertEquals('c', y.ordering());
        // NCHW -> NHWC
        INDArray nchw = Nd4j.arange(12).castTo(DataType.DOUBLE).reshape(1, 3, 2, 2);
        INDArray nhwc = new Transpose(new int[] {0, 2, 3, 1}).forward(new INDArray[] {nchw});
        assertArrayEquals(new long[] {1, 2, 2, 3}, nhwc.shape());
        assertArrayEquals(new double[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, values(nhwc), 0);
        INDArray back = new Transpose(new int[] {0, 2, 3, 1}).backward(new INDArray[] {nchw}, nhwc, nhwc, new boolean[] {true})[0];
        assertArrayEquals(values(nchw), values(back), 0);
        Transpose t = new Transpose(new int[] {1, 0});
        t.perm()[0] = 7;
        assertArrayEquals(new int[] {1, 0}, t.perm());
        assertEquals(new Transpose(new int[] {1, 0}), t);
        assertEquals(new Transpose(null), new Transpose());
    }

    @Test
    void identityDropoutKnownAnswer() {
        INDArray x = d(new double[] {1, -2, 3}, 3);
        assertArrayEquals(values(x), values(new Identity().forward(new INDArray[] {x})), 0);
        Dropout drop = new Dropout(0.3);
        assertArrayEquals(values(x), values(drop.forward(new INDArray[] {x})), 0);
        assertEquals(0.5, new Dropout().ratio());
        // Opset 12 ratio / training-mode inputs are ignored.
        INDArray[] in = {x, Nd4j.scalar(0.3), Nd4j.scalar(false)};
        INDArray[] g = drop.backward(in, drop.forward(in), x, new boolean[] {true, true, false});
        assertArrayEquals(values(x), values(g[0]), 0);
        assertNull(g[1]);
        assertTrue(drop.describe().contains("0.3"));
    }

    @Test
    void squeezeUnsqueezeKnownAnswer() {
        INDArray x = d(new double[] {1, 2, 3, 4, 5, 6}, 2, 3, 1, 1);
        assertArrayEquals(new long[] {2, 3}, new Squeeze(new int[] {2, 3}).forward(new INDArray[] {x}).shape());
        assertArrayEquals(new long[] {2, 3, 1}, new Squeeze(new int[] {-1}).forward(new INDArray[] {x}).shape());
        assertArrayEquals(new long[] {2, 3}, new Squeeze().forward(new INDArray[] {x}).shape());
        INDArray v = d(new double[] {1, 2, 3}, 3);
        assertArrayEquals(new long[] {1, 3, 1, 1}, new Unsqueeze(new int[] {0, 2, 3}).forward(new INDArray[] {v}).shape());
        assertArrayEquals(new long[] {3, 1}, new Unsqueeze(new int[] {-1}).forward(new INDArray[] {v}).shape());
        assertArrayEquals(new long[] {1, 3}, new Unsqueeze(new int[] {-2}).forward(new INDArray[] {v}).shape());
        assertArrayEquals(new double[] {1, 2, 3}, values(new Unsqueeze(new int[] {1}).forward(new INDArray[] {v})), 0);
        Unsqueeze u = new Unsqueeze(new int[] {0});
        u.axes()[0] = 3;
        assertArrayEquals(new int[] {0}, u.axes());
        assertEquals(new Squeeze(new int[] {2, 3}), new Squeeze(new int[] {2, 3}));
        assertNotEquals(new Squeeze(new int[] {2, 3}), new Squeeze(new int[] {3, 2}));
    }

    @Test
    void reduceMeanKnownAnswer() {
        INDArray x = Nd4j.arange(24).castTo(DataType.DOUBLE).reshape(2, 3, 2, 2);
        INDArray gap = ReduceMean.globalPool().forward(new INDArray[] {x});
        assertArrayEquals(new long[] {2, 3, 1, 1}, gap.shape());
        assertArrayEquals(new double[] {1.5, 5.5, 9.5, 13.5, 17.5, 21.5}, values(gap), 1e-12);
        INDArray flat = new ReduceMean(new int[] {-1, -2}, false).forward(new INDArray[] {x});
        assertArrayEquals(new long[] {2, 3}, flat.shape());
        INDArray all = new ReduceMean(null, false).forward(new INDArray[] {x});
        assertEquals(0, all.rank());
        assertEquals(11.5, all.getDouble(0), 1e-12);
        assertArrayEquals(new long[] {1, 1, 1, 1}, new ReduceMean(new int[0], true).forward(new INDArray[] {x}).shape());
        // dX = dY / 4 spread over each 2x2 window.
        INDArray gx = ReduceMean.globalPool().backward(new INDArray[] {x}, gap, Nd4j.ones(DataType.DOUBLE, 2, 3, 1, 1), new boolean[] {true})[0];
        assertArrayEquals(x.shape(), gx.shape());
        assertEquals(0.25, gx.minNumber().doubleValue(), 0);
        assertEquals(0.25, gx.maxNumber().doubleValue(), 0);
        assertEquals(new ReduceMean(new int[] {2, 3}, true), ReduceMean.globalPool());
        assertNotEquals(new ReduceMean(new int[] {2, 3}, false), ReduceMean.globalPool());
    }

    @Test
    void shapeOnlyMarkers() {
        for (Op op : new Op[] {new Flatten(), new Reshape(new long[] {-1}), new Transpose(), new Identity(), new Dropout(),
            new Squeeze(), new Unsqueeze(new int[] {0})}) {
            assertTrue(op instanceof Graph.ShapeOnly, op + " should be ShapeOnly");
        }
        // Concat merges several inputs and ReduceMean computes: the class-score search must not look through them.
        assertFalse(Graph.ShapeOnly.class.isAssignableFrom(Concat.class));
        assertFalse(Graph.ShapeOnly.class.isAssignableFrom(ReduceMean.class));
    }

    @Test
    void outputsAreFreshArrays() {
        INDArray x = Nd4j.arange(12).castTo(DataType.DOUBLE).reshape(1, 3, 2, 2);
        INDArray before = x.dup();
        Op[] ops = {new Concat(1), new Flatten(), new Reshape(new long[] {0, -1}), new Reshape(new long[] {1, 3, 2, 2}),
            new Transpose(new int[] {0, 1, 2, 3}), new Identity(), new Dropout(), new Squeeze(), new Unsqueeze(new int[] {0}),
            new ReduceMean(new int[] {0}, true)};
        for (Op op : ops) {
            INDArray y = op.forward(new INDArray[] {x});
            assertFalse(y.isView(), op + " returned a view");
            y.assign(-1);
            assertEquals(0, before.sub(x).amaxNumber().doubleValue(), 0, op + " shares its input's buffer");
            INDArray g = op.backward(new INDArray[] {x}, y, y, new boolean[] {true})[0];
            g.assign(5);
            assertEquals(-1, y.maxNumber().doubleValue(), 0, op + " gradient shares the output gradient's buffer");
        }
    }

    // ---- bad inputs ----------------------------------------------------------------------------------------

    @Test
    void rejectsBadAttributes() {
        assertIae("at most one -1, found [-1, -1]", () -> new Reshape(new long[] {-1, -1}));
        assertIae("found [2, -3]", () -> new Reshape(new long[] {2, -3}));
        assertIae("found null", () -> new Reshape(null));
        assertIae("permutation of 0..2, found [0, 2, 2]", () -> new Transpose(new int[] {0, 2, 2}));
        assertIae("found [0, 3, 1]", () -> new Transpose(new int[] {0, 3, 1}));
        assertIae("found [-1, 0]", () -> new Transpose(new int[] {-1, 0}));
        assertIae("in [0, 1), found 1.0", () -> new Dropout(1));
        assertIae("found -0.1", () -> new Dropout(-0.1));
        assertIae("found NaN", () -> new Dropout(Double.NaN));
        assertIae("must not repeat, found [1, 1]", () -> new Squeeze(new int[] {1, 1}));
        assertIae("at least one axis", () -> new Unsqueeze(new int[0]));
        assertIae("must not repeat", () -> new Unsqueeze(new int[] {0, 0}));
        assertIae("must not repeat", () -> new ReduceMean(new int[] {2, 2}, true));
    }

    @Test
    void rejectsBadInputs() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 2, 3, 4);
        INDArray[] in = {x};
        assertIae("shapes [2, 3, 4], [2, 5, 5]", () -> new Concat(1).forward(new INDArray[] {x, Nd4j.zeros(DataType.DOUBLE, 2, 5, 5)}));
        assertIae("shapes [2, 3, 4], [2, 3]", () -> new Concat(0).forward(new INDArray[] {x, Nd4j.zeros(DataType.DOUBLE, 2, 3)}));
        assertIae("axis 3 is out of range [-3, 2]", () -> new Concat(3).forward(in));
        assertIae("axis -4 is out of range [-3, 3] for shape [2, 3, 4]", () -> new Flatten(-4).forward(in));
        assertIae("(25 values) does not fit input shape [2, 3, 4] (24 values)", () -> new Reshape(new long[] {5, 5}).forward(in));
        assertIae("cannot infer the -1 in [5, -1]", () -> new Reshape(new long[] {5, -1}).forward(in));
        assertIae("copies dimension 3", () -> new Reshape(new long[] {1, 1, 1, 0}).forward(in));
        assertIae("has rank 3", () -> new Transpose(new int[] {1, 0}).forward(in));
        assertIae("shape [2, 3, 4]; axis 1 does not", () -> new Squeeze(new int[] {1}).forward(in));
        assertIae("axis 3 does not", () -> new Squeeze(new int[] {3}).forward(in));
        assertIae("rank 4 for input shape [2, 3, 4] (axis 4)", () -> new Unsqueeze(new int[] {4}).forward(in));
        assertIae("(axis -1)", () -> new Unsqueeze(new int[] {4, -1}).forward(in));
        assertIae("ReduceMean axis 3 is out of range [-3, 2] for shape [2, 3, 4]", () -> new ReduceMean(new int[] {3}, true).forward(in));
        assertIae("name axis 2 twice", () -> new ReduceMean(new int[] {2, -1}, true).forward(in));
        assertIae("found 0", () -> new Identity().forward(new INDArray[0]));
    }

    // ---- float32 -------------------------------------------------------------------------------------------

    @Test
    void float32Forward() {
        Random rnd = new Random(2);
        INDArray x = GradientCheck.random(rnd, 2, 3, 2, 1);
        assertFloat32(new Concat(1), x, GradientCheck.random(rnd, 2, 1, 2, 1));
        assertFloat32(new Flatten(), x);
        assertFloat32(new Reshape(new long[] {0, -1}), x);
        assertFloat32(new Transpose(new int[] {0, 2, 3, 1}), x);
        assertFloat32(new Identity(), x);
        assertFloat32(new Dropout(0.2), x);
        assertFloat32(new Squeeze(new int[] {3}), x);
        assertFloat32(new Unsqueeze(new int[] {0}), x);
        assertFloat32(new ReduceMean(new int[] {2, 3}, false), x);
    }
}
