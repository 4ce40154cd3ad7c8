package dev.cnnviz.core.metrics;

import dev.cnnviz.api.Map2D;
import dev.cnnviz.core.render.Resample;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/**
 * Spearman's rank correlation between two saliency maps, the similarity measure of Adebayo et al.'s sanity checks
 * (2018, Sec. 3): Pearson's correlation of the values' ranks (ties get their average rank), computed by Apache Commons
 * Math's {@code SpearmansCorrelation}.
 *
 * <p>Maps of different resolutions are compared at the first one's size (the second resampled bilinearly). With
 * {@code absolute} the magnitudes {@code |m|} are ranked (Adebayo et al.'s "absolute value" variant, which ignores the
 * sign of signed maps). A constant map has no ranking: its correlation with anything is defined as 0 here (Commons Math
 * would return NaN), and two equal constant maps have correlation 1.
 *
 * <pre>{@code
 * double rho = RankCorrelation.spearman(original.map(), randomised.map(), true);
 * }</pre>
 */
public final class RankCorrelation {
    private RankCorrelation() {
    }

    /**
     * @param a        the reference map
     * @param b        the other map (resampled to {@code a}'s size if needed)
     * @param absolute whether to rank {@code |value|}
     * @return Spearman's ρ in {@code [−1, 1]}
     * @throws IllegalArgumentException if a map is null or has a NaN or infinite value
     */
    public static double spearman(Map2D a, Map2D b, boolean absolute) {
        if (a == null || b == null) {
            throw new IllegalArgumentException("both maps are needed for a rank correlation");
        }
        Map2D bb = b.height() == a.height() && b.width() == a.width() ? b : Resample.bilinear(b, a.height(), a.width());
        return spearman(a.values(), bb.values(), absolute);
    }

    /**
     * @return Spearman's ρ of two equally long arrays (see the class comment for constant arrays)
     * @throws IllegalArgumentException if the lengths differ, are below 2, or a value is not finite
     */
    public static double spearman(float[] a, float[] b, boolean absolute) {
        if (a.length != b.length || a.length < 2) {
            throw new IllegalArgumentException("rank correlation needs two arrays of the same length, at least 2, found "
                    + a.length + " and " + b.length);
        }
        double[] x = new double[a.length];
        double[] y = new double[b.length];
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i]) || !Float.isFinite(b[i])) {
                throw new IllegalArgumentException("rank correlation of maps with a NaN or infinite value at index " + i);
            }
            x[i] = absolute ? Math.abs(a[i]) : a[i];
            y[i] = absolute ? Math.abs(b[i]) : b[i];
        }
        boolean cx = constant(x);
        boolean cy = constant(y);
        if (cx || cy) {
            return cx && cy && x[0] == y[0] ? 1 : 0;
        }
        return new SpearmansCorrelation().correlation(x, y);
    }

    private static boolean constant(double[] v) {
        for (double d : v) {
            if (d != v[0]) {
                return false;
            }
        }
        return true;
    }
}
