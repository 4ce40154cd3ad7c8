package dev.cnnviz.core.graph.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.Op;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The static shape functions agree with the forward passes: for random small configurations of the main operators
 * (valid or not), {@code outputShape} returns exactly {@code forward(...).shape()}, and where it refuses the inputs,
 * the forward pass refuses them too. Each property must see mostly valid configurations (checked after the run),
 * so the comparison is not vacuous.
 */
class OutputShapePropertyTest {

    /** Per property: {valid, refused} case counts. */
    private static final Map<String, AtomicIntegerArray> COUNTS = new ConcurrentHashMap<>();

    private static INDArray rand(Random rnd, long... shape) {
        return Shapes.count(shape) == 0 ? Nd4j.create(DataType.FLOAT, shape) : Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }

    private static long[] shape(Random rnd, int rank, int max) {
        long[] s = new long[rank];
        for (int i = 0; i < rank; i++) {
            s[i] = 1 + rnd.nextInt(max);
        }
        return s;
    }

    private static <T> T pick(Random rnd, T[] values) {
        return values[rnd.nextInt(values.length)];
    }

    /** Compares the shape function with the forward pass for one call. */
    private static void agree(String property, Op op, INDArray... in) {
        long[][] shapes = new long[in.length][];
        for (int i = 0; i < in.length; i++) {
            shapes[i] = in[i].shape().clone();
        }
        String what = op + " on " + Arrays.deepToString(shapes);
        AtomicIntegerArray counts = COUNTS.computeIfAbsent(property, k -> new AtomicIntegerArray(2));
        long[] expected;
        try {
            expected = op.outputShape(shapes);
        } catch (IllegalArgumentException refused) {
            counts.incrementAndGet(1);
            assertThrows(RuntimeException.class, () -> op.forward(in).close(),
                    "the shape function refused " + what + " (" + refused.getMessage() + ") but forward accepted it");
            return;
        }
        counts.incrementAndGet(0);
        INDArray y = op.forward(in);
        try {
            assertArrayEquals(y.shape(), expected, what);
        } finally {
            y.close();
        }
        for (int i = 0; i < in.length; i++) {
            assertArrayEquals(in[i].shape(), shapes[i], "the shape function modified its input shape " + i);
        }
    }

    @AfterContainer
    static void mostCasesWereValid() {
        for (Map.Entry<String, AtomicIntegerArray> e : COUNTS.entrySet()) {
            int valid = e.getValue().get(0);
            int refused = e.getValue().get(1);
            assertTrue(valid >= 2 * refused / 3 && valid >= 20, e.getKey() + ": only " + valid + " valid cases against " + refused + " refused");
        }
    }

