package dev.cnnviz.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.data.ImageFolder;
import dev.cnnviz.examples.DefaultModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch attribution on local[2] equals the single-JVM explainer on the same images. */
class AttributionJobTest {
    private static final int N = 96;

    private static void assertSameAsSingleJvm(List<Row> rows, Dataset single, AttributionJob.Options o) throws Exception {
        Model model = DefaultModel.load();
        Attribution a = o.explainer(model);
        Batch b = SparkTests.all(single);
        List<Explanation> expected = a.explainAll(b.images(model.inputSpec().preprocessing()),
                List.of(o.targetValue()));
        assertEquals(expected.size(), rows.size(), "one row per image");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Explanation e = expected.get(i);
            assertEquals(i, r.getLong(0), "rows sorted by index");
            assertEquals(b.id(i), r.getString(1));
            assertEquals(b.label(i), r.getInt(2));
            assertEquals(o.method(), r.getString(3));
            assertEquals(e.target().classIndex(), r.getInt(4), "class of image " + i);
            assertEquals(e.target().score(), r.getDouble(6), 1e-4 * Math.max(1, Math.abs(e.target().score())));
            List<Integer> shape = r.getList(8);
            assertArrayEquals(e.attribution().shape(), shape.stream().mapToInt(Integer::intValue).toArray());
            List<Float> values = r.getList(9);
            float[] got = new float[values.size()];
            for (int k = 0; k < got.length; k++) {
                got[k] = values.get(k);
            }
            SparkTests.assertClose(e.attribution().data(), got, 1e-4, o.method() + " map of image " + i);
        }
    }

    @Test
    void gradCamOverAFolderEqualsTheSingleJvmPath(@TempDir Path tmp) throws Exception {
        Path dir = SparkTests.writeFolder(SparkTests.bundled(N), tmp.resolve("images"), DefaultModel.labels());
        AttributionJob.Options o = AttributionJob.Options.of("grad-cam").withBatchSize(16);
        var result = AttributionJob.run(SparkTests.spark(), ModelBundle.embedded(),
                ImageTable.fromFolder(SparkTests.spark(), dir, 3), o).cache();
        List<Row> rows = result.orderBy(ImageTable.INDEX).collectAsList();
        assertSameAsSingleJvm(rows, ImageFolder.of(dir), o);
        for (Row r : rows) {
            assertNotNull(r.get(10), "a PNG panel per image");
        }
        Path pngs = tmp.resolve("pngs");
        AttributionJob.writePngs(result, pngs.toString());
        try (Stream<Path> s = Files.list(pngs)) {
            assertEquals(N, s.filter(p -> p.toString().endsWith(".png")).count(), "one PNG per image");
        }
        assertTrue(Files.exists(pngs.resolve(String.format("%08d-%s.png", 0, rows.get(0).getString(1).replaceAll("[^A-Za-z0-9._-]", "_")))));
    }

    @Test
    void saliencyForAFixedClassOverAParquetTableEqualsTheSingleJvmPath(@TempDir Path tmp) throws Exception {
        String table = tmp.resolve("images.parquet").toString();
        ImageTable.fromDataset(SparkTests.spark(), SparkTests.bundled(N), 4).write().parquet(table);
        AttributionJob.Options o = AttributionJob.Options.of("saliency").withTarget(3).withPng(false).withBatchSize(10);
        List<Row> rows = AttributionJob.run(SparkTests.spark(), ModelBundle.embedded(),
                ImageTable.fromParquet(SparkTests.spark(), table), o).orderBy(ImageTable.INDEX).collectAsList();
        assertSameAsSingleJvm(rows, SparkTests.bundled(N), o);
        rows.forEach(r -> assertEquals(3, r.getInt(4), "the fixed target"));
    }

    @Test
    void theModelIsImportedOncePerJvmWhateverThePartitions() throws Exception {
        ModelBundle bundle = ModelBundle.embedded();
        ExecutorModels.clear();
        int before = ExecutorModels.loads();
        AttributionJob.run(SparkTests.spark(), bundle, ImageTable.fromDataset(SparkTests.spark(), SparkTests.bundled(40), 8),
                AttributionJob.Options.of("saliency").withPng(false).withBatchSize(4)).count();
        assertEquals(1, ExecutorModels.loads() - before, "8 tasks on 2 threads, one import");
    }

    @Test
    void usageErrorsAreCaughtOnTheDriverNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttributionJob.Options.of("no-such-method"));
        assertTrue(e.getMessage().contains("no-such-method"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttributionJob.run(SparkTests.spark(),
                ModelBundle.embedded(), ImageTable.fromDataset(SparkTests.spark(), SparkTests.bundled(2), 1),
                AttributionJob.Options.of("grad-cam").withLayer("no_such_layer")));
        assertTrue(e.getMessage().contains("no_such_layer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageTable.normalize(
                SparkTests.spark().range(3).toDF(), "a table of numbers"));
        assertTrue(e.getMessage().contains("'image'"), e.getMessage());
    }
}
