package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.PoolingTest.arr;
import static dev.cnnviz.core.graph.ops.PoolingTest.assertClose;
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

class NormalizationTest {

    record Case(int n, int c, int h, int w, boolean rank2, double eps, long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        return Combinators.combine(Arbitraries.integers().between(1, 2), Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 4), Arbitraries.integers().between(2, 4), Arbitraries.of(false, false, true),
                Arbitraries.of(1e-5, 1e-3, 0.1), Arbitraries.longs()).as(Case::new);
    }

    private static INDArray positive(Random rnd, long c) {
        INDArray v = GradientCheck.random(rnd, c);
        return org.nd4j.linalg.ops.transforms.Transforms.abs(v, false).addi(0.5);
    }

    /** Finite differences on a random sample of at most 40 elements per input (keeps the class fast). */
    static void check(dev.cnnviz.core.graph.Op op, INDArray[] in, long seed) {
        boolean[] wanted = new boolean[in.length];
        java.util.Arrays.fill(wanted, true);
        GradientCheck.check(op, in, wanted, seed, 1e-6, 1e-5, 1e-4, 40);
    }

    @Property(tries = 20)
    void batchNormGradient(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        INDArray x = c.rank2 ? GradientCheck.random(rnd, c.n, c.c) : GradientCheck.random(rnd, c.n, c.c, c.h, c.w);
        INDArray[] in = {x, GradientCheck.random(rnd, c.c), GradientCheck.random(rnd, c.c), GradientCheck.random(rnd, c.c), positive(rnd, c.c)};
        BatchNorm op = new BatchNorm(c.eps);
        check(op, in, c.seed);
        // Forward against the formula, element by element.
        INDArray y = op.forward(in);
        for (long k = 0; k < x.length(); k += 3) {
            long ch = c.rank2 ? k % c.c : (k / ((long) c.h * c.w)) % c.c;
            double expected = in[1].getDouble(ch) * (x.getDouble(k) - in[3].getDouble(ch)) / Math.sqrt(in[4].getDouble(ch) + c.eps)
                    + in[2].getDouble(ch);
            assertEquals(expected, y.getDouble(k), 1e-12);
        }
    }

    @Property(tries = 15)
    void instanceNormGradient(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        INDArray x = GradientCheck.random(rnd, c.n, c.c, c.h, c.w);
        INDArray[] in = {x, GradientCheck.random(rnd, c.c), GradientCheck.random(rnd, c.c)};
        check(new InstanceNorm(c.eps), in, c.seed);
    }

    @Test
    void batchNormKnownAnswer() {
        INDArray x = arr(new double[] {1, 4}, 1, 2, 1, 1);
        INDArray[] in = {x, arr(new double[] {2, 0.5}, 2), arr(new double[] {0.1, -1}, 2), arr(new double[] {0, 2}, 2), arr(new double[] {1, 4}, 2)};
        assertClose(arr(new double[] {2.1, -0.5}, 1, 2, 1, 1), new BatchNorm(0).forward(in), 1e-12);
        // Parameters given as [C, 1, 1] keep their shape in the gradients.
        INDArray[] in3 = {x, in[1].reshape(2, 1, 1), in[2].reshape(2, 1, 1), in[3].reshape(2, 1, 1), in[4].reshape(2, 1, 1)};
        INDArray[] g = new BatchNorm(0).backward(in3, null, Nd4j.ones(DataType.DOUBLE, 1, 2, 1, 1), new boolean[] {true, true, true, true, true});
        assertClose(arr(new double[] {2, 0.25}, 1, 2, 1, 1), g[0], 1e-12);
        assertClose(arr(new double[] {1, 1}, 2, 1, 1), g[1], 1e-12);   // x̂ = (1-0)/1, (4-2)/2
        assertClose(arr(new double[] {1, 1}, 2, 1, 1), g[2], 1e-12);
        assertClose(arr(new double[] {-2, -0.25}, 2, 1, 1), g[3], 1e-12);
        // dvar = -½ · scale · (x - mean) · (var)^(-3/2): -0.5·2·1·1 = -1, -0.5·0.5·2·(1/8) = -0.0625
        assertClose(arr(new double[] {-1, -0.0625}, 2, 1, 1), g[4], 1e-12);
    }

    @Test
    void instanceNormKnownAnswer() {
        Random rnd = new Random(11);
        INDArray x = GradientCheck.random(rnd, 2, 3, 4, 5).muli(7).addi(3);
        INDArray scale = arr(new double[] {2, -0.5, 1.5}, 3);
        INDArray b = arr(new double[] {0.25, -1, 4}, 3);
        INDArray y = new InstanceNorm(1e-12).forward(new INDArray[] {x, scale, b});
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                INDArray m = y.get(org.nd4j.linalg.indexing.NDArrayIndex.point(n), org.nd4j.linalg.indexing.NDArrayIndex.point(c));
                double mean = m.meanNumber().doubleValue();
                double std = Math.sqrt(m.sub(mean).muli(m.sub(mean)).meanNumber().doubleValue());
                assertEquals(b.getDouble(c), mean, 1e-9, "mean of (" + n + "," + c + ")");
                assertEquals(Math.abs(scale.getDouble(c)), std, 1e-6, "std of (" + n + "," + c + ")");
            }
        }
        // Hand-computed: the map [1, 3] has mean 2 and variance 1, so x̂ = [-1, 1].
        INDArray x2 = arr(new double[] {1, 3}, 1, 1, 1, 2);
        assertClose(arr(new double[] {-1.5, 2.5}, 1, 1, 1, 2),
                new InstanceNorm(0).forward(new INDArray[] {x2, arr(new double[] {2}, 1), arr(new double[] {0.5}, 1)}), 1e-12);
    }

    @Test
    void float32Works() {
        Random rnd = new Random(2);
        INDArray x = GradientCheck.random(rnd, 2, 3, 4, 4);
        INDArray[] bn = {x, GradientCheck.random(rnd, 3), GradientCheck.random(rnd, 3), GradientCheck.random(rnd, 3), positive(rnd, 3)};
        INDArray[] in = {x, GradientCheck.random(rnd, 3), GradientCheck.random(rnd, 3)};
        check32(new BatchNorm(1e-5), bn);
        check32(new InstanceNorm(1e-5), in);
    }

    private static void check32(dev.cnnviz.core.graph.Op op, INDArray[] in) {
        INDArray[] f = new INDArray[in.length];
        boolean[] wanted = new boolean[in.length];
        for (int i = 0; i < in.length; i++) {
            f[i] = in[i].castTo(DataType.FLOAT);
            wanted[i] = true;
        }
        INDArray y = op.forward(f);
        assertEquals(DataType.FLOAT, y.dataType());
        assertClose(op.forward(in), y, 1e-4);
        INDArray[] g = op.backward(f, y, Nd4j.ones(DataType.FLOAT, y.shape()), wanted);
        INDArray[] gd = op.backward(in, null, Nd4j.ones(DataType.DOUBLE, y.shape()), wanted);
        for (int i = 0; i < in.length; i++) {
            assertEquals(DataType.FLOAT, g[i].dataType());
            assertClose(gd[i], g[i], 1e-3);
        }
    }

    @Test
    void rejectsBadInputs() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, 3, 2, 2);
        INDArray c3 = Nd4j.ones(DataType.DOUBLE, 3);
        INDArray c2 = Nd4j.ones(DataType.DOUBLE, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchNorm.standard().forward(new INDArray[] {x, c2, c3, c3, c3}));
        assertTrue(e.getMessage().contains("scale") && e.getMessage().contains("[2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new InstanceNorm(Double.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> InstanceNorm.standard().forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 2, 3), c3, c3}));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InstanceNorm.standard().forward(new INDArray[] {x, c3, c2}));
        assertTrue(e.getMessage().contains("B") && e.getMessage().contains("[2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BatchNorm.standard().forward(new INDArray[] {x, c3, c3}));
        assertTrue(e.getMessage().contains("found 3"), e.getMessage());
    }
}
