package dev.cnnviz.spark;

import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.image.ImageIo;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** The one local[2] session the tests share (Spark allows one SparkContext per JVM), and test data. */
final class SparkTests {
    private static SparkSession spark;

    private SparkTests() {
    }

    /** @return the shared session: local[2], no UI, few shuffle partitions */
    static synchronized SparkSession spark() {
        if (spark == null) {
            spark = SparkSession.builder().master("local[2]").appName("cnnviz-spark tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(spark::stop));
        }
        return spark;
    }

    /** @return the first {@code n} bundled test images of the embedded model */
    static Dataset bundled(int n) {
        return JobOptions.bundledImages().limit(n);
    }

    /**
     * Writes a dataset's images into a folder as {@code NNN-ID} PNGs in class sub-folders, so that
     * {@link dev.cnnviz.core.data.ImageFolder} lists them in the dataset's order.
     */
    static Path writeFolder(Dataset ds, Path dir, List<String> classes) throws IOException {
        ds.forEachBatch(64, b -> {
            List<BufferedImage> imgs = b.images(dev.cnnviz.api.Preprocessing.unit(dev.cnnviz.api.ChannelOrder.RGB));
            for (int i = 0; i < b.size(); i++) {
                Path sub = dir.resolve(String.format("%02d-%s", b.label(i), classes.get(b.label(i)).replaceAll("[^A-Za-z]", "")));
                Files.createDirectories(sub);
                ImageIo.writePng(imgs.get(i), sub.resolve(String.format("%04d.png", b.index(i))));
            }
        });
        return dir;
    }

    /** @return all of a dataset's examples as one batch */
    static Batch all(Dataset ds) throws IOException {
        return ds.read(0, ds.size());
    }

    /** Asserts two float arrays agree within {@code rel} of the larger magnitude (batches may round differently). */
    static void assertClose(float[] expected, float[] actual, double rel, String what) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.length, actual.length, what + ": length");
        double max = 1e-30;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > rel * max) {
                org.junit.jupiter.api.Assertions.fail(what + ": value " + i + " is " + actual[i] + ", single JVM "
                        + expected[i] + " (tolerance " + rel * max + ")");
            }
        }
    }
}
