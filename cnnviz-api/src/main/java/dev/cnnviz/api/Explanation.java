package dev.cnnviz.api;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The result of an {@link Attribution}: the raw attribution, the 2-D map people look at, the target, and
 * the provenance; it renders itself.
 *
 * <ul>
 *   <li>{@link #attribution()} is the raw, unnormalised result: for pixel methods it has the input's shape
 *       {@code [C, H, W]}; for CAM methods it is the {@code [h, w]} map at the layer's resolution.</li>
 *   <li>{@link #map()} is the 2-D map: for pixel methods the method's reduction over channels (for saliency
 *       the maximum of |gradient| over channels, as in Simonyan et al.), for CAMs the map itself.</li>
 * </ul>
 *
 * <pre>{@code
 * Explanation e = GradCam.of(model).explain(image, 285);
 * ImageIO.write(e.overlay(image, 0.5), "png", new File("overlay.png"));
 * e.save(Path.of("gradcam.png"));   // original | heat map | overlay, with a caption
 * }</pre>
 */
public interface Explanation {

    /** @return the raw attribution ({@code [C,H,W]} for pixel methods, {@code [h,w]} for CAMs). */
    Tensor attribution();

    /** @return the 2-D map at the attribution's resolution. */
    Map2D map();

    /**
     * @return whether the 2-D {@link #map()} is signed (e.g. integrated gradients, input × gradient) and is shown
     * with a diverging colour map centred on zero; false for non-negative maps (saliency, CAMs)
     */
    boolean signed();

    /** @return the resolved target. */
    ResolvedTarget target();

    /** @return the method, options, layer, seed and model. */
    Provenance provenance();

    /** @return the image that was explained, as the model saw it (after resizing, before preprocessing). */
    BufferedImage image();

    /** @return the map, normalised and coloured with {@code colormap}, at the image's resolution. */
    BufferedImage heatmap(Colormap colormap);

    /**
     * @return the colour map pictures use by default: {@link Colormap#RDBU_R} for signed maps,
     * {@link Colormap#JET} for non-negative maps
     */
    default Colormap colormap() {
        return signed() ? Colormap.RDBU_R : Colormap.JET;
    }

    /** @return the map coloured with {@link #colormap()}. */
    default BufferedImage heatmap() {
        return heatmap(colormap());
    }

    /**
     * @param image the picture to draw on (resized to it if needed)
     * @param alpha the heat map's weight in [0, 1]
     * @return the coloured map alpha-blended over {@code image}
     */
    BufferedImage overlay(BufferedImage image, double alpha);

    /** @return the coloured map blended over {@link #image()} with weight {@code alpha}. */
    default BufferedImage overlay(double alpha) {
        return overlay(image(), alpha);
    }

    /** @return a side-by-side panel: image, heat map with colour bar, overlay, and a caption. */
    BufferedImage panel();

    /**
     * Writes {@link #panel()} as a PNG file (creating parent directories).
     *
     * @return the file written
     * @throws IllegalArgumentException naming the file if its name does not end in {@code .png}
     * @throws IOException              naming the file if it cannot be written
     */
    Path save(Path png) throws IOException;
}
