package dev.cnnviz.core.perturbation;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/**
 * The weighted regressions of KernelSHAP and LIME, on commons-math3's SVD (minimum-norm least squares where the
 * design is rank-deficient).
 */
final class Regression {
    private Regression() {
    }

    /**
     * Weighted least squares without intercept: {@code argmin_β Σ_i w_i (y_i − x_i·β)²}, the minimum-norm solution
     * when several minimise.
     */
    static double[] leastSquares(double[][] x, double[] y, double[] w) {
        int n = x.length;
        int p = x[0].length;
        double[][] a = new double[n][p];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            double s = Math.sqrt(w[i]);
            for (int j = 0; j < p; j++) {
                a[i][j] = x[i][j] * s;
            }
            b[i] = y[i] * s;
        }
        RealMatrix m = new Array2DRowRealMatrix(a, false);
        return new SingularValueDecomposition(m).getSolver().solve(new ArrayRealVector(b, false)).toArray();
    }

    /**
     * Weighted ridge regression with an unpenalised intercept (scikit-learn's {@code Ridge(alpha)} with
     * {@code sample_weight}): {@code argmin Σ_i w_i (y_i − β₀ − x_i·β)² + α ‖β‖²}.
     *
     * @return {@code β} (without the intercept)
     */
    static double[] ridge(double[][] x, double[] y, double[] w, double alpha) {
        int n = x.length;
        int p = x[0].length;
        double[][] xc = new double[n][];
        double[] yc = new double[n];
        center(x, y, w, xc, yc);
        double[][] g = new double[p][p];
        double[] r = new double[p];
        for (int i = 0; i < n; i++) {
            double[] xi = xc[i];
            for (int j = 0; j < p; j++) {
                double wx = w[i] * xi[j];
                if (wx == 0) {
                    continue;
                }
                r[j] += wx * yc[i];
                for (int k = j; k < p; k++) {
                    g[j][k] += wx * xi[k];
                }
            }
        }
        for (int j = 0; j < p; j++) {
            for (int k = 0; k < j; k++) {
                g[j][k] = g[k][j];
            }
            g[j][j] += alpha;
        }
        return new SingularValueDecomposition(new Array2DRowRealMatrix(g, false)).getSolver()
                .solve(new ArrayRealVector(r, false)).toArray();
    }

    /**
     * Weighted lasso with an unpenalised intercept by coordinate descent (scikit-learn's {@code Lasso(alpha)} with
     * {@code sample_weight}, weights rescaled to sum to the number of samples):
     * {@code argmin (1 / 2n) Σ_i w_i (y_i − β₀ − x_i·β)² + α ‖β‖₁}.
     *
     * @return {@code β} (without the intercept)
     */
    static double[] lasso(double[][] x, double[] y, double[] w, double alpha) {
        int n = x.length;
        int p = x[0].length;
        double[][] xc = new double[n][];
        double[] yc = new double[n];
        center(x, y, w, xc, yc);
        double sw = 0;
        for (double v : w) {
            sw += v;
        }
        double[] z = new double[p];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) {
                z[j] += w[i] * xc[i][j] * xc[i][j] / sw;
            }
        }
        double[] beta = new double[p];
        double[] res = yc.clone();
        for (int iter = 0; iter < 1000; iter++) {
            double maxStep = 0;
            for (int j = 0; j < p; j++) {
                if (z[j] == 0) {
                    continue;
                }
                double rho = 0;
                for (int i = 0; i < n; i++) {
                    rho += w[i] * xc[i][j] * (res[i] + xc[i][j] * beta[j]);
                }
                rho /= sw;
                double nb = Math.signum(rho) * Math.max(Math.abs(rho) - alpha, 0) / z[j];
                double d = nb - beta[j];
                if (d != 0) {
                    for (int i = 0; i < n; i++) {
                        res[i] -= xc[i][j] * d;
                    }
                    beta[j] = nb;
                    maxStep = Math.max(maxStep, Math.abs(d));
                }
            }
            if (maxStep < 1e-9) {
                break;
            }
        }
        return beta;
    }

    /** Subtracts the weighted means of the columns of {@code x} and of {@code y}. */
    private static void center(double[][] x, double[] y, double[] w, double[][] xc, double[] yc) {
        int n = x.length;
        int p = x[0].length;
        double sw = 0;
        double my = 0;
        double[] mx = new double[p];
        for (int i = 0; i < n; i++) {
            sw += w[i];
            my += w[i] * y[i];
            for (int j = 0; j < p; j++) {
                mx[j] += w[i] * x[i][j];
            }
        }
        if (!(sw > 0)) {
            throw new IllegalArgumentException("the regression's sample weights sum to " + sw + "; at least one must be positive");
        }
        my /= sw;
        for (int j = 0; j < p; j++) {
            mx[j] /= sw;
        }
        for (int i = 0; i < n; i++) {
            xc[i] = new double[p];
            for (int j = 0; j < p; j++) {
                xc[i][j] = x[i][j] - mx[j];
            }
            yc[i] = y[i] - my;
        }
    }
}
