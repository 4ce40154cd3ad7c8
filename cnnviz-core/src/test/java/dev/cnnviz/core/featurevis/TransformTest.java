package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Known answers, shapes, determinism and bad inputs of the transforms. */
class TransformTest {
    private static final SplittableRandom ANY = new SplittableRandom(0);

    private static double[] ramp(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i + 1;
        }
        return v;
    }

    private static double[] run(ImageTransform.Sampled s, double[] x) {
        long[] o = s.outputShape();
        double[] y = new double[(int) (o[0] * o[1] * o[2] * o[3])];
        s.forward(x, y);
        return y;
    }

    @Test
    void padsAsNumpy() {
        // One row [1 2 3 4]: numpy.pad(..., 2, 'reflect') = [3 2 1 2 3 4 3 2].
        double[] reflected = run(Pad.reflect(2).sample(ANY, new long[] {1, 1, 3, 4}), ramp(12));
        assertEquals(7 * 8, reflected.length);
        assertArrayEquals(new double[] {3, 2, 1, 2, 3, 4, 3, 2}, Arrays.copyOfRange(reflected, 2 * 8, 3 * 8), 0);
        assertArrayEquals(new double[] {11, 10, 9, 10, 11, 12, 11, 10}, Arrays.copyOfRange(reflected, 0, 8), 0,
                "the first row mirrors row 2");
        double[] constant = run(Pad.constant(1, 0.5).sample(ANY, new long[] {1, 1, 2, 2}), new double[] {1, 2, 3, 4});
        assertArrayEquals(new double[] {.5, .5, .5, .5, .5, 1, 2, .5, .5, 3, 4, .5, .5, .5, .5, .5}, constant, 0);
    }

    @Test
    void jitterCropsAtTheDrawnOffsetForTheWholeBatch() {
        long[] shape = {2, 3, 10, 12};
        double[] x = ramp(2 * 3 * 10 * 12);
        Set<String> offsets = new HashSet<>();
        SplittableRandom rng = new SplittableRandom(9);
        for (int k = 0; k < 60; k++) {
            ImageTransform.Sampled s = Jitter.of(3).sample(rng, shape);
            assertArrayEquals(new long[] {2, 3, 7, 9}, s.outputShape());
            double[] y = run(s, x);
            // The top-left value of every plane tells the offset; all planes agree.
            int first = (int) y[0] - 1;
            int dy = first / 12;
            int dx = first % 12;
            assertTrue(dy <= 3 && dx <= 3, s.toString());
            for (int plane = 0; plane < 6; plane++) {
                for (int i = 0; i < 7; i++) {
                    for (int j = 0; j < 9; j++) {
                        assertEquals(x[plane * 120 + (i + dy) * 12 + j + dx], y[plane * 63 + i * 9 + j], 0);
                    }
                }
            }
            offsets.add(dy + "," + dx);
        }
        assertTrue(offsets.size() > 10, "offsets 0..3 both ways are drawn: " + offsets);
    }

    @Test
    void cropOrPadCentres() {
        double[] cropped = run(CropOrPad.to(2, 2).sample(ANY, new long[] {1, 1, 4, 5}), ramp(20));
        assertArrayEquals(new double[] {7, 8, 12, 13}, cropped, 0, "offsets (4-2)/2 = 1 and (5-2)/2 = 1");
        double[] padded = run(CropOrPad.to(3, 4).sample(ANY, new long[] {1, 1, 1, 1}), new double[] {7});
        assertArrayEquals(new double[] {0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0}, padded, 0);
    }

    @Test
    void scaleOneAndAngleZeroAreTheIdentity() {
        double[] x = ramp(2 * 3 * 9 * 11);
        long[] shape = {2, 3, 9, 11};
        assertArrayEquals(x, run(RandomScale.of(1).sample(ANY, shape), x), 0);
        assertArrayEquals(x, run(RandomRotate.of(0).sample(ANY, shape), x), 0);
        assertArrayEquals(x, run(RandomRotate.of(360).withFill(Fill.ZERO).sample(ANY, shape), x), 1e-9);
    }

    @Test
    void rotationByNinetyDegreesTurnsCounterclockwise() {
        // 3x3 [1 2 3; 4 5 6; 7 8 9] turned counterclockwise: [3 6 9; 2 5 8; 1 4 7].
        double[] y = run(RandomRotate.of(90).sample(ANY, new long[] {1, 1, 3, 3}), ramp(9));
        assertArrayEquals(new double[] {3, 6, 9, 2, 5, 8, 1, 4, 7}, y, 1e-12);
        double[] back = run(RandomRotate.of(-90).sample(ANY, new long[] {1, 1, 3, 3}), y);
        assertArrayEquals(ramp(9), back, 1e-12);
    }

    @Test
    void scaleZoomsAboutTheCentre() {
        // A 1x5 row [0 1 2 3 4] (centre 2) scaled by 2 reads at 2 + (j - 2) / 2: 1, 1.5, 2, 2.5, 3.
        double[] row = {0, 1, 2, 3, 4};
        assertArrayEquals(new double[] {1, 1.5, 2, 2.5, 3},
                run(RandomScale.of(2).sample(ANY, new long[] {1, 1, 1, 5}), row), 1e-12);
        // Scaled by 0.5: reads at 2 + 2 (j - 2): -2, 0, 2, 4, 6; outside is the edge (0 or 4) or zero.
        assertArrayEquals(new double[] {0, 0, 2, 4, 4},
                run(RandomScale.of(0.5).sample(ANY, new long[] {1, 1, 1, 5}), row), 1e-12);
        assertArrayEquals(new double[] {0, 0, 2, 4, 0},
                run(RandomScale.of(0.5).withFill(Fill.ZERO).sample(ANY, new long[] {1, 1, 1, 5}), row), 1e-12);
    }

    @Test
    void lucidsListsAreReproduced() {
        assertArrayEquals(new double[] {0.9, 0.92, 0.94, 0.96, 0.98, 1.0, 1.02, 1.04, 1.06, 1.08, 1.1},
                RandomScale.lucid().scales(), 1e-15);
        double[] angles = RandomRotate.lucid().degrees();
        assertEquals(26, angles.length);
        for (int i = 0; i < 21; i++) {
            assertEquals(i - 10, angles[i], 0);
        }
        assertEquals(6, Arrays.stream(angles).filter(a -> a == 0).count());
        List<ImageTransform> steps = StandardTransforms.lucid().steps();
        assertEquals("[pad(12, constant 0.5), jitter(8), " + RandomScale.lucid() + ", " + RandomRotate.lucid()
                + ", jitter(4)]", steps.toString());
    }

    @Test
    void standardTransformsKeepTheShapeAndTheirDrawsAreDeterministic() {
        long[] shape = {2, 3, 24, 20};
        ImageTransform t = StandardTransforms.lucid();
        assertArrayEquals(shape, t.outputShape(shape));
        double[] x = Checks.gaussian(new SplittableRandom(1), 2 * 3 * 24 * 20);
        SplittableRandom a = new SplittableRandom(42);
        SplittableRandom b = new SplittableRandom(42);
        ImageTransform.Sampled sa = t.sample(a, shape);
        ImageTransform.Sampled sb = t.sample(b, shape);
        List<String> draws = new ArrayList<>();
        for (int step = 0; step < 8; step++) {
            assertArrayEquals(shape, sa.outputShape());
            assertEquals(sa.toString(), sb.toString());
            assertArrayEquals(run(sa, x), run(sb, x), 0);
            draws.add(sa.toString());
            sa.redraw(a);
            sb.redraw(b);
        }
        assertTrue(new HashSet<>(draws).size() > 4, "draws vary from step to step: " + draws);
        // sample() and redraw() consume the generator alike.
        SplittableRandom c = new SplittableRandom(42);
        ImageTransform.Sampled first = t.sample(c, shape);
        ImageTransform.Sampled second = t.sample(c, shape);
        assertEquals(draws.get(0), first.toString());
        assertEquals(draws.get(1), second.toString());
        assertNotEquals(draws.get(0), draws.get(1));
    }

    @Test
    void standardTransformsShowTheGreyPaddingWhereTheImageMovedAway() {
        // A black image (0) seen through pad 12 of 0.5: every value is in [0, 0.5], and some border pixels are grey.
        long[] shape = {1, 3, 32, 32};
        SplittableRandom rng = new SplittableRandom(5);
        ImageTransform.Sampled s = StandardTransforms.lucid().sample(rng, shape);
        boolean sawGrey = false;
        for (int step = 0; step < 20; step++) {
            double[] y = run(s, new double[3 * 32 * 32]);
            for (double v : y) {
                assertTrue(v >= 0 && v <= 0.5 + 1e-12, s + " gave " + v);
            }
            sawGrey |= Arrays.stream(y).anyMatch(v -> v > 0.25);
            s.redraw(rng);
        }
        assertTrue(sawGrey);
    }

    @Test
    void ndArraysOfBothFloatTypesGiveTheFlatResults() {
        long[] shape = {2, 3, 16, 12};
        int n = 2 * 3 * 16 * 12;
        ImageTransform.Sampled s = StandardTransforms.lucid().sample(new SplittableRandom(3), shape);
        SplittableRandom rng = new SplittableRandom(4);
        double[] x = Checks.gaussian(rng, n);
        double[] g = Checks.gaussian(rng, n);
        double[] y = run(s, x);
        double[] gx = new double[n];
        s.backward(g, gx);
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            double tol = type == DataType.DOUBLE ? 0 : 1e-5;
            INDArray xa = Nd4j.createFromArray(x).reshape(shape).castTo(type);
            INDArray ya = Nd4j.create(type, shape);
            s.forward(xa, ya);
            assertArrayEquals(y, ya.castTo(DataType.DOUBLE).data().asDouble(), tol, type.toString());
            INDArray ga = Nd4j.createFromArray(g).reshape(shape).castTo(type);
            INDArray gxa = Nd4j.create(type, shape);
            s.backward(ga, gxa);
            assertArrayEquals(gx, gxa.castTo(DataType.DOUBLE).data().asDouble(), tol, type.toString());
        }
    }

    @Test
    void badInputsAreRefusedNamingTheValue() {
        assertMessage(() -> Pad.constant(-3, 0.5), "-3");
        assertMessage(() -> Pad.constant(2, Double.NaN), "NaN");
        assertMessage(() -> Pad.reflect(8).sample(ANY, new long[] {1, 3, 8, 20}), "8x20");
        assertMessage(() -> Jitter.of(-1), "-1");
        assertMessage(() -> Jitter.of(8).sample(ANY, new long[] {1, 3, 8, 20}), "8x20");
        assertMessage(RandomScale::of, "empty");
        assertMessage(() -> RandomScale.of(1, 0), "0.0");
        assertMessage(() -> RandomScale.of(1, Double.POSITIVE_INFINITY), "Infinity");
        assertMessage(RandomRotate::of, "empty");
        assertMessage(() -> RandomRotate.of(Double.NaN), "NaN");
        assertMessage(() -> RandomRotate.of(5).withFill(null), "null");
        assertMessage(() -> CropOrPad.to(0, 3), "0x3");
        assertMessage(Compose::of, "none");
        assertMessage(() -> Compose.of(Jitter.of(1), null), "transform 1 of 2 is null");
        assertMessage(() -> StandardTransforms.lucid().sample(null, new long[] {1, 3, 8, 8}), "null");
        assertMessage(() -> StandardTransforms.lucid().sample(ANY, new long[] {1, 3, 8}), "[1, 3, 8]");
        assertMessage(() -> Jitter.of(1).sample(ANY, new long[] {1, 3, 0, 8}), "[1, 3, 0, 8]");
        ImageTransform.Sampled s = Jitter.of(2).sample(ANY, new long[] {1, 3, 8, 8});
        assertMessage(() -> s.forward(new double[192], new double[192]), "has 192 values; expected 108");
        assertMessage(() -> s.backward(new double[108], new double[100]), "has 100 values; expected 192");
        assertMessage(() -> s.forward(Nd4j.create(DataType.FLOAT, 1, 3, 8, 8), Nd4j.create(DataType.FLOAT, 1, 3, 8, 8)),
                "[1, 3, 8, 8]; expected [1, 3, 6, 6]");
        assertMessage(() -> s.redraw(null), "null");
        ImageTransform.Sampled same = RandomRotate.of(3).sample(ANY, new long[] {1, 3, 8, 8});
        double[] buffer = new double[192];
        assertMessage(() -> same.forward(buffer, buffer), "cannot write into the array it reads");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), "'" + x.getMessage() + "' should contain '" + part + "'");
    }
}
