package dev.cnnviz.spark;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.data.ImageFolder;
import dev.cnnviz.core.image.ImageIo;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Tables of images for the Spark jobs: one row per image with its dataset {@code index} (long, unique, the order
 * the single-JVM path scans in), its {@code id} (a folder image's relative path, or the index as text), its
 * {@code label} (int, {@link Batch#NO_LABEL} when unknown) and the {@code image} itself, encoded (PNG, JPEG, BMP or
 * GIF bytes, as in a file).
 *
 * <pre>{@code
 * Dataset<Row> images = ImageTable.fromParquet(spark, "hdfs:///data/photos.parquet");  // columns as above
 * Dataset<Row> folder = ImageTable.fromFolder(spark, Path.of("/shared/photos"), 64);     // a folder every node sees
 * ImageTable.fromDataset(spark, IdxDataset.fashionMnist(dir, Split.TEST), 8).write().parquet("fmnist.parquet");
 * }</pre>
 *
 * <p>Rows are decoded on the executors by {@link ImageIo} with its limits (256 MiB, 100 megapixels, checked from the
 * header); an undecodable image fails its task with an {@link IOException} naming the row's id.
 */
public final class ImageTable {
    /** The index column (long). */
    public static final String INDEX = "index";
    /** The id column (string). */
    public static final String ID = "id";
    /** The label column (int). */
    public static final String LABEL = "label";
    /** The encoded image column (binary). */
    public static final String IMAGE = "image";
    /** The path column of {@link #fromFolder} before the bytes are read (string). */
    static final String PATH = "path";

    /** The schema of an image table. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField(INDEX, DataTypes.LongType, false),
        DataTypes.createStructField(ID, DataTypes.StringType, false),
        DataTypes.createStructField(LABEL, DataTypes.IntegerType, false),
        DataTypes.createStructField(IMAGE, DataTypes.BinaryType, false)});

    private static final StructType FOLDER_SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField(INDEX, DataTypes.LongType, false),
        DataTypes.createStructField(ID, DataTypes.StringType, false),
        DataTypes.createStructField(LABEL, DataTypes.IntegerType, false),
        DataTypes.createStructField(PATH, DataTypes.StringType, false)});

    private ImageTable() {
    }

    /**
     * The images of a folder (recursively; class sub-folders give the labels), in {@link ImageFolder}'s order and
     * with its ids and labels. The driver lists the folder; the executors read the files, so the folder must be at
     * the same path on every node (a shared file system). Elsewhere, convert it once to Parquet:
     * {@code fromFolder(...).write().parquet(...)} on a machine that sees it.
     *
     * @param spark      the session
     * @param dir        the folder
     * @param partitions the number of partitions, at least 1
     * @return the table
     * @throws IOException              naming the folder if it is missing, not a folder or holds no images
     * @throws IllegalArgumentException if {@code partitions < 1}
     */
    public static org.apache.spark.sql.Dataset<Row> fromFolder(SparkSession spark, Path dir, int partitions)
            throws IOException {
        checkPartitions(partitions);
        ImageFolder folder = ImageFolder.of(dir);
        Path root = dir.toAbsolutePath().normalize();
        List<String> classes = folder.classes();
        List<Row> rows = new ArrayList<>(folder.size());
        for (int i = 0; i < folder.size(); i++) {
            String p = folder.paths().get(i);
            int slash = p.indexOf('/');
            int label = slash > 0 ? classes.indexOf(p.substring(0, slash)) : Batch.NO_LABEL;
            rows.add(RowFactory.create((long) i, p, label, root.resolve(p).toString()));
        }
        return spark.createDataFrame(rows, FOLDER_SCHEMA).repartition(partitions)
                .mapPartitions((MapPartitionsFunction<Row, Row>) it -> {
                    List<Row> out = new ArrayList<>();
                    while (it.hasNext()) {
                        Row r = it.next();
                        Path file = Path.of(r.getString(3));
                        byte[] bytes;
                        try {
                            bytes = Files.readAllBytes(file);
                        } catch (IOException e) {
                            throw new IOException(file + ": cannot read the image on this executor (is the folder on a "
                                    + "file system every node sees?): " + e.getMessage(), e);
                        }
                        out.add(RowFactory.create(r.getLong(0), r.getString(1), r.getInt(2), bytes));
                    }
                    return out.iterator();
                }, Encoders.row(SCHEMA)).sortWithinPartitions(INDEX);
    }

    /**
     * A Parquet table of images: an {@code image} column (binary, encoded) and optionally {@code index} (long),
     * {@code id} (string) and {@code label} (int). Without {@code index}, rows are numbered in the table's order
     * (file by file, as Spark lists them); without {@code id}, the index is the id; without {@code label}, -1.
     *
     * @param spark the session
     * @param path  the table (any path Spark reads: a local folder, {@code hdfs://}, {@code s3a://})
     * @return the table in {@link #SCHEMA}
     * @throws IllegalArgumentException if the table has no binary {@code image} column, or a column of another type
     */
    public static org.apache.spark.sql.Dataset<Row> fromParquet(SparkSession spark, String path) {
        return normalize(spark.read().parquet(path), path);
    }

    /**
     * Brings any table with an {@code image} column into {@link #SCHEMA} (see {@link #fromParquet}).
     *
     * @param table the table
     * @param name  its name, for messages
     * @return the table in {@link #SCHEMA}
     * @throws IllegalArgumentException if the table has no binary {@code image} column, or a column of another type
     */
    public static org.apache.spark.sql.Dataset<Row> normalize(org.apache.spark.sql.Dataset<Row> table, String name) {
        Set<String> cols = Set.of(table.columns());
        if (!cols.contains(IMAGE)) {
            throw new IllegalArgumentException(name + ": no '" + IMAGE + "' column (binary, an encoded image); columns: "
                    + Arrays.toString(table.columns()));
        }
        check(table, IMAGE, DataTypes.BinaryType, name);
        org.apache.spark.sql.Dataset<Row> t = table;
        if (!cols.contains(INDEX)) {
            t = t.withColumn(INDEX, functions.monotonically_increasing_id());
            // monotonically increasing ids have gaps between partitions: number them 0.. in that order
            t = t.withColumn(INDEX, functions.row_number().over(
                    org.apache.spark.sql.expressions.Window.orderBy(INDEX)).cast(DataTypes.LongType).minus(1));
        } else {
            t = t.withColumn(INDEX, t.col(INDEX).cast(DataTypes.LongType));
        }
        if (!cols.contains(ID)) {
            t = t.withColumn(ID, t.col(INDEX).cast(DataTypes.StringType));
        } else {
            check(table, ID, DataTypes.StringType, name);
        }
        if (!cols.contains(LABEL)) {
            t = t.withColumn(LABEL, functions.lit(Batch.NO_LABEL));
        } else {
            t = t.withColumn(LABEL, functions.coalesce(t.col(LABEL).cast(DataTypes.IntegerType), functions.lit(Batch.NO_LABEL)));
        }
        return t.select(INDEX, ID, LABEL, IMAGE);
    }

    private static void check(org.apache.spark.sql.Dataset<Row> t, String col, org.apache.spark.sql.types.DataType type,
            String name) {
        org.apache.spark.sql.types.DataType found = t.schema().apply(col).dataType();
        if (!found.equals(type)) {
            throw new IllegalArgumentException(name + ": column '" + col + "' is " + found.simpleString() + ", expected "
                    + type.simpleString());
        }
    }

    /**
     * A cnnviz {@link Dataset} read on the driver and encoded as PNG, in its order (for modest sizes: Fashion-MNIST's
     * 70,000 images are about 25 MB; larger sets belong in Parquet written where they live).
     *
     * @param spark      the session
     * @param dataset    the examples (images, not preprocessed tensors)
     * @param partitions the number of partitions, at least 1
     * @return the table
     * @throws IOException              if an example cannot be read
     * @throws IllegalArgumentException if the dataset holds tensors rather than images, or {@code partitions < 1}
     */
    public static org.apache.spark.sql.Dataset<Row> fromDataset(SparkSession spark, Dataset dataset, int partitions)
            throws IOException {
        checkPartitions(partitions);
        List<Row> rows = new ArrayList<>(dataset.size());
        dataset.forEachBatch(256, b -> {
            if (b.isTensor()) {
                throw new IllegalArgumentException(dataset.name() + " holds preprocessed tensors, not images");
            }
            List<BufferedImage> imgs = b.images(Preprocessing.unit(ChannelOrder.RGB)); // an image batch: returned as is
            for (int i = 0; i < b.size(); i++) {
                rows.add(RowFactory.create((long) b.index(i), b.id(i), b.label(i), png(imgs.get(i))));
            }
        });
        return spark.createDataFrame(rows, SCHEMA).repartition(partitions).sortWithinPartitions(INDEX);
    }

    /**
     * Encodes an image as PNG.
     *
     * @param image the image
     * @return the PNG bytes
     */
    public static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalArgumentException("no PNG writer for an image of type " + image.getType());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a PNG in memory", e);
        }
        return out.toByteArray();
    }

    /**
     * Decodes rows of {@link #SCHEMA} into one {@link Batch} of images carrying the rows' indices, ids and labels.
     *
     * @param rows the rows
     * @return the batch
     * @throws IOException              naming the row's id if an image cannot be decoded
     * @throws IllegalArgumentException if an index exceeds {@link Integer#MAX_VALUE} (cnnviz datasets are int-indexed)
     */
    public static Batch decode(List<Row> rows) throws IOException {
        int n = rows.size();
        int[] idx = new int[n];
        int[] labels = new int[n];
        List<String> ids = new ArrayList<>(n);
        List<BufferedImage> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            idx[i] = index(r);
            ids.add(r.getString(1));
            labels[i] = r.getInt(2);
            images.add(ImageIo.read(new ByteArrayInputStream((byte[]) r.get(3)), "image " + r.getString(1)));
        }
        return Batch.ofImages(idx, ids, labels, images);
    }

    /**
     * @param r a row of {@link #SCHEMA}
     * @return its index as an int
     * @throws IllegalArgumentException if it is negative or over {@link Integer#MAX_VALUE}
     */
    static int index(Row r) {
        long v = r.getLong(0);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image " + r.getString(1) + " has index " + v + ", expected 0.."
                    + Integer.MAX_VALUE);
        }
        return (int) v;
    }

    private static void checkPartitions(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, found " + partitions);
        }
    }
}
