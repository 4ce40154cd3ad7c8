package dev.cnnviz.core.inspect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.AveragePool;
import dev.cnnviz.core.graph.ops.Concat;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.ConvTranspose;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.PadMode;
import dev.cnnviz.core.graph.ops.Relu;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Receptive fields: known answers for hand-built stacks, and the defining property checked by perturbation. */
class ReceptiveFieldTest {

    private static INDArray weights(Random r, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian();
        }
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    private static Conv conv(int stride, int pad, int dilation) {
        return new Conv(new int[] {stride, stride}, new int[] {pad, pad, pad, pad}, new int[] {dilation, dilation}, 1,
                AutoPad.NOTSET);
    }

    private static ReceptiveField rf(Graph g, String layer) {
        return ReceptiveField.of(g, layer);
    }

    private static void assertField(ReceptiveField f, long size, long stride, long offset) {
        assertArrayEquals(new long[] {size, size}, f.size(), "size of " + f);
        assertArrayEquals(new long[] {stride, stride}, f.stride(), "stride of " + f);
        assertArrayEquals(new long[] {offset, offset}, f.offset(), "offset of " + f);
    }

    @Test
    void twoPaddedThreeByThreeConvolutionsSeeFiveByFive() {
        Random r = new Random(1);
        Graph g = Graph.builder().input("x", 1, 16, 16)
                .constant("w1", weights(r, 2, 1, 3, 3)).add("c1", conv(1, 1, 1), "x", "w1")
                .add("r1", new Relu(), "c1")
                .constant("w2", weights(r, 2, 2, 3, 3)).add("c2", conv(1, 1, 1), "r1", "w2")
                .build();
        assertField(rf(g, "x"), 1, 1, 0);
        assertField(rf(g, "c1"), 3, 1, -1);
        assertField(rf(g, "r1"), 3, 1, -1);
        assertField(rf(g, "c2"), 5, 1, -2);
        assertArrayEquals(new int[] {0, 0, 3, 3}, rf(g, "c2").box(0, 0), "clipped at the top-left border");
        assertArrayEquals(new int[] {3, 5, 8, 10}, rf(g, "c2").box(5, 7));
        assertArrayEquals(new int[] {13, 13, 16, 16}, rf(g, "c2").box(15, 15), "clipped at the bottom-right border");
    }

