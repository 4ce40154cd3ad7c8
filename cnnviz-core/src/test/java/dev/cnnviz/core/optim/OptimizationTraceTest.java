package dev.cnnviz.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OptimizationTraceTest {
    @Test
    void theLossesAreCopiedInAndOut() {
        double[] losses = {3, 2, 1};
        OptimizationTrace t = new OptimizationTrace(losses, 3, false, 0.5);
        losses[0] = 99;
        assertEquals(3.0, t.losses()[0]);
        t.losses()[1] = 99;
        assertArrayEquals(new double[] {3, 2, 1}, t.losses());
        assertEquals(3.0, t.initialLoss());
    }

    @Test
    void equalityComparesTheLossesBitForBit() {
        OptimizationTrace a = new OptimizationTrace(new double[] {1, 0.0}, 2, true, 0.25);
        assertEquals(a, new OptimizationTrace(new double[] {1, 0.0}, 2, true, 0.25));
        assertEquals(a.hashCode(), new OptimizationTrace(new double[] {1, 0.0}, 2, true, 0.25).hashCode());
        assertNotEquals(a, new OptimizationTrace(new double[] {1, -0.0}, 2, true, 0.25));
        assertNotEquals(a, new OptimizationTrace(new double[] {1, Math.nextUp(0.0)}, 2, true, 0.25));
        assertNotEquals(a, new OptimizationTrace(new double[] {1, 0.0}, 2, false, 0.25));
        assertNotEquals(a, new OptimizationTrace(new double[] {1, 0.0}, 2, true, 0.5));
        assertNotEquals(a, null);
    }

    @Test
    void toStringShowsTheComponentsAndAbbreviatesLongTraces() {
        assertEquals("OptimizationTrace[steps=2, stoppedEarly=true, finalLoss=0.25, losses=[1.0, 0.5]]",
                new OptimizationTrace(new double[] {1, 0.5}, 2, true, 0.25).toString());
        double[] many = new double[100];
        for (int i = 0; i < many.length; i++) {
            many[i] = 100 - i;
        }
        String s = new OptimizationTrace(many, 100, false, 0.5).toString();
        assertTrue(s.endsWith("losses=[100.0, 99.0, 98.0, 97.0, ..., 2.0, 1.0] (100)]"), s);
    }

    @Test
    void badComponentsAreRefusedNamingTheValue() {
        assertMessage(() -> new OptimizationTrace(null, 0, false, 1), "losses must not be null");
        assertMessage(() -> new OptimizationTrace(new double[0], -1, false, 1), "found -1");
        assertMessage(() -> new OptimizationTrace(new double[2], 3, false, 1), "found 2 losses for 3 steps");
        assertMessage(() -> new OptimizationTrace(new double[] {1, Double.NaN}, 2, false, 1), "losses[1] must be finite, found NaN");
        assertMessage(() -> new OptimizationTrace(new double[0], 0, false, Double.NEGATIVE_INFINITY),
                "finalLoss must be finite, found -Infinity");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
