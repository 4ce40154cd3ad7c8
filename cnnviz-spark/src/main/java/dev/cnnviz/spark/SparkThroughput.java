package dev.cnnviz.spark;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Batch;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A throughput benchmark of batch attribution: the same images explained by the same method on Spark
 * ({@link AttributionJob#run}, written to Spark's {@code noop} sink so that nothing but the job is timed) and by the
 * single-JVM path (the encoded images decoded and explained in batches, one after the other, in the driver), reporting
 * images per second for each and their ratio: what Spark itself costs. Both paths decode the same encoded bytes, use
 * the same batch size and share the model (imported once, before the first timing); each runs once untimed to warm
 * up, then {@code --repeats} times, and the best run counts.
 *
 * <pre>
 *   java -cp cnnviz-spark-VERSION-cluster.jar:$SPARK_HOME/jars/* $SPARK_JAVA17_OPTS dev.cnnviz.spark.SparkThroughput \
 *       --master 'local[2]' --fashion-mnist --limit 2000 --method grad-cam
 *   spark-submit --class dev.cnnviz.spark.SparkThroughput cnnviz-spark-VERSION-cluster.jar --parquet IN --method saliency
 * </pre>
 *
 * <p>Timings mean something only on an otherwise idle machine; on {@code local[N]} compare against N, not against the
 * machine's cores (ND4J's own threads inside each task compete with the task threads).
 */
@Command(name = "cnnviz-spark-throughput", mixinStandardHelpOptions = true,
        description = "Times batch attribution on Spark against the single-JVM path on the same images (images/s and ratio).")
public final class SparkThroughput implements Callable<Integer> {
    /**
     * One measurement: the best timed run of each path.
     *
     * @param method        the method's command-line name
     * @param images        the images explained by each path
     * @param partitions    the partitions of the Spark run
     * @param singleSeconds the single-JVM path's wall time
     * @param sparkSeconds  the Spark job's wall time
     */
    public record Measurement(String method, long images, int partitions, double singleSeconds, double sparkSeconds) {
        /** @return images per second of the single-JVM path */
        public double singleRate() {
            return images / singleSeconds;
        }

        /** @return images per second on Spark */
        public double sparkRate() {
            return images / sparkSeconds;
        }

        /** @return Spark's throughput as a fraction of the single-JVM path's (the issue asks for at least 0.9) */
        public double ratio() {
            return sparkRate() / singleRate();
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s on %d images: single JVM %.1f images/s (%.3f s), Spark %d partitions "
                    + "%.1f images/s (%.3f s), ratio %.3f", method, images, singleRate(), singleSeconds, partitions,
                    sparkRate(), sparkSeconds, ratio());
        }
    }

    @Mixin
    JobOptions job;

    @Option(names = {"-m", "--method"}, defaultValue = "grad-cam", paramLabel = "METHOD",
            description = "The attribution method (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Images per explainer call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", description = "Timed runs of each path; the best counts (default: ${DEFAULT-VALUE}).")
    int repeats;

    /**
     * Times both paths.
     *
     * @param spark   the session
     * @param model   the model
     * @param images  a table in {@link ImageTable#SCHEMA} (cached here: both paths start from encoded rows in memory)
     * @param options the method and batch size ({@code png} is ignored: no panels are drawn)
     * @param repeats timed runs of each path, at least 1
     * @return the best run of each
     * @throws Exception if the model cannot be loaded or an image cannot be read
     */
    public static Measurement measure(SparkSession spark, ModelBundle model, org.apache.spark.sql.Dataset<Row> images,
            AttributionJob.Options options, int repeats) throws Exception {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be at least 1, found " + repeats);
        }
        AttributionJob.Options o = options.withPng(false);
        org.apache.spark.sql.Dataset<Row> cached = images.cache();
        List<Row> rows = cached.orderBy(ImageTable.INDEX).collectAsList();
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("the image table is empty: nothing to time");
        }
        Model m = model.model();
        double single = Double.MAX_VALUE;
        double spread = Double.MAX_VALUE;
        for (int r = 0; r <= repeats; r++) { // run 0 warms up
            long t0 = System.nanoTime();
            int explained = single(m, rows, o);
            double s = (System.nanoTime() - t0) / 1e9;
            if (explained != rows.size()) {
                throw new IllegalStateException("the single-JVM path explained " + explained + " of " + rows.size() + " images");
            }
            t0 = System.nanoTime();
            AttributionJob.run(spark, model, cached, o).write().format("noop").mode("overwrite").save();
            double p = (System.nanoTime() - t0) / 1e9;
            if (r > 0) {
                single = Math.min(single, s);
                spread = Math.min(spread, p);
            }
        }
        return new Measurement(o.method(), rows.size(), cached.rdd().getNumPartitions(), single, spread);
    }

    /** The single-JVM path: decode and explain in batches; returns the number of explanations. */
    private static int single(Model m, List<Row> rows, AttributionJob.Options o) throws Exception {
        Attribution a = o.explainer(m);
        Target t = o.targetValue();
        int n = 0;
        for (int from = 0; from < rows.size(); from += o.batchSize()) {
            Batch b = ImageTable.decode(new ArrayList<>(rows.subList(from, Math.min(rows.size(), from + o.batchSize()))));
            List<Explanation> es = a.explainAll(b.images(m.inputSpec().preprocessing()), List.of(t));
            n += es.size();
        }
        return n;
    }

    @Override
    public Integer call() throws Exception {
        AttributionJob.Options o = AttributionJob.Options.of(method).withBatchSize(batch).withPng(false);
        SparkSession spark = job.session("cnnviz throughput (" + o.method() + ")");
        Measurement r = measure(spark, job.model(), job.images(spark), o, repeats);
        System.out.println(r);
        return 0;
    }

    /**
     * The entry point ({@code spark-submit}, or {@code java} with Spark on the class path and {@code --master}).
     *
     * @param args the options ({@code --help} lists them)
     */
    public static void main(String[] args) {
        System.exit(JobOptions.execute(new SparkThroughput(), args));
    }
}
