package dev.cnnviz.core.metrics;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * The mean of a metric over images and its 95% confidence interval, {@code mean ± t_{0.975, n−1}·s/√n} (Student's
 * t, with {@code s} the sample standard deviation; Apache Commons Math's t distribution); the half-width is 0 for one
 * value.
 *
 * <pre>{@code
 * Summary s = Summary.of(new double[] {0.21, 0.18, 0.25});
 * String cell = s.format(3);   // "0.213 ± 0.087"
 * }</pre>
 *
 * @param mean      the mean
 * @param halfWidth the half-width of the 95% interval
 * @param n         the number of values
 */
public record Summary(double mean, double halfWidth, int n) {

    /**
     * @param values at least one, all finite
     * @return their summary
     * @throws IllegalArgumentException if empty or a value is not finite
     */
    public static Summary of(double[] values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("a summary needs at least one value");
        }
        double sum = 0;
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("a summary needs finite values, found " + v);
            }
            sum += v;
        }
        int n = values.length;
        double mean = sum / n;
        if (n == 1) {
            return new Summary(mean, 0, 1);
        }
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        double t = new TDistribution(n - 1).inverseCumulativeProbability(0.975);
        return new Summary(mean, t * sd / Math.sqrt(n), n);
    }

    /** @return {@code "mean ± halfWidth"} with {@code digits} decimals */
    public String format(int digits) {
        String f = "%." + digits + "f";
        return String.format(java.util.Locale.ROOT, f + " ± " + f, mean, halfWidth);
    }
}
