package dev.cnnviz.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cnnviz visualize} on the embedded Fashion-MNIST model, in process. */
class VisualizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
        "Sneaker", "Bag", "Ankle boot"};

    @TempDir
    Path dir;

    @Test
    void everyClassOfTheEmbeddedModelIsVisualizedAsItself() throws Exception {
        for (int c = 0; c < 10; c++) {
            CliTest.Run r = CliTest.cli("visualize", "--objective", "class:" + c, "--json",
                    "--out", dir.resolve("c" + c + ".png").toString()).expect(0);
            String[] lines = r.out().strip().split("\n");
            assertEquals(101, lines.length, "100 step lines and the result");
            JsonNode last = JSON.readTree(lines[lines.length - 1]);
            assertEquals(c, last.get("class").asInt());
            assertEquals(CLASSES[c], last.get("label").asText());
            CliTest.Run top = CliTest.cli("predict", "--json", "--top", "1", "--image", dir.resolve("c" + c + ".png").toString()).expect(0);
            assertEquals(c, JSON.readTree(top.out()).get(0).get("index").asInt(), "predict on the PNG of class " + c + ": " + top.out());
        }
    }

    @Test
    void jsonStepsZeroPrintsTheStartingLossAndTerms() throws Exception {
        CliTest.Run r = CliTest.cli("visualize", "--objective", "class:3+0.5*class:4", "--steps", "0", "--json",
                "--out", dir.resolve("s0.png").toString()).expect(0);
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        JsonNode step = JSON.readTree(lines[0]);
        assertEquals(0, step.get("step").asInt());
        double sum = 0;
        for (JsonNode t : step.get("terms")) {
            sum += t.asDouble();
        }
        assertEquals(step.get("loss").asDouble(), sum, 1e-6);
        assertTrue(step.get("terms").has("l2"), step.toString());
    }

    @Test
    void writesOutPanelGifAndNpyAndStartsFromTheNpy() throws Exception {
        Path out = dir.resolve("v.png");
        Path panel = dir.resolve("panel.png");
        Path gif = dir.resolve("v.gif");
        Path npy = dir.resolve("v.npy");
        CliTest.Run r = CliTest.cli("visualize", "--objective", "class:7", "--steps", "20", "--out", out.toString(),
                "--panel", panel.toString(), "--gif", gif.toString(), "--save-npy", npy.toString()).expect(0);
        assertTrue(r.out().contains("class 7 (Sneaker)"), r.out());
        assertTrue(r.err().contains("20/20"), "a progress bar on stderr: " + r.err());
        assertEquals(28, ImageIO.read(out.toFile()).getWidth());
        assertTrue(ImageIO.read(panel.toFile()).getWidth() > 3 * 224);
        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
            reader.setInput(in);
            assertTrue(reader.getNumImages(true) > 10, "animated: the start and a frame per step");
        }
        assertTrue(Files.size(npy) > 28 * 28 * 4);
        CliTest.cli("visualize", "--objective", "class:7", "--steps", "5", "--init-npy", npy.toString(),
                "--out", dir.resolve("again.png").toString()).expect(0);
    }

    @Test
    void channelObjectivesUseTheFourierParameterization() throws Exception {
        CliTest.Run r = CliTest.cli("visualize", "--objective", "channel:relu3:5", "--steps", "8", "--json",
                "--out", dir.resolve("ch.png").toString()).expect(0);
        String[] lines = r.out().strip().split("\n");
        assertEquals(9, lines.length);
        assertTrue(lines[0].contains("channel(relu3, 5)"), lines[0]);
        CliTest.Run exact = CliTest.cli("visualize", "--objective", "channel:relu3:5", "--steps", "8", "--exact-relu",
                "--out", dir.resolve("ch-exact.png").toString()).expect(0);
        assertTrue(exact.out().contains("ch-exact.png"), exact.out());
    }

    @Test
    void badObjectivesAreOneLineUsageErrors() {
        for (String[] bad : new String[][] {{"class:x", "cannot read a number"}, {"colour:3", "unknown objective 'colour'"},
            {"channel:relu9:1", "no node named 'relu9'"}, {"channel:relu3:999", "channel 999 is outside layer 'relu3'"},
            {"class:10", "class index 10 is out of range"}}) {
            CliTest.Run r = CliTest.cli("visualize", "--objective", bad[0], "--steps", "1",
                    "--out", dir.resolve("bad.png").toString()).expect(2);
            assertTrue(r.err().contains(bad[1]), bad[0] + ": " + r.err());
        }
        CliTest.Run r = CliTest.cli("visualize", "--objective", "channel:relu3:1", "--jitter", "3",
                "--out", dir.resolve("bad.png").toString()).expect(2);
        assertTrue(r.err().contains("--jitter applies only to --param pixels"), r.err());
        CliTest.Run e = CliTest.cli("visualize", "--objective", "class:1", "--exact-relu",
                "--out", dir.resolve("bad.png").toString()).expect(2);
        assertTrue(e.err().contains("--exact-relu applies only to --param fft"), e.err());
    }

    @Test
    void benchTimesOptimizationSteps() {
        CliTest.Run c = CliTest.cli("bench", "-m", "class-visualization", "--target", "3", "--warmup", "1", "--runs", "3").expect(0);
        assertTrue(c.out().matches("(?s)class-visualization on class 3: median [0-9.]+ ms per optimization step \\(min [0-9.]+, max [0-9.]+; 3 runs after 1 warm-up\\)\\s*"), c.out());
        CliTest.Run n = CliTest.cli("bench", "-m", "neuron-visualization", "--warmup", "1", "--runs", "2").expect(0);
        assertTrue(n.out().startsWith("neuron-visualization on neuron relu3[0, 3, 3]: median "), n.out());
        CliTest.Run e = CliTest.cli("explain", "-m", "class-visualization", "--out", dir.resolve("e.png").toString()).expect(2);
        assertTrue(e.err().contains("use") || e.err().contains("visualize"), e.err());
    }
}
