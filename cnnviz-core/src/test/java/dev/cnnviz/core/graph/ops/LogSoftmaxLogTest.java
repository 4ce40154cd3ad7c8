package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.ActivationTest.assertFloat32;
import static dev.cnnviz.core.graph.ops.ActivationTest.assertGrad;
import static dev.cnnviz.core.graph.ops.ActivationTest.assertIae;
import static dev.cnnviz.core.graph.ops.ActivationTest.d;
import static dev.cnnviz.core.graph.ops.ActivationTest.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.GradientCheck;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Op;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** LogSoftmax (both coerce2d modes) and Log: gradients, known answers, stability, bad inputs, float32. */
class LogSoftmaxLogTest {

    // ---- gradient properties -------------------------------------------------------------------------------

    @Property(tries = 25)
    void logSoftmaxGradient(@ForAll long seed, @ForAll boolean coerce2d) {
        Random rnd = new Random(seed);
        long[] s = ActivationTest.shape(rnd);
        int axis = rnd.nextInt(s.length) - (rnd.nextBoolean() ? s.length : 0);
        INDArray x = GradientCheck.random(rnd, s).muli(3);
        GradientCheck.check(new LogSoftmax(axis, coerce2d), new INDArray[] {x}, seed);
    }

    /** Inputs in [0.1, 3]: ln is smooth there (its derivative 1/x is at most 10). */
    @Property(tries = 25)
    void logGradient(@ForAll long seed) {
        Random rnd = new Random(seed);
        INDArray x = GradientCheck.random(rnd, ActivationTest.shape(rnd)).addi(1).muli(1.45).addi(0.1);
        GradientCheck.check(new Log(), new INDArray[] {x}, seed);
    }

    /** LogSoftmax agrees with ln(Softmax) where the probabilities do not underflow, for every axis and mode. */
    @Property(tries = 25)
    void logSoftmaxIsTheLogOfSoftmax(@ForAll long seed, @ForAll boolean coerce2d) {
        Random rnd = new Random(seed);
        long[] s = ActivationTest.shape(rnd);
        int axis = rnd.nextInt(s.length) - (rnd.nextBoolean() ? s.length : 0);
        INDArray x = GradientCheck.random(rnd, s).muli(5);
        INDArray expected = Transforms.log(new Softmax(axis, coerce2d).forward(new INDArray[] {x}), false);
        INDArray y = new LogSoftmax(axis, coerce2d).forward(new INDArray[] {x});
        assertArrayEquals(s, y.shape());
        assertArrayEquals(values(expected), values(y), 1e-12);
    }

    // ---- known answers -------------------------------------------------------------------------------------

    @Test
    void logSoftmaxKnownAnswer() {
        INDArray x = d(new double[] {0, Math.log(2), Math.log(3)}, 1, 3);
        LogSoftmax op = new LogSoftmax(1, true);
        INDArray y = op.forward(new INDArray[] {x});
        assertArrayEquals(new double[] {Math.log(1 / 6.0), Math.log(2 / 6.0), Math.log(3 / 6.0)}, values(y), 1e-15);
        // dx = g - softmax(x) · Σg with g = e₀ (Σg = 1): [1 - 1/6, -2/6, -3/6].
        INDArray g = d(new double[] {1, 0, 0}, 1, 3);
        INDArray gx = op.backward(new INDArray[] {x}, y, g, new boolean[] {true})[0];
        assertArrayEquals(new double[] {5 / 6.0, -2 / 6.0, -3 / 6.0}, values(gx), 1e-15);
        // The same gradient when the forward output is not given.
        assertArrayEquals(values(gx), values(op.backward(new INDArray[] {x}, null, g, new boolean[] {true})[0]), 1e-15);
        // g = [1, 1, 1]: the gradient of Σ_i y_i = Σ x_i - 3·logsumexp(x) is 1 - 3·softmax = [1/2, 0, -1/2].
        assertGrad(new double[] {0.5, 0, -0.5}, op, x);
        assertNull(op.backward(new INDArray[] {x}, y, g, new boolean[] {false})[0]);
    }

