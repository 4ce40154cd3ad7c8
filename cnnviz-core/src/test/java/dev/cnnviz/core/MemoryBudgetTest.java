package dev.cnnviz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.ResourceLimitException;
import dev.cnnviz.core.graph.ScratchArrays;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class MemoryBudgetTest {
    @Test
    void parsesSizes() {
        assertEquals(1073741824L, MemoryBudget.parse("1073741824").bytes());
        assertEquals(512L << 20, MemoryBudget.parse("512m").bytes());
        assertEquals(16L << 30, MemoryBudget.parse("16G").bytes());
        assertEquals(3L << 29, MemoryBudget.parse("1.5GiB").bytes());
        assertEquals(2L << 10, MemoryBudget.parse(" 2kb ").bytes());
        assertEquals(1L << 40, MemoryBudget.parse("1t").bytes());
    }

    @Test
    void rejectsNonSizes() {
        for (String s : new String[] {"", "g", "-1g", "0", "lots", "1e400", "NaN", "9999999999t"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse(s), s);
            assertTrue(e.getMessage().contains("'" + s + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.ofBytes(0));
    }

    @Test
    void checkNamesWhatHowBigAndHowToRaise() {
        MemoryBudget b = MemoryBudget.ofBytes(1L << 30);
        b.check("small", 1L << 30);
        ResourceLimitException e = assertThrows(ResourceLimitException.class,
                () -> b.check("an input batch of 100000 x 3 x 224 x 224", MemoryBudget.bytesOf(4, 100000, 3, 224, 224), "use a smaller batch"));
        assertEquals("an input batch of 100000 x 3 x 224 x 224 needs 56.1 GiB, more than the memory budget of 1.0 GiB; "
                + "use a smaller batch, or raise it with -Dcnnviz.memory.budget=SIZE (e.g. 57g) or MemoryBudget.ofBytes", e.getMessage());
        assertEquals(1L << 30, e.budgetBytes());
        assertEquals(60211200000L, e.requestedBytes());
    }

    @Test
    void overflowingShapesFailEveryBudget() {
        assertEquals(Long.MAX_VALUE, MemoryBudget.bytesOf(4, 1L << 40, 1L << 40));
        ResourceLimitException e = assertThrows(ResourceLimitException.class,
                () -> MemoryBudget.ofBytes(Long.MAX_VALUE - 1).check("x", Long.MAX_VALUE));
        assertTrue(e.getMessage().contains("overflows"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.bytesOf(4, 3, -1));
    }

    @Test
    void defaultComesFromThePropertyOrTheMachine() {
        String old = System.getProperty(MemoryBudget.PROPERTY);
        try {
            System.setProperty(MemoryBudget.PROPERTY, "3g");
            assertEquals(3L << 30, MemoryBudget.defaultBudget().bytes());
            System.setProperty(MemoryBudget.PROPERTY, "three");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, MemoryBudget::defaultBudget);
            assertTrue(e.getMessage().startsWith("system property cnnviz.memory.budget: "), e.getMessage());
            System.clearProperty(MemoryBudget.PROPERTY);
            assertTrue(MemoryBudget.defaultBudget().bytes() >= 1L << 30);
        } finally {
            if (old == null) {
                System.clearProperty(MemoryBudget.PROPERTY);
            } else {
                System.setProperty(MemoryBudget.PROPERTY, old);
            }
        }
    }

    @Test
    void inputBatchesAndScratchArraysAreCheckedBeforeAllocation() {
        InputSpec huge = new InputSpec(3, 100000, 100000, Layout.NCHW, Preprocessing.unit(ChannelOrder.RGB));
        ResourceLimitException e = assertThrows(ResourceLimitException.class,
                () -> ImageTensors.toBatch(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), huge));
        assertTrue(e.getMessage().startsWith("a batch of 1 3x100000x100000 images needs 111.8 GiB"), e.getMessage());
        ResourceLimitException s = assertThrows(ResourceLimitException.class,
                () -> ScratchArrays.lease(DataType.FLOAT, 100000, 3, 224, 224));
        assertTrue(s.getMessage().contains("use a smaller batch size"), s.getMessage());
    }

    @Property
    void saturatedAddNeverWraps(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long a,
                                @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long b) {
        long s = MemoryBudget.saturatedAdd(a, b);
        assertTrue(s >= a && s >= b);
        assertEquals(a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b, s);
    }
}
