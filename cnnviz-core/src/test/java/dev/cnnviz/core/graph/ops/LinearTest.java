package dev.cnnviz.core.graph.ops;

import static dev.cnnviz.core.graph.ops.ActivationTest.assertFloat32;
import static dev.cnnviz.core.graph.ops.ActivationTest.assertIae;
import static dev.cnnviz.core.graph.ops.ActivationTest.d;
import static dev.cnnviz.core.graph.ops.ActivationTest.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cnnviz.core.graph.GradientCheck;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Gemm, MatMul, Dense: gradients, known answers, bad inputs, float32. */
class LinearTest {

    // ---- gradient properties -------------------------------------------------------------------------------

    /** All transposition flags, scales and every ONNX-allowed shape of C (none, [], [1], [N], [1,N], [M,1], [M,N]). */
    @Property(tries = 30)
    void gemmGradient(@ForAll long seed, @ForAll boolean transA, @ForAll boolean transB,
            @ForAll @IntRange(min = 0, max = 6) int cPattern) {
        Random rnd = new Random(seed);
        int m = 1 + rnd.nextInt(4);
        int k = 1 + rnd.nextInt(4);
        int n = 1 + rnd.nextInt(4);
        double alpha = rnd.nextBoolean() ? 1 : rnd.nextDouble() * 4 - 2;
        double beta = rnd.nextBoolean() ? 1 : rnd.nextDouble() * 4 - 2;
        INDArray a = transA ? GradientCheck.random(rnd, k, m) : GradientCheck.random(rnd, m, k);
        INDArray b = transB ? GradientCheck.random(rnd, n, k) : GradientCheck.random(rnd, k, n);
        long[] cs = switch (cPattern) {
            case 1 -> new long[0];
            case 2 -> new long[] {1};
            case 3 -> new long[] {n};
            case 4 -> new long[] {1, n};
            case 5 -> new long[] {m, 1};
            case 6 -> new long[] {m, n};
            default -> null;
        };
        INDArray[] in = cs == null ? new INDArray[] {a, b} : new INDArray[] {a, b, GradientCheck.random(rnd, cs)};
        GradientCheck.check(new Gemm(alpha, beta, transA, transB), in, seed);
    }

