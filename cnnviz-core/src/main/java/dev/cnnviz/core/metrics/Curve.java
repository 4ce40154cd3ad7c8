package dev.cnnviz.core.metrics;

import dev.cnnviz.api.NonFiniteResultException;
import java.util.Arrays;

/**
 * A metric's curve: the model's response {@code values[i]} after a fraction {@code fractions[i]} of the input was
 * removed (deletion, ROAD), inserted (insertion) or randomised (sanity checks), and its area.
 *
 * <p>{@link #auc()} is the trapezoidal area under the curve divided by the width of its x range,
 * <pre>  AUC = Σ_i (x_{i+1} − x_i)(y_i + y_{i+1}) / 2  /  (x_n − x_0)</pre>
 * which for a curve over {@code [0, 1]} (deletion and insertion) is Petsiuk et al.'s AUC, and for ROAD's
 * {@code 10%..90%} the mean response over that range.
 *
 * <pre>{@code
 * Curve c = DeletionInsertion.of(model).curve(x, map, Target.topClass());
 * double auc = c.auc();            // lower is better for deletion
 * }</pre>
 *
 * @param fractions the x values, increasing
 * @param values    the responses, one per fraction, finite
 */
public record Curve(double[] fractions, double[] values) {

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if the arrays differ in length, are empty, or the fractions do not increase
     * @throws NonFiniteResultException if a value is NaN or infinite
     */
    public Curve {
        if (fractions == null || values == null || fractions.length != values.length || fractions.length == 0) {
            throw new IllegalArgumentException("a curve needs as many values as fractions, at least one, found "
                    + (fractions == null ? "null" : fractions.length) + " and " + (values == null ? "null" : values.length));
        }
        for (int i = 1; i < fractions.length; i++) {
            if (!(fractions[i] > fractions[i - 1])) {
                throw new IllegalArgumentException("curve fractions must increase, found " + Arrays.toString(fractions));
            }
        }
        NonFiniteResultException.requireFinite(values, "the metric's curve");
        fractions = fractions.clone();
        values = values.clone();
    }

    @Override
    public double[] fractions() {
        return fractions.clone();
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    /** @return the number of points */
    public int size() {
        return values.length;
    }

    /** @return the normalised trapezoidal area (see the class comment); the single value for a one-point curve */
    public double auc() {
        if (values.length == 1) {
            return values[0];
        }
        double a = 0;
        for (int i = 0; i + 1 < values.length; i++) {
            a += (fractions[i + 1] - fractions[i]) * (values[i] + values[i + 1]) / 2;
        }
        return a / (fractions[fractions.length - 1] - fractions[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Curve c && Arrays.equals(c.fractions, fractions) && Arrays.equals(c.values, values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(fractions) * 31 + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "Curve[" + values.length + " points, auc " + auc() + "]";
    }
}
