package dev.cnnviz.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NpyTest {
    @TempDir
    Path dir;

    /** An npy file written by hand: magic, version, little-endian header length, header text, data. */
    private static byte[] npy(int major, String header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        byte[] h = (header + "\n").getBytes(StandardCharsets.ISO_8859_1);
        if (major == 1) {
            out.writeBytes(new byte[] {(byte) h.length, (byte) (h.length >> 8)});
        } else {
            out.writeBytes(new byte[] {(byte) h.length, (byte) (h.length >> 8), 0, 0});
        }
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static byte[] floats(ByteOrder order, float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(order);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private IOException readFails(byte[] bytes, String name) throws IOException {
        Path file = Files.write(dir.resolve(name), bytes);
        IOException e = assertThrows(IOException.class, () -> ImageTensors.readNpy(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return e;
    }

    @Test
    void float32ImageBatchRoundTripsExactly() throws IOException {
        Random rnd = new Random(7);
        float[] v = new float[3 * 224 * 224];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * 100);
        }
        v[5] = -0.0f;
        v[6] = Float.MIN_VALUE;
        v[7] = Float.MAX_VALUE;
        INDArray x = Nd4j.create(v, new long[] {1, 3, 224, 224}, 'c');
        Path file = dir.resolve("deep/er/x.npy");
        ImageTensors.writeNpy(x, file);
        INDArray back = ImageTensors.readNpy(file);
        assertEquals(DataType.FLOAT, back.dataType());
        assertArrayEquals(new long[] {1, 3, 224, 224}, back.shape());
        float[] b = back.data().asFloat();
        for (int i = 0; i < v.length; i++) {
            assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(b[i]), "value " + i);
        }
        // numpy's format: header then raw little-endian floats.
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(0, (bytes.length - 4 * v.length) % 64);
        assertTrue(new String(bytes, 0, 128, StandardCharsets.ISO_8859_1).contains("'shape': (1, 3, 224, 224)"));
    }

    @Test
    void float64RoundTripsExactlyIncludingSpecialValues() throws IOException {
        double[] v = {Math.PI, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, Double.NaN, Double.NEGATIVE_INFINITY,
            1e-310, 1.0 / 3};
        INDArray x = Nd4j.create(v, new long[] {2, 4}, DataType.DOUBLE);
        Path file = dir.resolve("d.npy");
        ImageTensors.writeNpy(x, file);
        INDArray back = ImageTensors.readNpy(file);
        assertEquals(DataType.DOUBLE, back.dataType());
        assertArrayEquals(new long[] {2, 4}, back.shape());
        double[] b = back.data().asDouble();
        for (int i = 0; i < v.length; i++) {
            assertEquals(Double.doubleToRawLongBits(v[i]), Double.doubleToRawLongBits(b[i]), "value " + i);
        }
    }

    @Test
    void otherTypesViewsAndScalarsRoundTrip() throws IOException {
        for (DataType t : new DataType[] {DataType.INT32, DataType.INT64, DataType.INT16, DataType.INT8,
            DataType.UINT8, DataType.FLOAT16, DataType.BOOL, DataType.UINT16}) {
            INDArray x = Nd4j.arange(6).reshape(2, 3).castTo(t);
            Path file = dir.resolve(t + ".npy");
            ImageTensors.writeNpy(x, file);
            INDArray back = ImageTensors.readNpy(file);
            assertEquals(t, back.dataType(), t.toString());
            assertEquals(x, back, t.toString());
        }
        INDArray base = Nd4j.arange(24).castTo(DataType.FLOAT).reshape(2, 3, 4);
        INDArray view = base.permute(2, 0, 1);
        Path file = dir.resolve("view.npy");
        ImageTensors.writeNpy(view, file);
        assertEquals(view.dup('c'), ImageTensors.readNpy(file));
        INDArray scalar = Nd4j.scalar(2.5f);
        ImageTensors.writeNpy(scalar, dir.resolve("s.npy"));
        INDArray s = ImageTensors.readNpy(dir.resolve("s.npy"));
        assertEquals(0, s.rank());
        assertEquals(2.5f, s.getFloat(0), 0f);
    }

    @Test
    void unsupportedTypesAreRejectedWhenWriting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageTensors.writeNpy(Nd4j.zeros(DataType.UINT32, 2), dir.resolve("u.npy")));
        assertTrue(e.getMessage().contains("UINT32"), e.getMessage());
    }

    @Test
    void aPngIsNotAnNpyFile() throws IOException {
        Path png = dir.resolve("image.png");
        ImageIo.writePng(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), png);
        IOException e = assertThrows(IOException.class, () -> ImageTensors.readNpy(png));
        assertTrue(e.getMessage().contains(png.toString()) && e.getMessage().contains("not an npy file"),
                e.getMessage());
        assertTrue(e.getMessage().contains("PNG"), e.getMessage());
    }

    @Test
    void truncatedFilesGiveClearErrors() throws IOException {
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 8, 8);
        Path good = dir.resolve("good.npy");
        ImageTensors.writeNpy(x, good);
        byte[] bytes = Files.readAllBytes(good);
        IOException e = readFails(Arrays.copyOf(bytes, bytes.length - 1), "short-data.npy");
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("768 bytes"), e.getMessage());
        e = readFails(Arrays.copyOf(bytes, 40), "short-header.npy");
        assertTrue(e.getMessage().contains("truncated inside its header"), e.getMessage());
        e = readFails(Arrays.copyOf(bytes, 8), "magic-only.npy");
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        e = readFails(new byte[0], "empty.npy");
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("missing.npy");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ImageTensors.readNpy(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void unsupportedDtypesAreRejectedBeforeNd4jSeesThem() throws IOException {
        // Each of these would abort the JVM or be mis-read by ND4J's native reader.
        String bigEndian = "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }";
        IOException e = readFails(npy(1, bigEndian, floats(ByteOrder.BIG_ENDIAN, 1, 2)), "be.npy");
        assertTrue(e.getMessage().contains("'>f4'") && e.getMessage().contains("big-endian"), e.getMessage());
        e = readFails(npy(1, "{'descr': '<u4', 'fortran_order': False, 'shape': (2,), }", new byte[8]), "u4.npy");
        assertTrue(e.getMessage().contains("unsupported dtype '<u4'"), e.getMessage());
        e = readFails(npy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new byte[8]), "c8.npy");
        assertTrue(e.getMessage().contains("unsupported dtype '<c8'"), e.getMessage());
        e = readFails(npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]),
                "structured.npy");
        assertTrue(e.getMessage().contains("structured"), e.getMessage());
        e = readFails(npy(9, "{}", new byte[0]), "v9.npy");
        assertTrue(e.getMessage().contains("version 9.0"), e.getMessage());
        e = readFails(new byte[] {'P', 'K', 3, 4, 0, 0}, "a.npz");
        assertTrue(e.getMessage().contains(".npz"), e.getMessage());
    }

    @Test
    void version2AndUnusualSpacingAreRead() throws IOException {
        String header = "{\"descr\":'<f4',\"shape\":(3,),'fortran_order':False}";
        Path v2 = Files.write(dir.resolve("v2.npy"), npy(2, header, floats(ByteOrder.LITTLE_ENDIAN, 1.5f, -2, 3)));
        INDArray a = ImageTensors.readNpy(v2);
        assertArrayEquals(new long[] {3}, a.shape());
        assertArrayEquals(new float[] {1.5f, -2, 3}, a.data().asFloat(), 0f);
    }

    @Test
    void fortranOrderIsReordered() throws IOException {
        // numpy.asfortranarray(numpy.arange(6, dtype='<f4').reshape(2, 3)) stores 0 3 1 4 2 5.
        String header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
        Path f = Files.write(dir.resolve("f.npy"), npy(1, header, floats(ByteOrder.LITTLE_ENDIAN, 0, 3, 1, 4, 2, 5)));
        INDArray a = ImageTensors.readNpy(f);
        assertEquals(Nd4j.arange(6).castTo(DataType.FLOAT).reshape(2, 3), a);
        assertEquals('c', a.ordering());
    }

    // ------------------------------------------------------------------------------------ untrusted input

    private static final String F4_2X3 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

    @Test
    void trailingBytesAfterTheDataAreAnError() throws IOException {
        byte[] exact = npy(1, F4_2X3, floats(ByteOrder.LITTLE_ENDIAN, 0, 1, 2, 3, 4, 5));
        assertEquals(6, ImageTensors.readNpy(Files.write(dir.resolve("exact.npy"), exact)).length());
        IOException e = readFails(Arrays.copyOf(exact, exact.length + 1), "one-more.npy");
        assertTrue(e.getMessage().contains("1 trailing bytes") && e.getMessage().contains("24 bytes of data")
                && e.getMessage().contains("but 25 follow"), e.getMessage());
        e = readFails(npy(1, F4_2X3, new byte[4096]), "appended.npy");
        assertTrue(e.getMessage().contains("4072 trailing bytes"), e.getMessage());
    }

    @Test
    void shortDataSaysHowManyBytesWereExpectedAndFound() throws IOException {
        IOException e = readFails(npy(1, F4_2X3, new byte[20]), "short.npy");
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("24 bytes of data")
                && e.getMessage().contains("only 20 follow") && e.getMessage().contains("4 missing"), e.getMessage());
    }

    @Test
    void aShapeThatLiesAboutTheDataIsAnError() throws IOException {
        // The data of 6 floats, under headers claiming more, fewer, an overflowing or a negative count.
        byte[] six = floats(ByteOrder.LITTLE_ENDIAN, 0, 1, 2, 3, 4, 5);
        IOException e = readFails(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }",
                six), "more.npy");
        assertTrue(e.getMessage().contains("602112 bytes of data") && e.getMessage().contains("only 24"),
                e.getMessage());
        e = readFails(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", six), "fewer.npy");
        assertTrue(e.getMessage().contains("8 trailing bytes"), e.getMessage());
        e = readFails(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                six), "overflow.npy");
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
        e = readFails(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846976,), }",
                six), "overflow-bytes.npy"); // 2^60 elements fit in a long, 2^63 bytes do not
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
        e = readFails(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 6), }", six), "negative.npy");
        assertTrue(e.getMessage().contains("malformed shape"), e.getMessage());
        e = readFails(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6), }", six), "not-a-tuple.npy");
        assertTrue(e.getMessage().contains("malformed shape \"(6)\""), e.getMessage());
        e = readFails(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", six),
                "huge-dim.npy");
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
        String rank33 = "(" + "1, ".repeat(33) + ")";
        e = readFails(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': " + rank33 + ", }", new byte[4]),
                "rank33.npy");
        assertTrue(e.getMessage().contains("more than 32 dimensions"), e.getMessage());
    }

    @Test
    void unsupportedDtypesAreNamedWithTheSupportedOnes() throws IOException {
        for (String descr : new String[] {"<c8", "|O", ">f4", "|S10", "<U4", "<f16", "<M8[ns]", ""}) {
            IOException e = readFails(npy(1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (1,), }",
                    new byte[8]), "dtype.npy");
            assertTrue(e.getMessage().contains("unsupported dtype '" + descr + "'")
                    && e.getMessage().contains("supported: little-endian f2 f4 f8"), e.getMessage());
        }
    }

    @Test
    void aBadMagicOrVersionIsRefused() throws IOException {
        byte[] good = npy(1, F4_2X3, new byte[24]);
        byte[] bad = good.clone();
        bad[5] = 'Z';
        IOException e = readFails(bad, "magic.npy");
        assertTrue(e.getMessage().contains("not an npy file") && e.getMessage().contains("NUMPZ"), e.getMessage());
        bad = good.clone();
        bad[7] = 5; // version 1.5
        e = readFails(bad, "v15.npy");
        assertTrue(e.getMessage().contains("version 1.5"), e.getMessage());
        bad = good.clone();
        bad[8] = (byte) 0xFF; // a header length beyond the end of the file
        bad[9] = (byte) 0xFF;
        e = readFails(bad, "header-length.npy");
        assertTrue(e.getMessage().contains("truncated inside its header") && e.getMessage().contains("65545 bytes"),
                e.getMessage());
    }

    @Test
    void theHeaderMustBeExactlyTheThreeKeyDict() throws IOException {
        String[][] cases = {
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'descr': '>f4'}", "appears twice"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}", "unexpected key 'extra'"},
            {"{'descr': '<f4', 'shape': (2, 3)}", "'fortran_order' is missing"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk", "text after"},
            {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}", "True or False"},
            {"{'descr': '<f4' 'fortran_order': False, 'shape': (2, 3)}", "expected ','"},
            {"['descr', '<f4']", "expected '{'"},
        };
        for (String[] c : cases) {
            IOException e = readFails(npy(1, c[0], new byte[24]), "header.npy");
            assertTrue(e.getMessage().contains("malformed header") && e.getMessage().contains(c[1]), e.getMessage());
        }
        // A header quoted in a message keeps the message on one line (the fuzz suite found line breaks there).
        IOException broken = readFails(npy(1, "{'descr': '<f4',\n 'fortran_order': False,\r\n 'shape': (2, 3)} x", new byte[24]),
                "lines.npy");
        assertFalse(broken.getMessage().contains("\n") || broken.getMessage().contains("\r"), broken.getMessage());
        assertTrue(broken.getMessage().contains("'<f4',\\u000a"), broken.getMessage());
        // numpy's own spelling with the padding, and version 3 (UTF-8), are accepted.
        String padded = F4_2X3 + " ".repeat(40);
        assertEquals(6, ImageTensors.readNpy(Files.write(dir.resolve("padded.npy"), npy(1, padded, new byte[24])))
                .length());
        assertEquals(6, ImageTensors.readNpy(Files.write(dir.resolve("v3.npy"), npy(3, F4_2X3, new byte[24])))
                .length());
    }

    @Test
    void onlyRegularFilesWithinTheSizeLimitAreRead() throws IOException {
        Path zero = Path.of("/dev/zero");
        Assumptions.assumeTrue(Files.exists(zero), "no /dev/zero on this system");
        IOException e = assertThrows(IOException.class, () -> ImageTensors.readNpy(zero));
        assertTrue(e.getMessage().contains("/dev/zero") && e.getMessage().contains("character device"),
                e.getMessage());
        e = assertThrows(IOException.class, () -> ImageTensors.readNpy(dir));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
        Path file = Files.write(dir.resolve("x.npy"), npy(1, F4_2X3, new byte[24]));
        long size = Files.size(file);
        e = assertThrows(IOException.class, () -> ImageTensors.readNpy(file, size - 1));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("limit of " + (size - 1)),
                e.getMessage());
        assertEquals(6, ImageTensors.readNpy(file, size).length());
        assertEquals(1L << 30, ImageTensors.DEFAULT_MAX_NPY_BYTES);
    }
}