    @Test
    void logSoftmaxIsStableWhereLogOfSoftmaxIsNot() {
        LogSoftmax op = new LogSoftmax(-1, false);
        // Huge logits do not overflow: shift invariance.
        INDArray big = d(new double[] {1000, 1000 + Math.log(2), 1000 + Math.log(3)}, 1, 3);
        assertArrayEquals(new double[] {Math.log(1 / 6.0), Math.log(2 / 6.0), Math.log(3 / 6.0)},
                values(op.forward(new INDArray[] {big})), 1e-12);
        // A probability that underflows: ln(softmax) would give -Infinity; LogSoftmax gives -1000 - ln(1 + e^-1000).
        INDArray spread = d(new double[] {0, -1000}, 1, 2);
        assertArrayEquals(new double[] {0, -1000}, values(op.forward(new INDArray[] {spread})), 1e-12);
        assertEquals(Double.NEGATIVE_INFINITY, Transforms.log(new Softmax(-1, false).forward(new INDArray[] {spread}), false)
                .getDouble(1), "the naive form underflows (which is why LogSoftmax is its own operator)");
        // The same holds in float32.
        INDArray y32 = op.forward(new INDArray[] {spread.castTo(DataType.FLOAT)});
        assertEquals(DataType.FLOAT, y32.dataType());
        assertArrayEquals(new double[] {0, -1000}, values(y32.castTo(DataType.DOUBLE)), 1e-3);
    }

    @Test
    void logSoftmaxCoerce2dModes() {
        // x [1, 2, 2] = [[0, 0], [ln 3, ln 3]] (the Softmax example): exp(y) is Softmax's output in each mode.
        INDArray x = d(new double[] {0, 0, Math.log(3), Math.log(3)}, 1, 2, 2);
        // coerce2d (opset < 13): one distribution over the flattened [2, 2] block: [1, 1, 3, 3] / 8.
        INDArray y2d = new LogSoftmax(1, true).forward(new INDArray[] {x});
        assertArrayEquals(new long[] {1, 2, 2}, y2d.shape());
        assertArrayEquals(new double[] {Math.log(1 / 8.0), Math.log(1 / 8.0), Math.log(3 / 8.0), Math.log(3 / 8.0)},
                values(y2d), 1e-15);
        // Opset 13: along axis 1 only: each column [0, ln 3] -> [ln 1/4, ln 3/4].
        assertArrayEquals(new double[] {Math.log(0.25), Math.log(0.25), Math.log(0.75), Math.log(0.75)},
                values(new LogSoftmax(1, false).forward(new INDArray[] {x})), 1e-15);
        // Axis 0 (a batch axis of size 1): every value is its own distribution, ln 1 = 0.
        assertArrayEquals(new double[] {0, 0, 0, 0}, values(new LogSoftmax(0, false).forward(new INDArray[] {x})), 1e-15);
        // Negative axis -1: rows [0, 0] and [ln 3, ln 3] give ln 1/2 everywhere, in both modes.
        double half = Math.log(0.5);
        assertArrayEquals(new double[] {half, half, half, half}, values(new LogSoftmax(-1, false).forward(new INDArray[] {x})), 1e-15);
        assertArrayEquals(new double[] {half, half, half, half}, values(new LogSoftmax(-1, true).forward(new INDArray[] {x})), 1e-15);
        assertEquals("axis 1 (2-D)", new LogSoftmax(1, true).describe());
    }

    @Test
    void logKnownAnswer() {
        double e = Math.E;
        INDArray x = d(new double[] {1, e, e * e, 0.5}, 4);
        INDArray y = new Log().forward(new INDArray[] {x});
        assertArrayEquals(new double[] {0, 1, 2, -Math.log(2)}, values(y), 1e-15);
        assertGrad(new double[] {1, 1 / e, 1 / (e * e), 2}, new Log(), x);
        INDArray g = d(new double[] {3, 3, 3, 3}, 4);
        assertArrayEquals(new double[] {3, 3 / e, 3 / (e * e), 6},
                values(new Log().backward(new INDArray[] {x}, y, g, new boolean[] {true})[0]), 1e-15);
        assertNull(new Log().backward(new INDArray[] {x}, y, g, new boolean[] {false})[0]);
    }

    /** Outside the domain Log follows ONNX and IEEE: ln 0 = -Infinity, ln of a negative number is NaN. */
    @Test
    void logOutsideItsDomainFollowsIeee() {
        INDArray x = d(new double[] {0, -1, 1}, 3);
        for (DataType t : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray y = new Log().forward(new INDArray[] {x.castTo(t)});
            assertEquals(t, y.dataType());
            double[] v = values(y.castTo(DataType.DOUBLE));
            assertEquals(Double.NEGATIVE_INFINITY, v[0], t + " ln 0");
            assertTrue(Double.isNaN(v[1]), t + " ln -1 = " + v[1]);
            assertEquals(0, v[2], 0, t + " ln 1");
            INDArray gx = new Log().backward(new INDArray[] {x.castTo(t)}, y, Nd4j.ones(t, 3), new boolean[] {true})[0];
            double[] gv = values(gx.castTo(DataType.DOUBLE));
            assertEquals(Double.POSITIVE_INFINITY, gv[0], t + " d ln x / dx at 0");
            assertEquals(-1, gv[1], 0, t + " 1/x at -1");
        }
    }

