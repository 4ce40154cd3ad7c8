package dev.cnnviz.examples.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.data.IdxDataset;
import dev.cnnviz.core.embedding.EmbeddingSet;
import dev.cnnviz.core.embedding.Embeddings;
import dev.cnnviz.core.embedding.ExactKnn;
import dev.cnnviz.core.embedding.HnswKnn;
import dev.cnnviz.core.embedding.Metric;
import dev.cnnviz.core.embedding.Neighbours;
import dev.cnnviz.core.embedding.Pooling;
import dev.cnnviz.core.embedding.Trustworthiness;
import dev.cnnviz.core.embedding.Tsne;
import dev.cnnviz.examples.DefaultModel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Embeddings of the embedded model on the Fashion-MNIST test set: known answers (pooling, batch independence),
 * t-SNE's trustworthiness, HNSW's recall, and bounded memory over all 70,000 images. Skipped when the data set is
 * not installed.
 *
 * <p>Sizes: the first 3,000 test images are embedded once (the machine running the tests is shared and slow); the
 * t-SNE test lays out the first 2,000 of them, the HNSW test indexes all 3,000.
 */
class FashionMnistEmbeddingTest {
    private static final int N = 3000;
    private static Model model;
    private static IdxDataset test;
    private static EmbeddingSet gap;

    @BeforeAll
    static void embed() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(IdxDataset.FASHION_MNIST_DIR),
                "Fashion-MNIST is not installed at " + IdxDataset.FASHION_MNIST_DIR);
        model = DefaultModel.load();
        test = IdxDataset.fashionMnist(IdxDataset.FASHION_MNIST_DIR, IdxDataset.Split.TEST);
        gap = Embeddings.of(model).withBatchSize(100).compute(test.limit(N));
    }

    @Test
    void defaultLayerIsTheGlobalPoolAndAveragePoolingOfRelu3EqualsIt() throws IOException {
        assertEquals("gap", gap.layer());
        assertArrayEquals(new int[] {9, 2, 1}, java.util.Arrays.copyOf(gap.labels(), 3));
        assertEquals("0", gap.ids().get(0));
        Dataset first = test.limit(200);
        EmbeddingSet relu3 = Embeddings.of(model).withLayer("relu3").withPooling(Pooling.AVERAGE).withBatchSize(37)
                .compute(first);
        INDArray expected = gap.vectors().get(NDArrayIndex.interval(0, 200), NDArrayIndex.all());
        assertTrue(relu3.vectors().equalsWithEps(expected, 1e-4), "mean of relu3 over 7x7 = gap");
        // One image alone gives the same row as in a batch.
        Batch one = test.read(123, 124);
        INDArray alone = Embeddings.of(model).embed(one.toInput(model.inputSpec()));
        assertTrue(alone.getRow(0).equalsWithEps(gap.vectors().getRow(123), 1e-4));
        EmbeddingSet flat = Embeddings.of(model).withLayer("relu3").withPooling(Pooling.FLATTEN)
                .withL2Normalization(true).compute(test.limit(10));
        assertEquals(128 * 7 * 7, flat.dimension());
        for (int i = 0; i < 10; i++) {
            assertEquals(1.0, flat.vectors().getRow(i).norm2Number().doubleValue(), 1e-5);
        }
    }

    /** The test: trustworthiness above 0.9 on the test-set embeddings (here the first 2,000 images). */
    @Test
    void tsneOfTestSetEmbeddingsIsTrustworthy() {
        INDArray x = gap.vectors().get(NDArrayIndex.interval(0, 2000), NDArrayIndex.all()).dup();
        double[][] y = Tsne.defaults().withSeed(1).fit(x);
        double t = Trustworthiness.of(x, y, 5);
        System.out.printf(Locale.ROOT, "t-SNE of 2,000 Fashion-MNIST test embeddings: trustworthiness(5) = %.4f%n", t);
        assertTrue(t > 0.9, String.format(Locale.ROOT, "trustworthiness %.4f", t));
    }

    /** The test: HNSW recall at least 0.95 at k = 10 against the exact search. */
    @Test
    void hnswRecallAtTen() {
        HnswKnn index = HnswKnn.build(gap.vectors(), Metric.L2);
        INDArray queries = gap.vectors().get(NDArrayIndex.interval(0, 300), NDArrayIndex.all()).dup();
        Neighbours exact = ExactKnn.of(gap.vectors()).search(queries, 10);
        Neighbours approx = index.search(queries, 10);
        double recall = approx.recallAgainst(exact);
        System.out.printf(Locale.ROOT, "HNSW on 3,000 Fashion-MNIST test embeddings: recall@10 = %.4f%n", recall);
        assertTrue(recall >= 0.95, "recall@10 = " + recall);
    }

    /**
     * All 70,000 images (train then test) stream through {@code Embeddings.compute} with bounded heap: between the
     * first 10,000 and the end the heap grows by the ids only (a few MB), not by the images (70,000 decoded images
     * would be 90 MB as pictures, 220 MB as floats). Embedded in pixel space, averaged to one value per image, so
     * that the scan costs reading and batching, not 70,000 forward passes.
     */
    @Test
    void memoryStaysBoundedOverSeventyThousandImages() throws IOException {
        Dataset all = IdxDataset.fashionMnistAll(IdxDataset.FASHION_MNIST_DIR);
        assertEquals(70_000, all.size());
        HeapProbe heap = new HeapProbe();
        long[] at = new long[2];
        EmbeddingSet e = Embeddings.of(model).withLayer(model.graph().inputName()).withPooling(Pooling.AVERAGE)
                .withBatchSize(500).compute(all, (done, total) -> {
                    if (done == 10_000) {
                        at[0] = heap.usedAfterGc();
                    } else if (done == total) {
                        at[1] = heap.usedAfterGc();
                    }
                });
        assertEquals(70_000, e.size());
        assertEquals(1, e.dimension());
        assertEquals("Fashion-MNIST test:9999", e.ids().get(69_999));
        assertEquals(9, e.labels()[60_000]);
        long growth = at[1] - at[0];
        System.out.printf(Locale.ROOT, "heap after 10,000 images %d MB, after 70,000 %d MB%n", at[0] >> 20, at[1] >> 20);
        assertTrue(growth < 24L << 20, "heap grew by " + (growth >> 20) + " MB over 60,000 images");
    }

    /** Heap in use after a full collection. */
    private static final class HeapProbe {
        private final MemoryMXBean bean = ManagementFactory.getMemoryMXBean();

        long usedAfterGc() {
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            return bean.getHeapMemoryUsage().getUsed();
        }
    }
}
