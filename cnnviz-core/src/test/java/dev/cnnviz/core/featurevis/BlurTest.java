package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SynthesisEngine#blur}: SciPy's {@code gaussian_filter} (truncate 4, mode reflect) to rounding, and bit for
 * bit the plain tap-by-tap loop with reflected indices (the interior columns run tap by tap over whole rows, the
 * columns near an edge through the reflected tap table; both must sum their taps in the same order).
 */
class BlurTest {
    /** The image of {@link #matchesScipy}: a 4 × 11 plane. */
    private static double[] scipyInput() {
        int h = 4;
        int w = 11;
        double[] x = new double[h * w];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                x[i * w + j] = ((i * w + j) * 0.37) % 1.0 - ((i + j) % 3 == 0 ? 0.5 : 0);
            }
        }
        return x;
    }

    @Test
    void matchesScipy() {
        // scipy.ndimage.gaussian_filter(x, sigma, mode='reflect', truncate=4.0), SciPy 1.17.1
        double[] sigmaHalf = {-0.35158521450983543, 0.3237899775712312, 0.5511597122359645, -0.13269876715518322,
            0.4340599520357973, 0.6611597122359646, -0.02272699504650133, 0.5326720078985151, 0.6870135541540986,
            0.07582970294779917, 0.6202817967820361, 0.056147393295688686, 0.3503989746111718, 0.382569066325928,
            0.197010726432541, 0.46044746064236874, 0.49236151777626336, 0.30674700059936766, 0.4753845631812777,
            -0.10006305002921272, 0.32191197945260225, 0.6770236787429728, 0.08991080511972445, 0.18908045764376746,
            0.6837239711162103, 0.2669456966792036, 0.2878869067751458, 0.7097853615840103, 0.3653502039922563,
            0.302795920672301, 0.11736079377853374, 0.3803638115793347, 0.44336750895900745, -0.16226502934777537,
            0.4825763990957974, 0.7823313835684154, 0.06205166424234508, 0.497797590044931, 0.1899068157629399,
            0.07696060851471748, 0.5961740087162305, 0.21576065768107366, 0.17572485505868235, 0.7675148585822867};
        double[] sigmaOne = {-0.04247160010586645, 0.205742626900005, 0.30563480314301283, 0.25150920825067596,
            0.35738685051126406, 0.4157415272056997, 0.34134609222497125, 0.3813963654732414, 0.3848041704508076,
            0.37088610110553794, 0.49093901574299115, 0.06570344022372768, 0.25073827312564434, 0.3448155659423293,
            0.30943707415277083, 0.3786090962296327, 0.4313156156694019, 0.37052396278249744, 0.3292900012312122,
            0.2853157823583813, 0.3461084711756477, 0.49597430080408517, 0.10771739025612928, 0.2985298233099988,
            0.413568932340839, 0.35776411005543407, 0.3732620305861684, 0.4056611830264853, 0.36138398461592214,
            0.3111281307479554, 0.2589472162684107, 0.34105158137209185, 0.4959612526662126, 0.07953298109923064,
            0.3362259979270604, 0.4657896836774833, 0.36737633014367677, 0.34032088329152954, 0.32260880322358204,
            0.3032831509674946, 0.33003376698169495, 0.29061870390295996, 0.3542096160673734, 0.5342777028745931};
        double[] a = scipyInput();
        SynthesisEngine.blur(a, 1, 4, 11, 0.5);
        double[] b = scipyInput();
        SynthesisEngine.blur(b, 1, 4, 11, 1.0);
        for (int i = 0; i < a.length; i++) {
            assertEquals(sigmaHalf[i], a[i], 1e-12, "sigma 0.5 at " + i);
            assertEquals(sigmaOne[i], b[i], 1e-12, "sigma 1 at " + i);
        }
    }

    @Test
    void sameBitsAsThePlainTapLoop() {
        Random r = new Random(5);
        int[][] sizes = {{1, 1}, {1, 7}, {3, 2}, {5, 4}, {4, 5}, {5, 9}, {9, 5}, {28, 28}, {17, 224}, {6, 30}};
        double[] sigmas = {0.5, 1.0, 2.5};
        for (int[] hw : sizes) {
            for (double sigma : sigmas) {
                int h = hw[0];
                int w = hw[1];
                int planes = 3;
                double[] x = new double[planes * h * w];
                for (int i = 0; i < x.length; i++) {
                    x[i] = r.nextGaussian() * (i % 5 == 0 ? 1e-3 : 40);
                }
                double[] want = plainBlur(x, planes, h, w, sigma);
                double[] got = x.clone();
                SynthesisEngine.blur(got, planes, h, w, sigma);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Double.doubleToRawLongBits(want[i]), Double.doubleToRawLongBits(got[i]),
                            h + "x" + w + " sigma " + sigma + " at " + i + ": " + want[i] + " vs " + got[i]);
                }
            }
        }
    }

    /** Every output a sum over its taps in order, each source index reflected on the spot. */
    private static double[] plainBlur(double[] x, int planes, int h, int w, double sigma) {
        int radius = (int) (4 * sigma + 0.5);
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = StrictMath.exp(-0.5 * i * i / (sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        double[] out = x.clone();
        double[] tmp = new double[h * w];
        for (int p = 0; p < planes; p++) {
            int off = p * h * w;
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    double acc = 0;
                    for (int t = 0; t < k.length; t++) {
                        acc += k[t] * x[off + y * w + reflect(xx + t - radius, w)];
                    }
                    tmp[y * w + xx] = acc;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    double acc = 0;
                    for (int t = 0; t < k.length; t++) {
                        acc += k[t] * tmp[reflect(y + t - radius, h) * w + xx];
                    }
                    out[off + y * w + xx] = acc;
                }
            }
        }
        return out;
    }

    private static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int m = Math.floorMod(i, 2 * n);
        return m < n ? m : 2 * n - 1 - m;
    }
}
