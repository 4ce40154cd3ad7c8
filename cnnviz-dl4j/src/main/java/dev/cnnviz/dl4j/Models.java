package dev.cnnviz.dl4j;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Labels;
import dev.cnnviz.core.Model;
import dev.cnnviz.dl4j.dl4j.Dl4jImporter;
import dev.cnnviz.dl4j.keras.KerasImporter;
import dev.cnnviz.dl4j.onnx.OnnxImporter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The one entry point for loading models: picks the importer by the file's content (and name), returning a
 * {@link Model} with its graph, input shape and layout, default preprocessing and optional labels.
 *
 * <ul>
 *   <li>ONNX ({@code .onnx}, or any protobuf file): {@link OnnxImporter};</li>
 *   <li>Keras HDF5 ({@code .h5}, {@code .hdf5}, {@code .keras} with the HDF5 signature): {@link KerasImporter};</li>
 *   <li>DL4J {@code MultiLayerNetwork} / {@code ComputationGraph} zip files: {@link Dl4jImporter}.</li>
 * </ul>
 *
 * <pre>{@code
 * Model m = Models.load(Path.of("squeezenet1.1.onnx"), Path.of("imagenet-labels.txt"))
 *     .withPreprocessing(Preprocessing.caffeBgr(104, 117, 123));
 * }</pre>
 */
public final class Models {
    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final byte[] ZIP = {'P', 'K', 3, 4};

    private Models() {
    }

    /** The kinds of model file cnnviz reads. */
    public enum Format {
        /** ONNX protobuf. */
        ONNX,
        /** Keras 2 HDF5. */
        KERAS_HDF5,
        /** DL4J ModelSerializer zip. */
        DL4J_ZIP
    }

    /**
     * Loads a model, choosing the importer by content.
     *
     * @throws ModelImportException if the file is missing, unreadable, of an unknown kind or unsupported
     */
    public static Model load(Path file) throws ModelImportException {
        return switch (detect(file)) {
            case ONNX -> OnnxImporter.load(file);
            case KERAS_HDF5 -> KerasImporter.load(file);
            case DL4J_ZIP -> Dl4jImporter.load(file);
        };
    }

    /**
     * Loads a model and its class labels (one per line, in index order).
     *
     * @throws ModelImportException if the model cannot be loaded, the labels cannot be read, or their count
     *                              does not match the model's classes
     */
    public static Model load(Path file, Path labels) throws ModelImportException {
        Model m = load(file);
        if (labels == null) {
            return m;
        }
        try {
            return m.withLabels(Labels.read(labels));
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelImportException(labels, "cannot read the labels: " + e.getMessage(), e);
        }
    }

    /**
     * Tells the kind of a model file from its first bytes (HDF5 signature, zip signature, else ONNX for
     * {@code .onnx} files or files that start like a protobuf message).
     *
     * @throws ModelImportException if the file is missing, empty or of no known kind
     */
    public static Format detect(Path file) throws ModelImportException {
        if (file == null) {
            throw new IllegalArgumentException("model file must not be null");
        }
        if (!Files.exists(file)) {
            throw new ModelImportException(file, "no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new ModelImportException(file, Files.isDirectory(file) ? "is a directory, not a model file"
                    : "is not a regular file (a device, a pipe or a socket); cnnviz reads models only from regular files");
        }
        byte[] head = new byte[8];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new ModelImportException(file, "cannot read: " + e.getMessage(), e);
        }
        if (n == 0) {
            throw new ModelImportException(file, "the file is empty");
        }
        if (n >= 8 && Arrays.equals(head, HDF5)) {
            return Format.KERAS_HDF5;
        }
        if (n >= 4 && Arrays.equals(Arrays.copyOf(head, 4), ZIP)) {
            return Format.DL4J_ZIP;
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        // An ONNX ModelProto starts with field 1 (ir_version, varint: tag 0x08) in practice.
        if (name.endsWith(".onnx") || head[0] == 0x08) {
            return Format.ONNX;
        }
        if (name.endsWith(".h5") || name.endsWith(".hdf5") || name.endsWith(".keras")) {
            throw new ModelImportException(file, "the name says HDF5 but the file does not start with the HDF5 signature");
        }
        throw new ModelImportException(file, "unknown model format (expected ONNX, Keras HDF5 or a DL4J zip); first bytes "
                + String.format("%02x %02x %02x %02x", head[0], head[1], n > 2 ? head[2] : 0, n > 3 ? head[3] : 0));
    }

    /**
     * {@link Model#validate()} with its failures as import errors: a node that does not fit its inputs' shapes, or a
     * model whose single example exceeds the memory budget. Every importer returns its model through it.
     *
     * @return the model
     * @throws ModelImportException naming the file and the node, or the memory needed and the budget
     */
    public static Model validated(Path file, Model model) throws ModelImportException {
        return validated(file, model, 1);
    }

    /** {@link #validated(Path, Model)} at a fixed batch, for graphs that bake one in. */
    public static Model validated(Path file, Model model, int batch) throws ModelImportException {
        try {
            return model.validate(batch);
        } catch (IllegalArgumentException e) {
            throw new ModelImportException(file, e.getMessage(), e);
        }
    }
}
