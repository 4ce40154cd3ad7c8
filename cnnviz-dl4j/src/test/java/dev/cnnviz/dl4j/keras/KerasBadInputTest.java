package dev.cnnviz.dl4j.keras;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.api.ModelImportException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken files give a {@link ModelImportException} naming the file and the reason, never a JVM crash. */
class KerasBadInputTest {
    @TempDir
    Path dir;

    private static String fails(Path file) {
        ModelImportException e = assertThrows(ModelImportException.class, () -> KerasImporter.load(file));
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString() + ": "), m);
        return m;
    }

    @Test
    void missingFile() {
        String m = fails(dir.resolve("nothing.h5"));
        assertTrue(m.contains("no such file"), m);
    }

    @Test
    void emptyFile() throws Exception {
        Path f = Files.write(dir.resolve("empty.h5"), new byte[0]);
        assertTrue(fails(f).contains("empty"));
    }

    @Test
    void randomBytes() throws Exception {
        byte[] b = new byte[4096];
        new Random(1).nextBytes(b);
        Path f = Files.write(dir.resolve("random.h5"), b);
        String m = fails(f);
        assertTrue(m.contains("not an HDF5 file"), m);
    }

    @Test
    void pngRenamed() throws Exception {
        Path png = SharedData.require("images/chelsea.png");
        Path f = Files.copy(png, dir.resolve("chelsea.h5"));
        String m = fails(f);
        assertTrue(m.contains("not an HDF5 file") && m.contains("PNG"), m);
    }

    @Test
    void truncatedHeadOfARealModel() throws Exception {
        byte[] all = Files.readAllBytes(SharedData.require("models/squeezenet1.1/squeezenet1.1-imagenet.h5"));
        for (int n : new int[] {2000, 7, 100, all.length / 2, all.length - 1}) {
            Path f = Files.write(dir.resolve("truncated-" + n + ".h5"), Arrays.copyOf(all, n));
            String m = fails(f);
            assertTrue(m.contains("truncated") || m.contains("not an HDF5 file"), m);
        }
    }

    @Test
    void hdf5SignatureWithGarbageAfterIt() throws Exception {
        byte[] b = new byte[3000];
        new Random(2).nextBytes(b);
        System.arraycopy(Hdf5Check.SIGNATURE, 0, b, 0, 8);
        Path f = Files.write(dir.resolve("garbage.h5"), b);
        fails(f);
    }

    @Test
    void userBlockOffsetIsAccepted() throws Exception {
        // a real model behind a 512-byte user block is still found (and then read by the HDF5 library)
        byte[] all = Files.readAllBytes(SharedData.require("models/fixtures/12net.h5"));
        byte[] shifted = new byte[all.length + 512];
        System.arraycopy(all, 0, shifted, 512, all.length);
        Path f = Files.write(dir.resolve("userblock.h5"), shifted);
        Hdf5Check.check(f); // passes the Java check: the signature is at 512 and the size fits
    }

    @Test
    void modelNeitherDl4jNorTheOwnReaderCanImportSaysWhy() {
        String json = "{\"class_name\": \"Model\", \"config\": {\"name\": \"m\", \"layers\": ["
                + "{\"name\": \"in\", \"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, 8, 8, 3], "
                + "\"dtype\": \"float32\", \"name\": \"in\"}, \"inbound_nodes\": []}, "
                + "{\"name\": \"lam\", \"class_name\": \"Lambda\", \"config\": {\"name\": \"lam\", \"function\": [\"xyz\", null, null], "
                + "\"function_type\": \"lambda\", \"output_shape\": null, \"arguments\": {}}, \"inbound_nodes\": [[[\"in\", 0, 0, {}]]]}], "
                + "\"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"lam\", 0, 0]]}}";
        Path f = H5Files.write(dir.resolve("lambda.h5"), java.util.Map.of("model_config", json, "keras_version", "2.2.4",
                "backend", "tensorflow"), true);
        String m = fails(f);
        assertTrue(m.contains("DL4J") && m.contains("could not import this Keras 2.2.4 functional model"), m);
        assertTrue(m.contains("cnnviz's own Keras reader could not either") && m.contains("'lam'") && m.contains("Lambda"), m);
    }

    @Test
    void weightsOnlyFile() {
        Path f = H5Files.write(dir.resolve("weights.h5"), java.util.Map.of("keras_version", "2.2.4"), true);
        String m = fails(f);
        assertTrue(m.contains("weights only"), m);
    }
}
