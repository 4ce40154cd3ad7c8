package dev.cnnviz.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs each lecture section's JShell script ({@code src/main/jshell/*.jsh}) as written, line by line as a user
 * pastes it, through the JShell API in a fresh JVM with the test class path, after the startup script that
 * {@code ./cnnviz jshell} loads. Every snippet must be accepted and run without an exception, and the script must
 * leave its pictures (readable PNGs that are not blank) in the folder it names.
 */
class JShellScriptsTest {
    private static final Path JSHELL_DIR = Path.of("src/main/jshell");

    @ParameterizedTest(name = "{0}.jsh")
    @CsvSource({"attribution, 9", "synthesis, 5", "adversarial, 4", "inspection, 4", "style, 1"})
    void scriptRunsAsWrittenAndLeavesItsPictures(String script, int pictures, @TempDir Path work) throws IOException {
        Run run = run(work, "startup.jsh", script + ".jsh");
        run.assertNoFailures();
        Path folder = work.resolve(script);
        assertTrue(Files.isDirectory(folder), "no folder " + folder.getFileName() + "; output:\n" + run.output);
        List<Path> pngs;
        try (Stream<Path> files = Files.list(folder)) {
            pngs = files.filter(f -> f.toString().endsWith(".png")).sorted().toList();
        }
        assertEquals(pictures, pngs.size(), "pictures in " + folder.getFileName() + ": " + pngs + "; output:\n" + run.output);
        for (Path png : pngs) {
            assertNonTrivialImage(png);
            assertTrue(run.output.contains("wrote " + png.toAbsolutePath()), "show() did not print " + png);
        }
    }

    @Test
    void aSessionBeginsWithOneLine(@TempDir Path work) throws IOException {
        // One line after the startup script, as it promises: a model, an image, an explanation, a picture.
        Run run = run(work, "startup.jsh", null);
        run.assertNoFailures();
        assertTrue(run.snippets > 10, "only " + run.snippets + " snippets in the startup script and the line");
        Path png = work.resolve("cnnviz-out/one-line.png");
        assertTrue(Files.isRegularFile(png), "no " + png + "; output:\n" + run.output);
        assertNonTrivialImage(png);
    }

    @Test
    void aLineThatThrowsOrDoesNotCompileFailsTheRun(@TempDir Path work) throws IOException {
        Path bad = work.resolve("bad.jsh");
        Files.writeString(bad, """
                var model = model();
                GradCam.of(model).withLayer("no-such-layer").explain(image(), 0);
                int x = "not a number";
                int y = 1;
                """);
        Run run = runScripts(work, List.of(JSHELL_DIR.resolve("startup.jsh"), bad));
        assertEquals(2, run.failures.size(), run.failures.toString());
        assertTrue(run.failures.get(0).startsWith("bad.jsh:2: ") && run.failures.get(0).contains("no-such-layer")
                && run.failures.get(0).contains("threw"), run.failures.get(0));
        assertTrue(run.failures.get(1).startsWith("bad.jsh:3: ") && run.failures.get(1).contains("REJECTED"),
                run.failures.get(1));
        AssertionError e = null;
        try {
            run.assertNoFailures();
        } catch (AssertionError thrown) {
            e = thrown;
        }
        assertNotNull(e, "failed snippets must fail the test");
    }

    /** What a run printed, how many snippets it evaluated, and the snippets that failed (where, what, why). */
    private record Run(String output, int snippets, List<String> failures) {
        void assertNoFailures() {
            if (!failures.isEmpty()) {
                fail(failures.size() + " snippets failed:\n" + String.join("\n", failures) + "\noutput:\n" + output);
            }
        }
    }

