package dev.cnnviz.api;

/**
 * A request would need more memory than cnnviz's memory budget allows: an input batch, the activations of a
 * forward or backward pass, or a model tensor. Thrown <em>before</em> anything is allocated, so the process is
 * left as it was. The message names what was too big, how big, the budget, and how to raise it.
 *
 * <p>It is an {@link IllegalArgumentException}: the size comes from the caller's arguments (a batch size, a
 * number of steps, an image) or from a model the caller chose. Catch it to report the limit to a user:
 *
 * <pre>{@code
 * try {
 *     explainer.explain(batch, target);
 * } catch (ResourceLimitException e) {
 *     log.warn("refused: {} needs {} bytes, budget {}", e.what(), e.requestedBytes(), e.budgetBytes());
 * }
 * }</pre>
 *
 * <p>The budget is {@code dev.cnnviz.core.MemoryBudget} (system property {@code cnnviz.memory.budget}, e.g.
 * {@code -Dcnnviz.memory.budget=16g}).
 */
public class ResourceLimitException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String what;
    private final long requestedBytes;
    private final long budgetBytes;

    /**
     * Creates the exception.
     *
     * @param what           what was too big, e.g. "the activations of a forward and backward pass at batch 100000"
     * @param requestedBytes the bytes it needs ({@link Long#MAX_VALUE} when the count overflows a long)
     * @param budgetBytes    the budget in bytes
     * @param advice         how to raise the budget or shrink the request (appended to the message)
     */
    public ResourceLimitException(String what, long requestedBytes, long budgetBytes, String advice) {
        super(what + " needs " + formatBytes(requestedBytes) + ", more than the memory budget of "
                + formatBytes(budgetBytes) + (advice == null || advice.isEmpty() ? "" : "; " + advice));
        this.what = what;
        this.requestedBytes = requestedBytes;
        this.budgetBytes = budgetBytes;
    }

    /** @return what was too big */
    public String what() {
        return what;
    }

    /** @return the bytes requested ({@link Long#MAX_VALUE} when the count overflowed) */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** @return the budget in bytes */
    public long budgetBytes() {
        return budgetBytes;
    }

    /**
     * Formats a byte count for people: {@code 1536} is "1.5 KiB", {@code 3L << 30} is "3.0 GiB".
     *
     * @param bytes a non-negative byte count; {@link Long#MAX_VALUE} reads "more than 8 EiB"
     * @return the count with a binary unit
     */
    public static String formatBytes(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "more than 8 EiB (the size overflows a 64-bit count)";
        }
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
