package dev.cnnviz.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code cnnviz invert}, {@code cnnviz dream} and {@code bench -m inversion|deepdream}, in CliTest's style. */
class SynthesisCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A layer of the embedded Fashion-MNIST model. */
    static final String LAYER = "relu1";
    /** A deeper layer of the embedded model. */
    static final String DEEP = "relu3";

    @TempDir
    Path dir;

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

    private Path photo(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = (x * 7 + y * 3) % 256;
                img.setRGB(x, y, v << 16 | v << 8 | v);
            }
        }
        Path p = dir.resolve("photo.png");
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    @Test
    void invertWritesTheReconstructionPanelAndNpyWithJsonLines() throws IOException {
        Path png = dir.resolve("inv.png");
        Path panel = dir.resolve("inv-panel.png");
        Path npy = dir.resolve("inv.npy");
        Run r = cli("invert", "--layer", LAYER, "--steps", "5", "--seed", "3", "--out", png.toString(), "--panel",
                panel.toString(), "--save-npy", npy.toString(), "--json").expect(0);
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(6, lines.size(), r.out());
        for (int k = 0; k < 5; k++) {
            JsonNode step = JSON.readTree(lines.get(k));
            assertEquals(k + 1, step.get("step").asInt());
            JsonNode terms = step.get("terms");
            double sum = terms.get("feature").asDouble() + terms.get("alpha").asDouble() + terms.get("tv").asDouble();
            assertEquals(step.get("loss").asDouble(), sum, 1e-9 * Math.max(1, Math.abs(sum)));
        }
        JsonNode done = JSON.readTree(lines.get(5));
        assertEquals("invert", done.get("method").asText());
        assertEquals(LAYER, done.get("layer").asText());
        assertTrue(done.get("featureError").asDouble() >= 0);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(28, img.getWidth());
        assertNotNull(ImageIO.read(panel.toFile()));
        try (INDArray a = ImageTensors.readNpy(npy)) {
            assertArrayEquals(new long[] {1, 1, 28, 28}, a.shape());
        }
        assertTrue(r.err().isEmpty(), "no progress bar with --json: " + r.err());
    }

    @Test
    void invertIsReproducibleWithASeed() throws IOException {
        Path a = dir.resolve("a.npy");
        Path b = dir.resolve("b.npy");
        cli("invert", "--layer", LAYER, "--steps", "3", "--seed", "7", "--out", dir.resolve("a.png").toString(),
                "--save-npy", a.toString()).expect(0);
        Run r = cli("invert", "--layer", LAYER, "--steps", "3", "--seed", "7", "--out", dir.resolve("b.png").toString(),
                "--save-npy", b.toString()).expect(0);
        assertTrue(r.out().startsWith("method=invert layer=" + LAYER + " steps=3 featureError="), r.out());
        assertTrue(r.err().contains("3/3"), "progress bar on stderr: " + r.err());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void dreamKeepsThePhotosSize() throws IOException {
        Path in = photo(45, 37);
        Path png = dir.resolve("dream.png");
        Path panel = dir.resolve("dream-panel.png");
        Run r = cli("dream", "--layer", LAYER, "--image", in.toString(), "--octaves", "2", "--steps", "3", "--out",
                png.toString(), "--panel", panel.toString(), "--json").expect(0);
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(7, lines.size(), r.out());
        assertTrue(JSON.readTree(lines.get(0)).get("terms").has("l2"));
        JsonNode done = JSON.readTree(lines.get(6));
        assertEquals(45, done.get("width").asInt());
        assertEquals(37, done.get("height").asInt());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(45, img.getWidth());
        assertEquals(37, img.getHeight());
        assertNotNull(ImageIO.read(panel.toFile()));
    }

    @Test
    void badLayersAndOptionsAreUsageErrors() throws IOException {
        Run r = cli("invert", "--layer", "no_such_layer", "--steps", "1", "--out", dir.resolve("x.png").toString()).expect(2);
        assertTrue(r.err().contains("--layer") && r.err().contains("no_such_layer") && r.err().contains("closest"), r.err());
        Path in = photo(30, 30);
        r = cli("dream", "--layer", "no_such_layer", "--image", in.toString(), "--out", dir.resolve("y.png").toString()).expect(2);
        assertTrue(r.err().contains("closest"), r.err());
        r = cli("dream", "--layer", LAYER, "--image", in.toString(), "--octave-scale", "1", "--out",
                dir.resolve("y.png").toString()).expect(2);
        assertTrue(r.err().contains("--octave-scale"), r.err());
        r = cli("invert", "--layer", LAYER, "--steps", "-1").expect(2);
        assertTrue(r.err().contains("--steps"), r.err());
        r = cli("invert", "--layer", LAYER, "--tv", "NaN").expect(2);
        assertTrue(r.err().contains("--tv"), r.err());
        r = cli("dream", "--layer", LAYER, "--image", in.toString(), "--out", in.toString()).expect(2);
        assertTrue(r.err().contains("--image"), r.err());
        r = cli("explain", "--method", "inversion", "--layer", LAYER).expect(2);
        assertTrue(r.err().contains("cnnviz invert"), r.err());
        // a layer too deep for a tiny photo's smallest octave: a one-line error naming the octave
        Path tiny = dir.resolve("tiny.png");
        ImageIO.write(new BufferedImage(6, 6, BufferedImage.TYPE_INT_RGB), "png", tiny.toFile());
        r = cli("dream", "--layer", DEEP, "--image", tiny.toString(), "--octaves", "3", "--out",
                dir.resolve("z.png").toString()).expect(1);
        assertTrue(r.err().contains("octave 1 of 3"), r.err());
        assertFalse(Files.exists(dir.resolve("z.png")));
    }

    @Test
    void benchTimesInversionAndDeepDreamPerStep() {
        Run r = cli("bench", "-m", "inversion", "--layer", LAYER, "--steps", "2", "--warmup", "0", "--runs", "2").expect(0);
        assertTrue(r.out().startsWith("inversion at " + LAYER + " on the default image [1, 1, 28, 28]: median "), r.out());
        assertTrue(r.out().contains(" ms per step (min "), r.out());
        r = cli("bench", "-m", "deepdream", "--layer", LAYER, "--steps", "2", "--warmup", "0", "--runs", "1").expect(0);
        assertTrue(r.out().startsWith("deepdream at " + LAYER), r.out());
        r = cli("bench", "-m", "deepdream", "--runs", "1").expect(2);
        assertTrue(r.err().contains("--layer is required"), r.err());
    }

    @Test
    void squeezeNetDreamAtThePhotosSize() throws IOException {
        String shared = System.getProperty("cnnviz.shared", "");
        Assumptions.assumeFalse(shared.isBlank(), "cnnviz.shared is not set: skipping the SqueezeNet dream");
        Path model = Path.of(shared).resolve("models/squeezenet1.1/squeezenet1.1-imagenet.onnx");
        Path cat = Path.of(shared).resolve("images/cat.jpg");
        Path png = dir.resolve("cat-dream.png");
        Run r = cli("dream", "--model", model.toString(), "--preprocess", "caffe-bgr", "--image", cat.toString(),
                "--layer", "concat_fire3/concat_1", "--octaves", "2", "--steps", "2", "--out", png.toString()).expect(0);
        BufferedImage in = ImageIO.read(cat.toFile());
        BufferedImage out = ImageIO.read(png.toFile());
        assertEquals(in.getWidth(), out.getWidth(), r.out());
        assertEquals(in.getHeight(), out.getHeight());
    }
}
