package dev.cnnviz.api;

/**
 * A computation produced NaN or infinite values where a result must be finite: class scores, an attribution, a
 * heat map. cnnviz never returns such a result silently; it throws this instead. The usual causes are weights
 * that are not finite (a model loaded with non-finite weights allowed, for inspection) or arithmetic that
 * overflowed (inputs far outside the range the model was trained on).
 *
 * <pre>{@code
 * try {
 *     Explanation e = GradCam.of(model).explain(img, 285);
 * } catch (NonFiniteResultException e) {
 *     System.err.println(e.getMessage());   // "Grad-CAM attribution holds 169 NaN values (of 169) ..."
 * }
 * }</pre>
 */
public class NonFiniteResultException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that names the result and what was wrong with it. */
    public NonFiniteResultException(String message) {
        super(message);
    }

    /**
     * Throws if any value is NaN or infinite.
     *
     * @param values the result's values
     * @param what   the result, as a noun phrase: "Grad-CAM attribution", "class scores"
     * @throws NonFiniteResultException naming {@code what}, how many values are NaN and how many infinite
     */
    public static void requireFinite(float[] values, String what) {
        int nan = 0;
        int inf = 0;
        for (float v : values) {
            if (Float.isNaN(v)) {
                nan++;
            } else if (Float.isInfinite(v)) {
                inf++;
            }
        }
        if (nan + inf > 0) {
            throw new NonFiniteResultException(what + " holds " + describe(nan, inf) + " (of " + values.length
                    + "): the model's weights are not finite or its arithmetic overflowed on this input");
        }
    }

    /**
     * Throws if any value is NaN or infinite.
     *
     * @see #requireFinite(float[], String)
     */
    public static void requireFinite(double[] values, String what) {
        int nan = 0;
        int inf = 0;
        for (double v : values) {
            if (Double.isNaN(v)) {
                nan++;
            } else if (Double.isInfinite(v)) {
                inf++;
            }
        }
        if (nan + inf > 0) {
            throw new NonFiniteResultException(what + " holds " + describe(nan, inf) + " (of " + values.length
                    + "): the model's weights are not finite or its arithmetic overflowed on this input");
        }
    }

    private static String describe(int nan, int inf) {
        if (nan > 0 && inf > 0) {
            return nan + " NaN and " + inf + " infinite values";
        }
        return nan > 0 ? nan + " NaN values" : inf + " infinite values";
    }
}
