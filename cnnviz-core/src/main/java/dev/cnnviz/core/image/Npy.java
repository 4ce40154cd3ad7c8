package dev.cnnviz.core.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * numpy {@code .npy} files, validated in Java before ND4J's native reader sees them.
 *
 * <p>ND4J's native npy parser aborts the whole JVM on input it does not expect (a big-endian dtype, format
 * version 2), reads past the end of truncated files, ignores {@code fortran_order} and mis-reads {@code <u4}.
 * So the whole file is parsed and checked here (magic, version, header, dtype, data length), then handed to
 * {@link Nd4j#createNpyFromByteArray} with a canonical version-1.0 header that it reads correctly;
 * Fortran-ordered data is reordered afterwards.
 */
final class Npy {
    private Npy() {}

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

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

    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    /** What the header of an npy file says. */
    record Header(String descr, boolean fortranOrder, long[] shape, int dataOffset) {
        int itemSize() {
            return Integer.parseInt(descr.substring(2));
        }

        String numpyType() {
            return descr.substring(1);
        }

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
        Objects.requireNonNull(file, "file");
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "npy file not found");
        }
        if (Files.isDirectory(file)) {
            throw new IOException("Cannot read npy " + file + ": it is a directory");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | OutOfMemoryError e) {
            throw new IOException("Cannot read npy " + file + ": " + e, e);
        }
        return parse(bytes, file.toString());
    }

    static INDArray parse(byte[] bytes, String name) throws IOException {
        Header h = header(bytes, name);
        long count = h.count();
        long dataBytes = count * h.itemSize();
        long available = bytes.length - (long) h.dataOffset();
        if (available < dataBytes) {
            throw new IOException("Cannot read npy " + name + ": the file is truncated: its header promises shape "
                    + h.shapeText() + " of " + h.numpyType() + " = " + dataBytes + " bytes of data, but only "
                    + available + " follow");
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
        if (major == 1) {
            headerLength = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new IOException("Cannot read npy " + name + ": the file is truncated inside its header ("
                        + bytes.length + " bytes)");
            }
            headerLength = (bytes[8] & 0xFFL) | (bytes[9] & 0xFFL) << 8 | (bytes[10] & 0xFFL) << 16
                    | (bytes[11] & 0xFFL) << 24;
            headerStart = 12;
        } else {
            throw new IOException("Cannot read npy " + name + ": unsupported npy format version " + major + "."
                    + minor + " (versions 1.0 to 3.0 are supported)");
        }
        if (headerStart + headerLength > bytes.length) {
            throw new IOException("Cannot read npy " + name + ": the file is truncated inside its header (the header"
                    + " needs " + (headerStart + headerLength) + " bytes, the file has " + bytes.length + ")");
        }
        String text = new String(bytes, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).trim();
        if (!text.startsWith("{") || !text.endsWith("}")) {
            throw new IOException("Cannot read npy " + name + ": malformed header " + quote(text));
        }
        Matcher d = DESCR.matcher(text);
        Matcher f = FORTRAN.matcher(text);
        Matcher s = SHAPE.matcher(text);
        if (!d.find()) {
            throw new IOException("Cannot read npy " + name + ": unsupported dtype in header " + quote(text)
                    + " (structured dtypes are not supported; " + supported() + ")");
        }
        if (!f.find() || !s.find()) {
            throw new IOException("Cannot read npy " + name + ": malformed header " + quote(text));
        }
        String descr = normaliseDescr(d.group(1), name);
        long[] shape = parseShape(s.group(1), name, text);
        return new Header(descr, f.group(1).equals("True"), shape, (int) (headerStart + headerLength));
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
                            + "' (big-endian); convert it with numpy: a.astype('<" + type + "')");
                }
            }
        }
        throw new IOException("Cannot read npy " + name + ": unsupported dtype '" + descr + "' (" + supported() + ")");
    }

    private static String supported() {
        return "supported: little-endian f2 f4 f8 i1 i2 i4 i8 u1 u2 u8 b1";
    }

    private static long[] parseShape(String inner, String name, String text) throws IOException {
        List<Long> dims = new ArrayList<>();
        for (String part : inner.split(",")) {
            String p = part.trim();
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1); // Python 2 long literals
            }
            if (p.isEmpty()) {
                continue;
            }
            try {
                long v = Long.parseLong(p);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                dims.add(v);
            } catch (NumberFormatException e) {
                throw new IOException("Cannot read npy " + name + ": malformed shape in header " + quote(text));
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        try {
            long n = 1;
            for (long dim : shape) {
                n = Math.multiplyExact(n, dim);
            }
            Math.multiplyExact(n, 8L);
        } catch (ArithmeticException e) {
            throw new IOException("Cannot read npy " + name + ": shape " + tuple(shape) + " is too large");
        }
        return shape;
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

    private static String quote(String text) {
        String t = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return "\"" + t + "\"";
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
