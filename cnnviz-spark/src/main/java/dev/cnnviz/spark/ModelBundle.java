package dev.cnnviz.spark;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Labels;
import dev.cnnviz.core.Model;
import dev.cnnviz.dl4j.Models;
import dev.cnnviz.examples.DefaultModel;
import dev.cnnviz.examples.cli.PreprocessSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A model as bytes, to ship to Spark executors once (in a broadcast variable) and load there at most once per JVM
 * ({@link ExecutorModels}): the model file's content, its name (the importer is picked by content, the name's
 * extension helps), its labels and its preprocessing, all serializable.
 *
 * <pre>{@code
 * ModelBundle bundle = ModelBundle.of(Path.of("squeezenet1.1.onnx"), Path.of("imagenet-labels.txt"), "caffe-bgr");
 * Broadcast<ModelBundle> b = jsc.broadcast(bundle);
 * ... inside a task: Model model = b.value().model();      // loaded once per executor JVM, then cached
 * }</pre>
 *
 * @param fileName   the model file's name (e.g. {@code squeezenet1.1.onnx}); only its extension is used
 * @param bytes      the model file's content
 * @param labels     the class labels, or null for the model's own
 * @param preprocess a {@link PreprocessSpec} form ({@code caffe-bgr}, {@code unit-grey}, ...), or null for the
 *                   model file's default
 * @param source     a one-line description of the model, for provenance and reports
 * @param hash       the SHA-256 of {@code bytes}, labels and preprocessing, hex: the executor cache's key
 */
