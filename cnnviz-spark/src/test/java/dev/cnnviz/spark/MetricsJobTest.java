package dev.cnnviz.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.metrics.Curve;
import dev.cnnviz.core.metrics.Evaluation;
import dev.cnnviz.examples.DefaultModel;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The metrics of {@code cnnviz evaluate} on local[2] equal {@link Evaluation#run} over the same images in one JVM. */
class MetricsJobTest {
    private static final int N = 8;

    private static void assertClose(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4 * Math.max(1, Math.abs(want[i])), what + ": value " + i);
        }
    }

    @Test
    void everyMetricOfEveryImageEqualsTheSingleJvmEvaluation() throws Exception {
        Dataset ds = EmbeddingJobTest.images().limit(N);
        Model model = DefaultModel.load();
        MetricsJob.Options options = MetricsJob.Options.of(List.of("grad-cam", "saliency")).withBatchSize(4).withSeed(3);
        List<Evaluation.Result> single;
        try (INDArray x = ImageTensors.toBatch(SparkTests.all(ds).images(model.inputSpec().preprocessing()), model.inputSpec())) {
            INDArray typed = x.castTo(model.graph().dataType());
            single = List.of(options.evaluate(model, "grad-cam", typed), options.evaluate(model, "saliency", typed));
        }
        var spark = SparkTests.spark();
        var values = MetricsJob.run(spark, ModelBundle.embedded(), ImageTable.fromDataset(spark, ds, 3), options).cache();
        assertEquals(2L * N * Evaluation.Metric.values().length, values.count(), "one row per image, method and metric");
        List<Evaluation.Result> spread = MetricsJob.results(ModelBundle.embedded(), values, options);
        assertEquals(2, spread.size());
        for (int r = 0; r < 2; r++) {
            Evaluation.Result want = single.get(r);
            Evaluation.Result got = spread.get(r);
            assertEquals(want.method(), got.method());
            assertEquals(want.values().keySet(), got.values().keySet());
            for (Evaluation.Metric m : Evaluation.Metric.values()) {
                assertClose(want.values(m), got.values(m), want.method() + " " + m.cliName());
            }
            assertEquals(want.curves().keySet(), got.curves().keySet());
            for (Evaluation.Metric m : want.curves().keySet()) {
                for (int i = 0; i < N; i++) {
                    Curve w = want.curves().get(m).get(i);
                    Curve g = got.curves().get(m).get(i);
                    assertArrayEquals(w.fractions(), g.fractions(), 1e-12, m.cliName() + " fractions of image " + i);
                    assertClose(w.values(), g.values(), want.method() + " " + m.cliName() + " curve of image " + i);
                }
            }
            assertEquals(want.randomization().layers(), got.randomization().layers());
            assertClose(want.randomization().mean(), got.randomization().mean(), want.method() + " randomisation means");
        }
        // the report the CLI writes can be drawn from the collected results
        var report = new dev.cnnviz.examples.report.EvaluationReport("embedded", ds.read(0, N).ids(), spread);
        assertEquals(4, report.plots().size());
        assertTrue(report.html().contains("grad-cam"));
    }

    @Test
    void badMethodsAndMetricsAreRefusedNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MetricsJob.Options.of(List.of("grad-cam", "no-such-method")));
        assertTrue(e.getMessage().contains("no-such-method"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MetricsJob.Options.of(List.of("grad-cam")).withMetrics(List.of("deletion", "accuracy")));
        assertTrue(e.getMessage().contains("accuracy"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MetricsJob.Options.of(List.of("grad-cam")).withBatchSize(0));
        assertTrue(e.getMessage().contains("found 0"), e.getMessage());
    }
}
