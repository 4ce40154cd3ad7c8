package dev.cnnviz.examples.fuzz;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/**
 * The unmutated inputs of the fuzz suite, made in the test (images with ImageIO, {@code .npy} arrays by hand,
 * ONNX with {@link OnnxSeeds}, Keras with {@link KerasFiles}) or taken from the repository (the embedded
 * Fashion-MNIST DL4J zip) and, when {@code cnnviz.shared} is set, the shared importer fixtures.
 */
final class Seeds {
    private Seeds() {
    }

    /** The embedded default model's DL4J zip, from the class path. */
    static byte[] defaultModelZip() {
        try (InputStream in = Seeds.class.getResourceAsStream("/dev/cnnviz/examples/default/fashion-cnn.zip")) {
            if (in == null) {
                throw new IllegalStateException("the embedded fashion-cnn.zip is not on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the zip's entries, in order. */
    static Map<String, byte[]> unzip(byte[] zip) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.put(e.getName(), in.readAllBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** @return a zip of these entries. */
    static byte[] zip(Map<String, byte[]> entries) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(b)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** A seeded picture: smooth gradients with noise. */
    static BufferedImage picture(int w, int h, int type, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int red = (x * 255 / Math.max(1, w - 1) + r.nextInt(16)) & 0xff;
                int green = (y * 255 / Math.max(1, h - 1) + r.nextInt(16)) & 0xff;
                int blue = r.nextInt(256);
                int alpha = 128 + r.nextInt(128);
                img.setRGB(x, y, alpha << 24 | red << 16 | green << 8 | blue);
            }
        }
        return img;
    }

    /** The image seeds: name → file bytes (PNG RGB, grey, ARGB and 16-bit grey; JPEG; GIF; BMP). */
    static Map<String, byte[]> images() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("rgb.png", encode(picture(28, 28, BufferedImage.TYPE_INT_RGB, 1), "png"));
        m.put("grey.png", encode(picture(20, 24, BufferedImage.TYPE_BYTE_GRAY, 2), "png"));
        m.put("argb.png", encode(picture(16, 16, BufferedImage.TYPE_INT_ARGB, 3), "png"));
        m.put("grey16.png", encode(picture(12, 12, BufferedImage.TYPE_USHORT_GRAY, 4), "png"));
        m.put("photo.jpg", encode(picture(32, 32, BufferedImage.TYPE_INT_RGB, 5), "jpeg"));
        m.put("grey.jpg", encode(picture(24, 16, BufferedImage.TYPE_BYTE_GRAY, 6), "jpeg"));
        m.put("icon.gif", encode(picture(16, 16, BufferedImage.TYPE_INT_RGB, 7), "gif"));
        m.put("icon.bmp", encode(picture(16, 16, BufferedImage.TYPE_INT_RGB, 8), "bmp"));
        return m;
    }

    static byte[] encode(BufferedImage img, String format) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, b)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** An npy file, version 1.0, with this header dictionary text and data. */
    static byte[] npy(String header, byte[] data) {
        StringBuilder h = new StringBuilder(header);
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        byte[] hb = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + hb.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) hb.length).put(hb).put(data);
        return b.array();
    }

    /** A float32 C-order npy header dictionary of this shape. */
    static String npyHeader(String descr, String fortran, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
    }

    /** Float32 little-endian values in [0, 1), seeded. */
    static byte[] floats(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < n; k++) {
            b.putFloat((float) r.nextDouble());
        }
        return b.array();
    }

    /** The embedded model's input as npy: float32 [1, 1, 28, 28]. */
    static byte[] inputNpy() {
        return npy(npyHeader("<f4", "False", "(1, 1, 28, 28)"), floats(784, 9));
    }

    /**
     * The shared importer fixtures (ONNX and Keras files of {@code $cnnviz.shared/models/fixtures}) when the
     * property names the shared folder; empty otherwise.
     */
    static List<Path> sharedFixtures() {
        String p = System.getProperty("cnnviz.shared", "");
        if (p.isBlank()) {
            return List.of();
        }
        Path dir = null;
        Path given = Path.of(p.trim());
        for (Path d = given.isAbsolute() ? null : Path.of("").toAbsolutePath(); ; d = d.getParent()) {
            Path c = (d == null ? given : d.resolve(given)).normalize().resolve("models/fixtures");
            if (Files.isDirectory(c)) {
                dir = c;
                break;
            }
            if (d == null || d.getParent() == null) {
                break;
            }
        }
        if (dir == null) {
            throw new IllegalStateException("-Dcnnviz.shared=" + p + " has no models/fixtures folder");
        }
        List<Path> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.filter(f -> f.toString().endsWith(".onnx") || f.toString().endsWith(".h5") || f.toString().endsWith(".hdf5"))
                    .sorted().forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
