package dev.cnnviz.examples.tour;

import dev.cnnviz.core.embedding.EmbeddingSet;
import dev.cnnviz.core.embedding.Embeddings;
import dev.cnnviz.core.embedding.Neighbours;
import dev.cnnviz.core.embedding.Pooling;
import dev.cnnviz.core.embedding.Tsne;
import dev.cnnviz.core.inspect.Activations;
import dev.cnnviz.core.inspect.Filters;
import dev.cnnviz.core.inspect.MaxActivatingPatches;
import dev.cnnviz.core.inspect.ModelSummary;
import dev.cnnviz.core.render.ImageAtlas;
import dev.cnnviz.core.render.NeighboursFigure;
import dev.cnnviz.core.render.ScatterPlot;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The inspection page: what the network is (its summary) and what it has learned (first-layer filters, activation
 * maps, maximally activating patches over the dataset, the t-SNE of a late layer as a scatter plot and an atlas, and
 * nearest neighbours in feature space against pixel space), as CS231n's lecture on visualizing CNNs shows them.
 */
public final class InspectSection implements TourSection {
    private EmbeddingSet embedded;
    private double[][] layout;

    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String title() {
        return "Inspection: what the network is and what it has learned";
    }

    @Override
    public String intro() {
        return "The layers and their shapes, the weights of the first convolution, the activations an image causes, "
                + "the dataset patches that excite single channels most, and the geometry of a late layer's codes "
                + "over the dataset.";
    }

    @Override
    public List<TourStep> steps(TourContext ctx) {
        List<TourStep> s = new ArrayList<>();
        s.add(new TourStep("model summary", () -> Figure.text("Model summary", "",
                "output shape, parameters, FLOPs and receptive field per layer", ModelSummary.of(ctx.model()).table())));
        s.add(new TourStep("filters", () -> {
            Filters f = Filters.of(ctx.model()).withLimit(64);
            return Figure.of("First-layer filters", "Krizhevsky et al. 2012; Zeiler & Fergus 2014",
                    "layer " + f.layer() + " (" + f.kind().name().toLowerCase(Locale.ROOT) + "), weights "
                            + Arrays.toString(f.weights().shape()) + ", each tile from its smallest weight to its largest",
                    f.grid());
        }));
        s.add(new TourStep("activations (early)", () -> activations(ctx, ctx.earlyLayer(), false)));
        s.add(new TourStep("activations (late)", () -> activations(ctx, ctx.lateLayer(), true)));
        s.add(new TourStep("max-activating patches", () -> {
            String layer = ctx.middleLayer();
            int channels = (int) Math.min(8, ctx.shape(layer)[1]);
            int top = ctx.steps(8, 4);
            MaxActivatingPatches.Result r = MaxActivatingPatches.of(ctx.model()).withLayer(layer).withChannels(0, channels)
                    .withTop(top).scan(ctx.dataset());
            return Figure.of("Maximally activating patches", "Girshick et al. 2014; Zeiler & Fergus 2014",
                    "layer " + r.layer() + ", channels 0.." + (channels - 1) + " (rows), top " + top + " of "
                            + r.scanned() + " images (columns), each patch the unit's receptive field", r.grid()).asWide();
        }));
        s.add(new TourStep("t-SNE", () -> {
            double[][] xy = layout(ctx);
            return Figure.of("t-SNE of a late layer", "van der Maaten & Hinton 2008",
                    "layer " + embedded.layer() + " (" + embedded.dimension() + " values), " + embedded.size()
                            + " images, perplexity " + perplexity(ctx) + ", coloured by "
                            + (ctx.labels() == null ? "nothing (no labels)" : "true class"),
                    ScatterPlot.of(xy, embedded.labels(), embedded.classes()).withSize(560)
                            .withTitle("t-SNE of " + embedded.layer()).render());
        }));
        s.add(new TourStep("t-SNE atlas", () -> {
            double[][] xy = layout(ctx);
            int grid = Math.max(2, Math.min(20, (int) Math.ceil(Math.sqrt(xy.length))));
            int[] cells = ImageAtlas.assign(xy, grid, grid);
            List<BufferedImage> perCell = new ArrayList<>();
            for (int c : cells) {
                perCell.add(c >= 0 ? ctx.images().get(c) : null);
            }
            int tile = Math.max(24, Math.min(64, 640 / grid));
            return Figure.of("t-SNE atlas", "Karpathy's CNN codes; van der Maaten & Hinton 2008",
                    "the images snapped to a " + grid + "x" + grid + " grid by their t-SNE positions", 
                    ImageAtlas.render(grid, grid, perCell, tile));
        }));
        s.add(new TourStep("nearest neighbours", () -> neighbours(ctx)));
        return s;
    }

