package dev.cnnviz.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * {@code cnnviz stylize --method network} and {@code bench --method network} on the shared {@code candy.onnx}
 * ({@code -Dcnnviz.shared=DIR}; skipped without it). Images are small, just above the network's 41×41 floor (its
 * reflect padding is 40 pixels), to keep the test short on a loaded machine.
 */
class StyleNetworkCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path candy;

    record Run(int code, String out, String err) {
        Run expect(int expected) {
            assertEquals(expected, code, () -> "exit code; stdout:\n" + out + "\nstderr:\n" + err);
            return this;
        }
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void shared() {
        String shared = System.getProperty("cnnviz.shared", "");
        Assumptions.assumeFalse(shared.isBlank(), "cnnviz.shared is not set: skipping (run with -Dcnnviz.shared=DIR)");
        candy = Path.of(shared).resolve("models/style/candy.onnx");
        Assumptions.assumeTrue(Files.isRegularFile(candy), "no " + candy + ": skipping");
    }

    /** A colourful photograph-like test image: red rises to the right, blue downwards. */
    private Path photo(String name, int w, int h, int shift) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 255 / w + shift) % 256;
                int g = (x * 5 + y * 3) % 256;
                int b = y * 255 / h;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        Path p = dir.resolve(name);
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    @Test
    void stylizeWritesThePngAndRawRgbNpyAtTheContentsOwnSize() throws IOException {
        Path content = photo("photo.png", 47, 42, 0);
        Path png = dir.resolve("out.png");
        Path npy = dir.resolve("out.npy");
        Run r = cli("stylize", "--method", "network", "--model", candy.toString(), "--content", content.toString(),
                "--out", png.toString(), "--save-npy", npy.toString(), "--json").expect(0);
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(2, lines.size(), r.out());
        JsonNode line = JSON.readTree(lines.get(0));
        assertEquals("network", line.get("method").asText());
        assertEquals(47, line.get("width").asInt());
        assertEquals(42, line.get("height").asInt());
        assertEquals("bgr", line.get("channelOrder").asText(), "candy's doc strings say BGR");
        assertEquals(npy.toString(), JSON.readTree(lines.get(1)).get("npy").asText());
        BufferedImage out = ImageIO.read(png.toFile());
        assertEquals(47, out.getWidth());
        assertEquals(42, out.getHeight());
        try (INDArray a = ImageTensors.readNpy(npy)) {
            assertArrayEquals(new long[] {1, 3, 42, 47}, a.shape());
            double min = a.minNumber().doubleValue();
            double max = a.maxNumber().doubleValue();
            assertTrue(Double.isFinite(a.sumNumber().doubleValue()), "finite");
            assertTrue(min > -300 && max < 600 && max - min > 50, "a stylized image in about 0..255: " + min + ".." + max);
            // the PNG is the npy clipped to 0..255, in RGB order: compare one pixel
            int rgb = out.getRGB(5, 7);
            int[] channels = {rgb >> 16 & 255, rgb >> 8 & 255, rgb & 255};
            for (int c = 0; c < 3; c++) {
                double v = Math.max(0, Math.min(255, a.getDouble(0, c, 7, 5)));
                assertEquals(v, channels[c], 1.0, "channel " + c);
            }
        }
    }

    @Test
    void channelOrderRgbChangesTheResultAndAFolderIsTakenInFileNameOrder() throws IOException {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        photo("photos/b.png", 44, 41, 90);
        photo("photos/a.png", 44, 41, 0);
        Path npy = dir.resolve("all.npy");
        Path rgbNpy = dir.resolve("rgb.npy");
        Path png = dir.resolve("s.png");
        Run r = cli("stylize", "-m", "network", "--model", candy.toString(), "--images", photos.toString(),
                "--out", png.toString(), "--save-npy", npy.toString()).expect(0);
        assertTrue(r.out().contains("a.png") && r.out().indexOf("a.png") < r.out().indexOf("b.png"), r.out());
        assertTrue(Files.isRegularFile(dir.resolve("s-0.png")) && Files.isRegularFile(dir.resolve("s-1.png")));
        cli("stylize", "-m", "network", "--model", candy.toString(), "--content", photos.resolve("a.png").toString(),
                "--channel-order", "rgb", "--out", dir.resolve("rgb.png").toString(), "--save-npy", rgbNpy.toString())
                .expect(0);
        try (INDArray all = ImageTensors.readNpy(npy); INDArray rgb = ImageTensors.readNpy(rgbNpy)) {
            assertArrayEquals(new long[] {2, 3, 41, 44}, all.shape());
            INDArray first = all.get(NDArrayIndex.point(0));
            INDArray second = all.get(NDArrayIndex.point(1));
            assertTrue(first.distance2(second) > 1, "two different photos give two different results");
            double diff = first.distance2(rgb.get(NDArrayIndex.point(0)));
            assertTrue(diff > 1, "feeding RGB to a BGR network changes the result, found distance " + diff);
        }
    }

    @Test
    void wrongRequestsAreClearErrors() throws IOException {
        Path content = photo("photo.png", 41, 41, 0);
        Run r = cli("stylize", "-m", "network", "--model", candy.toString(), "--content", content.toString(),
                "--channel-order", "gbr").expect(2);
        assertTrue(r.err().contains("expected rgb or bgr, found 'gbr'"), r.err());
        r = cli("stylize", "-m", "network", "--content", content.toString()).expect(2);
        assertTrue(r.err().contains("needs --model"), r.err());
        r = cli("stylize", "-m", "painting", "--model", candy.toString(), "--content", content.toString()).expect(2);
        assertTrue(r.err().contains("found 'painting'"), r.err());
        Path photos = Files.createDirectories(dir.resolve("mixed"));
        photo("mixed/a.png", 41, 41, 0);
        photo("mixed/b.png", 43, 41, 0);
        r = cli("stylize", "-m", "network", "--model", candy.toString(), "--images", photos.toString(),
                "--out", dir.resolve("m.png").toString(), "--save-npy", dir.resolve("m.npy").toString()).expect(2);
        assertTrue(r.err().contains("41x41") && r.err().contains("43x41"), r.err());
        assertFalse(Files.exists(dir.resolve("m.npy")));
        r = cli("bench", "-m", "network", "--model", candy.toString(), "--size", "0").expect(2);
        assertTrue(r.err().contains("found 0"), r.err());
        r = cli("bench", "-m", "network", "--model", candy.toString(), "--size", "40").expect(2);
        assertTrue(r.err().contains("at least 41x41, found 40"), r.err());
        Path tiny = photo("tiny.png", 40, 50, 0);
        r = cli("stylize", "-m", "network", "--model", candy.toString(), "--content", tiny.toString()).expect(2);
        assertTrue(r.err().contains("tiny.png is 40x50") && r.err().contains("at least 41x41"), r.err());
    }

    @Test
    void benchNetworkPrintsTimesAndFlops() {
        Run r = cli("bench", "-m", "network", "--model", candy.toString(), "--size", "44", "--runs", "1",
                "--warmup", "0").expect(0);
        assertTrue(r.out().contains("ms per image") && r.out().contains("GFLOP per image")
                && r.out().contains("GFLOP/s"), r.out());
        assertTrue(r.out().contains("[1, 3, 44, 44]"), r.out());
    }
}
