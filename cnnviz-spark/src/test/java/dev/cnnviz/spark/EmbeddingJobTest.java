package dev.cnnviz.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.data.IdxDataset;
import dev.cnnviz.core.embedding.EmbeddingSet;
import dev.cnnviz.core.embedding.Metric;
import dev.cnnviz.core.embedding.Neighbours;
import dev.cnnviz.examples.DefaultModel;
import java.nio.file.Files;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Embeddings and k-NN on local[2] equal the single-JVM {@code Embeddings} and {@code ExactKnn}. */
class EmbeddingJobTest {
    private static final int N = 240;

    /** Fashion-MNIST's first test images where Debian's dataset-fashion-mnist is installed, else the bundled ones. */
    static Dataset images() throws Exception {
        if (Files.isDirectory(IdxDataset.FASHION_MNIST_DIR)) {
            return IdxDataset.fashionMnist(IdxDataset.FASHION_MNIST_DIR, IdxDataset.Split.TEST).limit(N);
        }
        System.err.println("EmbeddingJobTest: " + IdxDataset.FASHION_MNIST_DIR + " is missing; using the bundled images");
        return SparkTests.bundled(N);
    }

    @Test
    void embeddingsAndNeighboursEqualTheSingleJvmPath() throws Exception {
        Dataset ds = images();
        EmbeddingSet single = EmbeddingJob.embeddings(DefaultModel.load(), null, 64).compute(ds);
        var spark = SparkTests.spark();
        var vectors = EmbeddingJob.embed(spark, ModelBundle.embedded(), ImageTable.fromDataset(spark, ds, 3), null, 50)
                .cache();
        List<Row> rows = vectors.orderBy(ImageTable.INDEX).collectAsList();
        assertEquals(ds.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            List<Float> v = rows.get(i).getList(3);
            float[] got = new float[v.size()];
            for (int k = 0; k < got.length; k++) {
                got[k] = v.get(k);
            }
            assertEquals(single.ids().get(i), rows.get(i).getString(1));
            assertEquals(single.labels()[i], rows.get(i).getInt(2));
            SparkTests.assertClose(single.vector(i), got, 1e-5, "vector of image " + i);
        }
        for (Metric metric : Metric.values()) {
            int k = 5;
            Neighbours expected = metric == Metric.L2 ? single.neighbours(k)
                    : dev.cnnviz.core.embedding.ExactKnn.of(single.vectors()).withMetric(metric).searchSelf(k);
            List<Row> knn = EmbeddingJob.neighbours(spark, vectors, k, metric).orderBy(ImageTable.INDEX).collectAsList();
            assertEquals(ds.size(), knn.size());
            int same = 0;
            for (int i = 0; i < knn.size(); i++) {
                assertEquals(i, knn.get(i).getLong(0));
                long[] got = knn.get(i).<Long>getList(1).stream().mapToLong(Long::longValue).toArray();
                long[] want = java.util.Arrays.stream(expected.indices()[i]).asLongStream().toArray();
                float[] dist = new float[k];
                for (int j = 0; j < k; j++) {
                    dist[j] = knn.get(i).<Float>getList(2).get(j);
                    assertEquals(expected.distances()[i][j], dist[j], 1e-5 * Math.max(1, expected.distances()[i][j]),
                            metric + " distance " + j + " of image " + i);
                }
                if (java.util.Arrays.equals(want, got)) {
                    same++;
                }
            }
            // equal distances may be ordered differently; the distances above are checked one by one
            assertEquals(knn.size(), same, metric + ": images whose neighbour lists equal the single JVM's");
        }
    }

    @Test
    void kOutOfRangeIsRefusedNamingIt() throws Exception {
        var spark = SparkTests.spark();
        var vectors = EmbeddingJob.embed(spark, ModelBundle.embedded(),
                ImageTable.fromDataset(spark, SparkTests.bundled(4), 2), null, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingJob.neighbours(spark, vectors, 4, Metric.L2));
        assertEquals("k must be from 1 to 3 (the other images), found 4", e.getMessage());
        assertArrayEquals(new String[] {"index", "id", "label", "vector"}, vectors.columns());
    }
}
