package dev.cnnviz.core.inspect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Relu;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Maximally activating patches: streaming top-k against a full sort, bounded reads, exact boxes and crops. */
class MaxActivatingPatchesTest {
    private static final int SIZE = 10;

    /** Synthetic grey images in 0..1, a deterministic function of their index, made only when read. */
    static final class Synthetic implements Dataset {
        final int n;
        int largestRead;
        int examplesRead;
        int selected;

        Synthetic(int n) {
            this.n = n;
        }

        static float pixel(int index, int p) {
            long h = (index * 0x9E3779B97F4A7C15L) ^ (p * 0xC2B2AE3D27D4EB4FL);
            h ^= h >>> 29;
            h *= 0xBF58476D1CE4E5B9L;
            h ^= h >>> 32;
            return (h & 0xFFFF) / 65535f;
        }

        @Override
        public String name() {
            return "synthetic";
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public List<String> classes() {
            return List.of();
        }

        @Override
        public Batch read(int from, int to) {
            largestRead = Math.max(largestRead, to - from);
            examplesRead += to - from;
            float[] v = new float[(to - from) * SIZE * SIZE];
            for (int i = from; i < to; i++) {
                for (int p = 0; p < SIZE * SIZE; p++) {
                    v[(i - from) * SIZE * SIZE + p] = pixel(i, p);
                }
            }
            int[] idx = IntStream.range(from, to).toArray();
            return Batch.ofTensor(idx, IntStream.range(from, to).mapToObj(Integer::toString).toList(),
                    IntStream.range(from, to).map(i -> i % 3).toArray(),
                    Nd4j.create(v, new long[] {to - from, 1, SIZE, SIZE}, 'c'));
        }

        @Override
        public Batch select(int... indices) throws java.io.IOException {
            selected += indices.length;
            return Dataset.super.select(indices);
        }
    }

