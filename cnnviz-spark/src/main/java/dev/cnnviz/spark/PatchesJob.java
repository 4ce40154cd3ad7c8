package dev.cnnviz.spark;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.inspect.MaxActivatingPatches;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Maximally activating patches over a dataset on Spark ({@link MaxActivatingPatches}, Zeiler and Fergus 2014):
 * every partition runs the single-JVM scan on its own images (a bounded top-k heap per channel, and the crops of
 * its own hits, with their guided-backprop views if asked), and the partitions' top-k lists are merged with
 * {@code treeAggregate}, keeping per channel the k strongest by activation, ties by the smaller dataset index: the
 * order of the single-JVM scan, so the result is the same. Only {@code channels · k} hits and their small crops
 * travel, whatever the dataset's size.
 *
 * <pre>{@code
 * MaxActivatingPatches.Result r = PatchesJob.scan(spark, bundle, images,
 *         MaxActivatingPatches.of(bundle.model()).withLayer("conv2").withChannels(0, 16).withTop(9));
 * ImageIO.write(r.grid(), "png", new File("patches.png"));
 * }</pre>
 */
@Command(name = "cnnviz-spark-patches", mixinStandardHelpOptions = true,
        description = "Finds each channel's top-k image patches over a folder or Parquet table; writes the grid as PNG "
                + "and the hits as a tab-separated table.")
public final class PatchesJob implements Callable<Integer> {
    /** The default depth of {@code treeAggregate}. */
    public static final int DEFAULT_DEPTH = 2;

    /** One hit and its crops, as PNG bytes. */
    private record Entry(int index, String id, int label, int y, int x, float activation, int[] box, byte[] patch,
            byte[] guided) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** Strongest first; among equal activations the smaller index first, as the single-JVM scan keeps them. */
    private static final Comparator<Entry> STRONGEST_FIRST = Comparator.comparingDouble((Entry e) -> -e.activation())
            .thenComparingInt(Entry::index);

    /** A partial result: per channel its top-k entries, strongest first; {@code layer == null} for the empty one. */
    private record Top(String layer, int[] channels, List<List<Entry>> rows, long scanned) implements Serializable {
        private static final long serialVersionUID = 1L;

        static final Top EMPTY = new Top(null, new int[0], List.of(), 0);

        Top merge(Top o, int k) {
            if (layer == null) {
                return o;
            }
            if (o.layer == null) {
                return this;
            }
            List<List<Entry>> merged = new ArrayList<>(rows.size());
            for (int c = 0; c < rows.size(); c++) {
                List<Entry> all = new ArrayList<>(rows.get(c));
                all.addAll(o.rows.get(c));
                all.sort(STRONGEST_FIRST);
                merged.add(new ArrayList<>(all.subList(0, Math.min(k, all.size()))));
            }
            return new Top(layer, channels, merged, scanned + o.scanned);
        }
    }

    @Mixin
    JobOptions job;

    @Option(names = "--layer", paramLabel = "NAME", description = "The layer (default: the last spatial layer).")
    String layer;

    @Option(names = "--channels", paramLabel = "FIRST:END", description = "Channels FIRST..END-1 (default: the first 16).")
    String channels;

    @Option(names = "--top", paramLabel = "K", defaultValue = "9", description = "Patches per channel (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--guided", description = "Also draw each patch's guided-backprop view.")
    boolean guided;

    @Option(names = "--out", required = true, paramLabel = "PNG", description = "The grid to write (a local .png file).")
    Path out;

    @Option(names = "--hits", paramLabel = "TSV", description = "Also write the hits (channel, rank, index, id, label, y, x, activation, box).")
    Path hits;

