package dev.cnnviz.dl4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.style.FeedForwardStyle;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The opset-7 feed-forward style networks (issue 12): ImageScaler, reflection Pad, InstanceNormalization, Crop (as a
 * negative Pad), ConvTranspose with {@code output_shape} (imported as the padding it implies at the declared
 * 720×720, which every other size keeps), Affine. {@code candy} matches the shared reference output; both networks
 * run on square, large and non-square photographs with sane outputs.
 */
class StyleOnnxTest {

    /**
     * The shared reference (an independent float32 evaluation, node by node, with PyTorch operators) on a 224×224
     * crop of chelsea.png. Measured: max |Δ| = 0.0017 on values of magnitude up to ~300, relative L2 error 9.0e-7
     * with instance normalization and tanh on the oneDNN plan (2.7e-6, max |Δ| 0.0037, all on ND4J): float32
     * rounding (the reference's own float64 evaluation differs by 3e-7). Without the free input size the
     * 224×224 input is rejected ("expects shape [N, 3, 720, 720]").
     */
    @Test
    void candyMatchesTheReferenceOutputToFloat32Rounding() throws Exception {
        Model m = OnnxImporter.load(SharedData.require("models/style/candy.onnx"));
        FeedForwardStyle candy = FeedForwardStyle.load(m);
        assertEquals(ChannelOrder.BGR, candy.channelOrder(), "the input's doc string says BGR");
        INDArray x = Nd4j.createFromNpyFile(SharedData.require("models/style/candy-reference-input.npy").toFile());
        INDArray ref = Nd4j.createFromNpyFile(SharedData.require("models/style/candy-reference-output.npy").toFile());
        try (INDArray y = candy.run(x); INDArray d = y.sub(ref)) {
            assertArrayEquals(ref.shape(), y.shape());
            double maxAbs = d.amaxNumber().doubleValue();
            double relL2 = d.norm2Number().doubleValue() / ref.norm2Number().doubleValue();
            System.out.printf("candy vs reference: max |diff| %.3g, relative L2 %.3g%n", maxAbs, relL2);
            assertTrue(relL2 < 1e-5, "relative L2 error " + relL2);
            assertTrue(maxAbs < 0.02, "max abs error " + maxAbs);
        }
    }

    /**
     * 224×224, the declared 720×720, and a non-square 301×203 (not a multiple of 4: the network's output,
     * 304×204, is cropped back): the output has the photograph's size, is finite, mostly within 0..255 and is a
     * stylization, not a copy of the photo (it differs from it by tens of grey levels on average) nor a flat image.
     */
    @ParameterizedTest
    @ValueSource(strings = {"candy", "mosaic"})
    void stylizesAnySize(String name) throws Exception {
        FeedForwardStyle s = FeedForwardStyle.load(OnnxImporter.load(SharedData.require("models/style/" + name + ".onnx")));
        BufferedImage photo = ImageIo.read(SharedData.require("images/chelsea.png"));
        for (int[] size : new int[][] {{224, 224}, {720, 720}, {301, 203}}) {
            BufferedImage content = ImageResize.resize(photo, size[0], size[1]);
            try (INDArray y = s.stylizeRgb(List.of(content))) {
                assertArrayEquals(new long[] {1, 3, size[1], size[0]}, y.shape(), name + " at " + size[0] + "x" + size[1]);
                assertTrue(Double.isFinite(y.sumNumber().doubleValue()), name + " output is finite");
                double inRange = y.gte(-20).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)
                        .muli(y.lte(275).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)).meanNumber().doubleValue();
                double std = y.stdNumber().doubleValue();
                double mean = y.meanNumber().doubleValue();
                double diff;
                try (INDArray p = dev.cnnviz.core.image.ImageTensors.toBatch(content, new dev.cnnviz.api.InputSpec(3,
                        size[1], size[0], dev.cnnviz.api.Layout.NCHW, dev.cnnviz.api.Preprocessing.raw(ChannelOrder.RGB)))) {
                    diff = y.sub(p).norm1Number().doubleValue() / y.length();
                }
                double orderEffect = Double.NaN;
                if (size[0] == 224) {
                    try (INDArray x = s.withChannelOrder(ChannelOrder.RGB).stylizeRgb(List.of(content))) {
                        orderEffect = y.sub(x).norm1Number().doubleValue() / y.length();
                    }
                    assertTrue(orderEffect > 1, name + ": the channel order changes the result by " + orderEffect);
                }
                System.out.printf("%s %dx%d: mean %.1f std %.1f in range %.3f |y - photo| %.1f |BGR - RGB| %.1f%n", name,
                        size[0], size[1], mean, std, inRange, diff, orderEffect);
                assertTrue(inRange > 0.9, name + ": " + inRange + " of the values within -20..275");
                assertTrue(mean > 30 && mean < 225, name + ": mean " + mean);
                assertTrue(std > 20, name + ": std " + std + " (a flat image?)");
                assertTrue(diff > 10, name + ": mean |stylized - photo| " + diff + " (a copy of the photo?)");
            }
        }
    }

    /**
     * "Any size" has a floor: the 40-pixel reflect padding needs inputs of at least 41×41. A smaller image is an
     * IllegalArgumentException naming its size and the minimum (before: the Pad node's message from deep inside the
     * forward pass); 41×41 itself runs.
     */
    @Test
    void imagesBelowTheReflectPaddingsFloorAreRejectedClearly() throws Exception {
        FeedForwardStyle s = FeedForwardStyle.load(OnnxImporter.load(SharedData.require("models/style/candy.onnx")));
        assertEquals(41, s.minHeight());
        assertEquals(41, s.minWidth());
        BufferedImage narrow = new BufferedImage(40, 60, BufferedImage.TYPE_INT_RGB);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> s.stylize(narrow));
        assertTrue(e.getMessage().contains("at least 41x41") && e.getMessage().contains("found 40x60"), e.getMessage());
        try (INDArray tiny = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 41, 12)) {
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> s.run(tiny));
            assertTrue(e.getMessage().contains("found 12x41"), e.getMessage());
        }
        BufferedImage smallest = s.stylize(new BufferedImage(41, 41, BufferedImage.TYPE_INT_RGB));
        assertEquals(41, smallest.getWidth());
        assertEquals(41, smallest.getHeight());
    }
}
