package dev.cnnviz.core.optim;

import java.util.SplittableRandom;

/** Test functions with known minimizers, and helpers to build them. */
final class TestFunctions {
    private TestFunctions() {
    }

    /**
     * The Rosenbrock function {@code Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)²}, minimum 0 at (1, ..., 1) (for n ≤ 3 the
     * only stationary point; for n ≥ 4 a second local minimum near x_0 = −1 exists, which the standard start
     * (−1.2, 1, −1.2, 1, ...) does not reach).
     */
    static final DifferentiableFunction ROSENBROCK = (x, g) -> {
        java.util.Arrays.fill(g, 0);
        double f = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            double a = x[i + 1] - x[i] * x[i];
            double b = 1 - x[i];
            f += 100 * a * a + b * b;
            g[i] += -400 * x[i] * a - 2 * b;
            g[i + 1] += 200 * a;
        }
        return f;
    };

    /** The standard start (−1.2, 1, −1.2, 1, ...). */
    static double[] rosenbrockStart(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 2 == 0 ? -1.2 : 1.0;
        }
        return x;
    }

    /** {@code f(x) = ½ xᵀAx − bᵀx}, gradient {@code Ax − b}; A symmetric. */
    static DifferentiableFunction quadratic(double[][] a, double[] b) {
        return (x, g) -> {
            double f = 0;
            for (int i = 0; i < x.length; i++) {
                double ax = 0;
                for (int j = 0; j < x.length; j++) {
                    ax += a[i][j] * x[j];
                }
                g[i] = ax - b[i];
                f += 0.5 * x[i] * ax - b[i] * x[i];
            }
            return f;
        };
    }

    /** A random symmetric positive definite matrix {@code M Mᵀ / n + I} (eigenvalues in [1, about 5]). */
    static double[][] randomSpd(int n, SplittableRandom random) {
        double[][] m = new double[n][n];
        for (double[] row : m) {
            for (int j = 0; j < n; j++) {
                row[j] = random.nextDouble(-1, 1) * Math.sqrt(3);   // unit variance
            }
        }
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += m[i][k] * m[j][k];
                }
                a[i][j] = s / n + (i == j ? 1 : 0);
            }
        }
        return a;
    }

    /** @return A x. */
    static double[] times(double[][] a, double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x.length; j++) {
                y[i] += a[i][j] * x[j];
            }
        }
        return y;
    }

    /** @return the largest |u_i − v_i|. */
    static double maxDiff(double[] u, double[] v) {
        double m = 0;
        for (int i = 0; i < u.length; i++) {
            m = Math.max(m, Math.abs(u[i] - v[i]));
        }
        return m;
    }

    /** @return the Euclidean norm. */
    static double norm(double[] v) {
        double s = 0;
        for (double e : v) {
            s += e * e;
        }
        return Math.sqrt(s);
    }

    /** Counts the evaluations of a function. */
    static final class Counting implements DifferentiableFunction {
        private final DifferentiableFunction f;
        int calls;

        Counting(DifferentiableFunction f) {
            this.f = f;
        }

        @Override
        public double evaluate(double[] x, double[] gradient) {
            calls++;
            return f.evaluate(x, gradient);
        }
    }
}
