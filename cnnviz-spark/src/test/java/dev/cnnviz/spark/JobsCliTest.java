package dev.cnnviz.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.image.ImageIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit mains run end to end on the shared local[2] session, and the throughput bench measures both paths. */
class JobsCliTest {

    @Test
    void thePatchesMainWritesTheGridAndTheHits(@TempDir Path tmp) throws Exception {
        SparkTests.spark(); // the mains' getOrCreate finds the tests' session
        Path png = tmp.resolve("patches.png");
        Path tsv = tmp.resolve("hits.tsv");
        int code = JobOptions.execute(new PatchesJob(), new String[] {"--bundled", "--limit", "24", "--partitions", "3",
            "--channels", "0:4", "--top", "3", "--out", png.toString(), "--hits", tsv.toString()});
        assertEquals(0, code);
        assertTrue(ImageIo.read(png).getWidth() > 0);
        List<String> lines = Files.readAllLines(tsv);
        assertEquals(1 + 4 * 3, lines.size(), "a header and 3 hits for each of 4 channels: " + lines);
    }

    @Test
    void aMalformedChannelRangeFailsWithExitCode1() {
        SparkTests.spark();
        assertEquals(1, JobOptions.execute(new PatchesJob(), new String[] {"--bundled", "--limit", "4",
            "--channels", "0-4", "--out", "/tmp/never-written.png"}));
        assertEquals(2, JobOptions.execute(new PatchesJob(), new String[] {"--bundled", "--no-such-option"}));
    }

    @Test
    void theMetricsMainWritesParquetAndTheReport(@TempDir Path tmp) throws Exception {
        var spark = SparkTests.spark();
        Path out = tmp.resolve("metrics.parquet");
        Path report = tmp.resolve("report.html");
        int code = JobOptions.execute(new MetricsJob(), new String[] {"--bundled", "--limit", "4", "--partitions", "2",
            "--methods", "saliency", "--metrics", "deletion,insertion", "--out", out.toString(), "--report",
            report.toString()});
        assertEquals(0, code);
        assertEquals(4 * 2, spark.read().parquet(out.toString()).count(), "4 images x 2 metrics");
        assertTrue(Files.readString(report).contains("saliency"));
    }

    @Test
    void theThroughputBenchTimesBothPathsOnTheSameImages() throws Exception {
        var spark = SparkTests.spark();
        SparkThroughput.Measurement m = SparkThroughput.measure(spark, ModelBundle.embedded(),
                ImageTable.fromDataset(spark, SparkTests.bundled(16), 2),
                AttributionJob.Options.of("saliency").withBatchSize(8), 1);
        assertEquals(16, m.images());
        assertEquals(2, m.partitions());
        assertTrue(m.singleSeconds() > 0 && m.sparkSeconds() > 0, m.toString());
        assertTrue(m.toString().contains("ratio"), m.toString());
        assertThrows(IllegalArgumentException.class, () -> SparkThroughput.measure(spark, ModelBundle.embedded(),
                ImageTable.fromDataset(spark, SparkTests.bundled(2), 1), AttributionJob.Options.of("saliency"), 0));
    }
}
