package dev.cnnviz.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Tensor#copyTo}: the values of {@link Tensor#data()} without its array, and its ranges checked. */
class TensorTest {
    @Test
    void copyToCopiesARangeIntoTheCallersArray() {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        float[] all = new float[6];
        t.copyTo(0, all, 0, 6);
        assertArrayEquals(t.data(), all);
        float[] part = {9, 9, 9, 9};
        t.copyTo(2, part, 1, 3);
        assertArrayEquals(new float[] {9, 3, 4, 5}, part);
        t.copyTo(6, part, 4, 0);
        assertArrayEquals(new float[] {9, 3, 4, 5}, part);
    }

    @Test
    void copyToRefusesRangesOutsideEitherArray() {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4}, 4);
        float[] dst = new float[4];
        assertMessage(() -> t.copyTo(2, dst, 0, 3), "values [2, 5) are outside the tensor's 4");
        assertMessage(() -> t.copyTo(-1, dst, 0, 1), "values [-1, 0)");
        assertMessage(() -> t.copyTo(0, dst, 2, 3), "positions [2, 5) are outside the destination's 4");
        assertMessage(() -> t.copyTo(0, dst, 0, -1), "values [0, -1)");
        assertMessage(() -> t.copyTo(0, null, 0, 1), "destination array must not be null");
        assertMessage(() -> t.copyTo(Integer.MAX_VALUE, dst, 0, 2), "outside the tensor's 4");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
