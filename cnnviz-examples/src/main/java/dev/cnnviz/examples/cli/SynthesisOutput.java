package dev.cnnviz.examples.cli;

import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the image-optimization commands ({@code visualize}, {@code invert}, {@code dream}) write for any
 * {@link Synthesis}: a progress bar or JSON lines while it runs, then the image ({@code --out}), a captioned panel
 * of start, result and loss curve ({@code --panel}), an animated GIF of the snapshots ({@code --gif}) and the final
 * input tensor as {@code .npy} ({@code --save-npy}).
 *
 * <pre>{@code
 * ProgressListener l = SynthesisOutput.listener(json, out, err);
 * Synthesis s = ClassVisualization.of(model).visualize(Target.classIndex(3), l);
 * SynthesisOutput.finishProgress(json, err);
 * SynthesisOutput.writeImage(s.image(), outPng);
 * SynthesisOutput.writePanel(start, s, "class 3", panelPng);
 * }</pre>
 */
public final class SynthesisOutput {
    private static final int TILE = 224;
    private static final int MARGIN = 12;
    private static final int CAPTION = 22;

    private SynthesisOutput() {
    }

    /**
     * @param json with {@code true}, one JSON line per step on {@code out}; otherwise the {@link ProgressBar} on
     *             {@code err} (steps, elapsed, ETA and the loss)
     * @return a listener that never stops the run
     */
    public static ProgressListener listener(boolean json, PrintWriter out, PrintWriter err) {
        if (json) {
            return step -> {
                out.println(jsonStep(step));
                out.flush();
                return true;
            };
        }
        return ProgressBar.steps(err, "");
    }

    /** Ends the progress bar's line (nothing for JSON output). */
    public static void finishProgress(boolean json, PrintWriter err) {
        if (!json) {
            err.println();
            err.flush();
        }
    }

    /** @return {@code {"step":k,"loss":...,"terms":{"name":value,...}}} */
    public static String jsonStep(OptimizationStep step) {
        StringBuilder sb = new StringBuilder("{\"step\":").append(step.step()).append(",\"loss\":")
                .append(Json.number(step.loss())).append(",\"terms\":{");
        boolean first = true;
        for (Map.Entry<String, Double> e : step.terms().entrySet()) {
            sb.append(first ? "" : ",").append(Json.string(e.getKey())).append(':').append(Json.number(e.getValue()));
            first = false;
        }
        return sb.append("}}").toString();
    }

