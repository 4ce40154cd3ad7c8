package dev.cnnviz.dl4j.keras;

import dev.cnnviz.api.Layout;
import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Op;
import dev.cnnviz.core.graph.ops.Add;
import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.AveragePool;
import dev.cnnviz.core.graph.ops.BatchNorm;
import dev.cnnviz.core.graph.ops.Clip;
import dev.cnnviz.core.graph.ops.Concat;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.CoordinateTransform;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Dropout;
import dev.cnnviz.core.graph.ops.Elu;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.GlobalMaxPool;
import dev.cnnviz.core.graph.ops.HardSigmoid;
import dev.cnnviz.core.graph.ops.Identity;
import dev.cnnviz.core.graph.ops.Interpolation;
import dev.cnnviz.core.graph.ops.LeakyRelu;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Mul;
import dev.cnnviz.core.graph.ops.NearestMode;
import dev.cnnviz.core.graph.ops.PRelu;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.PadMode;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Resize;
import dev.cnnviz.core.graph.ops.Scale;
import dev.cnnviz.core.graph.ops.Sigmoid;
import dev.cnnviz.core.graph.ops.Softmax;
import dev.cnnviz.core.graph.ops.Sub;
import dev.cnnviz.core.graph.ops.Sum;
import dev.cnnviz.core.graph.ops.Tanh;
import dev.cnnviz.core.graph.ops.Transpose;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * cnnviz's own reader for Keras 2 HDF5 models, used when DL4J's Keras importer rejects a file: it reads the
 * {@code model_config} JSON and the weights in Java (jHDF, through {@link Hdf5Tree}) and builds the graph directly,
 * following Keras' semantics layer by layer — including each layer's own {@code data_format}, so that a model
 * mixing {@code channels_first} and {@code channels_last} layers computes what Keras computes (a layer reads
 * the array it is given in its own format; in NCHW terms that is a transpose).
 *
 * <p>Supported: see {@link #SUPPORTED}. Node names are Keras layer names (the activated output), with
 * {@code <name>_preact} before a fused activation and constants {@code <name>/kernel}, {@code <name>/bias}, ….
 */
final class KerasNative {
    static final String SUPPORTED = "InputLayer, Conv2D, DepthwiseConv2D, SeparableConv2D, MaxPooling2D, AveragePooling2D, "
            + "GlobalAveragePooling2D, GlobalMaxPooling2D (and the aliases MaxPool2D, AvgPool2D, GlobalAvgPool2D, "
            + "GlobalMaxPool2D, SeparableConvolution2D), Dense, Flatten, Activation, ReLU, LeakyReLU, ELU, PReLU, Softmax, "
            + "BatchNormalization, ZeroPadding2D, UpSampling2D (nearest), Dropout, SpatialDropout2D, GaussianNoise, GaussianDropout, "
            + "AlphaDropout, Add, Subtract, Multiply, Average, Concatenate; activations linear, relu, relu6, sigmoid, tanh, "
            + "softmax, elu, hard_sigmoid";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How Keras holds a value: an image array in one of two layouts, or a matrix. */
    private enum Fmt { NCHW, NHWC, FF }

    private record Value(String node, Fmt fmt) {
        boolean image() {
            return fmt != Fmt.FF;
        }
    }

    private record LayerSpec(String name, String cls, JsonNode config, List<String> inputs) {
    }

    /** The translated model. */
    record Result(Graph graph, long channels, long height, long width, Layout layout, List<String> otherOutputs) {
    }

    private final Path file;
    private final Hdf5Tree tree;
    private final List<String> root;
    private final Graph.Builder b = Graph.builder();
    private final Map<String, Value> values = new HashMap<>();

    private KerasNative(Path file, Hdf5Tree tree, List<String> root) {
        this.file = file;
        this.tree = tree;
        this.root = root;
    }

    /**
     * Translates the model.
     *
     * @param tree   the file, as {@link Hdf5Walk} read and checked it
     * @param config its parsed {@code model_config}, checked by {@link KerasModelCheck}
     */
    static Result read(Path file, Hdf5Tree tree, JsonNode config) throws ModelImportException {
        try {
            List<String> root = tree.groups(List.of()).contains("model_weights") ? List.of("model_weights") : List.of();
            return new KerasNative(file, tree, root).translate(config);
        } catch (ModelImportException e) {
            throw e;
        } catch (Exception | LinkageError e) {
            throw new ModelImportException(file, "cnnviz's Keras reader failed: " + e, e);
        }
    }

    private Result translate(JsonNode model) throws Exception {
        String cls = model.path("class_name").asText();
        JsonNode cfg = model.path("config");
        List<LayerSpec> layers = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        if ("Sequential".equals(cls)) {
            JsonNode list = cfg.isArray() ? cfg : cfg.path("layers");
            String prev = null;
            for (JsonNode l : list) {
                String name = l.path("config").path("name").asText();
                if ("InputLayer".equals(l.path("class_name").asText())) {
                    layers.add(new LayerSpec(name, "InputLayer", l.path("config"), List.of()));
                } else {
                    if (prev == null) {
                        layers.add(new LayerSpec(name + "_input", "InputLayer", l.path("config"), List.of()));
                        prev = name + "_input";
                    }
                    layers.add(new LayerSpec(name, l.path("class_name").asText(), l.path("config"), List.of(prev)));
                }
                prev = name;
            }
            outputs.add(prev);
        } else if ("Model".equals(cls) || "Functional".equals(cls)) {
            for (JsonNode l : cfg.path("layers")) {
                String name = l.path("name").asText(l.path("config").path("name").asText());
                JsonNode nodes = l.path("inbound_nodes");
                if (nodes.size() > 1) {
                    throw fail(name, l.path("class_name").asText(), "it is shared (called " + nodes.size() + " times)");
                }
                List<String> ins = new ArrayList<>();
                if (nodes.size() == 1) {
                    for (JsonNode in : nodes.get(0)) {
                        ins.add(in.get(0).asText());
                    }
                }
                layers.add(new LayerSpec(name, l.path("class_name").asText(), l.path("config"), ins));
            }
            for (JsonNode o : cfg.path("output_layers")) {
                outputs.add(o.get(0).asText());
            }
        } else {
            throw new ModelImportException(file, "cnnviz's Keras reader handles Sequential and functional models, not " + cls);
        }
        long[] input = null;
        Layout layout = null;
        for (LayerSpec l : layers) {
            if (l.cls().equals("InputLayer")) {
                if (input != null) {
                    throw new ModelImportException(file, "the model has several inputs; cnnviz models take one image");
                }
                JsonNode shape = l.config().path("batch_input_shape");
                if (shape.size() != 4) {
                    throw new ModelImportException(file, "the input '" + l.name() + "' has shape " + shape
                            + "; cnnviz's Keras reader handles image inputs [N, a, b, c]");
                }
                Fmt f = firstFormat(layers, l.name());
                long a = dim(shape.get(1));
                long bb = dim(shape.get(2));
                long c = dim(shape.get(3));
                input = f == Fmt.NHWC ? new long[] {c, a, bb} : new long[] {a, bb, c};
                layout = f == Fmt.NHWC ? Layout.NHWC : Layout.NCHW;
                b.input(l.name(), input);
                values.put(l.name(), new Value(l.name(), f));
                continue;
            }
            List<Value> ins = new ArrayList<>();
            for (String in : l.inputs()) {
                Value v = values.get(in);
                if (v == null) {
                    throw new ModelImportException(file, "layer '" + l.name() + "' reads '" + in + "', which is not defined before it");
                }
                ins.add(v);
            }
            values.put(l.name(), layer(l, ins));
        }
        if (input == null || outputs.isEmpty()) {
            throw new ModelImportException(file, "the model config has no input layer or no output");
        }
        b.output(values.get(outputs.get(0)).node());
        List<String> others = new ArrayList<>();
        for (String o : outputs.subList(1, outputs.size())) {
            Value v = values.get(o);
            others.add(v == null ? o : v.node());
        }
        return new Result(b.build(), input[0], input[1], input[2], layout, List.copyOf(others));
    }

    private static long dim(JsonNode n) {
        return n == null || n.isNull() ? -1 : n.asLong();
    }

    /** The data format of the first layer downstream of {@code input} that has one (Keras' default: channels_last). */
    private static Fmt firstFormat(List<LayerSpec> layers, String input) {
        List<String> frontier = new ArrayList<>(List.of(input));
        for (LayerSpec l : layers) {
            if (l.inputs().stream().anyMatch(frontier::contains)) {
                if (l.config().has("data_format")) {
                    return format(l.config());
                }
                frontier.add(l.name());
            }
        }
        return Fmt.NHWC;
    }

    private static Fmt format(JsonNode cfg) {
        return "channels_first".equals(cfg.path("data_format").asText("channels_last")) ? Fmt.NCHW : Fmt.NHWC;
    }

    // ------------------------------------------------------------------ layers

    private Value layer(LayerSpec l, List<Value> ins) throws ModelImportException {
        String name = l.name();
        JsonNode c = l.config();
        switch (l.cls()) {
            case "Conv2D":
            case "Convolution2D": {
                Value x = image(l, ins);
                x = relayout(name, x, format(c));
                Map<String, INDArray> w = weights(name);
                INDArray k = need(l, w, "kernel"); // [kH, kW, in, out]
                int groups = c.path("groups").asInt(1);
                Conv op = new Conv(ints(c.path("strides"), 1), new int[4], ints(c.path("dilation_rate"), 1), groups, pad(l));
                List<String> inputs = new ArrayList<>(List.of(x.node(), constant(name + "/kernel", k.permute(3, 2, 0, 1))));
                if (c.path("use_bias").asBoolean(true)) {
                    inputs.add(constant(name + "/bias", need(l, w, "bias")));
                }
                return activate(l, op, x.fmt(), inputs);
            }
            case "DepthwiseConv2D": {
                Value x = relayout(name, image(l, ins), format(c));
                Map<String, INDArray> w = weights(name);
                INDArray k = need(l, w, "depthwise_kernel"); // [kH, kW, C, m]
                long ch = k.size(2);
                INDArray ours = k.permute(2, 3, 0, 1).dup('c').reshape('c', new long[] {ch * k.size(3), 1, k.size(0), k.size(1)});
                Conv op = new Conv(ints(c.path("strides"), 1), new int[4], ints(c.path("dilation_rate"), 1), (int) ch, pad(l));
                List<String> inputs = new ArrayList<>(List.of(x.node(), constant(name + "/depthwise_kernel", ours)));
                if (c.path("use_bias").asBoolean(true)) {
                    inputs.add(constant(name + "/bias", need(l, w, "bias")));
                }
                return activate(l, op, x.fmt(), inputs);
            }
            case "SeparableConv2D":
            case "SeparableConvolution2D": {
                Value x = relayout(name, image(l, ins), format(c));
                Map<String, INDArray> w = weights(name);
                INDArray dk = need(l, w, "depthwise_kernel"); // [kH, kW, C, m]
                INDArray pk = need(l, w, "pointwise_kernel"); // [1, 1, C*m, out]
                long ch = dk.size(2);
                INDArray dw = dk.permute(2, 3, 0, 1).dup('c').reshape('c', new long[] {ch * dk.size(3), 1, dk.size(0), dk.size(1)});
                Conv dop = new Conv(ints(c.path("strides"), 1), new int[4], ints(c.path("dilation_rate"), 1), (int) ch, pad(l));
                String depth = add(fresh(name + "_depthwise"), dop, x.node(), constant(name + "/depthwise_kernel", dw));
                List<String> inputs = new ArrayList<>(List.of(depth, constant(name + "/pointwise_kernel", pk.permute(3, 2, 0, 1))));
                if (c.path("use_bias").asBoolean(true)) {
                    inputs.add(constant(name + "/bias", need(l, w, "bias")));
                }
                return activate(l, Conv.simple(), x.fmt(), inputs);
            }
            case "MaxPooling2D":
            case "AveragePooling2D":
            case "MaxPool2D":
            case "AvgPool2D": {
                Value x = relayout(name, image(l, ins), format(c));
                int[] k = ints(c.path("pool_size"), 2);
                int[] s = c.path("strides").isNull() || c.path("strides").isMissingNode() ? k : ints(c.path("strides"), 1);
                Op op = l.cls().startsWith("Max") ? new MaxPool(k, s, new int[4], new int[] {1, 1}, false, pad(l))
                        : new AveragePool(k, s, new int[4], false, false, pad(l));
                return new Value(add(name, op, x.node()), x.fmt());
            }
            case "GlobalAveragePooling2D":
            case "GlobalMaxPooling2D":
            case "GlobalAvgPool2D":
            case "GlobalMaxPool2D": {
                Value x = relayout(name, image(l, ins), format(c));
                Op op = l.cls().startsWith("GlobalAv") ? new GlobalAveragePool() : new GlobalMaxPool();
                if (c.path("keepdims").asBoolean(false)) {
                    return new Value(add(name, op, x.node()), x.fmt());
                }
                String pooled = add(fresh(name + "_pool"), op, x.node());
                return new Value(add(name, new Flatten(1), pooled), Fmt.FF);
            }
            case "Flatten": {
                Value x = one(l, ins);
                if (!x.image()) {
                    return new Value(add(name, new Identity(), x.node()), Fmt.FF);
                }
                // Keras flattens the array it holds; with data_format channels_first it first moves the channels last
                int[] perm = arrayPerm(x.fmt());
                if (format(c) == Fmt.NCHW) {
                    perm = compose(perm, new int[] {0, 2, 3, 1});
                }
                String cur = x.node();
                if (!isIdentity(perm)) {
                    cur = add(fresh(name + "_transpose"), new Transpose(perm), cur);
                }
                return new Value(add(name, new Flatten(1), cur), Fmt.FF);
            }
            case "Dense": {
                Value x = one(l, ins);
                if (x.image()) {
                    throw fail(name, l.cls(), "an image input (Dense on rank-4 tensors)");
                }
                Map<String, INDArray> w = weights(name);
                List<String> inputs = new ArrayList<>(List.of(x.node(), constant(name + "/kernel", need(l, w, "kernel"))));
                if (c.path("use_bias").asBoolean(true)) {
                    inputs.add(constant(name + "/bias", need(l, w, "bias")));
                }
                return activate(l, new Dense(), Fmt.FF, inputs);
            }
            case "Activation": {
                Value x = one(l, ins);
                Op op = activation(l, c.path("activation").asText("linear"), x);
                return new Value(add(name, op == null ? new Identity() : op, x.node()), x.fmt());
            }
            case "ReLU": {
                Value x = one(l, ins);
                double max = c.path("max_value").isNumber() ? c.path("max_value").asDouble() : Double.POSITIVE_INFINITY;
                double slope = c.path("negative_slope").asDouble(0);
                double threshold = c.path("threshold").asDouble(0);
                Op op;
                if (threshold != 0 || (slope != 0 && !Double.isInfinite(max))) {
                    throw fail(name, l.cls(), "threshold " + threshold + ", negative slope " + slope + ", max " + max);
                } else if (slope != 0) {
                    op = new LeakyRelu(slope);
                } else {
                    op = Double.isInfinite(max) ? new Relu() : new Clip(0, max);
                }
                return new Value(add(name, op, x.node()), x.fmt());
            }
            case "LeakyReLU": {
                Value x = one(l, ins);
                return new Value(add(name, new LeakyRelu(c.path("alpha").asDouble(0.3)), x.node()), x.fmt());
            }
            case "ELU": {
                Value x = one(l, ins);
                return new Value(add(name, new Elu(c.path("alpha").asDouble(1.0)), x.node()), x.fmt());
            }
            case "Softmax": {
                Value x = one(l, ins);
                int axis = c.path("axis").asInt(-1);
                return new Value(add(name, new Softmax(ourAxis(x, axis), false), x.node()), x.fmt());
            }
            case "PReLU": {
                Value x = one(l, ins);
                INDArray alpha = need(l, weights(name), "alpha");
                INDArray slope;
                if (!x.image()) {
                    slope = alpha.dup('c').reshape('c', new long[] {1, alpha.length()});
                } else if (alpha.rank() == 3) {
                    INDArray chw = x.fmt() == Fmt.NHWC ? alpha.permute(2, 0, 1) : alpha;
                    slope = chw.dup('c').reshape('c', new long[] {1, chw.size(0), chw.size(1), chw.size(2)});
                } else {
                    throw fail(name, l.cls(), "a slope of shape " + java.util.Arrays.toString(alpha.shape()));
                }
                return new Value(add(name, new PRelu(), x.node(), constant(name + "/alpha", slope)), x.fmt());
            }
            case "BatchNormalization": {
                Value x = one(l, ins);
                JsonNode axisNode = c.path("axis");
                int axis = axisNode.isArray() ? (axisNode.size() == 1 ? axisNode.get(0).asInt() : Integer.MIN_VALUE) : axisNode.asInt(-1);
                if (axis == Integer.MIN_VALUE || ourAxis(x, axis) != 1) {
                    throw fail(name, l.cls(), "axis " + axisNode + " (only the channel axis is supported)");
                }
                Map<String, INDArray> w = weights(name);
                INDArray mean = need(l, w, "moving_mean");
                INDArray var = need(l, w, "moving_variance");
                INDArray gamma = c.path("scale").asBoolean(true) ? need(l, w, "gamma") : mean.ulike().assign(1);
                INDArray beta = c.path("center").asBoolean(true) ? need(l, w, "beta") : mean.ulike().assign(0);
                Op op = new BatchNorm(c.path("epsilon").asDouble(1e-3));
                return new Value(add(name, op, x.node(), constant(name + "/gamma", gamma), constant(name + "/beta", beta),
                        constant(name + "/moving_mean", mean), constant(name + "/moving_variance", var)), x.fmt());
            }
            case "ZeroPadding2D": {
                Value x = relayout(name, image(l, ins), format(c));
                int[] p = padding2d(l, c.path("padding")); // top, bottom, left, right
                Pad op = new Pad(new int[] {0, 0, p[0], p[2], 0, 0, p[1], p[3]}, PadMode.CONSTANT, 0.0);
                return new Value(add(name, op, x.node()), x.fmt());
            }
            case "UpSampling2D": {
                Value x = relayout(name, image(l, ins), format(c));
                String interp = c.path("interpolation").asText("nearest");
                if (!"nearest".equals(interp)) {
                    throw fail(name, l.cls(), "interpolation " + interp);
                }
                int[] s = ints(c.path("size"), 2);
                Op op = new Resize(Interpolation.NEAREST, s[0], s[1], 0, 0, CoordinateTransform.ASYMMETRIC, NearestMode.FLOOR);
                return new Value(add(name, op, x.node()), x.fmt());
            }
            case "Dropout":
            case "SpatialDropout2D":
            case "AlphaDropout":
            case "GaussianDropout": {
                Value x = one(l, ins);
                double rate = c.path("rate").asDouble(c.path("p").asDouble(0.5));
                return new Value(add(name, new Dropout(rate >= 0 && rate < 1 ? rate : 0.5), x.node()), x.fmt());
            }
            case "GaussianNoise": {
                Value x = one(l, ins);
                return new Value(add(name, new Identity(), x.node()), x.fmt());
            }
            case "Add":
            case "Subtract":
            case "Multiply":
            case "Average":
            case "Concatenate":
                return merge(l, ins);
            default:
                throw fail(name, l.cls(), null);
        }
    }

    private Value merge(LayerSpec l, List<Value> ins) throws ModelImportException {
        String name = l.name();
        if (ins.isEmpty()) {
            throw fail(name, l.cls(), "no inputs");
        }
        Fmt f = ins.get(0).fmt();
        String[] nodes = new String[ins.size()];
        for (int i = 0; i < nodes.length; i++) {
            if (ins.get(i).image() != (f != Fmt.FF)) {
                throw fail(name, l.cls(), "image and matrix inputs");
            }
            nodes[i] = relayout(name + "_in" + i, ins.get(i), f).node();
        }
        Value first = new Value(nodes[0], f);
        switch (l.cls()) {
            case "Add":
                return new Value(add(name, nodes.length == 2 ? new Add() : new Sum(), nodes), f);
            case "Subtract":
                return new Value(add(name, new Sub(), nodes), f);
            case "Multiply": {
                String cur = nodes[0];
                for (int i = 1; i < nodes.length; i++) {
                    cur = add(i == nodes.length - 1 ? name : fresh(name + "_product" + i), new Mul(), cur, nodes[i]);
                }
                return new Value(cur, f);
            }
            case "Average": {
                String sum = add(fresh(name + "_sum"), nodes.length == 2 ? new Add() : new Sum(), nodes);
                return new Value(add(name, new Scale(1.0 / nodes.length, 0), sum), f);
            }
            default:
                return new Value(add(name, new Concat(ourAxis(first, l.config().path("axis").asInt(-1))), nodes), f);
        }
    }

    private Value activate(LayerSpec l, Op op, Fmt fmt, List<String> inputs) throws ModelImportException {
        String name = l.name();
        Op act = activation(l, l.config().path("activation").asText("linear"), new Value(name, fmt));
        String[] in = inputs.toArray(new String[0]);
        if (act == null) {
            return new Value(add(name, op, in), fmt);
        }
        String pre = add(fresh(name + "_preact"), op, in);
        return new Value(add(name, act, pre), fmt);
    }

    private Op activation(LayerSpec l, String act, Value x) throws ModelImportException {
        switch (act) {
            case "linear":
                return null;
            case "relu":
                return new Relu();
            case "relu6":
                return new Clip(0, 6);
            case "sigmoid":
                return new Sigmoid();
            case "tanh":
                return new Tanh();
            case "elu":
                return new Elu(1.0);
            case "hard_sigmoid":
                return new HardSigmoid(0.2, 0.5);
            case "softmax":
                return new Softmax(ourAxis(x, -1), false);
            default:
                throw fail(l.name(), l.cls(), "activation '" + act + "'");
        }
    }

    // ------------------------------------------------------------------ layouts

    /** Keras' array is {@code t.permute(arrayPerm(fmt))} of our NCHW tensor {@code t}. */
    private static int[] arrayPerm(Fmt f) {
        return f == Fmt.NHWC ? new int[] {0, 2, 3, 1} : new int[] {0, 1, 2, 3};
    }

    private static int[] compose(int[] p, int[] q) {
        int[] r = new int[q.length];
        for (int i = 0; i < q.length; i++) {
            r[i] = p[q[i]];
        }
        return r;
    }

    private static int[] inverse(int[] p) {
        int[] r = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            r[p[i]] = i;
        }
        return r;
    }

    private static boolean isIdentity(int[] p) {
        for (int i = 0; i < p.length; i++) {
            if (p[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** Our axis of axis {@code a} (negative from the end) of the array Keras holds. */
    private static int ourAxis(Value x, int a) {
        int rank = x.image() ? 4 : 2;
        int k = a < 0 ? a + rank : a;
        return x.image() ? arrayPerm(x.fmt())[k] : k;
    }

    /** A layer reads the array it is given in its own data format: in NCHW terms, a transpose when they differ. */
    private Value relayout(String name, Value in, Fmt want) {
        if (!in.image() || in.fmt() == want) {
            return in;
        }
        int[] perm = compose(arrayPerm(in.fmt()), inverse(arrayPerm(want)));
        return new Value(add(fresh(name + "_relayout"), new Transpose(perm), in.node()), want);
    }

    // ------------------------------------------------------------------ helpers

    private Value one(LayerSpec l, List<Value> ins) throws ModelImportException {
        if (ins.size() != 1) {
            throw fail(l.name(), l.cls(), ins.size() + " inputs");
        }
        return ins.get(0);
    }

    private Value image(LayerSpec l, List<Value> ins) throws ModelImportException {
        Value x = one(l, ins);
        if (!x.image()) {
            throw fail(l.name(), l.cls(), "a matrix input (it needs an image)");
        }
        return x;
    }

    private AutoPad pad(LayerSpec l) throws ModelImportException {
        String p = l.config().path("padding").asText("valid");
        switch (p) {
            case "valid":
                return AutoPad.VALID;
            case "same":
                return AutoPad.SAME_UPPER;
            default:
                throw fail(l.name(), l.cls(), "padding '" + p + "'");
        }
    }

    private int[] padding2d(LayerSpec l, JsonNode p) throws ModelImportException {
        if (p.isInt()) {
            int v = p.asInt();
            return new int[] {v, v, v, v};
        }
        if (p.isArray() && p.size() == 2 && p.get(0).isInt()) {
            return new int[] {p.get(0).asInt(), p.get(0).asInt(), p.get(1).asInt(), p.get(1).asInt()};
        }
        if (p.isArray() && p.size() == 2 && p.get(0).isArray()) {
            return new int[] {p.get(0).get(0).asInt(), p.get(0).get(1).asInt(), p.get(1).get(0).asInt(), p.get(1).get(1).asInt()};
        }
        throw fail(l.name(), l.cls(), "padding " + p);
    }

    private static int[] ints(JsonNode n, int dflt) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return new int[] {dflt, dflt};
        }
        if (n.isInt()) {
            return new int[] {n.asInt(), n.asInt()};
        }
        return new int[] {n.get(0).asInt(), n.get(n.size() - 1).asInt()};
    }

    /** All datasets under the layer's weight group, by their last name without {@code :0}. */
    private Map<String, INDArray> weights(String layer) throws ModelImportException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (!tree.groups(root).contains(layer)) {
            return out;
        }
        collect(append(root, layer), out);
        return out;
    }

    private void collect(List<String> groups, Map<String, INDArray> out) throws ModelImportException {
        for (String ds : tree.datasets(groups)) {
            String key = ds.contains(":") ? ds.substring(0, ds.indexOf(':')) : ds;
            long[] shape = tree.shape(groups, ds);
            float[] v = tree.floats(groups, ds);
            out.put(key, shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, DataType.FLOAT));
        }
        for (String sub : tree.groups(groups)) {
            collect(append(groups, sub), out);
        }
    }

    private static List<String> append(List<String> a, String s) {
        List<String> r = new ArrayList<>(a);
        r.add(s);
        return r;
    }

    private INDArray need(LayerSpec l, Map<String, INDArray> w, String key) throws ModelImportException {
        INDArray a = w.get(key);
        if (a == null) {
            throw new ModelImportException(file, "layer '" + l.name() + "' (" + l.cls() + ") has no weight '" + key + "' in the file (found "
                    + w.keySet() + ")");
        }
        return a;
    }

    private String constant(String name, INDArray value) {
        String n = fresh(name);
        b.constant(n, value.dup('c'));
        return n;
    }

    private String add(String name, Op op, String... inputs) {
        b.add(name, op, inputs);
        return name;
    }

    private String fresh(String base) {
        return b.unusedName(base);
    }

    /** A layer (or a setting of one) that this reader does not translate, where DL4J's importer might. */
    static final class Untranslatable extends ModelImportException {
        private static final long serialVersionUID = 1L;

        Untranslatable(Path file, String message) {
            super(file, message);
        }
    }

    private Untranslatable fail(String name, String cls, String detail) {
        return new Untranslatable(file, "layer '" + name + "' is a Keras " + cls + (detail == null ? "" : " with " + detail)
                + ", which cnnviz's Keras reader cannot translate; supported: " + SUPPORTED);
    }
}
