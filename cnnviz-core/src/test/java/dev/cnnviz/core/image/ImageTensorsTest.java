package dev.cnnviz.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ImageTensorsTest {
    private static final InputSpec CAFFE = new InputSpec(3, 24, 32, Layout.NCHW,
            Preprocessing.caffeBgr(104, 117, 123));
    private static final InputSpec TORCH = new InputSpec(3, 24, 32, Layout.NCHW, Preprocessing.imagenetTorch());
    private static final InputSpec GREY = new InputSpec(1, 24, 32, Layout.NCHW, Preprocessing.unit(ChannelOrder.GREY));

    static BufferedImage randomRgb(int w, int h, long seed) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rnd.nextInt(0x1000000));
            }
        }
        return img;
    }

    private static int c(int rgb, int shift) {
        return (rgb >> shift) & 0xFF;
    }

    private static int maxDifference(BufferedImage a, BufferedImage b) {
        int max = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int s = 0; s <= 16; s += 8) {
                    max = Math.max(max, Math.abs(c(p, s) - c(q, s)));
                }
            }
        }
        return max;
    }

    @Test
    void caffeBgrPutsBlueMinus104InChannelZero() {
        BufferedImage img = randomRgb(32, 24, 1);
        INDArray x = ImageTensors.toBatch(img, CAFFE);
        assertEquals(DataType.FLOAT, x.dataType());
        assertArrayEquals(new long[] {1, 3, 24, 32}, x.shape());
        for (int y = 0; y < 24; y += 5) {
            for (int xx = 0; xx < 32; xx += 3) {
                int p = img.getRGB(xx, y);
                assertEquals(c(p, 0) - 104, x.getFloat(0, 0, y, xx), 0f, "blue at " + xx + "," + y);
                assertEquals(c(p, 8) - 117, x.getFloat(0, 1, y, xx), 0f, "green");
                assertEquals(c(p, 16) - 123, x.getFloat(0, 2, y, xx), 0f, "red");
            }
        }
        BufferedImage back = ImageTensors.toImage(x, CAFFE.preprocessing());
        assertEquals(BufferedImage.TYPE_INT_RGB, back.getType());
        assertEquals(0, maxDifference(img, back));
    }

    @Test
    void torchPreprocessingRoundTrips() {
        BufferedImage img = randomRgb(32, 24, 2);
        INDArray x = ImageTensors.toBatch(img, TORCH);
        int p = img.getRGB(7, 5);
        assertEquals((c(p, 16) / 255.0 - 0.485) / 0.229, x.getDouble(0, 0, 5, 7), 1e-5);
        assertEquals((c(p, 8) / 255.0 - 0.456) / 0.224, x.getDouble(0, 1, 5, 7), 1e-5);
        assertEquals((c(p, 0) / 255.0 - 0.406) / 0.225, x.getDouble(0, 2, 5, 7), 1e-5);
        BufferedImage back = ImageTensors.toImage(x, TORCH.preprocessing());
        assertTrue(maxDifference(img, back) <= 1);
    }

    @Test
    void greyUsesLuminanceAndRoundTripsWithinOneLevel() {
        BufferedImage img = randomRgb(32, 24, 3);
        INDArray x = ImageTensors.toBatch(img, GREY);
        assertArrayEquals(new long[] {1, 1, 24, 32}, x.shape());
        BufferedImage back = ImageTensors.toImage(x, GREY.preprocessing());
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, back.getType());
        int[] samples = back.getRaster().getSamples(0, 0, 32, 24, 0, (int[]) null);
        for (int y = 0; y < 24; y++) {
            for (int xx = 0; xx < 32; xx++) {
                int p = img.getRGB(xx, y);
                double lum = 0.299 * c(p, 16) + 0.587 * c(p, 8) + 0.114 * c(p, 0);
                assertEquals(lum / 255.0, x.getDouble(0, 0, y, xx), 1e-6);
                assertTrue(Math.abs(samples[y * 32 + xx] - lum) <= 0.5 + 1e-4, samples[y * 32 + xx] + " vs " + lum);
            }
        }
        // A grey image goes through unchanged.
        BufferedImage g = new BufferedImage(32, 24, BufferedImage.TYPE_BYTE_GRAY);
        int[] s = new int[32 * 24];
        for (int i = 0; i < s.length; i++) {
            s[i] = (i * 37) % 256;
        }
        g.getRaster().setSamples(0, 0, 32, 24, 0, s);
        BufferedImage gb = ImageTensors.toImage(ImageTensors.toBatch(g, GREY), GREY.preprocessing());
        assertArrayEquals(s, gb.getRaster().getSamples(0, 0, 32, 24, 0, (int[]) null));
    }

    @Test
    void batchesResizeOnlyWhenNeeded() {
        BufferedImage exact = randomRgb(32, 24, 4);
        BufferedImage big = randomRgb(64, 48, 5);
        INDArray x = ImageTensors.toBatch(List.of(exact, big), CAFFE);
        assertArrayEquals(new long[] {2, 3, 24, 32}, x.shape());
        List<BufferedImage> back = ImageTensors.toImages(x, CAFFE.preprocessing());
        assertEquals(2, back.size());
        assertEquals(0, maxDifference(exact, back.get(0)));
        assertEquals(0, maxDifference(ImageResize.resize(big, 32, 24), back.get(1)));
        INDArray plain = ImageTensors.toBatch(List.of(big), CAFFE, ResizeFilter.BILINEAR);
        assertEquals(0, maxDifference(ImageResize.resize(big, 32, 24, ResizeFilter.BILINEAR),
                ImageTensors.toImage(plain, CAFFE.preprocessing())));
        assertThrows(IllegalArgumentException.class, () -> ImageTensors.toBatch(List.of(), CAFFE));
    }

    @Test
    void toImageClampsAndAcceptsChw() {
        INDArray chw = Nd4j.create(new float[] {-500, 0, 500, Float.POSITIVE_INFINITY, 10, 20}, new long[] {3, 1, 2});
        BufferedImage img = ImageTensors.toImage(chw, Preprocessing.raw(ChannelOrder.RGB));
        assertEquals(0x00FF0A, img.getRGB(0, 0) & 0xFFFFFF); // r = clamp(-500) = 0, g = clamp(500), b = 10
        assertEquals(0x00FF14, img.getRGB(1, 0) & 0xFFFFFF); // g = +Infinity clamps to 255
    }

    @Test
    void toImageRejectsNanAndWrongShapes() {
        INDArray x = Nd4j.zeros(DataType.FLOAT, 1, 3, 4, 5);
        x.putScalar(new long[] {0, 2, 3, 1}, Float.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageTensors.toImage(x, CAFFE.preprocessing()));
        assertTrue(e.getMessage().contains("NaN at index [2, 3, 1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageTensors.toImage(Nd4j.zeros(DataType.FLOAT, 1, 1, 4, 5), CAFFE.preprocessing()));
        assertTrue(e.getMessage().contains("1 channel(s)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageTensors.toImage(Nd4j.zeros(DataType.FLOAT, 2, 3, 4, 5), CAFFE.preprocessing()));
        assertTrue(e.getMessage().contains("toImages"), e.getMessage());
    }

    @Test
    void nhwcIsPermutedToNchw() {
        INDArray nhwc = Nd4j.arange(2 * 3 * 4 * 5).castTo(DataType.FLOAT).reshape(2, 3, 4, 5); // N=2, H=3, W=4, C=5
        INDArray nchw = ImageTensors.toNchw(nhwc, Layout.NHWC);
        assertArrayEquals(new long[] {2, 5, 3, 4}, nchw.shape());
        assertEquals(nhwc.getFloat(1, 2, 3, 4), nchw.getFloat(1, 4, 2, 3), 0f);
        assertEquals(nhwc.getFloat(0, 1, 2, 0), nchw.getFloat(0, 0, 1, 2), 0f);
        assertEquals('c', nchw.ordering());
        assertSame(nhwc, ImageTensors.toNchw(nhwc, Layout.NCHW));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageTensors.toNchw(Nd4j.zeros(3, 4, 5), Layout.NHWC));
        assertTrue(e.getMessage().contains("rank 3"), e.getMessage());
    }

    @Test
    void checkBatchAcceptsAGoodBatch() {
        ImageTensors.checkBatch(ImageTensors.toBatch(randomRgb(32, 24, 6), CAFFE), CAFFE);
        INDArray huge = Nd4j.valueArrayOf(new long[] {1, 3, 24, 32}, 3e38f); // the sum overflows, values are finite
        ImageTensors.checkBatch(huge, CAFFE);
    }

    @Test
    void checkBatchNamesNanAndInfinityPositions() {
        INDArray x = Nd4j.zeros(DataType.FLOAT, 2, 3, 24, 32);
        x.putScalar(new long[] {1, 2, 10, 5}, Float.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageTensors.checkBatch(x, CAFFE));
        assertTrue(e.getMessage().contains("contains NaN at index [1, 2, 10, 5]"), e.getMessage());
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 1, 3, 24, 32);
        y.putScalar(new long[] {0, 0, 0, 31}, Double.NEGATIVE_INFINITY);
        e = assertThrows(IllegalArgumentException.class, () -> ImageTensors.checkBatch(y, CAFFE));
        assertTrue(e.getMessage().contains("-Infinity at index [0, 0, 0, 31]"), e.getMessage());
    }

    @Test
    void checkBatchExplainsShapeProblems() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageTensors.checkBatch(Nd4j.zeros(DataType.FLOAT, 1, 24, 32, 3), CAFFE));
        assertTrue(e.getMessage().contains("[N, 3, 24, 32]") && e.getMessage().contains("[1, 24, 32, 3]"),
                e.getMessage());
        assertTrue(e.getMessage().contains("NHWC"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageTensors.checkBatch(Nd4j.zeros(DataType.FLOAT, 1, 1, 24, 32), CAFFE));
        assertTrue(e.getMessage().contains("wrong channel count") && e.getMessage().contains("found 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageTensors.checkBatch(Nd4j.zeros(DataType.FLOAT, 3, 24, 32), CAFFE));
        assertTrue(e.getMessage().contains("rank 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageTensors.checkBatch(Nd4j.zeros(DataType.FLOAT, 1, 3, 24, 31), CAFFE));
        assertTrue(e.getMessage().contains("[1, 3, 24, 31]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageTensors.checkBatch(Nd4j.zeros(DataType.INT32, 1, 3, 24, 32), CAFFE));
        assertTrue(e.getMessage().contains("floating-point"), e.getMessage());
    }
}
