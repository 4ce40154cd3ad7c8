package dev.cnnviz.dl4j.keras;

import dev.cnnviz.api.ModelImportException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Checks a file in Java before the native HDF5 library sees it: the HDF5 library can crash the JVM on some
 * corrupt files, so only files that carry an HDF5 superblock (signature {@code \x89HDF\r\n\x1a\n} at offset 0,
 * 512, 1024, 2048, …) whose recorded end-of-file address fits the file's size, and that the pure-Java reader jHDF
 * then reads whole ({@link Hdf5Walk}: every group, link, attribute and dataset), are handed to it.
 */
final class Hdf5Check {
    static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private Hdf5Check() {
    }

    /**
     * @return the root group's Keras attributes as jHDF read them
     * @throws ModelImportException if the file is missing, unreadable, not HDF5 (saying what it looks like),
     *                              shorter than its superblock says (truncated), or refused by {@link Hdf5Walk}
     */
    static Hdf5Walk.Contents check(Path file) throws ModelImportException {
        try (Hdf5Tree tree = open(file)) {
            return tree.contents();
        }
    }

    /**
     * Checks the file as {@link #check} does and keeps it open for reading in Java.
     *
     * @return the file's groups and datasets, as jHDF read them; the caller closes it
     * @throws ModelImportException as {@link #check}
     */
    static Hdf5Tree open(Path file) throws ModelImportException {
        if (file == null) {
            throw new IllegalArgumentException("the model path must not be null");
        }
        if (!Files.exists(file)) {
            throw new ModelImportException(file, "no such file");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new ModelImportException(file, "is not a readable file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new ModelImportException(file, "is empty");
            }
            for (long at = 0; at + SIGNATURE.length <= size; at = at == 0 ? 512 : at * 2) {
                ByteBuffer sig = read(ch, at, SIGNATURE.length);
                if (matches(sig)) {
                    long base = checkSuperblock(file, ch, at, size);
                    return Hdf5Walk.open(file, size, at, base);
                }
            }
            ByteBuffer head = read(ch, 0, (int) Math.min(16, size));
            throw new ModelImportException(file, "is not an HDF5 file (no HDF5 signature)" + looksLike(head)
                    + "; Keras models must be saved as HDF5 (model.save('m.h5'))");
        } catch (IOException e) {
            throw new ModelImportException(file, "could not be read: " + e.getMessage(), e);
        }
    }

    private static boolean matches(ByteBuffer b) {
        if (b.remaining() < SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (b.get(i) != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads the superblock's sizes and end-of-file address (versions 0 to 3) and compares with the file size.
     *
     * @return the base address the superblock records
     */
    private static long checkSuperblock(Path file, FileChannel ch, long at, long size) throws IOException, ModelImportException {
        ByteBuffer sb = read(ch, at, 96);
        if (sb.remaining() < 16) {
            throw new ModelImportException(file, "is truncated: its HDF5 superblock is incomplete (" + size + " bytes)");
        }
        int version = sb.get(8) & 0xff;
        int offsetSize;
        int addrStart;
        if (version == 0 || version == 1) {
            offsetSize = sb.get(13) & 0xff;
            addrStart = version == 0 ? 24 : 28;
        } else if (version == 2 || version == 3) {
            offsetSize = sb.get(9) & 0xff;
            addrStart = 12;
        } else {
            throw new ModelImportException(file, "is corrupt or not supported: HDF5 superblock version " + version
                    + " (versions 0 to 3 exist)");
        }
        if (offsetSize != 2 && offsetSize != 4 && offsetSize != 8) {
            throw new ModelImportException(file, "is corrupt: its HDF5 superblock declares " + offsetSize + "-byte offsets");
        }
        // v0/v1: base, free-space info, end of file, driver info; v2/v3: base, superblock extension, end of file
        int eofAt = addrStart + 2 * offsetSize;
        if (sb.remaining() < eofAt + offsetSize) {
            throw new ModelImportException(file, "is truncated: its HDF5 superblock is incomplete (" + size + " bytes)");
        }
        long base = address(sb, addrStart, offsetSize);
        long eof = address(sb, eofAt, offsetSize);
        if (base < 0 || eof < 0 || eof == 0) {
            throw new ModelImportException(file, "is corrupt: its HDF5 superblock has no valid end-of-file address");
        }
        long needed = base + eof;
        if (needed > size) {
            throw new ModelImportException(file, "is truncated: its HDF5 superblock says the data end at byte " + needed
                    + " but the file has " + size + " bytes");
        }
        return base;
    }

    /** A little-endian address; -1 for the "undefined" all-ones value or one too large to be real. */
    private static long address(ByteBuffer b, int at, int n) {
        long v = 0;
        boolean allOnes = true;
        for (int i = n - 1; i >= 0; i--) {
            int x = b.get(at + i) & 0xff;
            allOnes &= x == 0xff;
            v = (v << 8) | x;
        }
        return allOnes || v < 0 || v > (1L << 50) ? -1 : v;
    }

    private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int r = ch.read(b, at + b.position());
            if (r < 0) {
                break;
            }
        }
        b.flip();
        return b;
    }

    /** A hint about what a non-HDF5 file is. */
    private static String looksLike(ByteBuffer h) {
        int n = h.remaining();
        byte[] a = new byte[n];
        h.get(a);
        if (n >= 8 && (a[0] & 0xff) == 0x89 && a[1] == 'P' && a[2] == 'N' && a[3] == 'G') {
            return ": it is a PNG image";
        }
        if (n >= 3 && (a[0] & 0xff) == 0xff && (a[1] & 0xff) == 0xd8 && (a[2] & 0xff) == 0xff) {
            return ": it is a JPEG image";
        }
        if (n >= 4 && a[0] == 'P' && a[1] == 'K' && a[2] == 3 && a[3] == 4) {
            return ": it is a zip archive (a DL4J model zip or a Keras 3 .keras file?)";
        }
        if (n >= 1 && (a[0] == '{' || a[0] == '[')) {
            return ": it looks like JSON (a Keras model config without weights?)";
        }
        StringBuilder sb = new StringBuilder(": it starts with bytes");
        for (int i = 0; i < Math.min(8, n); i++) {
            sb.append(String.format(" %02x", a[i] & 0xff));
        }
        return sb.toString();
    }
}