public record ModelBundle(String fileName, byte[] bytes, List<String> labels, String preprocess, String source,
        String hash) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The largest model file shipped: 2 GiB less a little, one Java array. */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if the name or bytes are missing, or the hash does not match the content
     */
    public ModelBundle {
        if (fileName == null || fileName.isBlank()) {
            throw new IllegalArgumentException("a model bundle needs the model file's name, found " + fileName);
        }
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("a model bundle needs the model file's bytes, found "
                    + (bytes == null ? "null" : "0 bytes"));
        }
        labels = labels == null ? null : List.copyOf(labels);
        if (preprocess != null) {
            PreprocessSpec.parse(preprocess); // an IllegalArgumentException naming the spec, on the driver
        }
        String expected = hash(bytes, labels, preprocess);
        if (hash == null) {
            hash = expected;
        } else if (!hash.equals(expected)) {
            throw new IllegalArgumentException("model bundle hash " + hash + " does not match its content (" + expected + ")");
        }
        source = source == null ? fileName : source;
    }

    /**
     * The embedded default model (the Fashion-MNIST CNN of {@link DefaultModel}, its labels, unit-grey preprocessing).
     *
     * @return the bundle
     * @throws IllegalStateException if the embedded resources are missing (a broken build)
     */
    public static ModelBundle embedded() {
        String name = DefaultModel.RESOURCE_DIR + DefaultModel.MODEL_FILE;
        URL url = DefaultModel.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException("resource " + name + " is not on the class path");
        }
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + url + ": " + e.getMessage(), e);
        }
        return new ModelBundle(DefaultModel.MODEL_FILE, bytes, DefaultModel.labels(), "unit-grey", DefaultModel.DESCRIPTION,
                null);
    }

    /**
     * A model file, with optional labels and preprocessing. The file is read now, on the driver, and checked by
     * loading it once there (so that a bad model fails before any task runs).
     *
     * @param model      the model file (ONNX, Keras HDF5, DL4J zip)
     * @param labels     a label file, one per line, or null
     * @param preprocess a preprocessing spec ({@link PreprocessSpec#FORMS}), or null for the file's default
     * @return the bundle
     * @throws ModelImportException     if the model or the labels cannot be read or imported (naming the file)
     * @throws IllegalArgumentException if the preprocessing spec is invalid
     */
    public static ModelBundle of(Path model, Path labels, String preprocess) throws ModelImportException {
        Objects.requireNonNull(model, "model");
        Models.detect(model); // missing, not a regular file, unknown format: an import error naming the file
        byte[] bytes;
        try {
            long size = Files.size(model);
            if (size > MAX_BYTES) {
                throw new ModelImportException(model, "is " + size + " bytes; a model shipped to Spark executors is at most "
                        + MAX_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(model);
        } catch (IOException e) {
            throw new ModelImportException(model, "cannot read: " + e.getMessage(), e);
        }
        List<String> names = null;
        if (labels != null) {
            try {
                names = Labels.read(labels);
            } catch (IOException | IllegalArgumentException e) {
                throw new ModelImportException(labels, "cannot read the labels: " + e.getMessage(), e);
            }
        }
        ModelBundle b = new ModelBundle(model.getFileName().toString(), bytes, names, preprocess, model.toString(), null);
        ExecutorModels.get(b); // validates on the driver, and caches it there for driver-side work
        return b;
    }

    /**
     * The model, loaded at most once per JVM (see {@link ExecutorModels#get}).
     *
     * @return the model
     * @throws ModelImportException if the bytes cannot be imported
     */
    public Model model() throws ModelImportException {
        return ExecutorModels.get(this);
    }

    /**
     * Imports the bytes now (no cache): writes them to a temporary file, loads it and deletes the file.
     *
     * @return a new model
     * @throws ModelImportException if the bytes cannot be imported, or the temporary file cannot be written
     */
    Model importNow() throws ModelImportException {
        String name = fileName.toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        String suffix = dot >= 0 ? name.substring(dot) : ".model";
        Path tmp = null;
        try {
            tmp = Files.createTempFile("cnnviz-spark-model-", suffix);
            Files.write(tmp, bytes);
            Model m;
            try {
                m = Models.load(tmp);
            } catch (ModelImportException e) {
                // name the user's model, not the temporary copy the importer saw
                String message = e.getMessage();
                String prefix = tmp + ": ";
                message = (message.startsWith(prefix) ? message.substring(prefix.length()) : message)
                        .replace(tmp.toString(), fileName);
                throw new ModelImportException(sourcePath(), message, e);
            }
            List<String> names = labels != null ? labels : m.labels();
            if (labels != null && m.labels() != null && !m.labels().isEmpty() && m.labels().size() != labels.size()) {
                throw new ModelImportException(sourcePath(), labels.size() + " labels given, the model has "
                        + m.labels().size());
            }
            Model out = new Model(m.graph(), m.inputSpec(), names, source);
            if (preprocess != null) {
                Preprocessing p = PreprocessSpec.parse(preprocess);
                out = out.withPreprocessing(p);
            }
            return out;
        } catch (IOException e) {
            throw new ModelImportException(sourcePath(), "cannot write the shipped model to a temporary file: "
                    + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    tmp.toFile().deleteOnExit();
                }
            }
        }
    }

    /** @return the model's source as a path for messages (its file name if the source is no valid path) */
    private Path sourcePath() {
        try {
            return Path.of(source);
        } catch (java.nio.file.InvalidPathException e) {
            return Path.of(fileName);
        }
    }

    private static String hash(byte[] bytes, List<String> labels, String preprocess) {
        // the JDK's SHA-256, not Guava's: the job jar leaves Guava to the cluster, whose version varies
        java.security.MessageDigest d;
        try {
            d = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java SE platform must provide", e);
        }
        d.update(java.nio.ByteBuffer.allocate(4).putInt(bytes.length).array());
        d.update(bytes);
        d.update(String.valueOf(preprocess).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (labels != null) {
            for (String l : labels) {
                d.update(l.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
        }
        return java.util.HexFormat.of().formatHex(d.digest());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelBundle b && b.hash.equals(hash);
    }

    @Override
    public int hashCode() {
        return hash.hashCode();
    }

    @Override
    public String toString() {
        return "ModelBundle[" + source + ", " + bytes.length + " bytes, sha256 " + hash.substring(0, 12) + "]";
    }
}
