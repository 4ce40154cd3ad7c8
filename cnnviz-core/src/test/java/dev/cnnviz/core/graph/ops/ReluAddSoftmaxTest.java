package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.ActivationTest.assertFloat32;
import static dev.cnnviz.core.graph.ops.ActivationTest.assertIae;
import static dev.cnnviz.core.graph.ops.ActivationTest.d;
import static dev.cnnviz.core.graph.ops.ActivationTest.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.GradientCheck;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The pre-existing operators Relu, Add and Softmax (both coerce2d modes). */
class ReluAddSoftmaxTest {

    // ---- gradient properties -------------------------------------------------------------------------------

    @Property(tries = 25)
    void reluGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        INDArray x = ActivationTest.avoid(GradientCheck.random(rnd, ActivationTest.shape(rnd)).muli(2), 1e-3, 0);
        GradientCheck.check(new Relu(), new INDArray[] {x}, seed);
    }

    /** The broadcast patterns of {@link ElementwiseTest#shapes}: equal, [1,C,1,1], [C,1,1], [1], rank 0, random. */
    @Property(tries = 30)
    void addGradient(@ForAll long seed, @ForAll @IntRange(min = 0, max = 5) int pattern, @ForAll boolean swap) {
        Random rnd = new Random(seed);
        long[][] s = ElementwiseTest.shapes(rnd, pattern, swap);
        GradientCheck.check(new Add(), new INDArray[] {GradientCheck.random(rnd, s[0]), GradientCheck.random(rnd, s[1])}, seed);
    }

    @Property(tries = 20)
    void softmaxGradient(@ForAll long seed, @ForAll boolean coerce2d) {
        Random rnd = new Random(seed);
        long[] s = ActivationTest.shape(rnd);
        int axis = rnd.nextInt(s.length) - (rnd.nextBoolean() ? s.length : 0);
        INDArray x = GradientCheck.random(rnd, s).muli(3);
        GradientCheck.check(new Softmax(axis, coerce2d), new INDArray[] {x}, seed);
    }

    /**
     * Add against the numpy reference on all pairs of small shapes, including operands of different ranks
     * that broadcast to a shape larger than either (e.g. {@code [3, 1] + [2]} gives {@code [3, 2]}).
     */
    @Test
    void addBroadcastsLikeNumpy() {
        ElementwiseTest.assertNumpyBroadcasting(new Add(), Double::sum, true);
    }

    @Test
    void reluKnownAnswer() {
        INDArray x = d(new double[] {-1, 0, 2, -0.5}, 2, 2);
        Relu relu = new Relu();
        INDArray y = relu.forward(new INDArray[] {x});
        assertArrayEquals(new double[] {0, 0, 2, 0}, values(y), 0);
        // The gradient at x = 0 is 0 (x > 0 strict).
        INDArray g = relu.backward(new INDArray[] {x}, y, Nd4j.ones(DataType.DOUBLE, 2, 2), new boolean[] {true})[0];
        assertArrayEquals(new double[] {0, 0, 1, 0}, values(g), 0);
        y.assign(7);
        assertEquals(-1, x.getDouble(0), 0, "Relu output aliases its input");
    }

    @Test
    void addKnownAnswer() {
        INDArray a = d(new double[] {1, 2, 3, 4}, 2, 2);
        INDArray b = d(new double[] {10, 20}, 2);
        assertArrayEquals(new double[] {11, 22, 13, 24}, values(new Add().forward(new INDArray[] {a, b})), 0);
        assertArrayEquals(new double[] {11, 22, 13, 24}, values(new Add().forward(new INDArray[] {b, a})), 0);
        INDArray[] g = new Add().backward(new INDArray[] {a, b}, null, Nd4j.ones(DataType.DOUBLE, 2, 2), new boolean[] {true, true});
        assertArrayEquals(new double[] {1, 1, 1, 1}, values(g[0]), 0);
        assertArrayEquals(new long[] {2}, g[1].shape());
        assertArrayEquals(new double[] {2, 2}, values(g[1]), 0);
        // Bidirectional broadcasting [3, 1] + [1, 2].
        INDArray y = new Add().forward(new INDArray[] {d(new double[] {1, 2, 3}, 3, 1), d(new double[] {10, 100}, 1, 2)});
        assertArrayEquals(new long[] {3, 2}, y.shape());
        assertArrayEquals(new double[] {11, 101, 12, 102, 13, 103}, values(y), 0);
        // Per-channel bias [C, 1, 1] on NCHW.
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, 2, 1, 2);
        INDArray bias = d(new double[] {1, 2}, 2, 1, 1);
        assertArrayEquals(new double[] {1, 1, 2, 2}, values(new Add().forward(new INDArray[] {x, bias})), 0);
    }

    @Test
    void softmaxKnownAnswer() {
        INDArray x = d(new double[] {0, Math.log(2), Math.log(3)}, 1, 3);
        Softmax sm = Softmax.classes();
        INDArray y = sm.forward(new INDArray[] {x});
        assertArrayEquals(new double[] {1 / 6.0, 2 / 6.0, 3 / 6.0}, values(y), 1e-15);
        // dx = y ⊙ (g − <g, y>) with g = e₀.
        INDArray g = d(new double[] {1, 0, 0}, 1, 3);
        INDArray gx = sm.backward(new INDArray[] {x}, y, g, new boolean[] {true})[0];
        assertArrayEquals(new double[] {5 / 36.0, -2 / 36.0, -3 / 36.0}, values(gx), 1e-15);
        // Shift invariance (the max is subtracted): huge logits do not overflow.
        INDArray big = d(new double[] {1000, 1000 + Math.log(2), 1000 + Math.log(3)}, 1, 3);
        assertArrayEquals(values(y), values(sm.forward(new INDArray[] {big})), 1e-12);
    }

    @Test
    void softmaxCoerce2dModes() {
        // x [1, 2, 2] = [[0, 0], [ln 3, ln 3]]
        INDArray x = d(new double[] {0, 0, Math.log(3), Math.log(3)}, 1, 2, 2);
        // coerce2d (opset < 13): normalise over the flattened [2, 2] block: exp = [1, 1, 3, 3], sum 8.
        INDArray y2d = new Softmax(1, true).forward(new INDArray[] {x});
        assertArrayEquals(new long[] {1, 2, 2}, y2d.shape());
        assertArrayEquals(new double[] {1 / 8.0, 1 / 8.0, 3 / 8.0, 3 / 8.0}, values(y2d), 1e-15);
        // Opset 13: normalise along axis 1 only: each column [0, ln 3] -> [1/4, 3/4].
        INDArray yAxis = new Softmax(1, false).forward(new INDArray[] {x});
        assertArrayEquals(new double[] {0.25, 0.25, 0.75, 0.75}, values(yAxis), 1e-15);
        // Negative axis: -1 is the last axis; on the rows [0, 0] and [ln 3, ln 3] gives 1/2 everywhere.
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5}, values(new Softmax(-1, false).forward(new INDArray[] {x})), 1e-15);
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5}, values(new Softmax(-1, true).forward(new INDArray[] {x})), 1e-15);
    }

    // ---- bad inputs ----------------------------------------------------------------------------------------

    @Test
    void rejectsBadInputs() {
        INDArray a23 = Nd4j.zeros(DataType.DOUBLE, 2, 3);
        assertIae("shapes [2, 3] and [4] do not broadcast", () -> new Add().forward(new INDArray[] {a23, Nd4j.zeros(DataType.DOUBLE, 4)}));
        assertIae("Softmax axis 2 is out of range for shape [2, 3]", () -> new Softmax(2, false).forward(new INDArray[] {a23}));
        assertIae("Softmax axis -3 is out of range", () -> new Softmax(-3, true).forward(new INDArray[] {a23}));
        // Relu has no attributes and accepts any shape; a missing input is not reported as an IllegalArgumentException.
        assertThrows(RuntimeException.class, () -> new Relu().forward(new INDArray[0]));
    }

    // ---- float32 -------------------------------------------------------------------------------------------

    @Test
    void float32Forward() {
        Random rnd = new Random(13);
        INDArray x = GradientCheck.random(rnd, 2, 3, 2, 2).muli(3);
        assertFloat32(new Relu(), x);
        assertFloat32(new Add(), x, GradientCheck.random(rnd, 3, 1, 1));
        assertFloat32(new Softmax(1, true), x);
        assertFloat32(new Softmax(1, false), x);
        assertFloat32(new Softmax(-1, false), x);
    }
}
