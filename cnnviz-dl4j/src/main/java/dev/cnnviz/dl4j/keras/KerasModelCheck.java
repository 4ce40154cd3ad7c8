package dev.cnnviz.dl4j.keras;


import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.dl4j.dl4j.NonFiniteWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * Checks a Keras HDF5 model in Java before DL4J's importer or cnnviz's own reader builds anything from it: DL4J
 * allocates a layer's parameters from its configuration (a Conv2D with {@code kernel_size [99999, 99999]} aborts
 * the JVM in the native allocator), copies weights of the wrong shape without a word, and runs whatever the
 * weights compute, NaN included.
 *
 * <ol>
 *   <li>The weights' HDF5 datasets: their declared shapes, without reading them (at most
 *       {@value #MAX_GROUP_DEPTH} levels of groups, element counts within {@code int}, and no more declared bytes
 *       than the file holds: a dataset may declare any size without storing it).</li>
 *   <li>The {@code model_config}: only the layers cnnviz imports ({@link #LAYERS}); each layer's attributes
 *       (kernel sizes, strides, dilations, pool sizes, filters, units, paddings, croppings, upsampling factors,
 *       reshape targets, merge inputs), walked with the static shapes from the input so that every inferred shape
 *       is positive and bounded and no window is larger than the input it sees. An input of unknown height or
 *       width is walked again at {@value #PROBE_SIZE}x{@value #PROBE_SIZE}, the largest size the importer tries,
 *       for the size bounds only.</li>
 *   <li>Each layer's weights against its configuration and its input: presence and shape.</li>
 *   <li>The weights' values: NaN or infinite values (and a negative batch-norm variance) are an error unless the
 *       caller allows them.</li>
 * </ol>
 * Every problem is a {@link ModelImportException} naming the file, the layer, the attribute or weight and the
 * values found. The caller holds the HDF5 lock; every HDF5 object is deallocated under it, in reverse order of opening.
 */
final class KerasModelCheck {
    /** Largest input height, width or channel count. */
    static final long MAX_INPUT_DIM = 16_384;
    /** Largest size of any dimension of any value (channels, units, a flattened image). */
    static final long MAX_DIM = 1L << 24;
    /** Largest element count of one sample's value at any layer (1 GiB of float32). */
    static final long MAX_ELEMENTS = 1L << 28;
    /** Largest kernel, pool, stride, dilation, padding or cropping. */
    static final long MAX_WINDOW = MAX_INPUT_DIM;
    /** Largest upsampling factor. */
    static final long MAX_UPSAMPLING = 1024;
    /** Input size the walk uses for an input of unknown height or width (the importer's largest trial size). */
    static final int PROBE_SIZE = 512;
    static final int MAX_GROUP_DEPTH = 8;
    static final int MAX_LAYERS = 100_000;
    static final int MAX_DATASETS = 1_000_000;

    /** The Keras layer classes cnnviz imports, through DL4J or its own reader. */
    static final Set<String> LAYERS = Set.of("InputLayer", "Conv2D", "Convolution2D", "Conv2DTranspose", "Deconvolution2D",
            "DepthwiseConv2D", "SeparableConv2D", "SeparableConvolution2D", "MaxPooling2D", "AveragePooling2D", "MaxPool2D",
            "AvgPool2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAvgPool2D", "GlobalMaxPool2D", "Dense", "Flatten",
            "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax", "BatchNormalization", "ZeroPadding2D", "Cropping2D",
            "UpSampling2D", "Reshape", "Dropout", "SpatialDropout2D", "AlphaDropout", "GaussianDropout", "GaussianNoise", "Add",
            "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate");

    /** A dataset of the weights: where it is and what it declares. */
    private record Stored(List<String> groups, String dataset, long[] shape, boolean floating, long elements) {
        String path() {
            return String.join("/", groups) + "/" + dataset;
        }
    }

    private record Layer(String name, String cls, JsonNode config, List<String> inputs) {
    }

    private final Path file;
    private final boolean keras1;
    /** Layer name -> weight key (kernel, bias, gamma, …) -> dataset. */
    private final Map<String, Map<String, Stored>> weights = new LinkedHashMap<>();
    private final List<Stored> all = new ArrayList<>();
    private final Map<String, Layer> byName = new HashMap<>();
    private final List<Layer> ordered = new ArrayList<>();
    /** True while walking at the probe size: only the size bounds are enforced. */
    private boolean boundsOnly;

    private KerasModelCheck(Path file, String kerasVersion) {
        this.file = file;
        this.keras1 = kerasVersion != null && kerasVersion.startsWith("1");
    }

    /**
     * Checks the file (see the class comment).
     *
     * @param model               the parsed {@code model_config}
     * @param kerasVersion        the file's {@code keras_version} ("?" if absent)
     * @param allowNonFiniteWeights whether NaN and infinite weights are accepted
     * @throws ModelImportException naming the file, the layer and the attribute or weight
     */
    static void check(Hdf5Tree tree, Path file, JsonNode model, String kerasVersion, boolean allowNonFiniteWeights)
            throws ModelImportException {
        KerasModelCheck c = new KerasModelCheck(file, kerasVersion);
        try {
            c.scanWeights(tree);
            List<Layer> layers = c.layers(model);
            c.walk(layers, false);
            c.sizes();
            if (!allowNonFiniteWeights) {
                c.values(tree);
            }
        } catch (RuntimeException e) {
            throw new ModelImportException(file, "could not check the model: " + e, e);
        }
    }

    // ------------------------------------------------------------------ the weights' datasets

    private void scanWeights(Hdf5Tree tree) throws ModelImportException {
        List<String> root = tree.groups(List.of()).contains("model_weights") ? List.of("model_weights") : List.of();
        scan(tree, root, 0);
    }

    /** Each weight array fits a Java array; all together they fit in the file (as float32, the smallest Keras writes). */
    private void sizes() throws ModelImportException {
        long bytes = 0;
        for (Stored s : all) {
            if (s.elements() > Integer.MAX_VALUE) {
                throw new ModelImportException(file, "weight array '" + s.path() + "' declares shape " + Arrays.toString(s.shape())
                        + ": " + (s.elements() == Long.MAX_VALUE ? "more than 2^63" : Long.toString(s.elements()))
                        + " values, more than an array holds (" + Integer.MAX_VALUE + ")");
            }
            bytes += s.elements() * 4;
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new ModelImportException(file, "could not be read: " + e.getMessage(), e);
        }
        if (bytes > size) {
            throw new ModelImportException(file, "its weights declare " + all.size() + " arrays of " + bytes
                    + " bytes (as float32) but the file has only " + size + " bytes: the declared shapes are not stored in it");
        }
    }

    private void scan(Hdf5Tree tree, List<String> path, int depth) throws ModelImportException {
        for (String name : tree.groups(path)) {
            if (path.size() == 0 && name.equals("optimizer_weights")) {
                continue;
            }
            if (depth >= MAX_GROUP_DEPTH) {
                throw new ModelImportException(file, "its weights nest groups deeper than " + MAX_GROUP_DEPTH + " levels at '"
                        + String.join("/", path) + "/" + name + "' (a link loop?)");
            }
            List<String> p = new ArrayList<>(path);
            p.add(name);
            scan(tree, p, depth + 1);
        }
        for (String name : tree.datasets(path)) {
            if (all.size() >= MAX_DATASETS) {
                throw new ModelImportException(file, "its weights have more than " + MAX_DATASETS + " arrays");
            }
            long[] dims = tree.shape(path, name);
            String where = String.join("/", path) + "/" + name;
            if (dims.length > 5) {
                throw new ModelImportException(file, "weight array '" + where + "' has rank " + dims.length + " (Keras weights have 1 to 5 dimensions)");
            }
            long n = 1;
            for (long d : dims) {
                if (d < 0) {
                    throw new ModelImportException(file, "weight array '" + where + "' declares a negative size in shape "
                            + Arrays.toString(dims));
                }
                n = Math.multiplyHigh(n, d) != 0 || n * d < 0 ? Long.MAX_VALUE : n * d;
            }
            Stored s = new Stored(path, name, dims, tree.floating(path, name), n);
            all.add(s);
            if (!path.isEmpty() && path.size() > (path.get(0).equals("model_weights") ? 1 : 0)) {
                String layer = path.get(path.get(0).equals("model_weights") ? 1 : 0);
                weights.computeIfAbsent(layer, k -> new LinkedHashMap<>()).putIfAbsent(key(layer, name), s);
            }
        }
    }

    /** The weight's role from its dataset name: {@code kernel:0} -> kernel; Keras 1's {@code conv1_W} -> kernel. */
    static String key(String layer, String dataset) {
        String k = dataset.replaceFirst(":\\d+$", "");
        if (k.startsWith(layer + "_")) {
            k = k.substring(layer.length() + 1);
        }
        return switch (k) {
            case "W" -> "kernel";
            case "b" -> "bias";
            case "running_mean" -> "moving_mean";
            case "running_std" -> "moving_variance";
            default -> k;
        };
    }

    // ------------------------------------------------------------------ the layers

    private List<Layer> layers(JsonNode model) throws ModelImportException {
        String cls = model.path("class_name").asText();
        JsonNode cfg = model.path("config");
        List<Layer> layers = new ArrayList<>();
        if ("Sequential".equals(cls)) {
            JsonNode list = cfg.isArray() ? cfg : cfg.path("layers");
            String prev = null;
            for (JsonNode l : list) {
                String name = name(l);
                String c = l.path("class_name").asText();
                if ("InputLayer".equals(c)) {
                    add(layers, new Layer(name, c, l.path("config"), List.of()));
                } else {
                    if (prev == null) {
                        add(layers, new Layer(name + "_input", "InputLayer", l.path("config"), List.of()));
                        prev = name + "_input";
                    }
                    add(layers, new Layer(name, c, l.path("config"), List.of(prev)));
                }
                prev = name;
            }
        } else if ("Model".equals(cls) || "Functional".equals(cls)) {
            for (JsonNode l : cfg.path("layers")) {
                String name = name(l);
                String c = l.path("class_name").asText();
                JsonNode nodes = l.path("inbound_nodes");
                if (nodes.size() > 1) {
                    throw fail(name, c, "is shared (called " + nodes.size() + " times); cnnviz imports layers called once");
                }
                List<String> ins = new ArrayList<>();
                if (nodes.size() == 1) {
                    for (JsonNode in : nodes.get(0)) {
                        if (!in.isArray() || in.size() < 1 || !in.get(0).isTextual()) {
                            throw fail(name, c, "inbound node " + brief(in) + " is not [layer, node, tensor, ...]");
                        }
                        ins.add(in.get(0).asText());
                    }
                }
                add(layers, new Layer(name, c, l.path("config"), ins));
            }
        } else {
            throw new ModelImportException(file, "its model_config describes a '" + clip(cls) + "'; cnnviz imports Keras Sequential "
                    + "and functional models (Model, Functional)");
        }
        if (layers.isEmpty()) {
            throw new ModelImportException(file, "its model_config has no layers");
        }
        return layers;
    }

    private void add(List<Layer> layers, Layer l) throws ModelImportException {
        if (layers.size() >= MAX_LAYERS) {
            throw new ModelImportException(file, "its model_config has more than " + MAX_LAYERS + " layers");
        }
        if (!LAYERS.contains(l.cls())) {
            throw new ModelImportException(file, "layer '" + clip(l.name()) + "' is a Keras " + clip(l.cls())
                    + ", which cnnviz does not import (the layers it checks and hands to its importers: "
                    + String.join(", ", new java.util.TreeSet<>(LAYERS)) + ")");
        }
        if (byName.put(l.name(), l) != null) {
            throw new ModelImportException(file, "its model_config has two layers named '" + clip(l.name()) + "'");
        }
        layers.add(l);
        ordered.add(l);
    }

    private static String name(JsonNode l) {
        return l.path("name").asText(l.path("config").path("name").asText());
    }

    /** Walks the layers in dependency order with their static per-sample shapes (Keras' order, -1 unknown). */
    private void walk(List<Layer> layers, boolean probe) throws ModelImportException {
        boundsOnly = probe;
        Map<String, long[]> shapes = new HashMap<>();
        List<Layer> pending = new ArrayList<>(layers);
        boolean unknownInput = false;
        while (!pending.isEmpty()) {
            boolean progress = false;
            for (Iterator<Layer> it = pending.iterator(); it.hasNext(); ) {
                Layer l = it.next();
                if (!shapes.keySet().containsAll(l.inputs())) {
                    continue;
                }
                List<long[]> ins = new ArrayList<>();
                for (String in : l.inputs()) {
                    ins.add(shapes.get(in));
                }
                long[] out = l.cls().equals("InputLayer") ? input(l, probe) : layer(l, ins);
                if (l.cls().equals("InputLayer") && Arrays.stream(out).anyMatch(d -> d < 0)) {
                    unknownInput = true;
                }
                bounds(l, out);
                shapes.put(l.name(), out);
                it.remove();
                progress = true;
            }
            if (!progress) {
                Layer l = pending.get(0);
                String missing = l.inputs().stream().filter(i -> !shapes.containsKey(i)).findFirst().orElse("?");
                throw fail(l.name(), l.cls(), "reads '" + clip(missing) + "', which no layer defines (or the layers form a cycle)");
            }
        }
        if (!probe && unknownInput) {
            walk(layers, true);
            boundsOnly = false;
        }
    }

    private long[] input(Layer l, boolean probe) throws ModelImportException {
        JsonNode shape = l.config().has("batch_input_shape") ? l.config().path("batch_input_shape") : l.config().path("batch_shape");
        if (!shape.isArray() && l.config().path("input_shape").isArray()) {
            long[] out = new long[l.config().path("input_shape").size()];
            return inputDims(l, l.config().path("input_shape"), 0, out, probe);
        }
        if (!shape.isArray() || shape.size() != 4) {
            throw fail(l.name(), l.cls(), "batch_input_shape " + brief(shape) + " is not an image; cnnviz imports image inputs [batch, a, b, c]");
        }
        return inputDims(l, shape, 1, new long[3], probe);
    }

    private long[] inputDims(Layer l, JsonNode shape, int from, long[] out, boolean probe) throws ModelImportException {
        if (out.length != 3) {
            throw fail(l.name(), l.cls(), "input_shape " + brief(shape) + " is not an image; cnnviz imports image inputs [a, b, c]");
        }
        Fmt f = firstFormat(l.name());
        int channel = f == Fmt.FIRST ? 0 : 2;
        for (int i = 0; i < 3; i++) {
            JsonNode d = shape.get(from + i);
            if (d == null || d.isNull()) {
                if (i == channel) {
                    throw fail(l.name(), l.cls(), "input shape " + brief(shape) + ": the channel count is unknown");
                }
                out[i] = probe ? PROBE_SIZE : -1;
                continue;
            }
            if (!d.isIntegralNumber() || d.asLong() < 1 || d.asLong() > MAX_INPUT_DIM) {
                throw fail(l.name(), l.cls(), "input shape " + brief(shape) + ": every size must be a whole number from 1 to "
                        + MAX_INPUT_DIM);
            }
            out[i] = d.asLong();
        }
        return out;
    }

    private enum Fmt { FIRST, LAST }

    private static Fmt format(JsonNode cfg) {
        String df = cfg.path("data_format").asText("");
        if (df.isEmpty()) {
            df = "th".equals(cfg.path("dim_ordering").asText("")) ? "channels_first" : "channels_last";
        }
        return "channels_first".equals(df) ? Fmt.FIRST : Fmt.LAST;
    }

    /** The data format of the first layer downstream of {@code input} that has one (Keras' default: channels_last). */
    private Fmt firstFormat(String input) {
        List<String> frontier = new ArrayList<>(List.of(input));
        for (Layer l : ordered) {
            if (l.inputs().stream().anyMatch(frontier::contains)) {
                if (l.config().has("data_format") || l.config().has("dim_ordering")) {
                    return format(l.config());
                }
                frontier.add(l.name());
            }
        }
        return Fmt.LAST;
    }

    // ------------------------------------------------------------------ one layer

    private long[] layer(Layer l, List<long[]> ins) throws ModelImportException {
        JsonNode c = l.config();
        switch (l.cls()) {
            case "Conv2D":
            case "Convolution2D": {
                long[] x = one(l, ins);
                int[] ax = axes(l, x);
                long ch = x[ax[0]];
                long filters = integer(l, 1, MAX_DIM, -1, "filters", "nb_filter");
                long[] k = kernel(l);
                long[] s = strides(l);
                long[] d = dilations(l);
                boolean same = same(l);
                long groups = integer(l, 1, MAX_DIM, 1, "groups");
                if (ch > 0 && ch % groups != 0 || filters % groups != 0) {
                    throw fail(l, "groups " + groups + " must divide both the input's " + ch + " channels and the "
                            + filters + " filters");
                }
                long[] hw = windows(l, "kernel_size", x, ax, k, s, d, same);
                long perGroup = ch < 0 ? -1 : ch / groups;
                String why = "kernel_size " + shape(k) + ", " + (ch < 0 ? "?" : perGroup) + " input channels per group, filters " + filters;
                weight(l, "kernel", true, why, new long[] {k[0], k[1], perGroup, filters},
                        keras1 ? new long[] {filters, perGroup, k[0], k[1]} : null);
                bias(l, filters, "filters " + filters);
                return image(l, ax, filters, hw);
            }
            case "Conv2DTranspose":
            case "Deconvolution2D": {
                long[] x = one(l, ins);
                int[] ax = axes(l, x);
                long ch = x[ax[0]];
                long filters = integer(l, 1, MAX_DIM, -1, "filters", "nb_filter");
                long[] k = kernel(l);
                long[] s = strides(l);
                long[] d = dilations(l);
                boolean same = same(l);
                JsonNode op = c.path("output_padding");
                long[] outPad = op.isMissingNode() || op.isNull() ? null : pair(l, 0, MAX_WINDOW, 0, "output_padding");
                long[] hw = new long[2];
                for (int i = 0; i < 2; i++) {
                    long in = x[ax[1 + i]];
                    long keff = (k[i] - 1) * d[i] + 1;
                    if (outPad != null && outPad[i] >= s[i]) {
                        throw fail(l, "output_padding " + shape(outPad) + " must be smaller than the strides " + shape(s));
                    }
                    if (in < 0) {
                        hw[i] = -1;
                    } else if (outPad == null) {
                        hw[i] = same ? in * s[i] : in * s[i] + Math.max(keff - s[i], 0);
                    } else {
                        hw[i] = (in - 1) * s[i] + keff - (same ? 2 * (keff / 2) : 0) + outPad[i];
                    }
                }
                weight(l, "kernel", true, "kernel_size " + shape(k) + ", filters " + filters + ", " + ch + " input channels",
                        new long[] {k[0], k[1], filters, ch}, null);
                bias(l, filters, "filters " + filters);
                return image(l, ax, filters, hw);
            }
            case "DepthwiseConv2D": {
                long[] x = one(l, ins);
                int[] ax = axes(l, x);
                long ch = x[ax[0]];
                long dm = integer(l, 1, MAX_DIM, 1, "depth_multiplier");
                long[] k = kernel(l);
                long[] s = strides(l);
                long[] d = dilations(l);
                long[] hw = windows(l, "kernel_size", x, ax, k, s, d, same(l));
                long out = ch < 0 ? -1 : multiply(ch, dm, "layer '" + l.name() + "': channels x depth_multiplier");
                weight(l, "depthwise_kernel", true, "kernel_size " + shape(k) + ", " + ch + " input channels, depth_multiplier " + dm,
                        new long[] {k[0], k[1], ch, dm}, null);
                bias(l, out, ch + " channels x depth_multiplier " + dm);
                return image(l, ax, out, hw);
            }
            case "SeparableConv2D":
            case "SeparableConvolution2D": {
                long[] x = one(l, ins);
                int[] ax = axes(l, x);
                long ch = x[ax[0]];
                long filters = integer(l, 1, MAX_DIM, -1, "filters", "nb_filter");
                long dm = integer(l, 1, MAX_DIM, 1, "depth_multiplier");
                long[] k = kernel(l);
                long[] s = strides(l);
                long[] d = dilations(l);
                long[] hw = windows(l, "kernel_size", x, ax, k, s, d, same(l));
                long mid = ch < 0 ? -1 : multiply(ch, dm, "layer '" + l.name() + "': channels x depth_multiplier");
                weight(l, "depthwise_kernel", true, "kernel_size " + shape(k) + ", " + ch + " input channels, depth_multiplier " + dm,
                        new long[] {k[0], k[1], ch, dm}, null);
                weight(l, "pointwise_kernel", true, mid + " depthwise channels, filters " + filters, new long[] {1, 1, mid, filters}, null);
                bias(l, filters, "filters " + filters);
                return image(l, ax, filters, hw);
            }
            case "MaxPooling2D":
            case "AveragePooling2D":
            case "MaxPool2D":
            case "AvgPool2D": {
                long[] x = one(l, ins);
                int[] ax = axes(l, x);
                long[] k = pair(l, 1, MAX_WINDOW, 2, "pool_size");
                JsonNode st = c.path("strides");
                long[] s = st.isMissingNode() || st.isNull() ? k : pair(l, 1, MAX_WINDOW, 1, "strides");
                long[] hw = windows(l, "pool_size", x, ax, k, s, new long[] {1, 1}, same(l));
                return image(l, ax, x[ax[0]], hw);
            }
            case "GlobalAveragePooling2D":
            case "GlobalMaxPooling2D":
            case "GlobalAvgPool2D":
            case "GlobalMaxPool2D": {
                long[] x = one(l, ins);
                int[] ax = axes(l, x);
                return c.path("keepdims").asBoolean(false) ? image(l, ax, x[ax[0]], new long[] {1, 1}) : new long[] {x[ax[0]]};
            }
            case "Dense": {
                long[] x = one(l, ins);
                long units = integer(l, 1, MAX_DIM, -1, "units", "output_dim");
                long in = x[x.length - 1];
                weight(l, "kernel", true, in + " input features, units " + units, new long[] {in, units}, null);
                bias(l, units, "units " + units);
                long[] out = x.clone();
                out[out.length - 1] = units;
                return out;
            }
            case "Flatten": {
                long[] x = one(l, ins);
                long n = 1;
                for (long d : x) {
                    if (d < 0) {
                        return new long[] {-1};
                    }
                    n = multiply(n, d, "layer '" + l.name() + "': the flattened size of " + shape(x));
                }
                return new long[] {n};
            }
            case "PReLU": {
                long[] x = one(l, ins);
                long[] alpha = x.clone();
                JsonNode shared = c.path("shared_axes");
                for (JsonNode a : shared.isArray() ? shared : List.of(shared)) {
                    if (a.isNull() || a.isMissingNode()) {
                        continue;
                    }
                    if (!a.isIntegralNumber() || a.asLong() < 1 || a.asLong() > x.length) {
                        throw fail(l, "shared_axes " + brief(shared) + ": axes must be from 1 to " + x.length);
                    }
                    alpha[(int) a.asLong() - 1] = 1;
                }
                weight(l, "alpha", true, "input " + shape(x) + ", shared_axes " + brief(shared), alpha, null);
                return x;
            }
            case "BatchNormalization": {
                long[] x = one(l, ins);
                JsonNode axisNode = c.path("axis");
                JsonNode a = axisNode.isArray() && axisNode.size() == 1 ? axisNode.get(0) : axisNode;
                long axis = a.isMissingNode() || a.isNull() ? -1 : a.isIntegralNumber() ? a.asLong() : Long.MIN_VALUE;
                long idx = axis < 0 ? x.length + axis : axis - 1;
                if (idx < 0 || idx >= x.length) {
                    throw fail(l, "axis " + brief(axisNode) + " does not fit its input of shape " + shape(x) + " (a single axis from 1 to "
                            + x.length + ", or negative from the end)");
                }
                double eps = c.path("epsilon").asDouble(1e-3);
                if (!(eps >= 0) || Double.isInfinite(eps)) {
                    throw fail(l, "epsilon " + brief(c.path("epsilon")) + " is not a finite number of at least 0");
                }
                long ch = x[(int) idx];
                String why = ch + " channels on axis " + axis;
                weight(l, "gamma", c.path("scale").asBoolean(true), why, new long[] {ch}, null);
                weight(l, "beta", c.path("center").asBoolean(true), why, new long[] {ch}, null);
                weight(l, "moving_mean", true, why, new long[] {ch}, null);
                weight(l, "moving_variance", true, why, new long[] {ch}, null);
                return x;
            }
            case "ZeroPadding2D":
            case "Cropping2D": {
                long[] x = one(l, ins);
                int[] ax = axes(l, x);
                boolean pad = l.cls().startsWith("Zero");
                String attr = pad ? "padding" : "cropping";
                long[] p = margins(l, attr); // top, bottom, left, right
                long[] hw = new long[2];
                for (int i = 0; i < 2; i++) {
                    long in = x[ax[1 + i]];
                    long m = p[2 * i] + p[2 * i + 1];
                    hw[i] = in < 0 ? -1 : pad ? in + m : in - m;
                    if (!pad && in >= 0 && hw[i] < 1) {
                        if (boundsOnly) {
                            hw[i] = 1;
                        } else {
                            throw fail(l, "cropping " + brief(c.path(attr)) + " leaves nothing of its input "
                                    + x[ax[1]] + "x" + x[ax[2]]);
                        }
                    }
                }
                return image(l, ax, x[ax[0]], hw);
            }
            case "UpSampling2D": {
                long[] x = one(l, ins);
                int[] ax = axes(l, x);
                long[] s = pair(l, 1, MAX_UPSAMPLING, 2, "size");
                long[] hw = new long[2];
                for (int i = 0; i < 2; i++) {
                    long in = x[ax[1 + i]];
                    hw[i] = in < 0 ? -1 : multiply(in, s[i], "layer '" + l.name() + "': the upsampled size");
                }
                return image(l, ax, x[ax[0]], hw);
            }
            case "Reshape":
                return reshape(l, one(l, ins));
            case "Add":
            case "Subtract":
            case "Multiply":
            case "Average":
            case "Maximum":
            case "Minimum":
                return elementwise(l, ins);
            case "Concatenate":
                return concatenate(l, ins);
            default: // activations, dropout and noise keep the shape
                return one(l, ins);
        }
    }

    private long[] reshape(Layer l, long[] x) throws ModelImportException {
        JsonNode t = l.config().path("target_shape");
        if (!t.isArray() || t.size() < 1 || t.size() > 4) {
            throw fail(l, "target_shape " + brief(t) + " is not a list of 1 to 4 sizes");
        }
        long[] out = new long[t.size()];
        int free = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            JsonNode d = t.get(i);
            long v = d.isIntegralNumber() ? d.asLong() : 0;
            if (v == -1 && free < 0) {
                free = i;
            } else if (v < 1 || v > MAX_DIM) {
                throw fail(l, "target_shape " + brief(t) + ": sizes must be whole numbers from 1 to " + MAX_DIM
                        + ", with at most one -1");
            } else {
                known = multiply(known, v, "layer '" + l.name() + "': target_shape " + brief(t));
            }
            out[i] = v;
        }
        long n = 1;
        for (long d : x) {
            n = d < 0 || n < 0 ? -1 : multiply(n, d, "layer '" + l.name() + "': its input " + shape(x));
        }
        if (n < 0) {
            return out;
        }
        if (free >= 0 ? n % known != 0 : n != known) {
            if (boundsOnly) {
                return new long[] {n};
            }
            throw fail(l, "target_shape " + brief(t) + " does not fit its input of shape " + shape(x) + " (" + n + " values)");
        }
        if (free >= 0) {
            out[free] = n / known;
        }
        return out;
    }

    private long[] elementwise(Layer l, List<long[]> ins) throws ModelImportException {
        if (ins.size() < 2 || l.cls().equals("Subtract") && ins.size() != 2) {
            throw fail(l, "has " + ins.size() + " inputs (" + (l.cls().equals("Subtract") ? "exactly 2" : "at least 2") + ")");
        }
        long[] out = ins.get(0).clone();
        for (long[] x : ins) {
            if (x.length != out.length) {
                throw fail(l, "has inputs of shapes " + shapes(ins) + " (they must have the same shape)");
            }
            for (int i = 0; i < x.length; i++) {
                if (x[i] >= 0 && out[i] >= 0 && x[i] != out[i]) {
                    if (boundsOnly) {
                        continue;
                    }
                    throw fail(l, "has inputs of shapes " + shapes(ins) + " (they must have the same shape)");
                }
                out[i] = Math.max(out[i], x[i]);
            }
        }
        return out;
    }

    private long[] concatenate(Layer l, List<long[]> ins) throws ModelImportException {
        if (ins.isEmpty()) {
            throw fail(l, "has no inputs");
        }
        int rank = ins.get(0).length;
        JsonNode a = l.config().path("axis");
        long axis = a.isMissingNode() || a.isNull() ? -1 : a.isIntegralNumber() ? a.asLong() : Long.MIN_VALUE;
        long idx = axis < 0 ? rank + axis : axis - 1;
        if (idx < 0 || idx >= rank) {
            throw fail(l, "axis " + brief(a) + " does not fit inputs of shapes " + shapes(ins));
        }
        long[] out = ins.get(0).clone();
        out[(int) idx] = 0;
        for (long[] x : ins) {
            if (x.length != rank) {
                throw fail(l, "has inputs of shapes " + shapes(ins) + " (they must have the same rank and sizes but for axis " + axis + ")");
            }
            for (int i = 0; i < rank; i++) {
                if (i == idx) {
                    out[i] = out[i] < 0 || x[i] < 0 ? -1 : out[i] + x[i];
                } else if (x[i] >= 0 && out[i] >= 0 && x[i] != out[i] && !boundsOnly) {
                    throw fail(l, "has inputs of shapes " + shapes(ins) + " (they must have the same rank and sizes but for axis " + axis + ")");
                } else {
                    out[i] = Math.max(out[i], x[i]);
                }
            }
        }
        return out;
    }

    /** Output height and width of a sliding window (convolution or pooling); checks it fits the input. */
    private long[] windows(Layer l, String attr, long[] x, int[] ax, long[] k, long[] s, long[] d, boolean same)
            throws ModelImportException {
        long[] out = new long[2];
        for (int i = 0; i < 2; i++) {
            long in = x[ax[1 + i]];
            long keff = (k[i] - 1) * d[i] + 1;
            if (in < 0) {
                out[i] = -1;
            } else if (same ? keff > 2 * in + 1 : keff > in) {
                if (!boundsOnly) {
                    String dil = d[0] == 1 && d[1] == 1 ? "" : " (dilation_rate " + shape(d) + ": " + ((k[0] - 1) * d[0] + 1) + "x"
                            + ((k[1] - 1) * d[1] + 1) + ")";
                    throw fail(l, attr + " " + shape(k) + dil + " is larger than its input " + x[ax[1]] + "x" + x[ax[2]]
                            + (same ? " padded on both sides (padding 'same' allows at most twice the input plus one)"
                            : " (padding 'valid')"));
                }
                out[i] = 1;
            } else {
                out[i] = same ? (in + s[i] - 1) / s[i] : (in - keff) / s[i] + 1;
            }
        }
        return out;
    }

    private long[] image(Layer l, int[] ax, long channels, long[] hw) {
        long[] out = new long[3];
        out[ax[0]] = channels;
        out[ax[1]] = hw[0];
        out[ax[2]] = hw[1];
        return out;
    }

    /** {channel, height, width} axes of a per-sample image shape in the layer's data format. */
    private int[] axes(Layer l, long[] x) throws ModelImportException {
        if (x.length != 3) {
            throw fail(l, "takes an input of shape " + shape(x) + " (it needs an image)");
        }
        return format(l.config()) == Fmt.FIRST ? new int[] {0, 1, 2} : new int[] {2, 0, 1};
    }

    private long[] one(Layer l, List<long[]> ins) throws ModelImportException {
        if (ins.size() != 1) {
            throw fail(l, "has " + ins.size() + " inputs (it takes one)");
        }
        return ins.get(0);
    }

    /** Every size of a layer's output is positive (or unknown) and bounded; so is its element count. */
    private void bounds(Layer l, long[] out) throws ModelImportException {
        long n = 1;
        for (long d : out) {
            if (d == 0 || d < -1) {
                throw fail(l, "its output would have shape " + shape(out) + ": every size must be positive");
            }
            if (d > MAX_DIM) {
                throw fail(l, "its output would have shape " + shape(out) + ", larger than " + MAX_DIM + " in one dimension"
                        + (boundsOnly ? " for a " + PROBE_SIZE + "x" + PROBE_SIZE + " input" : ""));
            }
            n = d < 0 ? n : multiply(n, d, "layer '" + l.name() + "': the output " + shape(out));
        }
        if (n > MAX_ELEMENTS) {
            throw fail(l, "its output would have shape " + shape(out) + ": " + n + " values per image, more than " + MAX_ELEMENTS
                    + (boundsOnly ? " for a " + PROBE_SIZE + "x" + PROBE_SIZE + " input" : ""));
        }
    }

    // ------------------------------------------------------------------ attributes

    private boolean same(Layer l) throws ModelImportException {
        JsonNode p = l.config().has("padding") ? l.config().path("padding") : l.config().path("border_mode");
        String s = p.asText("valid");
        if (p.isMissingNode() || s.equals("valid")) {
            return false;
        }
        if (s.equals("same")) {
            return true;
        }
        throw fail(l, "padding " + brief(p) + " is neither valid nor same");
    }

    /** @return the layer's strides ({@code strides}, Keras 1 {@code subsample}), each 1..MAX_WINDOW, default 1 */
    private long[] strides(Layer l) throws ModelImportException {
        return pair(l, 1, MAX_WINDOW, 1, "strides", "subsample");
    }

    /** @return the layer's dilations ({@code dilation_rate}, Keras 1 {@code atrous_rate}), each 1..MAX_WINDOW, default 1 */
    private long[] dilations(Layer l) throws ModelImportException {
        return pair(l, 1, MAX_WINDOW, 1, "dilation_rate", "atrous_rate");
    }

    private long[] kernel(Layer l) throws ModelImportException {
        JsonNode c = l.config();
        if (!c.has("kernel_size") && c.has("nb_row")) {
            long r = integer(l, 1, MAX_WINDOW, -1, "nb_row");
            long col = integer(l, 1, MAX_WINDOW, -1, "nb_col");
            return new long[] {r, col};
        }
        return pair(l, 1, MAX_WINDOW, -1, "kernel_size");
    }

    /** An int or a list of one or two ints, each in [min, max]; {@code dflt} (< 0: required) when absent. */
    private long[] pair(Layer l, long min, long max, long dflt, String... names) throws ModelImportException {
        String attr = names[0];
        JsonNode n = l.config().path(attr);
        for (String alt : names) {
            if (l.config().has(alt)) {
                attr = alt;
                n = l.config().path(alt);
                break;
            }
        }
        if (n.isMissingNode() || n.isNull()) {
            if (dflt < 0) {
                throw fail(l, "has no " + names[0]);
            }
            return new long[] {dflt, dflt};
        }
        long[] v;
        if (n.isArray() && (n.size() == 1 || n.size() == 2)) {
            v = new long[] {whole(n.get(0)), whole(n.get(n.size() - 1))};
        } else if (!n.isArray()) {
            v = new long[] {whole(n), whole(n)};
        } else {
            throw fail(l, attr + " " + brief(n) + " is not one or two whole numbers");
        }
        for (long x : v) {
            if (x < min || x > max) {
                throw fail(l, attr + " " + brief(n) + ": values must be whole numbers from " + min + " to " + max);
            }
        }
        return v;
    }

    private long integer(Layer l, long min, long max, long dflt, String... names) throws ModelImportException {
        for (String name : names) {
            JsonNode n = l.config().path(name);
            if (n.isMissingNode() || n.isNull()) {
                continue;
            }
            long v = whole(n);
            if (v < min || v > max) {
                throw fail(l, name + " " + brief(n) + ": must be a whole number from " + min + " to " + max);
            }
            return v;
        }
        if (dflt < 0) {
            throw fail(l, "has no " + names[0]);
        }
        return dflt;
    }

    /** A JSON whole number, or Long.MIN_VALUE for anything else (rejected by every range check). */
    private static long whole(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToLong() ? n.asLong() : Long.MIN_VALUE;
    }

    /** ZeroPadding2D / Cropping2D margins: n, [h, w] or [[top, bottom], [left, right]] -> {top, bottom, left, right}. */
    private long[] margins(Layer l, String attr) throws ModelImportException {
        JsonNode p = l.config().path(attr);
        long[] v;
        if (p.isMissingNode() || p.isNull()) {
            v = attr.equals("padding") ? new long[] {1, 1, 1, 1} : new long[] {0, 0, 0, 0};
        } else if (!p.isArray()) {
            long a = whole(p);
            v = new long[] {a, a, a, a};
        } else if (p.size() == 2 && !p.get(0).isArray() && !p.get(1).isArray()) {
            v = new long[] {whole(p.get(0)), whole(p.get(0)), whole(p.get(1)), whole(p.get(1))};
        } else if (p.size() == 2 && p.get(0).isArray() && p.get(1).isArray() && p.get(0).size() == 2 && p.get(1).size() == 2) {
            v = new long[] {whole(p.get(0).get(0)), whole(p.get(0).get(1)), whole(p.get(1).get(0)), whole(p.get(1).get(1))};
        } else {
            throw fail(l, attr + " " + brief(p) + " is not n, [h, w] or [[top, bottom], [left, right]]");
        }
        for (long x : v) {
            if (x < 0 || x > MAX_WINDOW) {
                throw fail(l, attr + " " + brief(p) + ": values must be whole numbers from 0 to " + MAX_WINDOW);
            }
        }
        return v;
    }

    // ------------------------------------------------------------------ weights

    private void bias(Layer l, long n, String why) throws ModelImportException {
        JsonNode c = l.config();
        boolean use = c.has("use_bias") ? c.path("use_bias").asBoolean(true) : c.path("bias").asBoolean(true);
        weight(l, "bias", use, why, new long[] {n}, null);
    }

    /** The layer's weight {@code key} has shape {@code expected} (or {@code alternative}); -1 matches any size. */
    private void weight(Layer l, String key, boolean required, String why, long[] expected, long[] alternative)
            throws ModelImportException {
        if (boundsOnly) {
            return;
        }
        Map<String, Stored> w = weights.getOrDefault(l.name(), Map.of());
        Stored s = w.get(key);
        if (s == null) {
            if (required) {
                throw fail(l, "has no weight '" + key + "' in the file (found " + w.keySet() + ")");
            }
            return;
        }
        if (!matches(s.shape(), expected) && (alternative == null || !matches(s.shape(), alternative))) {
            throw fail(l, "weight '" + key + "' has shape " + shape(s.shape()) + " but its configuration needs "
                    + shape(expected) + " (" + why + ")");
        }
    }

    private static boolean matches(long[] found, long[] expected) {
        if (found.length != expected.length) {
            return false;
        }
        for (int i = 0; i < found.length; i++) {
            if (expected[i] >= 0 && found[i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** Reads every floating-point weight and records NaN, infinite values and negative batch-norm variances. */
    private void values(Hdf5Tree tree) throws ModelImportException {
        NonFiniteWeights bad = new NonFiniteWeights();
        for (Stored s : all) {
            if (!s.floating() || s.elements() == 0) {
                continue;
            }
            int skip = s.groups().isEmpty() || !s.groups().get(0).equals("model_weights") ? 0 : 1;
            String layer = s.groups().size() > skip ? s.groups().get(skip) : "(top level)";
            String key = key(layer, s.dataset());
            float[] v = tree.floats(s.groups(), s.dataset());
            bad.count(layer, key, v);
            Layer l = byName.get(layer);
            if (l != null && l.cls().equals("BatchNormalization") && key.equals("moving_variance")) {
                double eps = l.config().path("epsilon").asDouble(1e-3);
                long neg = 0;
                for (float x : v) {
                    if (x + eps <= 0) {
                        neg++;
                    }
                }
                if (neg > 0) {
                    bad.addProblem(layer, key, neg + " of " + v.length + " values are at most -epsilon (" + (-eps)
                            + "): a variance must not be negative");
                }
            }
        }
        bad.throwIfAny(file, "KerasImporter.load(file, KerasImporter.Options.defaults().withNonFiniteWeightsAllowed(true))");
    }

    // ------------------------------------------------------------------ messages

    private long multiply(long a, long b, String what) throws ModelImportException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new ModelImportException(file, what + " overflows a 64-bit count");
        }
    }

    private ModelImportException fail(Layer l, String what) {
        return fail(l.name(), l.cls(), what);
    }

    private ModelImportException fail(String name, String cls, String what) {
        return new ModelImportException(file, "layer '" + clip(name) + "' (" + clip(cls) + "): " + what);
    }

    private static String shape(long[] s) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(s[i] < 0 ? "?" : Long.toString(s[i]));
        }
        return sb.append(']').toString();
    }

    private static String shapes(List<long[]> ins) {
        List<String> out = new ArrayList<>();
        for (long[] x : ins) {
            out.add(shape(x));
        }
        return String.join(", ", out);
    }

    private static String brief(JsonNode n) {
        return n == null || n.isMissingNode() ? "(none)" : clip(n.toString());
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
