package dev.cnnviz.dl4j.onnx;

import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.Op;
import dev.cnnviz.core.graph.ops.Add;
import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.AveragePool;
import dev.cnnviz.core.graph.ops.BatchNorm;
import dev.cnnviz.core.graph.ops.Clip;
import dev.cnnviz.core.graph.ops.Concat;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.CoordinateTransform;
import dev.cnnviz.core.graph.ops.ConvTranspose;
import dev.cnnviz.core.graph.ops.Div;
import dev.cnnviz.core.graph.ops.Dropout;
import dev.cnnviz.core.graph.ops.Elu;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.Gemm;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.GlobalMaxPool;
import dev.cnnviz.core.graph.ops.HardSigmoid;
import dev.cnnviz.core.graph.ops.Identity;
import dev.cnnviz.core.graph.ops.Input;
import dev.cnnviz.core.graph.ops.InstanceNorm;
import dev.cnnviz.core.graph.ops.Interpolation;
import dev.cnnviz.core.graph.ops.LeakyRelu;
import dev.cnnviz.core.graph.ops.Log;
import dev.cnnviz.core.graph.ops.LogSoftmax;
import dev.cnnviz.core.graph.ops.MatMul;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Mul;
import dev.cnnviz.core.graph.ops.NearestMode;
import dev.cnnviz.core.graph.ops.PRelu;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.PadMode;
import dev.cnnviz.core.graph.ops.ReduceMean;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Reshape;
import dev.cnnviz.core.graph.ops.Resize;
import dev.cnnviz.core.graph.ops.Scale;
import dev.cnnviz.core.graph.ops.Sigmoid;
import dev.cnnviz.core.graph.ops.Softmax;
import dev.cnnviz.core.graph.ops.Squeeze;
import dev.cnnviz.core.graph.ops.Sub;
import dev.cnnviz.core.graph.ops.Sum;
import dev.cnnviz.core.graph.ops.Tanh;
import dev.cnnviz.core.graph.ops.Transpose;
import dev.cnnviz.core.graph.ops.Unsqueeze;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.GraphProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.NodeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorShapeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TypeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.ValueInfoProto;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Translates one ONNX {@code GraphProto} (default domain, opset 7 to 17, or opset 1 for files from before
 * ONNX 1.0) into a cnnviz {@link Graph}.
 *
 * <p>Constants (initializers, {@code Constant} nodes, folded shape computations) are kept aside as
 * {@link OnnxTensor}s and become {@link Constant} nodes only where an operator reads them as a real input;
 * inputs that ONNX passes as tensors but that are attributes for cnnviz (Reshape's shape, Clip's bounds,
 * Pad's pads, Resize's scales, Squeeze's axes, ...) are read at import time and must be constant.
 */
final class GraphTranslator {

    /** Operators mapped to cnnviz graph nodes. */
    static final Set<String> MAPPED = Collections.unmodifiableSet(new TreeSet<>(List.of(
            "Add", "Affine", "AveragePool", "BatchNormalization", "Clip", "Concat", "Constant", "Conv", "ConvTranspose",
            "Crop", "Div", "Dropout", "Elu", "Flatten", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "HardSigmoid",
            "Identity", "ImageScaler", "InstanceNormalization", "LeakyRelu", "Log", "LogSoftmax", "MatMul", "MaxPool",
            "Mul", "PRelu", "Pad", "ReduceMean", "Relu", "Reshape", "Resize", "Sigmoid", "Softmax", "Squeeze", "Sub",
            "Sum", "Tanh", "Transpose", "Unsqueeze", "Upsample")));

    /** Operators evaluated at import time only (shape computations); they must not depend on pixel values. */
    static final Set<String> FOLDED_ONLY = Collections.unmodifiableSet(new TreeSet<>(List.of(
            "Cast", "Gather", "Shape", "Slice")));

    /**
     * Operators translated at opset 1 (IR version 1 and 2 files, which import no opset): those whose opset-1
     * definition is the one cnnviz implements (apart from the {@code consumed_inputs} optimisation hint), or whose
     * differences are handled: Add, Sub, Mul and Div broadcast B from {@code axis} ({@code broadcast = 1});
     * Reshape takes its shape as an attribute; Concat's axis defaults to 1; Dropout copies its input only with
     * {@code is_test = 1}; Gemm's {@code broadcast} of C agrees with numpy's; Softmax and LogSoftmax flatten
     * from the axis as before opset 13; AveragePool excludes the padding; Pad, Clip, Squeeze and Unsqueeze take
     * attributes.
     */
    static final Set<String> OPSET1 = Collections.unmodifiableSet(new TreeSet<>(List.of(
            "Add", "AveragePool", "Clip", "Concat", "Constant", "Conv", "Div", "Dropout", "Elu", "Flatten", "Gemm",
            "GlobalAveragePool", "GlobalMaxPool", "Identity", "LeakyRelu", "Log", "LogSoftmax", "MatMul", "MaxPool",
            "Mul", "Pad", "Relu", "Reshape", "Sigmoid", "Softmax", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze")));

    /** Why some operators are not translated at opset 1 (the others: their opset-1 definition is not checked). */
    private static final Map<String, String> OPSET1_DIFFERENCES = Map.of(
            "BatchNormalization", "its is_test attribute defaults to 0 (training mode, batch statistics) and its spatial "
                    + "attribute can ask for per-activation statistics",
            "Cast", "its 'to' attribute is a type name (a string), not a TensorProto data type",
            "PRelu", "its slope is shared or per channel, not broadcast like numpy",
            "Upsample", "it is an experimental operator with width_scale and height_scale attributes");

    /** Appended where a model's inputs are not one image: the graph-level import takes them. */
    private static final String GRAPH_HINT = " (OnnxImporter.readGraph imports the graph with its inputs as they are)";

    private static final Set<String> FOLDABLE = Set.of("Identity", "Dropout", "Reshape", "Transpose", "Squeeze",
            "Unsqueeze", "Concat", "Flatten", "Add", "Sub", "Mul", "Div", "Cast", "Gather", "Slice", "Constant");

    private final GraphProto graph;
    private final int opset;
    private final Path baseDir;
    private final OnnxImporter.Options options;
    /** Whether the graph must have exactly one image input [N, C, H, W] (for a Model) or may have any inputs. */
    private final boolean imageInput;

    private final List<Node> nodes = new ArrayList<>();
    private final Set<String> used = new HashSet<>();
    private final Map<String, String> valueNode = new LinkedHashMap<>();
    /** Constant values by ONNX name; initializers are read from the file when first used, never if unused. */
    private final ConstantTable constants = new ConstantTable();
    /** Constants that became graph nodes with NaN or infinite values: "name (k of n values)". */
    private final List<String> nonFinite = new ArrayList<>();
    private final Map<String, String> constantNames = new HashMap<>();
    /** Names reserved for folded nodes, used as they are if their value is ever materialized. */
    private final Set<String> reservedForConstants = new HashSet<>();
    private final Map<String, String> secondary = new HashMap<>();
    /** Keys of values the importer derived from ONNX ones (reshaped operands): not ONNX tensor names. */
    private final Set<String> derived = new HashSet<>();
    /**
     * Every node's shape at the model's input size and the validation batch ({@link #validationShapes()}), from the
     * operators' shape functions (Op.outputShape).
     */
    private final Map<String, long[]> staticShapes = new HashMap<>();

    /** The graph inputs' node names, in order. */
    private final List<String> inputNodes = new ArrayList<>();
    /** Each input's shape for a batch of 1 (symbolic sizes replaced by the options' defaults). */
    private final Map<String, long[]> probeShapes = new HashMap<>();
    private int channels;
    /** The image input's doc string, or empty. */
    private String inputDoc = "";
    private int height;
    private int width;
    private String outputNode;

    /** A translator for a graph with one image input [N, C, H, W], C = 1 or 3 (what a Model needs). */
    GraphTranslator(GraphProto graph, int opset, Path baseDir, OnnxImporter.Options options) {
        this(graph, opset, baseDir, options, true);
    }

    /**
     * A translator.
     *
     * @param imageInput true: the graph must have exactly one image input [N, C, H, W] with C = 1 or 3; false: any
     *                   number of floating-point inputs of any rank, whose first dimension is the batch
     */
    GraphTranslator(GraphProto graph, int opset, Path baseDir, OnnxImporter.Options options, boolean imageInput) {
        this.graph = graph;
        this.opset = opset;
        this.baseDir = baseDir;
        this.options = options;
        this.imageInput = imageInput;
    }

    int channels() {
        return channels;
    }

    int height() {
        return height;
    }

    /**
     * The channel order the image input's doc string states: BGR when it says "BGR" (as the feed-forward style
     * networks of the Windows ML samples do: "Image(s) in BGR format"), RGB when it says "RGB" and not "BGR", else
     * null (ONNX files rarely say).
     */
    dev.cnnviz.api.ChannelOrder statedChannelOrder() {
        boolean bgr = java.util.regex.Pattern.compile("\\bBGR\\b").matcher(inputDoc).find();
        boolean rgb = java.util.regex.Pattern.compile("\\bRGB\\b").matcher(inputDoc).find();
        return bgr ? dev.cnnviz.api.ChannelOrder.BGR : rgb ? dev.cnnviz.api.ChannelOrder.RGB : null;
    }

    int width() {
        return width;
    }

    /** @return ONNX tensor name to cnnviz node name, for every value that became a graph node. */
    Map<String, String> valueNodes() {
        Map<String, String> m = new LinkedHashMap<>(valueNode);
        m.keySet().removeAll(derived);
        return Collections.unmodifiableMap(m);
    }

    // ================================================================ top level

    Graph translate() {
        readInitializers();
        if (imageInput) {
            readImageInput();
        } else {
            readInputs();
        }
        // Shapes are derived at the batch the inputs declare when it is fixed (some exporters bake it into Reshape
        // targets), else 1; every node is validated against its inputs' shapes as it is added.
        staticShapes.putAll(validationShapes());
        String[] names = nodeNames();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            String where = "node '" + names[i] + "' (" + n.getOpType() + ")";
            try {
                translate(n, names[i], where);
            } catch (ImportFailure e) {
                throw e;
            } catch (IllegalArgumentException | IllegalStateException | ArithmeticException | IndexOutOfBoundsException e) {
                throw new ImportFailure(where + ": " + e.getMessage(), e);
            }
        }
        if (graph.getOutputCount() == 0) {
            throw new ImportFailure("the graph declares no output");
        }
        String out = graph.getOutput(0).getName();
        if (secondary.containsKey(out)) {
            throw new ImportFailure("the graph output '" + out + "' is " + secondary.get(out) + ", which cnnviz does not compute");
        }
        if (!nonFinite.isEmpty() && !options.allowNonFiniteWeights()) {
            throw new ImportFailure("the model's weights hold NaN or infinite values: "
                    + String.join(", ", nonFinite.subList(0, Math.min(5, nonFinite.size())))
                    + (nonFinite.size() > 5 ? " and " + (nonFinite.size() - 5) + " more tensors" : "")
                    + "; its results would be meaningless (OnnxImporter.Options.withNonFiniteWeightsAllowed(true) loads it for inspection)");
        }
        outputNode = valueNode.get(out);
        if (outputNode == null || inputNodes.contains(outputNode)) {
            if (constants.containsKey(out)) {
                throw new ImportFailure("the graph output '" + out + "' is a constant that does not depend on the input");
            }
            if (outputNode == null) {
                throw new ImportFailure("the graph output '" + out + "' is not computed by any node");
            }
            throw new ImportFailure("the graph output '" + out + "' is the input itself; the graph computes nothing");
        }
        Graph g = build(outputNode);
        try {
            g.shapes(validationShapes());
        } catch (IllegalArgumentException e) {
            throw new ImportFailure(e.getMessage(), e);
        }
        return g;
    }

    /**
     * The input shapes at which the finished graph is validated: the probe shapes (the model's input size) with the
     * batch the input declares when it is a fixed number (some exporters bake it into Reshape targets), else 1.
     */
    private Map<String, long[]> validationShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (String in : inputNodes) {
            long[] s = probeShapes.get(in).clone();
            for (ValueInfoProto v : graph.getInputList()) {
                if (v.getName().equals(in) && v.getType().getTensorType().getShape().getDimCount() > 0) {
                    TensorShapeProto.Dimension batch = v.getType().getTensorType().getShape().getDim(0);
                    s[0] = batch.hasDimValue() && batch.getDimValue() > 0 ? batch.getDimValue() : 1;
                }
            }
            m.put(in, s);
        }
        return m;
    }

    /** @return the batch at which the image input is validated: the one it declares when fixed, else 1 */
    int validationBatch() {
        return (int) Math.min(Integer.MAX_VALUE, validationShapes().values().iterator().next()[0]);
    }

    private Graph build(String output) {
        Graph.Builder b = Graph.builder();
        for (Node n : nodes) {
            if (n.op() instanceof Input in) {
                b.input(n.name(), in.shape());
            } else {
                b.add(n);
            }
        }
        return b.output(output).build();
    }

    // ================================================================ initializers, input, names

    private void readInitializers() {
        for (TensorProto t : graph.getInitializerList()) {
            String name = t.getName();
            if (name.isEmpty()) {
                throw new ImportFailure("an initializer has no name");
            }
            if (constants.containsKey(name)) {
                throw new ImportFailure("two initializers are named '" + name + "'");
            }
            constants.putUnread(name, t);
            constantNames.put(name, name);
        }
    }

    /** The graph inputs that are not initializers. */
    private List<ValueInfoProto> realInputs() {
        List<ValueInfoProto> real = new ArrayList<>();
        for (ValueInfoProto v : graph.getInputList()) {
            if (!constants.containsKey(v.getName())) {
                real.add(v);
            }
        }
        if (real.isEmpty()) {
            throw new ImportFailure("the graph has no input (every graph input is an initializer)");
        }
        return real;
    }

    /** Checks an input's name, type and declared shape. @return its dimensions */
    private static List<TensorShapeProto.Dimension> inputDims(ValueInfoProto in, String needs) {
        String name = in.getName();
        if (name.isEmpty()) {
            throw new ImportFailure("the graph input has no name");
        }
        TypeProto type = in.getType();
        if (!type.hasTensorType()) {
            throw new ImportFailure("the graph input '" + name + "' is not a tensor");
        }
        int elem = type.getTensorType().getElemType();
        if (elem != 0 && !TensorReader.isFloatType(elem)) {
            throw new ImportFailure("the graph input '" + name + "' has element type " + TensorReader.typeName(elem)
                    + "; cnnviz needs a floating-point " + needs + " (FLOAT, DOUBLE or FLOAT16)");
        }
        if (!type.getTensorType().hasShape()) {
            throw new ImportFailure("the graph input '" + name + "' declares no shape; cnnviz needs "
                    + (needs.equals("image input") ? "[N, C, H, W]" : "its shape"));
        }
        return type.getTensorType().getShape().getDimList();
    }

    private void readImageInput() {
        List<ValueInfoProto> real = realInputs();
        if (real.size() > 1) {
            StringBuilder sb = new StringBuilder();
            for (ValueInfoProto v : real) {
                sb.append(sb.length() == 0 ? "" : ", ").append(v.getName()).append(describeType(v));
            }
            throw new ImportFailure("the graph has " + real.size() + " inputs (" + sb
                    + "); cnnviz imports models with exactly one image input [N, C, H, W]" + GRAPH_HINT);
        }
        ValueInfoProto in = real.get(0);
        String name = in.getName();
        inputDoc = in.getDocString();
        List<TensorShapeProto.Dimension> dims = inputDims(in, "image input");
        if (dims.size() != 4) {
            throw new ImportFailure("the graph input '" + name + "' has shape " + describeType(in) + " of rank " + dims.size()
                    + "; cnnviz imports image models whose input has rank 4 [N, C, H, W]" + GRAPH_HINT);
        }
        long c = dims.get(1).hasDimValue() ? dims.get(1).getDimValue() : -1;
        long h = dims.get(2).hasDimValue() ? dims.get(2).getDimValue() : -1;
        long w = dims.get(3).hasDimValue() ? dims.get(3).getDimValue() : -1;
        if (c <= 0) {
            throw new ImportFailure("the graph input '" + name + "' " + describeType(in) + " has no fixed channel count");
        }
        if (c != 1 && c != 3) {
            throw new ImportFailure("the graph input '" + name + "' " + describeType(in) + " has " + c
                    + " channels; cnnviz imports images with 1 (grey) or 3 (colour) channels" + GRAPH_HINT);
        }
        long[] shape = {c, h > 0 ? h : -1, w > 0 ? w : -1};
        if (h <= 0 || w <= 0) {
            if (options.defaultHeight() <= 0 || options.defaultWidth() <= 0) {
                throw new ImportFailure("the graph input '" + name + "' " + describeType(in)
                        + " has no fixed height and width; pass them with OnnxImporter.Options.withInputSize(height, width)");
            }
            h = h > 0 ? h : options.defaultHeight();
            w = w > 0 ? w : options.defaultWidth();
        }
        if (h > Integer.MAX_VALUE || w > Integer.MAX_VALUE) {
            throw new ImportFailure("the graph input '" + name + "' is too large: " + describeType(in));
        }
        channels = (int) c;
        height = (int) h;
        width = (int) w;
        addInput(name, shape, new long[] {1, c, h, w});
    }

    /**
     * Any number of floating-point inputs of any rank of at least 1; the first dimension is the batch (its
     * declared size is not enforced, as for image inputs). The other sizes must be fixed, except the height
     * and width of a rank-4 input, which take the options' defaults.
     */
    private void readInputs() {
        for (ValueInfoProto in : realInputs()) {
            String name = in.getName();
            List<TensorShapeProto.Dimension> dims = inputDims(in, "input");
            if (dims.isEmpty()) {
                throw new ImportFailure("the graph input '" + name + "' is a scalar; cnnviz needs a batch dimension first");
            }
            long[] shape = new long[dims.size() - 1];
            long[] probe = new long[dims.size()];
            probe[0] = 1;
            for (int i = 1; i < dims.size(); i++) {
                long d = dims.get(i).hasDimValue() ? dims.get(i).getDimValue() : -1;
                if (d <= 0 && dims.size() == 4 && i >= 2) {
                    d = i == 2 ? options.defaultHeight() : options.defaultWidth();
                    if (d <= 0) {
                        throw new ImportFailure("the graph input '" + name + "' " + describeType(in)
                                + " has no fixed height and width; pass them with OnnxImporter.Options.withInputSize(height, width)");
                    }
                    shape[i - 1] = -1;
                } else if (d <= 0) {
                    throw new ImportFailure("the graph input '" + name + "' " + describeType(in) + " has no fixed size at axis "
                            + i + "; cnnviz needs every size but the batch");
                } else {
                    shape[i - 1] = d;
                }
                probe[i] = d;
            }
            if (inputNodes.contains(name)) {
                throw new ImportFailure("two graph inputs are named '" + name + "'");
            }
            addInput(name, shape, probe);
        }
    }

    private void addInput(String name, long[] shape, long[] probe) {
        inputNodes.add(name);
        probeShapes.put(name, probe);
        used.add(name);
        nodes.add(new Node(name, new Input(shape), List.of()));
        staticShapes.put(name, probe.clone());
        valueNode.put(name, name);
    }

    static String describeType(ValueInfoProto v) {
        if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("[");
        for (TensorShapeProto.Dimension d : v.getType().getTensorType().getShape().getDimList()) {
            sb.append(sb.length() == 1 ? "" : ",");
            sb.append(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.hasDimParam() ? d.getDimParam() : "?");
        }
        return sb.append("]").toString();
    }

    /** ONNX node names when present and unique, else {@code <optype>_<first output>}; all unique. */
    private String[] nodeNames() {
        Map<String, Integer> counts = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            if (!n.getName().isBlank()) {
                counts.merge(n.getName(), 1, Integer::sum);
            }
        }
        String[] names = new String[graph.getNodeCount()];
        for (int i = 0; i < names.length; i++) {
            NodeProto n = graph.getNode(i);
            String base;
            if (!n.getName().isBlank() && counts.get(n.getName()) == 1 && !used.contains(n.getName())) {
                base = n.getName();
            } else {
                String out = n.getOutputCount() > 0 && !n.getOutput(0).isBlank() ? n.getOutput(0) : Integer.toString(i);
                base = n.getOpType().toLowerCase(Locale.ROOT) + "_" + out;
            }
            names[i] = unique(base);
        }
        return names;
    }

    private String unique(String base) {
        if (base == null || base.isBlank()) {
            base = "node";
        }
        if (used.add(base)) {
            return base;
        }
        for (int k = 2; ; k++) {
            String s = base + "_" + k;
            if (used.add(s)) {
                return s;
            }
        }
    }

    // ================================================================ values

    private static String in(NodeProto n, int i) {
        return i < n.getInputCount() && !n.getInput(i).isEmpty() ? n.getInput(i) : null;
    }

    private boolean isConst(String tensor) {
        return tensor != null && constants.containsKey(tensor);
    }

    /** The node name that holds a tensor's value, materializing constants as Constant nodes. */
    private String ref(String tensor, String where) {
        if (tensor == null) {
            throw new ImportFailure(where + " lacks a required input");
        }
        if (secondary.containsKey(tensor)) {
            throw new ImportFailure(where + " reads '" + tensor + "', " + secondary.get(tensor)
                    + "; cnnviz computes only the first output of a node");
        }
        String node = valueNode.get(tensor);
        if (node != null) {
            return node;
        }
        OnnxTensor t = constants.get(tensor);
        if (t == null) {
            throw new ImportFailure(where + " reads '" + tensor
                    + "', which no earlier node, initializer or graph input defines (the nodes must be in topological order)");
        }
        if (t.isEmpty()) {
            throw new ImportFailure(where + " reads the empty constant '" + tensor + "' as a value");
        }
        if (t.hasBatch()) {
            throw new ImportFailure(where + " reads '" + tensor + "', a shape computed from the batch size, as a value");
        }
        long bad = t.nonFiniteCount();
        if (bad > 0) {
            nonFinite.add("'" + tensor + "' (" + bad + " of " + t.length() + " values)");
        }
        String preferred = constantNames.getOrDefault(tensor, tensor);
        String name = reservedForConstants.remove(preferred) ? preferred : unique(preferred);
        add(new Node(name, new Constant(t.toINDArray()), List.of()));
        valueNode.put(tensor, name);
        return name;
    }

    private String[] refs(NodeProto n, String where, int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < Math.min(to, n.getInputCount()); i++) {
            String t = in(n, i);
            if (t != null) {
                out.add(ref(t, where));
            } else if (i < 2) {
                throw new ImportFailure(where + " lacks its input " + i);
            }
        }
        return out.toArray(new String[0]);
    }

    /** A constant input read at import time. @return null when the optional input is absent */
    private OnnxTensor constInput(NodeProto n, int i, String role, String where) {
        String t = in(n, i);
        if (t == null) {
            return null;
        }
        if (secondary.containsKey(t)) {
            throw new ImportFailure(where + " reads '" + t + "', " + secondary.get(t));
        }
        OnnxTensor v = constants.get(t);
        if (v == null) {
            throw new ImportFailure(where + ": its input " + i + " '" + role + "' (tensor '" + t
                    + "') must be a constant (an initializer, a Constant node or a foldable shape computation); "
                    + "cnnviz reads it at import time, but here it is computed from the graph input");
        }
        return v;
    }

    /**
     * Adds a node, deriving its static shape (at the validation batch, {@link #validationShapes()}) with its
     * operator's shape function: a node that does not fit its inputs fails the import here, naming the node. Shapes
     * are known for every node, so translating attributes that depend on a value's shape never runs the graph, and
     * import time grows linearly with the model.
     */
    private void add(Node node) {
        nodes.add(node);
        long[] shape = null;
        if (node.op() instanceof Constant c) {
            shape = c.value().shape().clone();
        } else if (!node.inputs().isEmpty()) {
            List<long[]> ins = new ArrayList<>();
            for (String i : node.inputs()) {
                long[] s = staticShapes.get(i);
                if (s == null) {
                    return;
                }
                ins.add(s);
            }
            shape = node.op().outputShape(ins.toArray(new long[0][])); // a misfit throws; the caller names the node
        }
        if (shape != null) {
            staticShapes.put(node.name(), shape);
        }
    }

    /** @return the statically derived shapes (batch 1) by node name; for tests. */
    Map<String, long[]> staticShapes() {
        return Collections.unmodifiableMap(staticShapes);
    }

    private void emit(NodeProto n, String name, Op op, String... inputs) {
        add(new Node(name, op, List.of(inputs)));
        define(n, name);
    }

    /** Records the node's first output as the graph node {@code name}, the others as secondary outputs. */
    private void define(NodeProto n, String name) {
        if (n.getOutputCount() == 0 || n.getOutput(0).isEmpty()) {
            throw new ImportFailure("node '" + name + "' (" + n.getOpType() + ") has no output");
        }
        valueNode.put(n.getOutput(0), name);
        markSecondary(n, name);
    }

    private void markSecondary(NodeProto n, String name) {
        for (int i = 1; i < n.getOutputCount(); i++) {
            if (!n.getOutput(i).isEmpty()) {
                secondary.put(n.getOutput(i), "output " + i + " of " + n.getOpType() + " node '" + name + "'"
                        + (n.getOpType().equals("Dropout") ? " (the dropout mask)" : ""));
            }
        }
    }

    private void defineConstant(NodeProto n, String name, OnnxTensor value) {
        if (n.getOutputCount() == 0 || n.getOutput(0).isEmpty()) {
            throw new ImportFailure("node '" + name + "' (" + n.getOpType() + ") has no output");
        }
        constants.put(n.getOutput(0), value);
        constantNames.put(n.getOutput(0), name);
        reservedForConstants.add(name);
        markSecondary(n, name);
    }

    /**
     * The static shape of a value for a batch of 1 at the model's input size: constants have theirs, the others
     * are measured by running the graph built so far on zeros.
     */
    private long[] shapeOf(String tensor, String where) {
        OnnxTensor c = constants.get(tensor);
        if (c != null) {
            return c.dims();
        }
        String node = ref(tensor, where);
        long[] known = staticShapes.get(node);
        if (known == null) {
            throw new ImportFailure(where + " needs the shape of '" + tensor + "', which cannot be derived from the model's inputs");
        }
        return known.clone();
    }

    private int rankOf(String tensor, String where) {
        return shapeOf(tensor, where).length;
    }

    // ================================================================ attribute helpers

    private static int[] ints(long[] v, String what, String where) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != (int) v[i]) {
                throw new ImportFailure(where + ": " + what + " " + Arrays.toString(v) + " is out of range");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    private static int[] fill(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    private static int[] spatial(Attributes a, String name, int def, int count, String where) {
        int[] v = a.getIntArray(name, fill(count, def));
        if (v.length != count) {
            throw new ImportFailure(where + ": attribute '" + name + "' = " + Arrays.toString(v) + " should have " + count
                    + " values; cnnviz supports 2-D (image) operators only");
        }
        return v;
    }

    private static AutoPad autoPad(Attributes a, String where) {
        String s = a.getString("auto_pad", "NOTSET");
        return switch (s) {
            case "NOTSET", "" -> AutoPad.NOTSET;
            case "SAME_UPPER" -> AutoPad.SAME_UPPER;
            case "SAME_LOWER" -> AutoPad.SAME_LOWER;
            case "VALID" -> AutoPad.VALID;
            default -> throw new ImportFailure(where + ": unknown auto_pad '" + s + "'");
        };
    }

    private static int[] kernel2d(Attributes a, String where, boolean required) {
        int[] k = a.getIntArray("kernel_shape", null);
        if (k == null) {
            if (required) {
                throw new ImportFailure(where + " has no kernel_shape attribute");
            }
            return null;
        }
        if (k.length != 2) {
            throw new ImportFailure(where + " has kernel_shape " + Arrays.toString(k) + " (" + k.length
                    + "-D); cnnviz supports 2-D (image) operators only");
        }
        return k;
    }

    /**
     * A 2-D convolution's {@code kernel_shape}, when given, must be the spatial shape of its weights: onnxruntime
     * rejects a contradiction, and running the weights' own size silently would explain a different model.
     *
     * @param k       the attribute, or null when absent
     * @param weights the weights' tensor name, or null when the input is missing (reported elsewhere)
     */
    private void requireKernelOfWeights(int[] k, String weights, String where) {
        if (k == null || weights == null) {
            return;
        }
        long[] ws = shapeOf(weights, where);
        if (ws.length == 4 && (ws[2] != k[0] || ws[3] != k[1])) {
            throw new ImportFailure(where + ": attribute kernel_shape " + Arrays.toString(k) + " contradicts its weights '" + weights
                    + "' of shape " + Arrays.toString(ws) + " (a " + ws[2] + "x" + ws[3] + " kernel)");
        }
    }

    private static double scalar(OnnxTensor t, String what, String where) {
        if (t.length() != 1) {
            throw new ImportFailure(where + ": " + what + " must be a single value, found " + t);
        }
        return t.getDouble(0);
    }

    // ================================================================ per node

    private void translate(NodeProto node, String name, String where) {
        NodeProto n = node;
        String domain = n.getDomain();
        String op = n.getOpType();
        if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
            throw unsupported(n, name, domain + "." + op);
        }
        Attributes a = new Attributes(n, where);
        if (opset < 7) {
            n = legacy(n, name, op, a, where);
        }
        if (FOLDABLE.contains(op) || op.equals("Shape")) {
            OnnxTensor folded = fold(n, op, a, where);
            if (folded != null) {
                defineConstant(n, name, folded);
                return;
            }
        }
        switch (op) {
            case "Conv" -> conv(n, name, a, where);
            case "ConvTranspose" -> convTranspose(n, name, a, where);
            case "Gemm" -> emit(n, name, new Gemm(a.getFloat("alpha", 1.0), a.getFloat("beta", 1.0),
                    a.getBool("transA", false), a.getBool("transB", false)), refs(n, where, 0, 3));
            case "MatMul" -> emit(n, name, new MatMul(), refs(n, where, 0, 2));
            case "BatchNormalization" -> batchNorm(n, name, a, where);
            case "InstanceNormalization" -> emit(n, name, new InstanceNorm(a.getFloat("epsilon", 1e-5)), refs(n, where, 0, 3));
            case "Relu" -> emit(n, name, new Relu(), refs(n, where, 0, 1));
            case "LeakyRelu" -> emit(n, name, new LeakyRelu(a.getFloat("alpha", 0.01)), refs(n, where, 0, 1));
            case "PRelu" -> emit(n, name, new PRelu(), refs(n, where, 0, 2));
            case "Elu" -> emit(n, name, new Elu(a.getFloat("alpha", 1.0)), refs(n, where, 0, 1));
            case "Sigmoid" -> emit(n, name, new Sigmoid(), refs(n, where, 0, 1));
            case "Tanh" -> emit(n, name, new Tanh(), refs(n, where, 0, 1));
            case "HardSigmoid" -> emit(n, name, new HardSigmoid(a.getFloat("alpha", 0.2), a.getFloat("beta", 0.5)),
                    refs(n, where, 0, 1));
            case "Clip" -> clip(n, name, a, where);
            case "Softmax" -> emit(n, name, opset < 13
                    ? new Softmax(a.getIntExact("axis", 1), true)
                    : new Softmax(a.getIntExact("axis", -1), false), refs(n, where, 0, 1));
            case "LogSoftmax" -> emit(n, name, opset < 13
                    ? new LogSoftmax(a.getIntExact("axis", 1), true)
                    : new LogSoftmax(a.getIntExact("axis", -1), false), refs(n, where, 0, 1));
            case "Log" -> emit(n, name, new Log(), refs(n, where, 0, 1));
            case "MaxPool" -> maxPool(n, name, a, where);
            case "AveragePool" -> averagePool(n, name, a, where);
            case "GlobalAveragePool" -> emit(n, name, new GlobalAveragePool(), refs(n, where, 0, 1));
            case "GlobalMaxPool" -> emit(n, name, new GlobalMaxPool(), refs(n, where, 0, 1));
            case "Add" -> emit(n, name, new Add(), refs(n, where, 0, 2));
            case "Sub" -> emit(n, name, new Sub(), refs(n, where, 0, 2));
            case "Mul" -> emit(n, name, new Mul(), refs(n, where, 0, 2));
            case "Div" -> emit(n, name, new Div(), refs(n, where, 0, 2));
            case "Sum" -> sum(n, name, where);
            case "Concat" -> emit(n, name, new Concat(a.getIntExact("axis", 1)), refs(n, where, 0, n.getInputCount()));
            case "Flatten" -> emit(n, name, new Flatten(a.getIntExact("axis", 1)), refs(n, where, 0, 1));
            case "Reshape" -> reshape(n, name, a, where);
            case "Transpose" -> transpose(n, name, a, where);
            case "Pad" -> pad(n, name, a, where);
            case "Dropout" -> dropout(n, name, a, where);
            case "Identity" -> emit(n, name, new Identity(), refs(n, where, 0, 1));
            case "Upsample" -> upsample(n, name, a, where);
            case "Resize" -> resize(n, name, a, where);
            case "Squeeze" -> squeeze(n, name, a, where);
            case "Unsqueeze" -> unsqueeze(n, name, a, where);
            case "ReduceMean" -> reduceMean(n, name, a, where);
            case "ImageScaler" -> imageScaler(n, name, a, where);
            case "Affine" -> emit(n, name, new Scale(a.getFloat("alpha", 1.0), a.getFloat("beta", 0.0)), refs(n, where, 0, 1));
            case "Crop" -> crop(n, name, a, where);
            case "Cast", "Gather", "Slice" -> throw new ImportFailure(where + ": cnnviz evaluates " + op
                    + " only at import time, on constants and shapes, but here its input '" + n.getInput(0)
                    + "' is computed from the graph input");
            default -> throw unsupported(n, name, op);
        }
    }

    /**
     * Opset 1 (files of IR version 1 and 2, which import no opset): rejects the operators whose opset-1
     * definition cnnviz does not implement, checks Dropout's test mode, and aligns the second operand of Add,
     * Sub, Mul and Div with the first as their {@code broadcast} and {@code axis} attributes say.
     *
     * @return the node, with its second input replaced where broadcasting needed a reshaped operand
     */
    private NodeProto legacy(NodeProto n, String name, String op, Attributes a, String where) {
        if (!OPSET1.contains(op) && (MAPPED.contains(op) || FOLDED_ONLY.contains(op))) {
            String reason = OPSET1_DIFFERENCES.getOrDefault(op, "cnnviz implements " + op
                    + " as defined from opset 7 on and does not translate its older definition");
            throw new ImportFailure(where + ": the model is read at opset " + opset + " (it imports no opset: IR version 1 or 2, "
                    + "from before ONNX 1.0), and " + op + " at that opset is not supported: " + reason
                    + ". Operators supported at opset 1: " + String.join(", ", OPSET1));
        }
        if (op.equals("Dropout") && a.getInt("is_test", 0) == 0) {
            throw new ImportFailure(where + " runs in training mode (is_test=0, the default before opset 7); "
                    + "cnnviz imports models for inference only");
        }
        if (op.equals("Add") || op.equals("Sub") || op.equals("Mul") || op.equals("Div")) {
            return legacyBroadcast(n, name, a, where);
        }
        return n;
    }

    /**
     * Add, Sub, Mul and Div before opset 7 broadcast only with {@code broadcast = 1}, and then align B with A's
     * dimensions from {@code axis} on (e.g. a bias [C] on [N, C, L] with axis 1), or with A's last dimensions
     * when axis is not set (as numpy does); without it the shapes must be equal. B is reshaped with trailing
     * size-1 axes so that numpy broadcasting gives the same result.
     */
    private NodeProto legacyBroadcast(NodeProto n, String name, Attributes a, String where) {
        String x = in(n, 0);
        String b = in(n, 1);
        if (x == null || b == null) {
            return n;
        }
        long[] xs = shapeOf(x, where);
        long[] bs = shapeOf(b, where);
        if (a.getInt("broadcast", 0) == 0) {
            if (!Arrays.equals(xs, bs)) {
                throw new ImportFailure(where + " has operands of shapes " + Arrays.toString(xs) + " and " + Arrays.toString(bs)
                        + " and no broadcast=1; before opset 7 its operands must then have equal shapes");
            }
            return n;
        }
        if (!a.has("axis") || OnnxTensor.count(bs) == 1) {
            return n;
        }
        int axis = axis(a.getIntExact("axis", 0), xs.length, where);
        if (axis + bs.length > xs.length || !Arrays.equals(Arrays.copyOfRange(xs, axis, axis + bs.length), bs)) {
            throw new ImportFailure(where + ": its operand B of shape " + Arrays.toString(bs) + " does not match A of shape "
                    + Arrays.toString(xs) + " from axis " + axis + " (broadcast=1, axis=" + axis + ")");
        }
        int trailing = xs.length - axis - bs.length;
        if (trailing == 0) {
            return n;
        }
        String key = b + " (aligned at axis " + axis + " of rank " + xs.length + ")";
        if (derived.add(key)) {
            if (isConst(b)) {
                long[] target = Arrays.copyOf(bs, bs.length + trailing);
                Arrays.fill(target, bs.length, target.length, 1);
                constants.put(key, constants.get(b).reshape(target));
                constantNames.put(key, constantNames.getOrDefault(b, b));
            } else {
                int[] axes = new int[trailing];
                for (int i = 0; i < trailing; i++) {
                    axes[i] = bs.length + i;
                }
                String aligned = unique(name + "_broadcast");
                add(new Node(aligned, new Unsqueeze(axes), List.of(ref(b, where))));
                valueNode.put(key, aligned);
            }
        }
        return n.toBuilder().setInput(1, key).build();
    }

    private ImportFailure unsupported(NodeProto n, String name, String op) {
        String out = n.getOutputCount() > 0 ? " (output '" + n.getOutput(0) + "')" : "";
        return new ImportFailure("node '" + name + "'" + out + " uses the operator " + op + ", which cnnviz does not support"
                + " (model opset " + opset + "). Supported operators: " + String.join(", ", MAPPED)
                + "; evaluated at import time on constants and shapes: " + String.join(", ", FOLDED_ONLY));
    }

    private void conv(NodeProto n, String name, Attributes a, String where) {
        String w = in(n, 1);
        int[] k = a.getIntArray("kernel_shape", null);
        if ((isConst(w) && constants.get(w).rank() == 3) || (!isConst(w) && k != null && k.length == 1)) {
            conv1d(n, name, a, where);
            return;
        }
        requireKernelOfWeights(kernel2d(a, where, false), w, where);
        if (isConst(w) && constants.get(w).rank() != 4) {
            throw new ImportFailure(where + " has weights of shape " + Arrays.toString(constants.get(w).dims())
                    + "; cnnviz supports 2-D convolutions only (weights [O, C/group, kH, kW])");
        }
        Conv conv = new Conv(spatial(a, "strides", 1, 2, where), spatial(a, "pads", 0, 4, where),
                spatial(a, "dilations", 1, 2, where), a.getIntExact("group", 1), autoPad(a, where));
        emit(n, name, conv, refs(n, where, 0, 3));
    }

    /**
     * A 1-D Conv (weights [O, C/group, k] on [N, C, L]) computed as a 2-D one with kernel [1, k] on [N, C, 1, L]:
     * see {@link #emit1d}. The weights get the same size-1 axis (reshaped at import time when constant).
     */
    private void conv1d(NodeProto n, String name, Attributes a, String where) {
        String w = in(n, 1);
        long[] ws = shapeOf(w, where);
        if (ws.length != 3) {
            throw new ImportFailure(where + " has weights of shape " + Arrays.toString(ws) + " and a 1-D kernel_shape; "
                    + "a 1-D convolution needs weights [O, C/group, k]");
        }
        int[] k = a.getIntArray("kernel_shape", null);
        if (k != null && (k.length != 1 || k[0] != ws[2])) {
            throw new ImportFailure(where + " has kernel_shape " + Arrays.toString(k) + " for weights of shape "
                    + Arrays.toString(ws));
        }
        int stride = oneD(a, "strides", where);
        int dilation = oneD(a, "dilations", where);
        int[] p = pads1d(a, where);
        Conv conv = new Conv(new int[] {1, stride}, new int[] {0, p[0], 0, p[1]}, new int[] {1, dilation},
                a.getIntExact("group", 1), autoPad(a, where));
        String w2;
        if (isConst(w)) {
            String key = w + " (as 2-D weights)";
            if (derived.add(key)) {
                constants.put(key, constants.get(w).reshape(new long[] {ws[0], ws[1], 1, ws[2]}));
                constantNames.put(key, constantNames.getOrDefault(w, w));
            }
            w2 = ref(key, where);
        } else {
            w2 = unique(name + "_weights_2d");
            add(new Node(w2, new Unsqueeze(new int[] {2}), List.of(ref(w, where))));
        }
        String b = in(n, 2);
        if (b == null) {
            emit1d(n, name, conv, where, w2);
        } else {
            emit1d(n, name, conv, where, w2, ref(b, where));
        }
    }

    /**
     * Emits a 1-D operator on {@code [N, C, L]} as its 2-D form {@code op2d} on {@code [N, C, 1, L]}: an
     * Unsqueeze of axis 2 ({@code <name>_2d}), the operator itself under the ONNX node's name (so layers keep
     * their names), and a Squeeze of axis 2 ({@code <name>_1d}) whose value is the ONNX node's output.
     */
    private void emit1d(NodeProto n, String name, Op op2d, String where, String... extraInputs) {
        String x = in(n, 0);
        int rank = rankOf(x, where);
        if (rank != 3) {
            throw new ImportFailure(where + " has 1-D attributes but reads a value of rank " + rank
                    + "; a 1-D " + n.getOpType() + " needs [N, C, L]");
        }
        String x2 = unique(name + "_2d");
        add(new Node(x2, new Unsqueeze(new int[] {2}), List.of(ref(x, where))));
        List<String> ins = new ArrayList<>();
        ins.add(x2);
        ins.addAll(List.of(extraInputs));
        add(new Node(name, op2d, ins));
        emit(n, unique(name + "_1d"), new Squeeze(new int[] {2}), name);
    }

    /**
     * The stride or dilation of a 1-D operator: one value, or {@code [1, value]}, the 2-D view with a neutral
     * height that PyTorch 0.2 wrote for Conv1d (it ran 1-D convolutions as 2-D ones); default 1.
     */
    private static int oneD(Attributes a, String attr, String where) {
        int[] v = a.getIntArray(attr, null);
        if (v == null) {
            return 1;
        }
        if (v.length == 1) {
            return v[0];
        }
        if (v.length == 2 && v[0] == 1) {
            return v[1];
        }
        throw new ImportFailure(where + ": attribute '" + attr + "' = " + Arrays.toString(v)
                + " does not fit a 1-D operator (one value, or [1, value] for its height-1 2-D view)");
    }

    /**
     * The {begin, end} pads of a 1-D operator: two values; or four with zero height pads ([0, begin, 0, end], the
     * 2-D view PyTorch 0.2 wrote for Conv1d); or a single 0 (early exporters wrote one value per axis, which is
     * unambiguous only when it is 0). Default zeros.
     */
    private static int[] pads1d(Attributes a, String where) {
        int[] p = a.getIntArray("pads", null);
        if (p == null || (p.length == 1 && p[0] == 0)) {
            return new int[2];
        }
        if (p.length == 2) {
            return p;
        }
        if (p.length == 4 && p[0] == 0 && p[2] == 0) {
            return new int[] {p[1], p[3]};
        }
        throw new ImportFailure(where + ": pads " + Arrays.toString(p) + " do not fit a 1-D operator ([begin, end], or "
                + "[0, begin, 0, end] for its height-1 2-D view)");
    }

    private void convTranspose(NodeProto n, String name, Attributes a, String where) {
        int[] k = kernel2d(a, where, false);
        String wt = in(n, 1);
        requireKernelOfWeights(k, wt, where);
        int[] strides = spatial(a, "strides", 1, 2, where);
        int[] pads = spatial(a, "pads", 0, 4, where);
        int[] dil = spatial(a, "dilations", 1, 2, where);
        int[] outPad = spatial(a, "output_padding", 0, 2, where);
        int group = a.getIntExact("group", 1);
        AutoPad ap = autoPad(a, where);
        int[] outShape = a.getIntArray("output_shape", null);
        if (outShape != null) {
            if (outShape.length == 4) {
                outShape = new int[] {outShape[2], outShape[3]};
            }
            if (outShape.length != 2) {
                throw new ImportFailure(where + ": output_shape " + Arrays.toString(outShape) + " is not 2-D");
            }
            if (k == null) {
                long[] wd = shapeOf(wt, where);
                if (wd.length != 4) {
                    throw new ImportFailure(where + " has weights of rank " + wd.length + "; cnnviz supports 2-D only");
                }
                k = new int[] {(int) wd[2], (int) wd[3]};
            }
            long[] xs = shapeOf(in(n, 0), where);
            if (xs.length != 4) {
                throw new ImportFailure(where + " reads an input of rank " + xs.length + "; cnnviz supports 2-D only");
            }
            // ONNX: total_padding = stride*(in-1) + output_padding + ((k-1)*dilation+1) - output_shape; a negative
            // total (the requested output is larger) is met, as onnxruntime does, by extending the end.
            pads = new int[4];
            for (int i = 0; i < 2; i++) {
                long computed = (long) strides[i] * (xs[2 + i] - 1) + outPad[i] + (long) (k[i] - 1) * dil[i] + 1;
                long total = computed - outShape[i];
                if (total >= 0) {
                    int t = (int) total;
                    boolean upper = ap == AutoPad.SAME_UPPER;
                    pads[i] = upper ? t / 2 : t - t / 2;
                    pads[2 + i] = upper ? t - t / 2 : t / 2;
                } else {
                    outPad[i] += (int) -total;
                }
            }
            ap = AutoPad.NOTSET;
        }
        emit(n, name, new ConvTranspose(strides, pads, dil, group, outPad, ap), refs(n, where, 0, 3));
    }

    private void batchNorm(NodeProto n, String name, Attributes a, String where) {
        if (opset < 9 && a.getInt("spatial", 1) == 0) {
            throw new ImportFailure(where + " has spatial=0 (per-activation statistics), which cnnviz does not support");
        }
        if (a.getInt("training_mode", 0) != 0) {
            throw new ImportFailure(where + " has training_mode=1; cnnviz imports models for inference only");
        }
        if (n.getInputCount() < 5) {
            throw new ImportFailure(where + " needs 5 inputs (X, scale, B, mean, var), found " + n.getInputCount());
        }
        emit(n, name, new BatchNorm(a.getFloat("epsilon", 1e-5)), refs(n, where, 0, 5));
    }

    private void clip(NodeProto n, String name, Attributes a, String where) {
        double lo;
        double hi;
        if (opset < 11) {
            lo = a.getFloat("min", Double.NEGATIVE_INFINITY);
            hi = a.getFloat("max", Double.POSITIVE_INFINITY);
        } else {
            OnnxTensor mn = constInput(n, 1, "min", where);
            OnnxTensor mx = constInput(n, 2, "max", where);
            lo = mn == null ? Double.NEGATIVE_INFINITY : scalar(mn, "min", where);
            hi = mx == null ? Double.POSITIVE_INFINITY : scalar(mx, "max", where);
        }
        emit(n, name, new Clip(lo, hi), ref(in(n, 0), where));
    }

    private void maxPool(NodeProto n, String name, Attributes a, String where) {
        if (a.getInt("storage_order", 0) != 0 && n.getOutputCount() > 1) {
            throw new ImportFailure(where + " has storage_order=1 for its indices output, which cnnviz does not compute");
        }
        int[] k1 = a.getIntArray("kernel_shape", null);
        if (k1 != null && k1.length == 1) {
            // 1-D max pooling on [N, C, L], as a 2-D one with kernel [1, k] on [N, C, 1, L].
            int[] p = pads1d(a, where);
            MaxPool op = new MaxPool(new int[] {1, k1[0]}, new int[] {1, oneD(a, "strides", where)},
                    new int[] {0, p[0], 0, p[1]}, new int[] {1, oneD(a, "dilations", where)}, a.getBool("ceil_mode", false),
                    autoPad(a, where));
            emit1d(n, name, op, where);
            return;
        }
        int[] k = kernel2d(a, where, true);
        MaxPool op = new MaxPool(k, spatial(a, "strides", 1, 2, where), spatial(a, "pads", 0, 4, where),
                spatial(a, "dilations", 1, 2, where), a.getBool("ceil_mode", false), autoPad(a, where));
        emit(n, name, op, ref(in(n, 0), where));
    }

    private void averagePool(NodeProto n, String name, Attributes a, String where) {
        int[] k = kernel2d(a, where, true);
        int[] dil = spatial(a, "dilations", 1, 2, where);
        if (dil[0] != 1 || dil[1] != 1) {
            throw new ImportFailure(where + " has dilations " + Arrays.toString(dil) + "; cnnviz's AveragePool is undilated");
        }
        AveragePool op = new AveragePool(k, spatial(a, "strides", 1, 2, where), spatial(a, "pads", 0, 4, where),
                a.getBool("ceil_mode", false), a.getBool("count_include_pad", false), autoPad(a, where));
        emit(n, name, op, ref(in(n, 0), where));
    }

    private void sum(NodeProto n, String name, String where) {
        String[] ins = refs(n, where, 0, n.getInputCount());
        if (ins.length == 1) {
            emit(n, name, new Identity(), ins);
        } else {
            emit(n, name, new Sum(), ins);
        }
    }

    /** Reshape's target shape with ONNX semantics kept (0 copies, -1 infers); the batch placeholder becomes 0. */
    private void reshape(NodeProto n, String name, Attributes a, String where) {
        long[] shape = reshapeTarget(n, a, where);
        if (shape == null) {
            throw new ImportFailure(where + " has no shape " + (opset < 5 ? "attribute" : "input"));
        }
        String s = opset < 5 ? Arrays.toString(shape) : constants.get(in(n, 1)).toString();
        boolean allowZero = a.getInt("allowzero", 0) != 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == OnnxTensor.BATCH) {
                if (i != 0) {
                    throw new ImportFailure(where + ": the batch size appears at position " + i + " of the target shape "
                            + s + "; cnnviz keeps the batch dimension first");
                }
                shape[i] = 0;
            } else if (shape[i] == 0 && allowZero) {
                throw new ImportFailure(where + " has allowzero=1 and a 0 in its shape, which cnnviz does not support");
            } else if (shape[i] < -1) {
                throw new ImportFailure(where + " has an invalid target shape " + s);
            }
        }
        emit(n, name, new Reshape(shape), ref(in(n, 0), where));
    }

    /** Reshape's target shape: the {@code shape} attribute before opset 5, the constant second input from then on. */
    private long[] reshapeTarget(NodeProto n, Attributes a, String where) {
        if (opset < 5) {
            return a.getInts("shape", null);
        }
        OnnxTensor s = constInput(n, 1, "shape", where);
        return s == null ? null : s.longs();
    }

    private void transpose(NodeProto n, String name, Attributes a, String where) {
        int[] perm = a.getIntArray("perm", null);
        if (perm == null) {
            int r = rankOf(in(n, 0), where);
            perm = new int[r];
            for (int i = 0; i < r; i++) {
                perm[i] = r - 1 - i;
            }
        }
        emit(n, name, new Transpose(perm), ref(in(n, 0), where));
    }

    private void pad(NodeProto n, String name, Attributes a, String where) {
        String mode = a.getString("mode", "constant");
        PadMode pm = switch (mode) {
            case "constant" -> PadMode.CONSTANT;
            case "reflect" -> PadMode.REFLECT;
            case "edge" -> PadMode.EDGE;
            default -> throw new ImportFailure(where + " has mode '" + mode + "'; cnnviz supports constant, reflect and edge");
        };
        long[] pads;
        double value;
        if (opset < 11) {
            pads = a.getInts("pads", a.getInts("paddings", null));
            if (pads == null) {
                throw new ImportFailure(where + " has no pads attribute");
            }
            value = a.getFloat("value", 0.0);
        } else {
            OnnxTensor p = constInput(n, 1, "pads", where);
            if (p == null) {
                throw new ImportFailure(where + " has no pads input");
            }
            pads = p.longs();
            OnnxTensor v = constInput(n, 2, "constant_value", where);
            value = v == null || v.isEmpty() ? 0.0 : scalar(v, "constant_value", where);
            if (in(n, 3) != null) {
                throw new ImportFailure(where + " has an axes input (opset 18), which cnnviz does not support");
            }
        }
        emit(n, name, new Pad(ints(pads, "pads", where), pm, value), ref(in(n, 0), where));
    }

    private void dropout(NodeProto n, String name, Attributes a, String where) {
        double ratio = a.getFloat("ratio", 0.5);
        if (opset >= 12) {
            OnnxTensor r = constInput(n, 1, "ratio", where);
            ratio = r == null ? 0.5 : scalar(r, "ratio", where);
            OnnxTensor training = constInput(n, 2, "training_mode", where);
            if (training != null && scalar(training, "training_mode", where) != 0) {
                throw new ImportFailure(where + " runs in training mode; cnnviz imports models for inference only");
            }
        }
        emit(n, name, new Dropout(ratio), ref(in(n, 0), where));
    }

    private static Interpolation interpolation(String mode, String where) {
        return switch (mode) {
            case "nearest" -> Interpolation.NEAREST;
            case "linear", "bilinear" -> Interpolation.LINEAR;
            default -> throw new ImportFailure(where + " has mode '" + mode + "'; cnnviz supports nearest and linear");
        };
    }

    private static double[] imageScales(double[] s, String where) {
        if (s.length != 4) {
            throw new ImportFailure(where + " has scales " + Arrays.toString(s) + "; cnnviz needs 4 values for [N, C, H, W]");
        }
        if (s[0] != 1 || s[1] != 1) {
            throw new ImportFailure(where + " scales the batch or channel dimension: " + Arrays.toString(s));
        }
        if (!(s[2] > 0) || !(s[3] > 0)) {
            throw new ImportFailure(where + " has non-positive scales " + Arrays.toString(s));
        }
        return s;
    }

    /**
     * Upsample (opset 7-9) and Resize-10 use asymmetric coordinates and, for nearest, truncate the coordinate
     * when enlarging and round it up when shrinking (onnxruntime's "simple" mode).
     */
    private static NearestMode legacyNearest(Interpolation interp, double[] s, String where) {
        if (interp != Interpolation.NEAREST) {
            return NearestMode.FLOOR;
        }
        boolean upH = s[2] >= 1;
        boolean upW = s[3] >= 1;
        if (upH != upW) {
            throw new ImportFailure(where + " enlarges one axis and shrinks the other (scales " + Arrays.toString(s)
                    + "), which cnnviz does not support for this legacy resize");
        }
        return upH ? NearestMode.FLOOR : NearestMode.CEIL;
    }

    private void upsample(NodeProto n, String name, Attributes a, String where) {
        Interpolation interp = interpolation(a.getString("mode", "nearest"), where);
        double[] s;
        if (opset < 9) {
            float[] f = a.getFloats("scales", null);
            if (f == null) {
                throw new ImportFailure(where + " has no scales attribute");
            }
            s = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                s[i] = f[i];
            }
        } else {
            OnnxTensor t = constInput(n, 1, "scales", where);
            if (t == null) {
                throw new ImportFailure(where + " has no scales input");
            }
            s = t.doubles();
        }
        imageScales(s, where);
        emit(n, name, new Resize(interp, s[2], s[3], 0, 0, CoordinateTransform.ASYMMETRIC,
                legacyNearest(interp, s, where)), ref(in(n, 0), where));
    }

    private void resize(NodeProto n, String name, Attributes a, String where) {
        Interpolation interp = interpolation(a.getString("mode", "nearest"), where);
        if (opset < 11) {
            OnnxTensor t = constInput(n, 1, "scales", where);
            if (t == null) {
                throw new ImportFailure(where + " has no scales input");
            }
            double[] s = imageScales(t.doubles(), where);
            emit(n, name, new Resize(interp, s[2], s[3], 0, 0, CoordinateTransform.ASYMMETRIC,
                    legacyNearest(interp, s, where)), ref(in(n, 0), where));
            return;
        }
        String ctm = a.getString("coordinate_transformation_mode", "half_pixel");
        CoordinateTransform ct = switch (ctm) {
            case "half_pixel" -> CoordinateTransform.HALF_PIXEL;
            case "pytorch_half_pixel" -> CoordinateTransform.PYTORCH_HALF_PIXEL;
            case "align_corners" -> CoordinateTransform.ALIGN_CORNERS;
            case "asymmetric" -> CoordinateTransform.ASYMMETRIC;
            default -> throw new ImportFailure(where + " has coordinate_transformation_mode '" + ctm
                    + "'; cnnviz supports half_pixel, pytorch_half_pixel, align_corners and asymmetric");
        };
        String nm = a.getString("nearest_mode", "round_prefer_floor");
        NearestMode nearest = switch (nm) {
            case "round_prefer_floor" -> NearestMode.ROUND_PREFER_FLOOR;
            case "round_prefer_ceil" -> NearestMode.ROUND_PREFER_CEIL;
            case "floor" -> NearestMode.FLOOR;
            case "ceil" -> NearestMode.CEIL;
            default -> throw new ImportFailure(where + " has nearest_mode '" + nm + "'");
        };
        if (a.has("axes")) {
            throw new ImportFailure(where + " has an axes attribute (opset 18), which cnnviz does not support");
        }
        OnnxTensor scales = constInput(n, 2, "scales", where);
        OnnxTensor sizes = constInput(n, 3, "sizes", where);
        Resize op;
        if (scales != null && !scales.isEmpty()) {
            double[] s = imageScales(scales.doubles(), where);
            op = new Resize(interp, s[2], s[3], 0, 0, ct, nearest);
        } else if (sizes != null && !sizes.isEmpty()) {
            long[] z = sizes.longs();
            if (z.length != 4) {
                throw new ImportFailure(where + " has sizes " + sizes + "; cnnviz needs 4 values for [N, C, H, W]");
            }
            long[] xs = shapeOf(in(n, 0), where);
            if (xs.length != 4 || z[1] != xs[1] || (z[0] != xs[0] && z[0] != OnnxTensor.BATCH)) {
                throw new ImportFailure(where + " resizes the batch or channel dimension: sizes " + sizes);
            }
            op = new Resize(interp, (double) z[2] / xs[2], (double) z[3] / xs[3], (int) z[2], (int) z[3], ct, nearest);
        } else {
            throw new ImportFailure(where + " has neither scales nor sizes");
        }
        emit(n, name, op, ref(in(n, 0), where));
    }

    private int[] axesOf(NodeProto n, Attributes a, String where) {
        if (opset < 13) {
            return a.getIntArray("axes", null);
        }
        OnnxTensor t = constInput(n, 1, "axes", where);
        return t == null ? null : ints(t.longs(), "axes", where);
    }

    private void squeeze(NodeProto n, String name, Attributes a, String where) {
        int[] axes = axesOf(n, a, where);
        if (axes == null) {
            long[] s = shapeOf(in(n, 0), where);
            List<Integer> ax = new ArrayList<>();
            for (int i = 1; i < s.length; i++) {
                if (s[i] == 1) {
                    ax.add(i);
                }
            }
            axes = ax.stream().mapToInt(Integer::intValue).toArray();
        }
        emit(n, name, new Squeeze(axes), ref(in(n, 0), where));
    }

    private void unsqueeze(NodeProto n, String name, Attributes a, String where) {
        int[] axes = axesOf(n, a, where);
        if (axes == null) {
            throw new ImportFailure(where + " has no axes");
        }
        emit(n, name, new Unsqueeze(axes), ref(in(n, 0), where));
    }

    private void reduceMean(NodeProto n, String name, Attributes a, String where) {
        int[] axes = a.getIntArray("axes", new int[0]);
        emit(n, name, new ReduceMean(axes, a.getBool("keepdims", true)), ref(in(n, 0), where));
    }

    /** ImageScaler (experimental, opset 1-9): {@code y = scale * x + bias[c]}. */
    private void imageScaler(NodeProto n, String name, Attributes a, String where) {
        double scale = a.getFloat("scale", 1.0);
        float[] bias = a.getFloats("bias", null);
        String x = ref(in(n, 0), where);
        if (bias == null || bias.length == 0) {
            emit(n, name, new Scale(scale, 0.0), x);
            return;
        }
        if (bias.length != channels) {
            // the ImageScaler is normally applied to the input; a mismatch is still well defined by broadcasting
            // only when the value has as many channels as the bias
            long[] s = shapeOf(in(n, 0), where);
            if (s.length != 4 || s[1] != bias.length) {
                throw new ImportFailure(where + " has " + bias.length + " bias values for a value of shape " + Arrays.toString(s));
            }
        }
        if (scale != 1.0) {
            String scaled = unique(name + "_scale");
            add(new Node(scaled, new Scale(scale, 0.0), List.of(x)));
            x = scaled;
        }
        String b = unique(name + "_bias");
        add(new Node(b, new Constant(Nd4j.create(bias, new long[] {1, bias.length, 1, 1}, 'c')), List.of()));
        emit(n, name, new Add(), x, b);
    }

    /**
     * Crop (experimental, opset 1-9): {@code border = [left, top, right, bottom]} pixels removed; with
     * {@code scale = [height, width]} the output has that size, starting at (left, top). Expressed as a Pad with
     * negative pads.
     */
    private void crop(NodeProto n, String name, Attributes a, String where) {
        int[] border = a.getIntArray("border", null);
        if (border == null || border.length != 4) {
            throw new ImportFailure(where + " needs a border attribute of 4 values, found "
                    + (border == null ? "none" : Arrays.toString(border)));
        }
        int left = border[0];
        int top = border[1];
        int right = border[2];
        int bottom = border[3];
        int[] scale = a.getIntArray("scale", null);
        if (scale != null && scale.length > 0) {
            if (scale.length != 2) {
                throw new ImportFailure(where + " has scale " + Arrays.toString(scale) + "; expected [height, width]");
            }
            long[] s = shapeOf(in(n, 0), where);
            bottom = (int) (s[2] - top - scale[0]);
            right = (int) (s[3] - left - scale[1]);
            if (bottom < 0 || right < 0) {
                throw new ImportFailure(where + " crops " + Arrays.toString(scale) + " at (" + top + ", " + left
                        + ") out of a value of shape " + Arrays.toString(s));
            }
        }
        Pad p;
        try {
            p = new Pad(new int[] {0, 0, -top, -left, 0, 0, -bottom, -right}, PadMode.CONSTANT, 0.0);
        } catch (IllegalArgumentException e) {
            throw new ImportFailure(where + ": cnnviz expresses Crop as a Pad with negative pads, which its Pad operator rejects: "
                    + e.getMessage(), e);
        }
        emit(n, name, p, ref(in(n, 0), where));
    }

    // ================================================================ folding

    /** @return the node's output computed at import time, or null if it depends on the graph input. */
    private OnnxTensor fold(NodeProto n, String op, Attributes a, String where) {
        if (op.equals("Constant")) {
            return constantValue(a, where);
        }
        if (op.equals("Shape")) {
            return shape(n, a, where);
        }
        for (int i = 0; i < n.getInputCount(); i++) {
            String t = in(n, i);
            if (t != null && !isConst(t)) {
                return null;
            }
        }
        if (in(n, 0) == null) {
            return null;
        }
        OnnxTensor x = constants.get(in(n, 0));
        switch (op) {
            case "Identity":
            case "Dropout":
                return x;
            case "Cast": {
                long to = a.getInt("to", 1);
                return x.cast(to == 1 || to == 10 || to == 11 || to == 16);
            }
            case "Reshape": {
                long[] s = reshapeTarget(n, a, where);
                if (s == null) {
                    return null;
                }
                return x.reshape(resolveShape(x.dims(), s, a.getInt("allowzero", 0) != 0, where));
            }
            case "Flatten": {
                int axis = axis(a.getIntExact("axis", 1), x.rank() + 1, where);
                long outer = 1;
                for (int i = 0; i < axis; i++) {
                    outer *= x.dims()[i];
                }
                return x.reshape(new long[] {outer, x.length() / Math.max(outer, 1)});
            }
            case "Transpose": {
                int[] perm = a.getIntArray("perm", null);
                if (perm == null) {
                    perm = new int[x.rank()];
                    for (int i = 0; i < perm.length; i++) {
                        perm[i] = perm.length - 1 - i;
                    }
                }
                return x.transpose(perm);
            }
            case "Squeeze": {
                int[] axes = axesOf(n, a, where);
                long[] d = x.dims();
                List<Long> out = new ArrayList<>();
                Set<Integer> ax = new HashSet<>();
                if (axes != null) {
                    for (int v : axes) {
                        ax.add(axis(v, d.length, where));
                    }
                }
                for (int i = 0; i < d.length; i++) {
                    boolean drop = axes == null ? d[i] == 1 : ax.contains(i);
                    if (drop && d[i] != 1) {
                        throw new ImportFailure(where + " squeezes axis " + i + " of size " + d[i]);
                    }
                    if (!drop) {
                        out.add(d[i]);
                    }
                }
                return x.reshape(out.stream().mapToLong(Long::longValue).toArray());
            }
            case "Unsqueeze": {
                int[] axes = axesOf(n, a, where);
                if (axes == null) {
                    throw new ImportFailure(where + " has no axes");
                }
                int r = x.rank() + axes.length;
                boolean[] inserted = new boolean[r];
                for (int v : axes) {
                    inserted[axis(v, r, where)] = true;
                }
                long[] d = x.dims();
                long[] out = new long[r];
                int j = 0;
                for (int i = 0; i < r; i++) {
                    out[i] = inserted[i] ? 1 : d[j++];
                }
                return x.reshape(out);
            }
            case "Concat": {
                OnnxTensor[] parts = new OnnxTensor[n.getInputCount()];
                for (int i = 0; i < parts.length; i++) {
                    parts[i] = constants.get(n.getInput(i));
                }
                // Concat's axis is required from opset 4; before, it defaults to 1.
                return OnnxTensor.concat(parts, axis(a.getIntExact("axis", opset < 4 ? 1 : 0), x.rank(), where));
            }
            case "Gather": {
                OnnxTensor idx = constInput(n, 1, "indices", where);
                return x.gather(idx, axis(a.getIntExact("axis", 0), x.rank(), where));
            }
            case "Slice":
                return slice(n, a, x, where);
            case "Add":
            case "Sub":
            case "Mul":
            case "Div": {
                OnnxTensor y = constInput(n, 1, "B", where);
                char c = switch (op) {
                    case "Add" -> '+';
                    case "Sub" -> '-';
                    case "Mul" -> '*';
                    default -> '/';
                };
                return OnnxTensor.arithmetic(x, y, c);
            }
            default:
                return null;
        }
    }

    private static int axis(int v, int rank, String where) {
        int a = v < 0 ? v + rank : v;
        if (a < 0 || a >= rank) {
            throw new ImportFailure(where + ": axis " + v + " is out of range for rank " + rank);
        }
        return a;
    }

    private static long[] resolveShape(long[] in, long[] shape, boolean allowZero, String where) {
        long[] out = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == OnnxTensor.BATCH) {
                throw new ImportFailure(where + " reshapes a constant with a shape that depends on the batch size");
            }
            if (out[i] == 0 && !allowZero) {
                if (i >= in.length) {
                    throw new ImportFailure(where + ": shape " + Arrays.toString(shape) + " copies a missing dimension");
                }
                out[i] = in[i];
            }
            if (out[i] == -1) {
                if (infer >= 0) {
                    throw new ImportFailure(where + ": shape " + Arrays.toString(shape) + " has two -1");
                }
                infer = i;
            } else {
                known *= out[i];
            }
        }
        if (infer >= 0) {
            long total = OnnxTensor.count(in);
            if (known == 0 || total % known != 0) {
                throw new ImportFailure(where + ": cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(shape));
            }
            out[infer] = total / known;
        }
        return out;
    }

    private OnnxTensor constantValue(Attributes a, String where) {
        TensorProto t = a.getTensor("value");
        if (t != null) {
            return TensorReader.read(t, where + " value", baseDir, options.budget());
        }
        if (a.has("value_float")) {
            return OnnxTensor.scalar((float) a.getFloat("value_float", 0));
        }
        if (a.has("value_floats")) {
            float[] f = a.getFloats("value_floats", new float[0]);
            return OnnxTensor.ofFloats(new long[] {f.length}, f);
        }
        if (a.has("value_int")) {
            return OnnxTensor.ofLongs(new long[0], new long[] {a.getInt("value_int", 0)});
        }
        if (a.has("value_ints")) {
            return OnnxTensor.vector(a.getInts("value_ints", new long[0]));
        }
        throw new ImportFailure(where + " has no value cnnviz can read (attributes " + a.names()
                + "); supported: value, value_float(s), value_int(s)");
    }

    private OnnxTensor shape(NodeProto n, Attributes a, String where) {
        String x = in(n, 0);
        long[] s;
        boolean batch = false;
        if (isConst(x)) {
            s = constants.get(x).dims();
        } else {
            s = shapeOf(x, where);
            batch = s.length > 0;
        }
        long[] out = s.clone();
        if (batch) {
            out[0] = OnnxTensor.BATCH;
        }
        int r = out.length;
        long start = a.getInt("start", 0);
        long end = a.getInt("end", r);
        start = Math.max(0, Math.min(r, start < 0 ? start + r : start));
        end = Math.max(0, Math.min(r, end < 0 ? end + r : end));
        return OnnxTensor.vector(Arrays.copyOfRange(out, (int) start, (int) Math.max(start, end)));
    }

    private OnnxTensor slice(NodeProto n, Attributes a, OnnxTensor x, String where) {
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (opset < 10) {
            starts = a.getInts("starts", null);
            ends = a.getInts("ends", null);
            axes = a.getInts("axes", null);
            steps = null;
        } else {
            OnnxTensor st = constInput(n, 1, "starts", where);
            OnnxTensor en = constInput(n, 2, "ends", where);
            OnnxTensor ax = constInput(n, 3, "axes", where);
            OnnxTensor sp = constInput(n, 4, "steps", where);
            starts = st == null ? null : st.longs();
            ends = en == null ? null : en.longs();
            axes = ax == null ? null : ax.longs();
            steps = sp == null ? null : sp.longs();
        }
        if (starts == null || ends == null || starts.length != ends.length) {
            throw new ImportFailure(where + " needs starts and ends of the same length");
        }
        int[] ax = new int[starts.length];
        for (int i = 0; i < ax.length; i++) {
            ax[i] = axes == null ? i : axis((int) axes[i], x.rank(), where);
        }
        if (steps == null) {
            steps = new long[starts.length];
            Arrays.fill(steps, 1);
        }
        return x.slice(starts, ends, ax, steps);
    }

    /**
     * The constants known at import time. Initializers are kept as their protobuf messages (whose bytes alias the
     * model file) and read into Java arrays only when a node uses them, so an unused initializer costs no memory.
     */
    private final class ConstantTable {
        private final Map<String, OnnxTensor> read = new HashMap<>();
        private final Map<String, TensorProto> unread = new HashMap<>();

        boolean containsKey(String name) {
            return read.containsKey(name) || unread.containsKey(name);
        }

        OnnxTensor get(String name) {
            OnnxTensor t = read.get(name);
            if (t == null) {
                TensorProto p = unread.remove(name);
                if (p != null) {
                    t = TensorReader.read(p, "initializer '" + name + "'", baseDir, options.budget());
                    read.put(name, t);
                }
            }
            return t;
        }

        void put(String name, OnnxTensor value) {
            unread.remove(name);
            read.put(name, value);
        }

        void putUnread(String name, TensorProto proto) {
            unread.put(name, proto);
        }
    }
}
