package dev.cnnviz.core.perturbation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.core.Model;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Known answers: linear models, closed-form games, efficiency. */
class PerturbationKnownAnswersTest {
    private static final int C = PerturbationNets.C;
    private static final int H = PerturbationNets.H;
    private static final int W = PerturbationNets.W;

    /** {@code Σ_c w[c,p,k] (x[c,p] − b)} per pixel for class {@code k}. */
    private static double[] linearContributions(INDArray x, double b, int k) {
        double[] w = PerturbationNets.linearWeights();
        double[] out = new double[H * W];
        for (int c = 0; c < C; c++) {
            for (int p = 0; p < H * W; p++) {
                int i = c * H * W + p;
                out[p] += w[i * PerturbationNets.K + k] * (x.getDouble(0, c, p / W, p % W) - b);
            }
        }
        return out;
    }

    private static double[] doubles(Explanation e) {
        float[] f = e.attribution().data();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void occlusionWithOnePixelWindowsIsWeightTimesInputMinusBaseline() {
        INDArray x = PerturbationNets.input(1);
        Explanation e = Occlusion.of(PerturbationNets.linear()).withWindow(1).withStride(1)
                .withBaseline(PerturbationBaseline.constant(0.3)).explain(x, 1);
        double[] want = linearContributions(x, 0.3, 1);
        double[] got = doubles(e);
        assertEquals(C * H * W, got.length);
        for (int c = 0; c < C; c++) {
            for (int p = 0; p < H * W; p++) {
                assertEquals(want[p], got[c * H * W + p], 1e-5, "channel " + c + " pixel " + p);
            }
        }
    }

    @Test
    void occlusionAveragesTheDropOfEveryWindowCoveringAPixel() {
        INDArray x = PerturbationNets.input(2);
        int window = 3;
        int stride = 2;
        Explanation e = Occlusion.of(PerturbationNets.linear()).withWindow(window).withStride(stride).withBatchSize(3)
                .explain(x, 0);
        double[] contrib = linearContributions(x, 0, 0);
        double[] sum = new double[H * W];
        int[] n = new int[H * W];
        for (int y0 = 0; y0 + window <= H; y0 += stride) {
            for (int x0 = 0; x0 + window <= W; x0 += stride) {
                double drop = 0;
                for (int y = y0; y < y0 + window; y++) {
                    for (int xx = x0; xx < x0 + window; xx++) {
                        drop += contrib[y * W + xx];
                    }
                }
                for (int y = y0; y < y0 + window; y++) {
                    for (int xx = x0; xx < x0 + window; xx++) {
                        sum[y * W + xx] += drop;
                        n[y * W + xx]++;
                    }
                }
            }
        }
        double[] got = doubles(e);
        for (int p = 0; p < H * W; p++) {
            assertEquals(n[p] == 0 ? 0 : sum[p] / n[p], got[p], 1e-5, "pixel " + p);
        }
        // The last column and row are not covered by any 3-wide window at stride 2 on 6 pixels: 0.
        assertEquals(0, got[5], 0);
    }

    @Test
    void occlusionOutputMapHoldsTheProbabilityPerWindowPosition() {
        INDArray x = PerturbationNets.input(3);
        Model m = PerturbationNets.linear();
        Explanation e = Occlusion.of(m).withWindow(2).withStride(2).withMode(Occlusion.Mode.OUTPUT_MAP)
                .withProbability(true).explain(x, 1);
        assertArrayEquals(new int[] {3, 3}, e.attribution().shape());
        double[] contrib = linearContributions(x, 0, 1);
        double[] contrib0 = linearContributions(x, 0, 0);
        double s1 = e.target().score();
        double s0 = s1 - Math.log(e.target().probability()) + Math.log(1 - e.target().probability());
        // p1 = sigmoid(s1 − s0) for two classes; occluding window k lowers s_c by its contribution.
        for (int k = 0; k < 9; k++) {
            int y0 = (k / 3) * 2;
            int x0 = (k % 3) * 2;
            double d1 = 0;
            double d0 = 0;
            for (int y = y0; y < y0 + 2; y++) {
                for (int xx = x0; xx < x0 + 2; xx++) {
                    d1 += contrib[y * W + xx];
                    d0 += contrib0[y * W + xx];
                }
            }
            double logit = (s1 - d1) - (s0 - d0);
            assertEquals(1 / (1 + Math.exp(-logit)), e.attribution().data()[k], 1e-5, "window " + k);
        }
    }

    @Test
    void featureAblationOnALinearModelSumsItsFeaturesContributions() {
        INDArray x = PerturbationNets.input(4);
        Explanation e = FeatureAblation.of(PerturbationNets.linear()).withFeatures(Features.grid(4))
                .withBaseline(PerturbationBaseline.constant(-0.2)).explain(x, 0);
        double[] contrib = linearContributions(x, -0.2, 0);
        FeatureMask mask = FeatureMask.grid(H, W, 4);
        double[] perFeature = new double[mask.count()];
        for (int p = 0; p < H * W; p++) {
            perFeature[mask.labels()[p]] += contrib[p];
        }
        double[] got = doubles(e);
        assertArrayEquals(new int[] {H, W}, e.attribution().shape());
        for (int p = 0; p < H * W; p++) {
            assertEquals(perFeature[mask.labels()[p]], got[p], 1e-5, "pixel " + p);
        }
    }

    @Test
    void exactShapleyOfAnAdditiveGameIsEachPlayersTerm() {
        double[] a = {1.5, -2, 0.25, 4};
        double[] v = new double[16];
        for (int s = 0; s < 16; s++) {
            for (int j = 0; j < 4; j++) {
                if ((s >> j & 1) != 0) {
                    v[s] += a[j];
                }
            }
            v[s] += 7; // a constant v(∅) does not matter
        }
        assertArrayEquals(a, ShapleyValues.exact(v, 4), 1e-12);
    }

    @Test
    void exactShapleyOfGamesWithInteractions() {
        // Unanimity game of {0, 1} among 3 players: 1 if both are in the coalition. φ = (1/2, 1/2, 0).
        double[] u = new double[8];
        for (int s = 0; s < 8; s++) {
            u[s] = (s & 3) == 3 ? 1 : 0;
        }
        assertArrayEquals(new double[] {0.5, 0.5, 0}, ShapleyValues.exact(u, 3), 1e-12);
        // Glove game: player 0 has a left glove, players 1 and 2 a right glove; a pair is worth 1.
        // Closed form: φ = (2/3, 1/6, 1/6).
        double[] g = new double[8];
        for (int s = 0; s < 8; s++) {
            g[s] = (s & 1) != 0 && (s & 6) != 0 ? 1 : 0;
        }
        assertArrayEquals(new double[] {2.0 / 3, 1.0 / 6, 1.0 / 6}, ShapleyValues.exact(g, 3), 1e-12);
    }

    @Test
    void exactShapleyThroughAModelOfTheAndGame() {
        INDArray x = org.nd4j.linalg.factory.Nd4j.create(new double[] {1, 1}, new long[] {1, 1, 1, 2},
                org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        Explanation e = ShapleyValues.of(PerturbationNets.and()).withFeatures(Features.grid(1)).explain(x,
                dev.cnnviz.api.Target.neuron("out", 0));
        assertArrayEquals(new float[] {0.5f, 0.5f}, e.attribution().data(), 1e-6f);
    }

    @Test
    void kernelShapWithEveryCoalitionEqualsExactShapley() {
        int n = 5;
        Model m = PerturbationNets.relu(n);
        INDArray x = PerturbationNets.row(n, 9);
        dev.cnnviz.api.Target t = dev.cnnviz.api.Target.neuron("out", 0);
        Explanation exact = ShapleyValues.of(m).withFeatures(Features.grid(1)).explain(x, t);
        Explanation kernel = KernelShap.of(m).withFeatures(Features.grid(1)).withSamples(30).explain(x, t);
        assertArrayEquals(exact.attribution().data(), kernel.attribution().data(), 1e-5f);
        // and the game is not additive: the values differ from feature ablation's
        Explanation ablation = FeatureAblation.of(m).withFeatures(Features.grid(1)).explain(x, t);
        double diff = 0;
        for (int i = 0; i < n; i++) {
            diff += Math.abs(ablation.attribution().data()[i] - exact.attribution().data()[i]);
        }
        org.junit.jupiter.api.Assertions.assertTrue(diff > 1e-3, "the test game should have interactions");
    }

    @Test
    void efficiencyWhereTheMethodsPromiseIt() {
        int n = 8;
        Model m = PerturbationNets.relu(n);
        INDArray x = PerturbationNets.row(n, 4);
        dev.cnnviz.api.Target t = dev.cnnviz.api.Target.neuron("out", 0);
        double fx = evaluate(m, x);
        double fb = evaluate(m, x.mul(0));
        double want = fx - fb;
        for (PerturbationBase<?> method : new PerturbationBase<?>[] {
            ShapleyValues.of(m).withFeatures(Features.grid(1)),
            ShapleyValueSampling.of(m).withFeatures(Features.grid(1)).withSamples(3),
            ShapleyValueSampling.of(m).withFeatures(Features.grid(1)).withSamples(3).withAntithetic(true),
            KernelShap.of(m).withFeatures(Features.grid(1)).withSamples(40)}) {
            Explanation e = method.explain(x, t);
            double sum = 0;
            for (float v : e.attribution().data()) {
                sum += v;
            }
            assertEquals(want, sum, 1e-5, method.name() + " " + e.provenance().options());
        }
    }

    @Test
    void shapleySamplingConvergesToExactShapley() {
        int n = 6;
        Model m = PerturbationNets.relu(n);
        INDArray x = PerturbationNets.row(n, 2);
        dev.cnnviz.api.Target t = dev.cnnviz.api.Target.neuron("out", 0);
        float[] exact = ShapleyValues.of(m).withFeatures(Features.grid(1)).explain(x, t).attribution().data();
        float[] sampled = ShapleyValueSampling.of(m).withFeatures(Features.grid(1)).withSamples(2000).withAntithetic(true)
                .withSeed(3).explain(x, t).attribution().data();
        assertArrayEquals(exact, sampled, 0.05f);
    }

    @Test
    void limeOnALinearModelRecoversItsCoefficients() {
        INDArray x = PerturbationNets.input(6);
        Model m = PerturbationNets.linear();
        FeatureMask mask = FeatureMask.grid(H, W, 2);
        double[] contrib = linearContributions(x, 0, 0);
        double[] perFeature = new double[mask.count()];
        for (int p = 0; p < H * W; p++) {
            perFeature[mask.labels()[p]] += contrib[p];
        }
        Lime lime = Lime.of(m).withFeatures(Features.fixed(mask)).withBaseline(PerturbationBaseline.constant(0))
                .withSamples(300).withAlpha(0);
        double[] got = doubles(lime.explain(x, 0));
        for (int p = 0; p < H * W; p++) {
            assertEquals(perFeature[mask.labels()[p]], got[p], 1e-5, "pixel " + p);
        }
        // lasso with a small penalty stays close (soft-thresholding moves each coefficient by at most ~alpha/var)
        double[] lasso = doubles(lime.withRegularizer(Lime.Regularizer.LASSO).withAlpha(0.001).explain(x, 0));
        for (int p = 0; p < H * W; p++) {
            assertEquals(perFeature[mask.labels()[p]], lasso[p], 0.02, "pixel " + p);
        }
    }

    @Test
    void riseOfAConstantModelIsThatConstant() {
        // A model that ignores its input: every mask gives the same score, so S(p) = f · E[M(p)] / P ≈ f.
        INDArray x = PerturbationNets.input(7).mul(0);
        Model m = PerturbationNets.linear();
        Explanation e = Rise.of(m).withMasks(2000).withCells(3).explain(x, 0);
        double f = e.target().score();
        double mean = 0;
        for (float v : e.attribution().data()) {
            mean += v;
        }
        mean /= H * W;
        assertEquals(f, mean, Math.abs(f) * 0.05);
    }

    private static double evaluate(Model m, INDArray x) {
        try (dev.cnnviz.core.graph.ForwardPass p = m.graph().infer(x, java.util.List.of())) {
            return p.get("out").getDouble(0);
        }
    }

    static double[] randomWeights(int n, long seed) {
        Random r = new Random(seed);
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = r.nextGaussian();
        }
        return w;
    }
}
