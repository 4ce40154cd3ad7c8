package dev.cnnviz.dl4j.onnx;

import com.google.protobuf.ByteString;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorProto;
import com.google.protobuf.UnsafeByteOperations;
import dev.cnnviz.core.MemoryBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads ONNX {@code TensorProto}s into {@link OnnxTensor}s: float32, float64 and float16 become float32;
 * all integer types and bool become 64-bit integers. Values come from {@code raw_data} (little-endian), the
 * typed fields, or an external data file next to the model.
 */
final class TensorReader {
    private TensorReader() {
    }

    /** @return a readable name of an ONNX data type number. */
    static String typeName(int t) {
        return switch (t) {
            case 0 -> "UNDEFINED";
            case 1 -> "FLOAT";
            case 2 -> "UINT8";
            case 3 -> "INT8";
            case 4 -> "UINT16";
            case 5 -> "INT16";
            case 6 -> "INT32";
            case 7 -> "INT64";
            case 8 -> "STRING";
            case 9 -> "BOOL";
            case 10 -> "FLOAT16";
            case 11 -> "DOUBLE";
            case 12 -> "UINT32";
            case 13 -> "UINT64";
            case 14 -> "COMPLEX64";
            case 15 -> "COMPLEX128";
            case 16 -> "BFLOAT16";
            default -> "type " + t;
        };
    }

    /** @return whether cnnviz can compute with values of this ONNX type (as float32). */
    static boolean isFloatType(int t) {
        return t == 1 || t == 10 || t == 11;
    }

    private static int elementSize(int t) {
        return switch (t) {
            case 2, 3, 9 -> 1;
            case 4, 5, 10 -> 2;
            case 1, 6, 12 -> 4;
            case 7, 11, 13 -> 8;
            default -> -1;
        };
    }

