package dev.cnnviz.core.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The self-search's schedule: every pair of blocks once, and never two running pairs that share a block. */
class BlockPairsTest {

    @Property(tries = 60)
    void everyPairOfBlocksOnceInOrderOfTheTournament(@ForAll @IntRange(min = 1, max = 60) int blocks) {
        BlockPairs pairs = new BlockPairs(blocks);
        assertEquals(blocks * (blocks + 1) / 2, pairs.size());
        Set<Long> seen = new HashSet<>();
        for (long p = pairs.take(); p >= 0; p = pairs.take()) {
            int a = (int) (p >>> 32);
            int b = (int) p;
            assertTrue(0 <= a && a <= b && b < blocks, a + ", " + b);
            assertTrue(seen.add(p), "pair " + a + ", " + b + " twice");
            if (seen.size() <= blocks) {
                assertEquals(a, b, "the blocks against themselves come first");
            }
            pairs.done(p);
        }
        assertEquals(pairs.size(), seen.size());
    }

    @Test
    void workersNeverHoldTwoPairsThatShareABlock() throws InterruptedException {
        int blocks = 23;
        BlockPairs pairs = new BlockPairs(blocks);
        AtomicIntegerArray inUse = new AtomicIntegerArray(blocks);
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread[] workers = new Thread[4];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new Thread(() -> {
                for (long p = pairs.take(); p >= 0; p = pairs.take()) {
                    int a = (int) (p >>> 32);
                    int b = (int) p;
                    if (inUse.incrementAndGet(a) != 1 || (a != b && inUse.incrementAndGet(b) != 1)) {
                        failure.compareAndSet(null, "blocks " + a + ", " + b + " held twice");
                    }
                    seen.add(p);
                    if (ThreadLocalRandom.current().nextInt(4) == 0) {
                        Thread.yield();
                    }
                    inUse.decrementAndGet(a);
                    if (a != b) {
                        inUse.decrementAndGet(b);
                    }
                    pairs.done(p);
                }
            });
            workers[w].start();
        }
        for (Thread t : workers) {
            t.join(60_000);
        }
        assertEquals(null, failure.get());
        assertEquals(blocks * (blocks + 1) / 2, seen.size());
    }

    @Test
    void noBlocksIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BlockPairs(0));
        assertTrue(e.getMessage().contains("found 0"), e.getMessage());
    }
}
