package dev.cnnviz.core.inspect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.ResourceLimitException;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.render.TileGrid;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Filters, activation maps and the model summary on tiny hand-built networks with known weights. */
class FiltersActivationsSummaryTest {

    private static INDArray f(double[] v, long... shape) {
        return Nd4j.create(v, shape, DataType.FLOAT);
    }

    private static INDArray ramp(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 7) - 3;
        }
        return f(v, shape);
    }

    /** 1-channel 2x2 input; conv1 1x1 with weights (1, -1), biases (0, 3); relu; gap; dense 2 -> 3. */
    private static Model tiny() {
        Graph g = Graph.builder().input("x", 1, 2, 2)
                .constant("w1", f(new double[] {1, -1}, 2, 1, 1, 1))
                .constant("b1", f(new double[] {0, 3}, 2))
                .add("conv1", Conv.simple(), "x", "w1", "b1")
                .add("relu1", new Relu(), "conv1")
                .add("gap", new GlobalAveragePool(), "relu1")
                .add("flat", new Flatten(), "gap")
                .constant("fc_w", f(new double[] {1, -1, 0.5, 2, 1, -1}, 2, 3))
                .add("fc", new Dense(), "flat", "fc_w")
                .build();
        return new Model(g, new InputSpec(1, 2, 2, Layout.NCHW, Preprocessing.raw(ChannelOrder.GREY)), null, "tiny");
    }

    private static INDArray x() {
        return f(new double[] {1, 2, 3, 4}, 1, 1, 2, 2);
    }

    private static int grey(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xFF;
    }

    @Test
    void summaryCountsParametersFlopsAndReceptiveFields() {
        Graph g = Graph.builder().input("x", 1, 8, 8)
                .constant("w", ramp(4, 1, 3, 3)).constant("b", ramp(4))
                .add("conv", Conv.padded(1), "x", "w", "b")
                .add("relu", new Relu(), "conv")
                .add("gap", new GlobalAveragePool(), "relu")
                .add("flat", new Flatten(), "gap")
                .constant("fw", ramp(4, 3)).constant("fb", ramp(3))
                .add("fc", new Dense(), "flat", "fw", "fb")
                .build();
        ModelSummary s = ModelSummary.of(g, 5, 1, 8, 8);
        assertEquals(List.of("x", "conv", "relu", "gap", "flat", "fc"), s.rows().stream().map(ModelSummary.Row::name).toList());
        ModelSummary.Row conv = s.row("conv");
        assertEquals("Conv", conv.op());
        assertEquals(List.of("x"), conv.inputs(), "weights are not listed as inputs");
        assertArrayEquals(new long[] {1, 4, 8, 8}, conv.outputShape(), "batch 1 whatever the shape asked");
        assertEquals(4 * 9 + 4, conv.params());
        assertEquals(2L * 4 * 9 * 64, conv.flops());
        assertArrayEquals(new long[] {3, 3}, conv.receptiveField().orElseThrow().size());
        assertEquals(0, s.row("relu").flops());
        assertTrue(s.row("gap").receptiveField().orElseThrow().isGlobal());
        assertEquals(4 * 3 + 3, s.row("fc").params());
        assertEquals(2L * 4 * 3, s.row("fc").flops());
        assertEquals(40 + 15, s.totalParams());
        assertEquals(2L * 4 * 9 * 64 + 24, s.totalFlops());
        String table = s.table();
        assertTrue(table.lines().findFirst().orElseThrow().matches("layer\\s+operator\\s+output shape\\s+params\\s+FLOPs\\s+RF size\\s+RF stride"),
                table);
        assertTrue(table.contains("3x3") && table.contains("global") && table.contains("55 parameters"), table);
        assertThrows(IllegalArgumentException.class, () -> s.row("w"));
    }

    @Test
    void firstLayerFiltersOfABgrModelAreShownInRgbOrderNormalisedPerFilter() {
        // filter 0: B plane 1, G plane 0, R plane -1; filter 1: all 5 (constant)
        double[] w = new double[2 * 3 * 4];
        for (int i = 0; i < 4; i++) {
            w[i] = 1;
            w[8 + i] = -1;
            w[12 + i] = 5;
            w[16 + i] = 5;
            w[20 + i] = 5;
        }
        Graph g = Graph.builder().input("x", 3, 6, 6).constant("w", f(w, 2, 3, 2, 2)).add("conv1", Conv.simple(), "x", "w").build();
        Model m = new Model(g, new InputSpec(3, 6, 6, Layout.NCHW, Preprocessing.caffeBgr(104, 117, 123)), null, "bgr");
        Filters filters = Filters.of(m);
        assertEquals("conv1", filters.layer());
        assertEquals(Filters.Kind.RGB, filters.kind());
        Tensor t = filters.weights();
        assertArrayEquals(new int[] {2, 3, 2, 2}, t.shape());
        assertEquals(-1f, t.get(0, 0, 0, 0), "R first: the B plane moved to the end");
        assertEquals(1f, t.get(0, 2, 1, 1));
        BufferedImage img = filters.withGutter(2).grid();
        int tile = Filters.TARGET_TILE / 2 * 2; // scale 24 for 2x2 kernels
        assertEquals(2 * (tile + 2) + 2, img.getWidth());
        assertEquals(tile + 4, img.getHeight());
        assertEquals(0x0080FF, img.getRGB(2, 2) & 0xFFFFFF, "R at the filter's min, G at mid, B at its max");
        assertEquals(0x000000, img.getRGB(2 + tile + 2, 2) & 0xFFFFFF, "a constant filter is black");
        assertEquals(0xFFFFFF, img.getRGB(0, 0) & 0xFFFFFF, "white gutters");
        assertEquals(2 + 2 + 2, filters.withScale(1).withColumns(1).grid().getWidth(), "one column of 2-pixel tiles");
    }

    @Test
    void deeperLayersAreOneRowPerFilterAndGreyFirstLayersOneTileEach() {
        Model m = tiny();
        Filters first = Filters.of(m);
        assertEquals(Filters.Kind.GREY, first.kind());
        BufferedImage one = first.withScale(3).withGutter(1).grid();
        assertEquals(2 * 4 + 1, one.getWidth(), "two 3-pixel tiles side by side");
        Graph g = Graph.builder().input("x", 1, 6, 6)
                .constant("w1", ramp(4, 1, 3, 3)).add("c1", Conv.simple(), "x", "w1")
                .constant("w2", ramp(3, 4, 3, 3)).add("c2", Conv.simple(), "c1", "w2").build();
        Model deep = new Model(g, new InputSpec(1, 6, 6, Layout.NCHW, Preprocessing.raw(ChannelOrder.GREY)), null, "deep");
        Filters f2 = Filters.of(deep).withLayer("c2").withScale(2).withGutter(1);
        assertEquals(Filters.Kind.PER_CHANNEL, f2.kind());
        BufferedImage grid = f2.grid();
        assertEquals(4 * 7 + 1, grid.getWidth(), "4 input channels across");
        assertEquals(3 * 7 + 1, grid.getHeight(), "3 filters down");
        assertEquals(2 * 7 + 1, f2.withLimit(2).grid().getHeight());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Filters.of(m).withLayer("relu1").grid());
        assertTrue(e.getMessage().contains("relu1") && e.getMessage().contains("Relu"), e.getMessage());
        IllegalArgumentException notPixels = assertThrows(IllegalArgumentException.class,
                () -> Filters.of(m).withLayer("fc").grid());
        assertTrue(notPixels.getMessage().contains("gap"), notPixels.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Filters.of(m).withLayer("nope"));
        assertThrows(IllegalArgumentException.class, () -> Filters.of(m).withLimit(0));
        assertThrows(IllegalArgumentException.class, () -> Filters.of(m).withScale(65));
    }

    @Test
    void aLinearClassifiersWeightsAreTemplatesOfTheInputImage() {
        // 2x2 grey input flattened, dense [4, 2]: class 0 weights (1, 2, 3, 4), class 1 (-1, 0, 0, 1)
        Graph g = Graph.builder().input("x", 1, 2, 2)
                .add("flat", new Flatten(), "x")
                .constant("w", f(new double[] {1, -1, 2, 0, 3, 0, 4, 1}, 4, 2))
                .add("fc", new Dense(), "flat", "w").build();
        Model m = new Model(g, new InputSpec(1, 2, 2, Layout.NCHW, Preprocessing.unit(ChannelOrder.GREY)),
                List.of("up", "down"), "linear");
        Filters t = Filters.of(m).withLayer("fc").withScale(10).withGutter(0);
        assertEquals(Filters.Kind.TEMPLATES, t.kind());
        Tensor w = t.weights();
        assertArrayEquals(new int[] {2, 1, 2, 2}, w.shape());
        assertEquals(4f, w.get(0, 0, 1, 1));
        assertEquals(-1f, w.get(1, 0, 0, 0));
        BufferedImage img = t.grid();
        assertEquals(40, img.getWidth(), "the two templates in one row");
        assertTrue(img.getHeight() > 20, "a caption line under the tiles");
        assertEquals(0, grey(img, 0, 0), "class 0's smallest weight is black");
        assertEquals(255, grey(img, 15, 15), "and its largest white");
        assertEquals(0, grey(img, 20, 0), "class 1's smallest weight");
    }

    @Test
    void activationsAreTheLayersValuesAndTheGridNormalisesAsAsked() {
        Model m = tiny();
        Activations a = Activations.of(m).withLayer("relu1");
        Tensor t = a.compute(x());
        assertArrayEquals(new int[] {2, 2, 2}, t.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 2, 1, 0, 0}, t.data());
        assertEquals("relu1", Activations.of(m).layer(), "default: the last layer with a spatial output");
        assertArrayEquals(new int[] {0, 1}, a.order(t));
        assertArrayEquals(new int[] {0, 1}, a.withSorted(true).order(t), "means 2.5 and 0.75");
        Tensor swapped = Tensor.of(new float[] {2, 1, 0, 0, 1, 2, 3, 4}, 2, 2, 2);
        assertArrayEquals(new int[] {1, 0}, a.withSorted(true).order(swapped));

        BufferedImage perChannel = a.withScale(1).withGutter(0).withColumns(2).grid(t);
        assertEquals(4, perChannel.getWidth());
        assertEquals(0, grey(perChannel, 0, 0), "channel 0's minimum 1 is black");
        assertEquals(255, grey(perChannel, 1, 1), "channel 0's maximum 4 is white");
        assertEquals(255, grey(perChannel, 2, 0), "channel 1's maximum 2 is white when scaled on its own");
        BufferedImage shared = a.withScaling(Activations.Scaling.SHARED).withScale(1).withGutter(0).withColumns(2).grid(t);
        assertEquals(128, grey(shared, 2, 0), "2 of the layer's 0..4 is mid-grey");
        assertEquals(0, grey(shared, 2, 1), "0 is black");
        BufferedImage sorted = a.withSorted(true).withLimit(1).withScale(1).withGutter(0).grid(swapped);
        assertEquals(2, sorted.getWidth(), "one channel: the strongest");
        assertEquals(255, grey(sorted, 1, 1), "the strongest channel is swapped's channel 1");
        assertThrows(IllegalArgumentException.class, () -> a.compute(f(new double[8], 2, 1, 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> Activations.of(m).withLayer("w1"));
    }

    @Test
    void oversizedPicturesAreRefusedBeforeAllocation() {
        Model m = tiny();
        Model small = m.withGraph(m.graph().withMemoryBudget(MemoryBudget.ofBytes(1000)));
        Tensor t = Activations.of(m).withLayer("relu1").compute(x());
        assertThrows(ResourceLimitException.class, () -> Activations.of(small).withLayer("relu1").withScale(64).grid(t));
        assertThrows(ResourceLimitException.class, () -> Filters.of(small).withScale(64).grid());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> TileGrid.grid(List.of(new BufferedImage(5000, 10, BufferedImage.TYPE_INT_RGB),
                        new BufferedImage(5000, 10, BufferedImage.TYPE_INT_RGB)), 2, 1, null));
        assertTrue(big.getMessage().contains("8192"), big.getMessage());
    }
}
