package dev.cnnviz.core.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** PCA against a decomposition known in closed form. */
class PcaTest {

    @Test
    void recoversKnownAxesAndVariances() {
        // An orthonormal basis of R^3 (a rotation), and points ±a·u1, ±b·u2, ±c·u3 around a mean: the covariance is
        // (2a² u1u1ᵀ + 2b² u2u2ᵀ + 2c² u3u3ᵀ) / 5, so the components are u1, u2, u3 with variances 2a²/5, 2b²/5, 2c²/5.
        double s = 1 / Math.sqrt(2);
        double t = 1 / Math.sqrt(3);
        double[][] u = {{t, t, t}, {s, -s, 0}, {t * s, t * s, -2 * t * s}};
        double[] len = {5, 2, 0.5};
        double[] mean = {10, -3, 7};
        float[][] rows = new float[6][3];
        for (int k = 0; k < 3; k++) {
            for (int sign = 0; sign < 2; sign++) {
                for (int j = 0; j < 3; j++) {
                    rows[2 * k + sign][j] = (float) (mean[j] + (sign == 0 ? 1 : -1) * len[k] * u[k][j]);
                }
            }
        }
        // normalise u[2] (t*s*(1,1,-2) has norm t*s*sqrt(6) = 1)
        Pca.Result r = Pca.fit(Nd4j.createFromArray(rows), 3);
        double total = 0;
        for (int k = 0; k < 3; k++) {
            total += 2 * len[k] * len[k] / 5;
        }
        for (int k = 0; k < 3; k++) {
            assertEquals(2 * len[k] * len[k] / 5, r.explainedVariance()[k], 1e-4, "variance " + k);
            assertEquals(2 * len[k] * len[k] / 5 / total, r.explainedVarianceRatio()[k], 1e-6, "ratio " + k);
            double dot = 0;
            for (int j = 0; j < 3; j++) {
                dot += r.components()[k][j] * u[k][j];
            }
            assertEquals(1, Math.abs(dot), 1e-5, "component " + k + " is ±u" + (k + 1));
        }
        assertEquals(total, r.totalVariance(), 1e-4);
        assertArrayEquals(mean, r.mean(), 1e-5);
        double[][] projected = r.project(Nd4j.createFromArray(rows));
        assertEquals(len[0], Math.abs(projected[0][0]), 1e-4);
        assertEquals(0, projected[0][1], 1e-4);
        assertEquals(len[1], Math.abs(projected[2][1]), 1e-4);
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> Pca.fit(Nd4j.ones(1, 3), 1));
        assertThrows(IllegalArgumentException.class, () -> Pca.fit(Nd4j.ones(4, 3), 4));
        assertThrows(IllegalArgumentException.class, () -> Pca.fit(Nd4j.ones(4, 3), 0));
    }
}
