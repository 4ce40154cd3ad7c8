package dev.cnnviz.core.attribution;

import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.ResolvedTarget;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.render.Normalization;
import dev.cnnviz.core.render.Overlay;
import dev.cnnviz.core.render.Panel;
import dev.cnnviz.core.render.Resample;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The {@link Explanation} every cnnviz method returns: raw attribution, 2-D map, target, provenance and the
 * image as the model saw it; rendering goes through {@link dev.cnnviz.core.render}.
 *
 * <p>Heat maps are normalised min-max for non-negative maps (CAMs, saliency) and symmetrically around zero
 * for signed maps (integrated gradients, input × gradient), then upsampled bilinearly to the image.
 *
 * @param attribution the raw attribution ({@code [C,H,W]} or {@code [h,w]})
 * @param map         the 2-D map
 * @param signed      whether the map is signed
 * @param target      the resolved target
 * @param provenance  method, options, layer, seed, model
 * @param image       the image as the model saw it
 */
public record ExplanationResult(Tensor attribution, Map2D map, boolean signed, ResolvedTarget target,
        Provenance provenance, BufferedImage image) implements Explanation {

    /** Validates. */
    public ExplanationResult {
        if (attribution == null || map == null || target == null || provenance == null || image == null) {
            throw new IllegalArgumentException("an explanation needs its attribution, map, target, provenance and image");
        }
    }

    /** @return the normalisation used for pictures. */
    public Normalization normalization() {
        return signed ? Normalization.signed() : Normalization.minMax();
    }

    @Override
    public BufferedImage heatmap(Colormap colormap) {
        Map2D up = Resample.bilinear(normalization().apply(map), image.getHeight(), image.getWidth());
        return colormap.colorize(up);
    }

    @Override
    public BufferedImage overlay(BufferedImage onto, double alpha) {
        Colormap cmap = signed ? Colormap.RDBU_R : Colormap.JET;
        return Overlay.overlay(onto, normalization().apply(map), cmap, alpha);
    }

    @Override
    public BufferedImage panel() {
        return panelBuilder().render();
    }

    /** @return the panel builder, to change colour map, tile size or caption before rendering. */
    public Panel panelBuilder() {
        return Panel.of(image)
                .heatmap(map, signed ? Colormap.RDBU_R : Colormap.JET)
                .normalization(normalization())
                .titles("input", provenance.method(), "overlay")
                .caption(provenance.describe() + " · " + target.describe());
    }

    @Override
    public Path save(Path png) throws IOException {
        return panelBuilder().save(png);
    }

    @Override
    public String toString() {
        return "Explanation[" + provenance.describe() + ", " + target.describe() + ", attribution " + attribution + "]";
    }
}
