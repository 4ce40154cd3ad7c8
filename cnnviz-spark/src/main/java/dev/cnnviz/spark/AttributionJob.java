package dev.cnnviz.spark;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.examples.cli.Method;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Batch attribution on Spark: every image of an {@link ImageTable} explained by one method for one target, each
 * partition in batches on its executor's shared model. The result has one row per image: the resolved target
 * (class, label, score, probability), the raw attribution (its shape and values, unnormalised, exactly what
 * {@link Explanation#attribution()} gives in one JVM) and optionally the explanation's panel as a PNG.
 *
 * <pre>{@code
 * Dataset<Row> maps = AttributionJob.run(spark, ModelBundle.embedded(), images,
 *         AttributionJob.Options.of("grad-cam").withTarget(3));
 * maps.write().parquet("maps.parquet");
 * AttributionJob.writePngs(maps, "hdfs:///out/pngs");
 * }</pre>
 *
 * <p>{@code spark-submit --class dev.cnnviz.spark.AttributionJob ... --method grad-cam --parquet IN --out OUT}
 * (see the module's README).
 */
@Command(name = "cnnviz-spark-attribution", mixinStandardHelpOptions = true,
        description = "Explains every image of a folder or Parquet table with one attribution method; writes Parquet "
                + "(raw maps) and optionally one PNG panel per image.")
public final class AttributionJob implements Callable<Integer> {
    /** The result's schema. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField(ImageTable.INDEX, DataTypes.LongType, false),
        DataTypes.createStructField(ImageTable.ID, DataTypes.StringType, false),
        DataTypes.createStructField(ImageTable.LABEL, DataTypes.IntegerType, false),
        DataTypes.createStructField("method", DataTypes.StringType, false),
        DataTypes.createStructField("class_index", DataTypes.IntegerType, false),
        DataTypes.createStructField("class_label", DataTypes.StringType, true),
        DataTypes.createStructField("score", DataTypes.DoubleType, false),
        DataTypes.createStructField("probability", DataTypes.DoubleType, false),
        DataTypes.createStructField("shape", DataTypes.createArrayType(DataTypes.IntegerType, false), false),
        DataTypes.createStructField("attribution", DataTypes.createArrayType(DataTypes.FloatType, false), false),
        DataTypes.createStructField("png", DataTypes.BinaryType, true)});

    /**
     * What to explain and how.
     *
     * @param method    a method's command-line name ({@link Method#parse}), e.g. {@code grad-cam}
     * @param target    the class index, or null for each image's top class
     * @param layer     the layer of the CAM methods, or null for the default
     * @param steps     integrated gradients' steps, or null
     * @param samples   the samples of SmoothGrad and the sampling methods, or null
     * @param batchSize images per call of the explainer, at least 1
     * @param png       whether to add each explanation's panel (image | heat map | overlay) as a PNG
     */
    public record Options(String method, Integer target, String layer, Integer steps, Integer samples, int batchSize,
            boolean png) implements Serializable {
        private static final long serialVersionUID = 1L;

        /** Validates. @throws IllegalArgumentException naming a bad value */
        public Options {
            Method m = Method.parse(method);
            method = m.cliName();
            if (m.synthesis()) {
                throw new IllegalArgumentException(method + " is an image optimization, not an attribution method");
            }
            if (target != null && target < 0) {
                throw new IllegalArgumentException("target must be a class index >= 0, found " + target);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, found " + batchSize);
            }
        }

        /** @return the defaults for a method: top class, default layer and options, batches of 32, with PNGs */
        public static Options of(String method) {
            return new Options(method, null, null, null, null, 32, true);
        }

        /** @return a copy explaining class {@code c} of every image (null: the top class) */
        public Options withTarget(Integer c) {
            return new Options(method, c, layer, steps, samples, batchSize, png);
        }

        /** @return a copy at this layer */
        public Options withLayer(String l) {
            return new Options(method, target, l, steps, samples, batchSize, png);
        }

        /** @return a copy with this batch size */
        public Options withBatchSize(int n) {
            return new Options(method, target, layer, steps, samples, n, png);
        }

        /** @return a copy with or without PNG panels */
        public Options withPng(boolean on) {
            return new Options(method, target, layer, steps, samples, batchSize, on);
        }

        /** @return a copy with integrated gradients' steps */
        public Options withSteps(Integer n) {
            return new Options(method, target, layer, n, samples, batchSize, png);
        }

        /** @return a copy with the samples of SmoothGrad and the sampling methods */
        public Options withSamples(Integer n) {
            return new Options(method, target, layer, steps, n, batchSize, png);
        }

        /**
         * The explainer on a model: what the single-JVM path runs.
         *
         * @param model the model
         * @return the explainer
         * @throws IllegalArgumentException if an option does not apply to the method or the model
         */
        public Attribution explainer(Model model) {
            return Method.parse(method).create(model, layer, steps, samples);
        }

        /** @return the target */
        public Target targetValue() {
            return target == null ? Target.topClass() : Target.classIndex(target);
        }
    }

    @Mixin
    JobOptions job;

    @Option(names = {"-m", "--method"}, required = true, paramLabel = "METHOD",
            description = "The attribution method, as the cnnviz CLI names it (grad-cam, saliency, ...).")
    String method;

    @Option(names = "--target", paramLabel = "N", description = "Class to explain (default: each image's top class).")
    Integer target;

    @Option(names = "--layer", paramLabel = "NAME", description = "Layer of the CAM methods (default: the last 4-D layer).")
    String layer;

    @Option(names = "--steps", paramLabel = "N", description = "Integrated gradients' steps.")
    Integer steps;

    @Option(names = "--samples", paramLabel = "N", description = "Samples of SmoothGrad, shapley-sampling, kernel-shap, lime.")
    Integer samples;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Images per explainer call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = "The Parquet table to write (overwritten).")
    String out;

    @Option(names = "--png-dir", paramLabel = "DIR",
            description = "Also write each image's panel as DIR/INDEX-ID.png (any Hadoop file system path).")
    String pngDir;

    /**
     * Explains every image.
     *
     * @param spark   the session
     * @param model   the model, broadcast to the executors once
     * @param images  a table in {@link ImageTable#SCHEMA}
     * @param options what to explain
     * @return one row per image in {@link #SCHEMA} (lazy: computed when written or collected)
     * @throws ModelImportException     if the model cannot be loaded on the driver (where the options are checked)
     * @throws IllegalArgumentException if an option does not apply to the method or the model
     */
    public static org.apache.spark.sql.Dataset<Row> run(SparkSession spark, ModelBundle model,
            org.apache.spark.sql.Dataset<Row> images, Options options) throws ModelImportException {
        options.explainer(model.model()); // usage errors on the driver, before any task
        Broadcast<ModelBundle> shipped = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model);
        return images.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            Model m = shipped.value().model();
            Attribution a = options.explainer(m);
            Target t = options.targetValue();
            List<Row> out = new ArrayList<>();
            Partitions.chunks(rows, options.batchSize(), chunk -> {
                Batch b = ImageTable.decode(chunk);
                List<Explanation> es = a.explainAll(b.images(m.inputSpec().preprocessing()), List.of(t));
                for (int i = 0; i < es.size(); i++) {
                    out.add(row(b, i, options.method(), es.get(i), options.png()));
                }
            });
            return out.iterator();
        }, Encoders.row(SCHEMA));
    }

    static Row row(Batch b, int i, String method, Explanation e, boolean png) {
        float[] data = e.attribution().data();
        Float[] boxed = new Float[data.length];
        for (int k = 0; k < data.length; k++) {
            boxed[k] = data[k];
        }
        int[] shape = e.attribution().shape();
        Integer[] s = new Integer[shape.length];
        for (int k = 0; k < shape.length; k++) {
            s[k] = shape[k];
        }
        return RowFactory.create((long) b.index(i), b.id(i), b.label(i), method, e.target().classIndex(),
                e.target().label(), e.target().score(), e.target().probability(), s, boxed,
                png ? ImageTable.png(e.panel()) : null);
    }

    /**
     * Writes each row's PNG as {@code DIR/INDEX-ID.png} (the id's characters other than letters, digits, '.', '-'
     * and '_' replaced by '_'), from the executors, through Hadoop's file system API (a local path, {@code hdfs://},
     * {@code s3a://}, ...). Rows without a PNG are skipped.
     *
     * @param result a table in {@link #SCHEMA}
     * @param dir    the folder
     */
    public static void writePngs(org.apache.spark.sql.Dataset<Row> result, String dir) {
        result.select(ImageTable.INDEX, ImageTable.ID, "png").foreachPartition((ForeachPartitionFunction<Row>) rows -> {
            org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(dir);
            FileSystem fs = root.getFileSystem(new Configuration());
            while (rows.hasNext()) {
                Row r = rows.next();
                if (r.isNullAt(2)) {
                    continue;
                }
                String name = String.format("%08d-%s.png", r.getLong(0), r.getString(1).replaceAll("[^A-Za-z0-9._-]", "_"));
                try (OutputStream o = fs.create(new org.apache.hadoop.fs.Path(root, name), true)) {
                    o.write((byte[]) r.get(2));
                } catch (IOException e) {
                    throw new IOException(dir + "/" + name + ": cannot write the PNG: " + e.getMessage(), e);
                }
            }
        });
    }

    @Override
    public Integer call() throws Exception {
        Options o = new Options(method, target, layer, steps, samples, batch, pngDir != null);
        SparkSession spark = job.session("cnnviz attribution (" + o.method() + ")");
        org.apache.spark.sql.Dataset<Row> result = run(spark, job.model(), job.images(spark), o).cache();
        result.write().mode(SaveMode.Overwrite).parquet(out);
        if (pngDir != null) {
            writePngs(result, pngDir);
        }
        System.out.println(o.method() + ": " + result.count() + " images -> " + out + (pngDir != null ? ", PNGs -> " + pngDir : ""));
        return 0;
    }

    /**
     * The {@code spark-submit} entry point.
     *
     * @param args the options ({@code --help} lists them)
     */
    public static void main(String[] args) {
        System.exit(JobOptions.execute(new AttributionJob(), args));
    }
}
