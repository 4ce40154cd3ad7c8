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

class ResizeTest {

    record Case(int n, int c, int h, int w, Interpolation mode, CoordinateTransform transform, NearestMode nearest, boolean sizes,
            int outH, int outW, double scaleH, double scaleW, long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Double> scales = Arbitraries.of(0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0);
        return Combinators.combine(Arbitraries.integers().between(1, 2), Arbitraries.integers().between(1, 2),
                Arbitraries.integers().between(1, 5), Arbitraries.integers().between(1, 5), Arbitraries.of(Interpolation.values()),
                Arbitraries.of(CoordinateTransform.values()), Arbitraries.of(NearestMode.values()), Arbitraries.of(true, false))
                .as((n, c, h, w, m, t, nm, sz) -> new Case(n, c, h, w, m, t, nm, sz, 0, 0, 0, 0, 0))
                .flatMap(k -> Combinators.combine(Arbitraries.integers().between(1, 8), Arbitraries.integers().between(1, 8), scales, scales,
                        Arbitraries.longs()).as((oh, ow, sh, sw, seed) -> {
                            // With scales, keep floor(in · scale) >= 1.
                            double fh = k.h * sh < 1 ? 1.0 : sh;
                            double fw = k.w * sw < 1 ? 1.0 : sw;
                            return new Case(k.n, k.c, k.h, k.w, k.mode, k.transform, k.nearest, k.sizes, k.sizes ? oh : 0, k.sizes ? ow : 0,
                                    k.sizes ? 0 : fh, k.sizes ? 0 : fw, seed);
                        }));
    }

    /** ONNX input coordinate of output index o. */
    static double coordinate(int o, int in, int out, double scale, CoordinateTransform t) {
        return switch (t) {
            case HALF_PIXEL -> (o + 0.5) / scale - 0.5;
            case PYTORCH_HALF_PIXEL -> out > 1 ? (o + 0.5) / scale - 0.5 : 0;
            case ALIGN_CORNERS -> out == 1 ? 0 : o * (in - 1.0) / (out - 1.0);
            case ASYMMETRIC -> o / scale;
        };
    }

    static int nearest(double v, NearestMode m, int in) {
        double fl = Math.floor(v);
        double frac = v - fl;
        double r = switch (m) {
            case ROUND_PREFER_FLOOR -> frac <= 0.5 ? fl : fl + 1;
            case ROUND_PREFER_CEIL -> frac < 0.5 ? fl : fl + 1;
            case FLOOR -> fl;
            case CEIL -> Math.ceil(v);
        };
        return (int) Math.max(0, Math.min(in - 1, r));
    }

