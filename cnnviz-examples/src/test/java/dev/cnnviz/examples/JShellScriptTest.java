package dev.cnnviz.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code src/main/jshell/gradcam.jsh} as a user would with {@code ./cnnviz jshell gradcam.jsh}: the
 * {@code jshell} binary of this JDK with the test class path and the launcher's startup (JShell's DEFAULT and
 * {@code src/main/jshell/startup.jsh}), in an empty directory; the script must exit with 0 and leave a valid PNG
 * behind.
 */
class JShellScriptTest {
    private static final Path SCRIPT = Path.of("src/main/jshell/gradcam.jsh");
    private static final Path STARTUP = Path.of("src/main/jshell/startup.jsh");

    @Test
    void gradCamScriptWritesAPicture(@TempDir Path work) throws IOException, InterruptedException {
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
        Assumptions.assumeTrue(Files.isExecutable(jshell), "no jshell binary in " + jshell.getParent() + " (a JRE?)");
        assertTrue(Files.isRegularFile(SCRIPT), SCRIPT.toAbsolutePath() + " is missing");

        List<String> command = new ArrayList<>(List.of(jshell.toString(),
                "--class-path", classPath(),
                "-R-Xmx2g",
                "-R-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "--feedback", "normal",
                "--startup", "DEFAULT", "--startup", STARTUP.toAbsolutePath().toString(),
                SCRIPT.toAbsolutePath().toString()));
        Path log = work.resolve("jshell.log");
        Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        boolean done = p.waitFor(10, TimeUnit.MINUTES);
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "jshell did not finish within 10 minutes:\n" + output);
        assertEquals(0, p.exitValue(), "jshell exit code; output:\n" + output);
        assertFalse(output.contains("Exception") || output.contains("|  Error"), "the script failed:\n" + output);
        assertTrue(output.contains("explaining class "), output);

        Path png = work.resolve("gradcam-jshell.png");
        assertTrue(Files.isRegularFile(png), "no gradcam-jshell.png; output:\n" + output);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "gradcam-jshell.png is not a readable image");
        assertTrue(img.getWidth() > 100 && img.getHeight() > 50, img.getWidth() + "x" + img.getHeight());
    }

    /** The test class path, with relative entries made absolute (jshell runs in another directory). */
    private static String classPath() {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isBlank()) {
                entries.add(Path.of(e).toAbsolutePath().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
