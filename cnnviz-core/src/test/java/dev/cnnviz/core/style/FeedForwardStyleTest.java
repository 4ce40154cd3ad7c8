package dev.cnnviz.core.style;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Mul;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.PadMode;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link FeedForwardStyle} on a hand-made "style network" that halves its first channel and adds two rows and three
 * columns of 7s at the bottom and right (as candy's output is a little larger than an input whose size is not a
 * multiple of 4): the channel order decides which colour is halved, outputs are cropped to the content's size, any
 * size runs although the file declared 8×8, and batches keep the order of the images.
 */
class FeedForwardStyleTest {

    private static Model net(ChannelOrder order) {
        Graph g = Graph.builder()
                .input("x", 3, 8, 8)
                .constant("k", Nd4j.create(new float[] {0.5f, 1f, 1f}, new long[] {1, 3, 1, 1}, 'c'))
                .add("half", new Mul(), "x", "k")
                .add("grow", new Pad(new int[] {0, 0, 0, 0, 0, 0, 2, 3}, PadMode.CONSTANT, 7.0), "half")
                .output("grow")
                .build();
        return new Model(g, new InputSpec(3, 8, 8, Layout.NCHW, Preprocessing.raw(order)), null, "halving net");
    }

    private static BufferedImage image(int w, int h, int rgb) {
        BufferedImage b = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                b.setRGB(x, y, rgb);
            }
        }
        return b;
    }

    @Test
    void channelOrderDecidesWhichColourTheNetworkSeesFirst() {
        BufferedImage grey200 = image(5, 3, 0xC8C8C8);
        FeedForwardStyle bgr = FeedForwardStyle.load(net(ChannelOrder.BGR));
        assertEquals(ChannelOrder.BGR, bgr.channelOrder(), "the model's order is the default");
        BufferedImage out = bgr.stylize(grey200);
        assertEquals(5, out.getWidth());
        assertEquals(3, out.getHeight());
        assertEquals(0xC8C864, out.getRGB(4, 2) & 0xFFFFFF, "BGR: the first channel is blue, halved");
        BufferedImage rgb = bgr.withChannelOrder(ChannelOrder.RGB).stylize(grey200);
        assertEquals(0x64C8C8, rgb.getRGB(4, 2) & 0xFFFFFF, "RGB: the first channel is red, halved");
        assertEquals(ChannelOrder.RGB, FeedForwardStyle.load(net(ChannelOrder.RGB)).channelOrder());
    }

    @Test
    void rgbArrayIsCroppedUnclippedAndInImageOrder() {
        FeedForwardStyle s = FeedForwardStyle.load(net(ChannelOrder.BGR)).withBatchSize(2);
        List<BufferedImage> imgs = List.of(image(6, 4, 0x102030), image(6, 4, 0x405060), image(6, 4, 0x708090));
        try (INDArray y = s.stylizeRgb(imgs)) {
            assertArrayEquals(new long[] {3, 3, 4, 6}, y.shape(), "three images of 4x6, cropped from 6x9");
            assertEquals(0x10, y.getDouble(0, 0, 3, 5), 0.0);
            assertEquals(0x30 / 2.0, y.getDouble(0, 2, 3, 5), 0.0, "blue halved, not rounded");
            assertEquals(0x70, y.getDouble(2, 0, 0, 0), 0.0, "the third image stays third across batches");
        }
        try (INDArray raw = s.run(Nd4j.ones(1, 3, 4, 6))) {
            assertArrayEquals(new long[] {1, 3, 6, 9}, raw.shape(), "run returns the network's own output");
            assertEquals(7.0, raw.getDouble(0, 1, 5, 8), 0.0);
        }
        List<BufferedImage> mixed = s.stylize(List.of(image(6, 4, 0), image(3, 9, 0), image(6, 4, 0)));
        assertEquals(3, mixed.get(1).getWidth());
        assertEquals(9, mixed.get(1).getHeight());
    }

    @Test
    void callerMistakesNameTheValue() {
        FeedForwardStyle s = FeedForwardStyle.load(net(ChannelOrder.RGB));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.withChannelOrder(ChannelOrder.GREY));
        assertTrue(e.getMessage().contains("GREY"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.withBatchSize(0));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.stylizeRgb(List.of(image(2, 2, 0), image(3, 2, 0))));
        assertTrue(e.getMessage().contains("3x2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.run(Nd4j.ones(1, 1, 4, 4)));
        assertTrue(e.getMessage().contains("[1, 1, 4, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.stylize(List.of()));
    }
}
