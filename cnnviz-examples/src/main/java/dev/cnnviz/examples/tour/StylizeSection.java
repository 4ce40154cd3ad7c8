package dev.cnnviz.examples.tour;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Stylization;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.inspect.Activations;
import dev.cnnviz.core.optim.GramMatrix;
import dev.cnnviz.core.render.Resample;
import dev.cnnviz.core.render.TileGrid;
import dev.cnnviz.core.style.GatysStyle;
import dev.cnnviz.core.style.TextureSynthesis;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The style page: the style representation of Gatys, Ecker and Bethge (the Gram matrices of a layer's feature maps)
 * of the tour's image at three depths, texture synthesis from those Gram matrices with more and deeper layers
 * ({@link TextureSynthesis}), and style transfer of the image in the style of a painting ({@link GatysStyle}) when the
 * model takes colour images of at least {@value #MIN_STYLE_SIDE} pixels and a painting was given
 * ({@link TourContext#withStyle}).
 *
 * <p>On the shared SqueezeNet both use its layers and weights of the CS231n assignment (GatysStyle's defaults). On
 * any other model the layers are spatial layers of the tour ({@link TourContext#spatialLayers()}) and each loss
 * term's weight is set so that the term is {@value #TERM_SCALE} at the starting noise, every layer counting alike.
 * The texture's example is the painting if one was given, else the tour's image. On small-input models (the
 * embedded 28-pixel grey one) the page shows the Gram matrices only and says why: a texture needs hundreds of
 * steps, beyond the tour's three minutes, and style transfer a colour model.
 */
public final class StylizeSection implements TourSection {
    /** The most channels of a Gram matrix drawn. */
    static final int MAX_CHANNELS = 64;
    /** The smallest input side on which the page runs style transfer. */
    static final int MIN_STYLE_SIDE = 64;
    /** What each loss term is scaled to at the starting noise on models without known weights. */
    static final double TERM_SCALE = 1000;
    /** The side of a tile of the texture and style figures, in pixels. */
    private static final int TILE = 192;

    @Override
    public String name() {
        return "stylize";
    }

    @Override
    public String title() {
        return "Style: what a texture is to the network";
    }

    @Override
    public String intro() {
        return "Style transfer and texture synthesis (Gatys et al. 2015, 2016) match the Gram matrices of feature "
                + "maps: which channels fire together, wherever they fire. This page shows those matrices for the image, "
                + "textures synthesized from noise to match them at more and deeper layers, and the image painted in "
                + "the style of a painting (on colour models, given <code>--style</code>): the techniques of "
                + "<code>dev.cnnviz.core.style</code>, each a step of <code>StylizeSection</code>.";
    }

    @Override
    public List<TourStep> steps(TourContext ctx) {
        return List.of(new TourStep("gram matrices", () -> grams(ctx)), new TourStep("texture synthesis",
                () -> texture(ctx)), new TourStep("style transfer", () -> styleTransfer(ctx)));
    }

    private static Figure grams(TourContext ctx) {
        {
            Set<String> layers = new LinkedHashSet<>(List.of(ctx.earlyLayer(), ctx.middleLayer(), ctx.lateLayer()));
            List<BufferedImage> tiles = new ArrayList<>();
            List<String> captions = new ArrayList<>();
            for (String layer : layers) {
                Tensor a = Activations.of(ctx.model()).withLayer(layer).compute(ctx.image());
                int c = a.size(0);
                int k = Math.min(c, MAX_CHANNELS);
                float[] g;
                try (INDArray x = Nd4j.create(a.data(), new long[] {1, c, a.size(1), a.size(2)}, 'c');
                        INDArray gram = GramMatrix.of(x)) {
                    // The top-left k x k block, copied in row-major order and flattened (toFloatVector needs a vector).
                    g = gram.reshape(c, c).get(NDArrayIndex.interval(0, k), NDArrayIndex.interval(0, k)).dup('c')
                            .reshape((long) k * k).toFloatVector();
                }
                float max = 0;
                for (float v : g) {
                    max = Math.max(max, Math.abs(v));
                }
                float[] norm = new float[g.length];
                for (int i = 0; i < g.length; i++) {
                    norm[i] = max == 0 ? 0 : Math.abs(g[i]) / max;
                }
                BufferedImage img = Colormap.VIRIDIS.colorize(new Map2D(k, k, norm));
                tiles.add(Resample.nearest(img, 192, 192));
                captions.add(layer + " (" + k + " of " + c + " channels)");
            }
            return Figure.of("Gram matrices: the style representation", "Gatys, Ecker & Bethge 2016",
                    "G = F Fᵀ / (C·h·w) of " + String.join(", ", layers) + " on " + ctx.imageName()
                            + ", the first " + MAX_CHANNELS + " channels at most, |G| from 0 (dark) to its largest (yellow)",
                    TileGrid.grid(tiles, 3, 8, captions)).asWide();
        }
    }

    /** @return whether the model has the layers of GatysStyle's defaults (the shared SqueezeNet) */
    private static boolean squeezeNetLayers(Model m) {
        Graph g = m.graph();
        Set<String> names = new LinkedHashSet<>(GatysStyle.SQUEEZENET_STYLE_LAYERS);
        names.add(GatysStyle.SQUEEZENET_CONTENT_LAYER);
        return names.stream().allMatch(n -> g.nodes().stream().anyMatch(x -> x.name().equals(n)));
    }

    /** @return the texture's example and its name: the painting if one was given, else the image */
    private static Map.Entry<BufferedImage, String> example(TourContext ctx) {
        return ctx.style() != null ? Map.entry(ctx.style(), ctx.styleName()) : Map.entry(ctx.image(), ctx.imageName());
    }

    /** @return {@code image} enlarged or shrunk to {@value #TILE} pixels on its longer side */
    private static BufferedImage tile(BufferedImage image) {
        int side = Math.max(image.getWidth(), image.getHeight());
        int w = Math.max(1, image.getWidth() * TILE / side);
        int h = Math.max(1, image.getHeight() * TILE / side);
        return side < TILE / 2 ? Resample.nearest(image, w, h) : Resample.resize(image, w, h);
    }

    /** @return the style terms' values ("style:LAYER") at a run's first step, by layer */
    private static double[] startTerms(Stylization s, List<String> layers) {
        Map<String, Double> terms = s.history().get(0).terms();
        double[] out = new double[layers.size()];
        for (int i = 0; i < out.length; i++) {
            Double v = terms.get("style:" + layers.get(i));
            out[i] = v == null || !(v > 0) ? 1 : v;
        }
        return out;
    }

    private static Figure texture(TourContext ctx) {
        Model m = ctx.model();
        if (ctx.smallInput()) {
            return Figure.text("Texture synthesis", "Gatys, Ecker & Bethge 2015", "not run in the tour",
                    "Texture synthesis matches these Gram matrices from noise, one forward and backward pass per step, "
                            + "and needs hundreds of steps: on " + m.source() + " (" + m.inputSpec().height() + "×"
                            + m.inputSpec().width() + " grey input) 50 Adam steps on a 56-pixel texture of a mosaic of "
                            + "its bundled images still left noise, so the tour, held to three minutes, leaves it out. "
                            + "cnnviz texture --style FILE runs it on this model (a grey texture from the luminance), "
                            + "and the tour runs it on models with larger colour inputs, e.g. the shared SqueezeNet.");
        }
        Map.Entry<BufferedImage, String> ex = example(ctx);
        boolean squeeze = squeezeNetLayers(m);
        int side = 128;
        int steps = ctx.steps(60, 5);
        List<String> all;
        double[] weights;
        TextureSynthesis base = TextureSynthesis.of(m).withSize(side).withSteps(steps).withSeed(1);
        if (squeeze) {
            all = GatysStyle.SQUEEZENET_STYLE_LAYERS;
            weights = GatysStyle.DEFAULT_STYLE_WEIGHTS.stream().mapToDouble(Double::doubleValue).toArray();
        } else {
            all = new ArrayList<>(new LinkedHashSet<>(List.of(ctx.earlyLayer(), ctx.middleLayer(), ctx.lateLayer())));
            double[] ones = new double[all.size()];
            Arrays.fill(ones, 1);
            double[] start = startTerms(base.withLayers(all, ones).withSteps(0).synthesize(ex.getKey()), all);
            weights = new double[all.size()];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = TERM_SCALE / start[i];
            }
        }
        // The lecture's figure: the first layer only, then every layer.
        List<Integer> depths = new ArrayList<>(new LinkedHashSet<>(List.of(1, all.size())));
        List<BufferedImage> tiles = new ArrayList<>(List.of(tile(ex.getKey())));
        List<String> captions = new ArrayList<>(List.of("example: " + ex.getValue()));
        for (int d : depths) {
            List<String> layers = all.subList(0, d);
            Stylization t = base.withLayers(layers, Arrays.copyOf(weights, d)).synthesize(ex.getKey());
            BufferedImage img = t.image();
            if (m.inputSpec().preprocessing().order() == ChannelOrder.GREY) {
                img = grey(img);
            }
            tiles.add(tile(img));
            captions.add(d == 1 ? "Gram of the first layer" : "Gram of all " + d + " layers");
        }
        String w = squeeze ? "the CS231n assignment's weights " + GatysStyle.DEFAULT_STYLE_WEIGHTS
                : "each layer's weight making its term " + (int) TERM_SCALE + " at the start";
        return Figure.of("Texture synthesis", "Gatys, Ecker & Bethge 2015",
                String.format(Locale.ROOT, "%d×%d px from seeded noise (seed 1), %d L-BFGS steps matching the Gram "
                        + "matrices of %s of %s; %s%s", side, side, steps, String.join(", ", all), ex.getValue(), w,
                        m.inputSpec().preprocessing().order() == ChannelOrder.GREY
                                ? "; a grey model matches the example's luminance and gives grey textures" : ""),
                TileGrid.grid(tiles, tiles.size(), 8, captions)).asWide();
    }

    /** @return a grey model's texture (three equal planes) as a one-channel image */
    private static BufferedImage grey(BufferedImage rgb) {
        BufferedImage g = new BufferedImage(rgb.getWidth(), rgb.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        g.getGraphics().drawImage(rgb, 0, 0, null);
        return g;
    }

    private static Figure styleTransfer(TourContext ctx) {
        Model m = ctx.model();
        int c = m.inputSpec().channels();
        int side = Math.min(m.inputSpec().height(), m.inputSpec().width());
        if (c != 3 || m.inputSpec().preprocessing().order() == ChannelOrder.GREY || side < MIN_STYLE_SIDE) {
            return Figure.text("Style transfer", "Gatys, Ecker & Bethge 2016", "not run",
                    "Style transfer paints the image in the style of a painting by matching a colour network's Gram "
                            + "matrices; it needs a model taking colour images of at least " + MIN_STYLE_SIDE
                            + " pixels, and " + m.source() + " takes " + c + "-channel "
                            + (c == 1 ? "grey " : "") + m.inputSpec().height() + "×" + m.inputSpec().width()
                            + " images (the texture above is what its Gram matrices can show). Run the tour with "
                            + "--model on an ImageNet network, e.g. the shared SqueezeNet, and --style PAINTING.");
        }
        if (ctx.style() == null) {
            return Figure.text("Style transfer", "Gatys, Ecker & Bethge 2016", "not run",
                    "No painting given: run the tour with --style PAINTING (e.g. ../shared/images/starry_night.jpg) "
                            + "to paint " + ctx.imageName() + " in its style.");
        }
        int steps = ctx.steps(100, 10);
        int size = 192;
        GatysStyle g = GatysStyle.of(m).withSize(size).withSteps(steps);
        String how;
        if (squeezeNetLayers(m)) {
            how = "content " + GatysStyle.SQUEEZENET_CONTENT_LAYER + ", style " + String.join(", ",
                    GatysStyle.SQUEEZENET_STYLE_LAYERS) + " with the CS231n assignment's weights (content "
                    + GatysStyle.DEFAULT_CONTENT_WEIGHT + ", style " + GatysStyle.DEFAULT_STYLE_WEIGHTS + ", TV "
                    + GatysStyle.DEFAULT_TV + ")";
        } else {
            List<String> sp = ctx.spatialLayers();
            String content = sp.get(sp.size() / 4);
            List<String> styles = new ArrayList<>(new LinkedHashSet<>(List.of(sp.get(0), sp.get(sp.size() / 4),
                    sp.get(sp.size() / 2))));
            double[] ones = new double[styles.size()];
            Arrays.fill(ones, 1);
            GatysStyle probe = g.withContentLayer(content).withContentWeight(1).withStyleLayers(styles, ones)
                    .withInit(GatysStyle.Init.NOISE).withSteps(0);
            Stylization s0 = probe.stylize(ctx.image(), ctx.style());
            double[] start = startTerms(s0, styles);
            double[] w = new double[styles.size()];
            for (int i = 0; i < w.length; i++) {
                w[i] = TERM_SCALE / start[i];
            }
            Double c0 = s0.history().get(0).terms().get("content");
            double cw = c0 == null || !(c0 > 0) ? 1 : TERM_SCALE / c0;
            g = g.withContentLayer(content).withContentWeight(cw).withStyleLayers(styles, w);
            how = "content " + content + ", style " + String.join(", ", styles) + ", each term's weight making it "
                    + (int) TERM_SCALE + " at a noise start";
        }
        Stylization r = g.stylize(ctx.image(), ctx.style());
        List<BufferedImage> tiles = List.of(tile(ctx.image()), tile(ctx.style()), tile(r.image()));
        List<String> captions = List.of("content: " + ctx.imageName(), "style: " + ctx.styleName(),
                "Gatys style transfer");
        return Figure.of("Style transfer", "Gatys, Ecker & Bethge 2016",
                String.format(Locale.ROOT, "%s in the style of %s at %d px (longer side), %d L-BFGS steps from the "
                        + "content image; %s", ctx.imageName(), ctx.styleName(), size, steps, how),
                TileGrid.grid(tiles, 3, 8, captions)).asWide();
    }
}