    /**
     * MatMul patterns: 0 plain 2-D; 1 same batch; 2 random batch broadcasting (either side, leading dims
     * dropped or set to 1); 3 1-D A; 4 1-D B; 5 both 1-D; 6 1-D A with a batched B.
     */
    @Property(tries = 30)
    void matMulGradient(@ForAll long seed, @ForAll @IntRange(min = 0, max = 6) int pattern) {
        Random rnd = new Random(seed);
        int m = 1 + rnd.nextInt(3);
        int k = 1 + rnd.nextInt(3);
        int n = 1 + rnd.nextInt(3);
        long[] batch = new long[1 + rnd.nextInt(2)];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = 1 + rnd.nextInt(3);
        }
        long[] as;
        long[] bs;
        switch (pattern) {
            case 0 -> {
                as = new long[] {m, k};
                bs = new long[] {k, n};
            }
            case 1 -> {
                as = concat(batch, m, k);
                bs = concat(batch, k, n);
            }
            case 2 -> {
                as = concat(thin(rnd, batch), m, k);
                bs = concat(thin(rnd, batch), k, n);
            }
            case 3 -> {
                as = new long[] {k};
                bs = new long[] {k, n};
            }
            case 4 -> {
                as = concat(batch, m, k);
                bs = new long[] {k};
            }
            case 5 -> {
                as = new long[] {k};
                bs = new long[] {k};
            }
            default -> {
                as = new long[] {k};
                bs = concat(batch, k, n);
            }
        }
        INDArray a = GradientCheck.random(rnd, as);
        INDArray b = GradientCheck.random(rnd, bs);
        GradientCheck.check(new MatMul(), new INDArray[] {a, b}, seed);
    }

    @Property(tries = 20)
    void denseGradient(@ForAll long seed, @ForAll boolean bias, @ForAll boolean rowBias) {
        Random rnd = new Random(seed);
        int batch = 1 + rnd.nextInt(4);
        int in = 1 + rnd.nextInt(5);
        int out = 1 + rnd.nextInt(5);
        INDArray x = GradientCheck.random(rnd, batch, in);
        INDArray w = GradientCheck.random(rnd, in, out);
        INDArray[] args = bias ? new INDArray[] {x, w, rowBias ? GradientCheck.random(rnd, 1, out) : GradientCheck.random(rnd, out)}
                : new INDArray[] {x, w};
        GradientCheck.check(new Dense(), args, seed);
    }

    static long[] concat(long[] batch, long r, long c) {
        long[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    /** A batch shape that broadcasts to {@code batch}: some leading dims dropped, some sizes set to 1. */
    static long[] thin(Random rnd, long[] batch) {
        int drop = rnd.nextInt(batch.length + 1);
        long[] s = new long[batch.length - drop];
        for (int i = 0; i < s.length; i++) {
            s[i] = rnd.nextInt(3) == 0 ? 1 : batch[i + drop];
        }
        return s;
    }

    // ---- known answers -------------------------------------------------------------------------------------

    @Test
    void gemmKnownAnswer() {
        INDArray a = d(new double[] {1, 2, 3, 4}, 2, 2);
        INDArray b = d(new double[] {5, 6, 7, 8}, 2, 2);
        assertArrayEquals(new double[] {19, 22, 43, 50}, values(new Gemm().forward(new INDArray[] {a, b})), 0);
        // Y = 2·A·B + 0.5·C with C [N] = [1, 2] broadcast over rows.
        INDArray c = d(new double[] {1, 2}, 2);
        assertArrayEquals(new double[] {38.5, 45, 86.5, 101}, values(new Gemm(2, 0.5, false, false).forward(new INDArray[] {a, b, c})), 0);
        assertArrayEquals(new double[] {26, 30, 38, 44}, values(new Gemm(1, 1, true, false).forward(new INDArray[] {a, b})), 0);
        assertArrayEquals(new double[] {17, 23, 39, 53}, values(new Gemm(1, 1, false, true).forward(new INDArray[] {a, b})), 0);
        // Non-square with both transposed: A [K=3, M=1], B [N=2, K=3]; Y = Aᵀ·Bᵀ = [[1·1+2·2+3·3, 1·4+2·5+3·6]].
        INDArray at = d(new double[] {1, 2, 3}, 3, 1);
        INDArray bt = d(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        INDArray y = new Gemm(1, 1, true, true).forward(new INDArray[] {at, bt, d(new double[] {100}, 1, 1)});
        assertArrayEquals(new long[] {1, 2}, y.shape());
        assertArrayEquals(new double[] {114, 132}, values(y), 0);
        // Gradients with dY = ones for Y = A·B + C [M,1]: dA = 1·Bᵀ row sums, dB = Aᵀ column sums, dC = row sums.
        INDArray cm = d(new double[] {1, 2}, 2, 1);
        Gemm gemm = new Gemm(1, 3, false, false);
        INDArray[] in = {a, b, cm};
        INDArray[] g = gemm.backward(in, gemm.forward(in), Nd4j.ones(DataType.DOUBLE, 2, 2), new boolean[] {true, true, true});
        assertArrayEquals(new double[] {11, 15, 11, 15}, values(g[0]), 0);
        assertArrayEquals(new double[] {4, 4, 6, 6}, values(g[1]), 0);
        assertArrayEquals(new long[] {2, 1}, g[2].shape());
        assertArrayEquals(new double[] {6, 6}, values(g[2]), 0);
        INDArray[] none = gemm.backward(in, null, Nd4j.ones(DataType.DOUBLE, 2, 2), new boolean[] {false, true, false});
        assertNull(none[0]);
        assertNull(none[2]);
        assertEquals("beta 3.0 ", gemm.describe());
    }

    @Test
    void matMulKnownAnswer() {
        INDArray a = d(new double[] {1, 2, 3, 4}, 2, 2);
        INDArray b = d(new double[] {5, 6, 7, 8}, 2, 2);
        assertArrayEquals(new double[] {19, 22, 43, 50}, values(new MatMul().forward(new INDArray[] {a, b})), 0);
        // Batched A [2, 1, 2] with a 2-D B [2, 1] broadcast over the batch.
        INDArray ab = d(new double[] {1, 2, 3, 4}, 2, 1, 2);
        INDArray col = d(new double[] {1, 10}, 2, 1);
        INDArray y = new MatMul().forward(new INDArray[] {ab, col});
        assertArrayEquals(new long[] {2, 1, 1}, y.shape());
        assertArrayEquals(new double[] {21, 43}, values(y), 0);
        // 1-D A [2] times B [2, 3] gives [3]; 1-D times 1-D gives a scalar.
        INDArray v = d(new double[] {1, 2}, 2);
        INDArray m23 = d(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        INDArray yv = new MatMul().forward(new INDArray[] {v, m23});
        assertArrayEquals(new long[] {3}, yv.shape());
        assertArrayEquals(new double[] {9, 12, 15}, values(yv), 0);
        INDArray dot = new MatMul().forward(new INDArray[] {v, d(new double[] {3, 4}, 2)});
        assertEquals(0, dot.rank());
        assertEquals(11, dot.getDouble(0), 0);
        // Both sides broadcast: A [2, 1, 1, 2] and B [3, 2, 1] give [2, 3, 1, 1] with Y[i, j] = A[i]·B[j].
        INDArray a4 = d(new double[] {1, 2, 3, 4}, 2, 1, 1, 2);
        INDArray b3 = d(new double[] {1, 0, 0, 1, 1, 1}, 3, 2, 1);
        INDArray y4 = new MatMul().forward(new INDArray[] {a4, b3});
        assertArrayEquals(new long[] {2, 3, 1, 1}, y4.shape());
        assertArrayEquals(new double[] {1, 2, 3, 3, 4, 7}, values(y4), 0);
        // The gradient of the broadcast B sums over A's batch: dB[j] = Σ_i A[i]ᵀ (dY = ones) = [4, 6] for every j.
        INDArray[] g = new MatMul().backward(new INDArray[] {a4, b3}, y4, Nd4j.ones(DataType.DOUBLE, 2, 3, 1, 1), new boolean[] {true, true});
        assertArrayEquals(new long[] {3, 2, 1}, g[1].shape());
        assertArrayEquals(new double[] {4, 6, 4, 6, 4, 6}, values(g[1]), 0);
        assertArrayEquals(new long[] {2, 1, 1, 2}, g[0].shape());
        assertArrayEquals(new double[] {2, 2, 2, 2}, values(g[0]), 0);
    }

    @Test
    void denseKnownAnswer() {
        INDArray x = d(new double[] {1, 2, -1, 0}, 2, 2);
        INDArray w = d(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        INDArray b = d(new double[] {1, 1, 1}, 3);
        Dense dense = new Dense();
        INDArray y = dense.forward(new INDArray[] {x, w, b});
        assertArrayEquals(new long[] {2, 3}, y.shape());
        assertArrayEquals(new double[] {10, 13, 16, 0, -1, -2}, values(y), 0);
        INDArray[] g = dense.backward(new INDArray[] {x, w, b}, y, Nd4j.ones(DataType.DOUBLE, 2, 3), new boolean[] {true, true, true});
        assertArrayEquals(new double[] {6, 15, 6, 15}, values(g[0]), 0);
        assertArrayEquals(new double[] {0, 0, 0, 2, 2, 2}, values(g[1]), 0);
        assertArrayEquals(new double[] {2, 2, 2}, values(g[2]), 0);
        assertArrayEquals(new double[] {9, 12, 15, -1, -2, -3}, values(dense.forward(new INDArray[] {x, w})), 0);
        // Same as Gemm with the defaults.
        assertArrayEquals(values(y), values(new Gemm().forward(new INDArray[] {x, w, b})), 0);
    }

    // ---- bad inputs ----------------------------------------------------------------------------------------

    @Test
    void rejectsBadInputs() {
        INDArray a23 = Nd4j.zeros(DataType.DOUBLE, 2, 3);
        INDArray a22 = Nd4j.zeros(DataType.DOUBLE, 2, 2);
        assertIae("alpha NaN", () -> new Gemm(Double.NaN, 1, false, false));
        assertIae("beta Infinity", () -> new Gemm(1, Double.POSITIVE_INFINITY, false, false));
        assertIae("A [2, 3] and B [2, 2]", () -> new Gemm().forward(new INDArray[] {a23, a22}));
        assertIae("(transposed)", () -> new Gemm(1, 1, true, false).forward(new INDArray[] {a22, a23.reshape(3, 2).dup()}));
        assertIae("C shape [3]", () -> new Gemm().forward(new INDArray[] {a22, a22, Nd4j.zeros(DataType.DOUBLE, 3)}));
        assertIae("C shape [1, 2, 2]", () -> new Gemm().forward(new INDArray[] {a22, a22, Nd4j.zeros(DataType.DOUBLE, 1, 2, 2)}));
        assertIae("2-D", () -> new Gemm().forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 1, 2, 2), a22}));
        assertIae("found 1", () -> new Gemm().forward(new INDArray[] {a22}));

        assertIae("A [2, 3] has 3 columns, B [2, 2] has 2 rows", () -> new MatMul().forward(new INDArray[] {a23, a22}));
        assertIae("[2, 3, 4] and B [3, 4, 5]", () -> new MatMul().forward(new INDArray[] {
            Nd4j.zeros(DataType.DOUBLE, 2, 3, 4), Nd4j.zeros(DataType.DOUBLE, 3, 4, 5)}));
        assertIae("rank >= 1", () -> new MatMul().forward(new INDArray[] {Nd4j.scalar(1.0), a22}));

        assertIae("X [2, 3] has 3 features but W [2, 2]", () -> new Dense().forward(new INDArray[] {a23, a22}));
        assertIae("bias must have shape [2]", () -> new Dense().forward(new INDArray[] {a22, a22, Nd4j.zeros(DataType.DOUBLE, 3)}));
        assertIae("found [2, 1]", () -> new Dense().forward(new INDArray[] {a22, a22, Nd4j.zeros(DataType.DOUBLE, 2, 1)}));
        assertIae("2-D X", () -> new Dense().forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 2), a22}));
    }

    // ---- float32 -------------------------------------------------------------------------------------------

    @Test
    void float32Forward() {
        Random rnd = new Random(5);
        assertFloat32(new Gemm(0.5, 2, true, true), GradientCheck.random(rnd, 4, 3), GradientCheck.random(rnd, 5, 4), GradientCheck.random(rnd, 5));
        assertFloat32(new MatMul(), GradientCheck.random(rnd, 2, 1, 3, 4), GradientCheck.random(rnd, 3, 4, 2));
        assertFloat32(new Dense(), GradientCheck.random(rnd, 3, 4), GradientCheck.random(rnd, 4, 2), GradientCheck.random(rnd, 2));
    }

    @Test
    void acceptsNonContiguousOperands() {
        Random rnd = new Random(9);
        INDArray a = GradientCheck.random(rnd, 3, 4);
        INDArray b = GradientCheck.random(rnd, 5, 4);
        // A transposed view as operand equals the transB flag.
        INDArray viaView = new MatMul().forward(new INDArray[] {a, b.transpose()});
        INDArray viaFlag = new Gemm(1, 1, false, true).forward(new INDArray[] {a, b});
        assertEquals(0, viaView.sub(viaFlag).amaxNumber().doubleValue(), 1e-12);
        assertEquals('c', viaView.ordering());
    }
}
