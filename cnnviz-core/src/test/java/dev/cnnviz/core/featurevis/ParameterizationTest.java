package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Pixels, colour decorrelation, sigmoid and clip, and their compositions: gradients, adjoints, known values. */
class ParameterizationTest {
    @Test
    void decorrelationMatrixIsLucids() {
        // lucid/optvis/param/color.py: color_correlation_svd_sqrt and max_norm_svd_sqrt (largest column norm).
        double[][] lucid = {{0.26, 0.09, 0.02}, {0.27, 0.00, -0.05}, {0.27, -0.09, 0.03}};
        double[][] m = ColorDecorrelation.colorCorrelationSvdSqrt();
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(lucid[i], m[i], 0);
        }
        double maxNorm = Math.sqrt(0.26 * 0.26 + 0.27 * 0.27 + 0.27 * 0.27);
        assertEquals(maxNorm, ColorDecorrelation.MAX_NORM_SVD_SQRT, 1e-15);
        assertEquals(0.4619523, ColorDecorrelation.MAX_NORM_SVD_SQRT, 1e-7);
        double[][] normalized = ColorDecorrelation.matrix();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(lucid[i][j] / maxNorm, normalized[i][j], 1e-15);
            }
        }
        assertArrayEquals(new double[] {0.48, 0.46, 0.41}, ColorDecorrelation.colorMean(), 0);
        m[0][0] = 99;
        assertEquals(0.26, ColorDecorrelation.colorCorrelationSvdSqrt()[0][0], 0, "a copy is returned");
    }

    @Test
    void decorrelationMapsEveryPixelByTheNormalizedMatrix() {
        ColorDecorrelation d = ColorDecorrelation.of(PixelParameterization.of(2, 3, 2, 3));
        double[] p = new double[d.size()];
        // image 1, pixel (1, 2): decorrelated colour (1, 2, -1).
        int plane = 6;
        int at = 3 * plane + 5;
        p[at] = 1;
        p[at + plane] = 2;
        p[at + 2 * plane] = -1;
        double[] out = new double[p.length];
        d.image(p, out);
        double[][] m = ColorDecorrelation.matrix();
        for (int c = 0; c < 3; c++) {
            assertEquals(m[c][0] - m[c][2] + 2 * m[c][1], out[at + c * plane], 1e-15);
        }
        double nonzero = Arrays.stream(out).filter(v -> v != 0).count();
        assertEquals(3, nonzero, "other pixels stay 0");
    }

    @Property(tries = 20)
    void linearPartsAreExactAdjoints(@ForAll @IntRange(min = 1, max = 2) int n, @ForAll @IntRange(min = 8, max = 24) int h,
            @ForAll @IntRange(min = 8, max = 24) int w, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (ImageParameterization param : new ImageParameterization[] {PixelParameterization.of(n, 3, h, w),
            ColorDecorrelation.of(PixelParameterization.of(n, 3, h, w)),
            ColorDecorrelation.of(FourierParameterization.of(n, 3, h, w))}) {
            double[] x = Checks.gaussian(rng, param.size());
            double[] y = Checks.gaussian(rng, n * 3 * h * w);
            double[] ax = new double[y.length];
            double[] aty = new double[x.length];
            param.image(x, ax);
            param.backward(x, y, aty);
            Checks.assertAdjoint(ax, y, x, aty, 1e-10, param.toString());
        }
    }

    @Property(tries = 10)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 2) int n,
            @ForAll @IntRange(min = 8, max = 24) int h, @ForAll @IntRange(min = 8, max = 24) int w,
            @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (ImageParameterization param : new ImageParameterization[] {PixelParameterization.of(n, 3, h, w),
            ColorDecorrelation.of(PixelParameterization.of(n, 3, h, w)),
            ValidRgb.sigmoid(PixelParameterization.of(n, 3, h, w)),
            ImageParameterization.lucid(n, h, w),
            ImageParameterization.of(n, h, w, false, true, true)}) {
            // Points of order 1 so that the sigmoid is away from its flat tails.
            double[] p = Checks.gaussian(rng, param.size());
            Checks.assertGradient(param, p, rng, 60, 1e-5, 1e-6);
        }
    }

    @Property(tries = 10)
    void clipGradientMatchesFiniteDifferencesAwayFromTheKinks(@ForAll @IntRange(min = 8, max = 16) int h,
            @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        ValidRgb clip = ValidRgb.clip(PixelParameterization.of(2, 3, h, h));
        double[] p = new double[clip.size()];
        for (int i = 0; i < p.length; i++) {
            // t + 0.5 uniform in [-0.5, 1.5], but at least 0.01 from the kinks at 0 and 1.
            double v;
            do {
                v = rng.nextDouble(-0.5, 1.5);
            } while (Math.abs(v) < 0.01 || Math.abs(v - 1) < 0.01);
            p[i] = v - 0.5;
        }
        Checks.assertGradient(clip, p, rng, p.length, 1e-6, 1e-8);
        double[] g = new double[p.length];
        double[] ones = new double[p.length];
        Arrays.fill(ones, 1);
        clip.backward(p, ones, g);
        for (int i = 0; i < p.length; i++) {
            double t = p[i] + 0.5;
            assertEquals(t > 0 && t < 1 ? 1 : 0, g[i], 0, "derivative at " + t);
        }
    }

    @Test
    void validImagesAreInTheUnitRange() {
        SplittableRandom rng = new SplittableRandom(3);
        for (ImageParameterization param : new ImageParameterization[] {ImageParameterization.lucid(2, 16, 12),
            ImageParameterization.of(1, 9, 9, true, true, false), ImageParameterization.of(1, 9, 9, false, false, false),
            ImageParameterization.of(1, 9, 9, false, false, true)}) {
            double[] p = Checks.gaussian(rng, param.size());
            for (int i = 0; i < p.length; i++) {
                p[i] *= 30;
            }
            double[] out = new double[(int) Arrays.stream(param.imageShape()).reduce(1, (a, b) -> a * b)];
            param.image(p, out);
            for (double v : out) {
                assertTrue(v >= 0 && v <= 1, param + " gave " + v);
            }
        }
    }

    @Test
    void clipAfterDecorrelationAddsLucidsColourMean() {
        ImageParameterization clip = ImageParameterization.of(1, 4, 4, false, true, false);
        double[] out = new double[48];
        clip.image(new double[48], out);
        for (int c = 0; c < 3; c++) {
            assertEquals(ColorDecorrelation.colorMean()[c], out[c * 16 + 5], 1e-15);
        }
        ImageParameterization plain = ImageParameterization.of(1, 4, 4, false, false, false);
        plain.image(new double[48], out);
        assertEquals(0.5, out[20], 0);
    }

    @Test
    void lucidsDefaultStartsNearMidGrey() {
        ImageParameterization p = ImageParameterization.lucid(1, 32, 32);
        double[] out = new double[3 * 32 * 32];
        p.image(p.initial(11), out);
        double mean = Arrays.stream(out).average().orElseThrow();
        assertEquals(0.5, mean, 0.02);
        assertTrue(Arrays.stream(out).allMatch(v -> Math.abs(v - 0.5) < 0.25), "small noise around 0.5");
    }

    @Test
    void initialIsLucidsNoiseAndDeterministic() {
        ImageParameterization f = FourierParameterization.of(2, 3, 40, 40);
        double[] a = f.initial(5);
        assertArrayEquals(a, f.initial(5), 0);
        assertNotEquals(Arrays.toString(a), Arrays.toString(f.initial(6)));
        double mean = Arrays.stream(a).average().orElseThrow();
        double sd = Math.sqrt(Arrays.stream(a).map(v -> (v - mean) * (v - mean)).average().orElseThrow());
        assertEquals(0, mean, 3e-4);
        assertEquals(0.01, sd, 3e-4);
        assertArrayEquals(a, ValidRgb.sigmoid(ColorDecorrelation.of(f)).initial(5), 0, "decorators pass it on");
    }

    @Test
    void backwardAtAnotherPointThanTheLastImageRecomputesIt() {
        ImageParameterization param = ImageParameterization.lucid(1, 10, 10);
        SplittableRandom rng = new SplittableRandom(8);
        double[] p = Checks.gaussian(rng, param.size());
        double[] q = Checks.gaussian(rng, param.size());
        double[] g = Checks.gaussian(rng, 300);
        double[] image = new double[300];
        double[] fresh = new double[param.size()];
        ImageParameterization.lucid(1, 10, 10).backward(q, g, fresh);
        double[] afterImage = new double[param.size()];
        param.image(p, image);
        param.backward(q, g, afterImage);
        assertArrayEquals(fresh, afterImage, 0);
        double[] same = new double[param.size()];
        param.image(q, image);
        param.backward(q, g, same);
        assertArrayEquals(fresh, same, 0);
    }

    @Test
    void ndArraysOfBothFloatTypesGiveTheFlatResults() {
        ImageParameterization param = ImageParameterization.lucid(2, 12, 9);
        SplittableRandom rng = new SplittableRandom(4);
        double[] p = Checks.gaussian(rng, param.size());
        double[] flat = new double[2 * 3 * 12 * 9];
        param.image(p, flat);
        double[] g = Checks.gaussian(rng, flat.length);
        double[] gradFlat = new double[param.size()];
        param.backward(p, g, gradFlat);
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            double tol = type == DataType.DOUBLE ? 0 : 1e-6;
            INDArray img = Nd4j.create(type, param.imageShape());
            param.image(p, img);
            assertArrayEquals(flat, img.castTo(DataType.DOUBLE).data().asDouble(), tol, type.toString());
            INDArray gi = Nd4j.createFromArray(g).reshape(param.imageShape()).castTo(type);
            double[] gradNd = new double[param.size()];
            param.backward(p, gi, gradNd);
            double gtol = type == DataType.DOUBLE ? 0 : 1e-6 * Checks.norm(gradFlat);
            assertArrayEquals(gradFlat, gradNd, gtol, type.toString());
        }
        // A view (not a plain buffer) is written through too.
        INDArray big = Nd4j.zeros(DataType.FLOAT, 4, 3, 12, 9);
        INDArray view = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3));
        param.image(p, view);
        assertEquals(flat[0], big.getDouble(1, 0, 0, 0), 1e-6);
        assertEquals(0, big.getDouble(0, 0, 0, 0), 0);
    }

    @Test
    void badInputsAreRefusedNamingTheValue() {
        ImageParameterization pix = PixelParameterization.of(1, 1, 4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ColorDecorrelation.of(pix));
        assertTrue(e.getMessage().contains("3") && e.getMessage().contains("found 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ValidRgb.clip(pix, 0.1, 0.2));
        assertTrue(e.getMessage().contains("[0.1, 0.2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ValidRgb.clip(pix, Double.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PixelParameterization.of(1, 3, -2, 4));
        assertTrue(e.getMessage().contains("-2"), e.getMessage());
        ImageParameterization lucid = ImageParameterization.lucid(1, 8, 8);
        e = assertThrows(IllegalArgumentException.class,
                () -> lucid.image(new double[lucid.size()], Nd4j.create(DataType.FLOAT, 1, 3, 8, 9)));
        assertTrue(e.getMessage().contains("[1, 3, 8, 9]") && e.getMessage().contains("[1, 3, 8, 8]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> lucid.image(new double[lucid.size()], Nd4j.create(DataType.INT, 1, 3, 8, 8)));
        assertTrue(e.getMessage().contains("INT"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> lucid.backward(new double[3], new double[192], new double[lucid.size()]));
        assertTrue(e.getMessage().contains("has 3 values"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ValidRgb.sigmoid(null));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
    }
}
