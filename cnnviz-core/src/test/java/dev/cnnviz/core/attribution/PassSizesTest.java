package dev.cnnviz.core.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** How methods that evaluate the model many times split the evaluations into passes. */
class PassSizesTest {

    @Test
    void examples() {
        // Integrated gradients' 50 steps: two equal passes, one plan of 25 instead of plans of 32 and 18.
        assertArrayEquals(new int[] {25, 25}, AttributionBase.passSizes(50, 32));
        assertArrayEquals(new int[] {25, 25, 25, 25}, AttributionBase.passSizes(100, 32));
        assertArrayEquals(new int[] {32, 32}, AttributionBase.passSizes(64, 32));
        assertArrayEquals(new int[] {10}, AttributionBase.passSizes(10, 32));
        // A small remainder is cheaper than equal passes: 32 + 32 + 6 (38 images of plans) beats 24 + 24 + 22 (46).
        assertArrayEquals(new int[] {32, 32, 6}, AttributionBase.passSizes(70, 32));
        assertArrayEquals(new int[] {1, 1, 1}, AttributionBase.passSizes(3, 1));
    }

    @Test
    void badCountsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AttributionBase.passSizes(0, 32));
        assertTrue(e.getMessage().contains("0 evaluations"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttributionBase.passSizes(5, 0));
        assertTrue(e.getMessage().contains("batches of 0"), e.getMessage());
    }

    @Property(tries = 500)
    void passesCoverEveryEvaluationInTheFewestPassesWithAtMostTwoSizes(@ForAll @IntRange(min = 1, max = 5000) int total,
            @ForAll @IntRange(min = 1, max = 128) int batch) {
        int[] p = AttributionBase.passSizes(total, batch);
        assertEquals(total, Arrays.stream(p).sum());
        assertEquals((total + batch - 1) / batch, p.length, "fewest passes");
        for (int i = 0; i < p.length; i++) {
            assertTrue(p[i] >= 1 && p[i] <= batch, Arrays.toString(p));
            if (i > 0 && i < p.length - 1) {
                assertEquals(p[0], p[i], "all passes but the last have one size: " + Arrays.toString(p));
            }
        }
        assertTrue(p[p.length - 1] <= p[0], Arrays.toString(p));
        // Never more plan memory than full passes plus a remainder.
        int rem = total - (p.length - 1) * batch;
        int full = batch + (rem != batch ? rem : 0);
        int chosen = p[0] + (p[p.length - 1] != p[0] ? p[p.length - 1] : 0);
        assertTrue(chosen <= Math.max(full, total), chosen + " > " + full + " for " + Arrays.toString(p));
    }
}
