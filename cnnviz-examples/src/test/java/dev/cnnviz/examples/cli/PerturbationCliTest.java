package dev.cnnviz.examples.cli;

import static dev.cnnviz.examples.cli.CliTest.assertClearError;
import static dev.cnnviz.examples.cli.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nd4j.shade.jackson.databind.JsonNode;
import dev.cnnviz.examples.cli.CliTest.Run;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The perturbation options of {@code explain} and the {@code segment} command, on the embedded model. */
class PerturbationCliTest {
    @TempDir
    Path dir;

    @Test
    void optionsThatDoNotApplyToTheMethodAreUsageErrors() {
        String png = dir.resolve("x.png").toString();
        assertClearError(cli("explain", "-m", "lime", "--window", "4", "--out", png).expect(2), "--window", "occlusion");
        assertClearError(cli("explain", "-m", "saliency", "--baseline", "0", "--out", png).expect(2), "--baseline");
        assertClearError(cli("explain", "-m", "occlusion", "--segments", "grid:4", "--out", png).expect(2), "--segments");
        assertClearError(cli("explain", "-m", "rise", "--masks", "0", "--out", png).expect(2), "--masks", "found 0");
        assertClearError(cli("explain", "-m", "occlusion", "--seed", "3", "--out", png).expect(2), "--seed");
        assertClearError(cli("explain", "-m", "kernel-shap", "--samples", "1", "--out", png).expect(2), "--samples");
        assertClearError(cli("explain", "-m", "lime", "--segments", "slic:lots", "--out", png).expect(2), "slic:lots");
        assertClearError(cli("explain", "-m", "lime", "--baseline", "grey", "--out", png).expect(2), "grey");
        assertFalse(Files.exists(dir.resolve("x.png")));
    }

    @Test
    void aWindowLargerThanTheImageAndTooManyShapleyFeaturesAreOneLineErrors() {
        String png = dir.resolve("x.png").toString();
        assertClearError(cli("explain", "-m", "occlusion", "--window", "29", "--out", png).expect(1), "29 pixels", "28 x 28");
        assertClearError(cli("explain", "-m", "shapley", "--segments", "grid:4", "--out", png).expect(1), "49", "16 features");
    }

    @Test
    void aMaskFileOfTheWrongShapeIsAClearError() throws IOException {
        Path mask = dir.resolve("mask.npy");
        try (INDArray m = Nd4j.zeros(DataType.INT, 27, 28)) {
            ImageTensors.writeNpy(m, mask);
        }
        Run r = cli("explain", "-m", "feature-ablation", "--segments", mask.toString(), "--out", dir.resolve("x.png").toString());
        assertClearError(r, "[27, 28]", "[28, 28]");
        assertTrue(r.code() == 1 || r.code() == 2, "exit code " + r.code());
    }

    @Test
    void aUsersMaskAndBaselineFilesAreUsed() throws IOException {
        Path mask = dir.resolve("halves.npy");
        int[] halves = new int[28 * 28];
        for (int i = 0; i < halves.length; i++) {
            halves[i] = (i % 28) < 14 ? 5 : 8;
        }
        try (INDArray m = Nd4j.createFromArray(halves).reshape(28, 28)) {
            ImageTensors.writeNpy(m, mask);
        }
        Path base = dir.resolve("base.npy");
        try (INDArray b = Nd4j.zeros(DataType.FLOAT, 1, 28, 28).addi(0.25)) {
            ImageTensors.writeNpy(b, base);
        }
        Path npy = dir.resolve("a.npy");
        cli("explain", "-m", "shapley", "--segments", mask.toString(), "--baseline", base.toString(), "--out",
                dir.resolve("s.png").toString(), "--save-npy", npy.toString()).expect(0);
        try (INDArray a = ImageTensors.readNpy(npy)) {
            assertArrayEquals(new long[] {1, 28, 28}, a.shape());
            assertEquals(a.getDouble(0, 3, 0), a.getDouble(0, 27, 13), 0, "one value per half");
            assertEquals(a.getDouble(0, 0, 14), a.getDouble(0, 20, 27), 0, "one value per half");
        }
        // the same file as baseline and output is refused
        assertClearError(cli("explain", "-m", "lime", "--baseline", base.toString(), "--out", dir.resolve("l.png").toString(),
                "--save-npy", base.toString()).expect(2), "--baseline");
    }

