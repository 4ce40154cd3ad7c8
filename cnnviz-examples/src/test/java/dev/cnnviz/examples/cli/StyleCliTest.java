package dev.cnnviz.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.examples.cli.SynthesisCommandsTest.Run;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * {@code cnnviz stylize --method gatys}, {@code cnnviz texture} and {@code bench -m gatys|texture} on the shared
 * ImageNet loss network (the default when no {@code --loss-model} is given) at small sizes; skipped without it.
 */
class StyleCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path chelsea;
    private static Path brick;

    @TempDir
    Path dir;

    @BeforeAll
    static void shared() {
        chelsea = LossModelOptions.sharedFile("images/chelsea.png");
        brick = LossModelOptions.sharedFile("images/brick.png");
        Assumptions.assumeTrue(chelsea != null && brick != null,
                "the shared loss model and images were not found (../shared or -Dcnnviz.shared): skipping");
    }

    @Test
    void stylizeStepsZeroPrintsTheInitialLossesAndWritesTheContentAsNpy() throws Exception {
        Path png = dir.resolve("s.png");
        Path npy = dir.resolve("s.npy");
        Run r = SynthesisCommandsTest.cli("stylize", "--content", chelsea.toString(), "--style", brick.toString(),
                "--size", "48", "--steps", "0", "--json", "--out", png.toString(), "--save-npy", npy.toString())
                .expect(0);
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(2, lines.size(), r.out());
        JsonNode step = JSON.readTree(lines.get(0));
        JsonNode terms = step.get("terms");
        assertEquals(0.0, terms.get("content").asDouble(), "content start: no content loss");
        assertTrue(terms.get("style:concat_fire5/concat_1").asDouble() > 0, lines.get(0));
        double sum = 0;
        for (JsonNode t : terms) {
            sum += t.asDouble();
        }
        assertEquals(step.get("loss").asDouble(), sum, 1e-9 * sum, "the terms add up to the loss");
        JsonNode done = JSON.readTree(lines.get(1));
        assertEquals("gatys", done.get("method").asText());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(48, Math.max(img.getWidth(), img.getHeight()));
        try (INDArray a = Nd4j.createFromNpyFile(npy.toFile())) {
            assertArrayEquals(new long[] {1, 3, img.getHeight(), img.getWidth()}, a.shape());
            assertTrue(a.minNumber().doubleValue() >= 0 && a.maxNumber().doubleValue() <= 255, "RGB 0..255");
            int rgb = img.getRGB(5, 7);
            assertEquals((rgb >> 16) & 255, a.getDouble(0, 0, 7, 5), 0.5, "red plane = the PNG's red");
            assertEquals(rgb & 255, a.getDouble(0, 2, 7, 5), 0.5, "blue plane = the PNG's blue");
        }
    }

    @Test
    void textureJsonPrintsOneLinePerStep() throws Exception {
        Path png = dir.resolve("t.png");
        Run r = SynthesisCommandsTest.cli("texture", "--style", brick.toString(), "--size", "48", "--steps", "3",
                "--optimizer", "adam", "--seed", "2", "--json", "--out", png.toString()).expect(0);
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(4, lines.size(), r.out());
        for (int k = 0; k < 3; k++) {
            assertEquals(k + 1, JSON.readTree(lines.get(k)).get("step").asInt(), lines.get(k));
        }
        assertTrue(Files.size(png) > 0);
    }

    @Test
    void textureNormalizeTermsStartsEqualWeightedLayersEqual() throws Exception {
        Run r = SynthesisCommandsTest.cli("texture", "--style", brick.toString(), "--size", "48", "--steps", "0",
                "--layers", "relu_conv1_2:1,concat_fire3/concat_1:1", "--normalize-terms", "--json",
                "--out", dir.resolve("n.png").toString()).expect(0);
        JsonNode terms = JSON.readTree(r.out().strip().lines().findFirst().orElseThrow())
                .get("terms");
        double a = terms.get("style:relu_conv1_2").asDouble();
        double b = terms.get("style:concat_fire3/concat_1").asDouble();
        assertTrue(a > 0 && Math.abs(a - b) <= 1e-6 * a, r.out());
        r = SynthesisCommandsTest.cli("texture", "--style", brick.toString(), "--size", "48", "--steps", "0",
                "--layers", "relu_conv1_2:1,concat_fire3/concat_1:1", "--json",
                "--out", dir.resolve("p.png").toString()).expect(0);
        terms = JSON.readTree(r.out().strip().lines().findFirst().orElseThrow()).get("terms");
        double ratio = terms.get("style:relu_conv1_2").asDouble() / terms.get("style:concat_fire3/concat_1").asDouble();
        assertTrue(ratio > 10 || ratio < 0.1, "without the option one layer dominates: " + r.out());
    }

    @Test
    void unknownMethodsAndBadLayersAreUsageErrors() {
        Run r = SynthesisCommandsTest.cli("stylize", "--method", "pastiche", "--content", chelsea.toString(),
                "--style", brick.toString()).expect(2);
        assertTrue(r.err().contains("gatys") && r.err().contains("pastiche"), r.err());
        r = SynthesisCommandsTest.cli("texture", "--style", brick.toString(), "--layers", "fire9000", "--size", "48",
                "--steps", "0", "--out", dir.resolve("x.png").toString()).expect(2);
        assertTrue(r.err().contains("fire9000"), r.err());
    }

    @Test
    void benchGatysAndTexturePrintMedianAndMinimum() {
        Run r = SynthesisCommandsTest.cli("bench", "-m", "gatys", "--size", "48", "--warmup", "1", "--runs", "2")
                .expect(0);
        assertTrue(r.out().contains("median") && r.out().contains("min") && r.out().contains("48x48"), r.out());
        r = SynthesisCommandsTest.cli("bench", "-m", "texture", "--style", brick.toString(), "--size", "48",
                "--warmup", "0", "--runs", "1").expect(0);
        assertTrue(r.out().startsWith("texture"), r.out());
    }

    @Test
    void benchChecksItsOptions() {
        Run r = SynthesisCommandsTest.cli("bench", "-m", "gatys", "--runs", "0").expect(2);
        assertTrue(r.err().contains("--runs") && r.err().contains("found 0"), r.err());
        r = SynthesisCommandsTest.cli("bench", "-m", "gatys", "--batch", "4").expect(2);
        assertTrue(r.err().contains("--batch"), r.err());
        r = SynthesisCommandsTest.cli("bench", "-m", "grad-cam", "--size", "48").expect(2);
        assertTrue(r.err().contains("apply only to --method gatys, texture, train-style"), r.err());
    }
}
