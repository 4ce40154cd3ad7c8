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
 * <p>Heat maps are normalised min-max for CAMs; pixel-space maps (saliency, integrated gradients, …) are
 * scaled by their 98th percentile with the top 2% clipped, as Captum's {@code visualize_image_attr} does by
 * default ({@code outlier_perc=2}), because a few extreme pixels would otherwise wash the picture out. Signed
 * maps are scaled symmetrically around zero. The map is then upsampled bilinearly to the image.
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

    /** Percentage of extreme pixel-space values clipped in pictures (Captum's default outlier_perc). */
    public static final double OUTLIER_PERCENT = 2.0;

    /** @return the normalisation used for pictures. */
    public Normalization normalization() {
        boolean pixelSpace = attribution.rank() == 3;
        if (signed) {
            return pixelSpace ? Normalization.signedPercentile(OUTLIER_PERCENT) : Normalization.signed();
        }
        return pixelSpace ? Normalization.percentile(OUTLIER_PERCENT) : Normalization.minMax();
    }

    /**
     * @return RdBu for signed maps, INFERNO for non-negative pixel-space maps (bright on dark, like the saliency
     * figures of Simonyan et al.), JET for CAMs (like the Grad-CAM paper)
     */
    @Override
    public Colormap colormap() {
        if (signed) {
            return Colormap.RDBU_R;
        }
        return attribution.rank() == 3 ? Colormap.INFERNO : Colormap.JET;
    }

    /** Pixel-space maps blend by intensity, so that unimportant pixels leave the photograph visible. */
    private Overlay.AlphaMode alphaMode() {
        return attribution.rank() == 3 ? Overlay.AlphaMode.BY_INTENSITY : Overlay.AlphaMode.CONSTANT;
    }

    @Override
    public BufferedImage heatmap(Colormap colormap) {
        Map2D up = Resample.bilinear(normalization().apply(map), image.getHeight(), image.getWidth());
        return colormap.colorize(up);
    }

    @Override
    public BufferedImage overlay(BufferedImage onto, double alpha) {
        return Overlay.overlay(onto, normalization().apply(map), colormap(), alpha, alphaMode());
    }

    @Override
    public BufferedImage panel() {
        return panelBuilder().render();
    }

    /** @return the panel builder, to change colour map, tile size or caption before rendering. */
    public Panel panelBuilder() {
        return Panel.of(image)
                .heatmap(map, colormap())
                .normalization(normalization())
                .alphaMode(alphaMode())
                .titles("input", provenance.method(), "overlay")
                .caption(provenance.describe() + " · " + target.describe());
    }

    @Override
    public Path save(Path png) throws IOException {
        return panelBuilder().save(png);
    }

    /**
     * One line for JShell and logs: the method and layer, the target with its score and probability, the map's size
     * and range, and the raw attribution's shape, e.g. {@code "Explanation[Grad-CAM · relu3, class 9 Ankle boot ·
     * score 6.124 · p=0.959, map 7x7 in [0, 3.41], attribution Tensor[7, 7]]"}.
     *
     * @return the description (never the values)
     */
    @Override
    public String toString() {
        return "Explanation[" + provenance.describe() + ", " + target.describe() + ", "
                + String.format(java.util.Locale.ROOT, "%smap %dx%d in [%.4g, %.4g]", signed ? "signed " : "", map.width(),
                        map.height(), map.min(), map.max())
                + ", attribution " + attribution + "]";
    }
}
