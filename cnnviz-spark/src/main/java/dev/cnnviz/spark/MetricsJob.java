package dev.cnnviz.spark;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.metrics.Curve;
import dev.cnnviz.core.metrics.Evaluation;
import dev.cnnviz.core.metrics.ModelRandomization;
import dev.cnnviz.core.metrics.Summary;
import dev.cnnviz.examples.cli.Method;
import dev.cnnviz.examples.report.EvaluationReport;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The explanation metrics of {@code cnnviz evaluate} ({@link Evaluation}: deletion, insertion, ROAD, infidelity,
 * max-sensitivity, cascading randomisation) over a dataset on Spark. Every metric of {@link Evaluation} is a value per
 * image whose randomness is seeded per image (the randomised weights per layer), so each partition runs the
 * single-JVM {@link Evaluation#run} on its own batches and the per-image values are the same as in one JVM; only the
 * values and curves travel (one row per image, method and metric), never maps or images.
 *
 * <pre>{@code
 * Dataset<Row> values = MetricsJob.run(spark, bundle, images, MetricsJob.Options.of(List.of("grad-cam", "saliency")));
 * values.write().parquet("metrics.parquet");                    // one row per (image, method, metric)
 * List<Evaluation.Result> results = MetricsJob.results(bundle, values, options);  // what Evaluation.run gives
 * new EvaluationReport("my model", ids, results).writeHtml(Path.of("report.html"));
 * }</pre>
 *
 * <p>Collecting {@link #results} brings every value to the driver: about {@code methods · (metrics · (1 + curve
 * points)) · 8} bytes per image, 1 KiB or so; for millions of images, aggregate the Parquet table with Spark SQL
 * instead ({@code groupBy("method", "metric").agg(avg("value"), stddev("value"), count("value"))}).
 */
@Command(name = "cnnviz-spark-metrics", mixinStandardHelpOptions = true,
        description = "Measures attribution methods over a folder or Parquet table with the metrics of 'cnnviz evaluate'; "
                + "writes the per-image values as Parquet and optionally the HTML report.")
public final class MetricsJob implements Callable<Integer> {
    /** The per-image table's schema: one row per image, method and metric. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField(ImageTable.INDEX, DataTypes.LongType, false),
        DataTypes.createStructField(ImageTable.ID, DataTypes.StringType, false),
        DataTypes.createStructField(ImageTable.LABEL, DataTypes.IntegerType, false),
        DataTypes.createStructField("method", DataTypes.StringType, false),
        DataTypes.createStructField("metric", DataTypes.StringType, false),
        DataTypes.createStructField("value", DataTypes.DoubleType, false),
        // deletion/insertion/ROAD: the curve's fractions and values; randomisation: the step numbers 1..L and the
        // correlation after each step; null for the scalar metrics
        DataTypes.createStructField("fractions", DataTypes.createArrayType(DataTypes.DoubleType, false), true),
        DataTypes.createStructField("curve", DataTypes.createArrayType(DataTypes.DoubleType, false), true)});

    /**
     * What to measure.
     *
     * @param methods   the methods' command-line names ({@link Method#parse}), at least one
     * @param metrics   the metrics' command-line names ({@link Evaluation.Metric#parse}), at least one
     * @param target    the class index explained for every image, or null for each image's top class
     * @param seed      the seed of the seeded metrics ({@link Evaluation#withSeed})
     * @param batchSize images per {@link Evaluation#run} call, at least 1
     */
    public record Options(List<String> methods, List<String> metrics, Integer target, long seed, int batchSize)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        /** Validates and normalises the names. @throws IllegalArgumentException naming a bad value */
        public Options {
            if (methods == null || methods.isEmpty()) {
                throw new IllegalArgumentException("at least one method is needed: " + Method.names());
            }
            List<String> ms = new ArrayList<>();
            for (String m : methods) {
                Method parsed = Method.parse(m);
                if (parsed.synthesis()) {
                    throw new IllegalArgumentException(parsed.cliName() + " is an image optimization, not an attribution method");
                }
                ms.add(parsed.cliName());
            }
            methods = List.copyOf(ms);
            if (metrics == null || metrics.isEmpty()) {
                throw new IllegalArgumentException("at least one metric is needed");
            }
            List<String> ks = new ArrayList<>();
            for (String k : metrics) {
                ks.add(Evaluation.Metric.parse(k.replace("randomisation", "randomization")).cliName());
            }
            metrics = List.copyOf(ks);
            if (target != null && target < 0) {
                throw new IllegalArgumentException("target must be a class index >= 0, found " + target);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, found " + batchSize);
            }
        }

