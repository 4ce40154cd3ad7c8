package dev.cnnviz.examples.cli;

import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.embedding.EmbeddingSet;
import dev.cnnviz.core.embedding.Embeddings;
import dev.cnnviz.core.embedding.ExactKnn;
import dev.cnnviz.core.embedding.HnswKnn;
import dev.cnnviz.core.embedding.Metric;
import dev.cnnviz.core.embedding.Neighbours;
import dev.cnnviz.core.embedding.Pca;
import dev.cnnviz.core.embedding.Pooling;
import dev.cnnviz.core.embedding.Tsne;
import dev.cnnviz.core.embedding.Umap;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.render.ImageAtlas;
import dev.cnnviz.core.render.NeighboursFigure;
import dev.cnnviz.core.render.ScatterPlot;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnnviz embed}: a layer's embeddings of a dataset, their neighbours, PCA, t-SNE and atlas. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        headerHeading = "",
        header = "Embed a dataset with a layer: nearest neighbours, PCA, t-SNE, image atlas.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Streams the dataset through the model in batches (inference only), keeps one vector per image from "
                + "--layer (globally average-pooled by default), then, by the mode given:",
            "  --neighbours K   each query's K nearest images (exact, or --hnsw) as a figure: query, neighbours by "
                + "the layer, neighbours in pixel space; --json: per query its neighbours' ids and distances",
            "  --pca N          N principal components, explained variance, the first two as a scatter plot",
            "  --tsne           Barnes-Hut t-SNE as a scatter plot coloured by label",
            "  --umap           UMAP (McInnes et al. 2018) as a scatter plot coloured by label",
            "  --atlas          with --tsne, --umap or --pca: the thumbnails snapped to a grid by the layout instead",
            "With no mode, only --save-npy (and --json's summary). Ids are dataset indices (Fashion-MNIST: of the "
                + "split) or, for a folder, relative paths. A progress bar goes to stderr.",
            "",
            "Without --model: the embedded Fashion-MNIST CNN and the Fashion-MNIST test split."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  cnnviz embed --tsne --out tsne.png",
            "  cnnviz embed --tsne --atlas --limit 3000 --out atlas.png",
            "  cnnviz embed --umap --limit 5000 --out umap.png",
            "  cnnviz embed --neighbours 8 --query shoe.png --json",
            "  cnnviz embed --pca 10 --fashion-mnist --split all --save-npy fmnist-gap.npy",
            "  cnnviz embed --model squeezenet1.1.onnx --preprocess caffe-bgr --images photos/ \\",
            "      --layer concat_fire9/concat_1 --neighbours 5"})