    /**
     * Reads a tensor.
     *
     * @param t       the tensor
     * @param what    how to name it in messages, e.g. "initializer 'conv1_w_0'"
     * @param baseDir directory of the model file for external data, or null
     * @param budget  the memory budget the tensor's values (as float32 or int64) must fit
     */
    static OnnxTensor read(TensorProto t, String what, Path baseDir, MemoryBudget budget) {
        int type = t.getDataType();
        if (elementSize(type) < 0) {
            throw new ImportFailure(what + " has data type " + typeName(type)
                    + "; cnnviz reads FLOAT, DOUBLE, FLOAT16 and integer/bool tensors");
        }
        long[] dims = new long[t.getDimsCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
            if (dims[i] < 0) {
                throw new ImportFailure(what + " has a negative dimension: " + t.getDimsList());
            }
        }
        long n;
        try {
            n = OnnxTensor.count(dims);
        } catch (ArithmeticException e) {
            throw new ImportFailure(what + " has an impossible shape " + t.getDimsList());
        }
        budget.check(what + " (" + n + " values)", MemoryBudget.bytesOf(isFloatType(type) ? 4 : 8, n));
        if (n > Integer.MAX_VALUE - 8) {
            throw new ImportFailure(what + " is too large (" + n + " values; cnnviz holds at most 2^31 values in a tensor)");
        }
        int count = (int) n;
        ByteString raw = null;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            raw = external(t, what, baseDir, n * elementSize(type));
        } else if (t.hasRawData()) {
            raw = t.getRawData();
        }
        try {
            if (raw != null) {
                return fromRaw(raw, type, dims, count, what);
            }
            return fromTyped(t, type, dims, count, what);
        } catch (IllegalArgumentException e) {
            throw new ImportFailure(what + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a tensor's external data, confined to the model's folder: the location must be relative, must not
     * climb out of the folder (no {@code ..} above it, no symbolic link that leads out), and must name a regular
     * file; the range (offset, length) must lie inside the file and hold exactly the tensor's declared bytes. All
     * of this is checked before the file is opened, and messages name the tensor and the location as written,
     * never facts about files outside the folder.
     */
    private static ByteString external(TensorProto t, String what, Path baseDir, long expectedBytes) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = parseLong(e.getValue(), what);
                case "length" -> length = parseLong(e.getValue(), what);
                default -> { }
            }
        }
        if (location == null || location.isEmpty()) {
            throw new ImportFailure(what + " is stored externally but names no location");
        }
        String written = "'" + printable(location) + "'";
        if (baseDir == null) {
            throw new ImportFailure(what + " is stored in the external file " + written
                    + "; load the model from a file path (not a stream) so that it can be found");
        }
        if (offset < 0 || length < -1) {
            throw new ImportFailure(what + ": external data " + written + " has a negative offset or length ("
                    + offset + ", " + length + ")");
        }
        if (length >= 0 && length != expectedBytes) {
            throw new ImportFailure(what + ": external data " + written + " declares " + length
                    + " bytes, but the tensor's shape and type need " + expectedBytes);
        }
        Path file = confined(location, written, baseDir, what);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (offset > size || expectedBytes > size - offset) {
                throw new ImportFailure(what + ": the external data file " + written + " is too short for "
                        + expectedBytes + " bytes at offset " + offset);
            }
            if (expectedBytes > Integer.MAX_VALUE - 8) {
                throw new ImportFailure(what + " is too large to read (" + expectedBytes + " bytes)");
            }
            ByteBuffer b = ByteBuffer.allocate((int) expectedBytes);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw new ImportFailure(what + ": the external data file " + written + " ended early");
                }
            }
            b.flip();
            return UnsafeByteOperations.unsafeWrap(b);
        } catch (IOException e) {
            throw new ImportFailure(what + ": cannot read the external data file " + written + " ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /**
     * Resolves an external-data location inside the model's folder. Absolute locations and locations that climb
     * out lexically are refused without touching the file system; the rest are resolved with their symbolic links
     * and must stay inside the folder (itself resolved) and be regular files.
     */
    private static Path confined(String location, String written, Path baseDir, String what) {
        Path rel;
        try {
            rel = Path.of(location);
        } catch (InvalidPathException e) {
            throw new ImportFailure(what + ": the external data location " + written + " is not a valid path");
        }
        if (rel.isAbsolute() || location.startsWith("/") || location.startsWith("\\") || rel.getRoot() != null
                || location.indexOf('\0') >= 0) {
            throw new ImportFailure(what + ": the external data location " + written
                    + " is absolute; cnnviz reads external data only from files inside the model's folder, by relative paths");
        }
        Path norm = rel.normalize();
        if (norm.toString().isEmpty() || norm.startsWith("..")) {
            throw new ImportFailure(what + ": the external data location " + written
                    + " leads outside the model's folder; cnnviz reads external data only from files inside it");
        }
        Path base;
        Path real;
        try {
            base = baseDir.toRealPath();
            real = base.resolve(norm).toRealPath();
        } catch (IOException e) {
            throw new ImportFailure(what + ": the external data file " + written
                    + " is not in the model's folder (or cannot be resolved)");
        }
        if (!real.startsWith(base) || real.equals(base)) {
            throw new ImportFailure(what + ": the external data location " + written
                    + " resolves (through a symbolic link) outside the model's folder; cnnviz reads external data only from files inside it");
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImportFailure(what + ": the external data location " + written + " is not a regular file");
        }
        return real;
    }

    /** The location with control characters replaced, capped at 200 characters, for messages. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return s.length() > 200 ? b + "..." : b.toString();
    }

    private static long parseLong(String s, String what) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new ImportFailure(what + ": bad external data number '" + s + "'");
        }
    }

    private static OnnxTensor fromRaw(ByteString raw, int type, long[] dims, int count, String what) {
        int size = elementSize(type);
        if ((long) count * size != raw.size()) {
            throw new ImportFailure(what + " of shape " + java.util.Arrays.toString(dims) + " and type " + typeName(type)
                    + " needs " + ((long) count * size) + " bytes of data, found " + raw.size());
        }
        ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case 1: {
                float[] v = new float[count];
                b.asFloatBuffer().get(v);
                return OnnxTensor.ofFloats(dims, v);
            }
            case 11: {
                double[] d = new double[count];
                b.asDoubleBuffer().get(d);
                float[] v = new float[count];
                for (int i = 0; i < count; i++) {
                    v[i] = (float) d[i];
                }
                return OnnxTensor.ofFloats(dims, v);
            }
            case 10: {
                float[] v = new float[count];
                for (int i = 0; i < count; i++) {
                    v[i] = halfToFloat(b.getShort() & 0xffff);
                }
                return OnnxTensor.ofFloats(dims, v);
            }
            default: {
                long[] v = new long[count];
                for (int i = 0; i < count; i++) {
                    v[i] = switch (type) {
                        case 2, 9 -> b.get() & 0xffL;
                        case 3 -> b.get();
                        case 4 -> b.getShort() & 0xffffL;
                        case 5 -> b.getShort();
                        case 6 -> b.getInt();
                        case 12 -> b.getInt() & 0xffffffffL;
                        default -> b.getLong();
                    };
                }
                return OnnxTensor.ofLongs(dims, v);
            }
        }
    }

    private static OnnxTensor fromTyped(TensorProto t, int type, long[] dims, int count, String what) {
        switch (type) {
            case 1: {
                check(t.getFloatDataCount(), count, "float_data", dims, what);
                float[] v = new float[count];
                for (int i = 0; i < count; i++) {
                    v[i] = t.getFloatData(i);
                }
                return OnnxTensor.ofFloats(dims, v);
            }
            case 11: {
                check(t.getDoubleDataCount(), count, "double_data", dims, what);
                float[] v = new float[count];
                for (int i = 0; i < count; i++) {
                    v[i] = (float) t.getDoubleData(i);
                }
                return OnnxTensor.ofFloats(dims, v);
            }
            case 10: {
                check(t.getInt32DataCount(), count, "int32_data", dims, what);
                float[] v = new float[count];
                for (int i = 0; i < count; i++) {
                    v[i] = halfToFloat(t.getInt32Data(i) & 0xffff);
                }
                return OnnxTensor.ofFloats(dims, v);
            }
            case 7: {
                check(t.getInt64DataCount(), count, "int64_data", dims, what);
                long[] v = new long[count];
                for (int i = 0; i < count; i++) {
                    v[i] = t.getInt64Data(i);
                }
                return OnnxTensor.ofLongs(dims, v);
            }
            case 12, 13: {
                check(t.getUint64DataCount(), count, "uint64_data", dims, what);
                long[] v = new long[count];
                for (int i = 0; i < count; i++) {
                    v[i] = t.getUint64Data(i);
                }
                return OnnxTensor.ofLongs(dims, v);
            }
            default: {
                check(t.getInt32DataCount(), count, "int32_data", dims, what);
                long[] v = new long[count];
                for (int i = 0; i < count; i++) {
                    v[i] = t.getInt32Data(i);
                }
                return OnnxTensor.ofLongs(dims, v);
            }
        }
    }

    private static void check(int found, int count, String field, long[] dims, String what) {
        if (found != count) {
            throw new ImportFailure(what + " of shape " + java.util.Arrays.toString(dims) + " needs " + count
                    + " values but its " + field + " holds " + found + (found == 0 ? " (no data)" : ""));
        }
    }

    /** IEEE 754 half precision bits to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(int h) {
        int sign = (h >>> 15) & 1;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        float v;
        if (exp == 0) {
            v = mant * 0x1p-24f;
        } else if (exp == 31) {
            v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            v = Float.intBitsToFloat(((exp - 15 + 127) << 23) | (mant << 13));
        }
        return sign == 1 ? -v : v;
    }
}
