package dev.cnnviz.examples.fuzz;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Format-blind mutations of a file's bytes (bit flips, byte overwrites, truncation, insertion, chunk duplication,
 * trailing garbage), each described in one line so that a failing case says what was done.
 */
final class ByteMutator {
    private ByteMutator() {
    }

    /** A mutated file and what was done to it. */
    record Mutated(byte[] bytes, String description) {
    }

    /**
     * Applies one or two random mutations.
     *
     * @param seed  the original bytes (not modified)
     * @param r     the case's random source
     * @param avoid a prefix length to leave intact with probability 1/2 (a format's magic), or 0
     */
    static Mutated mutate(byte[] seed, SplittableRandom r, int avoid) {
        byte[] b = seed.clone();
        StringBuilder d = new StringBuilder();
        int rounds = 1 + r.nextInt(2);
        for (int k = 0; k < rounds; k++) {
            int from = r.nextBoolean() ? Math.min(avoid, Math.max(0, b.length - 1)) : 0;
            if (k > 0) {
                d.append("; ");
            }
            if (b.length == 0) {
                b = new byte[] {(byte) r.nextInt(256)};
                d.append("one random byte");
                continue;
            }
            switch (r.nextInt(7)) {
                case 0 -> {
                    int n = 1 + r.nextInt(8);
                    d.append("flip ").append(n).append(" bits at");
                    for (int j = 0; j < n; j++) {
                        int pos = from + r.nextInt(b.length - from);
                        b[pos] ^= (byte) (1 << r.nextInt(8));
                        d.append(' ').append(pos);
                    }
                }
                case 1 -> {
                    int pos = from + r.nextInt(b.length - from);
                    int n = Math.min(b.length - pos, 1 + r.nextInt(16));
                    byte v = switch (r.nextInt(3)) {
                        case 0 -> 0;
                        case 1 -> (byte) 0xff;
                        default -> (byte) 0x7f;
                    };
                    Arrays.fill(b, pos, pos + n, v);
                    d.append(String.format("set %d bytes at %d to 0x%02x", n, pos, v & 0xff));
                }
                case 2 -> {
                    int len = r.nextInt(b.length);
                    b = Arrays.copyOf(b, len);
                    d.append("truncate to ").append(len).append(" bytes");
                }
                case 3 -> {
                    int pos = r.nextInt(b.length + 1);
                    int n = 1 + r.nextInt(64);
                    byte[] ins = new byte[n];
                    for (int j = 0; j < n; j++) {
                        ins[j] = (byte) r.nextInt(256);
                    }
                    b = splice(b, pos, 0, ins);
                    d.append("insert ").append(n).append(" random bytes at ").append(pos);
                }
                case 4 -> {
                    int pos = r.nextInt(b.length);
                    int n = Math.min(b.length - pos, 1 + r.nextInt(256));
                    int at = r.nextInt(b.length);
                    b = splice(b, at, 0, Arrays.copyOfRange(b, pos, pos + n));
                    d.append("duplicate ").append(n).append(" bytes from ").append(pos).append(" at ").append(at);
                }
                case 5 -> {
                    int n = 1 + r.nextInt(4096);
                    byte[] tail = new byte[n];
                    for (int j = 0; j < n; j++) {
                        tail[j] = (byte) r.nextInt(256);
                    }
                    b = splice(b, b.length, 0, tail);
                    d.append("append ").append(n).append(" trailing bytes");
                }
                default -> {
                    int pos = from + r.nextInt(b.length - from);
                    int n = Math.min(b.length - pos, 1 + r.nextInt(512));
                    b = splice(b, pos, n, new byte[0]);
                    d.append("delete ").append(n).append(" bytes at ").append(pos);
                }
            }
        }
        return new Mutated(b, d.toString());
    }

    static byte[] splice(byte[] b, int pos, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, pos);
        System.arraycopy(insert, 0, out, pos, insert.length);
        System.arraycopy(b, pos + remove, out, pos + insert.length, b.length - pos - remove);
        return out;
    }
}