public final class EmbedCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    DatasetOptions datasetOptions;

    @Option(names = {"-l", "--layer"}, paramLabel = "NAME",
            description = "The layer to embed (see 'cnnviz summary'). Default: the input of the class-score layer.")
    String layer;

    @Option(names = "--pooling", paramLabel = "P", defaultValue = "avg",
            description = "How a spatial layer becomes a vector: avg, max or flatten.")
    String pooling;

    @Option(names = "--l2", description = "L2-normalise each embedding.")
    boolean l2;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "Images per forward pass (1 to 4096).")
    int batch;

    @Option(names = "--neighbours", paramLabel = "K", description = "Nearest neighbours of each query (1 to 100).")
    Integer neighbours;

    @Option(names = "--query", paramLabel = "FILE",
            description = "A query image for --neighbours (repeatable). Default: the first 8 images of the dataset, "
                    + "each excluded from its own neighbours.")
    List<Path> queries;

    @Option(names = "--metric", paramLabel = "M", defaultValue = "l2", description = "--neighbours distance: l2 or cosine.")
    String metric;

    @Option(names = "--hnsw", description = "--neighbours with an HNSW index instead of the exact search; prints its "
            + "recall against the exact answer on stderr.")
    boolean hnsw;

    @Option(names = "--pca", paramLabel = "N", description = "Principal components to compute (1 to the dimension).")
    Integer pca;

    @Option(names = "--tsne", description = "Barnes-Hut t-SNE to 2-D.")
    boolean tsne;

    @Option(names = "--umap", description = "UMAP to 2-D (Tag.bio's Java port of umap-learn).")
    boolean umap;

    @Option(names = "--umap-neighbours", paramLabel = "K", defaultValue = "15",
            description = "--umap neighbourhood size (2 to 200).")
    int umapNeighbours;

    @Option(names = "--min-dist", paramLabel = "D", defaultValue = "0.1", description = "--umap minimum distance (0 to 1).")
    double minDist;

    @Option(names = "--perplexity", paramLabel = "P", defaultValue = "30", description = "--tsne perplexity.")
    double perplexity;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "1000", description = "--tsne iterations.")
    int iterations;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "--tsne and --umap seed.")
    long seed;

    @Option(names = "--atlas", description = "With --tsne, --umap or --pca: draw the image atlas instead of the scatter plot.")
    boolean atlas;

    @Option(names = "--grid", paramLabel = "N", defaultValue = "30", description = "--atlas: cells per side (1 to 200).")
    int grid;

    @Option(names = "--tile", paramLabel = "PX", description = "Thumbnail side in pixels (atlas, neighbours). "
            + "Default: the model's input size, at most 64 in the atlas and at least 48 in the neighbours figure.")
    Integer tile;

    @Option(names = "--out", paramLabel = "PNG",
            description = "The picture. Default: neighbours.png, pca.png, tsne.png, umap.png or atlas.png.")
    Path out;

    @Option(names = "--save-npy", paramLabel = "FILE",
            description = "Write the embeddings [N, D] as .npy, with NAME.labels.npy and NAME.ids.txt beside it.")
    Path saveNpy;

    /** The {@code --query} images, read before the dataset is scanned. */
    private List<BufferedImage> queryImages = List.of();

    @Option(names = "--json", description = "Print one JSON value per line on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        int modes = (neighbours != null ? 1 : 0) + (pca != null ? 1 : 0) + (tsne ? 1 : 0) + (umap ? 1 : 0);
        if (modes > 1) {
            throw new ParameterException(cmd, "give one of --neighbours, --pca, --tsne and --umap");
        }
        if (atlas && neighbours != null || atlas && modes == 0) {
            throw new ParameterException(cmd, "--atlas needs --tsne, --umap or --pca");
        }
        if (queries != null && neighbours == null) {
            throw new ParameterException(cmd, "--query applies only to --neighbours");
        }
        if (neighbours != null && (neighbours < 1 || neighbours > 100)) {
            throw new ParameterException(cmd, "--neighbours must be between 1 and 100, found " + neighbours);
        }
        if (grid < 1 || grid > 200) {
            throw new ParameterException(cmd, "--grid must be between 1 and 200, found " + grid);
        }
        if (tile != null && (tile < 8 || tile > 256)) {
            throw new ParameterException(cmd, "--tile must be between 8 and 256, found " + tile);
        }
        Pooling pool = switch (pooling.strip().toLowerCase(Locale.ROOT)) {
            case "avg", "average" -> Pooling.AVERAGE;
            case "max" -> Pooling.MAX;
            case "flatten" -> Pooling.FLATTEN;
            default -> throw new ParameterException(cmd, "--pooling must be avg, max or flatten, found '" + pooling + "'");
        };
        Metric m = switch (metric.strip().toLowerCase(Locale.ROOT)) {
            case "l2" -> Metric.L2;
            case "cosine" -> Metric.COSINE;
            default -> throw new ParameterException(cmd, "--metric must be l2 or cosine, found '" + metric + "'");
        };
        String mode = neighbours != null ? "neighbours" : pca != null ? "pca" : tsne ? "tsne" : umap ? "umap" : null;
        Path png = out != null ? out : mode == null ? null : Path.of((atlas ? "atlas" : mode) + ".png");
        OutputChecks checks = new OutputChecks(cmd).input("--model", modelOptions.model)
                .input("--labels", modelOptions.labels);
        if (queries != null) {
            for (Path q : queries) {
                checks.input("--query", q);
            }
        }
        checks.output("--out", png, ".png").output("--save-npy", saveNpy, ".npy");
        if (saveNpy != null) {
            String base = saveNpy.getFileName().toString();
            base = base.substring(0, base.length() - 4);
            checks.output("--save-npy (its labels)", saveNpy.resolveSibling(base + ".labels.npy"), ".npy")
                    .output("--save-npy (its ids)", saveNpy.resolveSibling(base + ".ids.txt"), ".txt");
        }
        if (out != null && mode == null) {
            throw new ParameterException(cmd, "--out needs a mode: --neighbours, --pca, --tsne or --umap");
        }

        Model model = modelOptions.load();
        Embeddings embeddings;
        try {
            embeddings = Embeddings.of(model).withPooling(pool).withL2Normalization(l2).withBatchSize(batch);
            if (layer != null) {
                embeddings = embeddings.withLayer(layer);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, (layer != null && !model.graph().contains(layer) ? "--layer: " : "")
                    + e.getMessage());
        }
        // Every check that the scan's result does not decide comes before the scan, which can take minutes.
        if (pca != null && (pca < 1 || pca > embeddings.dimension())) {
            throw new ParameterException(cmd, "--pca must be between 1 and " + embeddings.dimension()
                    + " (the dimension of " + embeddings.layer() + "), found " + pca);
        }
        Tsne tsneOptions = null;
        Umap umapOptions = null;
        try {
            if (tsne) {
                tsneOptions = Tsne.defaults().withPerplexity(perplexity).withIterations(iterations).withSeed(seed);
            }
            if (umap) {
                umapOptions = Umap.defaults().withNeighbours(umapNeighbours).withMinDist(minDist).withSeed(seed);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        queryImages = new ArrayList<>();
        if (queries != null) {
            for (Path q : queries) {
                queryImages.add(ImageIo.read(q));
            }
        }
        Dataset dataset = datasetOptions.open(modelOptions.isDefault());
        int fewest = tsneOptions != null ? tsneOptions.minimumPoints() : umapOptions != null
                ? umapOptions.minimumPoints() : 1;
        if (dataset.size() < fewest) {
            throw new ParameterException(cmd, (tsne ? "t-SNE with perplexity " + Json.number(perplexity)
                    : "UMAP with " + umapNeighbours + " neighbours") + " needs at least " + fewest + " images, found "
                    + dataset.size() + (tsne ? " (lower --perplexity)" : " (lower --umap-neighbours)"));
        }
        PrintWriter err = cmd.getErr();
        EmbeddingSet set = embeddings.compute(dataset, new ProgressBar(err, "embedding " + embeddings.layer()));
        PrintWriter stdout = cmd.getOut();
        List<Path> saved = saveNpy == null ? List.of() : set.save(saveNpy);
        int thumb = tile != null ? tile : Math.min(64, Math.max(model.inputSpec().width(), 16));
        if (neighbours != null) {
            neighbours(model, embeddings, dataset, set, m, png, stdout, err);
        } else if (pca != null) {
            Pca.Result r = set.pca(pca);
            if (json) {
                stdout.println("{\"layer\": " + Json.string(set.layer()) + ", \"components\": " + pca
                        + ", \"explainedVariance\": " + array(r.explainedVariance())
                        + ", \"explainedVarianceRatio\": " + array(r.explainedVarianceRatio()) + ", \"out\": "
                        + (pca >= 2 ? Json.string(png.toString()) : "null") + "}");
            } else {
                stdout.println("component  variance      ratio  cumulative");
                double cum = 0;
                for (int k = 0; k < pca; k++) {
                    cum += r.explainedVarianceRatio()[k];
                    stdout.println(String.format(Locale.ROOT, "%9d  %10.5g  %7.4f  %10.4f", k + 1,
                            r.explainedVariance()[k], r.explainedVarianceRatio()[k], cum));
                }
            }
            if (pca >= 2) {
                double[][] xy = new double[set.size()][];
                double[][] projected = r.project(set.vectors());
                for (int i = 0; i < xy.length; i++) {
                    xy[i] = new double[] {projected[i][0], projected[i][1]};
                }
                picture(xy, set, dataset, model, png, thumb,
                        String.format(Locale.ROOT, "PCA of %s (%d images): %.1f%% + %.1f%% of the variance",
                                set.layer(), set.size(), 100 * r.explainedVarianceRatio()[0],
                                100 * r.explainedVarianceRatio()[1]));
            } else {
                err.println("embed: --pca 1 has no 2-D picture; nothing written to " + png);
            }
        } else if (tsne) {
            Tsne t = tsneOptions;
            err.println("t-SNE of " + set.size() + " points (perplexity " + perplexity + ", " + iterations
                    + " iterations)...");
            double[][] xy;
            try {
                xy = t.fit(set.vectors());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, e.getMessage());
            }
            picture(xy, set, dataset, model, png, thumb, String.format(Locale.ROOT, "t-SNE of %s (%d images, "
                    + "perplexity %s)", set.layer(), set.size(), Json.number(perplexity)));
            if (json) {
                stdout.println("{\"layer\": " + Json.string(set.layer()) + ", \"points\": " + set.size()
                        + ", \"out\": " + Json.string(png.toString()) + "}");
            }
        } else if (umap) {
            Umap u = umapOptions;
            err.println("UMAP of " + set.size() + " points (" + umapNeighbours + " neighbours, min-dist "
                    + Json.number(minDist) + ")...");
            double[][] xy;
            try {
                xy = u.fit(set.vectors());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, e.getMessage());
            }
            picture(xy, set, dataset, model, png, thumb, String.format(Locale.ROOT, "UMAP of %s (%d images, "
                    + "%d neighbours)", set.layer(), set.size(), umapNeighbours));
            if (json) {
                stdout.println("{\"layer\": " + Json.string(set.layer()) + ", \"points\": " + set.size()
                        + ", \"out\": " + Json.string(png.toString()) + "}");
            }
        } else if (json) {
            stdout.println("{\"layer\": " + Json.string(set.layer()) + ", \"points\": " + set.size()
                    + ", \"dimension\": " + set.dimension() + ", \"npy\": "
                    + (saveNpy == null ? "null" : Json.string(saveNpy.toString())) + "}");
        } else {
            stdout.println(set.size() + " embeddings of " + set.dimension() + " values from " + set.layer()
                    + (saved.isEmpty() ? " (give --save-npy FILE to keep them)" : " written to " + saved));
        }
        if (!saved.isEmpty() && (mode != null)) {
            err.println("embed: embeddings written to " + saved);
        }
        if (png != null && !json) {
            stdout.println("wrote " + png);
        }
        stdout.flush();
        return 0;
    }

    private void picture(double[][] xy, EmbeddingSet set, Dataset dataset, Model model, Path png, int thumb,
            String title) throws java.io.IOException {
        BufferedImage image;
        if (atlas) {
            int[] cells = ImageAtlas.assign(xy, grid, grid);
            int[] used = Arrays.stream(cells).filter(c -> c >= 0).toArray();
            Batch b = dataset.select(used);
            List<BufferedImage> thumbs = b.images(model.inputSpec().preprocessing());
            List<BufferedImage> perCell = new ArrayList<>(cells.length);
            int k = 0;
            for (int c : cells) {
                perCell.add(c >= 0 ? thumbs.get(k++) : null);
            }
            image = ImageAtlas.render(grid, grid, perCell, thumb);
        } else {
            image = ScatterPlot.of(xy, set.labels(), set.classes()).withTitle(title).render();
        }
        ImageIo.writePng(image, png);
    }

    private void neighbours(Model model, Embeddings embeddings, Dataset dataset, EmbeddingSet set, Metric m, Path png,
            PrintWriter stdout, PrintWriter err) throws Exception {
        int k = neighbours;
        boolean external = queries != null;
        List<BufferedImage> queryImages = new ArrayList<>();
        List<String> queryNames = new ArrayList<>();
        int[] queryLabels;
        INDArray queryInput;
        int[] selfIndex;
        if (external) {
            queryImages = this.queryImages;  // read before the scan
            for (Path q : queries) {
                queryNames.add(q.toString());
            }
            queryInput = ImageTensors.toBatch(queryImages, model.inputSpec());
            queryLabels = new int[queries.size()];
            Arrays.fill(queryLabels, -1);
            selfIndex = null;
        } else {
            int q = Math.min(8, set.size());
            if (set.size() < k + 1) {
                throw new ParameterException(spec.commandLine(), "--neighbours " + k + " needs more than " + k
                        + " images; the dataset has " + set.size());
            }
            int[] idx = new int[q];
            for (int i = 0; i < q; i++) {
                idx[i] = i;
            }
            Batch b = dataset.select(idx);
            queryImages.addAll(b.images(model.inputSpec().preprocessing()));
            queryNames.addAll(b.ids());
            queryLabels = b.labels();
            queryInput = b.toInput(model.inputSpec());
            selfIndex = idx;
        }
        if (k > set.size()) {
            throw new ParameterException(spec.commandLine(), "--neighbours " + k + " is more than the "
                    + set.size() + " images of the dataset");
        }
        INDArray queryVectors = embeddings.embed(queryInput);
        Neighbours found = search(set.vectors(), queryVectors, k, m, selfIndex, err);
        Embeddings pixels = embeddings.withLayer(model.graph().inputName()).withPooling(Pooling.FLATTEN)
                .withL2Normalization(false);
        EmbeddingSet pixelSet = pixels.compute(dataset, new ProgressBar(err, "reading pixels"));
        Neighbours pixelFound = searchExact(pixelSet.vectors(), pixels.embed(queryInput), k, Metric.L2, selfIndex);
        if (json) {
            for (int q = 0; q < queryNames.size(); q++) {
                StringBuilder sb = new StringBuilder("{\"query\": ").append(Json.string(queryNames.get(q)))
                        .append(", \"layer\": ").append(Json.string(set.layer())).append(", \"metric\": ")
                        .append(Json.string(m.name().toLowerCase(Locale.ROOT))).append(", \"neighbours\": [");
                for (int j = 0; j < found.indices()[q].length; j++) {
                    int i = found.indices()[q][j];
                    sb.append(j == 0 ? "" : ", ").append("{\"id\": ").append(Json.string(set.ids().get(i)))
                            .append(", \"distance\": ").append(Json.floatNumber(found.distances()[q][j]))
                            .append(", \"label\": ").append(set.labels()[i] < 0 ? "null" : Integer.toString(set.labels()[i]))
                            .append('}');
                }
                stdout.println(sb.append("]}"));
            }
        } else {
            for (int q = 0; q < queryNames.size(); q++) {
                stdout.print(queryNames.get(q) + ":");
                for (int j = 0; j < found.indices()[q].length; j++) {
                    stdout.print(String.format(Locale.ROOT, " %s (%.4g)", set.ids().get(found.indices()[q][j]),
                            found.distances()[q][j]));
                }
                stdout.println();
            }
        }
        List<List<BufferedImage>> featureThumbs = thumbnails(dataset, model, found);
        List<List<BufferedImage>> pixelThumbs = thumbnails(dataset, model, pixelFound);
        int[] labels = set.labels();
        BufferedImage fig = NeighboursFigure.render(queryImages, queryLabels,
                List.of("nearest by " + set.layer() + (hnsw ? " (HNSW)" : ""), "nearest in pixel space"),
                List.of(featureThumbs, pixelThumbs),
                List.of(labelsOf(found, labels), labelsOf(pixelFound, labels)),
                tile != null ? tile : Math.max(48, model.inputSpec().width()));
        ImageIo.writePng(fig, png);
    }

    private Neighbours search(INDArray data, INDArray queryVectors, int k, Metric m, int[] selfIndex,
            PrintWriter err) {
        Neighbours exact = searchExact(data, queryVectors, k, m, selfIndex);
        if (!hnsw) {
            return exact;
        }
        int extra = selfIndex == null ? 0 : 1;
        Neighbours approx = HnswKnn.build(data, m).search(queryVectors, Math.min(k + extra, (int) data.size(0)));
        if (selfIndex != null) {
            approx = dropSelf(approx, selfIndex, k);
        }
        err.println(String.format(Locale.ROOT, "embed: HNSW recall@%d on these %d queries: %.3f", k,
                approx.queries(), approx.recallAgainst(exact)));
        return approx;
    }

    private static Neighbours searchExact(INDArray data, INDArray queryVectors, int k, Metric m, int[] selfIndex) {
        int extra = selfIndex == null ? 0 : 1;
        Neighbours n = ExactKnn.of(data).withMetric(m).search(queryVectors, Math.min(k + extra, (int) data.size(0)));
        return selfIndex == null ? n : dropSelf(n, selfIndex, k);
    }

    /** Removes each query's own index from its neighbours (dataset queries), keeping k. */
    private static Neighbours dropSelf(Neighbours n, int[] selfIndex, int k) {
        int[][] idx = new int[n.queries()][];
        float[][] dist = new float[n.queries()][];
        for (int q = 0; q < n.queries(); q++) {
            int[] keepIdx = new int[k];
            float[] keepDist = new float[k];
            int t = 0;
            for (int j = 0; j < n.indices()[q].length && t < k; j++) {
                if (n.indices()[q][j] != selfIndex[q]) {
                    keepIdx[t] = n.indices()[q][j];
                    keepDist[t++] = n.distances()[q][j];
                }
            }
            idx[q] = Arrays.copyOf(keepIdx, t);
            dist[q] = Arrays.copyOf(keepDist, t);
        }
        return new Neighbours(n.metric(), idx, dist);
    }

    private static List<List<BufferedImage>> thumbnails(Dataset dataset, Model model, Neighbours n)
            throws java.io.IOException {
        int[] all = Arrays.stream(n.indices()).flatMapToInt(Arrays::stream).toArray();
        List<BufferedImage> images = dataset.select(all).images(model.inputSpec().preprocessing());
        List<List<BufferedImage>> rows = new ArrayList<>();
        int p = 0;
        for (int[] row : n.indices()) {
            rows.add(images.subList(p, p + row.length));
            p += row.length;
        }
        return rows;
    }

    private static int[][] labelsOf(Neighbours n, int[] labels) {
        int[][] out = new int[n.queries()][];
        for (int q = 0; q < n.queries(); q++) {
            out[q] = Arrays.stream(n.indices()[q]).map(i -> labels[i]).toArray();
        }
        return out;
    }

    private static String array(double[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(Json.number(values[i]));
        }
        return sb.append(']').toString();
    }
}
