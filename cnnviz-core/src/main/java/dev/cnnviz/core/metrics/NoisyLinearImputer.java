package dev.cnnviz.core.metrics;

import java.util.Random;
import org.apache.commons.math3.exception.MaxCountExceededException;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.ConjugateGradient;
import org.apache.commons.math3.linear.JacobiPreconditioner;
import org.apache.commons.math3.linear.RealLinearOperator;
import org.apache.commons.math3.linear.RealVector;

/**
 * ROAD's noisy linear imputation (Rong, Leemann, Borisov, Kasneci &amp; Kasneci 2022, "A Consistent and Efficient
 * Evaluation Strategy for Attribution Methods", ICML, Sec. 4): every removed pixel takes the weighted mean of its
 * eight neighbours, direct ones with weight 1/6 and diagonal ones 1/12 (neighbours outside the image are left out),
 * which for all removed pixels at once is a sparse linear system; Gaussian noise is added to the solution, so that
 * the imputed region carries no information about the mask's shape.
 *
 * <pre>  for each removed pixel i:   Σ_{j∈N(i)} w_ij (x_i − x_j) = 0,   then  x_i ← x_i + σ·ε_i,  ε_i ~ N(0, 1)</pre>
 * The system (a weighted graph Laplacian on the removed pixels, with the kept neighbours on the right-hand side) is
 * symmetric positive definite as long as one pixel is kept, and is solved per channel by Jacobi-preconditioned
 * conjugate gradients (Apache Commons Math) to a relative residual of {@code 1e-6}; the authors' code solves it with
 * SciPy's direct {@code spsolve}. Defaults: {@code σ = 0.01} (the authors' default, in the model's preprocessed
 * space).
 *
 * <pre>{@code
 * float[] filled = new NoisyLinearImputer(0.01).impute(x, removed, 3, 224, 224, new Random(7));
 * }</pre>
 */
public final class NoisyLinearImputer {
    /** The authors' default noise standard deviation. */
    public static final double DEFAULT_NOISE = 0.01;

    private static final int[][] OFFSETS = {{1, 1}, {0, 1}, {-1, 1}, {1, -1}, {0, -1}, {-1, -1}, {1, 0}, {-1, 0}};
    private static final double[] WEIGHTS = {1 / 12.0, 1 / 6.0, 1 / 12.0, 1 / 12.0, 1 / 6.0, 1 / 12.0, 1 / 6.0, 1 / 6.0};

    private final double noise;

    /**
     * @param noise the standard deviation of the noise added to imputed values, at least 0
     * @throws IllegalArgumentException if it is negative or not finite
     */
    public NoisyLinearImputer(double noise) {
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException("the imputation noise must be a finite number at least 0, found " + noise);
        }
        this.noise = noise;
    }

    /** @return the noise standard deviation */
    public double noise() {
        return noise;
    }

    /**
     * Imputes the removed pixels of one input.
     *
     * @param x        {@code C*H*W} values (not modified)
     * @param removed  {@code H*W} flags, true for pixels to impute (all channels); at least one pixel must be kept
     * @param channels {@code C}
     * @param height   {@code H}
     * @param width    {@code W}
     * @param random   the noise source
     * @return a copy of {@code x} with the removed pixels imputed
     * @throws IllegalArgumentException if the sizes disagree or every pixel is removed
     */
    public float[] impute(float[] x, boolean[] removed, int channels, int height, int width, Random random) {
        int plane = height * width;
        if (x.length != channels * plane || removed.length != plane) {
            throw new IllegalArgumentException("imputation needs " + channels * plane + " values and " + plane
                    + " flags, found " + x.length + " and " + removed.length);
        }
        int[] var = new int[plane];
        int unknowns = 0;
        for (int p = 0; p < plane; p++) {
            var[p] = removed[p] ? unknowns++ : -1;
        }
        float[] out = x.clone();
        if (unknowns == 0) {
            return out;
        }
        if (unknowns == plane) {
            throw new IllegalArgumentException("noisy linear imputation needs at least one kept pixel; all " + plane
                    + " pixels were removed");
        }
        int[] pixel = new int[unknowns];
        // Per unknown: its 8 neighbours' variable (>= 0), or -1 kept, or -2 outside.
        int[] nb = new int[unknowns * 8];
        int[] nbPixel = new int[unknowns * 8];
        double[] diag = new double[unknowns];
        for (int p = 0; p < plane; p++) {
            int v = var[p];
            if (v < 0) {
                continue;
            }
            pixel[v] = p;
            int y = p / width;
            int xx = p % width;
            for (int k = 0; k < 8; k++) {
                int ny = y + OFFSETS[k][0];
                int nx = xx + OFFSETS[k][1];
                if (ny < 0 || nx < 0 || ny >= height || nx >= width) {
                    nb[v * 8 + k] = -2;
                    continue;
                }
                int q = ny * width + nx;
                nb[v * 8 + k] = var[q] >= 0 ? var[q] : -1;
                nbPixel[v * 8 + k] = q;
                diag[v] += WEIGHTS[k];
            }
        }
        final int n = unknowns;
        RealLinearOperator a = new RealLinearOperator() {
            @Override
            public int getRowDimension() {
                return n;
            }

            @Override
            public int getColumnDimension() {
                return n;
            }

            @Override
            public RealVector operate(RealVector in) {
                double[] v = in.toArray();
                double[] r = new double[n];
                for (int i = 0; i < n; i++) {
                    double s = diag[i] * v[i];
                    for (int k = 0; k < 8; k++) {
                        int j = nb[i * 8 + k];
                        if (j >= 0) {
                            s -= WEIGHTS[k] * v[j];
                        }
                    }
                    r[i] = s;
                }
                return new ArrayRealVector(r, false);
            }
        };
        JacobiPreconditioner pre = new JacobiPreconditioner(diag, true);
        ConjugateGradient cg = new ConjugateGradient(Math.max(1000, 20 * n), 1e-6, false);
        for (int c = 0; c < channels; c++) {
            int base = c * plane;
            double[] b = new double[n];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < 8; k++) {
                    if (nb[i * 8 + k] == -1) {
                        b[i] += WEIGHTS[k] * x[base + nbPixel[i * 8 + k]];
                    }
                }
            }
            double norm = 0;
            for (double v : b) {
                norm += v * v;
            }
            double[] sol;
            if (norm == 0) {
                sol = new double[n]; // every kept neighbour is 0: so is the solution
            } else {
                try {
                    // Relative residual ||b - A x|| <= 1e-6 ||b||, from x = 0.
                    sol = cg.solve(a, pre, new ArrayRealVector(b, false)).toArray();
                } catch (MaxCountExceededException e) {
                    throw new ArithmeticException("noisy linear imputation did not converge for " + n + " pixels of channel " + c);
                }
            }
            for (int i = 0; i < n; i++) {
                out[base + pixel[i]] = (float) (sol[i] + noise * random.nextGaussian());
            }
        }
        dev.cnnviz.api.NonFiniteResultException.requireFinite(out, "the imputed input");
        return out;
    }
}
