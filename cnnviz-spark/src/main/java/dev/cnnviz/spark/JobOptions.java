package dev.cnnviz.spark;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.data.IdxDataset;
import dev.cnnviz.examples.DefaultModel;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The options every Spark job shares (a picocli mixin): the model, where the images come from, the partitions and,
 * outside {@code spark-submit}, the master.
 */
public final class JobOptions {
    /** The images: exactly one source. */
    static final class Source {
        @Option(names = "--images", paramLabel = "DIR",
                description = "A folder of images (recursively; class sub-folders give labels) at the same path on every node.")
        Path images;

        @Option(names = "--parquet", paramLabel = "PATH",
                description = "A Parquet table with an 'image' column (encoded bytes) and optional index, id, label.")
        String parquet;

        @Option(names = "--fashion-mnist", paramLabel = "SPLIT", arity = "0..1", fallbackValue = "test",
                description = "Fashion-MNIST from ${sys:cnnviz.fashionMnist:-/usr/share/datasets/fashion-mnist} (test, "
                        + "train or all), read on the driver.")
        String fashionMnist;

        @Option(names = "--bundled", description = "The embedded model's 300 bundled test images (the default).")
        boolean bundled;
    }

    @Option(names = "--model", paramLabel = "FILE",
            description = "Model file (ONNX, Keras .h5, DL4J zip); default: the embedded Fashion-MNIST CNN.")
    Path model;

    @Option(names = "--labels", paramLabel = "FILE", description = "Class labels, one per line.")
    Path labels;

    @Option(names = "--preprocess", paramLabel = "SPEC",
            description = "Pixel preprocessing (caffe-bgr[:B,G,R], torch-imagenet, unit-rgb, unit-grey, raw-rgb, ...).")
    String preprocess;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source;

    @Option(names = "--limit", paramLabel = "N", description = "Take only the first N images (by index).")
    Integer limit;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
            description = "Partitions of the image table (default: the cluster's default parallelism).")
    int partitions;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master when not run by spark-submit (e.g. local[2]); spark-submit's --master wins.")
    String master;

    /**
     * The session: the one {@code spark-submit} configured, or a new one on {@code --master}.
     *
     * @param appName the application's name
     * @return the session
     */
    public SparkSession session(String appName) {
        SparkSession.Builder b = SparkSession.builder().appName(appName);
        if (master != null && System.getProperty("spark.master") == null) {
            b = b.master(master);
        }
        return b.getOrCreate();
    }

    /**
     * @return the model's bundle: the file given, or the embedded model
     * @throws ModelImportException if the model or the labels cannot be read
     */
    public ModelBundle model() throws ModelImportException {
        if (model == null) {
            if (labels != null || preprocess != null) {
                throw new IllegalArgumentException("--labels and --preprocess go with --model (the embedded model has its own)");
            }
            return ModelBundle.embedded();
        }
        return ModelBundle.of(model, labels, preprocess);
    }

    /**
     * @param spark the session
     * @return the image table, limited and partitioned as asked
     * @throws IOException if the folder or Fashion-MNIST cannot be read
     */
    public org.apache.spark.sql.Dataset<Row> images(SparkSession spark) throws IOException {
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be at least 1, found " + limit);
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("--partitions must be at least 1 (or 0 for the default), found " + partitions);
        }
        int parts = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
        org.apache.spark.sql.Dataset<Row> table;
        if (source != null && source.images != null) {
            table = ImageTable.fromFolder(spark, source.images, parts);
        } else if (source != null && source.parquet != null) {
            table = ImageTable.fromParquet(spark, source.parquet);
        } else if (source != null && source.fashionMnist != null) {
            Path dir = Path.of(System.getProperty("cnnviz.fashionMnist", IdxDataset.FASHION_MNIST_DIR.toString()));
            Dataset ds = switch (source.fashionMnist) {
                case "test" -> IdxDataset.fashionMnist(dir, IdxDataset.Split.TEST);
                case "train" -> IdxDataset.fashionMnist(dir, IdxDataset.Split.TRAIN);
                case "all" -> IdxDataset.fashionMnistAll(dir);
                default -> throw new IllegalArgumentException("--fashion-mnist takes test, train or all, found "
                        + source.fashionMnist);
            };
            table = ImageTable.fromDataset(spark, limit == null ? ds : ds.limit(limit), parts);
        } else {
            if (model != null) {
                throw new IllegalArgumentException("give the images (--images, --parquet or --fashion-mnist): only the "
                        + "embedded model has bundled images");
            }
            table = ImageTable.fromDataset(spark, bundledImages(), parts);
        }
        if (limit != null) {
            table = table.filter(table.col(ImageTable.INDEX).lt(limit.longValue()));
        }
        if (partitions > 0 && table.rdd().getNumPartitions() != partitions) {
            table = table.repartition(partitions).sortWithinPartitions(ImageTable.INDEX);
        }
        return table;
    }

    /**
     * The embedded model's bundled test images as a cnnviz dataset (index order, ids are file names, true labels).
     *
     * @return the dataset
     */
    public static Dataset bundledImages() {
        return DefaultModel.testDataset();
    }

    /**
     * Runs a job's command line: usage errors print the usage and give exit code 2, other failures one line (the
     * exception's message) and exit code 1.
     *
     * @param job  the job (a picocli command)
     * @param args the arguments
     * @return the exit code
     */
    public static int execute(Object job, String[] args) {
        CommandLine cmd = new CommandLine(job);
        cmd.setExecutionExceptionHandler((ex, c, parse) -> {
            c.getErr().println(c.getCommandName() + ": " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
            if (Boolean.getBoolean("cnnviz.verbose")) {
                ex.printStackTrace(c.getErr());
            }
            return 1;
        });
        return cmd.execute(args);
    }
}