    /**
     * Scans a table of images with the options of a single-JVM {@link MaxActivatingPatches} (layer, channels, k,
     * batch size, guided backprop; its listener is not used), merging with a {@code treeAggregate} of depth
     * {@value #DEFAULT_DEPTH}.
     *
     * @param spark   the session
     * @param model   the model, broadcast once
     * @param images  a table in {@link ImageTable#SCHEMA}
     * @param options the scan's options, built on {@code model.model()} (only its settings travel)
     * @return what the single-JVM scan of the same images returns ({@link MaxActivatingPatches.Result#scanned()}
     *         is the table's size)
     * @throws ModelImportException     if the model cannot be loaded on the driver
     * @throws IllegalArgumentException if the layer is not spatial or the channels exceed it
     */
    public static MaxActivatingPatches.Result scan(SparkSession spark, ModelBundle model,
            org.apache.spark.sql.Dataset<Row> images, MaxActivatingPatches options) throws ModelImportException {
        try {
            // the layer's shape and the channel range checked on the driver, before any task: a scan of no images
            options.scan(new PartitionDataset(java.util.Collections.emptyIterator(), "no images"));
        } catch (IOException e) {
            throw new UncheckedIOException("unreachable: a scan of no images read nothing", e);
        }
        String layer = options.layer();
        int[] range = options.channels();
        int k = options.top();
        int batchSize = options.batchSize();
        boolean guidedBackprop = options.guidedBackprop();
        Broadcast<ModelBundle> shipped = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model);
        JavaRDD<Top> partial = images.javaRDD().mapPartitions(rows -> {
            Model m = shipped.value().model();
            MaxActivatingPatches p = MaxActivatingPatches.of(m).withLayer(layer).withTop(k).withBatchSize(batchSize)
                    .withGuidedBackprop(guidedBackprop);
            if (range[1] != 0) {
                p = p.withChannels(range[0], range[1]);
            }
            PartitionDataset ds = new PartitionDataset(rows, "a partition of the image table");
            MaxActivatingPatches.Result r = p.scan(ds);
            List<List<Entry>> out = new ArrayList<>();
            for (int c = 0; c < r.hits().size(); c++) {
                List<Entry> row = new ArrayList<>();
                for (int j = 0; j < r.hits().get(c).size(); j++) {
                    MaxActivatingPatches.Hit h = r.hits().get(c).get(j);
                    byte[] g = r.guided().get(c).isEmpty() ? null : ImageTable.png(r.guided().get(c).get(j));
                    row.add(new Entry(h.index(), h.id(), h.label(), h.y(), h.x(), h.activation(), h.box(),
                            ImageTable.png(r.patches().get(c).get(j)), g));
                }
                out.add(row);
            }
            return List.of(new Top(r.layer(), r.channels(), out, r.scanned())).iterator();
        });
        Top all = partial.treeAggregate(Top.EMPTY, (a, b) -> a.merge(b, k), (a, b) -> a.merge(b, k), DEFAULT_DEPTH);
        if (all.layer() == null) {
            throw new IllegalArgumentException("the image table is empty: no patches to find");
        }
        List<List<MaxActivatingPatches.Hit>> hits = new ArrayList<>();
        List<List<BufferedImage>> patches = new ArrayList<>();
        List<List<BufferedImage>> guided = new ArrayList<>();
        for (List<Entry> row : all.rows()) {
            List<MaxActivatingPatches.Hit> h = new ArrayList<>();
            List<BufferedImage> p = new ArrayList<>();
            List<BufferedImage> g = new ArrayList<>();
            for (Entry e : row) {
                h.add(new MaxActivatingPatches.Hit(e.index(), e.id(), e.label(), e.y(), e.x(), e.activation(), e.box()));
                p.add(decode(e.patch()));
                if (e.guided() != null) {
                    g.add(decode(e.guided()));
                }
            }
            hits.add(h);
            patches.add(p);
            guided.add(g);
        }
        return new MaxActivatingPatches.Result(all.layer(), all.channels(), hits, patches, guided,
                (int) Math.min(Integer.MAX_VALUE, all.scanned()));
    }

    private static BufferedImage decode(byte[] png) {
        try {
            return ImageIo.toRgb(ImageIo.read(new ByteArrayInputStream(png), "a patch"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode a patch this job encoded", e);
        }
    }

    @Override
    public Integer call() throws Exception {
        ImageIo.checkPngName(out);
        SparkSession spark = job.session("cnnviz patches");
        ModelBundle bundle = job.model();
        MaxActivatingPatches p = MaxActivatingPatches.of(bundle.model()).withTop(top).withBatchSize(batch)
                .withGuidedBackprop(guided);
        if (layer != null) {
            p = p.withLayer(layer);
        }
        if (channels != null) {
            String[] parts = channels.split(":");
            int first;
            int end;
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                first = Integer.parseInt(parts[0].strip());
                end = Integer.parseInt(parts[1].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--channels takes FIRST:END (two integers, e.g. 0:16), found '"
                        + channels + "'");
            }
            p = p.withChannels(first, end);
        }
        MaxActivatingPatches.Result r = scan(spark, bundle, job.images(spark), p);
        ImageIo.writePng(r.grid(), out);
        if (hits != null) {
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(hits, StandardCharsets.UTF_8))) {
                w.println("channel\trank\tindex\tid\tlabel\ty\tx\tactivation\tbox");
                for (int c = 0; c < r.hits().size(); c++) {
                    for (int j = 0; j < r.hits().get(c).size(); j++) {
                        MaxActivatingPatches.Hit h = r.hits().get(c).get(j);
                        w.println(r.channels()[c] + "\t" + j + "\t" + h.index() + "\t" + h.id() + "\t" + h.label() + "\t" + h.y()
                                + "\t" + h.x() + "\t" + h.activation() + "\t" + java.util.Arrays.toString(h.box()));
                    }
                }
            }
        }
        System.out.println("patches of " + r.layer() + ": " + r.channels().length + " channels x top " + top + " over "
                + r.scanned() + " images -> " + out + (hits != null ? ", hits -> " + hits : ""));
        return 0;
    }

    /**
     * The {@code spark-submit} entry point.
     *
     * @param args the options ({@code --help} lists them)
     */
    public static void main(String[] args) {
        System.exit(JobOptions.execute(new PatchesJob(), args));
    }
}
