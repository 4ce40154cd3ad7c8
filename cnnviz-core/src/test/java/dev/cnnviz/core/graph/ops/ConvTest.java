package dev.cnnviz.core.graph.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

class ConvTest {

    /** Random convolution configurations. */
    record Case(int n, int cPerGroup, int oPerGroup, int group, int k, int stride, int dil, int[] pads, AutoPad auto,
            boolean bias, int h, int w, long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<int[]> pads = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(4);
        return Combinators.combine(
                Arbitraries.integers().between(1, 2),
                Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 3),
                Arbitraries.of(1, 1, 2, 3),
                Arbitraries.of(1, 2, 3),
                Arbitraries.of(1, 2),
                Arbitraries.of(1, 1, 2),
                pads).as((n, c, o, g, k, s, d, p) -> new Case(n, c, o, g, k, s, d, p, AutoPad.NOTSET, true, 0, 0, 0))
                .flatMap(c -> Combinators.combine(Arbitraries.of(AutoPad.values()), Arbitraries.of(true, false),
                        Arbitraries.integers().between(5, 8), Arbitraries.integers().between(5, 8), Arbitraries.longs())
                        .as((a, b, h, w, seed) -> new Case(c.n, c.cPerGroup, c.oPerGroup, c.group, c.k, c.stride, c.dil,
                                c.pads, a, b, h, w, seed)));
    }

    @Property(tries = 30)
    void gradientMatchesFiniteDifferences(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        Conv conv = new Conv(new int[] {c.stride, c.stride}, c.pads, new int[] {c.dil, c.dil}, c.group, c.auto);
        INDArray x = GradientCheck.random(rnd, c.n, (long) c.cPerGroup * c.group, c.h, c.w);
        INDArray w = GradientCheck.random(rnd, (long) c.oPerGroup * c.group, c.cPerGroup, c.k, c.k);
        INDArray[] in = c.bias ? new INDArray[] {x, w, GradientCheck.random(rnd, (long) c.oPerGroup * c.group)} : new INDArray[] {x, w};
        GradientCheck.check(conv, in, c.seed);
    }

    /** With only the input gradient wanted, Conv takes its transposed-convolution path; it must agree too. */
    @Property(tries = 25)
    void inputOnlyGradientMatchesFiniteDifferences(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        Conv conv = new Conv(new int[] {c.stride, c.stride}, c.pads, new int[] {c.dil, c.dil}, 1, c.auto);
        INDArray x = GradientCheck.random(rnd, c.n, c.cPerGroup, c.h, c.w);
        INDArray w = GradientCheck.random(rnd, c.oPerGroup, c.cPerGroup, c.k, c.k);
        INDArray b = GradientCheck.random(rnd, c.oPerGroup);
        GradientCheck.check(conv, new INDArray[] {x, w, b}, new boolean[] {true, false, false}, c.seed, 1e-6, 1e-5, 1e-4, 200);
        GradientCheck.check(conv, new INDArray[] {x.castTo(DataType.FLOAT), w.castTo(DataType.FLOAT)},
                new boolean[] {true, false}, c.seed, 1e-2, 2e-3, 2e-2, 20);
    }

    @Property(tries = 8)
    void depthwiseGradient(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        int ch = c.cPerGroup + 1;
        Conv conv = new Conv(new int[] {c.stride, c.stride}, c.pads, new int[] {1, 1}, ch, c.auto);
        INDArray x = GradientCheck.random(rnd, c.n, ch, c.h, c.w);
        INDArray w = GradientCheck.random(rnd, (long) ch * c.oPerGroup, 1, c.k, c.k);
        GradientCheck.check(conv, new INDArray[] {x, w, GradientCheck.random(rnd, (long) ch * c.oPerGroup)},
                new boolean[] {true, true, true}, c.seed, 1e-6, 1e-5, 1e-4, 60);
    }

    @Test
    void knownAnswer() {
        // 1x1x3x3 input 1..9, 2x2 kernel of ones, bias 10: each output is the window sum + 10.
        INDArray x = Nd4j.create(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, new long[] {1, 1, 3, 3}, DataType.DOUBLE);
        INDArray w = Nd4j.ones(DataType.DOUBLE, 1, 1, 2, 2);
        INDArray b = Nd4j.create(new double[] {10}, new long[] {1}, DataType.DOUBLE);
        INDArray y = Conv.simple().forward(new INDArray[] {x, w, b});
        assertArrayEquals(new long[] {1, 1, 2, 2}, y.shape());
        assertArrayEquals(new double[] {22, 26, 34, 38}, y.data().asDouble(), 1e-12);
        // Asymmetric padding (0 top/left, 1 bottom/right) keeps a 3x3 output.
        Conv asym = new Conv(new int[] {1, 1}, new int[] {0, 0, 1, 1}, new int[] {1, 1}, 1, AutoPad.NOTSET);
        INDArray ya = asym.forward(new INDArray[] {x, w});
        assertArrayEquals(new double[] {12, 16, 9, 24, 28, 15, 15, 17, 9}, ya.data().asDouble(), 1e-12);
        // SAME_UPPER with stride 2 on 3x3: output ceil(3/2)=2.
        Conv same = new Conv(new int[] {2, 2}, new int[4], new int[] {1, 1}, 1, AutoPad.SAME_UPPER);
        assertArrayEquals(new long[] {1, 1, 2, 2}, same.forward(new INDArray[] {x, w}).shape());
    }

    @Test
    void depthwiseMatchesGroupedLoop() {
        Random rnd = new Random(3);
        INDArray x = GradientCheck.random(rnd, 2, 4, 6, 6);
        INDArray w = GradientCheck.random(rnd, 8, 1, 3, 3);
        INDArray depthwise = new Conv(new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 4, AutoPad.NOTSET)
                .forward(new INDArray[] {x, w});
        for (int c = 0; c < 4; c++) {
            for (int m = 0; m < 2; m++) {
                int o = c * 2 + m;
                INDArray xs = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(c, c + 1)).dup();
                INDArray ws = w.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(o, o + 1)).dup();
                INDArray ys = Conv.padded(1).forward(new INDArray[] {xs, ws});
                INDArray expected = ys.reshape(2, 6, 6);
                INDArray actual = depthwise.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(o)).dup();
                assertEquals(0, expected.sub(actual).amaxNumber().doubleValue(), 1e-12);
            }
        }
    }

    /** libnd4j's float32 kernels reject dilation; Conv spreads the kernel instead and must agree with float64. */
    @Test
    void dilatedFloat32MatchesFloat64() {
        Random rnd = new Random(4);
        Conv conv = new Conv(new int[] {1, 2}, new int[] {2, 1, 2, 1}, new int[] {2, 3}, 2, AutoPad.NOTSET);
        INDArray x = GradientCheck.random(rnd, 2, 4, 9, 10);
        INDArray w = GradientCheck.random(rnd, 6, 2, 3, 2);
        INDArray b = GradientCheck.random(rnd, 6);
        INDArray y64 = conv.forward(new INDArray[] {x, w, b});
        INDArray[] in32 = {x.castTo(DataType.FLOAT), w.castTo(DataType.FLOAT), b.castTo(DataType.FLOAT)};
        INDArray y32 = conv.forward(in32);
        assertEquals(0, y32.castTo(DataType.DOUBLE).sub(y64).amaxNumber().doubleValue(), 1e-4);
        INDArray g = GradientCheck.random(rnd, y64.shape());
        INDArray[] g64 = conv.backward(new INDArray[] {x, w, b}, y64, g, new boolean[] {true, true, true});
        INDArray[] g32 = conv.backward(in32, y32, g.castTo(DataType.FLOAT), new boolean[] {true, true, true});
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(g64[i].shape(), g32[i].shape());
            assertEquals(0, g32[i].castTo(DataType.DOUBLE).sub(g64[i]).amaxNumber().doubleValue(), 1e-3, "gradient " + i);
        }
    }

    @Test
    void rejectsChannelMismatch() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, 3, 5, 5);
        INDArray w = Nd4j.zeros(DataType.DOUBLE, 4, 2, 3, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Conv.simple().forward(new INDArray[] {x, w}));
        assertEquals(true, e.getMessage().contains("[1, 3, 5, 5]"), e.getMessage());
    }
}