    /** A graph ending in LogSoftmax (or Log of a Softmax) takes the softmax's input as its class scores. */
    @Test
    void scoresAreTheInputOfAFinalLogSoftmax() {
        Graph g = Graph.builder()
                .input("x", 3)
                .add("logits", new Relu(), "x")
                .add("logp", new LogSoftmax(1, true), "logits")
                .add("flat", new Reshape(new long[] {0, -1}), "logp")
                .build();
        // The search walks back from the output through shape-only nodes (the Reshape) to the LogSoftmax.
        assertEquals("flat", g.outputName());
        assertEquals("logits", g.scoresNode());
        INDArray x = Nd4j.createFromArray(1f, -2f, 3f).reshape(1, 3);
        try (ForwardPass pass = g.infer(x, List.of())) {
            assertEquals(1.0, Transforms.exp(pass.output(), true).sumNumber().doubleValue(), 1e-6);
            assertArrayEquals(new float[] {1, 0, 3}, pass.scores().toFloatVector(), 0f);
        }
        // Log of a Softmax (how exporters wrote log-probabilities before LogSoftmax): the Softmax's input.
        Graph old = Graph.builder()
                .input("x", 3)
                .add("logits", new Relu(), "x")
                .add("p", new Softmax(1, true), "logits")
                .add("logp", new Log(), "p")
                .build();
        assertEquals("logits", old.scoresNode());
        // A Log of something else is not a class-score marker: the scores are the output.
        Graph plain = Graph.builder().input("x", 3).add("r", new Relu(), "x").add("l", new Log(), "r").build();
        assertEquals("l", plain.scoresNode());
    }

    // ---- bad inputs ----------------------------------------------------------------------------------------

    @Test
    void rejectsBadInputs() {
        INDArray a23 = Nd4j.zeros(DataType.DOUBLE, 2, 3);
        assertIae("LogSoftmax axis 2 is out of range for shape [2, 3]", () -> new LogSoftmax(2, false).forward(new INDArray[] {a23}));
        assertIae("LogSoftmax axis -3 is out of range", () -> new LogSoftmax(-3, true).forward(new INDArray[] {a23}));
        assertIae("LogSoftmax needs 1 input, found 2", () -> new LogSoftmax(1, true).forward(new INDArray[] {a23, a23}));
        assertIae("LogSoftmax input 0 is missing", () -> new LogSoftmax(1, true).forward(new INDArray[] {null}));
        assertIae("Log needs 1 input, found 0", () -> new Log().forward(new INDArray[0]));
        assertIae("Log needs 1 input, found 2", () -> new Log().forward(new INDArray[] {a23, a23}));
        assertIae("Log input 0 is missing", () -> new Log().forward(new INDArray[] {null}));
    }

    // ---- float32 -------------------------------------------------------------------------------------------

    @Test
    void float32ForwardAndGradientTypes() {
        Random rnd = new Random(17);
        INDArray x = GradientCheck.random(rnd, 2, 3, 2, 2).muli(3);
        assertFloat32(new LogSoftmax(1, true), x);
        assertFloat32(new LogSoftmax(1, false), x);
        assertFloat32(new LogSoftmax(-1, false), x);
        INDArray positive = Transforms.abs(x, true).addi(0.1);
        assertFloat32(new Log(), positive);
        for (Op op : new Op[] {new LogSoftmax(1, true), new LogSoftmax(-1, false), new Log()}) {
            INDArray x32 = positive.castTo(DataType.FLOAT);
            INDArray y = op.forward(new INDArray[] {x32});
            INDArray gx = op.backward(new INDArray[] {x32}, y, Nd4j.ones(DataType.FLOAT, y.shape()), new boolean[] {true})[0];
            assertEquals(DataType.FLOAT, gx.dataType(), op + " gradient type");
            assertArrayEquals(x32.shape(), gx.shape());
        }
    }

    @Test
    void forwardDoesNotModifyOrAliasTheInput() {
        INDArray x = Transforms.abs(GradientCheck.random(new Random(5), 2, 3), true).addi(0.5);
        INDArray before = x.dup();
        for (Op op : new Op[] {new LogSoftmax(1, true), new LogSoftmax(0, false), new Log()}) {
            INDArray y = op.forward(new INDArray[] {x});
            y.assign(123);
            assertEquals(0, before.sub(x).amaxNumber().doubleValue(), 0, op + " modified or aliases its input");
        }
    }
}
