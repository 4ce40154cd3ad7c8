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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
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
 * (Java's own {@code getRGB} treats grey as linear light and would brighten mid-tones).
 *
 * <p><b>Alpha</b> is handled one way only: transparent pixels are <em>composited over white</em>,
 * {@code c' = round(c * a + 255 * (1 - a))} with alpha {@code a} in [0, 1] (premultiplied grey-alpha:
 * {@code c' = round(c + 255 * (1 - a))}); a fully transparent pixel becomes white, whatever its colour. The
 * alpha channel itself is dropped. The EXIF orientation tag of JPEG files is ignored (as by Pillow's
 * {@code Image.open}).
 *
 * <p><b>Untrusted files</b>: reading is bounded and strict, so that a hostile or damaged file gives an
 * {@link IOException} rather than an exhausted JVM or a silently wrong picture:
 * <ul>
 *   <li>only regular files are read: a directory, a device ({@code /dev/zero}), a FIFO, a socket, or a pseudo-file
 *       of {@code /proc} or {@code /sys} is refused, naming what it is (symbolic links are followed);</li>
 *   <li>the file (or stream) may hold at most {@link #DEFAULT_MAX_FILE_BYTES} (256 MiB), checked before reading,
 *       and a stream is read no further than that;</li>
 *   <li>the image may have at most {@link #DEFAULT_MAX_PIXELS} (100 megapixels), checked from the file's header
 *       <em>before</em> any pixel is decoded, so that a decompression bomb (a small file declaring a huge image)
 *       is refused with its declared size; {@link #read(Path, long, long)} takes other limits;</li>
 *   <li>a truncated or corrupt file is an error: JPEG's "Premature end of JPEG file", "Truncated File - Missing EOI
 *       marker" and "Corrupt JPEG data" conditions, which ImageIO only reports as warnings while it fills the
 *       missing pixels with grey, fail the read, as does any other decoder warning except the few known to be
 *       harmless (an ignored invalid colour profile or thumbnail, extraneous bytes between JPEG segments); a PNG
 *       must hold its closing IEND chunk (its decoder stops after the pixel data); a GIF or BMP cut short fails in
 *       its decoder.</li>
 * </ul>
 * The decoded image, its RGB copy and the model's input batch are held in memory at once: a 100-megapixel image
 * needs about 1 GB of heap.
 *
 * <p><b>Errors</b>: every problem with a file is an {@link IOException} whose message names the file: missing
 * ({@link NoSuchFileException}), not a regular file, empty, too large, too many pixels, not in a format ImageIO can
 * decode, truncated, or corrupt.
 *
 * <p><b>Writing</b>: {@link #writePng} writes PNG only, to a file whose name ends in {@code .png}; any other name
 * is refused with an {@link IllegalArgumentException} rather than written as a PNG under a misleading name.
 *
 * <pre>{@code
 * BufferedImage cat = ImageIo.read(Path.of("images/cat.jpg"));        // TYPE_INT_RGB
 * ImageIo.writePng(ImageResize.resize(cat, 224, 224), Path.of("out/cat224.png"));
 * }</pre>
 */
public final class ImageIo {
    private ImageIo() {}

    /** The default limit on the size of an image file or stream: 256 MiB. */
    public static final long DEFAULT_MAX_FILE_BYTES = 256L << 20;

    /**
     * The default limit on the number of pixels (width times height) of an image: 100 megapixels, checked from
     * the header before decoding.
     */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

    /**
     * Decoder warnings that do not mean lost or invented pixels (lower case, matched as substrings); every other
     * warning fails the read.
     */
    private static final List<String> HARMLESS_WARNINGS = List.of(
            "extraneous bytes before marker",      // junk between JPEG segments, skipped by libjpeg
            "color profile is invalid; ignored",   // JPEG: bad ICC profile, sRGB assumed
            "jfif markers not allowed in jfif jpeg thumbnail; ignored",
            "unknown jfif revision number",
            "unknown adobe color transform code");

    /**
     * Reads a PNG, JPEG, GIF or BMP file (any format ImageIO knows) as a {@code TYPE_INT_RGB} image, within the
     * default limits ({@link #DEFAULT_MAX_FILE_BYTES}, {@link #DEFAULT_MAX_PIXELS}); grey images are taken by
     * their raw samples and transparent pixels are composited over white (see the class comment).
     *
     * <pre>{@code
     * BufferedImage img = ImageIo.read(Path.of("cat.jpg"));
     * INDArray x = ImageTensors.toBatch(img, model.inputSpec());
     * }</pre>
     *
     * @param file the image file
     * @return the decoded image, {@code TYPE_INT_RGB}
     * @throws NoSuchFileException if the file does not exist
     * @throws IOException         naming the file if it is not a regular file (a directory, device, FIFO...), empty,
     *                             larger than 256 MiB, of more than 100 megapixels, unreadable, not in a decodable
     *                             format, truncated or corrupt
     */
    public static BufferedImage read(Path file) throws IOException {
        return read(file, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_PIXELS);
    }

    /**
     * Reads an image file as {@link #read(Path)} does, with other limits.
     *
     * <pre>{@code
     * BufferedImage scan = ImageIo.read(Path.of("slide.png"), 1L << 30, 400_000_000L);   // 1 GiB, 400 MP
     * }</pre>
     *
     * @param file          the image file
     * @param maxFileBytes  the largest file accepted, in bytes (1 to {@code Integer.MAX_VALUE - 9})
     * @param maxPixels     the largest image accepted, in pixels (width times height; 1 to
     *                      {@code Integer.MAX_VALUE})
     * @return the decoded image, {@code TYPE_INT_RGB}
     * @throws IllegalArgumentException if a limit is out of range
     * @throws NoSuchFileException      if the file does not exist
     * @throws IOException              naming the file, as for {@link #read(Path)}, with these limits
     */
    public static BufferedImage read(Path file, long maxFileBytes, long maxPixels) throws IOException {
        Objects.requireNonNull(file, "file");
        BoundedRead.checkLimit(maxFileBytes, "maxFileBytes");
        checkPixelLimit(maxPixels);
        byte[] bytes = BoundedRead.readFile(file, maxFileBytes, "image");
        return decode(bytes, file.toString(), maxPixels);
    }

    /**
     * Reads an image from a stream (for example a class-path resource) within the default limits; the stream is
     * read to its end (at most {@link #DEFAULT_MAX_FILE_BYTES} plus one byte) but not closed. Same conversions and
     * errors as {@link #read(Path)}, naming {@code name}.
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
     * @throws IOException naming {@code name} if the stream is empty, longer than 256 MiB, of more than 100
     *                     megapixels, not decodable, truncated or corrupt
     */
    public static BufferedImage read(InputStream in, String name) throws IOException {
        return read(in, name, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_PIXELS);
    }

    /**
     * Reads an image from a stream as {@link #read(InputStream, String)} does, with other limits; at most
     * {@code maxBytes + 1} bytes are read from the stream.
     *
     * @param in        the image bytes
     * @param name      what to call the image in error messages
     * @param maxBytes  the longest stream accepted, in bytes (1 to {@code Integer.MAX_VALUE - 9})
     * @param maxPixels the largest image accepted, in pixels (1 to {@code Integer.MAX_VALUE})
     * @return the decoded image, {@code TYPE_INT_RGB}
     * @throws IllegalArgumentException if a limit is out of range
     * @throws IOException              naming {@code name}, as for {@link #read(InputStream, String)}
     */
    public static BufferedImage read(InputStream in, String name, long maxBytes, long maxPixels) throws IOException {
        Objects.requireNonNull(in, "in");
        BoundedRead.checkLimit(maxBytes, "maxBytes");
        checkPixelLimit(maxPixels);
        byte[] bytes = BoundedRead.readAtMost(in, maxBytes, "Cannot read image " + name);
        return decode(bytes, String.valueOf(name), maxPixels);
    }

    private static void checkPixelLimit(long maxPixels) {
        if (maxPixels < 1 || maxPixels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxPixels must be between 1 and " + Integer.MAX_VALUE
                    + " (one Java array holds the RGB pixels), found " + maxPixels);
        }
    }

    private static BufferedImage decode(byte[] bytes, String name, long maxPixels) throws IOException {
        String what = "Cannot read image " + name + ": ";
        if (bytes.length == 0) {
            throw new IOException(what + "the file is empty (0 bytes)");
        }
        BufferedImage img;
        try (ImageInputStream iis = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                throw new IOException(what + "not an image format ImageIO can decode (readers: "
                        + String.join(", ", readerFormats()) + "; the file starts with " + describeStart(bytes) + ")");
            }
            ImageReader reader = readers.next();
            try {
                img = decode(reader, iis, what, maxPixels);
                if (reader.getFormatName().equalsIgnoreCase("png") && lastIndexOf(bytes, PNG_IEND) < 0) {
                    // The decoder stops at the end of the pixel data and never looks for the end of the file.
                    throw new IOException(what + "the PNG file is truncated: it does not end with an IEND chunk ("
                            + bytes.length + " bytes)");
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof IOException && e.getMessage() != null && e.getMessage().startsWith(what)) {
                    throw e;
                }
                // ImageIO throws IIOException for corrupt files and sometimes runtime exceptions for malformed ones.
                throw new IOException(what + "truncated, corrupt or unsupported "
                        + reader.getFormatName().toUpperCase(Locale.ROOT) + " data (" + e + ")", e);
            } finally {
                reader.dispose();
            }
        }
        return img.getType() == BufferedImage.TYPE_INT_RGB ? img : toRgb(img);
    }

    /** Checks the declared size against the limit, then decodes the first image, failing on decoder warnings. */
    private static BufferedImage decode(ImageReader reader, ImageInputStream iis, String what, long maxPixels)
            throws IOException {
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(String.valueOf(warning)));
        reader.setInput(iis, true, true);
        String format = reader.getFormatName().toUpperCase(Locale.ROOT);
        long width = reader.getWidth(0);
        long height = reader.getHeight(0);
        if (width < 1 || height < 1) {
            throw new IOException(what + "it has no pixels (" + width + "x" + height + ")");
        }
        if (width * height > maxPixels) {
            throw new IOException(what + "the " + format + " header declares " + width + "x" + height + " = "
                    + width * height + " pixels, more than the limit of " + maxPixels + " ("
                    + String.format(Locale.ROOT, "%.4g", maxPixels / 1e6) + " megapixels)");
        }
        BufferedImage img = reader.read(0);
        List<String> fatal = warnings.stream().filter(w -> !harmless(w)).distinct().toList();
        if (!fatal.isEmpty()) {
            throw new IOException(what + "the " + format + " data is truncated or corrupt (the decoder warns: \""
                    + String.join("\"; \"", fatal.subList(0, Math.min(3, fatal.size()))) + "\""
                    + (fatal.size() > 3 ? " and " + (fatal.size() - 3) + " more" : "") + ")");
        }
        if (img == null || img.getWidth() != width || img.getHeight() != height) {
            throw new IOException(what + "the " + format + " decoder gave "
                    + (img == null ? "no image" : img.getWidth() + "x" + img.getHeight()) + " for a header of "
                    + width + "x" + height);
        }
        return img;
    }

    /** The whole IEND chunk of every PNG: length 0, type, CRC. */
    private static final byte[] PNG_IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    /** @return the last position of {@code pattern} in {@code bytes}, or -1 */
    private static int lastIndexOf(byte[] bytes, byte[] pattern) {
        outer:
        for (int i = bytes.length - pattern.length; i >= 0; i--) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static boolean harmless(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        for (String h : HARMLESS_WARNINGS) {
            if (w.contains(h)) {
                return true;
            }
        }
        return false;
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
     * Writes an image as PNG, creating missing parent directories and replacing an existing file. The file name
     * must end in {@code .png} (any case): the format written is the one the name says.
     *
     * <pre>{@code
     * ImageIo.writePng(ImageTensors.toImage(x, spec.preprocessing()), Path.of("out/input.png"));
     * BufferedImage back = ImageIo.read(Path.of("out/input.png"));
     * }</pre>
     *
     * @param image the image (any type the PNG writer accepts: RGB, ARGB, grey, indexed)
     * @param file  the destination, whose name ends in {@code .png}
     * @throws IllegalArgumentException naming the file if its name does not end in {@code .png} (such as
     *                                  {@code cat.jpg}: a PNG under that name would mislead, or replace a photo)
     * @throws IOException              naming {@code file} if a directory or the file cannot be written
     */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(file, "file");
        checkPngName(file);
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

    /**
     * Checks that a file name says PNG, as {@link #writePng} requires.
     *
     * <pre>{@code
     * ImageIo.checkPngName(Path.of("out/panel.png"));   // fine
     * ImageIo.checkPngName(Path.of("cat.jpg"));         // IllegalArgumentException
     * }</pre>
     *
     * @param file the destination
     * @throws IllegalArgumentException naming the file and its extension if its name does not end in {@code .png}
     */
    public static void checkPngName(Path file) {
        Objects.requireNonNull(file, "file");
        Path name = file.getFileName();
        String n = name == null ? "" : name.toString();
        if (!n.toLowerCase(Locale.ROOT).endsWith(".png") || n.length() == ".png".length()) {
            int dot = n.lastIndexOf('.');
            String ext = dot > 0 ? "'" + n.substring(dot) + "'" : "no extension";
            throw new IllegalArgumentException("cannot write " + file + " as PNG: its name has " + ext
                    + ", expected a name ending in .png (cnnviz writes PNG only)");
        }
    }
}
