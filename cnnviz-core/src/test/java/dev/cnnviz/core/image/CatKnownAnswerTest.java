package dev.cnnviz.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The shared known answer {@code models/squeezenet1.1/cat-input.npy}: {@code images/cat.jpg} (1000×1000) resized
 * to 224×224, BGR, minus (104, 117, 123). Its values are whole numbers, so it was resized in 8 bits; measured:
 * <pre>
 *   BILINEAR_ANTIALIAS (Pillow, 8-bit arithmetic)   mean |d| = 0      max 0     (bit-identical)
 *   BILINEAR_ANTIALIAS in floats, rounded at the end mean |d| = 0.091 max 1     (91% identical)
 *   BILINEAR (OpenCV / torch antialias=False)        mean |d| = 2.81  max 114   (27% identical)
 * </pre>
 * So it was made with Pillow's {@code resize((224, 224), Image.BILINEAR)}, and Java's JPEG decoder gives the
 * same pixels as the decoder used then.
 */
class CatKnownAnswerTest {
    private static final InputSpec SQUEEZENET = new InputSpec(3, 224, 224, Layout.NCHW,
            Preprocessing.caffeBgr(104, 117, 123));

    /** A file of the shared folder: skipped when {@code cnnviz.shared} is unset, failing when the file is missing. */
    static Path shared(String relative) {
        return SharedData.require(relative);
    }

    private static double[] compare(INDArray x, INDArray ref) {
        float[] a = x.data().asFloat();
        float[] b = ref.data().asFloat();
        double sum = 0;
        double max = 0;
        long same = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            sum += d;
            max = Math.max(max, d);
            same += d == 0 ? 1 : 0;
        }
        return new double[] {sum / a.length, max, same / (double) a.length};
    }

    @Test
    void catJpegPreprocessedLikeTheSharedNpy() throws IOException {
        BufferedImage cat = ImageIo.read(shared("images/cat.jpg"));
        INDArray ref = ImageTensors.readNpy(shared("models/squeezenet1.1/cat-input.npy"));
        assertEquals(DataType.FLOAT, ref.dataType());
        assertArrayEquals(new long[] {1, 3, 224, 224}, ref.shape());
        ImageTensors.checkBatch(ref, SQUEEZENET);

        double[] aa = compare(ImageTensors.toBatch(List.of(cat), SQUEEZENET, ResizeFilter.BILINEAR_ANTIALIAS), ref);
        double[] plain = compare(ImageTensors.toBatch(List.of(cat), SQUEEZENET, ResizeFilter.BILINEAR), ref);
        System.out.printf("cat-input.npy vs BILINEAR_ANTIALIAS: mean |d| %.4f, max %.1f, identical %.1f%%%n",
                aa[0], aa[1], 100 * aa[2]);
        System.out.printf("cat-input.npy vs BILINEAR:           mean |d| %.4f, max %.1f, identical %.1f%%%n",
                plain[0], plain[1], 100 * plain[2]);
        // Measured: exactly 0. The bound leaves room for a JDK whose JPEG decoder rounds a few pixels differently
        // (one level on 1% of the values); a resize bug or a channel swap gives far more (plain bilinear: 2.8).
        assertTrue(aa[0] <= 0.01 && aa[1] <= 1, "antialiased resize: mean |d| " + aa[0] + ", max " + aa[1]);
        assertTrue(plain[0] > 10 * Math.max(aa[0], 0.01), "plain bilinear should not match: " + plain[0]);

        // The default filter is the one that matches.
        assertEquals(0, compare(ImageTensors.toBatch(cat, SQUEEZENET), ref)[1], 1.0);

        // Back to an image: the npy shows exactly the Pillow-resized cat.
        BufferedImage seen = ImageTensors.toImage(ref, SQUEEZENET.preprocessing());
        BufferedImage resized = ImageResize.resize(cat, 224, 224, ResizeFilter.BILINEAR_ANTIALIAS);
        int differing = 0;
        for (int y = 0; y < 224; y++) {
            for (int x = 0; x < 224; x++) {
                differing += (seen.getRGB(x, y) & 0xFFFFFF) == (resized.getRGB(x, y) & 0xFFFFFF) ? 0 : 1;
            }
        }
        assertTrue(differing <= 224 * 224 / 100, differing + " pixels differ");
    }
}
