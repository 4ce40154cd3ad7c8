package dev.cnnviz.core.optim;

import static dev.cnnviz.core.optim.LossTesting.assertFloat32;
import static dev.cnnviz.core.optim.LossTesting.assertGradient;
import static dev.cnnviz.core.optim.LossTesting.assertIae;
import static dev.cnnviz.core.optim.LossTesting.d;
import static dev.cnnviz.core.optim.LossTesting.run;
import static dev.cnnviz.core.optim.LossTesting.uniform;
import static dev.cnnviz.core.optim.LossTesting.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cnnviz.api.NonFiniteResultException;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** GramMatrix and StyleLoss: finite differences, a loop reference, known answers, float32, bad inputs. */
class StyleLossTest {
    /** Channel 0 = [[1, 2], [3, 4]], channel 1 = [[0, 1], [1, 0]]: F Fᵀ = [[30, 5], [5, 2]]. */
    private static final INDArray TWO_CHANNELS = d(new double[] {1, 2, 3, 4, 0, 1, 1, 0}, 1, 2, 2, 2);

    @Test
    void gramMatrixOfATwoChannelActivation() {
        assertArrayEquals(new double[] {30, 5, 5, 2}, values(GramMatrix.of(TWO_CHANNELS, GramNormalization.PAPER)), 0);
        assertArrayEquals(new double[] {3.75, 0.625, 0.625, 0.25}, values(GramMatrix.of(TWO_CHANNELS)), 1e-15);
        assertArrayEquals(new double[] {7.5, 1.25, 1.25, 0.5},
                values(GramMatrix.of(TWO_CHANNELS, GramNormalization.HW)), 1e-15);
        assertArrayEquals(new long[] {1, 2, 2}, GramMatrix.of(TWO_CHANNELS).shape());
    }

    @Property(tries = 20)
    void gramMatrixMatchesLoops(@ForAll long seed, @ForAll GramNormalization normalization) {
        SplittableRandom rnd = new SplittableRandom(seed);
        INDArray a = uniform(rnd, LossTesting.nchw(rnd));
        assertArrayEquals(values(gram(a, normalization)), values(GramMatrix.of(a, normalization)), 1e-12);
        INDArray g32 = GramMatrix.of(a.castTo(DataType.FLOAT), normalization);
        assertEquals(DataType.FLOAT, g32.dataType());
        assertArrayEquals(values(gram(a, normalization)), values(g32), 1e-5);
    }

    @Test
    void knownStyleLossAgainstAZeroTarget() {
        // A = 0: CHW E = (1/C²) Σ G² = (3.75² + 2·0.625² + 0.25²)/4; PAPER E = Σ (F Fᵀ)² / (4·C²·M²) = 954/256
        INDArray zeros = Nd4j.zeros(DataType.DOUBLE, 1, 2, 3, 3);
        LossTesting.Result chw = run(StyleLoss.ofTarget(zeros), TWO_CHANNELS);
        assertEquals(14.90625 / 4, chw.value(), 1e-14);
        // ∂E/∂F = (4k/d) (G − A) F with k = 1/C² = 1/4, d = C·M = 8 and G already divided by d
        INDArray f = TWO_CHANNELS.reshape(2, 4);
        INDArray expected = GramMatrix.of(TWO_CHANNELS).reshape(2, 2).mmul(f).muli(4 * 0.25 / 8);
        assertArrayEquals(values(expected), values(chw.grad()), 1e-14);
        LossTesting.Result paper = run(StyleLoss.ofTarget(Nd4j.zeros(DataType.DOUBLE, 1, 2, 2, 2),
                GramNormalization.PAPER), TWO_CHANNELS);
        assertEquals(954 / 256.0, paper.value(), 1e-14);
        // Gatys et al. eq. 6: ∂E/∂F = (1/(N² M²)) (G − A) F
        assertArrayEquals(values(d(new double[] {30, 5, 5, 2}, 2, 2).mmul(f).divi(4 * 16)), values(paper.grad()),
                1e-14);
        LossTesting.Result hw = run(StyleLoss.ofTarget(zeros, GramNormalization.HW).withWeight(2), TWO_CHANNELS);
        assertEquals(2 * (7.5 * 7.5 + 2 * 1.25 * 1.25 + 0.25) / 4, hw.value(), 1e-13);
    }

