package dev.cnnviz.dl4j.keras;

import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.dl4j.Models;
import dev.cnnviz.dl4j.dl4j.Dl4jImporter;
import dev.cnnviz.dl4j.dl4j.Dl4jTranslator;
import dev.cnnviz.dl4j.dl4j.ModelSidecar;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;
import org.deeplearning4j.nn.modelimport.keras.KerasSequentialModel;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.core.JsonLocation;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Loads a Keras 2 model saved as HDF5 ({@code model.save("m.h5")}, functional or Sequential) as a cnnviz
 * {@link Model}, in pure Java: jHDF reads the file ({@code Hdf5Walk}), {@code KerasModelCheck} validates it and
 * cnnviz's own reader ({@code KerasNative}) builds the graph from the {@code model_config}, layer by layer. The
 * native HDF5 library is never loaded. A model with a layer that reader does not translate (Conv2DTranspose,
 * Cropping2D, Reshape, Maximum, Minimum) or a Keras 1 file is an error naming the layer, unless
 * {@link Options#withDl4jImporter} lets DL4J's importer ({@code KerasModelImport}, then {@link Dl4jTranslator}) try
 * it: for trusted files only, since DL4J reads the file with the native HDF5 library.
 *
 * <pre>{@code
 * Model m = KerasImporter.load(Path.of("squeezenet1.1-imagenet.h5"))
 *         .withPreprocessing(Preprocessing.caffeBgr(104, 117, 123));   // set what the model was trained with
 * }</pre>
 *
 * <ul>
 *   <li>Node names are Keras' layer names (a layer's activated output; {@code <name>_preact} before a fused
 *       activation).</li>
 *   <li>The graph always computes in NCHW. For {@code channels_last} models the {@link InputSpec} records
 *       {@link Layout#NHWC} as the original layout and [C, H, W] from the Keras input shape: convert raw Keras
 *       {@code [N, H, W, C]} arrays with {@code x.permute(0, 3, 1, 2)}.</li>
 *   <li>An input with unknown height/width (Keras {@code None}) is accepted at any size by the graph; the
 *       input spec then gives the smallest size the network accepts.</li>
 *   <li>The file does not say how pixels were preprocessed. Defaults: {@code Preprocessing.raw(RGB)} for three
 *       channels, {@code Preprocessing.unit(GREY)} for one; set the real one with {@link Model#withPreprocessing}
 *       or a {@linkplain ModelSidecar sidecar} {@code name.properties} (labels: {@code name.labels.txt}).</li>
 *   <li>Errors (missing, truncated, non-HDF5 or corrupt files, models DL4J cannot import, layers cnnviz cannot
 *       translate) are {@link ModelImportException}s naming the file and, where known, the layer and its type.
 *       Files are read whole in Java (by jHDF: every group, link, attribute and dataset, see {@code Hdf5Walk}) before
 *       the native HDF5 library sees them; external links, soft links leading out of the file, oversized attributes
 *       and datasets that declare more than the file holds are refused.</li>
 *   <li>Before anything is built, the model is validated in Java (see
 *       {@code KerasModelCheck}): only supported layer types; every layer's attributes (kernel sizes, strides,
 *       dilations, pool sizes, filters, units, paddings, croppings, reshape targets) walked with the static shapes
 *       from the input, so that every window fits its input and every shape is positive and bounded (input sizes up
 *       to 16384, at most 2^28 values per image at any layer); each weight's shape against its layer's
 *       configuration; the weights' declared sizes against the file's size; and the weights' values: NaN or
 *       infinite weights are an error naming the tensors unless {@link Options#withNonFiniteWeightsAllowed}.</li>
 * </ul>
 */
public final class KerasImporter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_SIZE_SEARCH = 512;

    private KerasImporter() {
    }

    /**
     * Import options.
     *
     * @param allowNonFiniteWeights accept weights with NaN or infinite values (and negative batch-norm variances),
     *                              which make the model compute NaN: for inspecting a broken model; by default such
     *                              a model is a {@link ModelImportException} naming the tensors
     * @param dl4jImporter          for a model with a layer cnnviz's own reader does not translate, fall back to DL4J's
     *                              Keras importer. <b>Only for files you trust</b>: DL4J reads the file again with the
     *                              native HDF5 library, which is not hardened against crafted files (a mutated file
     *                              aborted the JVM inside it). Off by default: such a model is a
     *                              {@link ModelImportException} naming the layer
     */
    public record Options(boolean allowNonFiniteWeights, boolean dl4jImporter) {
        /** @return the defaults: non-finite weights rejected, cnnviz's own (pure Java) reader only. */
        public static Options defaults() {
            return new Options(false, false);
        }

        /** @return a copy that accepts (true) or rejects (false) weights with NaN or infinite values. */
        public Options withNonFiniteWeightsAllowed(boolean allow) {
            return new Options(allow, dl4jImporter);
        }

        /**
         * @return a copy that falls back (true) or not (false) to DL4J's Keras importer and the native HDF5 library
         *         for layers cnnviz's own reader does not translate; for trusted files only (see the record comment)
         */
        public Options withDl4jImporter(boolean use) {
            return new Options(allowNonFiniteWeights, use);
        }
    }

    /** What the file says about itself. */
    private record Header(String className, String kerasVersion, String backend, JsonNode config) {
    }

    /**
     * Loads a Keras HDF5 model with the default {@link Options}.
     *
     * @throws ModelImportException if the file cannot be read or imported (see the class comment)
     */
    public static Model load(Path h5) throws ModelImportException {
        return load(h5, Options.defaults());
    }

    /**
     * Loads a Keras HDF5 model.
     *
     * @param options import options (null: the defaults)
     * @throws ModelImportException if the file cannot be read or imported (see the class comment)
     */
    public static Model load(Path h5, Options options) throws ModelImportException {
        Options opts = options == null ? Options.defaults() : options;
        ModelSidecar side = ModelSidecar.read(h5, null, null);
        Header header;
        try (Hdf5Tree tree = Hdf5Check.open(h5)) {
            header = header(h5, tree.contents());
            KerasModelCheck.check(tree, h5, header.config(), header.kerasVersion(), opts.allowNonFiniteWeights());
            try {
                return nativeModel(h5, tree, header, side, ", read in Java by cnnviz");
            } catch (KerasNative.Untranslatable e) {
                if (!opts.dl4jImporter()) {
                    throw new ModelImportException(h5, e.getMessage().substring(h5.toString().length() + 2)
                            + ". DL4J's Keras importer may read it, but it reads the file with the native HDF5 library, "
                            + "which is not hardened against crafted files: for a file you trust, load it with "
                            + "KerasImporter.Options.defaults().withDl4jImporter(true)", e);
                }
            }
        }
        return dl4jModel(h5, header, side);
    }

    /**
     * Loads through DL4J's Keras importer even where cnnviz's own reader translates the model: for tests that compare
     * the two readers (package-private; trusted files only).
     */
    static Model loadWithDl4j(Path h5) throws ModelImportException {
        Header header;
        try (Hdf5Tree tree = Hdf5Check.open(h5)) {
            header = header(h5, tree.contents());
            KerasModelCheck.check(tree, h5, header.config(), header.kerasVersion(), false);
        }
        return dl4jModel(h5, header, ModelSidecar.read(h5, null, null));
    }

    /** DL4J's Keras import (native HDF5), then {@link Dl4jTranslator}: for trusted files only. */
    private static Model dl4jModel(Path h5, Header header, ModelSidecar side) throws ModelImportException {
        synchronized (Hdf5Archive.LOCK_OBJECT) { // DL4J's Keras import and the HDF5 library are not reentrant
            boolean sequential = "Sequential".equals(header.className());
            KerasModel km;
            Object net;
            KerasModelBuilder builder = null;
            try {
                builder = new KerasModel().modelBuilder().modelHdf5Filename(h5.toString()).enforceTrainingConfig(false);
                if (sequential) {
                    KerasSequentialModel sm = builder.buildSequential();
                    km = sm;
                    net = sm.getMultiLayerNetwork();
                } else {
                    km = builder.buildModel();
                    net = km.getComputationGraph();
                }
                builder.close();
            } catch (Exception | LinkageError | AssertionError | StackOverflowError e) {
                ModelImportException failed = new ModelImportException(h5, "neither cnnviz's own Keras reader nor DL4J "
                        + dl4jVersion() + " could import this Keras " + header.kerasVersion() + " "
                        + (sequential ? "Sequential" : "functional") + " model: " + message(e), e);
                if (builder != null) {
                    try {
                        builder.close();
                    } catch (Exception | LinkageError c) {
                        failed.addSuppressed(c);
                    }
                }
                throw failed;
            }
            List<String> inputs = km.getInputLayerNames();
            if (inputs == null || inputs.size() != 1) {
                throw new ModelImportException(h5, "the model has " + (inputs == null ? 0 : inputs.size()) + " inputs "
                        + inputs + "; cnnviz models take one image");
            }
            InputType type = km.getOutputTypes().get(inputs.get(0));
            if (!(type instanceof InputType.InputTypeConvolutional ct)) {
                throw new ModelImportException(h5, "the model's input '" + inputs.get(0) + "' has type " + type
                        + "; cnnviz models take images ([H, W, C] or [C, H, W])");
            }
            Graph g;
            try {
                g = net instanceof MultiLayerNetwork m ? Dl4jTranslator.translate(m, type, h5)
                        : Dl4jTranslator.translate((ComputationGraph) net, new InputType[] {type}, h5);
            } catch (RuntimeException e) {
                throw new ModelImportException(h5, "could not translate DL4J's import: " + message(e), e);
            }
            Layout layout = ct.getFormat() == CNN2DFormat.NHWC ? Layout.NHWC : Layout.NCHW;
            long c = ct.getChannels();
            long h = ct.getHeight();
            long w = ct.getWidth();
            if (h <= 0 || w <= 0) {
                int[] hw = side.input().map(i -> new int[] {i[1], i[2]}).orElse(null);
                if (hw == null) {
                    int s = smallestSize(h5, g, c);
                    hw = new int[] {h > 0 ? (int) h : s, w > 0 ? (int) w : s};
                }
                h = hw[0];
                w = hw[1];
            }
            InputSpec spec = Dl4jImporter.spec(h5, c, h, w, layout, side);
            String source = "Keras " + header.kerasVersion() + " " + (sequential ? "Sequential" : "functional") + " (HDF5, "
                    + (layout == Layout.NHWC ? "channels_last" : "channels_first") + ", via DL4J " + dl4jVersion()
                    + " because cnnviz's own reader does not translate a layer): " + h5.getFileName() + outputsNote(km, g);
            return Models.validated(h5, new Model(g, spec, side.labels(), source));
        }
    }

    private static Model nativeModel(Path h5, Hdf5Tree tree, Header header, ModelSidecar side, String note)
            throws ModelImportException {
        if (header.kerasVersion().startsWith("1")) {
            throw new KerasNative.Untranslatable(h5, "is a Keras " + header.kerasVersion() + " file; cnnviz's own Keras reader "
                    + "translates Keras 2 files (Keras 1 names and orders weights differently)");
        }
        KerasNative.Result r = KerasNative.read(h5, tree, header.config());
        long h = r.height();
        long w = r.width();
        if (h <= 0 || w <= 0) {
            int[] hw = side.input().map(i -> new int[] {i[1], i[2]}).orElse(null);
            if (hw == null) {
                int s = smallestSize(h5, r.graph(), r.channels());
                hw = new int[] {h > 0 ? (int) h : s, w > 0 ? (int) w : s};
            }
            h = hw[0];
            w = hw[1];
        }
        InputSpec spec = Dl4jImporter.spec(h5, r.channels(), h, w, r.layout(), side);
        String source = "Keras " + header.kerasVersion() + " " + ("Sequential".equals(header.className()) ? "Sequential" : "functional")
                + " (HDF5, " + (r.layout() == Layout.NHWC ? "channels_last" : "channels_first") + note + "): " + h5.getFileName()
                + (r.otherOutputs().isEmpty() ? "" : " (output " + r.graph().outputName() + "; other Keras outputs, nodes of the "
                + "graph: " + String.join(", ", r.otherOutputs()) + ")");
        return Models.validated(h5, new Model(r.graph(), spec, side.labels(), source));
    }

    private static String outputsNote(KerasModel km, Graph g) {
        List<String> outs = km.getOutputLayerNames();
        if (outs == null || outs.size() <= 1) {
            return "";
        }
        List<String> others = new ArrayList<>(outs);
        others.remove(g.outputName());
        return " (output " + g.outputName() + "; other Keras outputs, nodes of the graph: " + String.join(", ", others) + ")";
    }

    /**
     * The model config's class name, the Keras version and the backend, from the root attributes jHDF read in
     * {@link Hdf5Check} (the native library's attribute reader allocated whatever a corrupt file declared).
     */
    private static Header header(Path h5, Hdf5Walk.Contents contents) throws ModelImportException {
        if (contents.modelConfig() == null) {
            throw new ModelImportException(h5, "has no 'model_config' attribute: it holds weights only "
                    + "(model.save_weights); cnnviz needs a whole model saved with model.save('m.h5')");
        }
        JsonNode root;
        try {
            root = JSON.readTree(contents.modelConfig());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new ModelImportException(h5, "has a model_config that is not JSON: "
                    + String.valueOf(e.getOriginalMessage()).replaceAll("\\s+", " ").strip()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
        } catch (RuntimeException | StackOverflowError e) {
            throw new ModelImportException(h5, "has a model_config that is not JSON: "
                    + message(e).replaceAll("\\s+", " "), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelImportException(h5, "has a model_config that is not a JSON object");
        }
        String cls = root.path("class_name").asText("");
        if (cls.isEmpty()) {
            throw new ModelImportException(h5, "has a model_config without class_name");
        }
        String version = contents.kerasVersion() == null ? "?" : contents.kerasVersion();
        String backend = contents.backend() == null ? "?" : contents.backend();
        return new Header(cls, clean(version), clean(backend), root);
    }

    private static String clean(String s) {
        StringBuilder sb = new StringBuilder();
        for (char ch : s.toCharArray()) {
            if (ch < ' ' || ch > '~') {
                break;
            }
            sb.append(ch);
        }
        return sb.toString().strip();
    }

    /** The smallest square size in 1..512 on which the graph runs (for inputs of unknown size). */
    private static int smallestSize(Path h5, Graph g, long c) throws ModelImportException {
        for (int s = 1; s <= MAX_SIZE_SEARCH; s++) {
            try (INDArray x = Nd4j.zeros(g.dataType() == null ? DataType.FLOAT : g.dataType(), 1, c, s, s);
                 ForwardPass pass = g.infer(x, List.of())) {
                pass.output();
                return s;
            } catch (RuntimeException e) {
                // too small for the network: try the next size
            }
        }
        throw new ModelImportException(h5, "the input size is unknown and no square size up to " + MAX_SIZE_SEARCH
                + " runs through the network; give it in a sidecar (input = C,H,W)");
    }

    private static String message(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 600; t = t.getCause()) {
            String m = t.getMessage();
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(t.getClass().getSimpleName());
            if (m != null) {
                sb.append(": ").append(m.replaceAll("\\s*For more information, see http\\S+", "").strip());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString();
    }

    private static String dl4jVersion() {
        Package p = KerasModel.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "1.0.0-M2.1" : v;
    }
}
