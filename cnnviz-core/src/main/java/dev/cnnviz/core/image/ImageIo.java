package dev.cnnviz.core.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Locale;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Reading and writing images with {@code javax.imageio}, always handing out {@code TYPE_INT_RGB} images.
 *
 * <p><b>Conversion to RGB</b> ({@link #toRgb}): colour images are taken as their sRGB values
 * ({@link BufferedImage#getRGB}). Grey images (any grey colour space, 1 to 16 bits, with or without alpha) are
 * taken by their <em>raw sample values</em>, scaled to 8 bits ({@code round(v * 255 / (2^bits - 1))}) and
 * replicated into R, G and B: grey sample 128 becomes {@code 0x808080}, as Pillow, OpenCV and numpy read it
 * (Java's own {@code getRGB} treats grey as linear light and would brighten mid-tones). Transparent pixels are
 * <em>composited over white</em>: {@code c' = round(c * a + 255 * (1 - a))} with alpha {@code a} in [0, 1].
 * The EXIF orientation tag of JPEG files is ignored (as by Pillow's {@code Image.open}).
 *
 * <p><b>Errors</b>: every problem with a file is an {@link IOException} whose message names the file: missing
 * ({@link NoSuchFileException}), a directory, empty, not in a format ImageIO can decode, or corrupt.
 *
 * <pre>{@code
 * BufferedImage cat = ImageIo.read(Path.of("images/cat.jpg"));        // TYPE_INT_RGB
 * ImageIo.writePng(ImageResize.resize(cat, 224, 224), Path.of("out/cat224.png"));
 * }</pre>
 */
public final class ImageIo {
    private ImageIo() {}

    /**
     * Reads a PNG, JPEG, GIF or BMP file (any format ImageIO knows) as a {@code TYPE_INT_RGB} image; grey and
     * transparent images are converted as described in the class comment.
     *
     * <pre>{@code
     * BufferedImage img = ImageIo.read(Path.of("cat.jpg"));
     * INDArray x = ImageTensors.toBatch(img, model.inputSpec());
     * }</pre>
     *
     * @param file the image file
     * @return the decoded image, {@code TYPE_INT_RGB}
     * @throws NoSuchFileException if the file does not exist
     * @throws IOException         naming the file if it is a directory, empty, unreadable, not in a decodable
     *                             format, or corrupt
     */
    public static BufferedImage read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "image file not found");
        }
        if (Files.isDirectory(file)) {
            throw new IOException("Cannot read image " + file + ": it is a directory");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException("Cannot read image " + file + ": " + e, e);
        }
        return decode(bytes, file.toString());
    }

    /**
     * Reads an image from a stream (for example a class-path resource); the stream is read to its end but not
     * closed. Same conversions and errors as {@link #read(Path)}, naming {@code name}.
     *
     * <pre>{@code
     * try (InputStream in = MyTest.class.getResourceAsStream("digit.png")) {
     *     BufferedImage digit = ImageIo.read(in, "digit.png");
     * }
     * }</pre>
     *
     * @param in   the image bytes
     * @param name what to call the image in error messages
     * @return the decoded image, {@code TYPE_INT_RGB}
     * @throws IOException naming {@code name} if the stream is empty, not decodable or corrupt
     */
    public static BufferedImage read(InputStream in, String name) throws IOException {
        Objects.requireNonNull(in, "in");
        byte[] bytes;
        try {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IOException("Cannot read image " + name + ": " + e, e);
        }
        return decode(bytes, String.valueOf(name));
    }

    private static BufferedImage decode(byte[] bytes, String name) throws IOException {
        if (bytes.length == 0) {
            throw new IOException("Cannot read image " + name + ": the file is empty (0 bytes)");
        }
        BufferedImage img;
        ImageInputStream iis = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
        try {
            img = ImageIO.read(iis);
        } catch (IOException | RuntimeException e) {
            // ImageIO throws IIOException for corrupt files and sometimes runtime exceptions for malformed ones.
            throw new IOException("Cannot read image " + name + ": corrupt or unsupported image data (" + e + ")", e);
        } finally {
            try {
                iis.close();
            } catch (IOException alreadyClosed) {
                // ImageIO.read closes the stream when it decodes something; closing twice throws.
            }
        }
        if (img == null) {
            throw new IOException("Cannot read image " + name + ": not an image format ImageIO can decode"
                    + " (readers: " + String.join(", ", readerFormats()) + "; the file starts with "
                    + describeStart(bytes) + ")");
        }
        if (img.getWidth() < 1 || img.getHeight() < 1) {
            throw new IOException("Cannot read image " + name + ": it has no pixels (" + img.getWidth() + "x"
                    + img.getHeight() + ")");
        }
        return img.getType() == BufferedImage.TYPE_INT_RGB ? img : toRgb(img);
    }

    private static TreeSet<String> readerFormats() {
        TreeSet<String> names = new TreeSet<>();
        for (String n : ImageIO.getReaderFormatNames()) {
            names.add(n.toUpperCase(Locale.ROOT));
        }
        return names;
    }

    /** The first bytes as hex and printable text, e.g. {@code 93 4E 55 4D 50 59 ("?NUMPY")}. */
    static String describeStart(byte[] bytes) {
        int n = Math.min(8, bytes.length);
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int b = bytes[i] & 0xFF;
            hex.append(i == 0 ? "" : " ").append(String.format("%02X", b));
            text.append(b >= 32 && b < 127 ? (char) b : '?');
        }
        return hex + " (\"" + text + "\")";
    }

    /**
     * A new {@code TYPE_INT_RGB} copy of any image: grey images by their raw samples, alpha composited over
     * white (see the class comment for the formulas).
     *
     * <pre>{@code
     * BufferedImage rgb = ImageIo.toRgb(greyDigit);          // sample 128 -> 0x808080
     * int red = (rgb.getRGB(0, 0) >> 16) & 0xFF;
     * }</pre>
     *
     * @param image any image
     * @return a new {@code TYPE_INT_RGB} image of the same size (never {@code image} itself)
     */
    public static BufferedImage toRgb(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        int w = image.getWidth();
        int h = image.getHeight();
        int[] rgb = new int[w * h];
        ColorModel cm = image.getColorModel();
        if (cm instanceof ComponentColorModel && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            greyToRgb(image, cm, rgb);
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            boolean alpha = cm.hasAlpha();
            for (int i = 0; i < argb.length; i++) {
                int p = argb[i];
                int a = alpha ? p >>> 24 : 255;
                if (a == 255) {
                    rgb[i] = p & 0xFFFFFF;
                } else {
                    rgb[i] = (overWhite((p >> 16) & 0xFF, a, false) << 16) | (overWhite((p >> 8) & 0xFF, a, false) << 8)
                            | overWhite(p & 0xFF, a, false);
                }
            }
        }
        return ImageResize.fromRgbPixels(rgb, w, h);
    }

    private static void greyToRgb(BufferedImage image, ColorModel cm, int[] rgb) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster r = image.getRaster();
        int greyMax = (1 << cm.getComponentSize(0)) - 1;
        int[] grey = r.getSamples(0, 0, w, h, 0, (int[]) null);
        int[] alpha = null;
        int alphaMax = 1;
        if (cm.hasAlpha() && r.getNumBands() > 1) {
            alpha = r.getSamples(0, 0, w, h, r.getNumBands() - 1, (int[]) null);
            alphaMax = (1 << cm.getComponentSize(r.getNumBands() - 1)) - 1;
        }
        boolean premultiplied = cm.isAlphaPremultiplied();
        for (int i = 0; i < grey.length; i++) {
            int v = to8(grey[i], greyMax);
            if (alpha != null) {
                int a = to8(alpha[i], alphaMax);
                if (a != 255) {
                    v = overWhite(v, a, premultiplied);
                }
            }
            rgb[i] = (v << 16) | (v << 8) | v;
        }
    }

    private static int to8(int sample, int max) {
        return max == 255 ? sample & 0xFF : (int) Math.round(sample * 255.0 / max);
    }

    /** {@code c * a + 255 * (1 - a)} for alpha {@code a} in 0..255 ({@code c} already times alpha if premultiplied). */
    private static int overWhite(int c, int a, boolean premultiplied) {
        double alpha = a / 255.0;
        double v = premultiplied ? c + 255 * (1 - alpha) : c * alpha + 255 * (1 - alpha);
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /**
     * Writes an image as PNG, creating missing parent directories and replacing an existing file.
     *
     * <pre>{@code
     * ImageIo.writePng(ImageTensors.toImage(x, spec.preprocessing()), Path.of("out/input.png"));
     * BufferedImage back = ImageIo.read(Path.of("out/input.png"));
     * }</pre>
     *
     * @param image the image (any type the PNG writer accepts: RGB, ARGB, grey, indexed)
     * @param file  the destination
     * @throws IOException naming {@code file} if a directory or the file cannot be written
     */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(file, "file");
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out);
                boolean written = ImageIO.write(image, "png", ios);
                ios.close(); // flushes to out, does not close it
                if (!written) {
                    throw new IOException("no PNG writer accepts image type " + image.getType());
                }
            }
        } catch (IOException e) {
            throw new IOException("Cannot write PNG " + file + ": " + e, e);
        }
    }
}
