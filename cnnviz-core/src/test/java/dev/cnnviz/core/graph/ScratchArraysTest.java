package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ScratchArraysTest {

    private static long address(INDArray a) {
        return a.data().addressPointer().address();
    }

    @Test
    void aClosedLeaseHandsItsBufferToTheNextLeaseOfTheSameLength() {
        long first;
        try (ScratchArrays.Lease a = ScratchArrays.lease(DataType.FLOAT, 7, 3, 5, 5)) {
            assertArrayEquals(new long[] {7, 3, 5, 5}, a.array().shape());
            assertEquals('c', a.array().ordering());
            assertTrue(HostArrays.plain(a.array()), "a leased array is its whole buffer, row-major");
            first = address(a.array());
            // Held: another lease gets another buffer.
            try (ScratchArrays.Lease b = ScratchArrays.lease(DataType.FLOAT, 7, 3, 5, 5)) {
                assertNotEquals(first, address(b.array()));
                a.array().assign(1);
                b.array().assign(2);
                assertEquals(7 * 3 * 5 * 5, a.array().sumNumber().doubleValue());
            }
        }
        // Released: the same length in another shape reuses it.
        try (ScratchArrays.Lease c = ScratchArrays.lease(DataType.FLOAT, 21, 25)) {
            assertArrayEquals(new long[] {21, 25}, c.array().shape());
            assertEquals(first, address(c.array()));
        }
        // Another type does not.
        try (ScratchArrays.Lease d = ScratchArrays.lease(DataType.DOUBLE, 7, 3, 5, 5)) {
            assertEquals(DataType.DOUBLE, d.array().dataType());
            assertNotEquals(first, address(d.array()));
        }
    }

    @Test
    void leasesLiveOutsideTheCurrentWorkspace() {
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "scratch-test")) {
            try (ScratchArrays.Lease l = ScratchArrays.lease(DataType.FLOAT, 3, 4)) {
                assertFalse(l.array().isAttached(), "a leased array must not belong to the caller's workspace");
            }
        }
    }

    @Test
    void aClosedLeaseRefusesItsArrayAndClosingTwiceIsHarmless() {
        ScratchArrays.Lease l = ScratchArrays.lease(DataType.FLOAT, 2, 2);
        l.close();
        l.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, l::array);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void badShapesAreRejectedNamingTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScratchArrays.lease(DataType.FLOAT, 2, 0, 3));
        assertTrue(e.getMessage().contains("[2, 0, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ScratchArrays.lease(DataType.FLOAT));
        assertTrue(e.getMessage().contains("[]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ScratchArrays.lease(null, 2));
    }
}