        /** @return every metric for these methods, each image's top class, seed 0, batches of 16 */
        public static Options of(List<String> methods) {
            List<String> all = new ArrayList<>();
            for (Evaluation.Metric m : Evaluation.Metric.values()) {
                all.add(m.cliName());
            }
            return new Options(methods, all, null, 0, 16);
        }

        /** @return a copy measuring only these metrics */
        public Options withMetrics(List<String> m) {
            return new Options(methods, m, target, seed, batchSize);
        }

        /** @return a copy explaining class {@code c} of every image (null: the top class) */
        public Options withTarget(Integer c) {
            return new Options(methods, metrics, c, seed, batchSize);
        }

        /** @return a copy with this seed */
        public Options withSeed(long s) {
            return new Options(methods, metrics, target, s, batchSize);
        }

        /** @return a copy with this batch size */
        public Options withBatchSize(int n) {
            return new Options(methods, metrics, target, seed, n);
        }

        /** @return the metrics as the enum */
        public Set<Evaluation.Metric> metricSet() {
            Set<Evaluation.Metric> s = EnumSet.noneOf(Evaluation.Metric.class);
            metrics.forEach(k -> s.add(Evaluation.Metric.parse(k)));
            return s;
        }

        /**
         * The single-JVM evaluation these options describe.
         *
         * @param model the model
         * @return the evaluation
         */
        public Evaluation evaluation(Model model) {
            return Evaluation.of(model).withMetrics(metricSet()).withSeed(seed);
        }

        /** @return the target */
        public Target targetValue() {
            return target == null ? Target.topClass() : Target.classIndex(target);
        }

