package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Lucid's {@code fft_image} reproduced: known answers from numpy, the exact adjoint, the gradient.
 *
 * <p>The expected images come from this numpy transcription of Lucid's {@code optvis/param/spatial.py} (NCHW, numpy's
 * {@code irfft2} in place of TensorFlow's {@code irfft2d}, which is normalized alike):
 * <pre>
 * def fft_image(p, n, ch, h, w):
 *     freqs = rfft2d_freqs(h, w)                      # Lucid's, with w // 2 + 2 columns for odd w
 *     p = p.reshape((2, n, ch) + freqs.shape)
 *     scale = 1.0 / np.maximum(freqs, 1.0 / max(w, h)); scale *= np.sqrt(w * h)
 *     return np.fft.irfft2(scale * (p[0] + 1j * p[1]))[:n, :ch, :h, :w] / 4.0
 * p = np.sin(0.37 * np.arange(size) + 0.1) * 0.5      # or np.ones(size)
 * </pre>
 */
class FourierParameterizationTest {
    private static final double[] SIN_1_1_5_7 = {0.742181109249251, 0.6301762464655053, 0.13352986382813714,
        0.050745271143001314, -0.04116065983385914, -0.12247624437192395, -0.13157833082860748, 0.5115480288923732,
        0.9579340181586833, 0.07907599850326541, 0.09074052883144537, -0.03616911982372503, -0.1064066819986475,
        -0.06940070205030618, -0.12281560935455414, -0.6599922019278648, -0.21734226838657422, -0.15507984772207659,
        -0.044843555930166853, -0.02451030079839095, 0.06142059487306599, -0.3801418824130737, -0.3252960215404864,
        -0.25400168808816154, -0.11489386970829175, -0.041110073292246, -0.027007075810563802, 0.14857978145630424,
        1.0010522589726276, 0.3031019172038, 0.06273825601624838, -0.022460115743813305, -0.0643050132150329,
        -0.12889901918309973, -0.21613456918345003};
    private static final double[] SIN_1_2_4_6 = {0.1815210832625832, 0.03719036936187015, -0.003009004506107175,
        -0.042716327667711974, -0.08640553104012488, 0.039127876883379945, -0.35504974214268537, -0.5077588522347637,
        -0.029625879213059307, -0.05846246636419825, -0.027774200768840355, 0.20264041488562512, 0.23738158631606693,
        0.040402417079888404, 0.005814524741009741, -0.05025342265416484, -0.11760517038428597, -0.00813303265696554,
        1.198933198104561, 0.5584767646031402, 0.10268751027853769, -0.07708560162140668, -0.3505172273528947,
        -0.5229678918143463, 0.08221118879389636, 0.04935516567347964, 0.04093463774427121, -0.02384344384943363,
        -0.12032227503686034, -0.08778636432989591, -0.5077609025008736, -0.3689083643937135, 0.05789172718879202,
        -0.027293189959215737, -0.06348663721730148, 0.06427076536548085, 0.08482450255938673, 0.06883537660690832,
        0.053299299866508255, -0.03246192843526752, -0.1524265532069585, -0.17708163094204216, 0.7459578727069364,
        0.6101164203665452, 0.1205948287478602, -0.07816217354037414, -0.36088379927232306, -0.9337541830865096};
    private static final double[] ONES_1_1_4_6 = {3.624615168046595, -1.4034772128161166, -0.5022225260885471,
        -0.05977056313869866, 0.3975122271243028, 2.8423223924388203, 0.7890853653108256, -0.1652827700744669,
        -0.2880635773427308, -0.1081477493945467, 0.20103051462948732, 0.7961230882630206, 0.1044418773619726,
        -0.019068745750892808, -0.18643463623774384, -0.13218222853607045, 0.056962770164612, 0.17628096299812251,
        0.7890853653108256, -0.1652827700744669, -0.2880635773427308, -0.1081477493945467, 0.20103051462948732,
        0.7961230882630206};
    private static final double[] ONES_1_1_3_5 = {2.7064210909369093, -1.0807751322763215, -0.30840894628699544,
        -0.15862065315506096, 0.4003968671923387, 0.4622503980662718, -0.10433353308492634, -0.19518114834084443,
        -0.1224075560374391, 0.14918718788817278, 0.4622503980662718, -0.10433353308492634, -0.19518114834084443,
        -0.1224075560374391, 0.14918718788817278};

    @Test
    void imagesEqualNumpysTranscriptionOfLucid() {
        assertArrayEquals(SIN_1_1_5_7, image(FourierParameterization.of(1, 1, 5, 7), false), 1e-13);
        assertArrayEquals(SIN_1_2_4_6, image(FourierParameterization.of(1, 2, 4, 6), false), 1e-13);
    }

    @Test
    void aConstantParameterVectorGivesNumpysImage() {
        assertArrayEquals(ONES_1_1_4_6, image(FourierParameterization.of(1, 1, 4, 6), true), 1e-13);
        assertArrayEquals(ONES_1_1_3_5, image(FourierParameterization.of(1, 1, 3, 5), true), 1e-13);
    }

