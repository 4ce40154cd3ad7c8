package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

/** Helpers of the feature-visualization tests: random vectors, inner products, finite differences. */
final class Checks {
    private Checks() {
    }

    static double[] gaussian(SplittableRandom rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** The adjoint identity {@code <A x, y> = <x, Aᵀ y>} to {@code tol} relative to {@code |A x| |y|}. */
    static void assertAdjoint(double[] ax, double[] y, double[] x, double[] aty, double tol, String what) {
        double left = dot(ax, y);
        double right = dot(x, aty);
        double scale = Math.max(norm(ax) * norm(y), Math.abs(left));
        assertTrue(Math.abs(left - right) <= tol * scale,
                what + ": <Ax, y> = " + left + " but <x, A^T y> = " + right + " (scale " + scale + ")");
    }

    /**
     * Checks {@code param.backward} against central differences of {@code L(p) = <r, image(p)>} on up to
     * {@code coordinates} coordinates of p (all if fewer), relative error of the vector below {@code tol}.
     */
    static void assertGradient(ImageParameterization param, double[] p, SplittableRandom rng, int coordinates,
            double h, double tol) {
        int m = param.size();
        int len = (int) (param.imageShape()[0] * param.imageShape()[1] * param.imageShape()[2]
                * param.imageShape()[3]);
        double[] r = gaussian(rng, len);
        double[] grad = new double[m];
        param.backward(p, r, grad);
        double[] image = new double[len];
        int k = Math.min(coordinates, m);
        double[] fd = new double[k];
        double[] an = new double[k];
        for (int c = 0; c < k; c++) {
            int j = k == m ? c : rng.nextInt(m);
            double saved = p[j];
            p[j] = saved + h;
            param.image(p, image);
            double plus = dot(r, image);
            p[j] = saved - h;
            param.image(p, image);
            double minus = dot(r, image);
            p[j] = saved;
            fd[c] = (plus - minus) / (2 * h);
            an[c] = grad[j];
        }
        double[] diff = new double[k];
        for (int c = 0; c < k; c++) {
            diff[c] = fd[c] - an[c];
        }
        double err = norm(diff) / Math.max(norm(an), 1e-12);
        assertTrue(err < tol, param + ": finite differences differ from backward by " + err + " (relative)");
    }
}