        /**
         * Runs one method on a batch in this JVM, as {@code cnnviz evaluate} does.
         *
         * @param model  the model
         * @param method a method's command-line name
         * @param batch  {@code [N,C,H,W]} preprocessed images, in the model's data type
         * @return the result
         */
        public Evaluation.Result evaluate(Model model, String method, INDArray batch) {
            Method m = Method.parse(method);
            return evaluation(model).run(m.cliName(), mm -> m.create(mm, null, null, null), batch, targetValue());
        }
    }

    @Mixin
    JobOptions job;

    @Option(names = "--methods", paramLabel = "LIST", split = ",", defaultValue = "grad-cam,saliency",
            description = "Comma-separated attribution methods (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--metrics", paramLabel = "LIST", split = ",",
            description = "Comma-separated metrics (default: all): deletion, insertion, road-morf, road-lerf, "
                    + "infidelity, max-sensitivity, randomization.")
    List<String> metrics;

    @Option(names = "--target", paramLabel = "N", description = "Class to explain (default: each image's top class).")
    Integer target;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the seeded metrics (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "16", description = "Images per evaluation batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = "The Parquet table of per-image values (overwritten).")
    String out;

    @Option(names = "--report", paramLabel = "HTML",
            description = "Also collect the values and write the HTML report of 'cnnviz evaluate' (a local .html file).")
    Path report;

    /**
     * Measures every image of a table.
     *
     * @param spark   the session
     * @param model   the model, broadcast to the executors once
     * @param images  a table in {@link ImageTable#SCHEMA}
     * @param options what to measure
     * @return one row per image, method and metric in {@link #SCHEMA} (lazy: computed when written or collected)
     * @throws ModelImportException     if the model cannot be loaded on the driver (where the options are checked)
     * @throws IllegalArgumentException if a method does not apply to the model
     */
    public static org.apache.spark.sql.Dataset<Row> run(SparkSession spark, ModelBundle model,
            org.apache.spark.sql.Dataset<Row> images, Options options) throws ModelImportException {
        Model driver = model.model();
        for (String m : options.methods()) {
            Method.parse(m).create(driver, null, null, null); // usage errors on the driver, before any task
        }
        Broadcast<ModelBundle> shipped = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model);
        return images.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            Model m = shipped.value().model();
            List<Row> out = new ArrayList<>();
            Partitions.chunks(rows, options.batchSize(), chunk -> {
                Batch b = ImageTable.decode(chunk);
                try (INDArray x = ImageTensors.toBatch(b.images(m.inputSpec().preprocessing()), m.inputSpec())) {
                    INDArray typed = x.castTo(m.graph().dataType());
                    try {
                        for (String method : options.methods()) {
                            rows(b, options.evaluate(m, method, typed), out);
                        }
                    } finally {
                        if (typed != x) {
                            typed.close();
                        }
                    }
                }
            });
            return out.iterator();
        }, Encoders.row(SCHEMA));
    }

    private static void rows(Batch b, Evaluation.Result r, List<Row> out) {
        for (Evaluation.Metric metric : Evaluation.Metric.values()) {
            if (!r.values().containsKey(metric)) {
                continue;
            }
            double[] v = r.values(metric);
            List<Curve> curves = r.curves().get(metric);
            double[][] corr = metric == Evaluation.Metric.RANDOMIZATION ? r.randomization().correlations() : null;
            for (int i = 0; i < b.size(); i++) {
                Double[] fractions = null;
                Double[] curve = null;
                if (curves != null) {
                    fractions = boxed(curves.get(i).fractions());
                    curve = boxed(curves.get(i).values());
                } else if (corr != null) {
                    double[] steps = new double[corr[i].length];
                    for (int k = 0; k < steps.length; k++) {
                        steps[k] = k + 1;
                    }
                    fractions = boxed(steps);
                    curve = boxed(corr[i]);
                }
                out.add(RowFactory.create((long) b.index(i), b.id(i), b.label(i), r.method(), metric.cliName(), v[i],
                        fractions, curve));
            }
        }
    }

    private static Double[] boxed(double[] v) {
        Double[] b = new Double[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = v[i];
        }
        return b;
    }

    private static double[] unboxed(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Collects a per-image table into one {@link Evaluation.Result} per method, images in index order: the values and
     * curves {@link Evaluation#run} gives for the same images in one JVM. The randomisation result carries the
     * correlations only (its {@code original} and {@code last} maps stay on the executors: empty lists).
     *
     * @param model   the model the table was measured on (for the randomised layers' names)
     * @param values  the output of {@link #run}
     * @param options the options it was run with
     * @return one result per method, in the options' order
     * @throws ModelImportException     if the model cannot be loaded on the driver
     * @throws IllegalArgumentException if the table is empty or a method misses some image's metric
     */
    public static List<Evaluation.Result> results(ModelBundle model, org.apache.spark.sql.Dataset<Row> values,
            Options options) throws ModelImportException {
        List<Row> all = values.orderBy(ImageTable.INDEX).collectAsList();
        if (all.isEmpty()) {
            throw new IllegalArgumentException("the metrics table is empty: no images were measured");
        }
        List<String> layers = null;
        if (options.metricSet().contains(Evaluation.Metric.RANDOMIZATION)) {
            Method first = Method.parse(options.methods().get(0));
            Model m = model.model();
            layers = ModelRandomization.of(m, mm -> first.create(mm, null, null, null)).layers();
        }
        List<Evaluation.Result> out = new ArrayList<>();
        for (String method : options.methods()) {
            Map<Evaluation.Metric, List<Row>> byMetric = new EnumMap<>(Evaluation.Metric.class);
            for (Row r : all) {
                if (r.getString(3).equals(method)) {
                    byMetric.computeIfAbsent(Evaluation.Metric.parse(r.getString(4)), k -> new ArrayList<>()).add(r);
                }
            }
            Map<Evaluation.Metric, double[]> vals = new EnumMap<>(Evaluation.Metric.class);
            Map<Evaluation.Metric, List<Curve>> curves = new EnumMap<>(Evaluation.Metric.class);
            ModelRandomization.Result rnd = null;
            int n = -1;
            for (Evaluation.Metric metric : options.metricSet()) {
                List<Row> rs = byMetric.getOrDefault(metric, List.of());
                if (n < 0) {
                    n = rs.size();
                }
                if (rs.size() != n || n == 0) {
                    throw new IllegalArgumentException("method " + method + " has " + rs.size() + " values of "
                            + metric.cliName() + ", expected " + Math.max(n, 1) + " (one per image)");
                }
                double[] v = new double[n];
                List<Curve> cs = new ArrayList<>();
                double[][] corr = new double[n][];
                for (int i = 0; i < n; i++) {
                    Row r = rs.get(i);
                    v[i] = r.getDouble(5);
                    if (metric == Evaluation.Metric.RANDOMIZATION) {
                        corr[i] = unboxed(r.getList(7));
                    } else if (!r.isNullAt(7)) {
                        cs.add(new Curve(unboxed(r.getList(6)), unboxed(r.getList(7))));
                    }
                }
                vals.put(metric, v);
                if (metric == Evaluation.Metric.RANDOMIZATION) {
                    rnd = new ModelRandomization.Result(layers, corr, List.of(), List.of());
                } else if (!cs.isEmpty()) {
                    curves.put(metric, cs);
                }
            }
            out.add(new Evaluation.Result(method, vals, curves, rnd));
        }
        return out;
    }

    @Override
    public Integer call() throws Exception {
        if (report != null && !report.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".html")) {
            throw new IllegalArgumentException("--report must name an .html file, found " + report);
        }
        Options o = Options.of(methods).withTarget(target).withSeed(seed).withBatchSize(batch);
        if (metrics != null) {
            o = o.withMetrics(metrics);
        }
        SparkSession spark = job.session("cnnviz metrics (" + String.join(",", o.methods()) + ")");
        ModelBundle bundle = job.model();
        org.apache.spark.sql.Dataset<Row> values = run(spark, bundle, job.images(spark), o).cache();
        values.write().mode(SaveMode.Overwrite).parquet(out);
        List<Evaluation.Result> results = results(bundle, values, o);
        Map<Long, String> ids = new LinkedHashMap<>();
        for (Row r : values.select(ImageTable.INDEX, ImageTable.ID).distinct().orderBy(ImageTable.INDEX).collectAsList()) {
            ids.put(r.getLong(0), r.getString(1));
        }
        for (Evaluation.Result r : results) {
            StringBuilder sb = new StringBuilder("method=").append(r.method());
            for (Evaluation.Metric m : Evaluation.Metric.values()) {
                if (r.values().containsKey(m)) {
                    sb.append(' ').append(m.cliName()).append('=').append(Summary.of(r.values(m)).format(4).replace(" ", ""));
                }
            }
            System.out.println(sb);
        }
        if (report != null) {
            new EvaluationReport(bundle.source(), new ArrayList<>(ids.values()), results).writeHtml(report);
        }
        System.out.println("metrics (" + results.size() + " methods, " + ids.size() + " images) -> " + out
                + (report != null ? ", report -> " + report : ""));
        return 0;
    }

    /**
     * The {@code spark-submit} entry point.
     *
     * @param args the options ({@code --help} lists them)
     */
    public static void main(String[] args) {
        System.exit(JobOptions.execute(new MetricsJob(), args));
    }
}
