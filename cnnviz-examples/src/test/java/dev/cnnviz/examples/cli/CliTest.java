package dev.cnnviz.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.examples.DefaultModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** The CLI run in-process through picocli, with captured output. */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The result of one CLI run. */
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

    /** The data rows of the predict table: rank, index, label, probability, score. */
    static List<String[]> rows(String table) {
        List<String[]> rows = new ArrayList<>();
        String[] lines = table.strip().split("\\R");
        assertTrue(lines[0].matches("\\s*rank\\s+index\\s+label\\s+probability\\s+score\\s*"), "header: " + lines[0]);
        for (int i = 1; i < lines.length; i++) {
            rows.add(lines[i].strip().split("\\s{2,}"));
        }
        return rows;
    }

    /** A one-line error without a stack trace. */
    static void assertClearError(Run r, String... fragments) {
        for (String f : fragments) {
            assertTrue(r.err().contains(f), () -> "stderr should mention '" + f + "':\n" + r.err());
        }
        assertFalse(r.err().contains("\tat "), () -> "no stack trace without --verbose:\n" + r.err());
        assertTrue(r.out().isEmpty(), () -> "nothing on stdout:\n" + r.out());
    }

    // ----------------------------------------------------------------------------------------------- predict

    @Test
    void predictOnTheDefaultModelFindsTheTrueLabelOfTheDefaultImage() {
        Run r = cli("predict").expect(0);
        int truth = DefaultModel.defaultImageLabel().orElseThrow();
        List<String[]> rows = rows(r.out());
        assertEquals(5, rows.size(), r.out());
        String[] top = rows.get(0);
        assertEquals("1", top[0]);
        assertEquals(Integer.toString(truth), top[1], r.out());
        assertEquals(DefaultModel.labels().get(truth), top[2], r.out());
        double p = Double.parseDouble(top[3]);
        assertTrue(p > 0.5 && p <= 1, r.out());
        double previous = 2;
        for (String[] row : rows) {
            double q = Double.parseDouble(row[3]);
            assertTrue(q <= previous, "sorted by probability:\n" + r.out());
            previous = q;
        }
        // the table is aligned: every line has the same length up to the score column's end
        String[] lines = r.out().strip().split("\\R");
        for (String line : lines) {
            assertEquals(lines[0].length(), line.length(), "aligned columns:\n" + r.out());
        }
    }

    @Test
    void predictJsonHasTheFourKeysAndProbabilitiesSummingToOne() throws IOException {
        Run r = cli("predict", "--json", "--top", "10").expect(0);
        JsonNode array = JSON.readTree(r.out());
        assertTrue(array.isArray(), r.out());
        assertEquals(10, array.size());
        double sum = 0;
        Set<Integer> indices = new HashSet<>();
        for (JsonNode e : array) {
            Set<String> keys = new HashSet<>();
            e.fieldNames().forEachRemaining(keys::add);
            assertEquals(Set.of("index", "label", "probability", "score"), keys);
            assertTrue(e.get("index").isInt());
            assertTrue(e.get("label").isTextual());
            assertTrue(e.get("score").isNumber());
            assertEquals(DefaultModel.labels().get(e.get("index").asInt()), e.get("label").asText());
            indices.add(e.get("index").asInt());
            sum += e.get("probability").asDouble();
        }
        assertEquals(10, indices.size());
        assertEquals(1.0, sum, 1e-5);
        assertEquals(DefaultModel.defaultImageLabel().orElseThrow(), array.get(0).get("index").asInt());
        // the largest score has the largest probability
        assertTrue(array.get(0).get("score").asDouble() >= array.get(1).get("score").asDouble());
    }

    @Test
    void predictTakesImagesAndNpyBatches() throws IOException {
        List<DefaultModel.TestImage> images = DefaultModel.testImages();
        assertEquals(300, images.size());
        DefaultModel.TestImage t = images.get(0);
        Path png = dir.resolve(t.name());
        ImageIO.write(t.image(), "png", png.toFile());
        Run r = cli("predict", "--image", png.toString(), "--top", "3").expect(0);
        assertEquals(3, rows(r.out()).size());

        Model m = DefaultModel.load();
        Path npy = dir.resolve("two.npy");
        try (INDArray x = ImageTensors.toBatch(List.of(images.get(0).image(), images.get(1).image()), m.inputSpec())) {
            ImageTensors.writeNpy(x, npy);
        }
        Run batch = cli("predict", "--input-npy", npy.toString(), "--top", "2", "--json").expect(0);
        JsonNode a = JSON.readTree(batch.out());
        assertEquals(2, a.size());
        assertEquals(2, a.get(1).size());
        Run table = cli("predict", "--input-npy", npy.toString(), "--top", "2").expect(0);
        assertTrue(table.out().contains("example 1:"), table.out());
    }

    @Test
    void jsonStringsAreEscaped() throws IOException {
        String nasty = "a \"quoted\" \\ back\tslash\nnew line \u0001 ü 猫 \uD83D\uDC08";
        assertEquals(nasty, JSON.readTree(Json.string(nasty)).asText());
        assertEquals("null", Json.string(null));
        assertEquals("null", Json.number(Double.NaN));
        assertEquals(1e-7, JSON.readTree(Json.number(1e-7)).asDouble());
        assertEquals(38.86f, (float) JSON.readTree(Json.floatNumber(38.86f)).asDouble());
    }

    @Test
    void preprocessSpecs() {
        assertEquals(Preprocessing.caffeBgr(104, 117, 123), PreprocessSpec.parse("caffe-bgr:104,117,123"));
        assertEquals(Preprocessing.caffeBgr(104, 117, 123), PreprocessSpec.parse("caffe-bgr"));
        assertEquals(Preprocessing.caffeBgr(1, 2, 3.5), PreprocessSpec.parse("CAFFE-BGR: 1, 2, 3.5"));
        assertEquals(Preprocessing.imagenetTorch(), PreprocessSpec.parse("torch-imagenet"));
        assertEquals(Preprocessing.unit(ChannelOrder.RGB), PreprocessSpec.parse("unit-rgb"));
        assertEquals(Preprocessing.unit(ChannelOrder.GREY), PreprocessSpec.parse("unit-grey"));
        assertEquals(Preprocessing.unit(ChannelOrder.GREY), PreprocessSpec.parse("unit-gray"));
        assertEquals(Preprocessing.raw(ChannelOrder.RGB), PreprocessSpec.parse("raw-rgb"));
        assertEquals(Preprocessing.raw(ChannelOrder.BGR), PreprocessSpec.parse("raw-bgr"));
        for (String bad : new String[] {"", "bogus", "unit-cmyk", "caffe-bgr:1,2", "caffe-bgr:a,b,c", "unit-rgb:1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreprocessSpec.parse(bad), bad);
            assertTrue(e.getMessage().contains("caffe-bgr") || e.getMessage().contains("number"), e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------- errors

    @Test
    void missingImageIsAnErrorNamingTheFile() {
        Run r = cli("predict", "--image", dir.resolve("no-such.png").toString()).expect(1);
        assertClearError(r, "no-such.png", "not found");
        Run v = cli("predict", "--image", dir.resolve("no-such.png").toString(), "--verbose").expect(1);
        assertTrue(v.err().contains("\tat "), "stack trace with --verbose:\n" + v.err());
    }

    @Test
    void undecodableImageAndMissingModelAreErrors() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.png"), "not a png");
        assertClearError(cli("predict", "--image", junk.toString()).expect(1), "junk.png");
        assertClearError(cli("summary", "--model", dir.resolve("nope.onnx").toString()).expect(1), "nope.onnx");
        assertClearError(cli("explain", "-m", "saliency", "--model", junk.toString(), "--image", junk.toString())
                .expect(1), "junk.png");
    }

    @Test
    void unknownMethodIsAUsageErrorListingTheMethods() {
        Run r = cli("explain", "--method", "gradcamm").expect(2);
        assertClearError(r, "unknown method 'gradcamm'", "grad-cam", "score-cam", "--help");
        assertClearError(cli("explain").expect(2), "--method");
    }

    @Test
    void badPreprocessIsAUsageError() {
        assertClearError(cli("predict", "--preprocess", "bogus").expect(2), "unknown preprocessing 'bogus'", "caffe-bgr");
        // valid spec, but 3 channels for a grey model
        assertClearError(cli("predict", "--preprocess", "unit-rgb").expect(2), "--preprocess", "channel");
    }

    @Test
    void classIndexOutOfRangeIsAUsageError() {
        assertClearError(cli("explain", "-m", "grad-cam", "--target", "10").expect(2), "--target 10", "out of range", "10 classes");
        assertClearError(cli("explain", "-m", "saliency", "--target", "-1").expect(2), "out of range");
    }

    @Test
    void optionsThatDoNotApplyAreUsageErrors() {
        assertClearError(cli("explain", "-m", "saliency", "--layer", "relu3").expect(2), "--layer", "CAM");
        assertClearError(cli("explain", "-m", "grad-cam", "--steps", "5").expect(2), "--steps", "integrated-gradients");
        assertClearError(cli("explain", "-m", "saliency", "--samples", "5").expect(2), "--samples", "smoothgrad");
        assertClearError(cli("explain", "-m", "grad-cam", "--layer", "no-such-layer").expect(2), "no-such-layer", "closest");
        assertClearError(cli("predict", "--top", "0").expect(2), "--top");
        assertClearError(cli("predict", "--image", "a.png", "--input-npy", "b.npy").expect(2), "mutually exclusive");
        assertClearError(cli("predict", "--model", "x.onnx").expect(1), "x.onnx");
        assertClearError(cli("frobnicate").expect(2), "frobnicate");
    }

    @Test
    void anExternalModelNeedsAnInput(@TempDir Path tmp) throws IOException {
        Path zip = tmp.resolve("fashion.zip");
        try (var in = DefaultModel.class.getResourceAsStream(DefaultModel.RESOURCE_DIR + DefaultModel.MODEL_FILE)) {
            Files.copy(in, zip);
        }
        assertClearError(cli("predict", "--model", zip.toString()).expect(2), "--image");
        Path png = tmp.resolve("x.png");
        ImageIO.write(DefaultModel.defaultImage(), "png", png.toFile());
        Run r = cli("predict", "--model", zip.toString(), "--image", png.toString(), "--top", "1").expect(0);
        assertEquals(Integer.toString(DefaultModel.defaultImageLabel().orElseThrow()), rows(r.out()).get(0)[1]);
        assertEquals("-", rows(r.out()).get(0)[2], "no labels without --labels");
    }

    // ------------------------------------------------------------------------------------ untrusted input

    /** Neither a Java stack trace nor the JVM's "Exception in thread" line. */
    static void assertNoStackTrace(Run r) {
        for (String line : r.err().lines().toList()) {
            assertFalse(line.strip().startsWith("at ") || line.contains("Exception in") || line.contains("\tat "),
                    () -> "no stack trace without --verbose:\n" + r.err());
        }
        assertTrue(r.err().lines().count() <= 3, () -> "one or two lines (and the usage hint):\n" + r.err());
    }

    @Test
    void devZeroAsAnImageIsAOneLineErrorNotAnOutOfMemoryError() {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/zero")), "no /dev/zero on this system");
        Run r = cli("predict", "--image", "/dev/zero").expect(1);
        assertClearError(r, "/dev/zero", "character device", "not a regular file");
        assertNoStackTrace(r);
        assertClearError(cli("predict", "--input-npy", "/dev/zero").expect(1), "/dev/zero", "character device");
    }

    @Test
    void devZeroAsLabelsOrModelIsAOneLineError() {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/zero")), "no /dev/zero on this system");
        Run labels = cli("predict", "--labels", "/dev/zero").expect(1);
        assertClearError(labels, "/dev/zero", "character device", "not a regular file");
        assertNoStackTrace(labels);
        Run model = cli("summary", "--model", "/dev/zero").expect(1);
        assertClearError(model, "/dev/zero", "not a regular file");
        assertNoStackTrace(model);
    }

    @Test
    void aBatchOverTheMemoryBudgetIsRefusedBeforeAllocation() {
        // The review's finding: bench --batch 100000 segfaulted allocating the repeated input.
        Run r = cli("bench", "-m", "grad-cam", "--batch", "100000", "--runs", "1", "--warmup", "0").expect(1);
        assertClearError(r, "--batch 100000", "memory budget", "use a smaller --batch");
        assertNoStackTrace(r);
    }

    @Test
    void aTruncatedJpegIsRefusedInsteadOfClassified() throws IOException {
        Path jpg = dir.resolve("boot.jpg");
        assertTrue(ImageIO.write(DefaultModel.defaultImage(), "jpg", jpg.toFile()));
        cli("predict", "--image", jpg.toString()).expect(0);
        byte[] whole = Files.readAllBytes(jpg);
        Path cut = Files.write(dir.resolve("boot-half.jpg"), java.util.Arrays.copyOf(whole, whole.length / 2));
        Run r = cli("predict", "--image", cut.toString()).expect(1);
        assertClearError(r, "boot-half.jpg", "truncated");
        assertNoStackTrace(r);
    }

    @Test
    void theSharedCatCutTo5PercentIsRefused() throws IOException {
        String shared = System.getProperty("cnnviz.shared", "");
        Assumptions.assumeFalse(shared.isBlank(), "cnnviz.shared is not set: skipping (run with -Dcnnviz.shared=DIR)");
        Path cat = Path.of(shared).resolve("images/cat.jpg");
        assertTrue(Files.isRegularFile(cat), "cnnviz.shared=" + shared + " but " + cat + " is missing");
        byte[] whole = Files.readAllBytes(cat);
        cli("predict", "--image", cat.toString()).expect(0);
        Path cut = Files.write(dir.resolve("cat-5.jpg"), java.util.Arrays.copyOf(whole, whole.length / 20));
        assertClearError(cli("predict", "--image", cut.toString()).expect(1), "cat-5.jpg", "truncated");
    }

    @Test
    void anNpyWithTrailingBytesIsRefused() throws IOException {
        Path npy = dir.resolve("x.npy");
        try (INDArray x = ImageTensors.toBatch(List.of(DefaultModel.defaultImage()), DefaultModel.load().inputSpec())) {
            ImageTensors.writeNpy(x, npy);
        }
        cli("predict", "--input-npy", npy.toString()).expect(0);
        Files.write(npy, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        Run r = cli("predict", "--input-npy", npy.toString()).expect(1);
        assertClearError(r, "x.npy", "3 trailing bytes", "3136 bytes of data");
        assertNoStackTrace(r);
    }

    @Test
    void explainRefusesToOverwriteItsImage() throws IOException {
        // The finding: explain --out cat.jpg --image cat.jpg replaced the photograph with a PNG panel.
        Path jpg = dir.resolve("cat.jpg");
        assertTrue(ImageIO.write(DefaultModel.defaultImage(), "jpg", jpg.toFile()));
        byte[] before = Files.readAllBytes(jpg);
        Run r = cli("explain", "-m", "grad-cam", "--out", jpg.toString(), "--image", jpg.toString()).expect(2);
        assertClearError(r, "--out", "--image", "same file", jpg.toString());
        assertArrayEquals(before, Files.readAllBytes(jpg), "the image is unchanged");

        // A PNG input, named differently but the same file: a relative path, a symbolic link, a hard link.
        Path png = dir.resolve("boot.png");
        ImageIO.write(DefaultModel.defaultImage(), "png", png.toFile());
        byte[] pngBefore = Files.readAllBytes(png);
        Path link = Files.createSymbolicLink(dir.resolve("link.png"), png);
        Path hard = Files.createLink(dir.resolve("hard.png"), png);
        Path dotted = dir.resolve("sub/../boot.png");
        for (Path out : List.of(png, link, hard, dotted)) {
            assertClearError(cli("explain", "-m", "saliency", "--image", png.toString(), "--out", out.toString())
                    .expect(2), "--out", "--image", "same file");
        }
        assertArrayEquals(pngBefore, Files.readAllBytes(png), "the image is unchanged");
    }

    @Test
    void noOutputMayBeAnInput() throws IOException {
        Path npy = dir.resolve("in.npy");
        try (INDArray x = ImageTensors.toBatch(List.of(DefaultModel.defaultImage()), DefaultModel.load().inputSpec())) {
            ImageTensors.writeNpy(x, npy);
        }
        byte[] before = Files.readAllBytes(npy);
        assertClearError(cli("explain", "-m", "saliency", "--input-npy", npy.toString(), "--save-npy", npy.toString(),
                "--out", dir.resolve("p.png").toString()).expect(2), "--save-npy", "--input-npy", "same file");
        assertArrayEquals(before, Files.readAllBytes(npy));

        Path zip = dir.resolve("fashion.png"); // a model file with a .png name, to reach the same-file check
        try (var in = DefaultModel.class.getResourceAsStream(DefaultModel.RESOURCE_DIR + DefaultModel.MODEL_FILE)) {
            Files.copy(in, zip);
        }
        assertClearError(cli("explain", "-m", "saliency", "--model", zip.toString(), "--image", zip.toString(),
                "--out", zip.toString()).expect(2), "--out", "same file");
        Path labels = Files.writeString(dir.resolve("labels.npy"), "a\nb\n");
        assertClearError(cli("explain", "-m", "saliency", "--labels", labels.toString(), "--save-npy",
                labels.toString(), "--out", dir.resolve("q.png").toString()).expect(2), "--save-npy", "--labels");
        assertEquals("a\nb\n", Files.readString(labels));
        assertFalse(Files.exists(dir.resolve("p.png")) || Files.exists(dir.resolve("q.png")), "nothing written");
    }

    @Test
    void outputNamesMustSayTheFormatWritten() {
        Path jpg = dir.resolve("panel.jpg");
        assertClearError(cli("explain", "-m", "saliency", "--out", jpg.toString()).expect(2), "--out must end in .png",
                "panel.jpg");
        assertClearError(cli("explain", "-m", "saliency", "--out", dir.resolve("panel").toString()).expect(2),
                "--out must end in .png");
        Path bin = dir.resolve("raw.bin");
        assertClearError(cli("explain", "-m", "saliency", "--out", dir.resolve("ok.png").toString(), "--save-npy",
                bin.toString()).expect(2), "--save-npy must end in .npy", "raw.bin");
        assertFalse(Files.exists(jpg) || Files.exists(bin) || Files.exists(dir.resolve("ok.png")), "nothing written");
        cli("explain", "-m", "saliency", "--out", dir.resolve("UPPER.PNG").toString()).expect(0);
    }

    @Test
    void numericOptionsHaveBounds() {
        String out = dir.resolve("n.png").toString();
        assertClearError(cli("explain", "-m", "integrated-gradients", "--steps", "0", "--out", out).expect(2),
                "--steps must be between 1 and 10000, found 0");
        assertClearError(cli("explain", "-m", "integrated-gradients", "--steps", "10001", "--out", out).expect(2),
                "--steps", "10001");
        assertClearError(cli("explain", "-m", "smoothgrad", "--samples", "0", "--out", out).expect(2), "--samples");
        assertClearError(cli("explain", "-m", "smoothgrad", "--samples", "2000000000", "--out", out).expect(2),
                "--samples must be between 1 and 10000");
        assertClearError(cli("bench", "-m", "saliency", "--runs", "0").expect(2), "--runs must be between 1");
        assertClearError(cli("bench", "-m", "saliency", "--runs", "100001").expect(2), "--runs", "100001");
        assertClearError(cli("bench", "-m", "saliency", "--warmup", "-1").expect(2), "--warmup must be between 0");
        assertClearError(cli("bench", "-m", "saliency", "--batch", "0").expect(2), "--batch must be at least 1");
        assertClearError(cli("predict", "--top", "-3").expect(2), "--top must be at least 1");
        assertClearError(cli("predict", "--top", "99999999999").expect(2), "--top", "99999999999");
        assertClearError(cli("explain", "-m", "saliency", "--target", "x").expect(2), "--target", "'x'");
    }

    @Test
    void failuresOfEveryKindEndInOneLineWithoutAStackTrace() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.png"), "not a png");
        Path badNpy = Files.write(dir.resolve("bad.npy"), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 4, 0,
            '{', '}', ' ', '\n'});
        Path emptyModel = Files.write(dir.resolve("empty.onnx"), new byte[0]);
        List<String[]> failing = List.of(
                new String[] {"predict", "--image", junk.toString()},
                new String[] {"predict", "--image", dir.toString()},
                new String[] {"predict", "--input-npy", badNpy.toString()},
                new String[] {"summary", "--model", emptyModel.toString()},
                new String[] {"summary", "--model", dir.toString()},
                new String[] {"predict", "--labels", dir.toString()},
                new String[] {"explain", "-m", "grad-cam", "--out", dir.resolve("x/y.png").toString(), "--layer",
                    "no-such"},
                new String[] {"explain", "-m", "saliency", "--out", junk.resolve("sub.png").toString()});
        for (String[] args : failing) {
            Run r = cli(args);
            assertTrue(r.code() == 1 || r.code() == 2, () -> String.join(" ", args) + ": exit " + r.code());
            assertFalse(r.err().isBlank(), String.join(" ", args));
            assertNoStackTrace(r);
        }
    }

    @Test
    void errorsSayWhatToDo() {
        String oom = Cli.message(new OutOfMemoryError("Java heap space"));
        assertTrue(oom.contains("out of memory (Java heap space)") && oom.contains("CNNVIZ_JAVA_OPTS=-Xmx"), oom);
        String wrapped = Cli.message(new RuntimeException("ND4J failed", new OutOfMemoryError("Cannot allocate")));
        assertTrue(wrapped.startsWith("out of memory (Cannot allocate)"), wrapped);
        String deep = Cli.message(new StackOverflowError());
        assertTrue(deep.contains("stack overflow") && deep.contains("-Xss"), deep);
        String link = Cli.message(new UnsatisfiedLinkError("no jnind4jcpu in java.library.path"));
        assertTrue(link.contains("UnsatisfiedLinkError") && link.contains("jnind4jcpu"), link);
        assertEquals("first line ...", Cli.message(new IllegalStateException("first line\nsecond line")));
    }

    /** A real OutOfMemoryError in a separate JVM with a small heap: one line and a hint, exit 1, no stack trace. */
    @Test
    void outOfMemoryInAJvmWithASmallHeapIsAOneLineError() throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                Cli.class.getName(), "bench", "-m", "saliency", "--batch", "100000", "--runs", "1", "--warmup", "0");
        pb.redirectOutput(dir.resolve("oom.out").toFile());
        pb.redirectError(dir.resolve("oom.err").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "the CLI ends");
        String err = Files.readString(dir.resolve("oom.err"));
        Run r = new Run(p.exitValue(), Files.readString(dir.resolve("oom.out")), err);
        r.expect(1);
        assertTrue(err.contains("cnnviz bench: error: ") && err.contains("memory"), err);
        assertNoStackTrace(r);
    }

    // --------------------------------------------------------------------------------------------- explain

    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"INVERSION", "DEEPDREAM", "CLASS_VISUALIZATION", "NEURON_VISUALIZATION"})
    void explainRefusesAnImageOptimizationAndNamesItsCommand(Method method) {
        Run r = cli("explain", "--method", method.cliName(), "--out", dir.resolve("x.png").toString()).expect(2);
        assertTrue(r.err().contains("image optimization") && r.err().contains("cnnviz " + method.synthesisCommand()), r.err());
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"INVERSION", "DEEPDREAM", "CLASS_VISUALIZATION", "NEURON_VISUALIZATION"}) // image optimizations: own commands
    void explainWritesAPanelAndTheRawAttributionForEveryMethod(Method method) throws IOException {
        Path png = dir.resolve("out/" + method.cliName() + ".png");
        Path npy = dir.resolve(method.cliName() + ".npy");
        List<String> args = new ArrayList<>(List.of("explain", "--method", method.cliName(), "--out", png.toString(),
                "--save-npy", npy.toString()));
        if (method == Method.INTEGRATED_GRADIENTS) {
            args.addAll(List.of("--steps", "16"));
        }
        args.addAll(perturbationArgs(method, 28));
        Run r = cli(args.toArray(String[]::new)).expect(0);
        String line = r.out().lines().findFirst().orElseThrow();
        int truth = DefaultModel.defaultImageLabel().orElseThrow();
        assertTrue(line.startsWith("method=" + method.cliName() + " layer="), line);
        assertTrue(line.contains(" target=" + truth + " "), line);
        assertTrue(line.contains(" score="), line);
        assertTrue(line.endsWith(" out=" + png), line);
        assertEquals(method.layered(), !line.contains(" layer=- "), line);

        BufferedImage panel = ImageIO.read(png.toFile());
        assertNotNull(panel, "a readable PNG");
        assertTrue(panel.getWidth() > 2 * panel.getHeight() / 2 && panel.getHeight() >= 28, "a panel, not a 28x28 map");

        try (INDArray a = ImageTensors.readNpy(npy)) {
            long[] shape = a.shape();
            if (method.layerResolution()) {
                assertEquals(3, shape.length, () -> method + " npy " + java.util.Arrays.toString(shape));
                assertEquals(1, shape[0]);
                assertTrue(shape[1] < 28 && shape[2] < 28, "layer resolution, below the input's 28x28");
            } else if (method.perturbation() && method != Method.OCCLUSION) {
                assertArrayEquals(new long[] {1, 28, 28}, shape, method + " npy: one value per pixel");
            } else {
                assertArrayEquals(new long[] {1, 1, 28, 28}, shape, method + " npy");
            }
            assertTrue(a.amaxNumber().doubleValue() > 0, "a non-zero attribution");
        }
    }

    @Test
    void explainAtANamedLayerAndForAnotherClass() throws IOException {
        Model m = DefaultModel.load();
        Run auto = cli("explain", "-m", "grad-cam", "--out", dir.resolve("a.png").toString()).expect(0);
        String layer = auto.out().split(" layer=")[1].split(" ")[0];
        assertTrue(m.graph().contains(layer), layer);
        // an earlier layer: the first node after the input, if it is 4-D the map is at the input's resolution
        Path npy = dir.resolve("cam.npy");
        Run r = cli("explain", "-m", "layer-cam", "--layer", layer, "--target", "3", "--out",
                dir.resolve("b.png").toString(), "--save-npy", npy.toString()).expect(0);
        assertTrue(r.out().contains(" layer=" + layer + " target=3 label=\"" + m.labels().get(3) + "\""), r.out());
        assertTrue(Files.size(npy) > 0);
    }

    @Test
    void explainABatchWritesOnePanelPerExample() throws IOException {
        Model m = DefaultModel.load();
        List<DefaultModel.TestImage> images = DefaultModel.testImages().subList(0, 3);
        Path npy = dir.resolve("three.npy");
        List<BufferedImage> list = new ArrayList<>();
        images.forEach(t -> list.add(t.image()));
        try (INDArray x = ImageTensors.toBatch(list, m.inputSpec())) {
            ImageTensors.writeNpy(x, npy);
        }
        Path raw = dir.resolve("raw.npy");
        Run r = cli("explain", "-m", "saliency", "--input-npy", npy.toString(), "--out", dir.resolve("s.png").toString(),
                "--save-npy", raw.toString()).expect(0);
        for (int i = 0; i < 3; i++) {
            assertNotNull(ImageIO.read(dir.resolve("s-" + i + ".png").toFile()));
        }
        try (INDArray a = ImageTensors.readNpy(raw)) {
            assertArrayEquals(new long[] {3, 1, 28, 28}, a.shape());
        }
        assertEquals(4, r.out().lines().count(), r.out());
    }

    // ------------------------------------------------------------------------------ bench, summary, help

    @Test
    void benchPrintsTheMedian() {
        Run r = cli("bench", "-m", "grad-cam", "--warmup", "1", "--runs", "3").expect(0);
        assertTrue(r.out().matches("(?s)grad-cam on the default image \\[1, 1, 28, 28\\]: median [0-9.]+ ms per explanation "
                + "\\(min [0-9.]+, max [0-9.]+; 3 runs after 1 warm-up\\)\\s*"), r.out());
        Run b = cli("bench", "-m", "saliency", "--warmup", "0", "--runs", "2", "--batch", "4").expect(0);
        assertTrue(b.out().contains("[4, 1, 28, 28]"), b.out());
    }

    @Test
    void summaryPrintsTheGraph() {
        Run r = cli("summary").expect(0);
        Model m = DefaultModel.load();
        assertTrue(r.out().contains(m.graph().summary()), r.out());
        assertTrue(r.out().contains("labels: 10"), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"predict", "explain", "segment", "bench", "summary"})
    void everyCommandHasHelpWithExamples(String command) {
        Run r = cli(command, "--help").expect(0);
        assertTrue(r.out().contains("Usage: cnnviz " + command), r.out());
        assertTrue(r.out().contains("Examples:"), r.out());
        assertTrue(r.out().contains("--model=FILE"), r.out());
    }

    @Test
    void everySubcommandsHelpRendersWithoutPicocliWarnings() {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        var cl = Cli.commandLine(new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(new java.io.StringWriter()));
        StringBuilder usage = new StringBuilder();
        try {
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            for (var sub : cl.getSubcommands().entrySet()) {
                usage.append(sub.getKey()).append(": ").append(sub.getValue().getUsageMessage().length()).append('\n');
            }
        } finally {
            System.setErr(saved);
        }
        String warnings = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(cl.getSubcommands().size() > 10, usage.toString());
        assertFalse(warnings.contains("WARN"), "a help text has an unescaped '%' or a bad format:\n" + warnings);
    }

    @Test
    void topLevelHelpAndVersion() {
        Run help = cli("--help").expect(0);
        for (String s : new String[] {"predict", "explain", "segment", "bench", "summary", "Examples:", "Exit status"}) {
            assertTrue(help.out().contains(s), help.out());
        }
        Run explain = cli("explain", "--help").expect(0);
        for (Method m : Method.values()) {
            assertTrue(explain.out().contains(m.cliName()), m + " listed:\n" + explain.out());
        }
        assertTrue(cli("predict", "--help").out().contains("Default: 5"), "defaults shown");
        Run v = cli("--version").expect(0);
        assertTrue(v.out().startsWith("cnnviz "), v.out());
        assertTrue(v.out().contains("Java 17") || v.out().contains("Java "), v.out());
        assertClearError(cli().expect(2), "missing command");
    }

    /**
     * Options that keep the perturbation methods' model evaluations few in the end-to-end runs: a 4 x 4 or 7 x 7 grid of
     * windows, 4 to 16 features, tens of samples.
     */
    static List<String> perturbationArgs(Method method, int size) {
        return switch (method) {
            case OCCLUSION -> List.of("--window", String.valueOf(size / 4), "--stride", String.valueOf(size / 4));
            case FEATURE_ABLATION -> List.of("--segments", "grid:" + size / 4);
            case SHAPLEY -> List.of("--segments", "grid:" + size / 2);
            case SHAPLEY_SAMPLING -> List.of("--segments", "grid:" + size / 2, "--samples", "2");
            case KERNEL_SHAP -> List.of("--segments", "grid:" + size / 4, "--samples", "24");
            case LIME -> List.of("--segments", "slic:16", "--samples", "24");
            case RISE -> List.of("--masks", "24");
            default -> List.of();
        };
    }

    @Test
    void methodNamesRoundTrip() {
        for (Method m : Method.values()) {
            assertEquals(m, Method.parse(m.cliName()));
            assertEquals(m, Method.parse(m.cliName().toUpperCase()));
        }
        assertEquals(Method.GRAD_CAM, Method.parse("gradcam"));
        assertEquals(Method.GRAD_CAM_PLUS_PLUS, Method.parse("grad_cam++"));
        Iterator<String> names = new Method.Names().iterator();
        assertEquals("saliency", names.next());
        assertTrue(Method.names().contains("guided-grad-cam"));
    }

    // -------------------------------------------------------------------------------- SqueezeNet (shared)

    /** The CLI on the real SqueezeNet 1.1 of the shared folder ({@code -Dcnnviz.shared=DIR}). */
    @Nested
    class SqueezeNet {
        /** The concatenation of SqueezeNet's last fire module (the ONNX node has no name; the importer names it). */
        static final String FIRE9_CONCAT = "concat_fire9/concat_1";
        /** The ReLU of fire9's 1x1 expansion (256 channels, 13x13), one of the two inputs of the concatenation. */
        static final String FIRE9_EXPAND1X1 = "relu_fire9/expand1x1_2";

        Path model;
        Path input;
        Path labels;

        @BeforeEach
        void shared() {
            String shared = System.getProperty("cnnviz.shared", "");
            Assumptions.assumeFalse(shared.isBlank(),
                    "cnnviz.shared is not set: skipping the SqueezeNet CLI tests (run with -Dcnnviz.shared=DIR)");
            Path dir = Path.of(shared).resolve("models/squeezenet1.1");
            model = dir.resolve("squeezenet1.1-imagenet.onnx");
            input = dir.resolve("cat-input.npy");
            labels = dir.resolve("imagenet-labels.txt");
            for (Path p : List.of(model, input, labels)) {
                assertTrue(Files.isRegularFile(p), "cnnviz.shared=" + shared + " but " + p + " is missing");
            }
        }

        @Test
        void gradCamAtFire9ForTheCat() throws IOException {
            Path png = dir.resolve("squeeze-gradcam.png");
            Path npy = dir.resolve("squeeze-gradcam.npy");
            Run r = cli("explain", "--method", "grad-cam", "--model", model.toString(), "--labels", labels.toString(),
                    "--preprocess", "caffe-bgr:104,117,123", "--input-npy", input.toString(), "--target", "285", "--layer", FIRE9_CONCAT,
                    "--out", png.toString(), "--save-npy", npy.toString()).expect(0);
            assertTrue(r.out().contains("method=grad-cam layer=" + FIRE9_CONCAT + " target=285 label=\"Egyptian cat\""), r.out());
            double score = Double.parseDouble(r.out().split(" score=")[1].split(" ")[0]);
            assertEquals(38.86, score, 0.05, "the known class score before the softmax");
            assertNotNull(ImageIO.read(png.toFile()));
            try (INDArray a = ImageTensors.readNpy(npy)) {
                assertArrayEquals(new long[] {1, 13, 13}, a.shape());
            }
        }

        @Test
        void predictFindsTheEgyptianCat() throws IOException {
            Run r = cli("predict", "--model", model.toString(), "--labels", labels.toString(), "--input-npy",
                    input.toString(), "--top", "3", "--json").expect(0);
            JsonNode a = JSON.readTree(r.out());
            assertEquals(285, a.get(0).get("index").asInt());
            assertEquals("Egyptian cat", a.get(0).get("label").asText());
            assertEquals(0.7616, a.get(0).get("probability").asDouble(), 2e-3);
            assertEquals(282, a.get(1).get("index").asInt());
        }

        /**
         * The CAM methods run at fire9's concatenation, except CAM itself (defined only at the layer feeding the
         * global average pooling: the default, conv10's ReLU) and Score-CAM, which runs the network once per
         * channel: the 256 of fire9's 1x1 expansion rather than 512 or 1000 keep it under a minute.
         */
        private String layerFor(Method method) {
            if (!method.layered() || method == Method.CAM) {
                return null;
            }
            return method == Method.SCORE_CAM ? FIRE9_EXPAND1X1 : FIRE9_CONCAT;
        }

        @ParameterizedTest
        @EnumSource(value = Method.class, mode = EnumSource.Mode.EXCLUDE,
                names = {"INVERSION", "DEEPDREAM", "CLASS_VISUALIZATION", "NEURON_VISUALIZATION"}) // image optimizations: own commands
        void everyMethodRunsEndToEnd(Method method) throws IOException {
            Path png = dir.resolve("squeeze-" + method.cliName() + ".png");
            Path npy = dir.resolve("squeeze-" + method.cliName() + ".npy");
            List<String> args = new ArrayList<>(List.of("explain", "--method", method.cliName(), "--model",
                    model.toString(), "--preprocess", "caffe-bgr", "--input-npy", input.toString(), "--target", "285", "--out", png.toString(),
                    "--save-npy", npy.toString()));
            if (method == Method.INTEGRATED_GRADIENTS) {
                args.addAll(List.of("--steps", "16"));
            }
            if (method == Method.SMOOTHGRAD) {
                args.addAll(List.of("--samples", "8"));
            }
            args.addAll(perturbationArgs(method, 224));
            String layer = layerFor(method);
            if (layer != null) {
                args.addAll(List.of("--layer", layer));
            }
            Run r = cli(args.toArray(String[]::new)).expect(0);
            assertTrue(r.out().contains(" target=285 "), r.out());
            if (method.layered()) {
                assertTrue(r.out().contains(" layer=" + (layer != null ? layer : "relu_conv10_2") + " "), r.out());
            }
            BufferedImage panel = ImageIO.read(png.toFile());
            assertNotNull(panel);
            assertTrue(panel.getHeight() >= 224, "the panel shows the 224x224 input");
            try (INDArray a = ImageTensors.readNpy(npy)) {
                if (method.layerResolution()) {
                    assertArrayEquals(new long[] {1, 13, 13}, a.shape(), method.cliName());
                } else if (method.perturbation() && method != Method.OCCLUSION) {
                    assertArrayEquals(new long[] {1, 224, 224}, a.shape(), method.cliName());
                } else {
                    assertArrayEquals(new long[] {1, 3, 224, 224}, a.shape(), method.cliName());
                }
                assertTrue(a.amaxNumber().doubleValue() > 0, "a non-zero attribution");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- evaluate

    @Test
    void evaluateWritesASelfContainedReportAndOneJsonLinePerMethod() throws Exception {
        Path html = dir.resolve("report.html");
        Path plots = dir.resolve("plots");
        Run r = cli("evaluate", "--methods", "grad-cam,saliency", "--limit", "3", "--metrics", "deletion,road-morf,randomization",
                "--out", html.toString(), "--plots", plots.toString(), "--json").expect(0);
        String[] lines = r.out().strip().split("\\R");
        assertEquals(2, lines.length, r.out());
        var first = JSON.readTree(lines[0]);
        assertEquals("grad-cam", first.get("method").asText());
        assertEquals(3, first.get("images").asInt());
        assertTrue(first.get("metrics").get("deletion").get("mean").asDouble() >= 0);
        assertFalse(first.get("metrics").has("insertion"));
        String page = Files.readString(html);
        assertTrue(page.contains("<table>") && page.contains("data:image/png;base64,") && !page.contains("src=\"http"), page);
        for (String p : List.of("deletion", "road", "randomization")) {
            assertTrue(Files.size(plots.resolve(p + ".png")) > 1000, p);
        }
    }

    @Test
    void evaluateMeasuresInfidelityWithEitherPerturbation() throws Exception {
        for (String p : List.of("square", "noise")) {
            Run r = cli("evaluate", "--methods", "grad-cam", "--limit", "2", "--metrics", "infidelity", "--infidelity", p,
                    "--out", dir.resolve("infd-" + p + ".html").toString(), "--json").expect(0);
            var line = JSON.readTree(r.out().strip());
            double v = line.get("metrics").get("infidelity").get("mean").asDouble();
            assertTrue(v > 0 && Double.isFinite(v), p + ": " + r.out());
        }
    }

    @Test
    void evaluateRefusesBadArguments() {
        assertClearError(cli("evaluate", "--methods", "grad-cam,nope").expect(2), "unknown method 'nope'");
        assertClearError(cli("evaluate", "--metrics", "speed").expect(2), "unknown metric 'speed'");
        assertClearError(cli("evaluate", "--limit", "0").expect(2), "--limit", "found 0");
        assertClearError(cli("evaluate", "--infidelity", "blur").expect(2), "square or noise", "'blur'");
        assertClearError(cli("evaluate", "--out", dir.resolve("r.png").toString()).expect(2), ".html");
        assertClearError(cli("evaluate", "--images", dir.resolve("none").toString(), "--out", dir.resolve("r.html").toString())
                .expect(1), "not a folder");
    }
}