    @Test
    void resNetStemConvolutionThenMaxPool() {
        Random r = new Random(2);
        Graph g = Graph.builder().input("x", 3, 32, 32)
                .constant("w", weights(r, 4, 3, 7, 7)).add("conv", conv(2, 3, 1), "x", "w")
                .add("pool", new MaxPool(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1},
                        false, AutoPad.NOTSET), "conv")
                .build();
        assertField(rf(g, "conv"), 7, 2, -3);
        assertField(rf(g, "pool"), 11, 4, -5);
        assertArrayEquals(new int[] {0, 0, 6, 6}, rf(g, "pool").box(0, 0));
        assertArrayEquals(new int[] {23, 23, 32, 32}, rf(g, "pool").box(7, 7));
        assertArrayEquals(new long[] {32, 32}, rf(g, "pool").inputSize());
    }

    @Test
    void dilationsMultiplyTheKernelSpan() {
        Random r = new Random(3);
        Graph g = Graph.builder().input("x", 1, 40, 40)
                .constant("w1", weights(r, 1, 1, 3, 3)).add("d2", conv(1, 2, 2), "x", "w1")
                .constant("w2", weights(r, 1, 1, 3, 3)).add("d4", conv(1, 4, 4), "d2", "w2")
                .build();
        assertField(rf(g, "d2"), 5, 1, -2);
        assertField(rf(g, "d4"), 13, 1, -6);
    }

    @Test
    void averagePoolThenValidConvolutionAndAPadNode() {
        Random r = new Random(4);
        Graph g = Graph.builder().input("x", 1, 12, 12)
                .add("avg", AveragePool.of(2, 2), "x")
                .constant("w", weights(r, 1, 1, 3, 3)).add("c", Conv.simple(), "avg", "w")
                .add("pad", new Pad(new int[] {0, 0, 1, 2, 0, 0, 1, 2}, PadMode.CONSTANT, 0), "x")
                .constant("w2", weights(r, 1, 1, 3, 3)).add("c2", conv(2, 0, 1), "pad", "w2")
                .build();
        assertField(rf(g, "avg"), 2, 2, 0);
        assertField(rf(g, "c"), 6, 2, 0);
        assertArrayEquals(new long[] {3, 3}, rf(g, "c2").size());
        assertArrayEquals(new long[] {2, 2}, rf(g, "c2").stride());
        assertArrayEquals(new long[] {-1, -2}, rf(g, "c2").offset(), "the Pad node's top and left pads");
        assertArrayEquals(new int[] {0, 0, 2, 1}, rf(g, "c2").box(0, 0), "clipped to the pixels under the window");
        assertArrayEquals(new int[] {0, 0, 0, 0}, rf(g, "pad").box(0, 0), "a padding pixel depends on no pixel");
        assertArrayEquals(new int[] {0, 0, 1, 1}, rf(g, "pad").box(1, 2));
        assertThrows(IllegalArgumentException.class, () -> rf(g, "c2").box(6, 0), "outside the layer's 6 rows");
    }

    @Test
    void aDilatedWindowReadsOnlyItsTaps() {
        Random r = new Random(5);
        // taps of unit 0 at -2 and 2: only pixel 2 of 3 is read, though the span [-2, 2] covers all three
        Graph g = Graph.builder().input("x", 1, 3, 3)
                .constant("w", weights(r, 1, 1, 2, 2)).add("c", conv(1, 2, 4), "x", "w")
                .build();
        assertArrayEquals(new int[] {2, 2, 3, 3}, rf(g, "c").box(0, 0));
        // the case a property run found: the last layer's taps (-1 and 1) both miss its 1 x 1 input, so the unit is
        // the bias alone and no pixel can change it
        Graph h = Graph.builder().input("x", 1, 12, 12)
                .add("l0", new MaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1},
                        false, AutoPad.NOTSET), "x")
                .add("l1", AveragePool.of(2, 2), "l0")
                .add("l2", AveragePool.of(2, 2), "l1")
                .constant("w", weights(r, 1, 1, 2, 2)).add("l3", conv(2, 1, 2), "l2", "w")
                .build();
        assertArrayEquals(new int[] {0, 0, 0, 0}, rf(h, "l3").box(0, 0));
        assertArrayEquals(new int[] {0, 0, 7, 7}, rf(h, "l2").box(0, 0));
    }

    @Test
    void samePaddingDependsOnTheInputSize() {
        for (int size : new int[] {8, 9}) {
            Graph g = Graph.builder().input("x", 1, size, size)
                    .constant("w", weights(new Random(5), 1, 1, 3, 3))
                    .add("c", new Conv(new int[] {2, 2}, new int[4], new int[] {1, 1}, 1, AutoPad.SAME_UPPER), "x", "w")
                    .build();
            // SAME_UPPER pads 1 in total for 8 (none at the top), 2 for 9 (one at the top)
            assertField(ReceptiveField.of(g, "c", 1, 1, size, size), 3, 2, size == 8 ? 0 : -1);
        }
    }

    @Test
    void branchesMeetAsTheUnionOfTheirFields() {
        Random r = new Random(6);
        Graph g = Graph.builder().input("x", 1, 16, 16)
                .constant("w1", weights(r, 2, 1, 1, 1)).add("e1", Conv.simple(), "x", "w1")
                .constant("w3", weights(r, 2, 1, 3, 3)).add("e3", conv(1, 1, 1), "x", "w3")
                .add("cat", new Concat(1), "e1", "e3")
                .constant("ws", weights(r, 2, 1, 1, 1)).add("s2", conv(2, 0, 1), "x", "ws")
                .constant("w9", weights(r, 2, 1, 9, 9)).add("k9", Conv.simple(), "x", "w9")
                .add("bad", new Concat(1), "s2", "k9")
                .build();
        assertField(rf(g, "cat"), 3, 1, -1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rf(g, "bad"));
        assertTrue(e.getMessage().contains("different strides"), e.getMessage());
    }

    @Test
    void globalPoolingSeesTheWholeImageAndUnmappedOperatorsAreNamed() {
        Random r = new Random(7);
        Graph g = Graph.builder().input("x", 1, 10, 10)
                .constant("w", weights(r, 2, 1, 3, 3)).add("c", conv(1, 1, 1), "x", "w")
                .add("gap", new GlobalAveragePool(), "c")
                .add("flat", new Flatten(), "gap")
                .constant("wt", weights(r, 2, 2, 2, 2)).add("up", ConvTranspose.of(2, 0), "c", "wt")
                .add("upr", new Relu(), "up")
                .build();
        ReceptiveField gap = rf(g, "gap");
        assertTrue(gap.isGlobal());
        assertTrue(rf(g, "flat").isGlobal());
        assertArrayEquals(new int[] {0, 0, 10, 10}, gap.box(0, 0));
        assertEquals("global", gap.describe());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rf(g, "upr"));
        assertTrue(e.getMessage().contains("ConvTranspose") && e.getMessage().contains("'up'"), e.getMessage());
        assertFalse(ReceptiveField.all(g).containsKey("upr"));
        assertTrue(ReceptiveField.all(g).containsKey("c"));
        IllegalArgumentException constant = assertThrows(IllegalArgumentException.class, () -> rf(g, "w"));
        assertTrue(constant.getMessage().contains("constant"), constant.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> rf(g, "nope"));
        assertTrue(unknown.getMessage().contains("nope"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> rf(g, "c").box(-1, 0));
    }

    /**
     * The defining property, on random stacks of convolutions (strides, padding, dilations), max and average pooling
     * and padding: changing a pixel outside a unit's box never changes the unit; changing some pixel inside does (unless
     * the box is empty: a unit whose window covers only padding depends on no pixel).
     */
    @Property(tries = 50)
    void pixelsOutsideTheFieldNeverChangeTheUnitAndSomeInsideDo(@ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
        Random r = new Random(seed);
        int size = 12 + r.nextInt(8);
        Graph.Builder b = Graph.builder().input("x", 1, size, size);
        String cur = "x";
        int channels = 1;
        long spatial = size;
        int layers = 1 + r.nextInt(4);
        for (int i = 0; i < layers; i++) {
            String name = "l" + i;
            int kind = r.nextInt(5);
            if (kind <= 1) {
                int k = 1 + r.nextInt(4);
                int s = 1 + r.nextInt(2);
                int d = 1 + r.nextInt(2);
                int p = r.nextInt(k);
                if ((long) (k - 1) * d + 1 > spatial + 2L * p) {
                    continue;
                }
                int out = 1 + r.nextInt(2);
                b.constant(name + "_w", weights(r, out, channels, k, k)).add(name, conv(s, p, d), cur, name + "_w");
                channels = out;
                spatial = (spatial + 2L * p - ((long) (k - 1) * d + 1)) / s + 1;
            } else if (kind == 2) {
                int k = 2 + r.nextInt(2);
                int s = 1 + r.nextInt(2);
                int p = r.nextInt(k);
                if (k > spatial + 2L * p) {
                    continue;
                }
                b.add(name, new MaxPool(new int[] {k, k}, new int[] {s, s}, new int[] {p, p, p, p}, new int[] {1, 1},
                        false, AutoPad.NOTSET), cur);
                spatial = (spatial + 2L * p - k) / s + 1;
            } else if (kind == 3) {
                int k = 2;
                if (k > spatial) {
                    continue;
                }
                b.add(name, AveragePool.of(k, 2), cur);
                spatial = (spatial - k) / 2 + 1;
            } else {
                int p = 1 + r.nextInt(2);
                b.add(name, new Pad(new int[] {0, 0, p, 0, 0, 0, 0, p}, PadMode.CONSTANT, 0.5), cur);
                spatial += p;
            }
            cur = name;
        }
        if (cur.equals("x")) {
            return;
        }
        Graph g = b.build().withNd4jOnly();
        long[] outShape = g.shapes(1, 1, size, size).get(cur);
        ReceptiveField field = ReceptiveField.of(g, cur);
        INDArray x = weights(r, 1, 1, size, size);
        long oy = r.nextInt((int) outShape[2]);
        long ox = r.nextInt((int) outShape[3]);
        int oc = r.nextInt((int) outShape[1]);
        int[] box = field.box(oy, ox);
        // every pixel, perturbed by +1000 and by -1000, as one batch: example 0 is the unperturbed image
        int n = 1 + 2 * size * size;
        INDArray batch = Nd4j.create(DataType.DOUBLE, n, 1, size, size);
        for (int e = 0; e < n; e++) {
            batch.slice(e).assign(x.slice(0));
        }
        for (int p = 0; p < size * size; p++) {
            int y = p / size;
            int xx = p % size;
            batch.putScalar(new long[] {1 + 2L * p, 0, y, xx}, x.getDouble(0, 0, y, xx) + 1000);
            batch.putScalar(new long[] {2 + 2L * p, 0, y, xx}, x.getDouble(0, 0, y, xx) - 1000);
        }
        boolean someInsideMatters = false;
        try (ForwardPass pass = g.forward(batch)) {
            INDArray out = pass.get(cur);
            double base = out.getDouble(0, oc, oy, ox);
            // examples of one batch can take different vector code paths: a pixel outside may move the unit by rounding
            // (seen: 1 ulp), while a ±1000 change inside moves it far more
            double rounding = 1e-9 * (1 + Math.abs(base));
            for (int p = 0; p < size * size; p++) {
                int y = p / size;
                int xx = p % size;
                boolean inside = y >= box[0] && y < box[2] && xx >= box[1] && xx < box[3];
                for (int e = 1 + 2 * p; e <= 2 + 2 * p; e++) {
                    double v = out.getDouble(e, oc, oy, ox);
                    if (!inside) {
                        assertEquals(base, v, rounding, "pixel (" + y + ", " + xx + ") outside " + Arrays.toString(box)
                                + " changed unit (" + oy + ", " + ox + ") of " + field + " in " + g.summary());
                    } else if (Math.abs(v - base) > 1e3 * rounding) {
                        someInsideMatters = true;
                    }
                }
            }
        }
        boolean empty = box[0] == box[2] || box[1] == box[3]; // a unit whose window covers only padding
        assertTrue(empty || someInsideMatters, "no pixel inside " + Arrays.toString(box) + " changes unit (" + oy + ", " + ox
                + ") of " + field + " in " + g.summary());
    }
}