    @Test
    void seededRunsAreReproducibleFromTheCommandLine() throws IOException {
        Path a = dir.resolve("a.npy");
        Path b = dir.resolve("b.npy");
        for (Path p : new Path[] {a, b}) {
            cli("explain", "-m", "rise", "--masks", "40", "--seed", "9", "--out", dir.resolve("r.png").toString(),
                    "--save-npy", p.toString()).expect(0);
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void segmentWritesThePanelTheMaskAndJson() throws IOException {
        Path png = dir.resolve("seg/grabcut.png");
        Path npy = dir.resolve("mask.npy");
        Run r = cli("segment", "--method", "grabcut", "--from", "grad-cam", "--out", png.toString(), "--save-npy",
                npy.toString(), "--json").expect(0);
        JsonNode j = new ObjectMapper().readTree(r.out().lines().findFirst().orElseThrow());
        assertEquals("grad-cam", j.get("from").asText());
        assertEquals(9, j.get("target").asInt());
        double fg = j.get("foreground").asDouble();
        assertTrue(fg > 0.05 && fg < 0.95, "foreground fraction " + fg);
        BufferedImage panel = ImageIO.read(png.toFile());
        assertNotNull(panel);
        assertEquals(4 * 28 + 12, panel.getWidth());
        try (INDArray m = ImageTensors.readNpy(npy)) {
            assertArrayEquals(new long[] {1, 28, 28}, m.shape());
            assertEquals(fg * 28 * 28, m.sumNumber().doubleValue(), 0.5);
        }
        Run line = cli("segment", "--from", "saliency", "--out", dir.resolve("s.png").toString()).expect(0);
        assertTrue(line.out().startsWith("method=grabcut from=saliency target=9 "), line.out());
    }

    @Test
    void segmentAndExplainTakeAFolderOfImagesInFileNameOrder() throws IOException {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        BufferedImage img = dev.cnnviz.examples.DefaultModel.defaultImage();
        BufferedImage flipped = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                flipped.setRGB(img.getWidth() - 1 - x, y, img.getRGB(x, y));
            }
        }
        ImageIO.write(flipped, "png", in.resolve("b.png").toFile());
        ImageIO.write(img, "png", in.resolve("a.png").toFile());
        Files.writeString(in.resolve("notes.txt"), "not an image");
        Path npy = dir.resolve("masks.npy");
        Run r = cli("segment", "--images", in.toString(), "--from", "grad-cam", "--out", dir.resolve("seg.png").toString(),
                "--save-npy", npy.toString(), "--json").expect(0);
        var lines = r.out().strip().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(Files.size(ExplainCommand.indexed(dir.resolve("seg.png"), 0)) > 100);
        assertTrue(Files.size(ExplainCommand.indexed(dir.resolve("seg.png"), 1)) > 100);
        try (INDArray m = ImageTensors.readNpy(npy)) {
            assertArrayEquals(new long[] {2, 28, 28}, m.shape());
            // a.png (the default image) comes first: its mask, mirrored, is about b.png's.
            double same = 0;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    same += m.getInt(0, y, x) == m.getInt(1, y, 27 - x) ? 1 : 0;
                }
            }
            assertTrue(same / (28 * 28) > 0.8, "a mirrored image's mask is about the mirrored mask: " + same);
        }
        Run e = cli("explain", "-m", "saliency", "--images", in.toString(), "--out", dir.resolve("sal.png").toString()).expect(0);
        assertEquals(2, e.out().lines().filter(l -> l.contains("out=")).count(), e.out());
        assertTrue(Files.size(ExplainCommand.indexed(dir.resolve("sal.png"), 1)) > 100);
        assertClearError(cli("segment", "--images", dir.resolve("nothing").toString(), "--out",
                dir.resolve("n.png").toString()).expect(1), "nothing", "no such folder");
        assertClearError(cli("segment", "--images", in.toString(), "--image", in.resolve("a.png").toString(), "--out",
                dir.resolve("n.png").toString()).expect(2), "mutually exclusive");
    }

    @Test
    void segmentRefusesBadOptions() {
        String png = dir.resolve("x.png").toString();
        assertClearError(cli("segment", "--method", "watershed", "--out", png).expect(2), "watershed");
        assertClearError(cli("segment", "--from", "nonsense", "--out", png).expect(2), "nonsense");
        assertClearError(cli("segment", "--iterations", "0", "--out", png).expect(2), "iterations");
        assertClearError(cli("segment", "--target", "10", "--out", png).expect(2), "--target 10");
        assertClearError(cli("segment", "--layer", "relu3", "--from", "saliency", "--out", png).expect(2), "--layer");
        assertClearError(cli("segment", "--out", dir.resolve("x.jpg").toString()).expect(2), ".png");
    }
}