    @Test
    void isZeroAtTheStyleAndComparesEveryExampleWithTheTarget() {
        StyleLoss loss = StyleLoss.ofTarget(TWO_CHANNELS);
        LossTesting.Result same = run(loss, TWO_CHANNELS);
        assertEquals(0, same.value(), 1e-28);
        assertArrayEquals(new double[8], values(same.grad()), 1e-15);
        // a batch of the style and zeros: the zeros' term is Σ A² / C², their gradient 0, the style's 0
        INDArray batch = Nd4j.concat(0, TWO_CHANNELS, Nd4j.zeros(DataType.DOUBLE, 1, 2, 2, 2));
        LossTesting.Result r = run(loss, batch);
        assertEquals(14.90625 / 4, r.value(), 1e-14);
        assertArrayEquals(new double[16], values(r.grad()), 1e-15);
    }

    @Property(tries = 40)
    void gradientMatchesFiniteDifferences(@ForAll long seed, @ForAll GramNormalization normalization) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] shape = LossTesting.nchw(rnd);
        long[] styleShape = normalization == GramNormalization.PAPER ? new long[] {1, shape[1], shape[2], shape[3]}
                : new long[] {1, shape[1], rnd.nextInt(2, 7), rnd.nextInt(2, 7)};
        StyleLoss loss = StyleLoss.ofTarget(uniform(rnd, styleShape), normalization).withWeight(rnd.nextDouble(0.1, 3));
        assertGradient(loss, uniform(rnd, shape), seed);
    }

    @Property(tries = 30)
    void valueMatchesLoopsAndThePapersScale(@ForAll long seed, @ForAll GramNormalization normalization) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] shape = LossTesting.nchw(rnd);
        INDArray style = uniform(rnd, 1, shape[1], shape[2], shape[3]);
        INDArray x = uniform(rnd, shape);
        double c = shape[1];
        double m = shape[2] * shape[3];
        double k = normalization == GramNormalization.PAPER ? 1 / (4 * c * c * m * m) : 1 / (c * c);
        double[] a = values(gram(style, normalization));
        double[] g = values(gram(x, normalization));
        double expected = 0;
        for (int i = 0; i < g.length; i++) {
            double diff = g[i] - a[i % a.length];
            expected += k * diff * diff;
        }
        assertEquals(expected, run(StyleLoss.ofTarget(style, normalization), x).value(), 1e-12 * (1 + expected));
        // the paper's loss is C²/4 times the CHW loss (PyTorch tutorial)
        double paper = run(StyleLoss.ofTarget(style, GramNormalization.PAPER), x).value();
        double chw = run(StyleLoss.ofTarget(style), x).value();
        assertEquals(paper, chw * c * c / 4, 1e-12 * (1 + paper));
    }

    @Property(tries = 15)
    void float32MatchesFloat64(@ForAll long seed, @ForAll GramNormalization normalization) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] shape = LossTesting.nchw(rnd);
        StyleLoss loss = StyleLoss.ofTarget(uniform(rnd, 1, shape[1], shape[2], shape[3]).castTo(DataType.FLOAT),
                normalization);
        assertFloat32(loss, uniform(rnd, shape));
    }

    @Test
    void viewsAndStridedGradientsGiveThePlainResult() {
        SplittableRandom rnd = new SplittableRandom(11);
        StyleLoss loss = StyleLoss.ofTarget(uniform(rnd, 1, 3, 4, 5)).withWeight(2);
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            LossTesting.assertViewsGiveThePlainResult(loss, uniform(rnd, 2, 3, 4, 5).castTo(type));
        }
    }

    @Test
    void ofGramEqualsOfTarget() {
        SplittableRandom rnd = new SplittableRandom(3);
        INDArray style = uniform(rnd, 1, 3, 4, 5);
        INDArray x = uniform(rnd, 2, 3, 4, 5);
        StyleLoss fromGram = StyleLoss.ofGram(GramMatrix.of(style).reshape(3, 3), GramNormalization.CHW);
        assertEquals(run(StyleLoss.ofTarget(style), x).value(), run(fromGram, x).value(), 1e-14);
        assertArrayEquals(values(GramMatrix.of(style)), values(fromGram.targetGram()), 1e-15);
        assertEquals(3, fromGram.channels());
        // ofGram does not know the style's size: PAPER with it accepts any size
        StyleLoss paper = StyleLoss.ofGram(GramMatrix.of(style, GramNormalization.PAPER), GramNormalization.PAPER);
        run(paper, uniform(rnd, 1, 3, 2, 2));
    }

    @Test
    void rejectsBadInputs() {
        StyleLoss loss = StyleLoss.ofTarget(TWO_CHANNELS);
        assertIae(() -> loss.evaluate(Nd4j.ones(DataType.DOUBLE, 1, 3, 2, 2), Nd4j.ones(DataType.DOUBLE, 1, 3, 2, 2)),
                "3 channels", "2x2");
        assertIae(() -> loss.evaluate(Nd4j.ones(DataType.DOUBLE, 1, 2, 4), Nd4j.ones(DataType.DOUBLE, 1, 2, 4)),
                "[N, C, H, W]", "[1, 2, 4]");
        StyleLoss paper = StyleLoss.ofTarget(TWO_CHANNELS, GramNormalization.PAPER);
        assertIae(() -> paper.evaluate(Nd4j.ones(DataType.DOUBLE, 1, 2, 3, 2), Nd4j.ones(DataType.DOUBLE, 1, 2, 3, 2)),
                "PAPER", "(4)", "found 6", "CHW");
        run(StyleLoss.ofTarget(TWO_CHANNELS), Nd4j.ones(DataType.DOUBLE, 1, 2, 3, 2));   // CHW: any size
        assertIae(() -> StyleLoss.ofTarget(Nd4j.ones(DataType.DOUBLE, 2, 2, 2, 2)), "one example", "[2, 2, 2, 2]");
        assertIae(() -> StyleLoss.ofTarget(Nd4j.ones(DataType.DOUBLE, 2, 2, 2)), "rank >= 4");
        assertIae(() -> StyleLoss.ofTarget(null), "style activation is null");
        assertIae(() -> StyleLoss.ofTarget(TWO_CHANNELS, null), "normalization is null", "PAPER, CHW, HW");
        INDArray inf = TWO_CHANNELS.dup();
        inf.putScalar(3, Double.POSITIVE_INFINITY);
        assertIae(() -> StyleLoss.ofTarget(inf), "NaN or infinite");
        assertIae(() -> StyleLoss.ofGram(d(new double[] {1, 2, 3, 4}, 2, 2), GramNormalization.CHW), "not symmetric");
        assertIae(() -> StyleLoss.ofGram(d(new double[] {1, 2, 3, 4, 5, 6}, 2, 3), GramNormalization.CHW),
                "[C, C] or [1, C, C]", "[2, 3]");
        assertIae(() -> StyleLoss.ofGram(Nd4j.eye(2).reshape(1, 2, 2).castTo(DataType.DOUBLE), null),
                "normalization is null");
        assertIae(() -> loss.withWeight(Double.POSITIVE_INFINITY), "weight", "Infinity");
        assertIae(() -> GramMatrix.of(null), "activation is null");
        assertIae(() -> GramMatrix.of(Nd4j.ones(DataType.DOUBLE, 2, 2)), "[2, 2]");
        assertIae(() -> GramMatrix.of(TWO_CHANNELS.castTo(DataType.INT)), "floating point");
        assertIae(() -> GramMatrix.of(TWO_CHANNELS, null), "normalization is null");
        LossTesting.assertRejectsBadArrays(loss, TWO_CHANNELS);
        INDArray nan = TWO_CHANNELS.dup();
        nan.putScalar(0, Double.NaN);
        assertThrows(NonFiniteResultException.class, () -> loss.evaluate(nan, nan.ulike()));
    }

    /** Gram matrices by loops, the reference. */
    static INDArray gram(INDArray a, GramNormalization normalization) {
        int n = (int) a.size(0);
        int c = (int) a.size(1);
        int m = (int) (a.size(2) * a.size(3));
        double[] v = values(a);
        double[] g = new double[n * c * c];
        for (int e = 0; e < n; e++) {
            for (int i = 0; i < c; i++) {
                for (int j = 0; j < c; j++) {
                    double s = 0;
                    for (int p = 0; p < m; p++) {
                        s += v[(e * c + i) * m + p] * v[(e * c + j) * m + p];
                    }
                    g[(e * c + i) * c + j] = s / normalization.divisor(c, m);
                }
            }
        }
        return d(g, n, c, c);
    }
}
