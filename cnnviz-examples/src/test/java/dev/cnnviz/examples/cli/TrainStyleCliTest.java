package dev.cnnviz.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.Model;
import dev.cnnviz.dl4j.Models;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** {@code cnnviz train-style} on the shared SqueezeNet ({@code -Dcnnviz.shared=DIR}): usage errors and a tiny run. */
class TrainStyleCliTest {
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

    private static Path shared() {
        String shared = System.getProperty("cnnviz.shared", "");
        Assumptions.assumeFalse(shared.isBlank(), "cnnviz.shared is not set: skipping (run with -Dcnnviz.shared=DIR)");
        Path p = Path.of(shared);
        Assumptions.assumeTrue(Files.isRegularFile(p.resolve("models/squeezenet1.1/squeezenet1.1-imagenet.onnx")),
                "no shared SqueezeNet under " + p);
        return p;
    }

    private List<String> base(Path shared, Path photos) {
        return List.of("train-style", "--loss-model", shared.resolve("models/squeezenet1.1/squeezenet1.1-imagenet.onnx").toString(),
                "--preprocess", "caffe-bgr", "--style", shared.resolve("images/starry_night.jpg").toString(),
                "--images", photos.toString());
    }

    private static String[] args(List<String> base, String... more) {
        List<String> all = new java.util.ArrayList<>(base);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void usageErrorsNameTheValue() throws Exception {
        Path shared = shared();
        Path photos = Files.createDirectory(dir.resolve("photos"));
        Files.copy(shared.resolve("images/chelsea.png"), photos.resolve("chelsea.png"));
        Run odd = cli(args(base(shared, photos), "--size", "30", "--out", dir.resolve("a.onnx").toString())).expect(2);
        assertTrue(odd.err().contains("multiple of 4") && odd.err().contains("30"), odd.err());
        Run noFolder = cli(args(base(shared, dir.resolve("nope")), "--out", dir.resolve("b.onnx").toString())).expect(2);
        assertTrue(noFolder.err().contains("--images") && noFolder.err().contains("nope"), noFolder.err());
        Run png = cli(args(base(shared, photos), "--out", dir.resolve("c.png").toString())).expect(2);
        assertTrue(png.err().contains("c.png"), png.err());
    }

    @Test
    void tinyRunPrintsJsonStepsAndWritesAnOnnxThatLoads() throws Exception {
        Path shared = shared();
        Path photos = Files.createDirectory(dir.resolve("photos"));
        Files.copy(shared.resolve("images/chelsea.png"), photos.resolve("chelsea.png"));
        Path onnx = dir.resolve("tiny.onnx");
        Path preview = dir.resolve("tiny.png");
        Run r = cli(args(base(shared, photos), "--size", "32", "--batch", "1", "--width", "2", "--residual-blocks", "1",
                "--steps", "2", "--seed", "4", "--out", onnx.toString(), "--preview", preview.toString(), "--json")).expect(0);
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(3, lines.size(), r.out());
        for (int k = 0; k < 2; k++) {
            JsonNode step = JSON.readTree(lines.get(k));
            assertEquals(k + 1, step.get("step").asInt());
            for (String term : List.of("content", "style", "tv")) {
                assertTrue(step.get("terms").get(term).asDouble() > 0, lines.get(k));
            }
        }
        JsonNode summary = JSON.readTree(lines.get(2));
        assertEquals("train-style", summary.get("method").asText());
        assertEquals(2, summary.get("steps").asInt());
        Model back = Models.load(onnx);
        assertEquals(List.of(3, 32, 32), List.of(back.inputSpec().channels(), back.inputSpec().height(), back.inputSpec().width()));
        assertTrue(Files.size(preview) > 0);
    }
}
