package dev.cnnviz.dl4j.keras;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_RDWR;
import static org.bytedeco.hdf5.global.hdf5.H5P_DEFAULT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.PointerScope;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pure-Java walk of {@link Hdf5Walk}: files that the native HDF5 library must not see (links out of the file,
 * structures that declare more than the file holds, corrupt bytes) are refused with a one-line
 * {@link ModelImportException} before it opens them.
 */
class Hdf5CheckTest {
    @TempDir
    Path dir;

    private static String refused(Path file) {
        ModelImportException e = assertThrows(ModelImportException.class, () -> KerasImporter.load(file));
        String m = e.getMessage();
        assertTrue(m.startsWith(file + ": "), m);
        assertFalse(m.contains("\n"), m);
        return m;
    }

    /** Opens a file with the native library for writing and hands its id to {@code edit}. */
    private static Path edit(Path file, LongConsumer edit) {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            // every HDF5 object is freed here, under the lock, in reverse order: left to JavaCPP's deallocator
            // thread, its destructor would run outside the lock while another thread uses the library
            try (PointerScope scope = new PointerScope()) {
                H5File f = new H5File(file.toString(), H5F_ACC_RDWR);
                try {
                    edit.accept(f.getId());
                } finally {
                    f.close();
                }
            }
        }
        return file;
    }

    @Test
    void craftedModelPassesTheWalkAndItsConfigIsReadInJava() throws Exception {
        Path f = CraftedKeras.base().write(dir.resolve("base.h5"));
        Hdf5Walk.Contents c = Hdf5Check.check(f);
        assertNotNull(c.modelConfig());
        assertTrue(c.modelConfig().contains("\"class_name\": \"Sequential\"") || c.modelConfig().contains("Sequential"),
                c.modelConfig());
        assertEquals("2.2.4", c.kerasVersion());
        assertEquals("tensorflow", c.backend());
        Model m = KerasImporter.load(f);
        assertTrue(m.source().contains("Keras 2.2.4"), m.source());
    }

    @Test
    void externalLinkIsRefusedAndTheLinkedFileIsNeverOpened() throws Exception {
        // the link points at a named pipe: opening it for reading would block until a writer comes, so a walk that
        // followed the link would hang past the timeout
        Path fifo = dir.resolve("CANARY-target.h5");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "mkfifo");
        Path f = edit(CraftedKeras.base().write(dir.resolve("external.h5")), id ->
                assertTrue(hdf5.H5Lcreate_external(fifo.toString(), "/model_weights", id, "model_weights_ext",
                        H5P_DEFAULT(), H5P_DEFAULT()) >= 0));
        String m = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> refused(f));
        assertTrue(m.contains("'/model_weights_ext' is an HDF5 external link to another file"), m);
        assertFalse(m.contains("CANARY"), "the message names the link, not its target: " + m);
    }

    @Test
    void externalLinkToARealFileIsRefused() throws Exception {
        Path other = CraftedKeras.base().write(dir.resolve("other.h5"));
        Path f = edit(CraftedKeras.base().write(dir.resolve("external2.h5")), id ->
                assertTrue(hdf5.H5Lcreate_external(other.toString(), "/model_weights", id, "model_weights/elsewhere",
                        H5P_DEFAULT(), H5P_DEFAULT()) >= 0));
        String m = refused(f);
        assertTrue(m.contains("'/model_weights/elsewhere' is an HDF5 external link"), m);
        assertFalse(m.contains("other.h5"), m);
    }

    @Test
    void softLinkToNowhereIsRefused() {
        Path f = edit(CraftedKeras.base().write(dir.resolve("dangling.h5")), id ->
                assertTrue(hdf5.H5Lcreate_soft("/no/such/group", id, "model_weights/dangling", H5P_DEFAULT(), H5P_DEFAULT()) >= 0));
        String m = refused(f);
        assertTrue(m.contains("'/model_weights/dangling' is an HDF5 soft link that does not resolve"), m);
        assertFalse(m.contains("no/such"), m);
    }

    @Test
    void softLinkThroughAnExternalLinkIsRefusedWithoutFollowingIt() throws Exception {
        Path other = CraftedKeras.base().write(dir.resolve("other.h5"));
        Path f = edit(CraftedKeras.base().write(dir.resolve("soft-ext.h5")), id -> {
            assertTrue(hdf5.H5Lcreate_external(other.toString(), "/", id, "ext", H5P_DEFAULT(), H5P_DEFAULT()) >= 0);
            assertTrue(hdf5.H5Lcreate_soft("/ext/model_weights", id, "a_soft", H5P_DEFAULT(), H5P_DEFAULT()) >= 0);
        });
        String m = refused(f);
        assertTrue(m.contains("'/a_soft' is an HDF5 soft link that does not resolve")
                || m.contains("'/ext' is an HDF5 external link"), m);
    }

    @Test
    void softLinkCycleIsRefused() {
        Path f = edit(CraftedKeras.base().write(dir.resolve("cycle.h5")), id -> {
            assertTrue(hdf5.H5Lcreate_soft("/b", id, "a", H5P_DEFAULT(), H5P_DEFAULT()) >= 0);
            assertTrue(hdf5.H5Lcreate_soft("/a", id, "b", H5P_DEFAULT(), H5P_DEFAULT()) >= 0);
        });
        String m = refused(f);
        assertTrue(m.contains("soft link that does not resolve"), m);
    }

    @Test
    void softLinkInsideTheFileIsFollowed() throws Exception {
        Path f = edit(CraftedKeras.base().write(dir.resolve("soft-ok.h5")), id ->
                assertTrue(hdf5.H5Lcreate_soft("/model_weights", id, "weights_alias", H5P_DEFAULT(), H5P_DEFAULT()) >= 0));
        Hdf5Check.check(f);
    }

    @Test
    void hugeDeclaredAttributeIsRefusedBeforeTheNativeLibraryAllocatesIt() throws Exception {
        // model_config padded to 54321 bytes; then its string datatype's declared size is set to 1 GiB
        CraftedKeras k = CraftedKeras.base();
        Path f = k.write(dir.resolve("attr.h5"));
        String json = Hdf5Check.check(f).modelConfig();
        int pad = 54321 - json.length();
        assertTrue(pad > 0, "the crafted config is short");
        Path padded = H5Files.write(dir.resolve("attr-padded.h5"), Map.of("model_config", json + " ".repeat(pad),
                "keras_version", "2.2.4", "backend", "tensorflow"), true);
        byte[] b = Files.readAllBytes(padded);
        int patched = 0;
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 4; i + 4 <= b.length; i++) {
            if (b[i - 4] == 0x13 && bb.getInt(i) == 54321) { // datatype message: version 1, class 3 (string), size
                bb.putInt(i, 1 << 30);
                patched++;
            }
        }
        assertTrue(patched >= 1, "found the attribute's string datatype");
        Path huge = Files.write(dir.resolve("attr-huge.h5"), b);
        String m = refused(huge);
        // jHDF finds the declared size past the end of the root's object header (else the 64 MiB limit applies)
        assertTrue(m.contains("attribute 'model_config' of '/'") || m.contains("cnnviz does not read (group '/')"), m);
    }

    @Test
    void datasetDeclaringMoreThanTheFileHoldsIsRefused() throws Exception {
        // a stored dataset of 12345 floats whose dataspace is then patched to declare 1,234,500,000
        CraftedKeras k = CraftedKeras.base();
        k.weights.get("dense_1").put("extra", H5Files.Weight.of(12345));
        Path f = k.write(dir.resolve("big-dataset.h5"));
        Hdf5Check.check(f);
        byte[] b = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int patched = 0;
        for (int i = 0; i + 8 <= b.length; i++) {
            if (bb.getLong(i) == 12345L) {
                bb.putLong(i, 12345L * 100_000);
                patched++;
            }
        }
        assertTrue(patched >= 1, "found the dataspace");
        String m = refused(Files.write(dir.resolve("big-dataset-patched.h5"), b));
        assertTrue(m.contains("dataset '/model_weights/dense_1/dense_1/extra:0'"), m);
    }

    @Test
    void cutModelConfigIsOneLine() {
        Path f = H5Files.write(dir.resolve("cut.h5"), Map.of("model_config", "{\"class_name\": \"Sequential\", \"config\": [{",
                "keras_version", "2.2.4"), true);
        String m = refused(f);
        assertTrue(m.contains("has a model_config that is not JSON") && m.contains("line 1, column"), m);
    }

    @Test
    void userBlockWithItsBaseAddressIsRead() throws Exception {
        // a file shifted behind 512 bytes whose superblock records base 0 (bytes prepended to a file)
        byte[] all = Files.readAllBytes(CraftedKeras.base().write(dir.resolve("plain.h5")));
        byte[] shifted = new byte[all.length + 1024];
        System.arraycopy(all, 0, shifted, 1024, all.length);
        Path f = Files.write(dir.resolve("shifted.h5"), shifted);
        assertEquals("2.2.4", Hdf5Check.check(f).kerasVersion());
    }

    /**
     * Byte flips, truncations and insertions over a small valid model, through the whole import: each mutant is
     * imported or refused with a one-line {@link ModelImportException}, never another exception and never a JVM abort.
     * (Before the import read weights in Java, the native HDF5 library parsed what the walk accepted, and one of these
     * mutants aborted the JVM in {@code H5CX_set_tag}.) Imported mutants compute finite outputs or say why not.
     */
    @Test
    void mutatedFilesImportOrFailCleanly() throws Exception {
        byte[] valid = Files.readAllBytes(CraftedKeras.base().write(dir.resolve("seed.h5")));
        Random r = new Random(20261207L);
        Map<String, Integer> outcomes = new TreeMap<>();
        int n = Integer.getInteger("cnnviz.test.h5mutants", 1000);
        for (int i = 0; i < n; i++) {
            byte[] b = mutate(valid, r);
            Path f = Files.write(dir.resolve("mutant-" + i + ".h5"), b);
            try {
                dev.cnnviz.core.Model m = KerasImporter.load(f);
                outcomes.merge("imported", 1, Integer::sum);
                try (org.nd4j.linalg.api.ndarray.INDArray x = org.nd4j.linalg.factory.Nd4j.rand(
                        org.nd4j.linalg.api.buffer.DataType.FLOAT, m.inputSpec().batchShape(1));
                     dev.cnnviz.core.graph.ForwardPass pass = m.graph().infer(x, java.util.List.of())) {
                    assertTrue(Double.isFinite(pass.output().sumNumber().doubleValue()), "mutant " + i + " computes NaN");
                } catch (dev.cnnviz.api.NonFiniteResultException e) {
                    outcomes.merge("imported, non-finite result reported", 1, Integer::sum);
                }
            } catch (ModelImportException e) {
                assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                outcomes.merge(e.getMessage().contains("cnnviz does not read (") ? "refused by the walk" : "refused", 1,
                        Integer::sum);
            }
            Files.delete(f);
        }
        System.out.println("Hdf5CheckTest: " + n + " mutants of a " + valid.length + "-byte model: " + outcomes);
        assertTrue(outcomes.getOrDefault("refused by the walk", 0) > 0, outcomes.toString());
    }

    private static byte[] mutate(byte[] valid, Random r) {
        byte[] b = valid.clone();
        switch (r.nextInt(5)) {
            case 0, 1 -> { // flip 1 to 8 bits anywhere
                for (int k = 1 + r.nextInt(8); k > 0; k--) {
                    int i = r.nextInt(b.length);
                    b[i] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 2 -> { // overwrite a few bytes with random or extreme values
                int i = r.nextInt(b.length - 8);
                for (int k = 0; k < 1 + r.nextInt(8); k++) {
                    b[i + k] = r.nextBoolean() ? (byte) 0xff : (byte) r.nextInt(256);
                }
            }
            case 3 -> { // truncate (the superblock's end-of-file address no longer fits)
                b = Arrays.copyOf(b, 96 + r.nextInt(b.length - 96));
            }
            default -> { // insert 1 to 64 bytes
                int at = r.nextInt(b.length);
                int len = 1 + r.nextInt(64);
                byte[] ins = new byte[len];
                r.nextBytes(ins);
                byte[] out = new byte[b.length + len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(ins, 0, out, at, len);
                System.arraycopy(b, at, out, at + len, b.length - at);
                b = out;
            }
        }
        return b;
    }
}
