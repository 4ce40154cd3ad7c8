package dev.cnnviz.core.cam;

import static dev.cnnviz.core.cam.CamNets.F0;
import static dev.cnnviz.core.cam.CamNets.F1;
import static dev.cnnviz.core.cam.CamNets.assertMap;
import static dev.cnnviz.core.cam.CamNets.x;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import org.junit.jupiter.api.Test;

/**
 * Known answers on the hand-weighted nets of {@link CamNets}, every expected map worked out by hand from the
 * formulas in the class comments (activations {@code f0 = [1,2,3,4]}, {@code f1 = [2,1,0,0]}, row-major 2×2).
 */
class CamKnownAnswersTest {

    private static double[] combine(double a0, double a1) {
        double[] m = new double[4];
        for (int p = 0; p < 4; p++) {
            m[p] = a0 * F0[p] + a1 * F1[p];
        }
        return m;
    }

    private static double[] relu(double[] m) {
        double[] r = m.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.max(0, r[i]);
        }
        return r;
    }

    // ---- CAM (net A: scores = W^T GAP(f) + b, W = [[1, -1, 0.5], [2, 1, -1]]) ----

    @Test
    void camIsTheClassWeightedSumOfTheFeatureMaps() {
        Cam cam = Cam.of(CamNets.netA());
        assertMap(new double[] {5, 4, 3, 4}, cam.explain(x(), 0));               // 1 f0 + 2 f1
        assertMap(new double[] {1, 0, 0, 0}, cam.explain(x(), 1));               // relu(-f0 + f1)
        assertMap(new double[] {1, -1, -3, -4}, cam.withRelu(false).explain(x(), 1));
        assertMap(new double[] {0, 0, 1.5, 2}, cam.explain(x(), 2));             // relu(0.5 f0 - f1)
        assertEquals("relu1", cam.layer());
    }

    @Test
    void camReadsGemmWeightsWithAlphaAndTransB() {
        Cam cam = Cam.of(CamNets.netAGemm()).withRelu(false);
        assertMap(new double[] {5, 4, 3, 4}, cam.explain(x(), 0));
        assertMap(new double[] {1, -1, -3, -4}, cam.explain(x(), 1));
        assertMap(new double[] {-1.5, 0, 1.5, 2}, cam.explain(x(), 2));
    }

    @Test
    void camOfConvThenPoolModelsIsTheClassChannel() {
        Cam cam = Cam.of(CamNets.squeeze());
        assertEquals("relu10", cam.layer());
        assertMap(new double[] {0, 1, 3, 4}, cam.explain(x(), 0));              // relu(f0 - f1)
        assertMap(new double[] {1.5, 0.5, 0, 0}, cam.explain(x(), 1));          // relu(f1 - 0.5)
        assertMap(new double[] {0.5, 1, 1.5, 2}, cam.explain(x(), 2));          // 0.5 f0
        // the map's mean is the class score
        Explanation e = cam.explain(x(), 2);
        double mean = 0;
        for (float v : e.map().values()) {
            mean += v / 4.0;
        }
        assertEquals(e.target().score(), mean, 1e-6);
    }

    // ---- gradient CAMs on net B at relu1 (gradients vary with position) ----

    @Test
    void gradCamAveragesTheGradients() {
        GradCam gc = GradCam.of(CamNets.netB()).withLayer("relu1");
        // class 0: alpha = mean(g0) = 0.375, mean(g1) = 0.1875
        assertMap(combine(0.375, 0.1875), gc.explain(x(), 0));
        assertMap(new double[] {0.75, 0.9375, 1.125, 1.5}, gc.explain(x(), 0));
        // class 1: alpha = (-0.09375, 0.375)
        assertMap(new double[] {0.65625, 0.1875, -0.28125, -0.375}, gc.withRelu(false).explain(x(), 1));
        assertMap(new double[] {0.65625, 0.1875, 0, 0}, gc.explain(x(), 1));
    }

    @Test
    void gradCamAtTheDefaultLayer() {
        GradCam gc = GradCam.of(CamNets.netB());
        assertEquals("relu2", gc.layer());
        // d S0 / d relu2 = U[:,0] / 4 = (0.25, 0.5) everywhere: M = 0.25 r0 + 0.5 r1
        Explanation e = gc.explain(x(), 0);
        assertMap(new double[] {0.375, 0.375, 0.75, 1.125}, e);
        assertEquals("relu2", e.provenance().layer());
        assertEquals("Grad-CAM", e.provenance().method());
        assertEquals(0, e.target().classIndex());
        assertEquals(2.625, e.target().score(), 1e-9);
        assertArrayEquals(new int[] {2, 2}, e.attribution().shape());
        assertFalse(e.signed());
    }

    @Test
    void gradCamOnGapLinearIsCamOverHw() {
        GradCam gc = GradCam.of(CamNets.netA());
        assertMap(new double[] {1.25, 1, 0.75, 1}, gc.explain(x(), 0));
    }

    @Test
    void hiResCamMultipliesGradientAndActivation() {
        HiResCam h = HiResCam.of(CamNets.netB()).withLayer("relu1");
        assertMap(new double[] {1.25, 1.25, 0.75, 2.0}, h.explain(x(), 0));      // g0 f0 + g1 f1
        assertMap(new double[] {0.625, 0.25, -0.75, -0.5}, h.withRelu(false).explain(x(), 1));
        assertMap(new double[] {0.625, 0.25, 0, 0}, h.explain(x(), 1));
    }

    @Test
    void layerCamKeepsOnlyPositiveGradients() {
        LayerCam l = LayerCam.of(CamNets.netB()).withLayer("relu1");
        // class 1: relu(g0) f0 = [0.125, 0, 0, 0], relu(g1) f1 = [0.5, 0.5, 0, 0]
        assertMap(new double[] {0.625, 0.5, 0, 0}, l.explain(x(), 1));
        assertMap(new double[] {1.25, 1.25, 0.75, 2.0}, l.explain(x(), 0));
    }

    @Test
    void xGradCamWeighsGradientsByNormalisedActivations() {
        XGradCam xg = XGradCam.of(CamNets.netB()).withLayer("relu1");
        // w0 = (1*.25 + 2*.5 + 3*.25 + 4*.5) / 10 = 0.4, w1 = (2*.5 + 1*.25) / 3 = 1.25 / 3
        assertMap(combine(0.4, 1.25 / 3), xg.explain(x(), 0));
    }

    @Test
    void gradCamPlusPlusUsesTheClosedFormAlphas() {
        GradCamPlusPlus gpp = GradCamPlusPlus.of(CamNets.netB()).withLayer("relu1");
        // channel 0, sum A = 10: g = .25 -> a = .0625 / (.125 + 10 * .015625) = 2/9, g = .5 -> a = .25 / (.5 + 1.25) = 1/7
        //   w0 = 2 * (2/9 * .25) + 2 * (1/7 * .5) = 1/9 + 1/7 = 16/63
        // channel 1, sum A = 3: g = .5 -> a = .25 / (.5 + .375) = 2/7, g = .25 -> a = .0625 / (.125 + .046875) = 4/11,
        //   g = -.25 -> relu(g) = 0;  w1 = 2/7 * .5 + 2 * (4/11 * .25) = 1/7 + 2/11 = 25/77
        assertMap(combine(16.0 / 63, 25.0 / 77), gpp.explain(x(), 0));
    }

    @Test
    void guidedGradCamMultipliesGuidedGradientByTheUpsampledGradCam() {
        GuidedGradCam ggc = GuidedGradCam.of(CamNets.netB()).withLayer("relu1");
        Explanation e = ggc.explain(x(), 0);
        // guided gradient of class 0 at x: dc0 = [.25,.5,.25,.5], dc1 = [x>0 & pre>0] max(df1,0) = [.5,.25,0,0];
        // dx = dc0 - dc1 = [-.25, .25, .25, .5]; Grad-CAM (same 2x2 resolution) = [.75, .9375, 1.125, 1.5]
        double[] raw = {-0.1875, 0.234375, 0.28125, 0.75};
        assertArrayEquals(new int[] {1, 2, 2}, e.attribution().shape());
        for (int i = 0; i < 4; i++) {
            assertEquals(raw[i], e.attribution().data()[i], 1e-6);
        }
        assertMap(new double[] {0.1875, 0.234375, 0.28125, 0.75}, e);
        assertFalse(e.signed());
        assertEquals("Guided Grad-CAM", e.provenance().method());
    }

    // ---- Eigen-CAM: O = [[1,2],[2,1],[3,0],[4,0]] (positions x channels), OᵀO = [[30,4],[4,5]] ----

    @Test
    void eigenCamProjectsOnTheFirstPrincipalDirection() {
        double l1 = (35 + Math.sqrt(689)) / 2;               // largest eigenvalue of [[30,4],[4,5]]
        double v0 = 4;
        double v1 = l1 - 30;                                 // eigenvector (b, l1 - a)
        double n = Math.hypot(v0, v1);
        double[] expected = combine(v0 / n, v1 / n);          // O v, all positive
        Explanation e = EigenCam.of(CamNets.netA()).explain(x(), 2);
        assertMap(expected, e);
        // class-agnostic
        assertMap(expected, EigenCam.of(CamNets.netA()).explain(x(), 0));
    }

    @Test
    void centredEigenCamFollowsPytorchGradCam() {
        // centred O: channel means 2.5 and 0.75; OcᵀOc = [[5, -3.5], [-3.5, 2.75]]
        double a = 5;
        double b = -3.5;
        double c = 2.75;
        double l1 = (a + c + Math.sqrt((a - c) * (a - c) + 4 * b * b)) / 2;
        double v0 = b;
        double v1 = l1 - a;
        double n = Math.hypot(v0, v1);
        double[] proj = new double[4];
        double[] meanMap = new double[4];
        double corr = 0;
        for (int p = 0; p < 4; p++) {
            proj[p] = ((F0[p] - 2.5) * v0 + (F1[p] - 0.75) * v1) / n;
            meanMap[p] = (F0[p] + F1[p]) / 2;
            corr += proj[p] * meanMap[p];
        }
        if (corr < 0) {   // the projection sums to 0, so the sign follows the mean activation
            for (int p = 0; p < 4; p++) {
                proj[p] = -proj[p];
            }
        }
        EigenCam ec = EigenCam.of(CamNets.netA()).withCentred(true).withRelu(false);
        assertTrue(ec.centred());
        assertMap(proj, ec.explain(x(), 0));
        assertMap(relu(proj), EigenCam.of(CamNets.netA()).withCentred(true).explain(x(), 0));
    }

    // ---- Score-CAM on net A at relu1 (layer resolution = input resolution, so Up is the identity) ----

    /** Net A's scores for a 2×2 input, by hand. */
    private static double[] scoresA(double[] in) {
        double g0 = 0;
        double g1 = 0;
        for (double v : in) {
            g0 += Math.max(v, 0) / 4;
            g1 += Math.max(3 - v, 0) / 4;
        }
        return new double[] {g0 + 2 * g1 + 0.1, -g0 + g1 + 0.2, 0.5 * g0 - g1 + 0.3};
    }

    private static double prob(double[] s, int c) {
        double max = Math.max(s[0], Math.max(s[1], s[2]));
        double z = 0;
        for (double v : s) {
            z += Math.exp(v - max);
        }
        return Math.exp(s[c] - max) / z;
    }

    // masks: H0 = (f0 - 1) / 3 = [0, 1/3, 2/3, 1], H1 = f1 / 2 = [1, .5, 0, 0]
    private static final double[] MASKED0 = {0, 2.0 / 3, 2, 4};
    private static final double[] MASKED1 = {1, 1, 0, 0};

    @Test
    void scoreCamWeighsChannelsByTheClassProbabilityOfTheMaskedInput() {
        for (int c = 0; c < 3; c++) {
            double a0 = prob(scoresA(MASKED0), c);
            double a1 = prob(scoresA(MASKED1), c);
            ScoreCam sc = ScoreCam.of(CamNets.netA()).withRelu(false);
            assertEquals(ScoreCam.Weighting.PROBABILITY, sc.weighting());
            assertMap(combine(a0, a1), sc.explain(x(), c));
        }
    }

    @Test
    void scoreCamConfidenceIncreaseSubtractsTheZeroBaseline() {
        double base = prob(scoresA(new double[4]), 0);
        double a0 = prob(scoresA(MASKED0), 0) - base;
        double a1 = prob(scoresA(MASKED1), 0) - base;
        ScoreCam sc = ScoreCam.of(CamNets.netA()).withRelu(false).withWeighting(ScoreCam.Weighting.CONFIDENCE_INCREASE);
        assertMap(combine(a0, a1), sc.explain(x(), 0));
    }

    @Test
    void scoreCamChannelSoftmaxFollowsPytorchGradCam() {
        double s0 = scoresA(MASKED0)[2];
        double s1 = scoresA(MASKED1)[2];
        double z = Math.exp(s0) + Math.exp(s1);
        ScoreCam sc = ScoreCam.of(CamNets.netA()).withRelu(false).withWeighting(ScoreCam.Weighting.CHANNEL_SOFTMAX);
        assertMap(combine(Math.exp(s0) / z, Math.exp(s1) / z), sc.explain(x(), 2));
    }

    @Test
    void scoreCamBatchSizeDoesNotChangeTheAnswer() {
        Model m = CamNets.netA();
        double[] one = CamNets.values(ScoreCam.of(m).withBatchSize(1).explain(x(), 1));
        double[] all = CamNets.values(ScoreCam.of(m).explain(x(), 1));
        assertArrayEquals(all, one, 1e-6);
    }

    @Test
    void topClassTargetIsResolvedPerExample() {
        Explanation e = GradCam.of(CamNets.netA()).explain(x(), Target.topClass());
        assertEquals(0, e.target().classIndex());   // scores (4.1, -1.55, 0.8)
        assertMap(new double[] {1.25, 1, 0.75, 1}, e);
    }
}