    @Test
    void theZeroFrequencyAloneIsAFlatImage() {
        // X[0][0] = a: image = a · scale[0][0] / (4 H Wf) with scale[0][0] = sqrt(W H) · max(W, H).
        for (int[] hw : new int[][] {{6, 6}, {5, 8}, {7, 3}}) {
            int h = hw[0];
            int w = hw[1];
            FourierParameterization f = FourierParameterization.of(2, 3, h, w);
            double[] p = new double[f.size()];
            int plane = h * f.spectrumWidth();
            p[plane * 4] = 2.5;                              // image 1, channel 1, real part of X[0][0]
            double[] out = new double[2 * 3 * h * w];
            f.image(p, out);
            int wf = 2 * (f.spectrumWidth() - 1);
            double expected = 2.5 * Math.sqrt(w * h) * Math.max(w, h) / (4.0 * h * wf);
            for (int i = 0; i < out.length; i++) {
                double want = i / (h * w) == 4 ? expected : 0;
                assertEquals(want, out[i], 1e-14, "value " + i + " for " + h + "x" + w);
            }
        }
        assertEquals(0.25, flatValue(8), 1e-15, "square images: 1/4 of the coefficient, as Lucid's / 4.0");
    }

    private static double flatValue(int size) {
        FourierParameterization f = FourierParameterization.of(1, 1, size, size);
        double[] p = new double[f.size()];
        p[0] = 1;
        double[] out = new double[size * size];
        f.image(p, out);
        return out[size + 3];
    }

    @Test
    void scaleIsLucids() {
        double[] s = FourierParameterization.spectrumScale(5, 7, 1);
        assertArrayEquals(new double[] {41.41255848169732, 41.41255848169732, 20.70627924084866, 13.804186160565772,
            13.804186160565772, 29.58039891549808}, java.util.Arrays.copyOf(s, 6), 1e-12);
        double[] e = FourierParameterization.spectrumScale(4, 6, 1);
        assertArrayEquals(new double[] {29.393876913398135, 29.393876913398135, 14.696938456699067,
            9.797958971132712, 19.595917942265423, 16.304789291682177}, java.util.Arrays.copyOf(e, 6), 1e-12);
        assertEquals(5, FourierParameterization.of(1, 3, 5, 7).spectrumWidth());
        assertEquals(4, FourierParameterization.of(1, 3, 5, 6).spectrumWidth());
        double[] flat = FourierParameterization.spectrumScale(4, 6, 0);
        for (double v : flat) {
            assertEquals(Math.sqrt(24), v, 1e-12, "decay power 0: a flat spectrum");
        }
    }

    @Property(tries = 30)
    void backwardIsTheExactAdjoint(@ForAll @IntRange(min = 1, max = 2) int n, @ForAll @IntRange(min = 1, max = 24) int h,
            @ForAll @IntRange(min = 1, max = 24) int w, @ForAll long seed) {
        FourierParameterization f = FourierParameterization.of(n, 3, h, w);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x = Checks.gaussian(rng, f.size());
        double[] y = Checks.gaussian(rng, n * 3 * h * w);
        double[] ax = new double[y.length];
        double[] aty = new double[x.length];
        f.image(x, ax);
        f.backward(x, y, aty);
        Checks.assertAdjoint(ax, y, x, aty, 1e-10, f.toString());
    }

    @Property(tries = 10)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 8, max = 24) int h,
            @ForAll @IntRange(min = 8, max = 24) int w, @ForAll long seed) {
        FourierParameterization f = FourierParameterization.of(2, 3, h, w);
        SplittableRandom rng = new SplittableRandom(seed);
        Checks.assertGradient(f, Checks.gaussian(rng, f.size()), rng, 80, 1e-4, 1e-7);
    }

    @Test
    void badArgumentsAreRefusedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FourierParameterization.of(1, 3, 8, 8, -1));
        assertTrue(e.getMessage().contains("-1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FourierParameterization.of(1, 3, 0, 8));
        assertTrue(e.getMessage().contains("[1, 3, 0, 8]"), e.getMessage());
        FourierParameterization f = FourierParameterization.of(1, 3, 8, 8);
        e = assertThrows(IllegalArgumentException.class, () -> f.image(new double[7], new double[192]));
        assertTrue(e.getMessage().contains("7") && e.getMessage().contains(String.valueOf(f.size())), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> f.backward(new double[f.size()], new double[191], new double[f.size()]));
        assertTrue(e.getMessage().contains("191") && e.getMessage().contains("192"), e.getMessage());
    }

    private static double[] image(FourierParameterization f, boolean ones) {
        double[] p = new double[f.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = ones ? 1 : Math.sin(0.37 * i + 0.1) * 0.5;
        }
        long[] s = f.imageShape();
        double[] out = new double[(int) (s[0] * s[1] * s[2] * s[3])];
        f.image(p, out);
        return out;
    }
}
