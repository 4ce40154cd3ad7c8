package dev.cnnviz.core.attribution;

import static dev.cnnviz.core.attribution.GradientTestNets.d;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.Model;
import org.junit.jupiter.api.Test;

/** A result that comes out NaN or infinite is an error, never returned. */
class NonFiniteResultTest {
    @Test
    void nanWeightsGiveAnErrorNotANanMap() {
        double[] w = SaliencyTest.W.clone();
        w[13] = Double.NaN;                               // class 1 reads a NaN weight
        Model m = GradientTestNets.linear(w, SaliencyTest.B, 3, 2, 2);
        NonFiniteResultException e = assertThrows(NonFiniteResultException.class,
                () -> Saliency.of(m).explain(d(SaliencyTest.X, 1, 3, 2, 2), 1));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void overflowingScoresAreRefused() {
        double[] w = SaliencyTest.W.clone();
        java.util.Arrays.fill(w, Double.MAX_VALUE / 4);   // the (float64) score of 12 such terms overflows to +Infinity
        Model m = GradientTestNets.linear(w, SaliencyTest.B, 3, 2, 2);
        NonFiniteResultException e = assertThrows(NonFiniteResultException.class,
                () -> Saliency.of(m).explain(d(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 3, 2, 2), 0));
        assertTrue(e.getMessage().startsWith("the target's score holds 1 infinite values"), e.getMessage());
    }

    @Test
    void messageCountsWhatIsWrong() {
        NonFiniteResultException e = assertThrows(NonFiniteResultException.class,
                () -> NonFiniteResultException.requireFinite(new float[] {1, Float.NaN, Float.NEGATIVE_INFINITY, Float.NaN}, "x"));
        assertTrue(e.getMessage().startsWith("x holds 2 NaN and 1 infinite values (of 4)"), e.getMessage());
        NonFiniteResultException.requireFinite(new float[] {0, -1, Float.MAX_VALUE}, "finite");
    }
}
