package dev.cnnviz.core;

import dev.cnnviz.api.ResourceLimitException;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Objects;

/**
 * The most memory cnnviz may ask for in one request: an input batch, the activations (and gradients) of one
 * forward or backward pass, or one model tensor. Requests are compared with the budget <em>before</em> anything
 * is allocated, and a request over it fails with a {@link ResourceLimitException} naming what was too big, how
 * big, and how to raise the budget, instead of an {@code OutOfMemoryError}, a native allocator's abort or a
 * machine that swaps.
 *
 * <p>The budget is a guard against requests that cannot succeed (a batch of 100,000 images, a 100,000 x 100,000
 * input, a model tensor of terabytes), not an accountant: it compares each request on its own with the limit and
 * does not add up concurrent ones.
 *
 * <p><b>Default</b> ({@link #defaultBudget()}): the system property {@value #PROPERTY} when set (bytes, or a number
 * with a suffix {@code k}, {@code m}, {@code g}, {@code t}: {@code -Dcnnviz.memory.budget=16g}); otherwise three
 * quarters of the memory the JVM sees (the machine's, or its container's limit) less the Java heap's maximum,
 * since activations live outside the heap; at least 1 GiB. On a 24 GiB machine with {@code -Xmx4g}: 14 GiB.
 *
 * <pre>{@code
 * MemoryBudget.defaultBudget().check("a batch of 512 images", 512L * 3 * 224 * 224 * 4);
 * Graph g = model.graph().withMemoryBudget(MemoryBudget.parse("2g"));     // per graph
 * OnnxImporter.load(file, Options.defaults().withMemoryBudget(MemoryBudget.ofBytes(1L << 30)));
 * }</pre>
 */
public final class MemoryBudget {
    /** The system property that sets the default budget: bytes, or a number with a k/m/g/t suffix. */
    public static final String PROPERTY = "cnnviz.memory.budget";

    private static final long MIN_DEFAULT = 1L << 30;

    private final long bytes;

    private MemoryBudget(long bytes) {
        this.bytes = bytes;
    }

    /**
     * A budget of {@code bytes}.
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public static MemoryBudget ofBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a memory budget must be positive, found " + bytes + " bytes");
        }
        return new MemoryBudget(bytes);
    }

    /** @return a budget that allows every request (for trusted input only) */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(Long.MAX_VALUE);
    }

    /**
     * Parses a size: a whole number of bytes, or a number with a binary suffix {@code k}, {@code m}, {@code g} or
     * {@code t} (case-insensitive, an optional trailing {@code b} or {@code ib}): {@code "1073741824"}, {@code "512m"},
     * {@code "16g"}, {@code "1.5GiB"}.
     *
     * @throws IllegalArgumentException naming the text when it is not such a size or not positive
     */
    public static MemoryBudget parse(String size) {
        Objects.requireNonNull(size, "size");
        String s = size.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ib")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("b") && s.length() > 1 && Character.isLetter(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1);
        }
        long unit = 1;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k' -> unit = 1L << 10;
                case 'm' -> unit = 1L << 20;
                case 'g' -> unit = 1L << 30;
                case 't' -> unit = 1L << 40;
                default -> { }
            }
        }
        if (unit > 1) {
            s = s.substring(0, s.length() - 1).trim();
        }
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a memory size: '" + size + "' (expected bytes or a number with k, m, g or t, e.g. 16g)");
        }
        if (!(v > 0) || Double.isInfinite(v) || v * unit >= Long.MAX_VALUE) {
            throw new IllegalArgumentException("a memory budget must be positive and finite, found '" + size + "'");
        }
        return ofBytes(Math.max(1, (long) (v * unit)));
    }

    /**
     * The budget requests get when nobody chose one: the system property {@value #PROPERTY} when set, otherwise
     * three quarters of the memory the JVM sees less the Java heap's maximum (at least 1 GiB). Read on every call,
     * so a property set at run time applies to later requests.
     *
     * @throws IllegalArgumentException if the property is set but is not a size
     */
    public static MemoryBudget defaultBudget() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            try {
                return parse(p);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("system property " + PROPERTY + ": " + e.getMessage(), e);
            }
        }
        return new MemoryBudget(Math.max(MIN_DEFAULT, physicalMemory() / 4 * 3 - Runtime.getRuntime().maxMemory()));
    }

    /** The memory the JVM sees, read once (the JDK reads cgroup files for it, which costs a millisecond). */
    private static volatile long physical;

    private static long physicalMemory() {
        long p = physical;
        if (p == 0) {
            p = readPhysicalMemory();
            physical = p;
        }
        return p;
    }

    private static long readPhysicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            if (total > 0) {
                return total;
            }
        }
        return 8L << 30;
    }

    /** @return the budget in bytes ({@link Long#MAX_VALUE} when unlimited) */
    public long bytes() {
        return bytes;
    }

    /**
     * Refuses a request over the budget.
     *
     * @param what  what the memory is for, as a noun phrase: "an input batch of 100000 x 3 x 224 x 224"
     * @param bytes the bytes it needs ({@link Long#MAX_VALUE} for a count that overflowed; see {@link #bytesOf})
     * @throws ResourceLimitException if {@code bytes} is more than the budget
     */
    public void check(String what, long bytes) {
        check(what, bytes, "");
    }

    /**
     * Refuses a request over the budget, with advice on shrinking the request before the advice on raising the
     * budget.
     *
     * @param what   what the memory is for
     * @param bytes  the bytes it needs
     * @param shrink how to ask for less, e.g. "use a smaller batch"; may be empty
     * @throws ResourceLimitException if {@code bytes} is more than the budget
     */
    public void check(String what, long bytes, String shrink) {
        if (bytes > this.bytes) {
            String raise = "raise it with -D" + PROPERTY + "=SIZE (e.g. " + suggest(bytes) + ") or MemoryBudget.ofBytes";
            throw new ResourceLimitException(what, bytes, this.bytes,
                    shrink == null || shrink.isEmpty() ? raise : shrink + ", or " + raise);
        }
    }

    private static String suggest(long bytes) {
        if (bytes == Long.MAX_VALUE || bytes > (1L << 50)) {
            return "16g; this request cannot fit any machine";
        }
        long g = (bytes >> 30) + 1;
        return g + "g";
    }

    /**
     * The bytes of an array of {@code elementBytes}-byte elements with this shape, or {@link Long#MAX_VALUE} when
     * the count overflows a long (such a request fails every budget).
     *
     * @throws IllegalArgumentException if a dimension is negative
     */
    public static long bytesOf(int elementBytes, long... shape) {
        long n = elementBytes;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d + " in shape " + java.util.Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE;
            }
        }
        return n;
    }

    /** @return the sum, or {@link Long#MAX_VALUE} when it overflows */
    public static long saturatedAdd(long a, long b) {
        long s = a + b;
        return ((a ^ s) & (b ^ s)) < 0 ? Long.MAX_VALUE : s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemoryBudget m && m.bytes == bytes;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bytes);
    }

    @Override
    public String toString() {
        return bytes == Long.MAX_VALUE ? "MemoryBudget[unlimited]"
                : "MemoryBudget[" + ResourceLimitException.formatBytes(bytes) + "]";
    }
}
