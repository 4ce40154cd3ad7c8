package dev.cnnviz.examples.report;

import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.render.ImageRow;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Writes one captioned row of images ({@link ImageRow}): the texture panel (a texture, then its syntheses with Gram
 * losses on more and more layers) and the style-transfer figure (a photograph and its stylizations), from PNGs
 * that {@code cnnviz texture} and {@code cnnviz stylize} wrote.
 *
 * <pre>
 *   java -cp ... dev.cnnviz.examples.report.StylePanel out.png "Texture synthesis" 160 \
 *       brick.png::brick.png brick-1.png::"conv1" brick-2.png::"conv1, fire2"
 * </pre>
 */
public final class StylePanel {
    private StylePanel() {
    }

    /**
     * @param args {@code OUT.png TITLE TILE_HEIGHT IMAGE::CAPTION...}
     * @throws IOException naming an image that cannot be read or the output that cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            throw new IllegalArgumentException("usage: StylePanel OUT.png TITLE TILE_HEIGHT IMAGE::CAPTION..., found "
                    + List.of(args));
        }
        List<BufferedImage> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            int k = args[i].indexOf("::");
            String file = k < 0 ? args[i] : args[i].substring(0, k);
            images.add(ImageIo.read(Path.of(file)));
            captions.add(k < 0 ? Path.of(file).getFileName().toString() : args[i].substring(k + 2).replace("\\n", "\n"));
        }
        BufferedImage row = ImageRow.of(images, captions, args[1], Integer.parseInt(args[2]));
        if (!ImageIO.write(row, "png", Path.of(args[0]).toFile())) {
            throw new IOException(args[0] + ": no PNG writer");
        }
    }
}
