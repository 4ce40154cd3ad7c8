package dev.cnnviz.dl4j.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
    void unsupportedLayerIsRejectedBeforeDl4jSeesIt() {
        String json = "{\"class_name\": \"Model\", \"config\": {\"name\": \"m\", \"layers\": ["
                + "{\"name\": \"in\", \"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, 8, 8, 3], "
                + "\"dtype\": \"float32\", \"name\": \"in\"}, \"inbound_nodes\": []}, "
                + "{\"name\": \"lam\", \"class_name\": \"Lambda\", \"config\": {\"name\": \"lam\", \"function\": [\"xyz\", null, null], "
                + "\"function_type\": \"lambda\", \"output_shape\": null, \"arguments\": {}}, \"inbound_nodes\": [[[\"in\", 0, 0, {}]]]}], "
                + "\"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"lam\", 0, 0]]}}";
        Path f = H5Files.write(dir.resolve("lambda.h5"), java.util.Map.of("model_config", json, "keras_version", "2.2.4",
                "backend", "tensorflow"), true);
        String m = fails(f);
        assertTrue(m.contains("layer 'lam' is a Keras Lambda, which cnnviz does not import") && m.contains("Conv2D"), m);
    }

    @Test
    void modelNeitherDl4jNorTheOwnReaderCanImportSaysWhy() {
        // valid for the checks, but DL4J wants a kernel_initializer and cnnviz's reader has no 'swish'
        CraftedKeras k = CraftedKeras.base();
        k.config("conv2d_1").remove("kernel_initializer");
        k.config("conv2d_1").put("activation", "swish");
        Path f = k.write(dir.resolve("swish.h5"));
        String m = fails(f);
        assertTrue(m.contains("'conv2d_1'") && m.contains("swish") && m.contains("withDl4jImporter(true)"), m);
        // a trusted file may go to DL4J's importer, which fails too, and the message says so
        ModelImportException both = assertThrows(ModelImportException.class,
                () -> KerasImporter.load(f, KerasImporter.Options.defaults().withDl4jImporter(true)));
        assertTrue(both.getMessage().contains("neither cnnviz's own Keras reader nor DL4J")
                && both.getMessage().contains("Sequential model"), both.getMessage());
    }

    @Test
    void weightsOnlyFile() {
        Path f = H5Files.write(dir.resolve("weights.h5"), java.util.Map.of("keras_version", "2.2.4"), true);
        String m = fails(f);
        assertTrue(m.contains("weights only"), m);
    }

    // ------------------------------------------------------------------ crafted models (hostile-input review)

    @Test
    void craftedBaseModelImportsInJava() throws Exception {
        Model m = KerasImporter.load(CraftedKeras.base().write(dir.resolve("base.h5")));
        assertTrue(m.source().contains("read in Java by cnnviz") && !m.source().contains("DL4J"), m.source());
        float[] out = predict(m);
        assertEquals(3, out.length);
        for (float v : out) {
            assertTrue(Float.isFinite(v), Arrays.toString(out));
        }
    }

    @Test
    void hugeKernelIsRejectedBeforeDl4jAndTheJvmLives() throws Exception {
        // DL4J allocates a 99999x99999 kernel from the configuration (and reads the declared, unstored weight): the JVM died
        CraftedKeras k = CraftedKeras.base();
        k.config("conv2d_1").put("kernel_size", List.of(99999, 99999));
        k.weights.get("conv2d_1").put("kernel", new H5Files.Weight(new long[] {99999, 99999, 1, 4}, null));
        String m = fails(k.write(dir.resolve("kernel99999.h5")));
        assertTrue(m.contains("layer 'conv2d_1' (Conv2D): kernel_size [99999,99999]"), m);
        // still alive, and still importing
        assertEquals(3, predict(KerasImporter.load(CraftedKeras.base().write(dir.resolve("after.h5")))).length);
    }

    @Test
    void declaredButUnstoredWeightsAreRejected() {
        // a Dense kernel of 36 x 3,000,000 floats (432 MB) that the 20 kB file does not hold
        CraftedKeras k = CraftedKeras.base();
        k.config("dense_1").put("units", 3_000_000);
        k.weights.get("dense_1").put("kernel", new H5Files.Weight(new long[] {36, 3_000_000}, null));
        k.weights.get("dense_1").put("bias", new H5Files.Weight(new long[] {3_000_000}, null));
        String m = fails(k.write(dir.resolve("unstored.h5")));
        assertTrue(m.contains("its weights declare") && m.contains("bytes") && m.contains("the file has only"), m);
    }

    @Test
    void nanBiasIsAnErrorNamingTheLayerAndTheOptOutLoadsIt() throws Exception {
        CraftedKeras k = CraftedKeras.base();
        k.weights.get("conv2d_1").put("bias", H5Files.Weight.of(4).with(1, Float.NaN).with(3, Float.NaN));
        k.weights.get("dense_1").put("bias", H5Files.Weight.filled(Float.NaN, 3));
        Path f = k.write(dir.resolve("nan-bias.h5"));
        String m = fails(f);
        assertTrue(m.contains("layer 'conv2d_1' weight 'bias': 2 of 4 values are NaN; layer 'dense_1' weight 'bias': 3 of 3 values are NaN"), m);
        assertTrue(m.contains("withNonFiniteWeightsAllowed(true)"), m);
        Model loaded = KerasImporter.load(f, KerasImporter.Options.defaults().withNonFiniteWeightsAllowed(true));
        float[] out = predict(loaded);
        assertTrue(Float.isNaN(out[0]), "the weights are loaded as they are: " + Arrays.toString(out));
        assertFalse(KerasImporter.Options.defaults().withNonFiniteWeightsAllowed(true).withNonFiniteWeightsAllowed(false)
                .allowNonFiniteWeights());
    }

    @Test
    void everyNonFiniteTensorIsNamed() {
        CraftedKeras k = CraftedKeras.base();
        k.weights.get("dense_1").put("kernel", H5Files.Weight.of(36, 3).with(5, Float.POSITIVE_INFINITY).with(7, Float.NEGATIVE_INFINITY));
        k.weights.get("batch_normalization_1").put("gamma", H5Files.Weight.filled(Float.NaN, 4).with(0, Float.POSITIVE_INFINITY));
        k.weights.get("batch_normalization_1").put("moving_variance", H5Files.Weight.filled(-2f, 4));
        String m = fails(k.write(dir.resolve("inf.h5")));
        assertTrue(m.contains("layer 'dense_1' weight 'kernel': 2 of 108 values are infinite"), m);
        assertTrue(m.contains("layer 'batch_normalization_1' weight 'gamma': 4 of 4 values are NaN or infinite (3 NaN, 1 infinite)"), m);
        assertTrue(m.contains("layer 'batch_normalization_1' weight 'moving_variance': 4 of 4 values are at most -epsilon"), m);
    }

    @Test
    void wrongShapedWeightsAreErrorsNamingBothShapes() {
        Object[][] cases = {
            {"conv2d_1", "bias", new long[] {7}, "weight 'bias' has shape [7] but its configuration needs [4] (filters 4)"},
            {"conv2d_1", "kernel", new long[] {2, 3, 1, 4}, "weight 'kernel' has shape [2, 3, 1, 4] but its configuration needs [3, 3, 1, 4]"},
            {"conv2d_1", "kernel", new long[] {3, 3, 2, 4}, "needs [3, 3, 1, 4]"},
            {"batch_normalization_1", "gamma", new long[] {5}, "weight 'gamma' has shape [5] but its configuration needs [4]"},
            {"batch_normalization_1", "moving_variance", new long[] {1, 4}, "weight 'moving_variance' has shape [1, 4]"},
            {"dense_1", "kernel", new long[] {35, 3}, "weight 'kernel' has shape [35, 3] but its configuration needs [36, 3]"},
            {"dense_1", "bias", new long[] {4}, "weight 'bias' has shape [4] but its configuration needs [3]"},
        };
        for (Object[] c : cases) {
            CraftedKeras k = CraftedKeras.base();
            long[] shape = (long[]) c[2];
            k.weights.get((String) c[0]).put((String) c[1], H5Files.Weight.of(shape));
            String m = fails(k.write(dir.resolve(c[0] + "-" + c[1] + "-" + shape.length + shape[0] + ".h5")));
            assertTrue(m.contains("layer '" + c[0] + "'") && m.contains((String) c[3]), m);
        }
        CraftedKeras k = CraftedKeras.base();
        k.weights.get("conv2d_1").remove("bias");
        String m = fails(k.write(dir.resolve("no-bias.h5")));
        assertTrue(m.contains("layer 'conv2d_1' (Conv2D): has no weight 'bias' in the file (found [kernel])"), m);
    }

    @Test
    void invalidConfigurationsAreErrorsNamingTheLayerAttributeAndValues() {
        Map<String, Object> zeroPad = Map.of("name", "pad", "padding", List.of(List.of(-1, -1), List.of(0, 0)));
        Map<String, Object> crop = Map.of("name", "crop", "cropping", List.of(List.of(3, 3), List.of(0, 0)));
        Object[][] cases = {
            // layer, attribute, value (null: insert the layer of the next column), expected message part
            {"conv2d_1", "strides", List.of(0, 0), "layer 'conv2d_1' (Conv2D): strides [0,0]: values must be whole numbers from 1"},
            {"conv2d_1", "strides", List.of(-2, 1), "strides [-2,1]"},
            {"conv2d_1", "strides", 1.5, "strides 1.5"},
            {"conv2d_1", "dilation_rate", List.of(0, 1), "dilation_rate [0,1]"},
            {"conv2d_1", "dilation_rate", List.of(4, 4), "kernel_size [3, 3] (dilation_rate [4, 4]: 9x9) is larger than its input 8x8"},
            {"conv2d_1", "kernel_size", List.of(9, 9), "layer 'conv2d_1' (Conv2D): kernel_size [9, 9] is larger than its input 8x8 (padding 'valid')"},
            {"conv2d_1", "filters", 0, "filters 0"},
            {"conv2d_1", "filters", -4, "filters -4"},
            {"conv2d_1", "groups", 3, "groups 3 must divide"},
            {"conv2d_1", "padding", "full", "padding \"full\" is neither valid nor same"},
            {"conv2d_1", "batch_input_shape", java.util.Arrays.asList(null, 100000, 100000, 1), "input shape [null,100000,100000,1]"},
            {"conv2d_1", "batch_input_shape", java.util.Arrays.asList(null, 0, 8, 1), "input shape [null,0,8,1]"},
            {"conv2d_1", "batch_input_shape", java.util.Arrays.asList(null, 8, 8, null), "the channel count is unknown"},
            {"conv2d_1", "batch_input_shape", java.util.Arrays.asList(null, 64), "is not an image"},
            {"max_pooling2d_1", "pool_size", List.of(7, 7), "layer 'max_pooling2d_1' (MaxPooling2D): pool_size [7, 7] is larger than its input 6x6"},
            {"max_pooling2d_1", "strides", List.of(0, 2), "layer 'max_pooling2d_1' (MaxPooling2D): strides [0,2]"},
            {"dense_1", "units", 0, "layer 'dense_1' (Dense): units 0"},
            {"batch_normalization_1", "axis", 7, "layer 'batch_normalization_1' (BatchNormalization): axis 7"},
            {"conv2d_1", null, zeroPad, "layer 'pad' (ZeroPadding2D): padding [[-1,-1],[0,0]]: values must be whole numbers from 0"},
            {"conv2d_1", null, crop, "layer 'crop' (Cropping2D): cropping [[3,3],[0,0]] leaves nothing of its input 6x6"},
            {"conv2d_1", null, Map.of("name", "up", "size", List.of(0, 2)), "layer 'up' (UpSampling2D): size [0,2]"},
            {"conv2d_1", null, Map.of("name", "up", "size", List.of(1024, 1024)), "layer 'flatten_1' (Flatten): its output would have shape [37748736], larger than 16777216"},
            {"flatten_1", null, Map.of("name", "rs", "target_shape", List.of(5, 7)), "layer 'rs' (Reshape): target_shape [5,7] does not fit its input of shape [36]"},
            {"flatten_1", null, Map.of("name", "rs", "target_shape", List.of(-1, -1)), "target_shape [-1,-1]"},
        };
        String[] classes = {"ZeroPadding2D", "Cropping2D", "UpSampling2D", "UpSampling2D", "Reshape", "Reshape"};
        int inserted = 0;
        for (int i = 0; i < cases.length; i++) {
            Object[] c = cases[i];
            CraftedKeras k = CraftedKeras.base();
            if (c[1] == null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> cfg = (Map<String, Object>) c[2];
                k.insertAfter((String) c[0], classes[inserted++], cfg);
            } else {
                k.config((String) c[0]).put((String) c[1], c[2]);
            }
            String m = fails(k.write(dir.resolve("config-" + i + ".h5")));
            assertTrue(m.contains((String) c[3]), "case " + i + ": " + m);
        }
    }

    @Test
    void unknownInputSizeIsCheckedAtTheLargestTrialSize() throws Exception {
        // with a None height and width the importer tries sizes up to 512: an upsampling of 1024 would then need
        // 524288x524288 images, and an input the caller picks later would allocate as much
        CraftedKeras k = CraftedKeras.base();
        k.config("conv2d_1").put("batch_input_shape", java.util.Arrays.asList(null, null, null, 1));
        k.layers.remove(4); // dense_1
        k.layers.remove(3); // flatten_1
        k.weights.remove("dense_1");
        k.layers.add(Map.of("class_name", "GlobalAveragePooling2D", "config", Map.of("name", "gap")));
        Model m = KerasImporter.load(k.write(dir.resolve("unknown-size.h5")));
        assertEquals(4, predict(m).length);
        k.insertAfter("conv2d_1", "UpSampling2D", Map.of("name", "up", "size", List.of(1024, 1024)));
        String msg = fails(k.write(dir.resolve("unknown-size-upsampled.h5")));
        assertTrue(msg.contains("layer 'up' (UpSampling2D): its output would have shape [522240, 522240, 4]: 1090938470400 values per "
                + "image, more than 268435456 for a 512x512 input"), msg);
    }

    private static float[] predict(Model m) {
        try (INDArray x = Nd4j.rand(DataType.FLOAT, m.inputSpec().batchShape(1)); ForwardPass p = m.graph().forward(x)) {
            return p.output().dup().toFloatVector();
        }
    }
}