    /** conv 3x3 (pad 1) -> relu -> maxpool 2x2/2 -> conv 3x3 stride 1 (no pad): 3 channels of 3x3. */
    static Model model() {
        java.util.Random r = new java.util.Random(11);
        float[] w1 = new float[4 * 9];
        float[] w2 = new float[3 * 4 * 9];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = (float) r.nextGaussian();
        }
        Graph g = Graph.builder().input("x", 1, SIZE, SIZE)
                .constant("w1", Nd4j.create(w1, new long[] {4, 1, 3, 3}, 'c'))
                .add("c1", Conv.padded(1), "x", "w1")
                .add("r1", new Relu(), "c1")
                .add("p1", new MaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[4], new int[] {1, 1}, false, AutoPad.NOTSET), "r1")
                .constant("w2", Nd4j.create(w2, new long[] {3, 4, 3, 3}, 'c'))
                .add("c2", Conv.simple(), "p1", "w2")
                .build();
        return new Model(g, new InputSpec(1, SIZE, SIZE, Layout.NCHW, Preprocessing.unit(ChannelOrder.GREY)), null, "patches");
    }

    private record Expected(int index, int y, int x, float activation) {
    }

    @Test
    void streamingTopKEqualsAFullSort() throws Exception {
        Model m = model();
        Synthetic data = new Synthetic(300);
        MaxActivatingPatches.Result r = MaxActivatingPatches.of(m).withLayer("c2").withChannels(0, 3).withTop(7)
                .withBatchSize(13).scan(data);
        assertEquals(300, r.scanned());
        assertArrayEquals(new int[] {0, 1, 2}, r.channels());
        INDArray all;
        try (ForwardPass pass = m.graph().forward(data.read(0, 300).toInput(m.inputSpec()))) {
            all = pass.get("c2").dup();
        }
        ReceptiveField field = ReceptiveField.of(m.graph(), "c2");
        for (int c = 0; c < 3; c++) {
            List<Expected> every = new ArrayList<>();
            for (int n = 0; n < 300; n++) {
                int by = 0;
                int bx = 0;
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < 3; x++) {
                        if (all.getFloat(n, c, y, x) > all.getFloat(n, c, by, bx)) {
                            by = y;
                            bx = x;
                        }
                    }
                }
                every.add(new Expected(n, by, bx, all.getFloat(n, c, by, bx)));
            }
            every.sort(Comparator.comparingDouble((Expected e) -> -e.activation()).thenComparingInt(Expected::index));
            List<MaxActivatingPatches.Hit> hits = r.hits().get(c);
            assertEquals(7, hits.size());
            for (int k = 0; k < 7; k++) {
                Expected e = every.get(k);
                MaxActivatingPatches.Hit h = hits.get(k);
                assertEquals(e.index(), h.index(), "channel " + c + " rank " + k);
                assertEquals(Integer.toString(e.index()), h.id());
                assertEquals(e.index() % 3, h.label());
                assertEquals(e.y(), h.y());
                assertEquals(e.x(), h.x());
                assertEquals(e.activation(), h.activation(), 1e-5);
                assertArrayEquals(field.box(h.y(), h.x()), h.box());
                int[] b = h.box();
                BufferedImage patch = r.patches().get(c).get(k);
                assertEquals(b[3] - b[1], patch.getWidth());
                assertEquals(b[2] - b[0], patch.getHeight());
                int expectedGrey = Math.round(Synthetic.pixel(h.index(), b[0] * SIZE + b[1]) * 255);
                assertEquals(expectedGrey, patch.getRGB(0, 0) & 0xFF, 1, "the crop's first pixel is the image's");
            }
        }
        assertTrue(r.guided().stream().allMatch(List::isEmpty));
        BufferedImage grid = r.grid();
        assertTrue(grid.getWidth() > 7 * 8 && grid.getHeight() > 3 * 8, grid.getWidth() + "x" + grid.getHeight());
    }

    @Test
    void aScanOf70000ImagesReadsEachOnceInBoundedBatches() throws Exception {
        Model m = model();
        Synthetic data = new Synthetic(70_000);
        int[] calls = {0};
        int[] last = {0};
        MaxActivatingPatches.Result r = MaxActivatingPatches.of(m).withLayer("c2").withChannels(1, 3).withTop(5)
                .withBatchSize(500).withListener((done, total) -> {
                    calls[0]++;
                    assertTrue(done > last[0] && total == 70_000);
                    last[0] = done;
                }).scan(data);
        assertEquals(70_000, r.scanned());
        assertEquals(70_000, last[0]);
        assertEquals(140, calls[0], "one report per batch");
        assertEquals(500, data.largestRead, "never more than one batch read at a time");
        assertTrue(data.selected <= 2 * 5, "only the hits' images are read again: " + data.selected);
        assertEquals(2, r.hits().size());
        for (List<MaxActivatingPatches.Hit> row : r.hits()) {
            assertEquals(5, row.size());
            for (int k = 1; k < row.size(); k++) {
                assertTrue(row.get(k - 1).activation() >= row.get(k).activation());
            }
        }
    }

    @Test
    void guidedBackpropViewsHaveThePatchesShapeAndOptionsAreChecked() throws Exception {
        Model m = model();
        MaxActivatingPatches p = MaxActivatingPatches.of(m).withLayer("c2").withChannels(0, 2).withTop(3);
        MaxActivatingPatches.Result r = p.withGuidedBackprop(true).scan(new Synthetic(40));
        for (int c = 0; c < 2; c++) {
            for (int k = 0; k < 3; k++) {
                assertEquals(r.patches().get(c).get(k).getWidth(), r.guided().get(c).get(k).getWidth());
                assertEquals(r.patches().get(c).get(k).getHeight(), r.guided().get(c).get(k).getHeight());
            }
        }
        BufferedImage withGuided = r.grid();
        BufferedImage without = p.scan(new Synthetic(40)).grid();
        assertTrue(withGuided.getWidth() > without.getWidth() * 3 / 2, "the guided views double the columns");
        assertEquals(2, MaxActivatingPatches.of(m).withTop(2).scan(new Synthetic(2)).hits().get(0).size());
        assertEquals(1, MaxActivatingPatches.of(m).withLayer("c2").withChannels(0, 1).scan(new Synthetic(1)).hits().get(0).size(),
                "a dataset smaller than k gives fewer hits");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MaxActivatingPatches.of(m).withLayer("c2").withChannels(2, 5).scan(new Synthetic(3)));
        assertTrue(e.getMessage().contains("3 channels"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> p.withChannels(3, 3));
        assertThrows(IllegalArgumentException.class, () -> p.withTop(0));
        assertThrows(IllegalArgumentException.class, () -> p.withBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> p.withLayer("w1"));
        assertThrows(IllegalArgumentException.class, () -> p.scan(new Synthetic(0)).grid());
    }
}