    private static Figure activations(TourContext ctx, String layer, boolean sorted) {
        Activations a = Activations.of(ctx.model()).withLayer(layer).withLimit(sorted ? 32 : 64).withSorted(sorted);
        return Figure.of("Activation maps", "Yosinski et al. 2015",
                "layer " + layer + " " + Arrays.toString(ctx.shape(layer)) + " on " + ctx.imageName() + ", "
                        + (sorted ? "the 32 most active channels" : "the first 64 channels") + ", each from its min to its max",
                a.grid(ctx.image()));
    }

    private int perplexity(TourContext ctx) {
        return Math.max(1, Math.min(30, (ctx.images().size() - 1) / 3));
    }

    private double[][] layout(TourContext ctx) throws IOException {
        if (layout == null) {
            embedded = Embeddings.of(ctx.model()).compute(ctx.dataset());
            layout = Tsne.defaults().withPerplexity(perplexity(ctx)).withIterations(ctx.steps(1000, 300)).withSeed(1)
                    .fit(embedded.vectors());
        }
        return layout;
    }

    private static Figure neighbours(TourContext ctx) throws IOException {
        int k = Math.min(8, ctx.images().size() - 1);
        int q = Math.min(6, ctx.images().size());
        Embeddings features = Embeddings.of(ctx.model());
        EmbeddingSet f = features.compute(ctx.dataset());
        EmbeddingSet p = features.withLayer(ctx.model().graph().inputName()).withPooling(Pooling.FLATTEN)
                .withL2Normalization(false).compute(ctx.dataset());
        Neighbours nf = f.neighbours(k);
        Neighbours np = p.neighbours(k);
        int[] labels = f.labels();
        List<BufferedImage> queries = ctx.images().subList(0, q);
        int[] queryLabels = Arrays.copyOf(labels, q);
        BufferedImage fig = NeighboursFigure.render(queries, queryLabels,
                List.of("nearest by " + f.layer(), "nearest in pixel space"),
                List.of(thumbs(ctx, nf, q), thumbs(ctx, np, q)),
                ctx.labels() == null ? null : List.of(labelsOf(nf, labels, q), labelsOf(np, labels, q)),
                ctx.smallInput() ? 48 : 64);
        return Figure.of("Nearest neighbours", "Krizhevsky et al. 2012",
                "the " + k + " nearest of " + ctx.images().size() + " images to each of the first " + q
                        + ", by the L2 distance of " + f.layer() + " (left) and of the pixels (right)", fig).asWide();
    }

    private static List<List<BufferedImage>> thumbs(TourContext ctx, Neighbours n, int q) {
        List<List<BufferedImage>> rows = new ArrayList<>();
        for (int i = 0; i < q; i++) {
            List<BufferedImage> row = new ArrayList<>();
            for (int j : n.indices()[i]) {
                row.add(ctx.images().get(j));
            }
            rows.add(row);
        }
        return rows;
    }

    private static int[][] labelsOf(Neighbours n, int[] labels, int q) {
        int[][] out = new int[q][];
        for (int i = 0; i < q; i++) {
            out[i] = Arrays.stream(n.indices()[i]).map(j -> labels[j]).toArray();
        }
        return out;
    }
}
