package dev.cnnviz.core.embedding;

import dev.cnnviz.core.MemoryBudget;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Principal component analysis of the rows of a matrix: the covariance matrix {@code (X - mean)ᵀ(X - mean) / (N - 1)}
 * is accumulated in double precision over blocks of rows, and decomposed with LAPACK's symmetric eigensolver
 * (ND4J's {@link Eigen}). Components are unit vectors in decreasing order of variance, each signed so that its
 * largest-magnitude coordinate is positive (so results are reproducible).
 *
 * <pre>{@code
 * Pca.Result pca = Pca.fit(embeddings.vectors(), 2);
 * double[] ratio = pca.explainedVarianceRatio();     // e.g. [0.41, 0.17]
 * double[][] xy = pca.project(embeddings.vectors());  // [N][2]
 * }</pre>
 */
public final class Pca {
    private static final int BLOCK = 4096;

    private Pca() {
    }

    /**
     * A fitted PCA.
     *
     * @param mean                   the mean row, length D
     * @param components             {@code components[c]} is the c-th principal axis, a unit vector of length D
     * @param explainedVariance      the variance along each component (the covariance eigenvalues)
     * @param explainedVarianceRatio each component's share of the total variance
     * @param totalVariance          the trace of the covariance matrix
     */
    public record Result(double[] mean, double[][] components, double[] explainedVariance,
            double[] explainedVarianceRatio, double totalVariance) {

        /**
         * One line for JShell and logs, e.g. {@code "Pca.Result[2 components of 128 dimensions, explained variance
         * 34.1% + 12.0% = 46.1%]"} (the first five components' shares, then the sum of all).
         *
         * @return the description (never the components)
         */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("Pca.Result[").append(components.length)
                    .append(components.length == 1 ? " component of " : " components of ").append(mean.length)
                    .append(" dimensions, explained variance ");
            double sum = 0;
            for (int i = 0; i < explainedVarianceRatio.length; i++) {
                sum += explainedVarianceRatio[i];
                if (i < 5) {
                    sb.append(i == 0 ? "" : " + ").append(String.format(Locale.ROOT, "%.1f%%", 100 * explainedVarianceRatio[i]));
                }
            }
            if (explainedVarianceRatio.length > 5) {
                sb.append(" + ...");
            }
            if (explainedVarianceRatio.length > 1) {
                sb.append(String.format(Locale.ROOT, " = %.1f%%", 100 * sum));
            }
            return sb.append(']').toString();
        }

        /**
         * Projects rows onto the components.
         *
         * @param data a {@code [M, D]} matrix
         * @return {@code [M][components]} coordinates
         * @throws IllegalArgumentException if the width is not D
         */
        public double[][] project(INDArray data) {
            Objects.requireNonNull(data, "data");
            int d = mean.length;
            if (data.rank() != 2 || data.size(1) != d) {
                throw new IllegalArgumentException("expected an [M, " + d + "] matrix, found "
                        + Arrays.toString(data.shape()));
            }
            int m = (int) data.size(0);
            int c = components.length;
            double[][] out = new double[m][c];
            for (int from = 0; from < m; from += BLOCK) {
                int to = Math.min(m, from + BLOCK);
                double[] rows = data.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).castTo(DataType.DOUBLE)
                        .dup('c').data().asDouble();
                for (int r = 0; r < to - from; r++) {
                    for (int k = 0; k < c; k++) {
                        double s = 0;
                        double[] axis = components[k];
                        for (int j = 0; j < d; j++) {
                            s += (rows[r * d + j] - mean[j]) * axis[j];
                        }
                        out[from + r][k] = s;
                    }
                }
            }
            return out;
        }
    }

    /**
     * Fits {@code components} principal components to the rows of {@code data}.
     *
     * @param data       a floating-point {@code [N, D]} matrix, N at least 2, finite
     * @param components how many components, {@code 1..D}
     * @return the fit
     * @throws IllegalArgumentException if the matrix or the count is invalid
     */
    public static Result fit(INDArray data, int components) {
        Objects.requireNonNull(data, "data");
        if (data.rank() != 2 || data.size(0) < 2 || data.size(1) < 1) {
            throw new IllegalArgumentException("PCA needs an [N, D] matrix with N >= 2 and D >= 1, found "
                    + Arrays.toString(data.shape()));
        }
        int n = (int) data.size(0);
        int d = (int) data.size(1);
        if (components < 1 || components > d) {
            throw new IllegalArgumentException("components must be in 1.." + d + ", found " + components);
        }
        if (!Double.isFinite(data.sumNumber().doubleValue())) {
            throw new IllegalArgumentException("PCA input holds NaN or infinite values");
        }
        MemoryBudget.defaultBudget().check("a " + d + " x " + d + " covariance matrix",
                MemoryBudget.saturatedAdd(MemoryBudget.bytesOf(16, d, d), MemoryBudget.bytesOf(8, BLOCK, d)),
                "reduce the dimension first (pool the layer)");
        INDArray mean = data.castTo(DataType.DOUBLE).mean(0).reshape(1, d);
        INDArray cov = Nd4j.zeros(DataType.DOUBLE, d, d);
        for (int from = 0; from < n; from += BLOCK) {
            int to = Math.min(n, from + BLOCK);
            INDArray block = data.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).castTo(DataType.DOUBLE)
                    .subRowVector(mean);
            cov.addi(block.transpose().mmul(block));
        }
        cov.divi(n - 1);
        double total = 0;
        for (int i = 0; i < d; i++) {
            total += cov.getDouble(i, i);
        }
        INDArray vectors = cov.dup('f');
        INDArray values = Eigen.symmetricGeneralizedEigenvalues(vectors, true); // ascending; columns of vectors
        double[] eig = values.castTo(DataType.DOUBLE).toDoubleVector();
        double[][] axes = new double[components][d];
        double[] variance = new double[components];
        double[] ratio = new double[components];
        for (int k = 0; k < components; k++) {
            int col = d - 1 - k;
            double max = 0;
            for (int j = 0; j < d; j++) {
                axes[k][j] = vectors.getDouble(j, col);
                if (Math.abs(axes[k][j]) > Math.abs(max)) {
                    max = axes[k][j];
                }
            }
            if (max < 0) {
                for (int j = 0; j < d; j++) {
                    axes[k][j] = -axes[k][j];
                }
            }
            variance[k] = Math.max(0, eig[col]);
            ratio[k] = total > 0 ? variance[k] / total : 0;
        }
        return new Result(mean.toDoubleVector(), axes, variance, ratio, total);
    }
}
