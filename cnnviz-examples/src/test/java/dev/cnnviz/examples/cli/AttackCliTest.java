package dev.cnnviz.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.examples.DefaultModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The attack, universal, robustness and bench-attack commands on the embedded model. */
class AttackCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    @Test
    void attackOnAFolderWritesPanelsNpyAndJsonInFileNameOrder() throws Exception {
        Path images = Files.createDirectory(dir.resolve("imgs"));
        var tests = DefaultModel.testImages();
        ImageIo.writePng(tests.get(1).image(), images.resolve("b.png"));
        ImageIo.writePng(tests.get(0).image(), images.resolve("a.png"));
        Path png = dir.resolve("adv.png");
        Path npy = dir.resolve("adv.npy");
        Run r = cli("attack", "-m", "pgd", "--epsilon", "8/255", "--images", images.toString(), "--out", png.toString(),
                "--save-npy", npy.toString(), "--json").expect(0);
        String[] lines = r.out().strip().split("\\R");
        assertEquals(2, lines.length, r.out());
        JsonNode first = JSON.readTree(lines[0]);
        assertEquals("a.png", first.get("image").asText());
        assertEquals("b.png", JSON.readTree(lines[1]).get("image").asText());
        for (String l : lines) {
            JsonNode j = JSON.readTree(l);
            assertTrue(j.get("linf").asDouble() <= 8 / 255.0 + 1e-6, l);
            assertEquals(10, j.get("steps").asInt());
            assertEquals(j.get("success").asBoolean(),
                    j.get("after").get("class").asInt() != j.get("before").get("class").asInt(), l);
        }
        assertTrue(Files.isRegularFile(dir.resolve("adv-0.png")) && Files.isRegularFile(dir.resolve("adv-1.png")));
        try (INDArray a = ImageTensors.readNpy(npy)) {
            assertEquals("[2, 1, 28, 28]", java.util.Arrays.toString(a.shape()));
            assertTrue(a.minNumber().doubleValue() >= 0 && a.maxNumber().doubleValue() <= 1);
        }
    }

    @Test
    void everyMethodRunsOnTheDefaultImage() {
        for (String m : new String[] {"fgsm", "bim", "pgd-l2", "deepfool"}) {
            Run r = cli("attack", "-m", m, "--out", dir.resolve(m + ".png").toString()).expect(0);
            assertTrue(r.out().startsWith("default image: 9 Ankle boot"), r.out());
        }
        Run f = cli("attack", "-m", "fool", "--target", "7", "--steps", "300", "--alpha", "1/255",
                "--out", dir.resolve("fool.png").toString(), "--json").expect(0);
        assertTrue(f.out().contains("\"success\":true") && f.out().contains("\"after\":{\"class\":7"), f.out());
        cli("attack", "-m", "cw", "--steps", "20", "--target", "7", "--out", dir.resolve("cw.png").toString()).expect(0);
    }

    @Test
    void badArgumentsAreUsageErrors() {
        Run r = cli("attack", "-m", "fgsm", "--epsilon", "-1", "--out", dir.resolve("x.png").toString()).expect(2);
        assertTrue(r.err().contains("-1"), r.err());
        r = cli("attack", "-m", "pgd", "--target", "10", "--out", dir.resolve("x.png").toString()).expect(2);
        assertTrue(r.err().contains("class 10 is out of range"), r.err());
        r = cli("attack", "-m", "pgd", "--steps", "0", "--out", dir.resolve("x.png").toString()).expect(2);
        assertTrue(r.err().contains("steps") && r.err().contains("0"), r.err());
        r = cli("attack", "-m", "nope").expect(2);
        assertTrue(r.err().contains("unknown attack 'nope'"), r.err());
        r = cli("attack", "-m", "deepfool", "--target", "3").expect(2);
        assertTrue(r.err().contains("untargeted"), r.err());
        r = cli("attack", "-m", "fool").expect(2);
        assertTrue(r.err().contains("--target"), r.err());
        r = cli("attack", "-m", "fgsm", "--epsilon", "abc").expect(2);
        assertTrue(r.err().contains("abc"), r.err());
        r = cli("robustness", "-m", "deepfool").expect(2);
        assertTrue(r.err().contains("epsilon"), r.err());
        r = cli("robustness", "-m", "fgsm", "--eps", "0,x").expect(2);
        assertTrue(r.err().contains("'x'"), r.err());
        r = cli("universal", "--norm", "3").expect(2);
        assertTrue(r.err().contains("--norm"), r.err());
        Path notDir = dir.resolve("missing");
        r = cli("attack", "-m", "fgsm", "--images", notDir.toString(), "--out", dir.resolve("y.png").toString()).expect(1);
        assertTrue(r.err().contains(notDir.toString()), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void robustnessAndUniversalOnFashionMnist() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dev.cnnviz.examples.train.FashionMnist.DEFAULT_DIR));
        Path plot = dir.resolve("curve.png");
        Run r = cli("robustness", "-m", "fgsm", "--count", "40", "--eps", "0,4/255,32/255", "--out", plot.toString(),
                "--json").expect(0);
        String[] lines = r.out().strip().split("\\R");
        assertEquals(3, lines.length, r.out());
        double acc0 = JSON.readTree(lines[0]).get("accuracy").asDouble();
        double acc2 = JSON.readTree(lines[2]).get("accuracy").asDouble();
        assertTrue(acc0 > 0.7, "the model's clean accuracy on 40 test images: " + acc0);
        assertTrue(acc2 < acc0, "FGSM at 32/255 lowers it: " + acc2);
        assertEquals(640, ImageIo.read(plot).getWidth());
        Path u = dir.resolve("u.png");
        Path npy = dir.resolve("u.npy");
        r = cli("universal", "--train", "32", "--test", "32", "--passes", "1", "--xi", "0.1", "--out", u.toString(),
                "--save-npy", npy.toString(), "--json").expect(0);
        JsonNode j = JSON.readTree(r.out().strip());
        assertTrue(j.get("heldOutFoolingRate").asDouble() >= 0 && j.get("heldOutFoolingRate").asDouble() <= 1);
        try (INDArray v = ImageTensors.readNpy(npy)) {
            assertEquals("[1, 1, 28, 28]", java.util.Arrays.toString(v.shape()));
            assertTrue(v.amaxNumber().doubleValue() <= 0.1 + 1e-6);
        }
    }

    @Test
    void benchTimesAnAttackInTheBenchFormat() {
        Run r = cli("bench", "-m", "fgsm", "--batch", "2", "--runs", "2", "--warmup", "0").expect(0);
        assertTrue(r.out().matches("(?s)FGSM on the default image \\[2, 1, 28, 28\\]: median [0-9.]+ ms per image \\(min .*"), r.out());
    }
}
