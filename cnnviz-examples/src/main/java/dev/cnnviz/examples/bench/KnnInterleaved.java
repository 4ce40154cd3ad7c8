package dev.cnnviz.examples.bench;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.IdxDataset;
import dev.cnnviz.core.embedding.EmbeddingSet;
import dev.cnnviz.core.embedding.Embeddings;
import dev.cnnviz.core.embedding.ExactKnn;
import dev.cnnviz.examples.DefaultModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Issue 15's exact k-NN against the matrix product it is built on, interleaved in one JVM: every round times the
 * 10,000 × 10,000 Gram matrix of the Fashion-MNIST test embeddings in blocks of 256 and of 1,024 query rows
 * ({@link EmbeddingBench#gemm10kBlocks256}, {@link EmbeddingBench#gemm10k}), {@link ExactKnn#searchSelf} with
 * k = 10 ({@link EmbeddingBench#exactKnn10k}: each product once, for both of its rows) and {@link ExactKnn#search} of
 * the 10,000 embeddings as queries, k = 10 (every product once per query, as for queries that are not the data), one
 * after the other, so that all four see the same machine (JMH's single-shot iterations of each ran seconds apart and
 * spread by 2× on a shared host). Each search includes building its index ({@link ExactKnn#of}).
 *
 * <pre>
 *   java -cp "cnnviz-examples/target/classes:cnnviz-examples/target/lib/*" \
 *       dev.cnnviz.examples.bench.KnnInterleaved [ROUNDS]      # default 30 rounds, the first 3 warm up
 * </pre>
 * Prints, per method, the minimum, the 10th percentile and the median in milliseconds, and the search's ratios to
 * both products. Run it with the launcher's {@code GLIBC_TUNABLES}, and once with
 * {@code OMP_WAIT_POLICY=PASSIVE} (the launcher's policy for everything but {@code jmh}) and once without (libgomp's
 * default, as an embedding JVM has it): after each product libgomp's worker spins for milliseconds against the
 * selection's threads unless told to sleep. Fashion-MNIST comes from {@code /usr/share/datasets/fashion-mnist}.
 */
public final class KnnInterleaved {
    private KnnInterleaved() {
    }

    /**
     * @param args optionally the number of rounds (at least 4)
     * @throws IOException if the data set cannot be read
     */
    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        if (rounds < 4) {
            throw new IllegalArgumentException("rounds must be at least 4 (three warm up), found " + rounds);
        }
        Model model = DefaultModel.load();
        EmbeddingSet e = Embeddings.of(model).withBatchSize(256)
                .compute(IdxDataset.fashionMnist(IdxDataset.FASHION_MNIST_DIR, IdxDataset.Split.TEST));
        INDArray x = e.vectors().castTo(DataType.FLOAT);
        List<Double> g256 = new ArrayList<>();
        List<Double> g1024 = new ArrayList<>();
        List<Double> knn = new ArrayList<>();
        List<Double> queries = new ArrayList<>();
        double sink = 0;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            sink += EmbeddingBench.gram(x, 256);
            long t1 = System.nanoTime();
            sink += EmbeddingBench.gram(x, 1024);
            long t2 = System.nanoTime();
            sink += ExactKnn.of(x).searchSelf(10).indices()[0][0];
            long t3 = System.nanoTime();
            sink += ExactKnn.of(x).search(x, 10).indices()[0][1];
            long t4 = System.nanoTime();
            if (r >= 3) {
                g256.add((t1 - t0) / 1e6);
                g1024.add((t2 - t1) / 1e6);
                knn.add((t3 - t2) / 1e6);
                queries.add((t4 - t3) / 1e6);
            }
        }
        double[] a = report("Gram matrix, blocks of 256 (gemm10kBlocks256)", g256);
        double[] b = report("Gram matrix, blocks of 1,024 (gemm10k)", g1024);
        double[] k = report("exact 10-NN, searchSelf (exactKnn10k)", knn);
        double[] q = report("exact 10-NN, search of 10,000 queries", queries);
        System.out.printf(Locale.ROOT, "searchSelf / blocks of 256:   min %.2f  p10 %.2f  median %.2f%n",
                k[0] / a[0], k[1] / a[1], k[2] / a[2]);
        System.out.printf(Locale.ROOT, "searchSelf / blocks of 1,024: min %.2f  p10 %.2f  median %.2f%n",
                k[0] / b[0], k[1] / b[1], k[2] / b[2]);
        System.out.printf(Locale.ROOT, "search / blocks of 1,024:     min %.2f  p10 %.2f  median %.2f%n",
                q[0] / b[0], q[1] / b[1], q[2] / b[2]);
        System.out.printf(Locale.ROOT, "(checksum %.1f)%n", sink);
    }

    private static double[] report(String name, List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] q = {s[0], s[s.length / 10], s[s.length / 2], s[s.length * 9 / 10]};
        System.out.printf(Locale.ROOT, "%-48s n=%d  min %.1f  p10 %.1f  median %.1f  p90 %.1f ms%n", name, s.length,
                q[0], q[1], q[2], q[3]);
        return q;
    }
}
