package dev.cnnviz.core.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * numpy {@code .npy} files, validated in Java before ND4J's native reader sees them.
 *
 * <p>ND4J's native npy parser aborts the whole JVM on input it does not expect (a big-endian dtype, format
 * version 2), reads past the end of truncated files, ignores {@code fortran_order} and mis-reads {@code <u4}.
 * So the whole file is parsed and checked here, then handed to {@link Nd4j#createNpyFromByteArray} with a
 * canonical version-1.0 header that it reads correctly; Fortran-ordered data is reordered afterwards.
 *
 * <p><b>What is accepted</b> (everything else is an {@link IOException} naming the file and what is wrong):
 * <ul>
 *   <li>a regular file (not a directory, device, FIFO, or {@code /proc} or {@code /sys} pseudo-file) of at most
 *       {@link #DEFAULT_MAX_BYTES} (1 GiB) unless the caller gives another limit, checked before reading;</li>
 *   <li>the magic {@code \x93NUMPY}, format version 1.0, 2.0 or 3.0, and a header length that lies within the
 *       file;</li>
 *   <li>a header that is exactly a Python dict literal with the three keys {@code descr}, {@code fortran_order}
 *       and {@code shape}, each once (in any order, single or double quotes, an optional trailing comma), and
 *       nothing else;</li>
 *   <li>{@code descr} one of the little-endian (or byte-order-free) types {@code f2 f4 f8 i1 i2 i4 i8 u1 u2 u8 b1}:
 *       big-endian, complex, object, string, unicode, {@code u4} and structured dtypes are refused;</li>
 *   <li>{@code shape} a tuple of at most {@value #MAX_RANK} non-negative integers whose element count, and byte
 *       count, fit in a {@code long} (computed with overflow checks);</li>
 *   <li>data of <em>exactly</em> element count times item size bytes after the header: a short file and trailing
 *       bytes are both errors that give the number of bytes expected and found.</li>
 * </ul>
 */
final class Npy {
    private Npy() {}

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** The default limit on the size of an npy file: 1 GiB. */
    static final long DEFAULT_MAX_BYTES = 1L << 30;

    /** The largest number of dimensions accepted (numpy's own limit before numpy 2, and ND4J's). */
    static final int MAX_RANK = 32;

    /**
     * numpy dtype (without byte order) to ND4J type, for every type whose round trip through ND4J is exact. The
     * deprecated names (HALF, INT, ...) are the enum constants; FLOAT16, INT32, ... are aliases of them.
     */
    @SuppressWarnings("deprecation")
    private static final Map<String, DataType> DTYPES = Map.ofEntries(
            Map.entry("f2", DataType.HALF), Map.entry("f4", DataType.FLOAT), Map.entry("f8", DataType.DOUBLE),
            Map.entry("i1", DataType.BYTE), Map.entry("i2", DataType.SHORT), Map.entry("i4", DataType.INT),
            Map.entry("i8", DataType.LONG), Map.entry("u1", DataType.UBYTE), Map.entry("u2", DataType.UINT16),
            Map.entry("u8", DataType.UINT64), Map.entry("b1", DataType.BOOL));

    /** What the header of an npy file says. */
    record Header(String descr, boolean fortranOrder, long[] shape, int dataOffset) {
        int itemSize() {
            return Integer.parseInt(descr.substring(2));
        }

        String numpyType() {
            return descr.substring(1);
        }

        /** The element count; the header parser has checked that it and the byte count fit in a long. */
        long count() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        String shapeText() {
            return tuple(shape);
        }
    }

    static INDArray read(Path file) throws IOException {
        return read(file, DEFAULT_MAX_BYTES);
    }

    static INDArray read(Path file, long maxBytes) throws IOException {
        Objects.requireNonNull(file, "file");
        BoundedRead.checkLimit(maxBytes, "maxBytes");
        byte[] bytes = BoundedRead.readFile(file, maxBytes, "npy");
        return parse(bytes, file.toString());
    }

    static INDArray parse(byte[] bytes, String name) throws IOException {
        Header h = header(bytes, name);
        long count = h.count();
        long dataBytes = count * h.itemSize(); // cannot overflow: checked by the header parser
        long available = bytes.length - (long) h.dataOffset();
        String promise = "its header promises shape " + h.shapeText() + " of " + h.numpyType() + " = " + count
                + " elements of " + h.itemSize() + " bytes = " + dataBytes + " bytes of data";
        if (available < dataBytes) {
            throw new IOException("Cannot read npy " + name + ": the file is truncated: " + promise + ", but only "
                    + available + " follow (" + (dataBytes - available) + " missing)");
        }
        if (available > dataBytes) {
            throw new IOException("Cannot read npy " + name + ": " + (available - dataBytes) + " trailing bytes after"
                    + " the data: " + promise + ", but " + available + " follow (the shape does not match the data,"
                    + " or something was appended)");
        }
        byte[] canonical = canonicalHeader(h.descr(), h.shape());
        if (canonical.length + dataBytes > Integer.MAX_VALUE - 16) {
            throw new IOException("Cannot read npy " + name + ": " + dataBytes + " bytes of data is too large");
        }
        byte[] v1 = Arrays.copyOf(canonical, (int) (canonical.length + dataBytes));
        System.arraycopy(bytes, h.dataOffset(), v1, canonical.length, (int) dataBytes);
        INDArray a;
        try {
            a = Nd4j.createNpyFromByteArray(v1);
        } catch (RuntimeException e) {
            throw new IOException("Cannot read npy " + name + ": ND4J rejected it (" + e + ")", e);
        }
        if (a.dataType() != DTYPES.get(h.numpyType()) || !Arrays.equals(a.shape(), h.shape())) {
            throw new IOException("Cannot read npy " + name + ": ND4J read " + a.dataType() + " "
                    + Arrays.toString(a.shape()) + " for " + h.numpyType() + " " + h.shapeText());
        }
        if (h.fortranOrder() && h.shape().length > 1 && count > 0) {
            // The data is in column-major order: reinterpret the flat buffer that way, then store it C-ordered.
            a = a.reshape(count).reshape('f', h.shape()).dup('c');
        }
        return a;
    }

    static Header header(byte[] bytes, String name) throws IOException {
        if (bytes.length == 0) {
            throw new IOException("Cannot read npy " + name + ": the file is empty (0 bytes)");
        }
        if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            String hint = bytes.length >= 2 && bytes[0] == 'P' && bytes[1] == 'K'
                    ? " (it looks like a zip archive such as an .npz: extract the .npy inside it first)" : "";
            throw new IOException("Cannot read npy " + name + ": not an npy file: it starts with "
                    + ImageIo.describeStart(bytes) + " instead of the magic \\x93NUMPY" + hint);
        }
        if (bytes.length < 10) {
            throw new IOException("Cannot read npy " + name + ": the file is truncated inside its header ("
                    + bytes.length + " bytes)");
        }
        int major = bytes[6] & 0xFF;
        int minor = bytes[7] & 0xFF;
        long headerLength;
        int headerStart;
        if (minor != 0 || major < 1 || major > 3) {
            throw new IOException("Cannot read npy " + name + ": unsupported npy format version " + major + "."
                    + minor + " (versions 1.0, 2.0 and 3.0 are supported)");
        }
        if (major == 1) {
            headerLength = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
            headerStart = 10;
        } else {
            if (bytes.length < 12) {
                throw new IOException("Cannot read npy " + name + ": the file is truncated inside its header ("
                        + bytes.length + " bytes)");
            }
            headerLength = (bytes[8] & 0xFFL) | (bytes[9] & 0xFFL) << 8 | (bytes[10] & 0xFFL) << 16
                    | (bytes[11] & 0xFFL) << 24;
            headerStart = 12;
        }
        if (headerStart + headerLength > bytes.length) {
            throw new IOException("Cannot read npy " + name + ": the file is truncated inside its header (the header"
                    + " needs " + (headerStart + headerLength) + " bytes, the file has " + bytes.length + ")");
        }
        String text = new String(bytes, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).strip();
        return new DictParser(text, name).header((int) (headerStart + headerLength));
    }

    /**
     * A strict parser of the header: a Python dict literal of exactly the keys {@code descr} (a string),
     * {@code fortran_order} ({@code True} or {@code False}) and {@code shape} (a tuple of non-negative integers),
     * as numpy writes it with {@code repr}.
     */
    private static final class DictParser {
        private final String text;
        private final String name;
        private int pos;

        DictParser(String text, String name) {
            this.text = text;
            this.name = name;
        }

        Header header(int dataOffset) throws IOException {
            String descr = null;
            Boolean fortran = null;
            long[] shape = null;
            expect('{');
            while (true) {
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    break;
                }
                String key = string("a quoted key");
                skipSpace();
                expect(':');
                skipSpace();
                switch (key) {
                    case "descr" -> {
                        if (descr != null) {
                            throw duplicate(key);
                        }
                        if (peek() == '[' || peek() == '{') {
                            throw new IOException("Cannot read npy " + name + ": unsupported dtype in header "
                                    + quote(text) + " (structured dtypes are not supported; " + supported() + ")");
                        }
                        descr = string("the dtype as a quoted string");
                    }
                    case "fortran_order" -> {
                        if (fortran != null) {
                            throw duplicate(key);
                        }
                        fortran = bool();
                    }
                    case "shape" -> {
                        if (shape != null) {
                            throw duplicate(key);
                        }
                        shape = shape();
                    }
                    default -> throw malformed("unexpected key '" + key + "'");
                }
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != '}') {
                    throw malformed("expected ',' or '}' at character " + pos);
                }
            }
            skipSpace();
            if (pos != text.length()) {
                throw malformed("text after the closing '}'");
            }
            if (descr == null || fortran == null || shape == null) {
                String missing = descr == null ? "descr" : fortran == null ? "fortran_order" : "shape";
                throw malformed("the key '" + missing + "' is missing");
            }
            return new Header(normaliseDescr(descr, name), fortran, shape, dataOffset);
        }

        private char peek() {
            return pos < text.length() ? text.charAt(pos) : '\0';
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private void expect(char c) throws IOException {
            if (peek() != c) {
                throw malformed("expected '" + c + "' at character " + pos);
            }
            pos++;
        }

        private String string(String what) throws IOException {
            char q = peek();
            if (q != '\'' && q != '"') {
                throw malformed("expected " + what + " at character " + pos);
            }
            int end = text.indexOf(q, pos + 1);
            if (end < 0) {
                throw malformed("unterminated string at character " + pos);
            }
            String value = text.substring(pos + 1, end);
            if (value.indexOf('\\') >= 0) {
                throw malformed("escape sequences are not expected in " + quote(value));
            }
            pos = end + 1;
            return value;
        }

        private boolean bool() throws IOException {
            if (text.startsWith("True", pos)) {
                pos += 4;
                return true;
            }
            if (text.startsWith("False", pos)) {
                pos += 5;
                return false;
            }
            throw malformed("fortran_order must be True or False (at character " + pos + ")");
        }

        private long[] shape() throws IOException {
            int start = pos;
            expect('(');
            List<Long> dims = new ArrayList<>();
            boolean comma = false;
            while (true) {
                skipSpace();
                if (peek() == ')') {
                    pos++;
                    break;
                }
                int from = pos;
                while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
                    pos++;
                }
                if (pos == from) {
                    throw badShape(start);
                }
                long dim;
                try {
                    dim = Long.parseLong(text.substring(from, pos));
                } catch (NumberFormatException e) {
                    throw new IOException("Cannot read npy " + name + ": a dimension of the shape, "
                            + text.substring(from, pos) + ", is too large");
                }
                if (peek() == 'L') {
                    pos++; // Python 2 long literal
                }
                dims.add(dim);
                if (dims.size() > MAX_RANK) {
                    throw new IOException("Cannot read npy " + name + ": the shape has more than " + MAX_RANK
                            + " dimensions");
                }
                skipSpace();
                comma = peek() == ',';
                if (comma) {
                    pos++;
                } else if (peek() != ')') {
                    throw badShape(start);
                }
            }
            if (dims.size() == 1 && !comma) {
                throw badShape(start); // (3) is the number 3 in Python, not a tuple
            }
            long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
            try {
                long n = 1;
                for (long d : shape) {
                    n = Math.multiplyExact(n, d);
                }
                Math.multiplyExact(n, 8L);
            } catch (ArithmeticException e) {
                throw new IOException("Cannot read npy " + name + ": shape " + tuple(shape) + " is too large (its"
                        + " byte count does not fit in 64 bits)");
            }
            return shape;
        }

        private IOException badShape(int start) {
            int end = text.indexOf(')', start);
            String shown = end < 0 ? text.substring(start) : text.substring(start, end + 1);
            return new IOException("Cannot read npy " + name + ": malformed shape " + quote(shown)
                    + " in header " + quote(text) + " (expected a tuple of non-negative integers)");
        }

        private IOException duplicate(String key) {
            return malformed("the key '" + key + "' appears twice");
        }

        private IOException malformed(String why) {
            return new IOException("Cannot read npy " + name + ": malformed header " + quote(text) + ": " + why
                    + " (expected a dict of 'descr', 'fortran_order' and 'shape')");
        }
    }

    private static String normaliseDescr(String descr, String name) throws IOException {
        if (descr.length() >= 3) {
            char order = descr.charAt(0);
            String type = descr.substring(1);
            if (DTYPES.containsKey(type)) {
                boolean oneByte = type.endsWith("1");
                if (oneByte && (order == '|' || order == '<' || order == '>' || order == '=')) {
                    return "|" + type;
                }
                if (!oneByte && (order == '<' || order == '=')) {
                    return "<" + type;
                }
                if (!oneByte && order == '>') {
                    throw new IOException("Cannot read npy " + name + ": unsupported dtype '" + descr
                            + "' (big-endian; " + supported() + "); convert it with numpy: a.astype('<" + type + "')");
                }
            }
        }
        throw new IOException("Cannot read npy " + name + ": unsupported dtype '" + descr + "' (" + supported() + ")");
    }

    private static String supported() {
        return "supported: little-endian f2 f4 f8 i1 i2 i4 i8 u1 u2 u8 b1";
    }

    /** A version-1.0 npy header, padded with spaces and a newline to a multiple of 64 bytes. */
    static byte[] canonicalHeader(String descr, long[] shape) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple(shape) + ", }";
        int total = 10 + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        StringBuilder sb = new StringBuilder(dict);
        sb.append(" ".repeat(padded - total)).append('\n');
        byte[] h = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[10 + h.length];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        out[6] = 1;
        out[7] = 0;
        out[8] = (byte) (h.length & 0xFF);
        out[9] = (byte) ((h.length >> 8) & 0xFF);
        System.arraycopy(h, 0, out, 10, h.length);
        return out;
    }

    static String tuple(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(')').toString();
    }

    /** The text in quotes for a message: at most 200 characters, control characters (line breaks) as {@code \\uXXXX}. */
    private static String quote(String text) {
        String t = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        StringBuilder b = new StringBuilder(t.length() + 2).append('"');
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static void write(INDArray array, Path file) throws IOException {
        Objects.requireNonNull(array, "array");
        Objects.requireNonNull(file, "file");
        DataType type = array.dataType();
        if (!DTYPES.containsValue(type)) {
            throw new IllegalArgumentException("cannot write " + type + " arrays as npy (" + supported()
                    + "); convert first, e.g. array.castTo(DataType.FLOAT)");
        }
        INDArray c = array.isView() || array.ordering() != 'c' ? array.dup('c') : array;
        byte[] bytes = Nd4j.toNpyByteArray(c);
        Header h = header(bytes, "(ND4J output)");
        if (!Arrays.equals(h.shape(), array.shape()) || DTYPES.get(h.numpyType()) != c.dataType()
                || h.dataOffset() + h.count() * h.itemSize() > bytes.length) {
            throw new IllegalStateException("ND4J wrote an npy header " + h + " that does not match " + type + " "
                    + Arrays.toString(array.shape()));
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new IOException("Cannot write npy " + file + ": " + e, e);
        }
    }
}
