package dev.cnnviz.spark;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.embedding.Embeddings;
import dev.cnnviz.core.embedding.ExactKnn;
import dev.cnnviz.core.embedding.Metric;
import dev.cnnviz.core.embedding.Neighbours;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scala.Tuple2;

/**
 * Embeddings on Spark: every image's vector at a layer ({@link Embeddings}, batched per partition on the executor's
 * shared model) and the exact k nearest neighbours of every image among all the others.
 *
 * <p>The k-NN search is blocked: each partition of the embeddings is one block; every (query block, data block)
 * pair, a Spark {@code cartesian} task, runs {@link ExactKnn} (the single-JVM search: float32 products, candidates
 * re-ranked by distances in double precision) for the query block against the data block, and the per-block lists
 * of each query are merged by {@code reduceByKey}, keeping the k nearest (ties: the smaller index). It is the exact
 * answer, as the single-JVM {@link dev.cnnviz.core.embedding.EmbeddingSet#neighbours(int)} is: the work is
 * {@code N²·D} multiply-adds however it is split, spread over {@code P²} tasks for {@code P} partitions.
 *
 * <pre>{@code
 * Dataset<Row> vectors = EmbeddingJob.embed(spark, bundle, images, null, 64);      // index, id, label, vector
 * Dataset<Row> knn = EmbeddingJob.neighbours(spark, vectors, 10, Metric.L2);      // index, neighbours, distances
 * }</pre>
 */
@Command(name = "cnnviz-spark-embed", mixinStandardHelpOptions = true,
        description = "Embeds every image at a layer (Parquet: index, id, label, vector) and optionally finds each "
                + "image's exact k nearest neighbours (Parquet: index, neighbours, distances).")
public final class EmbeddingJob implements Callable<Integer> {
    /** The embeddings' schema. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField(ImageTable.INDEX, DataTypes.LongType, false),
        DataTypes.createStructField(ImageTable.ID, DataTypes.StringType, false),
        DataTypes.createStructField(ImageTable.LABEL, DataTypes.IntegerType, false),
        DataTypes.createStructField("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false)});

    /** The neighbours' schema: per image, its k nearest other images (indices) and their distances, nearest first. */
    public static final StructType NEIGHBOURS = new StructType(new StructField[] {
        DataTypes.createStructField(ImageTable.INDEX, DataTypes.LongType, false),
        DataTypes.createStructField("neighbours", DataTypes.createArrayType(DataTypes.LongType, false), false),
        DataTypes.createStructField("distances", DataTypes.createArrayType(DataTypes.FloatType, false), false)});

    @Mixin
    JobOptions job;

