package dev.cnnviz.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.inspect.MaxActivatingPatches;
import dev.cnnviz.examples.DefaultModel;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Maximally activating patches on local[2] (per-partition heaps merged by treeAggregate) equal the single-JVM scan. */
class PatchesJobTest {

    private static void assertSamePixels(BufferedImage a, BufferedImage b, String what) {
        assertEquals(a.getWidth(), b.getWidth(), what + ": width");
        assertEquals(a.getHeight(), b.getHeight(), what + ": height");
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                assertEquals(a.getRGB(x, y), b.getRGB(x, y), what + ": pixel (" + x + ", " + y + ")");
            }
        }
    }

    @Test
    void theMergedTopKEqualsTheSingleJvmScan() throws Exception {
        Dataset ds = EmbeddingJobTest.images();
        Model model = DefaultModel.load();
        MaxActivatingPatches options = MaxActivatingPatches.of(model).withChannels(0, 8).withTop(6).withBatchSize(32)
                .withGuidedBackprop(true);
        MaxActivatingPatches.Result single = options.scan(ds);
        var spark = SparkTests.spark();
        MaxActivatingPatches.Result spread = PatchesJob.scan(spark, ModelBundle.embedded(),
                ImageTable.fromDataset(spark, ds, 5), options);
        assertEquals(single.layer(), spread.layer());
        assertArrayEquals(single.channels(), spread.channels());
        assertEquals(single.scanned(), spread.scanned());
        for (int c = 0; c < single.hits().size(); c++) {
            List<MaxActivatingPatches.Hit> want = single.hits().get(c);
            List<MaxActivatingPatches.Hit> got = spread.hits().get(c);
            assertEquals(want.size(), got.size(), "hits of channel " + c);
            for (int j = 0; j < want.size(); j++) {
                MaxActivatingPatches.Hit w = want.get(j);
                MaxActivatingPatches.Hit g = got.get(j);
                assertEquals(w.index(), g.index(), "image of hit " + j + " of channel " + c);
                assertEquals(w.id(), g.id());
                assertEquals(w.label(), g.label());
                assertEquals(w.y(), g.y());
                assertEquals(w.x(), g.x());
                assertArrayEquals(w.box(), g.box());
                assertEquals(w.activation(), g.activation(), 1e-5f * Math.max(1, Math.abs(w.activation())));
                assertSamePixels(single.patches().get(c).get(j), spread.patches().get(c).get(j), "patch " + j + " of channel " + c);
                assertSamePixels(single.guided().get(c).get(j), spread.guided().get(c).get(j), "guided view " + j + " of channel " + c);
            }
        }
        assertSamePixels(single.grid(), spread.grid(), "the grid");
    }

    @Test
    void channelsBeyondTheLayerAreRefusedNamingThem() {
        var spark = SparkTests.spark();
        MaxActivatingPatches options = MaxActivatingPatches.of(DefaultModel.load()).withChannels(0, 100000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PatchesJob.scan(spark,
                ModelBundle.embedded(), ImageTable.fromDataset(spark, SparkTests.bundled(4), 2), options));
        assertTrue(e.getMessage().contains("0..99999") && e.getMessage().contains("channels of layer"), e.getMessage());
    }
}
