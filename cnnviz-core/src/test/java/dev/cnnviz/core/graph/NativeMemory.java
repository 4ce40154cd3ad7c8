package dev.cnnviz.core.graph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;

/**
 * Test helper: samples native memory while a workload repeats, and compares floors over windows of samples.
 *
 * <p>Resident memory outside the Java heap is read from {@code /proc/self/smaps} minus the Java heap's own mapping:
 * subtracting the committed heap size instead ({@code Pointer.physicalBytes() - totalMemory()}) counts heap pages
 * as the collector first touches them, which swung by ±60 MB between samples. Each level is the minimum over a
 * window of samples: the deallocator thread and the collector return other tests' native buffers at their own
 * pace, which moved single samples by up to 140 MB; a leak raises the floor, noise only spikes above it.
 *
 * <pre>{@code
 * NativeMemory.Samples s = NativeMemory.sample(9, 100, () -> step(graph, x));
 * assertTrue(s.floorGrowth() < 64L << 20, s.describe());
 * }</pre>
 */
public final class NativeMemory {
    private NativeMemory() {
    }

    /** Resident bytes of every mapping except the Java heap's (the one mapping at least as large as -Xmx). */
    public static long residentOutsideHeap() {
        long heapReserve = Runtime.getRuntime().maxMemory();
        long total = 0;
        long size = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                if (dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    size = Long.parseUnsignedLong(line.substring(dash + 1, space), 16)
                            - Long.parseUnsignedLong(line.substring(0, dash), 16);
                } else if (line.startsWith("Rss:") && size < heapReserve) {
                    total += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total;
    }

    /**
     * Samples after every {@code every} runs of {@code work}, {@code count} times (an odd count of at least 5: the
     * first sample is a warm-up, the rest split into an early and a late window).
     */
    public static Samples sample(int count, int every, Runnable work) {
        if (count < 5 || count % 2 == 0) {
            throw new IllegalArgumentException("need an odd count of at least 5 samples, found " + count);
        }
        Sampler sampler = new Sampler(every, count);
        for (int s = 0; s < count; s++) {
            for (int i = 0; i < every; i++) {
                work.run();
            }
            if (!sampler.take()) {
                throw new IllegalStateException("interrupted while sampling native memory");
            }
        }
        return sampler.samples();
    }

    /**
     * Samples taken from a progress listener: {@link #onStep} after every step of a run, a sample (after a GC and a
     * 200 ms pause) every {@code every} steps until {@code count} are taken.
     */
    public static final class Sampler {
        private final int every;
        private final long[] resident;
        private final long[] tracked;
        private int taken;

        /**
         * @param every steps between samples
         * @param count samples to take
         */
        public Sampler(int every, int count) {
            this.every = every;
            this.resident = new long[count];
            this.tracked = new long[count];
        }

        /** @return false if interrupted (stop the run), else true */
        public boolean onStep(int step) {
            return step % every != 0 || taken >= resident.length || take();
        }

        private boolean take() {
            System.gc();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            resident[taken] = residentOutsideHeap();
            tracked[taken] = Pointer.totalBytes();
            taken++;
            return true;
        }

        /** @return the number of samples taken so far */
        public int taken() {
            return taken;
        }

        /** @return the samples (all of them must have been taken) */
        public Samples samples() {
            if (taken != resident.length) {
                throw new IllegalStateException("took " + taken + " of " + resident.length + " samples");
            }
            return new Samples(every, resident, tracked);
        }
    }

    /**
     * Samples taken every {@code every} runs.
     *
     * @param every    runs between samples
     * @param resident resident bytes outside the heap at each sample
     * @param tracked  JavaCPP-tracked bytes at each sample
     */
    public record Samples(int every, long[] resident, long[] tracked) {
        private int half() {
            return (resident.length - 1) / 2;
        }

        /** @return the floor of the late window (last half) minus the floor of the early one (after the warm-up) */
        public long floorGrowth() {
            return floor(1 + half(), resident.length) - floor(1, 1 + half());
        }

        /** @return JavaCPP-tracked growth from the end of the early window to the last sample */
        public long trackedGrowth() {
            return tracked[tracked.length - 1] - tracked[half()];
        }

        private long floor(int from, int to) {
            long min = Long.MAX_VALUE;
            for (int i = from; i < to; i++) {
                min = Math.min(min, resident[i]);
            }
            return min;
        }

        /** @return the samples in MB and both floors, for messages */
        public String describe() {
            StringBuilder b = new StringBuilder("resident outside the heap (MB) every " + every + " runs:");
            for (long r : resident) {
                b.append(' ').append(r >> 20);
            }
            return b.append("; floors ").append(floor(1, 1 + half()) >> 20).append(" -> ")
                    .append(floor(1 + half(), resident.length) >> 20).append(" MB; JavaCPP-tracked ")
                    .append(tracked[0] >> 20).append(" -> ").append(tracked[tracked.length - 1] >> 20).append(" MB")
                    .toString();
        }
    }
}
