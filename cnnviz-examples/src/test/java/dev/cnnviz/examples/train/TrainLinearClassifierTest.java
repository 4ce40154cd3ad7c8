package dev.cnnviz.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.inspect.Filters;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The linear classifier's templates look like the garments: each class's weight image correlates best with the mean
 * image of its own class (trousers with trousers). Skipped, with a message, without the Fashion-MNIST files.
 */
class TrainLinearClassifierTest {

    @Test
    void templatesResembleTheirClassesMeanImages() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR),
                "Fashion-MNIST is not installed at " + FashionMnist.DEFAULT_DIR
                        + " (Debian package dataset-fashion-mnist); skipping the linear classifier");
        FashionMnist.Split all = FashionMnist.loadTrain(FashionMnist.DEFAULT_DIR);
        int n = 12_000;
        FashionMnist.Split train = new FashionMnist.Split(Arrays.copyOf(all.images(), n), Arrays.copyOf(all.labels(), n));
        FashionMnist.Split testAll = FashionMnist.loadTest(FashionMnist.DEFAULT_DIR);
        FashionMnist.Split test = new FashionMnist.Split(Arrays.copyOf(testAll.images(), 2000), Arrays.copyOf(testAll.labels(), 2000));
        TrainLinearClassifier.Result r = TrainLinearClassifier.train(train, test, 1, 7);
        assertTrue(r.testAccuracy() > 0.70, "a linear classifier reaches over 70% after one pass: " + r.testAccuracy());

        Filters f = Filters.of(r.model()).withLayer(r.layer()).withScale(2).withGutter(2);
        assertEquals(Filters.Kind.TEMPLATES, f.kind());
        Tensor w = f.weights();
        assertEquals(10, w.size(0));
        assertEquals(784, w.size(1) * w.size(2) * w.size(3));

        double[][] means = new double[10][784];
        int[] counts = new int[10];
        for (int i = 0; i < n; i++) {
            int c = train.labels()[i];
            counts[c]++;
            for (int p = 0; p < 784; p++) {
                means[c][p] += train.images()[i][0][p / 28][p % 28];
            }
        }
        int own = 0;
        for (int k = 0; k < 10; k++) {
            double[] t = new double[784];
            for (int p = 0; p < 784; p++) {
                t[p] = w.data()[k * 784 + p];
            }
            int best = -1;
            double bestCorrelation = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 10; c++) {
                double[] m = means[c].clone();
                for (int p = 0; p < 784; p++) {
                    m[p] /= counts[c];
                }
                double corr = correlation(t, m);
                if (corr > bestCorrelation) {
                    bestCorrelation = corr;
                    best = c;
                }
            }
            if (best == k) {
                own++;
            }
            if (k == 1) {
                assertEquals(1, best, "the trouser template matches the mean trouser best");
            }
        }
        assertTrue(own >= 8, own + " of 10 templates match their own class's mean image best");

        BufferedImage grid = f.grid();
        assertEquals(10 * (56 + 2) + 2, grid.getWidth(), "ten 28x28 templates at scale 2 in one row");
        assertTrue(grid.getHeight() > 56 + 4, "with a caption line for the labels");
    }

    private static double correlation(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElse(0);
        double mb = Arrays.stream(b).average().orElse(0);
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (a[i] - ma) * (b[i] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
        }
        return ab / Math.sqrt(aa * bb);
    }
}