    /** Writes an image as PNG, creating the parent directory. @throws IOException naming the file */
    public static void writeImage(BufferedImage image, Path file) throws IOException {
        createParent(file);
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException(file + ": no PNG writer for this image");
        }
    }

    /**
     * Writes the synthesis's input tensor {@code [N, C, H, W]} float32 as {@code .npy}.
     *
     * @throws IOException naming the file
     */
    public static void writeNpy(Synthesis s, Path file) throws IOException {
        createParent(file);
        Tensor t = s.input();
        long[] shape = new long[t.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.size(i);
        }
        try (INDArray a = Nd4j.create(t.data(), shape, DataType.FLOAT)) {
            ImageTensors.writeNpy(a, file);
        }
    }

    /**
     * Writes a panel: the start image, the result and the loss curve, each captioned, with a title.
     *
     * @param start the starting image (e.g. the first snapshot), or null to leave its tile out
     * @param title a title, e.g. the objective
     * @throws IOException naming the file
     */
    public static void writePanel(BufferedImage start, Synthesis s, String title, Path file) throws IOException {
        writePanel(start, "start", s, title, file);
    }

    /**
     * Writes a panel as {@link #writePanel(BufferedImage, Synthesis, String, Path)} does, with the first tile's caption
     * given (e.g. {@code "original"} for inversion and DeepDream, whose first tile is the user's photograph).
     *
     * @throws IOException naming the file
     */
    public static void writePanel(BufferedImage first, String firstCaption, Synthesis s, String title, Path file)
            throws IOException {
        writeImage(panel(first, firstCaption, s, title), file);
    }

    /** @return the panel {@link #writePanel} writes */
    public static BufferedImage panel(BufferedImage start, Synthesis s, String title) {
        return panel(start, "start", s, title);
    }

    /**
     * @param start        the first tile (the start, or the user's photograph), or null to leave it out
     * @param startCaption its caption, e.g. {@code "original"}
     * @return the panel {@link #writePanel(BufferedImage, String, Synthesis, String, Path)} writes
     */
    public static BufferedImage panel(BufferedImage start, String startCaption, Synthesis s, String title) {
        List<BufferedImage> tiles = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        if (start != null) {
            tiles.add(start);
            captions.add(startCaption);
        }
        tiles.add(s.image());
        captions.add("result after " + s.steps() + " steps" + (s.interrupted() ? " (stopped)" : ""));
        tiles.add(lossCurve(s.losses(), TILE, TILE));
        captions.add("loss (minimized)");
        int w = MARGIN + tiles.size() * (TILE + MARGIN);
        int h = CAPTION + MARGIN + TILE + CAPTION + MARGIN;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(fit(g, title == null ? s.provenance().describe() : title, w - 2 * MARGIN), MARGIN, CAPTION - 5);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            for (int i = 0; i < tiles.size(); i++) {
                int x = MARGIN + i * (TILE + MARGIN);
                g.drawImage(tiles.get(i), x, CAPTION + MARGIN / 2, TILE, TILE, null);
                g.drawString(fit(g, captions.get(i), TILE), x, CAPTION + MARGIN / 2 + TILE + 16);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    private static String fit(Graphics2D g, String s, int width) {
        String t = s;
        while (t.length() > 3 && g.getFontMetrics().stringWidth(t) > width) {
            t = t.substring(0, t.length() - 2);
        }
        return t.equals(s) ? s : t.substring(0, Math.max(0, t.length() - 1)) + "…";
    }

    /** @return a plot of the losses, axes labelled with the first, last, minimum and maximum */
    static BufferedImage lossCurve(double[] losses, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.GRAY);
            int left = 8;
            int top = 20;
            int right = width - 8;
            int bottom = height - 20;
            g.drawRect(left, top, right - left, bottom - top);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            if (losses.length == 0) {
                g.drawString("no steps", left + 4, top + 14);
                return img;
            }
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double v : losses) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            double span = hi > lo ? hi - lo : 1;
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(Locale.ROOT, "max %.4g", hi), left, top - 6);
            g.drawString(String.format(Locale.ROOT, "min %.4g  (%d steps)", lo, losses.length), left, bottom + 14);
            Path2D.Double path = new Path2D.Double();
            for (int i = 0; i < losses.length; i++) {
                double x = left + (losses.length == 1 ? 0 : (double) i / (losses.length - 1)) * (right - left);
                double y = bottom - (losses[i] - lo) / span * (bottom - top);
                if (i == 0) {
                    path.moveTo(x, y);
                } else {
                    path.lineTo(x, y);
                }
            }
            g.setColor(new Color(0x1f77b4));
            g.setStroke(new BasicStroke(1.5f));
            g.draw(path);
        } finally {
            g.dispose();
        }
        return img;
    }

    /**
     * Writes an animated GIF that loops forever, one frame per image.
     *
     * @param frames       at least one image (all drawn at the first one's size)
     * @param delayMillis  the time each frame is shown
     * @throws IOException naming the file
     */
    public static void writeGif(List<BufferedImage> frames, int delayMillis, Path file) throws IOException {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("an animated GIF needs at least one frame, found none");
        }
        createParent(file);
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("gif");
        if (!writers.hasNext()) {
            throw new IOException(file + ": this Java runtime has no GIF writer");
        }
        ImageWriter writer = writers.next();
        int w = frames.get(0).getWidth();
        int h = frames.get(0).getHeight();
        Files.deleteIfExists(file);
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(file.toFile())) {
            if (ios == null) {
                throw new IOException(file + ": cannot open for writing");
            }
            writer.setOutput(ios);
            writer.prepareWriteSequence(null);
            for (int i = 0; i < frames.size(); i++) {
                BufferedImage frame = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = frame.createGraphics();
                g.drawImage(frames.get(i), 0, 0, w, h, null);
                g.dispose();
                IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), null);
                String format = meta.getNativeMetadataFormatName();
                IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
                IIOMetadataNode gce = child(root, "GraphicControlExtension");
                gce.setAttribute("disposalMethod", "none");
                gce.setAttribute("userInputFlag", "FALSE");
                gce.setAttribute("transparentColorFlag", "FALSE");
                gce.setAttribute("delayTime", Integer.toString(Math.max(1, delayMillis / 10)));
                gce.setAttribute("transparentColorIndex", "0");
                if (i == 0) {
                    IIOMetadataNode apps = child(root, "ApplicationExtensions");
                    IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
                    app.setAttribute("applicationID", "NETSCAPE");
                    app.setAttribute("authenticationCode", "2.0");
                    app.setUserObject(new byte[] {1, 0, 0});   // loop forever
                    apps.appendChild(app);
                }
                meta.setFromTree(format, root);
                writer.writeToSequence(new IIOImage(frame, null, meta), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }
}