    @Option(names = "--layer", paramLabel = "NAME", description = "The layer (default: the one before the classifier, as 'cnnviz embed').")
    String layer;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = "The embeddings' Parquet table (overwritten).")
    String out;

    @Option(names = "--neighbours", paramLabel = "K", description = "Also find each image's K nearest other images.")
    Integer neighbours;

    @Option(names = "--metric", paramLabel = "l2|cosine", defaultValue = "l2", description = "The k-NN distance (default: ${DEFAULT-VALUE}).")
    String metric;

    @Option(names = "--neighbours-out", paramLabel = "PATH", description = "The neighbours' Parquet table (default: OUT-knn).")
    String neighboursOut;

    /**
     * Embeds every image.
     *
     * @param spark     the session
     * @param model     the model, broadcast once
     * @param images    a table in {@link ImageTable#SCHEMA}
     * @param layer     the layer, or null for {@link Embeddings}' default
     * @param batchSize images per forward pass, at least 1
     * @return one row per image in {@link #SCHEMA}
     * @throws ModelImportException     if the model cannot be loaded on the driver
     * @throws IllegalArgumentException if the layer is unknown or the batch size below 1
     */
    public static org.apache.spark.sql.Dataset<Row> embed(SparkSession spark, ModelBundle model,
            org.apache.spark.sql.Dataset<Row> images, String layer, int batchSize) throws ModelImportException {
        embeddings(model.model(), layer, batchSize).dimension(); // usage errors on the driver
        Broadcast<ModelBundle> shipped = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model);
        return images.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            Model m = shipped.value().model();
            Embeddings e = embeddings(m, layer, batchSize);
            List<Row> out = new ArrayList<>();
            Partitions.chunks(rows, batchSize, chunk -> {
                Batch b = ImageTable.decode(chunk);
                INDArray x = b.toInput(m.inputSpec());
                try (INDArray v = e.embed(x)) {
                    float[] flat = v.castTo(DataType.FLOAT).dup('c').data().asFloat();
                    int d = (int) v.size(1);
                    for (int i = 0; i < b.size(); i++) {
                        Float[] vec = new Float[d];
                        for (int k = 0; k < d; k++) {
                            vec[k] = flat[i * d + k];
                        }
                        out.add(RowFactory.create((long) b.index(i), b.id(i), b.label(i), vec));
                    }
                } finally {
                    x.close();
                }
            });
            return out.iterator();
        }, Encoders.row(SCHEMA));
    }

    /**
     * The single-JVM embedder these jobs run.
     *
     * @param model     the model
     * @param layer     the layer, or null for the default
     * @param batchSize images per pass
     * @return the embedder
     */
    public static Embeddings embeddings(Model model, String layer, int batchSize) {
        Embeddings e = Embeddings.of(model).withBatchSize(batchSize);
        return layer == null ? e : e.withLayer(layer);
    }

    /** One partition's vectors: the rows' indices and their vectors, row-major. */
    private record Block(long[] indices, float[] vectors, int dim) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** A query's candidates: indices and distances, nearest first. */
    private record Candidates(long[] indices, float[] distances) implements Serializable {
        private static final long serialVersionUID = 1L;

        Candidates merge(Candidates o, int k) {
            int n = indices.length + o.indices.length;
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> i < indices.length ? distances[i]
                    : o.distances[i - indices.length]).thenComparingLong(i -> i < indices.length ? indices[i]
                    : o.indices[i - indices.length]));
            int m = Math.min(k, n);
            long[] idx = new long[m];
            float[] dist = new float[m];
            for (int j = 0; j < m; j++) {
                int i = order[j];
                idx[j] = i < indices.length ? indices[i] : o.indices[i - indices.length];
                dist[j] = i < indices.length ? distances[i] : o.distances[i - indices.length];
            }
            return new Candidates(idx, dist);
        }
    }

    /**
     * Each image's {@code k} nearest other images, exact.
     *
     * @param spark      the session
     * @param embeddings a table in {@link #SCHEMA} (e.g. from {@link #embed}); all vectors of one length
     * @param k          neighbours per image, at least 1 and below the number of images
     * @param metric     the distance
     * @return one row per image in {@link #NEIGHBOURS}
     * @throws IllegalArgumentException if {@code k} is out of range or the vectors' lengths differ
     */
    public static org.apache.spark.sql.Dataset<Row> neighbours(SparkSession spark,
            org.apache.spark.sql.Dataset<Row> embeddings, int k, Metric metric) {
        long n = embeddings.count();
        if (k < 1 || k >= n) {
            throw new IllegalArgumentException("k must be from 1 to " + (n - 1) + " (the other images), found " + k);
        }
        JavaRDD<Block> blocks = embeddings.select(ImageTable.INDEX, "vector").javaRDD().mapPartitions(rows -> {
            List<Long> idx = new ArrayList<>();
            List<float[]> vecs = new ArrayList<>();
            int dim = -1;
            while (rows.hasNext()) {
                Row r = rows.next();
                List<Float> v = r.getList(1);
                if (dim < 0) {
                    dim = v.size();
                } else if (v.size() != dim) {
                    throw new IllegalArgumentException("image " + r.getLong(0) + " has a vector of " + v.size()
                            + " values, others " + dim);
                }
                float[] f = new float[v.size()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = v.get(i);
                }
                idx.add(r.getLong(0));
                vecs.add(f);
            }
            if (idx.isEmpty()) {
                return List.<Block>of().iterator();
            }
            float[] flat = new float[idx.size() * dim];
            for (int i = 0; i < vecs.size(); i++) {
                System.arraycopy(vecs.get(i), 0, flat, i * dim, dim);
            }
            return List.of(new Block(idx.stream().mapToLong(Long::longValue).toArray(), flat, dim)).iterator();
        }).cache();
        JavaPairRDD<Long, Candidates> partial = blocks.cartesian(blocks).flatMapToPair(pair -> {
            Block q = pair._1();
            Block d = pair._2();
            if (q.dim() != d.dim()) {
                throw new IllegalArgumentException("vectors of " + q.dim() + " and " + d.dim() + " values in one table");
            }
            int dn = d.indices().length;
            int want = Math.min(dn, k + 1); // one more: the query itself may be among them
            List<Tuple2<Long, Candidates>> out = new ArrayList<>();
            try (INDArray data = Nd4j.createFromArray(d.vectors()).reshape('c', dn, d.dim());
                 INDArray queries = Nd4j.createFromArray(q.vectors()).reshape('c', q.indices().length, q.dim())) {
                Neighbours nb = ExactKnn.of(data).withMetric(metric).search(queries, want);
                for (int i = 0; i < q.indices().length; i++) {
                    long self = q.indices()[i];
                    List<Long> idx = new ArrayList<>();
                    List<Float> dist = new ArrayList<>();
                    for (int j = 0; j < want; j++) {
                        long other = d.indices()[nb.indices()[i][j]];
                        if (other != self) {
                            idx.add(other);
                            dist.add(nb.distances()[i][j]);
                        }
                    }
                    float[] df = new float[dist.size()];
                    for (int j = 0; j < df.length; j++) {
                        df[j] = dist.get(j);
                    }
                    out.add(new Tuple2<>(self, new Candidates(idx.stream().mapToLong(Long::longValue).toArray(), df)
                            .merge(new Candidates(new long[0], new float[0]), k)));
                }
            }
            return out.iterator();
        });
        JavaRDD<Row> rows = partial.reduceByKey((a, b) -> a.merge(b, k)).map(t -> {
            Long[] idx = Arrays.stream(t._2().indices()).boxed().toArray(Long[]::new);
            Float[] dist = new Float[t._2().distances().length];
            for (int j = 0; j < dist.length; j++) {
                dist[j] = t._2().distances()[j];
            }
            return RowFactory.create(t._1(), idx, dist);
        });
        return spark.createDataFrame(rows, NEIGHBOURS);
    }

    @Override
    public Integer call() throws Exception {
        Metric m = switch (metric.toLowerCase(java.util.Locale.ROOT)) {
            case "l2" -> Metric.L2;
            case "cosine" -> Metric.COSINE;
            default -> throw new IllegalArgumentException("--metric takes l2 or cosine, found " + metric);
        };
        SparkSession spark = job.session("cnnviz embeddings");
        org.apache.spark.sql.Dataset<Row> vectors = embed(spark, job.model(), job.images(spark), layer, batch).cache();
        vectors.write().mode(SaveMode.Overwrite).parquet(out);
        System.out.println("embeddings: " + vectors.count() + " images -> " + out);
        if (neighbours != null) {
            String to = neighboursOut != null ? neighboursOut : out.replaceAll("/+$", "") + "-knn";
            neighbours(spark, vectors, neighbours, m).write().mode(SaveMode.Overwrite).parquet(to);
            System.out.println("neighbours: k = " + neighbours + " (" + m + ") -> " + to);
        }
        return 0;
    }

    /**
     * The {@code spark-submit} entry point.
     *
     * @param args the options ({@code --help} lists them)
     */
    public static void main(String[] args) {
        System.exit(JobOptions.execute(new EmbeddingJob(), args));
    }
}
