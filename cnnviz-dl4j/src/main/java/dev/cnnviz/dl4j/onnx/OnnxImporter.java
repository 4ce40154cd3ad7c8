package dev.cnnviz.dl4j.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.ResourceLimitException;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.dl4j.Models;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ModelProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.NodeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.OperatorSetIdProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Imports ONNX models (operator sets 7 to 17 of the default domain, and files from before ONNX 1.0 read at
 * opset 1) into cnnviz {@link Model}s, or any ONNX graph cnnviz can compute into a {@link Graph}
 * ({@link #readGraph}).
 *
 * <pre>{@code
 * Model m = OnnxImporter.load(Path.of("squeezenet1.1-imagenet.onnx"))
 *     .withPreprocessing(Preprocessing.caffeBgr(104, 117, 123));
 * }</pre>
 *
 * <p>What it accepts: one floating-point image input of rank 4 ({@code [N, C, H, W]}, C = 1 or 3; the batch
 * dimension may be symbolic; a symbolic height or width needs {@link Options#withInputSize}); initializers
 * in float32, float64, float16 (both become float32) and integer types, from {@code raw_data}, the typed fields
 * or external data files; initializers that are also listed as graph inputs (opset &lt; 9 style) stay
 * constants. The graph's first output becomes the model output; the class scores are the input of a final
 * Softmax (as {@link Graph.Builder#scores} finds it), so for SqueezeNet they are the global-average-pooled
 * {@code relu(conv10)}.
 *
 * <p>Files of IR version 1 and 2 (from before ONNX 1.0, e.g. PyTorch 0.2 exports) import no opset: they are
 * read with the opset-1 definitions ({@link #LEGACY_OPSET}). The operators of {@link #opset1Operators()} are
 * translated with their opset-1 semantics (legacy {@code broadcast}/{@code axis} of Add, Sub, Mul and Div,
 * Reshape's shape attribute, Dropout's {@code is_test}, Concat's default axis 1, ...); the others fail with a
 * message naming the operator and the difference.
 *
 * <p>Models whose inputs are not one image (several inputs, or inputs of another rank, such as a text CNN's
 * [N, embedding, length] sequences) cannot become a {@link Model}, whose {@link dev.cnnviz.api.InputSpec} is an
 * image; {@link #readGraph} imports their graph, with one {@link dev.cnnviz.core.graph.ops.Input} node per
 * graph input, and computes them with {@link Graph#infer(Map, java.util.Collection)}:
 *
 * <pre>{@code
 * Graph g = OnnxImporter.readGraph(Path.of("sm_cnn.onnx"), OnnxImporter.Options.defaults()).graph();
 * try (ForwardPass pass = g.infer(Map.of("1", question, "2", answer, "3", features), List.of())) { ... }
 * }</pre>
 *
 * <p>Supported operators are listed by {@link #supportedOperators()}; shape computations made of constants
 * and {@code Shape} (Shape, Gather, Unsqueeze, Concat, Cast, Slice, arithmetic) are evaluated at import time,
 * and tensor inputs that are attributes for cnnviz (Reshape's shape, Clip's bounds, Pad's pads, Resize's
 * scales or sizes, Squeeze/Unsqueeze axes) must be constant. Anything else fails at load time with a
 * {@link ModelImportException} naming the file, the node and the operator.
 *
 * <p>Node names: the ONNX node name when it is non-empty and unique, otherwise the lower-cased operator and
 * the node's first output, e.g. {@code conv_conv1_1}; constants keep their initializer names.
 * {@link Result#tensorToNode()} maps ONNX value names to node names.
 *
 * <p>Preprocessing: ONNX files do not say how pixels are preprocessed, so the imported model has a
 * placeholder: {@code Preprocessing.raw(RGB)} (0..255) for 3 channels and {@code Preprocessing.unit(GREY)}
 * (0..1) for 1 channel. Set the real one with {@link Model#withPreprocessing}, e.g.
 * {@code Preprocessing.caffeBgr(104, 117, 123)} for the Caffe2 SqueezeNet or {@code Preprocessing.imagenetTorch()}
 * for torchvision exports.
 */
public final class OnnxImporter {
    /** Lowest supported opset of the default domain. */
    public static final int MIN_OPSET = 7;
    /** Highest supported opset of the default domain. */
    public static final int MAX_OPSET = 17;
    /**
     * The opset of files of IR version 1 and 2, which predate opset imports: the first operator set. Files of
     * another IR version without a default-domain opset import are rejected.
     */
    public static final int LEGACY_OPSET = 1;
    /** Files of an IR version below this (before ONNX 1.0) may lack opset imports. */
    private static final long FIRST_IR_WITH_OPSETS = 3;

    private OnnxImporter() {
    }

    /**
     * Import options.
     *
     * <pre>{@code
     * Options o = Options.defaults()
     *     .withInputSize(224, 224)                    // for models whose height and width are symbolic
     *     .withMemoryBudget(MemoryBudget.parse("2g")) // tensors, and the graph's passes later
     *     .withNonFiniteWeightsAllowed(true);         // to inspect a broken model
     * }</pre>
     *
     * @param defaultHeight         input height used when the model's is symbolic (0: none, reject such models)
     * @param defaultWidth          input width used when the model's is symbolic (0: none)
     * @param allowNonFiniteWeights false (the default): a weight with a NaN or infinite value is an import error
     *                              naming the tensors; true: such models load, for inspection (their results are
     *                              still checked, and a non-finite result is an error)
     * @param memoryBudget          the budget for the model's tensors and, carried by the imported graph, for its
     *                              forward and backward passes; null: {@link MemoryBudget#defaultBudget()} when used
     */
    public record Options(int defaultHeight, int defaultWidth, boolean allowNonFiniteWeights, MemoryBudget memoryBudget) {
        /** Validates the sizes. */
        public Options {
            if (defaultHeight < 0 || defaultWidth < 0) {
                throw new IllegalArgumentException("input sizes must not be negative, found " + defaultHeight + "x" + defaultWidth);
            }
        }

        /** Options with a default input size, the other options at their defaults. */
        public Options(int defaultHeight, int defaultWidth) {
            this(defaultHeight, defaultWidth, false, null);
        }

        /** @return options without defaults. */
        public static Options defaults() {
            return new Options(0, 0);
        }

        /** @return a copy whose input size is used when the model's height or width is symbolic. */
        public Options withInputSize(int height, int width) {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("input size must be positive, found " + height + "x" + width);
            }
            return new Options(height, width, allowNonFiniteWeights, memoryBudget);
        }

        /** @return a copy that accepts (true) or refuses (false, the default) weights with NaN or infinite values. */
        public Options withNonFiniteWeightsAllowed(boolean allowed) {
            return new Options(defaultHeight, defaultWidth, allowed, memoryBudget);
        }

        /** @return a copy with this memory budget (for the tensors and the imported graph's passes). */
        public Options withMemoryBudget(MemoryBudget budget) {
            return new Options(defaultHeight, defaultWidth, allowNonFiniteWeights, Objects.requireNonNull(budget, "budget"));
        }

        /** @return the budget in force: the chosen one, or the default. */
        MemoryBudget budget() {
            return memoryBudget != null ? memoryBudget : MemoryBudget.defaultBudget();
        }
    }

    /**
     * An import's result with its details.
     *
     * @param model        the model
     * @param opset        the default-domain opset of the file ({@link #LEGACY_OPSET} for files without opset imports)
     * @param producer     producer name and version, e.g. "pytorch 1.13.0" (may be empty)
     * @param tensorToNode ONNX value (tensor) name to cnnviz graph node name, for values that became nodes
     */
    public record Result(Model model, int opset, String producer, Map<String, String> tensorToNode) {
        /** Copies the map. */
        public Result {
            tensorToNode = Map.copyOf(tensorToNode);
        }
    }

    /**
     * An import of a graph alone, with its inputs as they are.
     *
     * @param graph        the graph: one {@link dev.cnnviz.core.graph.ops.Input} node per graph input (named as
     *                     in the file, in its order), the first graph output as output
     * @param opset        the default-domain opset the file was read with
     * @param producer     producer name and version (may be empty)
     * @param tensorToNode ONNX value (tensor) name to cnnviz graph node name, for values that became nodes
     */
    public record GraphResult(Graph graph, int opset, String producer, Map<String, String> tensorToNode) {
        /** Copies the map. */
        public GraphResult {
            tensorToNode = Map.copyOf(tensorToNode);
        }
    }

    /** @return the ONNX operators cnnviz maps to graph nodes, sorted. */
    public static Set<String> supportedOperators() {
        return GraphTranslator.MAPPED;
    }

    /** @return the ONNX operators cnnviz evaluates at import time on constants and shapes, sorted. */
    public static Set<String> foldedOperators() {
        return GraphTranslator.FOLDED_ONLY;
    }

    /** @return the operators cnnviz translates in files read at opset 1 ({@link #LEGACY_OPSET}), sorted. */
    public static Set<String> opset1Operators() {
        return GraphTranslator.OPSET1;
    }

    /** Loads an ONNX file. @throws ModelImportException if it is missing, unreadable, not ONNX or unsupported */
    public static Model load(Path file) throws ModelImportException {
        return read(file, Options.defaults()).model();
    }

    /** Loads an ONNX file with options. */
    public static Model load(Path file, Options options) throws ModelImportException {
        return read(file, options).model();
    }

    /**
     * Loads an ONNX model from a stream (read fully, not closed).
     *
     * @param name a name for messages and the model's source, e.g. the file name
     */
    public static Model load(InputStream in, String name) throws ModelImportException {
        return read(in, name, Options.defaults()).model();
    }

    /** Loads an ONNX model from a stream with options. */
    public static Model load(InputStream in, String name, Options options) throws ModelImportException {
        return read(in, name, options).model();
    }

    /** Loads an ONNX file and returns the model with import details. */
    public static Result read(Path file, Options options) throws ModelImportException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        ByteBuffer bytes = readFile(file);
        Path dir = file.toAbsolutePath().getParent();
        return read(bytes, file, file.getFileName() == null ? file.toString() : file.getFileName().toString(), dir, options);
    }

    /** The largest ONNX file protobuf can parse: 2 GiB less a little (larger models keep weights in external data). */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    /**
     * Maps a model file into memory (read-only): a regular file only, at most 2 GiB. Its bytes are parsed in place
     * and initializers alias them, so an unused initializer costs no memory.
     */
    private static ByteBuffer readFile(Path file) throws ModelImportException {
        try {
            if (Files.isDirectory(file)) {
                throw new ModelImportException(file, "is a directory, not an ONNX file");
            }
            if (!Files.exists(file)) {
                throw new NoSuchFileException(file.toString());
            }
            if (!Files.isRegularFile(file)) {
                throw new ModelImportException(file, "is not a regular file (a device, a pipe or a socket); "
                        + "cnnviz reads models only from regular files");
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size > MAX_FILE_BYTES) {
                    throw new ModelImportException(file, "the file has " + size + " bytes; an ONNX file holds at most 2 GiB "
                            + "(protobuf's limit; larger models keep their weights in external data files)");
                }
                return ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            }
        } catch (NoSuchFileException e) {
            throw new ModelImportException(file, "file not found", e);
        } catch (AccessDeniedException e) {
            throw new ModelImportException(file, "cannot read the file: permission denied", e);
        } catch (IOException e) {
            throw new ModelImportException(file, "cannot read the file: " + e, e);
        }
    }

    /** Loads an ONNX model from a stream and returns it with import details. */
    public static Result read(InputStream in, String name, Options options) throws ModelImportException {
        Path label = label(name);
        return read(readStream(in, label), label, name == null ? "stream" : name, null, options);
    }

    /** Reads a stream to its end, refusing more than {@link #MAX_FILE_BYTES} before it has read them all. */
    private static ByteBuffer readStream(InputStream in, Path label) throws ModelImportException {
        try {
            byte[] b = in.readNBytes((int) MAX_FILE_BYTES);
            if (b.length == MAX_FILE_BYTES && in.read() >= 0) {
                throw new ModelImportException(label, "the stream holds more than 2 GiB; an ONNX model holds at most 2 GiB");
            }
            return ByteBuffer.wrap(b);
        } catch (IOException e) {
            throw new ModelImportException(label, "cannot read the stream: " + e, e);
        } catch (OutOfMemoryError e) {
            throw new ModelImportException(label, "the stream is too large to read into the Java heap", e);
        }
    }

    /**
     * Imports an ONNX file's graph without requiring one image input: any number of floating-point inputs of any
     * rank (the first dimension is the batch; the other sizes must be fixed, except a rank-4 input's height and
     * width, which may come from {@link Options#withInputSize}). For models that are not image classifiers, such
     * as text CNNs, which a {@link Model} cannot describe.
     *
     * @throws ModelImportException if the file is missing, unreadable, not ONNX or unsupported
     */
    public static GraphResult readGraph(Path file, Options options) throws ModelImportException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        ByteBuffer bytes = readFile(file);
        return readGraph(bytes, file, file.toAbsolutePath().getParent(), options);
    }

    /** Stream form of {@link #readGraph(Path, Options)} (read fully, not closed); {@code name} labels messages. */
    public static GraphResult readGraph(InputStream in, String name, Options options) throws ModelImportException {
        Path label = label(name);
        return readGraph(readStream(in, label), label, null, options);
    }

    private static GraphResult readGraph(ByteBuffer bytes, Path file, Path baseDir, Options options) throws ModelImportException {
        Options opts = options == null ? Options.defaults() : options;
        ModelProto model = parse(bytes, file);
        int opset = checkModel(model, file);
        try {
            GraphTranslator t = new GraphTranslator(model.getGraph(), opset, baseDir, opts, false);
            Graph graph = t.translate();
            if (opts.memoryBudget() != null) {
                graph = graph.withMemoryBudget(opts.memoryBudget());
            }
            return new GraphResult(graph, opset, producer(model), t.valueNodes());
        } catch (ImportFailure e) {
            throw new ModelImportException(file, e.getMessage(), e.getCause() != null ? e.getCause() : e);
        } catch (ResourceLimitException e) {
            throw new ModelImportException(file, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ModelImportException(file, "import failed: " + e, e);
        }
    }

    private static Path label(String name) {
        try {
            return Path.of(name == null || name.isBlank() ? "<stream>" : name);
        } catch (InvalidPathException e) {
            return Path.of("<stream>");
        }
    }

    private static Result read(ByteBuffer bytes, Path file, String displayName, Path baseDir, Options options)
            throws ModelImportException {
        Options opts = options == null ? Options.defaults() : options;
        ModelProto model = parse(bytes, file);
        try {
            return translate(model, file, displayName, baseDir, opts);
        } catch (ImportFailure e) {
            throw new ModelImportException(file, e.getMessage(), e.getCause() != null ? e.getCause() : e);
        } catch (ResourceLimitException e) {
            throw new ModelImportException(file, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ModelImportException(file, "import failed: " + e, e);
        }
    }

    private static ModelProto parse(ByteBuffer bytes, Path file) throws ModelImportException {
        byte[] start = new byte[(int) Math.min(8, bytes.remaining())];
        bytes.duplicate().get(start);
        String kind = sniff(start);
        if (kind != null) {
            throw new ModelImportException(file, kind);
        }
        try {
            CodedInputStream cis = CodedInputStream.newInstance(bytes.duplicate());
            cis.enableAliasing(true);
            cis.setSizeLimit(Integer.MAX_VALUE);
            cis.setRecursionLimit(200);
            return ModelProto.parseFrom(cis);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelImportException(file, "not a valid ONNX file: the protobuf data is truncated or corrupt ("
                    + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new ModelImportException(file, "not a valid ONNX file: " + e, e);
        }
    }

    /** Recognises common non-ONNX files by their first bytes. @return a message, or null if it may be ONNX */
    static String sniff(byte[] b) {
        if (b.length == 0) {
            return "the file is empty, not an ONNX model";
        }
        if (startsWith(b, 0x89, 'P', 'N', 'G')) {
            return "this is a PNG image, not an ONNX model";
        }
        if (startsWith(b, 0xff, 0xd8, 0xff)) {
            return "this is a JPEG image, not an ONNX model";
        }
        if (startsWith(b, 'G', 'I', 'F', '8')) {
            return "this is a GIF image, not an ONNX model";
        }
        if (startsWith(b, 0x89, 'H', 'D', 'F')) {
            return "this is an HDF5 file (e.g. a Keras .h5 model), not an ONNX model; import Keras models with the Keras importer";
        }
        if (startsWith(b, 'P', 'K', 3, 4)) {
            return "this is a ZIP archive (e.g. a DL4J or PyTorch .pt model), not an ONNX model";
        }
        if (startsWith(b, 0x93, 'N', 'U', 'M', 'P', 'Y')) {
            return "this is a NumPy .npy array, not an ONNX model";
        }
        if (startsWith(b, 0x80) && b.length > 1 && b[1] >= 2 && b[1] <= 5) {
            return "this looks like a Python pickle (e.g. a PyTorch checkpoint), not an ONNX model";
        }
        return null;
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((b[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Checks that the model has a graph with nodes. @return its default-domain opset */
    private static int checkModel(ModelProto model, Path file) throws ModelImportException {
        if (!model.hasGraph()) {
            throw new ModelImportException(file, "not an ONNX model: the file parses as protobuf but contains no graph"
                    + (model.getIrVersion() == 0 ? " and no IR version" : " (IR version " + model.getIrVersion() + ")"));
        }
        if (model.getGraph().getNodeCount() == 0) {
            throw new ModelImportException(file, "the ONNX graph has no nodes");
        }
        return opset(model, file);
    }

    private static String producer(ModelProto model) {
        return (model.getProducerName() + " " + model.getProducerVersion()).trim();
    }

    private static Result translate(ModelProto model, Path file, String displayName, Path baseDir, Options options)
            throws ModelImportException {
        int opset = checkModel(model, file);
        GraphTranslator t = new GraphTranslator(model.getGraph(), opset, baseDir, options);
        Graph graph = t.translate();
        if (options.memoryBudget() != null) {
            graph = graph.withMemoryBudget(options.memoryBudget());
        }
        // ONNX files do not say how to preprocess; some say the channel order in the input's doc string
        ChannelOrder stated = t.statedChannelOrder();
        Preprocessing pre = t.channels() == 3 ? Preprocessing.raw(stated != null ? stated : ChannelOrder.RGB)
                : Preprocessing.unit(ChannelOrder.GREY);
        InputSpec spec = new InputSpec(t.channels(), t.height(), t.width(), Layout.NCHW, pre);
        String producer = producer(model);
        String source = "ONNX (opset " + opset + (producer.isEmpty() ? "" : ", producer " + producer) + "): " + displayName;
        Model m = Models.validated(file, new Model(graph, spec, List.of(), source), t.validationBatch());
        return new Result(m, opset, producer, t.valueNodes());
    }

    private static int opset(ModelProto model, Path file) throws ModelImportException {
        long version = -1;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                version = Math.max(version, o.getVersion());
            }
        }
        if (version < 0 && model.getIrVersion() >= 1 && model.getIrVersion() < FIRST_IR_WITH_OPSETS) {
            return LEGACY_OPSET;
        }
        if (version < 0) {
            String ops = unsupportedOps(model);
            throw new ModelImportException(file, "the model imports no opset of the default ONNX domain (IR version "
                    + model.getIrVersion() + (model.getIrVersion() < 3 ? ", from before ONNX 1.0" : "")
                    + "); cnnviz imports opsets " + MIN_OPSET + " to " + MAX_OPSET
                    + (ops.isEmpty() ? "" : ". It also uses operators cnnviz does not support: " + ops));
        }
        if (version < MIN_OPSET || version > MAX_OPSET) {
            String ops = unsupportedOps(model);
            throw new ModelImportException(file, "opset " + version + " is not supported; cnnviz imports opsets "
                    + MIN_OPSET + " to " + MAX_OPSET + " of the default ONNX domain (re-export with an opset in that range)"
                    + (ops.isEmpty() ? "" : ". The model also uses operators cnnviz does not support: " + ops));
        }
        return (int) version;
    }

    private static String unsupportedOps(ModelProto model) {
        Set<String> bad = new TreeSet<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            String op = n.getOpType();
            if (!GraphTranslator.MAPPED.contains(op) && !GraphTranslator.FOLDED_ONLY.contains(op)) {
                bad.add(n.getDomain().isEmpty() ? op : n.getDomain() + "." + op);
            }
        }
        return String.join(", ", new ArrayList<>(bad));
    }
}
