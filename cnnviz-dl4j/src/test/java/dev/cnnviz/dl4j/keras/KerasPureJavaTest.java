package dev.cnnviz.dl4j.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A Keras file imported with the default options never reaches the native HDF5 library (which crafted files made
 * abort the JVM): in a fresh JVM, after the import of the real SqueezeNet, no library whose name mentions HDF5 is
 * mapped into the process. The control, an import through DL4J's importer, maps it, so the probe can see it.
 */
class KerasPureJavaTest {

    @Test
    void theDefaultImportMapsNoHdf5Library() throws Exception {
        Path file = SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.h5");
        List<String> out = probe(file, "default");
        assertTrue(out.stream().anyMatch(l -> l.startsWith("source ") && l.contains("read in Java by cnnviz")), out.toString());
        assertFalse(out.stream().anyMatch(l -> l.startsWith("mapped ")), out.toString());
    }

    @Test
    void theControlThroughDl4jMapsIt() throws Exception {
        Path file = SharedData.require("models/fixtures/cnn_batch_norm.h5");
        List<String> out = probe(file, "dl4j");
        assertTrue(out.stream().anyMatch(l -> l.startsWith("mapped ")), out.toString());
    }

    private static List<String> probe(Path file, String mode) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                NativeLibrariesProbe.class.getName(), file.toString(), mode));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the probe did not finish");
        List<String> lines = text.lines().toList();
        assertEquals(0, p.exitValue(), text);
        assertTrue(lines.contains("DONE"), text);
        return lines;
    }
}
