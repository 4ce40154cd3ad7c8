package dev.cnnviz.dl4j.dl4j;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.dl4j.Models;
import dev.cnnviz.core.graph.Graph;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Loads a DL4J model zip (written by {@code ModelSerializer.writeModel} or {@code net.save(file)}), a
 * {@link MultiLayerNetwork} or a {@link ComputationGraph}, as a cnnviz {@link Model}.
 *
 * <pre>{@code
 * Model m = Dl4jImporter.load(Path.of("fashion-cnn.zip"));      // input size and layout inferred
 * Model m2 = Dl4jImporter.load(zip, InputType.convolutional(28, 28, 1));
 * }</pre>
 *
 * <h2>Input size</h2>
 * A DL4J zip does not record the input type the network was built with. It is taken, in this order, from the
 * {@code inputType} argument; from {@code input = C,H,W} in a {@linkplain ModelSidecar sidecar}; from a
 * {@code FeedForwardToCnnPreProcessor} on the first layer ({@code InputType.convolutionalFlat}); otherwise
 * the channels come from the first layer's {@code nIn} and the height and width are the first square size (28
 * for one channel, 224 for three, then 1, 2, 3, …) that is consistent with the sizes recorded in the network's
 * {@code CnnToFeedForwardPreProcessor}s. A network without such a constraint (e.g. ending in global pooling)
 * then gets 28×28 (grey) or 224×224 (colour): pass the input type or a sidecar if it was trained otherwise.
 *
 * <h2>Checks</h2>
 * Parameters with NaN or infinite values (and negative batch-norm variances) make the network compute NaN: they are
 * a {@link ModelImportException} naming the first few layers and parameters, unless
 * {@link Options#withNonFiniteWeightsAllowed} asks to load the model anyway (to inspect it).
 *
 * <h2>Preprocessing</h2>
 * Defaults: {@code Preprocessing.unit(GREY)} (pixels / 255) for one channel, {@code Preprocessing.raw(RGB)}
 * for three; a sidecar or {@link Model#withPreprocessing} sets the real one.
 */
public final class Dl4jImporter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_SIZE_SEARCH = 1024;

    private Dl4jImporter() {
    }

    /**
     * Import options.
     *
     * @param allowNonFiniteWeights accept parameters with NaN or infinite values, which make the network compute NaN:
     *                              for inspecting a broken model; by default such a model is a
     *                              {@link ModelImportException} naming the layers and parameters
     */
    public record Options(boolean allowNonFiniteWeights) {
        /** @return the defaults: non-finite parameters are rejected. */
        public static Options defaults() {
            return new Options(false);
        }

        /** @return a copy that accepts (true) or rejects (false) parameters with NaN or infinite values. */
        public Options withNonFiniteWeightsAllowed(boolean allow) {
            return new Options(allow);
        }
    }

    /** Loads a DL4J zip, inferring the input type (see the class comment). */
    public static Model load(Path zip) throws ModelImportException {
        return load(zip, null, Options.defaults());
    }

    /**
     * Loads a DL4J zip with the default {@link Options}.
     *
     * @param zip       the model file
     * @param inputType the network's input type, or null to infer it
     * @throws ModelImportException see {@link #load(Path, InputType, Options)}
     */
    public static Model load(Path zip, InputType inputType) throws ModelImportException {
        return load(zip, inputType, Options.defaults());
    }

    /**
     * Loads a DL4J zip.
     *
     * @param zip       the model file
     * @param inputType the network's input type, or null to infer it
     * @param options   import options (null: the defaults)
     * @throws ModelImportException if the file is missing, not a DL4J zip, corrupt, uses a layer cnnviz cannot
     *                              translate (the message names the file, the layer and its type), or has NaN or
     *                              infinite parameters that the options do not allow (the message names them)
     */
    public static Model load(Path zip, InputType inputType, Options options) throws ModelImportException {
        Options opts = options == null ? Options.defaults() : options;
        checkFile(zip);
        String config;
        String props;
        String labels;
        try (ZipFile zf = new ZipFile(zip.toFile())) {
            ZipEntry conf = zf.getEntry("configuration.json");
            if (conf == null) {
                List<String> names = new ArrayList<>();
                for (Enumeration<? extends ZipEntry> en = zf.entries(); en.hasMoreElements() && names.size() < 10; ) {
                    names.add(en.nextElement().getName());
                }
                throw new ModelImportException(zip, "is a zip archive but not a DL4J model: it has no configuration.json "
                        + "(entries: " + names + ")");
            }
            if (zf.getEntry("coefficients.bin") == null) {
                throw new ModelImportException(zip, "is a DL4J model zip without parameters (no coefficients.bin)");
            }
            config = read(zf, conf);
            props = zf.getEntry("cnnviz.properties") == null ? null : read(zf, zf.getEntry("cnnviz.properties"));
            labels = zf.getEntry("labels.txt") == null ? null : read(zf, zf.getEntry("labels.txt"));
        } catch (ZipException e) {
            throw new ModelImportException(zip, "is not a readable zip archive (truncated or corrupt): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelImportException(zip, "could not be read: " + e.getMessage(), e);
        }
        ModelSidecar side = ModelSidecar.read(zip, props, labels);
        JsonNode root;
        try {
            root = JSON.readTree(config);
        } catch (IOException e) {
            throw new ModelImportException(zip, "has a malformed configuration.json: " + e.getMessage(), e);
        }
        boolean graph = root.has("vertices");
        if (!graph && !root.has("confs")) {
            throw new ModelImportException(zip, "has a configuration.json that describes neither a MultiLayerNetwork "
                    + "(no 'confs') nor a ComputationGraph (no 'vertices')");
        }
        String fileName = zip.getFileName().toString();
        if (graph) {
            ComputationGraph cg = restore(zip, () -> ModelSerializer.restoreComputationGraph(zip.toFile(), false));
            if (!opts.allowNonFiniteWeights()) {
                checkFinite(zip, cg.getLayers());
            }
            ComputationGraphConfiguration conf = cg.getConfiguration();
            if (conf.getNetworkInputs().size() != 1) {
                throw new ModelImportException(zip, "the ComputationGraph has " + conf.getNetworkInputs().size()
                        + " inputs " + conf.getNetworkInputs() + "; cnnviz models take one image");
            }
            InputType type = inputType != null ? inputType : inferInput(zip, cg, side);
            Graph g = Dl4jTranslator.translate(cg, new InputType[] {type}, zip);
            return model(zip, g, type, side, "DL4J ComputationGraph (zip): " + fileName);
        }
        MultiLayerNetwork net = restore(zip, () -> ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false));
        if (!opts.allowNonFiniteWeights()) {
            checkFinite(zip, net.getLayers());
        }
        InputType type = inputType != null ? inputType : inferInput(zip, net, side);
        Graph g = Dl4jTranslator.translate(net, type, zip);
        return model(zip, g, type, side, "DL4J MultiLayerNetwork (zip): " + fileName);
    }

    /** Every parameter of every layer is finite (NaN or infinite values make the network compute NaN). */
    private static void checkFinite(Path zip, org.deeplearning4j.nn.api.Layer[] layers) throws ModelImportException {
        NonFiniteWeights bad = new NonFiniteWeights();
        for (org.deeplearning4j.nn.api.Layer l : layers == null ? new org.deeplearning4j.nn.api.Layer[0] : layers) {
            String name = l.conf() != null && l.conf().getLayer() != null && l.conf().getLayer().getLayerName() != null
                    ? l.conf().getLayer().getLayerName() : "#" + l.getIndex();
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                bad.count(name, p.getKey(), p.getValue());
                Layer conf = l.conf() == null ? null : l.conf().getLayer();
                if (conf instanceof BatchNormalization bn && !bn.isUseLogStd() && p.getKey().equals("var")) {
                    double[] v = p.getValue().dup('c').castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).data().asDouble();
                    long neg = java.util.Arrays.stream(v).filter(x -> x + bn.getEps() <= 0).count();
                    if (neg > 0) {
                        bad.addProblem(name, "var", neg + " of " + v.length + " values are at most -eps (" + (-bn.getEps())
                                + "): a variance must not be negative");
                    }
                }
            }
        }
        bad.throwIfAny(zip, "Dl4jImporter.load(file, inputType, Dl4jImporter.Options.defaults().withNonFiniteWeightsAllowed(true))");
    }

    private interface Restore<T> {
        T get() throws IOException;
    }

    private static <T> T restore(Path zip, Restore<T> r) throws ModelImportException {
        try {
            return r.get();
        } catch (IOException | RuntimeException | LinkageError | AssertionError e) {
            throw new ModelImportException(zip, "DL4J could not restore the network: " + e, e);
        }
    }

    private static String read(ZipFile zf, ZipEntry e) throws IOException {
        try (InputStream in = zf.getInputStream(e)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Checks that the file exists, is readable and starts like a zip archive. */
    static void checkFile(Path zip) throws ModelImportException {
        if (zip == null) {
            throw new IllegalArgumentException("the model path must not be null");
        }
        if (!Files.exists(zip)) {
            throw new ModelImportException(zip, "no such file");
        }
        if (!Files.isRegularFile(zip) || !Files.isReadable(zip)) {
            throw new ModelImportException(zip, "is not a readable file");
        }
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(zip)) {
            n = in.readNBytes(head, 0, 4);
        } catch (IOException e) {
            throw new ModelImportException(zip, "could not be read: " + e.getMessage(), e);
        }
        if (n < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
            throw new ModelImportException(zip, "is not a DL4J model zip (it does not start with a zip signature"
                    + (n == 0 ? "; the file is empty" : "") + ")");
        }
    }

    /** Builds the model: input spec from the type (NCHW or NHWC original layout), default or sidecar preprocessing. */
    static Model model(Path file, Graph g, InputType type, ModelSidecar side, String source) throws ModelImportException {
        long c;
        long h;
        long w;
        Layout layout = Layout.NCHW;
        if (type instanceof InputType.InputTypeConvolutional ct) {
            c = ct.getChannels();
            h = ct.getHeight();
            w = ct.getWidth();
            layout = ct.getFormat() == CNN2DFormat.NHWC ? Layout.NHWC : Layout.NCHW;
        } else if (type instanceof InputType.InputTypeConvolutionalFlat f) {
            c = f.getDepth();
            h = f.getHeight();
            w = f.getWidth();
        } else {
            throw new ModelImportException(file, "the network takes " + type + "; cnnviz models take images");
        }
        return Models.validated(file, new Model(g, spec(file, c, h, w, layout, side), side.labels(), source));
    }

    /** The input spec, with the default preprocessing for the channel count and the sidecar's overrides. */
    public static InputSpec spec(Path file, long c, long h, long w, Layout layout, ModelSidecar side) throws ModelImportException {
        if (c != 1 && c != 3) {
            throw new ModelImportException(file, "the network takes " + c + " input channels; cnnviz models take images "
                    + "with 1 (grey) or 3 (colour) channels");
        }
        if (h <= 0 || w <= 0) {
            throw new ModelImportException(file, "the input height and width are unknown (" + h + "x" + w + ")");
        }
        Preprocessing dflt = c == 1 ? Preprocessing.unit(ChannelOrder.GREY) : Preprocessing.raw(ChannelOrder.RGB);
        Preprocessing p = side.preprocessing(file, dflt);
        try {
            return new InputSpec((int) c, (int) h, (int) w, layout, p);
        } catch (IllegalArgumentException e) {
            throw new ModelImportException(file, "its sidecar preprocessing does not fit the model: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ input type inference

    private static InputType fromSidecar(ModelSidecar side, CNN2DFormat format) {
        return side.input().map(i -> InputType.convolutional(i[1], i[2], i[0], format)).orElse(null);
    }

    private static InputType inferInput(Path zip, MultiLayerNetwork net, ModelSidecar side) throws ModelImportException {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        InputPreProcessor first = conf.getInputPreProcess(0);
        if (first instanceof FeedForwardToCnnPreProcessor f && side.input().isEmpty()) {
            return InputType.convolutionalFlat(f.getInputHeight(), f.getInputWidth(), f.getNumChannels());
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            layers.add(conf.getConf(i).getLayer());
        }
        long[] cf = channelsAndFormat(zip, layers);
        CNN2DFormat format = cf[1] == 1 ? CNN2DFormat.NHWC : CNN2DFormat.NCHW;
        InputType fromSide = fromSidecar(side, format);
        if (fromSide != null) {
            return fromSide;
        }
        return searchSize(zip, (int) cf[0], format, t -> {
            List<InputType> types = conf.getLayerActivationTypes(t);
            for (Map.Entry<Integer, InputPreProcessor> e : conf.getInputPreProcessors().entrySet()) {
                InputType before = e.getKey() == 0 ? t : types.get(e.getKey() - 1);
                if (!consistent(e.getValue(), before)) {
                    return false;
                }
            }
            return true;
        });
    }

    private static InputType inferInput(Path zip, ComputationGraph cg, ModelSidecar side) throws ModelImportException {
        ComputationGraphConfiguration conf = cg.getConfiguration();
        String input = conf.getNetworkInputs().get(0);
        List<Layer> layers = new ArrayList<>();
        String cur = input;
        // follow the first chain of layers from the input to find nIn and the layout
        for (int guard = 0; guard < conf.getVertices().size(); guard++) {
            String next = null;
            for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
                if (e.getValue().contains(cur)) {
                    next = e.getKey();
                    break;
                }
            }
            if (next == null || !(conf.getVertices().get(next) instanceof LayerVertex lv)) {
                break;
            }
            if (lv.getPreProcessor() instanceof FeedForwardToCnnPreProcessor f && layers.isEmpty() && side.input().isEmpty()) {
                return InputType.convolutionalFlat(f.getInputHeight(), f.getInputWidth(), f.getNumChannels());
            }
            layers.add(lv.getLayerConf().getLayer());
            if (lv.getLayerConf().getLayer() instanceof FeedForwardLayer ff && ff.getNIn() > 0) {
                break;
            }
            cur = next;
        }
        long[] cf = channelsAndFormat(zip, layers);
        CNN2DFormat format = cf[1] == 1 ? CNN2DFormat.NHWC : CNN2DFormat.NCHW;
        InputType fromSide = fromSidecar(side, format);
        if (fromSide != null) {
            return fromSide;
        }
        return searchSize(zip, (int) cf[0], format, t -> {
            Map<String, InputType> types = new java.util.HashMap<>(conf.getLayerActivationTypes(t));
            types.put(input, t);
            for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
                InputPreProcessor pre = e.getValue() instanceof LayerVertex lv ? lv.getPreProcessor()
                        : e.getValue() instanceof PreprocessorVertex pv ? pv.getPreProcessor() : null;
                List<String> ins = conf.getVertexInputs().get(e.getKey());
                if (pre != null && ins != null && ins.size() == 1 && !consistent(pre, types.get(ins.get(0)))) {
                    return false;
                }
            }
            return true;
        });
    }

    /** {channels, 1 if NHWC else 0} from the first layers (which pass the channel count through until one has nIn). */
    private static long[] channelsAndFormat(Path zip, List<Layer> layers) throws ModelImportException {
        long format = -1;
        for (Layer l : layers) {
            CNN2DFormat f = l instanceof ConvolutionLayer c ? c.getCnn2dDataFormat()
                    : l instanceof SubsamplingLayer s ? s.getCnn2dDataFormat()
                    : l instanceof BatchNormalization b ? b.getCnn2DFormat()
                    : l instanceof ZeroPaddingLayer z ? z.getDataFormat()
                    : l instanceof Upsampling2D u ? u.getFormat() : null;
            if (f != null && format < 0) {
                format = f == CNN2DFormat.NHWC ? 1 : 0;
            }
            if (l instanceof FeedForwardLayer ff && ff.getNIn() > 0) {
                if (!(l instanceof ConvolutionLayer) && !(l instanceof BatchNormalization)) {
                    throw new ModelImportException(zip, "the network starts with a " + l.getClass().getSimpleName()
                            + " taking " + ff.getNIn() + " features; cnnviz models take images (a convolutional first layer)");
                }
                return new long[] {ff.getNIn(), Math.max(format, 0)};
            }
        }
        throw new ModelImportException(zip, "cannot tell the number of input channels from the first layers; "
                + "pass the input type to Dl4jImporter.load(path, inputType) or add a sidecar with input = C,H,W");
    }

    /** The recorded size of a CNN-to-dense preprocessor must equal the size of the activation that reaches it. */
    private static boolean consistent(InputPreProcessor pre, InputType before) {
        if (pre instanceof CnnToFeedForwardPreProcessor c && c.getInputHeight() > 0 && c.getInputWidth() > 0) {
            return before instanceof InputType.InputTypeConvolutional t
                    && t.getHeight() == c.getInputHeight() && t.getWidth() == c.getInputWidth();
        }
        return true;
    }

    private interface SizeCheck {
        boolean ok(InputType t);
    }

    private static InputType searchSize(Path zip, int channels, CNN2DFormat format, SizeCheck check) throws ModelImportException {
        int preferred = channels == 1 ? 28 : channels == 3 ? 224 : 32;
        if (fits(check, InputType.convolutional(preferred, preferred, channels, format))) {
            return InputType.convolutional(preferred, preferred, channels, format);
        }
        for (int s = 1; s <= MAX_SIZE_SEARCH; s++) {
            InputType t = InputType.convolutional(s, s, channels, format);
            if (fits(check, t)) {
                return t;
            }
        }
        throw new ModelImportException(zip, "could not infer the input size (no square size up to " + MAX_SIZE_SEARCH
                + " fits the network); pass the input type to Dl4jImporter.load(path, inputType) or add a sidecar with input = C,H,W");
    }

    private static boolean fits(SizeCheck check, InputType t) {
        try {
            return check.ok(t);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