    /** Per-pixel reference (direct sampling, no matrices). */
    static INDArray reference(INDArray x, Case c) {
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        int oh = c.outH > 0 ? c.outH : (int) Math.floor(h * c.scaleH);
        int ow = c.outW > 0 ? c.outW : (int) Math.floor(w * c.scaleW);
        double sh = c.outH > 0 ? (double) oh / h : c.scaleH;
        double sw = c.outW > 0 ? (double) ow / w : c.scaleW;
        INDArray y = Nd4j.create(DataType.DOUBLE, x.size(0), x.size(1), oh, ow);
        for (int n = 0; n < x.size(0); n++) {
            for (int ch = 0; ch < x.size(1); ch++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double yi = coordinate(i, h, oh, sh, c.transform);
                        double xj = coordinate(j, w, ow, sw, c.transform);
                        double v;
                        if (c.mode == Interpolation.NEAREST) {
                            v = x.getDouble(n, ch, nearest(yi, c.nearest, h), nearest(xj, c.nearest, w));
                        } else {
                            double cy = Math.max(0, Math.min(h - 1, yi));
                            double cx = Math.max(0, Math.min(w - 1, xj));
                            int y0 = (int) cy;
                            int x0 = (int) cx;
                            int y1 = Math.min(y0 + 1, h - 1);
                            int x1 = Math.min(x0 + 1, w - 1);
                            double ly = cy - y0;
                            double lx = cx - x0;
                            v = (1 - ly) * ((1 - lx) * x.getDouble(n, ch, y0, x0) + lx * x.getDouble(n, ch, y0, x1))
                                    + ly * ((1 - lx) * x.getDouble(n, ch, y1, x0) + lx * x.getDouble(n, ch, y1, x1));
                        }
                        y.putScalar(new long[] {n, ch, i, j}, v);
                    }
                }
            }
        }
        return y;
    }

    @Property(tries = 30)
    void matchesReferenceAndFiniteDifferences(@ForAll("cases") Case c) {
        Random rnd = new Random(c.seed);
        Resize op = new Resize(c.mode, c.scaleH, c.scaleW, c.outH, c.outW, c.transform, c.nearest);
        INDArray x = GradientCheck.random(rnd, c.n, c.c, c.h, c.w);
        assertClose(reference(x, c), op.forward(new INDArray[] {x}), 1e-12);
        GradientCheck.check(op, new INDArray[] {x}, new boolean[] {true}, c.seed, 1e-6, 1e-5, 1e-4, 60);
    }

    @Test
    void bilinearMatchesPyTorch() {
        // torch.nn.functional.interpolate([[1,2],[3,4]], size=(4,4), mode='bilinear', align_corners=False)
        INDArray x = arr(new double[] {1, 2, 3, 4}, 1, 1, 2, 2);
        INDArray expected = arr(new double[] {
            1.0, 1.25, 1.75, 2.0,
            1.5, 1.75, 2.25, 2.5,
            2.5, 2.75, 3.25, 3.5,
            3.0, 3.25, 3.75, 4.0}, 1, 1, 4, 4);
        assertClose(expected, Resize.bilinear(4, 4).forward(new INDArray[] {x}), 1e-12);
        // The same through scales instead of sizes.
        Resize byScale = new Resize(Interpolation.LINEAR, 2, 2, 0, 0, CoordinateTransform.HALF_PIXEL, null);
        assertClose(expected, byScale.forward(new INDArray[] {x}), 1e-12);
        // align_corners=True, 2 -> 3: [1, 1.5, 2] along each axis.
        Resize corners = new Resize(Interpolation.LINEAR, 0, 0, 3, 3, CoordinateTransform.ALIGN_CORNERS, null);
        assertClose(arr(new double[] {1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4}, 1, 1, 3, 3), corners.forward(new INDArray[] {x}), 1e-12);
    }

    @Test
    void nearestKnownAnswers() {
        INDArray x = arr(new double[] {1, 2, 3, 4}, 1, 1, 2, 2);
        assertClose(arr(new double[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, 1, 1, 4, 4),
                Resize.upsampleNearest(2).forward(new INDArray[] {x}), 0);
        // Gradient of the x2 upsampling: every input pixel collects its 2x2 block.
        INDArray g = Resize.upsampleNearest(2).backward(new INDArray[] {x}, null, Nd4j.ones(DataType.DOUBLE, 1, 1, 4, 4), new boolean[] {true})[0];
        assertClose(arr(new double[] {4, 4, 4, 4}, 1, 1, 2, 2), g, 0);
        // Halving a row of 4 with half_pixel: coordinates 0.5 and 2.5, so the rounding of halves decides.
        INDArray row = arr(new double[] {10, 11, 12, 13}, 1, 1, 1, 4);
        assertClose(arr(new double[] {10, 12}, 1, 1, 1, 2), nearestRow(2, CoordinateTransform.HALF_PIXEL, NearestMode.ROUND_PREFER_FLOOR).forward(new INDArray[] {row}), 0);
        assertClose(arr(new double[] {11, 13}, 1, 1, 1, 2), nearestRow(2, CoordinateTransform.HALF_PIXEL, NearestMode.ROUND_PREFER_CEIL).forward(new INDArray[] {row}), 0);
        // 2 -> 3 asymmetric (scale 1.5): coordinates 0, 0.667, 1.333.
        INDArray two = arr(new double[] {10, 11}, 1, 1, 1, 2);
        assertClose(arr(new double[] {10, 11, 11}, 1, 1, 1, 3), nearestRow(3, CoordinateTransform.ASYMMETRIC, NearestMode.ROUND_PREFER_FLOOR).forward(new INDArray[] {two}), 0);
        assertClose(arr(new double[] {10, 10, 11}, 1, 1, 1, 3), nearestRow(3, CoordinateTransform.ASYMMETRIC, NearestMode.FLOOR).forward(new INDArray[] {two}), 0);
        assertClose(arr(new double[] {10, 11, 11}, 1, 1, 1, 3), nearestRow(3, CoordinateTransform.ASYMMETRIC, NearestMode.CEIL).forward(new INDArray[] {two}), 0);
        // Scale 1.5 on a height of 3 gives floor(4.5) = 4 rows.
        Resize s = new Resize(Interpolation.NEAREST, 1.5, 1, 0, 0, CoordinateTransform.ASYMMETRIC, NearestMode.FLOOR);
        assertArrayEquals(new long[] {1, 1, 4, 2}, s.forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 1, 1, 3, 2)}).shape());
    }

    private static Resize nearestRow(int outW, CoordinateTransform t, NearestMode m) {
        return new Resize(Interpolation.NEAREST, 0, 0, 1, outW, t, m);
    }

    @Test
    void float32Works() {
        INDArray x = GradientCheck.random(new Random(8), 2, 3, 5, 4);
        for (Resize op : new Resize[] {Resize.bilinear(7, 9), Resize.upsampleNearest(3),
            new Resize(Interpolation.LINEAR, 0.6, 1.7, 0, 0, CoordinateTransform.PYTORCH_HALF_PIXEL, null)}) {
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
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Resize.bilinear(4, 4).forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 1, 2, 2)}));
        assertTrue(e.getMessage().contains("[1, 2, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Resize(Interpolation.LINEAR, 0, 0, -3, 4, null, null));
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Resize(Interpolation.LINEAR, Double.NaN, 2, 0, 0, null, null));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Resize(Interpolation.LINEAR, 2, 0, 0, 0, null, null));
        assertTrue(e.getMessage().contains("scaleW = 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Resize.upsampleNearest(0));
        assertTrue(e.getMessage().contains("found 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Resize(Interpolation.NEAREST, 0.2, 1, 0, 0, null, null).forward(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 1, 1, 3, 3)}));
        assertTrue(e.getMessage().contains("0.2") && e.getMessage().contains("[1, 1, 3, 3]"), e.getMessage());
    }

    @Test
    void defaultsAndValueSemantics() {
        Resize r = new Resize(null, 2, 2, 0, 0, null, null);
        assertEquals(Interpolation.NEAREST, r.interpolation());
        assertEquals(CoordinateTransform.HALF_PIXEL, r.transform());
        assertEquals(NearestMode.ROUND_PREFER_FLOOR, r.nearestMode());
        assertEquals(Resize.bilinear(3, 4), Resize.bilinear(3, 4));
        assertTrue(Resize.upsampleNearest(2).toString().contains("NEAREST"), Resize.upsampleNearest(2).toString());
    }
}