    @Property(tries = 120)
    void conv(@ForAll long seed) {
        Random rnd = new Random(seed);
        int group = 1 + rnd.nextInt(3);
        int cg = 1 + rnd.nextInt(3);
        int og = 1 + rnd.nextInt(3);
        int kh = 1 + rnd.nextInt(4);
        int kw = 1 + rnd.nextInt(4);
        int[] pads = {rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(3)};
        Conv op = new Conv(new int[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)}, pads, new int[] {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)},
                group, pick(rnd, AutoPad.values()));
        // mostly the channels the weights need, sometimes not
        long c = rnd.nextInt(6) == 0 ? cg * group + 1 : cg * group;
        INDArray x = rand(rnd, 1 + rnd.nextInt(2), c, 2 + rnd.nextInt(9), 2 + rnd.nextInt(9));
        INDArray w = rand(rnd, (long) og * group, cg, kh, kw);
        if (rnd.nextBoolean()) {
            agree("conv", op, x, w, rand(rnd, (long) og * group));
        } else {
            agree("conv", op, x, w);
        }
    }

    @Property(tries = 80)
    void convTranspose(@ForAll long seed) {
        Random rnd = new Random(seed);
        int group = 1 + rnd.nextInt(2);
        int cg = 1 + rnd.nextInt(3);
        int og = 1 + rnd.nextInt(3);
        int stride = 1 + rnd.nextInt(3);
        int dil = 1 + rnd.nextInt(2);
        int[] outPad = {rnd.nextInt(Math.max(stride, dil)), rnd.nextInt(Math.max(stride, dil))};
        ConvTranspose op = new ConvTranspose(new int[] {stride, stride}, new int[] {rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(3)},
                new int[] {dil, dil}, group, outPad, pick(rnd, AutoPad.values()));
        INDArray x = rand(rnd, 1 + rnd.nextInt(2), (long) cg * group, 1 + rnd.nextInt(6), 1 + rnd.nextInt(6));
        INDArray w = rand(rnd, (long) cg * group, og, 1 + rnd.nextInt(4), 1 + rnd.nextInt(4));
        if (rnd.nextBoolean()) {
            agree("convTranspose", op, x, w, rand(rnd, (long) og * group));
        } else {
            agree("convTranspose", op, x, w);
        }
    }

    @Property(tries = 120)
    void pooling(@ForAll long seed) {
        Random rnd = new Random(seed);
        int[] k = {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
        int[] s = {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
        int[] d = rnd.nextBoolean() ? new int[] {1, 1} : new int[] {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)};
        int[] pads = new int[4];
        for (int i = 0; i < 4; i++) {
            pads[i] = rnd.nextInt(k[i % 2]);
        }
        boolean ceil = rnd.nextBoolean();
        AutoPad auto = pick(rnd, AutoPad.values());
        INDArray x = rand(rnd, 1 + rnd.nextInt(2), 1 + rnd.nextInt(3), 1 + rnd.nextInt(9), 1 + rnd.nextInt(9));
        if (rnd.nextBoolean()) {
            agree("pooling", new MaxPool(k, s, pads, d, ceil, auto), x);
        } else {
            agree("pooling", new AveragePool(k, s, pads, ceil, rnd.nextBoolean(), auto), x);
        }
    }

    @Property(tries = 60)
    void padAndResize(@ForAll long seed) {
        Random rnd = new Random(seed);
        int rank = 1 + rnd.nextInt(4);
        PadMode mode = pick(rnd, PadMode.values());
        int[] pads = new int[2 * rank];
        for (int i = 0; i < pads.length; i++) {
            pads[i] = mode == PadMode.CONSTANT ? rnd.nextInt(5) - 1 : rnd.nextInt(3);
        }
        agree("pad", new Pad(pads, mode, 0.5), rand(rnd, shape(rnd, rank, 5)));
        double[] scales = {0.5, 1, 1.5, 2, 3};
        Resize r = new Resize(pick(rnd, Interpolation.values()), scales[rnd.nextInt(scales.length)], scales[rnd.nextInt(scales.length)],
                rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(9), rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(9),
                pick(rnd, CoordinateTransform.values()), pick(rnd, NearestMode.values()));
        agree("resize", r, rand(rnd, 1 + rnd.nextInt(2), 1 + rnd.nextInt(3), 1 + rnd.nextInt(6), 1 + rnd.nextInt(6)));
    }

    @Property(tries = 80)
    void shapeOperators(@ForAll long seed) {
        Random rnd = new Random(seed);
        int rank = 1 + rnd.nextInt(4);
        long[] s = shape(rnd, rank, 4);
        INDArray x = rand(rnd, s);
        int axis = rnd.nextInt(2 * rank) - rank;
        int a = axis < 0 ? axis + rank : axis;
        int parts = 1 + rnd.nextInt(3);
        INDArray[] in = new INDArray[parts];
        for (int i = 0; i < parts; i++) {
            long[] p = s.clone();
            p[a] = i == 0 ? 1 + rnd.nextInt(3) : rnd.nextInt(4); // other parts may be empty along the axis
            if (rnd.nextInt(8) == 0) {
                p[(a + 1) % rank] += 1;
            }
            in[i] = rand(rnd, p);
        }
        agree("concat", new Concat(axis), in);
        agree("flatten", new Flatten(rnd.nextInt(2 * rank + 1) - rank), x);
        int[] perm = java.util.stream.IntStream.range(0, rank).toArray();
        for (int i = rank - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        agree("transpose", new Transpose(rnd.nextInt(4) == 0 ? null : perm), x);
        long[] target = switch (rnd.nextInt(4)) {
            case 0 -> new long[] {0, -1};
            case 1 -> new long[] {-1};
            case 2 -> new long[] {s[0], -1, 1};
            default -> new long[] {1 + rnd.nextInt(4), -1};
        };
        agree("reshape", new Reshape(target), x);
    }

    @Property(tries = 80)
    void gemmAndBroadcasting(@ForAll long seed) {
        Random rnd = new Random(seed);
        long m = 1 + rnd.nextInt(4);
        long k = 1 + rnd.nextInt(4);
        long n = 1 + rnd.nextInt(4);
        boolean ta = rnd.nextBoolean();
        boolean tb = rnd.nextBoolean();
        INDArray a = ta ? rand(rnd, k, m) : rand(rnd, m, k);
        INDArray b = tb ? rand(rnd, n, rnd.nextInt(8) == 0 ? k + 1 : k) : rand(rnd, k, n);
        long[][] cs = {{n}, {1, n}, {m, 1}, {m, n}, {1}, {m}};
        Gemm gemm = new Gemm(1.5, 0.5, ta, tb);
        if (rnd.nextBoolean()) {
            agree("gemm", gemm, a, b, rand(rnd, cs[rnd.nextInt(cs.length)]));
        } else {
            agree("gemm", gemm, a, b);
        }
        int rank = 1 + rnd.nextInt(4);
        long[] full = shape(rnd, rank, 3);
        long[][] operands = new long[3][];
        for (int i = 0; i < 3; i++) {
            int r = 1 + rnd.nextInt(rank);
            long[] o = Arrays.copyOfRange(full, rank - r, rank);
            for (int j = 0; j < o.length; j++) {
                if (rnd.nextInt(3) == 0) {
                    o[j] = 1;
                } else if (rnd.nextInt(12) == 0) {
                    o[j] += 1;
                }
            }
            operands[i] = o;
        }
        Op[] binary = {new Add(), new Sub(), new Mul(), new Div()};
        agree("broadcasting", binary[rnd.nextInt(4)], rand(rnd, operands[0]), rand(rnd, operands[1]));
        agree("sum", new Sum(), rand(rnd, operands[0]), rand(rnd, operands[1]), rand(rnd, operands[2]));
    }
}
