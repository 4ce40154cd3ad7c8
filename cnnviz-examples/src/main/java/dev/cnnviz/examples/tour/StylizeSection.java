package dev.cnnviz.examples.tour;

import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.inspect.Activations;
import dev.cnnviz.core.optim.GramMatrix;
import dev.cnnviz.core.render.Resample;
import dev.cnnviz.core.render.TileGrid;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The style page: the style representation of Gatys, Ecker and Bethge (the Gram matrices of a layer's feature maps)
 * of the tour's image at three depths. The style techniques (texture synthesis and style transfer, package
 * {@code dev.cnnviz.core.style}) add their figures to this page as further steps.
 */
public final class StylizeSection implements TourSection {
    /** The most channels of a Gram matrix drawn. */
    static final int MAX_CHANNELS = 64;

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
        return "Style transfer and texture synthesis (Gatys et al. 2016) match the Gram matrices of feature maps: "
                + "which channels fire together, wherever they fire. This page shows those matrices for the image; "
                + "the style techniques of <code>dev.cnnviz.core.style</code> add their figures here, each a step of "
                + "<code>StylizeSection</code>.";
    }

    @Override
    public List<TourStep> steps(TourContext ctx) {
        return List.of(new TourStep("gram matrices", () -> {
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
        }));
    }
}
