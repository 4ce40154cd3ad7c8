package dev.cnnviz.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
