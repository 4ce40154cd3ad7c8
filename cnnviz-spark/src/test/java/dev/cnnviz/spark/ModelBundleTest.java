package dev.cnnviz.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ModelImportException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundle's content hash (the executor cache's key), its validation, and its trip through Java serialization. */
class ModelBundleTest {

    @Test
    void theHashFollowsTheContentLabelsAndPreprocessing() {
        ModelBundle a = ModelBundle.embedded();
        assertEquals(64, a.hash().length(), "SHA-256 in hex: " + a.hash());
        assertEquals(a.hash(), ModelBundle.embedded().hash(), "same content, same key");
        List<String> other = new java.util.ArrayList<>(a.labels());
        other.set(0, other.get(0) + "!");
        ModelBundle b = new ModelBundle(a.fileName(), a.bytes(), other, a.preprocess(), a.source(), null);
        assertNotEquals(a.hash(), b.hash(), "different labels, different key");
        ModelBundle c = new ModelBundle(a.fileName(), a.bytes(), a.labels(), "unit-rgb", a.source(), null);
        assertNotEquals(a.hash(), c.hash(), "different preprocessing, different key");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelBundle(a.fileName(), a.bytes(), other, a.preprocess(), a.source(), a.hash()));
        assertTrue(e.getMessage().contains(a.hash()), e.getMessage());
    }

    @Test
    void aSerializedBundleLoadsTheSameCachedModel() throws Exception {
        ModelBundle a = ModelBundle.embedded();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
            o.writeObject(a);
        }
        ModelBundle back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (ModelBundle) in.readObject();
        }
        assertEquals(a, back);
        assertSame(a.model(), back.model(), "one model per JVM for one content");
    }

    @Test
    void aFileThatIsNoModelIsAnImportErrorNamingIt(@TempDir Path tmp) throws Exception {
        Path junk = Files.writeString(tmp.resolve("junk.onnx"), "not a model");
        ModelImportException e = assertThrows(ModelImportException.class, () -> ModelBundle.of(junk, null, null));
        assertTrue(e.getMessage().startsWith(junk + ": "), e.getMessage());
        assertTrue(!e.getMessage().contains("cnnviz-spark-model-"), "no temporary file in: " + e.getMessage());
    }
}