    /** Runs the named scripts of src/main/jshell in order ({@code null}: the one-line session of the test above). */
    private static Run run(Path work, String... scripts) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String s : scripts) {
            if (s == null) {
                Path line = work.resolve("one-line.jsh");
                Files.writeString(line, "show(\"one-line\", GradCam.of(model()).explain(image(), Target.topClass()));\n");
                files.add(line);
            } else {
                Path f = JSHELL_DIR.resolve(s);
                assertTrue(Files.isRegularFile(f), f.toAbsolutePath() + " is missing");
                files.add(f);
            }
        }
        return runScripts(work, files);
    }

    /**
     * Feeds the scripts to one JShell line by line, as the jshell tool does with pasted input: a snippet is
     * evaluated as soon as the lines so far complete it. Records every snippet that is rejected or throws; fails at
     * once on an incomplete snippet at the end or a JShell command (a line starting with '/').
     */
    private static Run runScripts(Path work, List<Path> scripts) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jshell-watchdog");
            t.setDaemon(true);
            return t;
        });
        int count = 0;
        List<String> failures = new ArrayList<>();
        try (JShell shell = JShell.builder().out(out).err(out)
                .remoteVMOptions("-Xmx2g", "-Djava.awt.headless=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                        "-D" + Notebook.DIR_PROPERTY + "=" + work.toAbsolutePath())
                .build()) {
            for (String entry : classPath()) {
                shell.addToClasspath(entry);
            }
            watchdog.schedule(shell::stop, 10, TimeUnit.MINUTES);
            SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
            for (Path script : scripts) {
                StringBuilder pending = new StringBuilder();
                int lineNo = 0;
                int start = 1;
                for (String line : Files.readAllLines(script, StandardCharsets.UTF_8)) {
                    lineNo++;
                    if (pending.length() == 0) {
                        start = lineNo;
                        String t = line.strip();
                        if (t.startsWith("/") && !t.startsWith("//") && !t.startsWith("/*")) {
                            fail(script.getFileName() + ":" + lineNo + ": a JShell command, not a snippet: " + t);
                        }
                    }
                    pending.append(line).append('\n');
                    SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(pending.toString());
                    switch (info.completeness()) {
                        case EMPTY -> pending.setLength(0);
                        case COMPLETE, COMPLETE_WITH_SEMI -> {
                            if (!info.remaining().isBlank()) {
                                continue;
                            }
                            count++;
                            check(shell, shell.eval(info.source()), script.getFileName() + ":" + start, failures);
                            pending.setLength(0);
                        }
                        default -> {
                            // incomplete: read the next line
                        }
                    }
                }
                if (!pending.toString().isBlank()) {
                    fail(script.getFileName() + ":" + start + ": an incomplete snippet at the end: " + pending);
                }
            }
        } finally {
            watchdog.shutdownNow();
        }
        return new Run(bytes.toString(StandardCharsets.UTF_8), count, failures);
    }

    private static void check(JShell shell, List<SnippetEvent> events, String where, List<String> failures) {
        for (SnippetEvent e : events) {
            if (e.causeSnippet() != null) {
                continue;   // another snippet's status changed (e.g. a variable redeclared): not this line's result
            }
            Snippet s = e.snippet();
            if (e.exception() != null) {
                failures.add(where + ": " + s.source().strip() + "\n  threw " + e.exception());
            } else if (e.status() != Snippet.Status.VALID) {
                String diagnostics = shell.diagnostics(s).map(d -> d.getMessage(null)).collect(Collectors.joining("; "));
                failures.add(where + ": " + s.source().strip() + "\n  " + e.status() + ": " + diagnostics);
            }
        }
    }

    private static void assertNonTrivialImage(Path png) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png + " is not a readable image");
        assertTrue(img.getWidth() >= 28 && img.getHeight() >= 28, png + ": " + img.getWidth() + "x" + img.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight() && colours.size() < 16; y++) {
            for (int x = 0; x < img.getWidth() && colours.size() < 16; x++) {
                colours.add(img.getRGB(x, y));
            }
        }
        assertTrue(colours.size() >= 16, png + " has only " + colours.size() + " colours");
    }

    /** The test class path, with relative entries made absolute. */
    private static List<String> classPath() {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isBlank()) {
                entries.add(Path.of(e).toAbsolutePath().toString());
            }
        }
        return entries;
    }
}
