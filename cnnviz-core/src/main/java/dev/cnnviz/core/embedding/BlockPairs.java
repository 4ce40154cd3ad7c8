package dev.cnnviz.core.embedding;

/**
 * The pairs of blocks {@code (a, b)}, {@code a <= b}, of a self-search ({@link NativeKnn#searchSelf}), handed to its
 * workers so that no two pairs that share a block run at once (each pair updates the state of both its blocks' rows).
 * The order is a round-robin tournament's (the circle method: every block against itself first, then rounds in which
 * each block meets one other), so the next free pair is usually among the next few; a worker takes the first pair
 * whose blocks are both free, and waits only while every pair left has a busy block. Unlike rounds separated by
 * barriers, no worker idles at the end of a round. Thread-safe.
 */
final class BlockPairs {
    private final int[] first;
    private final int[] second;
    private final boolean[] taken;
    private final boolean[] busy;
    /** Every pair before it is taken. */
    private int start;
    private int left;

    /**
     * @param blocks the number of blocks, at least 1
     * @throws IllegalArgumentException if {@code blocks} is below 1
     */
    BlockPairs(int blocks) {
        if (blocks < 1) {
            throw new IllegalArgumentException("blocks must be at least 1, found " + blocks);
        }
        int pairs = Math.toIntExact((long) blocks * (blocks + 1) / 2);
        this.first = new int[pairs];
        this.second = new int[pairs];
        this.taken = new boolean[pairs];
        this.busy = new boolean[blocks];
        int at = 0;
        for (int b = 0; b < blocks; b++) {
            first[at] = b;
            second[at++] = b;
        }
        // Player players - 1 stays, the others turn: round r pairs (players - 1, r) and (r + s, r - s) mod
        // (players - 1); with an odd number of blocks, the block paired with the missing player sits the round out.
        int players = blocks % 2 == 0 ? blocks : blocks + 1;
        for (int r = 0; r < players - 1; r++) {
            for (int s = 0; s < players / 2; s++) {
                int a = s == 0 ? players - 1 : (r + s) % (players - 1);
                int b = s == 0 ? r : (r - s + players - 1) % (players - 1);
                if (a < blocks && b < blocks) {
                    first[at] = Math.min(a, b);
                    second[at++] = Math.max(a, b);
                }
            }
        }
        this.left = pairs;
    }

    /** @return the number of pairs, {@code blocks (blocks + 1) / 2} */
    int size() {
        return first.length;
    }

    /**
     * The next pair whose blocks are both free, both marked busy until {@link #done}; waits while every pair left has
     * a busy block.
     *
     * @return the pair as {@code (a << 32) | b}, or -1 when every pair has been taken
     * @throws IllegalStateException if interrupted while waiting (the interrupt flag is set again)
     */
    synchronized long take() {
        while (left > 0) {
            while (taken[start]) {
                start++;
            }
            for (int p = start; p < first.length; p++) {
                if (!taken[p] && !busy[first[p]] && !busy[second[p]]) {
                    taken[p] = true;
                    left--;
                    busy[first[p]] = true;
                    busy[second[p]] = true;
                    return (long) first[p] << 32 | second[p];
                }
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a pair of blocks", e);
            }
        }
        return -1;
    }

    /** Frees the blocks of a pair from {@link #take}. */
    synchronized void done(long pair) {
        busy[(int) (pair >>> 32)] = false;
        busy[(int) pair] = false;
        notifyAll();
    }
}
