package dev.cnnviz.dl4j.dl4j;

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
import dev.cnnviz.core.graph.ops.ConvTranspose;
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
import dev.cnnviz.core.graph.ops.Reshape;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.Subsampling1DLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.preprocessors.TensorFlowCnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Translates a DL4J network ({@link MultiLayerNetwork} or {@link ComputationGraph}, including those DL4J builds
 * when it imports Keras models) into a cnnviz {@link Graph} that computes in NCHW.
 *
 * <h2>Naming</h2>
 * Every DL4J layer or vertex becomes a node of the same name whose value is the layer's output <em>after</em>
 * its activation. A layer with a non-identity activation also gets a node {@code <name>_preact} (the value
 * before the activation). Parameters are constants named {@code <name>/W}, {@code <name>/b},
 * {@code <name>/gamma} …; helper nodes (flattening, relayout, depthwise half of a separable convolution) get
 * suffixes such as {@code <name>_flatten}.
 *
 * <h2>Layouts</h2>
 * DL4J layers may hold their activations as NHWC ({@code CNN2DFormat.NHWC}, which DL4J uses for
 * {@code channels_last} Keras models). The translator tracks, for every value, the layout in which DL4J holds
 * it, while the cnnviz graph keeps every image tensor in NCHW. Where the layout matters it reproduces DL4J's
 * semantics: flattening before a dense layer follows DL4J's (and Keras') element order (a {@code Transpose}
 * to NHWC is inserted first for NHWC activations), softmax activations act on DL4J's last axis, merge axes and
 * PReLU slopes are mapped to NCHW, and a layer whose declared format differs from the layout of its input sees
 * the array the way DL4J would.
 *
 * <h2>Supported</h2>
 * See {@link #SUPPORTED}; anything else raises a {@link ModelImportException} naming the layer, its class and
 * the supported set.
 */
public final class Dl4jTranslator {

    /** The DL4J layers, vertices, preprocessors and activations the translator understands. */
    public static final String SUPPORTED = "layers: ConvolutionLayer/Convolution2D, DepthwiseConvolution2D, "
            + "SeparableConvolution2D, Deconvolution2D, SubsamplingLayer (MAX, AVG), GlobalPoolingLayer (AVG, MAX), BatchNormalization, "
            + "DenseLayer, OutputLayer (and other BaseOutputLayer), LossLayer, CnnLossLayer, ActivationLayer, DropoutLayer, "
            + "ZeroPaddingLayer, Upsampling2D, PReLULayer, FrozenLayer; vertices: MergeVertex, "
            + "ElementWiseVertex (Add, Subtract, Product, Average), ScaleVertex, ShiftVertex, PreprocessorVertex, FrozenVertex; "
            + "preprocessors: CnnToFeedForwardPreProcessor (incl. Keras' TensorFlowCnnToFeedForwardPreProcessor), "
            + "FeedForwardToCnnPreProcessor; activations: identity, relu (optionally capped), relu6, leakyrelu, elu, "
            + "sigmoid, tanh, hardsigmoid, hardtanh, softmax";

    /** How DL4J holds a value. */
    enum Fmt {
        /** An image batch held by DL4J as NCHW. */
        NCHW,
        /** An image batch held by DL4J as NHWC. */
        NHWC,
        /** A [N, features] matrix. */
        FF
    }

    /** A translated value: its node and how DL4J holds it. */
    record Value(String node, Fmt fmt) {
        boolean image() {
            return fmt != Fmt.FF;
        }
    }

    private final Graph.Builder b = Graph.builder();
    private final Path source;

    private Dl4jTranslator(Path source) {
        this.source = source == null ? Path.of("<DL4J network>") : source;
    }

    // ------------------------------------------------------------------ public entry points

    /**
     * Translates a multi-layer network.
     *
     * @param net       the network (initialised, with parameters)
     * @param inputType its input: {@code InputType.convolutional(h, w, c[, format])} (a height or width of 0
     *                  means "any size"), {@code convolutionalFlat(h, w, c)} (the graph then takes the image
     *                  [N, c, h, w]), or {@code feedForward(n)}
     * @param source    the file the network came from, for error messages (may be null)
     * @return the graph; its input is named {@code "input"}, its output is the last layer
     * @throws ModelImportException naming the first layer that cannot be translated
     */
    public static Graph translate(MultiLayerNetwork net, InputType inputType, Path source) throws ModelImportException {
        Dl4jTranslator t = new Dl4jTranslator(source);
        try {
            return t.translateMln(net, inputType);
        } catch (RuntimeException e) {
            throw new ModelImportException(t.source, "could not translate the DL4J network: " + e.getMessage(), e);
        }
    }

    /** {@link #translate(MultiLayerNetwork, InputType, Path)} without a file name. */
    public static Graph translate(MultiLayerNetwork net, InputType inputType) throws ModelImportException {
        return translate(net, inputType, null);
    }

    /**
     * Translates a computation graph.
     *
     * @param net        the network (initialised, with parameters)
     * @param inputTypes one input type per network input, in {@code getNetworkInputs()} order (see
     *                   {@link #translate(MultiLayerNetwork, InputType, Path)})
     * @param source     the file the network came from, for error messages (may be null)
     * @return the graph; inputs keep DL4J's names, the output is the first network output
     * @throws ModelImportException naming the first vertex that cannot be translated
     */
    public static Graph translate(ComputationGraph net, InputType[] inputTypes, Path source) throws ModelImportException {
        Dl4jTranslator t = new Dl4jTranslator(source);
        try {
            return t.translateCg(net, inputTypes);
        } catch (RuntimeException e) {
            throw new ModelImportException(t.source, "could not translate the DL4J network: " + e.getMessage(), e);
        }
    }

    /** {@link #translate(ComputationGraph, InputType[], Path)} without a file name. */
    public static Graph translate(ComputationGraph net, InputType... inputTypes) throws ModelImportException {
        return translate(net, inputTypes, null);
    }

    /** @return the DL4J layout of a convolutional input type ({@link CNN2DFormat#NCHW} for other types). */
    static CNN2DFormat formatOf(InputType t) {
        return t instanceof InputType.InputTypeConvolutional c && c.getFormat() != null ? c.getFormat() : CNN2DFormat.NCHW;
    }

    // ------------------------------------------------------------------ networks

    private Graph translateMln(MultiLayerNetwork net, InputType inputType) throws ModelImportException {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        Value cur = addInput("input", inputType);
        int n = conf.getConfs().size();
        for (int i = 0; i < n; i++) {
            Layer layer = conf.getConf(i).getLayer();
            String name = layer.getLayerName() != null && !layer.getLayerName().isBlank() ? layer.getLayerName() : "layer" + i;
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre != null) {
                cur = preprocess(name, pre, cur, false);
            }
            cur = layer(name, layer, net.getLayer(i), cur);
        }
        b.output(cur.node());
        return b.build();
    }

    private Graph translateCg(ComputationGraph net, InputType[] inputTypes) throws ModelImportException {
        ComputationGraphConfiguration conf = net.getConfiguration();
        List<String> inputs = conf.getNetworkInputs();
        if (inputTypes == null || inputTypes.length != inputs.size()) {
            throw new IllegalArgumentException("the network has " + inputs.size() + " input(s) " + inputs + " but "
                    + (inputTypes == null ? 0 : inputTypes.length) + " input type(s) were given");
        }
        Map<String, Value> values = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            values.put(inputs.get(i), addInput(inputs.get(i), inputTypes[i]));
        }
        for (String name : topologicalOrder(conf)) {
            if (values.containsKey(name)) {
                continue;
            }
            GraphVertex v = conf.getVertices().get(name);
            List<Value> ins = new ArrayList<>();
            for (String in : conf.getVertexInputs().getOrDefault(name, List.of())) {
                Value val = values.get(in);
                if (val == null) {
                    throw new ModelImportException(source, "vertex '" + name + "' reads '" + in + "', which was not translated");
                }
                ins.add(val);
            }
            values.put(name, vertex(net, name, v, ins));
        }
        List<String> outs = conf.getNetworkOutputs();
        if (outs.isEmpty()) {
            throw new ModelImportException(source, "the computation graph has no output");
        }
        b.output(values.get(outs.get(0)).node());
        return b.build();
    }

    /** Kahn's algorithm over the configuration, keeping the configuration's order among ready vertices. */
    private List<String> topologicalOrder(ComputationGraphConfiguration conf) throws ModelImportException {
        Map<String, List<String>> deps = new LinkedHashMap<>();
        for (String in : conf.getNetworkInputs()) {
            deps.put(in, List.of());
        }
        for (String v : conf.getVertices().keySet()) {
            deps.put(v, conf.getVertexInputs().getOrDefault(v, List.of()));
        }
        List<String> order = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        boolean progress = true;
        while (done.size() < deps.size() && progress) {
            progress = false;
            for (Map.Entry<String, List<String>> e : deps.entrySet()) {
                if (!done.contains(e.getKey()) && done.containsAll(e.getValue())) {
                    done.add(e.getKey());
                    order.add(e.getKey());
                    progress = true;
                }
            }
        }
        if (done.size() < deps.size()) {
            Set<String> left = new LinkedHashSet<>(deps.keySet());
            left.removeAll(done);
            throw new ModelImportException(source, "the computation graph has a cycle or reads unknown vertices: " + left);
        }
        return order;
    }

    private Value addInput(String name, InputType type) throws ModelImportException {
        if (type instanceof InputType.InputTypeConvolutional c) {
            b.input(name, c.getChannels(), dim(c.getHeight()), dim(c.getWidth()));
            return new Value(name, c.getFormat() == CNN2DFormat.NHWC ? Fmt.NHWC : Fmt.NCHW);
        }
        if (type instanceof InputType.InputTypeConvolutionalFlat f) {
            b.input(name, f.getDepth(), dim(f.getHeight()), dim(f.getWidth()));
            return new Value(name, Fmt.NCHW);
        }
        if (type instanceof InputType.InputTypeFeedForward f) {
            b.input(name, f.getSize());
            return new Value(name, Fmt.FF);
        }
        throw new ModelImportException(source, "input '" + name + "' has type " + type
                + "; cnnviz translates convolutional (image) and feed-forward inputs only");
    }

    private static long dim(long d) {
        return d <= 0 ? -1 : d;
    }

    // ------------------------------------------------------------------ vertices

    private Value vertex(ComputationGraph net, String name, GraphVertex v, List<Value> ins) throws ModelImportException {
        if (v instanceof FrozenVertex fv) {
            v = fv.getUnderlying();
        }
        if (v instanceof LayerVertex lv) {
            requireInputs(name, v, ins, 1, 1);
            Value in = ins.get(0);
            if (lv.getPreProcessor() != null) {
                in = preprocess(name, lv.getPreProcessor(), in, false);
            }
            return layer(name, lv.getLayerConf().getLayer(), net.getLayer(name), in);
        }
        if (v instanceof PreprocessorVertex pv) {
            requireInputs(name, v, ins, 1, 1);
            return preprocess(name, pv.getPreProcessor(), ins.get(0), true);
        }
        if (v instanceof MergeVertex mv) {
            requireInputs(name, v, ins, 1, Integer.MAX_VALUE);
            if (ins.size() == 1) {
                return new Value(add(name, new Identity(), ins.get(0).node()), ins.get(0).fmt());
            }
            Fmt fmt = ins.get(0).fmt();
            String[] nodes = sameLayout(name, ins, fmt);
            int rank = fmt == Fmt.FF ? 2 : 4;
            int axis = mv.getMergeAxis();
            if (axis < 0) {
                axis += rank;
            }
            if (axis <= 0 || axis >= rank) {
                throw unsupported(name, v, "merge axis " + mv.getMergeAxis() + " for rank-" + rank + " inputs");
            }
            return new Value(add(name, new Concat(ourAxis(fmt, axis)), nodes), fmt);
        }
        if (v instanceof ElementWiseVertex ev) {
            requireInputs(name, v, ins, 1, Integer.MAX_VALUE);
            Fmt fmt = ins.get(0).fmt();
            String[] nodes = sameLayout(name, ins, fmt);
            switch (ev.getOp()) {
                case Add:
                    return new Value(nodes.length == 1 ? add(name, new Identity(), nodes)
                            : add(name, nodes.length == 2 ? new Add() : new Sum(), nodes), fmt);
                case Subtract:
                    requireInputs(name, v, ins, 2, 2);
                    return new Value(add(name, new Sub(), nodes), fmt);
                case Product: {
                    String cur = nodes[0];
                    for (int i = 1; i < nodes.length; i++) {
                        cur = add(i == nodes.length - 1 ? name : name + "_product" + i, new Mul(), cur, nodes[i]);
                    }
                    return new Value(nodes.length == 1 ? add(name, new Identity(), cur) : cur, fmt);
                }
                case Average: {
                    String sum = nodes.length == 1 ? nodes[0] : add(name + "_sum", nodes.length == 2 ? new Add() : new Sum(), nodes);
                    return new Value(add(name, new Scale(1.0 / nodes.length, 0.0), sum), fmt);
                }
                default:
                    throw unsupported(name, v, "element-wise operation " + ev.getOp());
            }
        }
        if (v instanceof ScaleVertex sv) {
            requireInputs(name, v, ins, 1, 1);
            return new Value(add(name, new Scale(sv.getScaleFactor(), 0.0), ins.get(0).node()), ins.get(0).fmt());
        }
        if (v instanceof ShiftVertex sv) {
            requireInputs(name, v, ins, 1, 1);
            return new Value(add(name, new Scale(1.0, sv.getShiftFactor()), ins.get(0).node()), ins.get(0).fmt());
        }
        throw unsupported(name, v, null);
    }

    /** Brings all inputs to the layout of the first (DL4J would combine the arrays as they are). */
    private String[] sameLayout(String name, List<Value> ins, Fmt fmt) throws ModelImportException {
        String[] nodes = new String[ins.size()];
        for (int i = 0; i < nodes.length; i++) {
            Value in = ins.get(i);
            if (in.image() != (fmt != Fmt.FF)) {
                throw new ModelImportException(source, "vertex '" + name + "' combines image and feed-forward values");
            }
            nodes[i] = relayout(name + "_in" + i, in, fmt).node();
        }
        return nodes;
    }

    private void requireInputs(String name, GraphVertex v, List<Value> ins, int min, int max) throws ModelImportException {
        if (ins.size() < min || ins.size() > max) {
            throw new ModelImportException(source, "vertex '" + name + "' (" + v.getClass().getSimpleName() + ") has "
                    + ins.size() + " inputs; expected " + (min == max ? String.valueOf(min) : "at least " + min));
        }
    }

    // ------------------------------------------------------------------ preprocessors

    private Value preprocess(String name, InputPreProcessor pre, Value in, boolean isVertex) throws ModelImportException {
        String base = isVertex ? name : name + "_" + shortName(pre);
        if (pre instanceof CnnToFeedForwardPreProcessor c) {
            if (!in.image()) {
                return isVertex ? new Value(add(name, new Identity(), in.node()), Fmt.FF) : in;
            }
            // Our tensor t is NCHW; DL4J's array is d = t.permute(P). The TF preprocessor flattens d.permute(0,2,3,1),
            // the standard one flattens d as it is (c order, for both layouts).
            int[] p = arrayPerm(in.fmt());
            int[] perm = pre instanceof TensorFlowCnnToFeedForwardPreProcessor ? compose(p, new int[] {0, 2, 3, 1}) : p;
            String cur = in.node();
            if (!isIdentity(perm)) {
                cur = add(fresh(base + "_transpose"), new Transpose(perm), cur);
            }
            return new Value(add(isVertex ? name : fresh(base + "_flatten"), new Flatten(1), cur), Fmt.FF);
        }
        if (pre instanceof FeedForwardToCnnPreProcessor f) {
            if (in.image()) {
                return isVertex ? new Value(add(name, new Identity(), in.node()), in.fmt()) : in;
            }
            long[] shape = {-1, f.getNumChannels(), f.getInputHeight(), f.getInputWidth()};
            return new Value(add(isVertex ? name : fresh(base), new Reshape(shape), in.node()), Fmt.NCHW);
        }
        throw new ModelImportException(source, (isVertex ? "vertex '" : "the input preprocessor of layer '") + name + "' is a "
                + pre.getClass().getSimpleName() + " (" + pre.getClass().getName() + "), which cnnviz cannot translate; supported "
                + SUPPORTED);
    }

    private static String shortName(InputPreProcessor pre) {
        return pre instanceof FeedForwardToCnnPreProcessor ? "reshape" : "preprocess";
    }

    // ------------------------------------------------------------------ layers

    private Value layer(String name, Layer conf, org.deeplearning4j.nn.api.Layer impl, Value in) throws ModelImportException {
        if (conf instanceof FrozenLayer fl) {
            conf = fl.getLayer();
        } else if (conf instanceof FrozenLayerWithBackprop fl) {
            conf = fl.getUnderlying();
        }
        if (conf instanceof SeparableConvolution2D c) {
            return separable(name, c, impl, in);
        }
        if (conf instanceof DepthwiseConvolution2D c) {
            return depthwise(name, c, impl, in);
        }
        if (conf instanceof Deconvolution2D d) {
            return deconv(name, d, impl, in);
        }
        if (conf instanceof Convolution1DLayer || conf instanceof Convolution3D) {
            throw unsupported(name, conf, null);
        }
        if (conf instanceof ConvolutionLayer c) {
            return conv(name, c, impl, in);
        }
        if (conf instanceof Subsampling1DLayer) {
            throw unsupported(name, conf, null);
        }
        if (conf instanceof SubsamplingLayer s) {
            return pool(name, s, in);
        }
        if (conf instanceof GlobalPoolingLayer g) {
            return globalPool(name, g, in);
        }
        if (conf instanceof BatchNormalization bn) {
            return batchNorm(name, bn, impl, in);
        }
        if (conf instanceof ZeroPaddingLayer z) {
            requireImage(name, conf, in);
            Value x = relayout(name, in, fmt(z.getDataFormat()));
            int[] p = z.getPadding(); // top, bottom, left, right
            Pad op = new Pad(new int[] {0, 0, p[0], p[2], 0, 0, p[1], p[3]}, PadMode.CONSTANT, 0.0);
            return new Value(add(name, op, x.node()), x.fmt());
        }
        if (conf instanceof Upsampling2D u) {
            requireImage(name, conf, in);
            int[] s = u.getSize();
            if (s == null || s.length < 1 || s[0] < 1 || s[s.length - 1] < 1) {
                throw unsupported(name, conf, "upsampling factors " + Arrays.toString(s));
            }
            Value x = relayout(name, in, fmt(u.getFormat()));
            int sH = s[0];
            int sW = s[s.length - 1];
            Op op = sH == sW ? Resize.upsampleNearest(sH)
                    : new Resize(Interpolation.NEAREST, sH, sW, 0, 0, CoordinateTransform.ASYMMETRIC, NearestMode.FLOOR);
            return new Value(add(name, op, x.node()), x.fmt());
        }
        if (conf instanceof PReLULayer) {
            return prelu(name, conf, impl, in);
        }
        if (conf instanceof ActivationLayer a) {
            IActivation act = a.getActivationFn();
            Op op = activationOp(name, conf, act, in, false);
            return new Value(add(name, op == null ? new Identity() : op, in.node()), in.fmt());
        }
        if (conf instanceof DropoutLayer d) {
            return new Value(add(name, new Dropout(dropRatio(d)), in.node()), in.fmt());
        }
        if (conf instanceof RnnOutputLayer) {
            throw unsupported(name, conf, null);
        }
        if (conf instanceof CnnLossLayer l) {
            requireImage(name, conf, in);
            Value x = relayout(name, in, fmt(l.getFormat()));
            Op op = activationOp(name, conf, l.getActivationFn(), x, true);
            return new Value(add(name, op == null ? new Identity() : op, x.node()), x.fmt());
        }
        if (conf instanceof LossLayer l) {
            Op op = activationOp(name, conf, l.getActivationFn(), in, false);
            return new Value(add(name, op == null ? new Identity() : op, in.node()), in.fmt());
        }
        if (conf instanceof BaseOutputLayer o) {
            return dense(name, conf, o.getActivationFn(), impl, in);
        }
        if (conf instanceof DenseLayer d) {
            if (d.isHasLayerNorm()) {
                throw unsupported(name, conf, "layer normalisation");
            }
            return dense(name, conf, d.getActivationFn(), impl, in);
        }
        throw unsupported(name, conf, null);
    }

    private Value conv(String name, ConvolutionLayer c, org.deeplearning4j.nn.api.Layer impl, Value in) throws ModelImportException {
        requireImage(name, c, in);
        Value x = relayout(name, in, fmt(c.getCnn2dDataFormat()));
        INDArray w = param(name, impl, "W");
        if (w.rank() != 4) {
            throw new ModelImportException(source, "layer '" + name + "' (ConvolutionLayer) has weights of shape "
                    + Arrays.toString(w.shape()) + "; expected [out, in, kH, kW]");
        }
        Conv op = convOp(name, c, 1);
        String wName = constant(name + "/W", w);
        String[] inputs = c.hasBias() ? new String[] {x.node(), wName, constant(name + "/b", vector(param(name, impl, "b")))}
                : new String[] {x.node(), wName};
        return activate(name, c, c.getActivationFn(), op, x.fmt(), inputs);
    }

    private Value deconv(String name, Deconvolution2D c, org.deeplearning4j.nn.api.Layer impl, Value in) throws ModelImportException {
        requireImage(name, c, in);
        Value x = relayout(name, in, fmt(c.getCnn2dDataFormat()));
        INDArray w = param(name, impl, "W"); // [in, out, kH, kW], the ONNX ConvTranspose layout
        if (w.rank() != 4) {
            throw new ModelImportException(source, "layer '" + name + "' (Deconvolution2D) has weights of shape "
                    + Arrays.toString(w.shape()) + "; expected [in, out, kH, kW]");
        }
        int[] s = c.getStride();
        int[] d = c.getDilation() == null ? new int[] {1, 1} : c.getDilation();
        int[] p = c.getPadding();
        ConvolutionMode mode = c.getConvolutionMode() == null ? ConvolutionMode.Truncate : c.getConvolutionMode();
        ConvTranspose op;
        switch (mode) {
            case Same:
                op = new ConvTranspose(s, new int[4], d, 1, new int[2], AutoPad.SAME_UPPER);
                break;
            case Truncate:
            case Strict:
                op = new ConvTranspose(s, new int[] {p[0], p[1], p[0], p[1]}, d, 1, new int[2], AutoPad.NOTSET);
                break;
            default:
                throw unsupported(name, c, "convolution mode " + mode);
        }
        String wName = constant(name + "/W", w);
        String[] inputs = c.hasBias() ? new String[] {x.node(), wName, constant(name + "/b", vector(param(name, impl, "b")))}
                : new String[] {x.node(), wName};
        return activate(name, c, c.getActivationFn(), op, x.fmt(), inputs);
    }

    private Value depthwise(String name, DepthwiseConvolution2D c, org.deeplearning4j.nn.api.Layer impl, Value in)
            throws ModelImportException {
        requireImage(name, c, in);
        Value x = relayout(name, in, fmt(c.getCnn2dDataFormat()));
        INDArray w = param(name, impl, "W"); // [kH, kW, C, m]
        if (w.rank() != 4) {
            throw new ModelImportException(source, "layer '" + name + "' (DepthwiseConvolution2D) has weights of shape "
                    + Arrays.toString(w.shape()) + "; expected [kH, kW, in, multiplier]");
        }
        long ch = w.size(2);
        long m = w.size(3);
        // output channel c*m + j = W[:, :, c, j]  ->  [C*m, 1, kH, kW]
        INDArray ours = w.permute(2, 3, 0, 1).dup('c').reshape('c', new long[] {ch * m, 1, w.size(0), w.size(1)});
        Conv op = convOp(name, c, (int) ch);
        String wName = constant(name + "/W", ours);
        String[] inputs = c.hasBias() ? new String[] {x.node(), wName, constant(name + "/b", vector(param(name, impl, "b")))}
                : new String[] {x.node(), wName};
        return activate(name, c, c.getActivationFn(), op, x.fmt(), inputs);
    }

    private Value separable(String name, SeparableConvolution2D c, org.deeplearning4j.nn.api.Layer impl, Value in)
            throws ModelImportException {
        requireImage(name, c, in);
        Value x = relayout(name, in, fmt(c.getCnn2dDataFormat()));
        INDArray dw = param(name, impl, "W"); // [m, C, kH, kW]
        INDArray pw = param(name, impl, "pW"); // [out, C*m, 1, 1]
        if (dw.rank() != 4 || pw.rank() != 4) {
            throw new ModelImportException(source, "layer '" + name + "' (SeparableConvolution2D) has weights of shapes "
                    + Arrays.toString(dw.shape()) + " and " + Arrays.toString(pw.shape()));
        }
        long m = dw.size(0);
        long ch = dw.size(1);
        INDArray depth = dw.permute(1, 0, 2, 3).dup('c').reshape('c', new long[] {ch * m, 1, dw.size(2), dw.size(3)});
        String dwNode = add(fresh(name + "_depthwise"), convOp(name, c, (int) ch), x.node(), constant(name + "/W", depth));
        Conv point = Conv.simple();
        String pwName = constant(name + "/pW", pw);
        String[] inputs = c.hasBias() ? new String[] {dwNode, pwName, constant(name + "/b", vector(param(name, impl, "b")))}
                : new String[] {dwNode, pwName};
        return activate(name, c, c.getActivationFn(), point, x.fmt(), inputs);
    }

    private Conv convOp(String name, ConvolutionLayer c, int group) throws ModelImportException {
        int[] s = c.getStride();
        int[] d = c.getDilation() == null ? new int[] {1, 1} : c.getDilation();
        int[] p = c.getPadding();
        ConvolutionMode mode = c.getConvolutionMode() == null ? ConvolutionMode.Truncate : c.getConvolutionMode();
        switch (mode) {
            case Same:
                return new Conv(s, new int[4], d, group, AutoPad.SAME_UPPER);
            case Truncate:
            case Strict:
                return new Conv(s, new int[] {p[0], p[1], p[0], p[1]}, d, group, AutoPad.NOTSET);
            default:
                throw unsupported(name, c, "convolution mode " + mode);
        }
    }

    private Value pool(String name, SubsamplingLayer s, Value in) throws ModelImportException {
        requireImage(name, s, in);
        Value x = relayout(name, in, fmt(s.getCnn2dDataFormat()));
        int[] k = s.getKernelSize();
        int[] st = s.getStride();
        int[] p = s.getPadding();
        int[] d = s.getDilation() == null ? new int[] {1, 1} : s.getDilation();
        ConvolutionMode mode = s.getConvolutionMode() == null ? ConvolutionMode.Truncate : s.getConvolutionMode();
        AutoPad ap;
        int[] pads;
        switch (mode) {
            case Same:
                ap = AutoPad.SAME_UPPER;
                pads = new int[4];
                break;
            case Truncate:
            case Strict:
                ap = AutoPad.NOTSET;
                pads = new int[] {p[0], p[1], p[0], p[1]};
                break;
            default:
                throw unsupported(name, s, "convolution mode " + mode);
        }
        Op op;
        if (s.getPoolingType() == PoolingType.MAX) {
            op = new MaxPool(k, st, pads, d, false, ap);
        } else if (s.getPoolingType() == PoolingType.AVG) {
            if (d[0] != 1 || d[1] != 1) {
                throw unsupported(name, s, "dilated average pooling");
            }
            op = new AveragePool(k, st, pads, false, s.isAvgPoolIncludePadInDivisor(), ap);
        } else {
            throw unsupported(name, s, "pooling type " + s.getPoolingType() + " (MAX and AVG are supported)");
        }
        return new Value(add(name, op, x.node()), x.fmt());
    }

    private Value globalPool(String name, GlobalPoolingLayer g, Value in) throws ModelImportException {
        requireImage(name, g, in);
        int[] dims = g.getPoolingDimensions();
        if (dims != null && dims.length > 0) {
            int[] spatial = in.fmt() == Fmt.NHWC ? new int[] {1, 2} : new int[] {2, 3};
            int[] sorted = dims.clone();
            Arrays.sort(sorted);
            if (!Arrays.equals(sorted, spatial)) {
                throw unsupported(name, g, "pooling dimensions " + Arrays.toString(dims) + " of a " + in.fmt()
                        + " activation (only the two spatial dimensions)");
            }
        }
        Op op;
        if (g.getPoolingType() == PoolingType.AVG) {
            op = new GlobalAveragePool();
        } else if (g.getPoolingType() == PoolingType.MAX) {
            op = new GlobalMaxPool();
        } else {
            throw unsupported(name, g, "pooling type " + g.getPoolingType() + " (AVG and MAX are supported)");
        }
        if (!g.isCollapseDimensions()) {
            return new Value(add(name, op, in.node()), in.fmt());
        }
        String pooled = add(fresh(name + "_pool"), op, in.node());
        return new Value(add(name, new Flatten(1), pooled), Fmt.FF);
    }

    private Value batchNorm(String name, BatchNormalization bn, org.deeplearning4j.nn.api.Layer impl, Value in)
            throws ModelImportException {
        Value x = in.image() ? relayout(name, in, fmt(bn.getCnn2DFormat())) : in;
        INDArray mean = vector(param(name, impl, "mean"));
        long c = mean.length();
        INDArray gamma;
        INDArray beta;
        if (bn.isLockGammaBeta()) {
            gamma = Nd4j.valueArrayOf(new long[] {c}, bn.getGamma(), mean.dataType());
            beta = Nd4j.valueArrayOf(new long[] {c}, bn.getBeta(), mean.dataType());
        } else {
            gamma = vector(param(name, impl, "gamma"));
            beta = vector(param(name, impl, "beta"));
        }
        INDArray var;
        double eps;
        if (bn.isUseLogStd()) {
            // DL4J keeps log10(std), std = sqrt(var + eps) of the training batches, and at inference divides by
            // sqrt(std^2 + eps): eps counted twice. Mirrored here (var' = std^2, eps' = eps) so that the graph
            // reproduces the network's own output; dividing by std alone differs by about eps / (2 std^2), 1.5e-4
            // relative on the default model's first layer (measured against a by-hand evaluation of both forms).
            INDArray std = Transforms.pow(Nd4j.valueArrayOf(new long[] {c}, 10.0, mean.dataType()),
                    vector(param(name, impl, "log10stdev")), false);
            var = std.muli(std);
            eps = bn.getEps();
        } else {
            var = vector(param(name, impl, "var"));
            eps = bn.getEps();
        }
        String[] inputs = {x.node(), constant(name + "/gamma", gamma), constant(name + "/beta", beta),
                constant(name + "/mean", mean), constant(name + "/var", var)};
        // DL4J's batch normalization layer applies no activation function (its activationFn is ignored).
        return new Value(add(name, new BatchNorm(eps), inputs), x.fmt());
    }

    private Value dense(String name, Layer conf, IActivation act, org.deeplearning4j.nn.api.Layer impl, Value in)
            throws ModelImportException {
        if (in.image()) {
            throw new ModelImportException(source, "layer '" + name + "' (" + conf.getClass().getSimpleName()
                    + ") receives an image activation without a CnnToFeedForwardPreProcessor; DL4J would not run it");
        }
        INDArray w = param(name, impl, "W");
        if (w.rank() != 2) {
            throw new ModelImportException(source, "layer '" + name + "' (" + conf.getClass().getSimpleName()
                    + ") has weights of shape " + Arrays.toString(w.shape()) + "; expected [nIn, nOut]");
        }
        String wName = constant(name + "/W", w);
        boolean hasBias = impl.paramTable().containsKey("b");
        String[] inputs = hasBias ? new String[] {in.node(), wName, constant(name + "/b", vector(param(name, impl, "b")))}
                : new String[] {in.node(), wName};
        return activate(name, conf, act, new Dense(), Fmt.FF, inputs);
    }

    private Value prelu(String name, Layer conf, org.deeplearning4j.nn.api.Layer impl, Value in) throws ModelImportException {
        INDArray alpha = param(name, impl, "W");
        INDArray slope;
        if (!in.image()) {
            slope = alpha.dup('c').reshape('c', new long[] {1, alpha.length()});
        } else if (alpha.rank() == 3) {
            // DL4J's slope has the activation's shape without the batch: [h, w, c] for NHWC, [c, h, w] for NCHW.
            INDArray chw = in.fmt() == Fmt.NHWC ? alpha.permute(2, 0, 1) : alpha;
            slope = chw.dup('c').reshape('c', new long[] {1, chw.size(0), chw.size(1), chw.size(2)});
        } else if (alpha.length() == 1) {
            slope = alpha.dup('c').reshape('c', new long[] {1, 1, 1, 1});
        } else {
            throw new ModelImportException(source, "layer '" + name + "' (PReLULayer) has a slope of shape "
                    + Arrays.toString(alpha.shape()) + " for a " + in.fmt() + " activation; expected rank 3");
        }
        return new Value(add(name, new PRelu(), in.node(), constant(name + "/alpha", slope)), in.fmt());
    }

    private static double dropRatio(DropoutLayer d) {
        if (d.getIDropout() instanceof org.deeplearning4j.nn.conf.dropout.Dropout dr) {
            double p = dr.getP();
            if (p > 0 && p <= 1) {
                return 1.0 - p;
            }
        }
        return 0.5;
    }

    // ------------------------------------------------------------------ activations

    /** Adds the layer's main operator and its activation; the node named {@code name} is the activated output. */
    private Value activate(String name, Layer conf, IActivation act, Op op, Fmt fmt, String... inputs)
            throws ModelImportException {
        Value probe = new Value(name, fmt);
        Op a = activationOp(name, conf, act, probe, false);
        if (a == null) {
            return new Value(add(name, op, inputs), fmt);
        }
        String pre = add(fresh(name + "_preact"), op, inputs);
        return new Value(add(name, a, pre), fmt);
    }

    /**
     * The operator for a DL4J activation, or null for the identity.
     *
     * @param overChannels softmax over the channels (CnnLossLayer) rather than DL4J's last axis
     */
    private Op activationOp(String name, Layer conf, IActivation act, Value in, boolean overChannels)
            throws ModelImportException {
        if (act == null || act instanceof ActivationIdentity) {
            return null;
        }
        if (act instanceof ActivationReLU r) {
            double max = r.getMax() == null ? Double.POSITIVE_INFINITY : r.getMax();
            double threshold = r.getThreshold() == null ? 0.0 : r.getThreshold();
            double slope = r.getNegativeSlope() == null ? 0.0 : r.getNegativeSlope();
            if (threshold != 0.0 || slope != 0.0) {
                throw unsupported(name, conf, "ReLU activation with threshold " + threshold + " and negative slope " + slope);
            }
            return Double.isInfinite(max) ? new Relu() : new Clip(0.0, max);
        }
        if (act instanceof ActivationReLU6) {
            return new Clip(0.0, 6.0);
        }
        if (act instanceof ActivationLReLU l) {
            return new LeakyRelu(l.getAlpha());
        }
        if (act instanceof ActivationELU e) {
            return new Elu(e.getAlpha());
        }
        if (act instanceof ActivationSigmoid) {
            return new Sigmoid();
        }
        if (act instanceof ActivationTanH) {
            return new Tanh();
        }
        if (act instanceof ActivationHardSigmoid) {
            return new HardSigmoid(0.2, 0.5);
        }
        if (act instanceof ActivationHardTanH) {
            return new Clip(-1.0, 1.0);
        }
        if (act instanceof ActivationSoftmax) {
            if (!in.image() || overChannels) {
                return new Softmax(1, false);
            }
            // DL4J's softmax acts on the last axis of its array: the channels for NHWC, the width for NCHW.
            return new Softmax(in.fmt() == Fmt.NHWC ? 1 : 3, false);
        }
        throw unsupported(name, conf, "activation " + act + " (" + act.getClass().getSimpleName() + ")");
    }

    // ------------------------------------------------------------------ layouts

    private static Fmt fmt(CNN2DFormat f) {
        return f == CNN2DFormat.NHWC ? Fmt.NHWC : Fmt.NCHW;
    }

    /** DL4J's array is {@code t.permute(arrayPerm(fmt))} of our NCHW tensor {@code t}. */
    private static int[] arrayPerm(Fmt f) {
        return f == Fmt.NHWC ? new int[] {0, 2, 3, 1} : new int[] {0, 1, 2, 3};
    }

    /** Permuting by {@code p} then by {@code q} is permuting by {@code r[i] = p[q[i]]}. */
    private static int[] compose(int[] p, int[] q) {
        int[] r = new int[q.length];
        for (int i = 0; i < q.length; i++) {
            r[i] = p[q[i]];
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

    /** Our NCHW axis of axis {@code a} of DL4J's array in layout {@code f}. */
    private static int ourAxis(Fmt f, int a) {
        return f == Fmt.FF ? a : arrayPerm(f)[a];
    }

    /**
     * Makes a layer that declares layout {@code want} see its input as DL4J would: DL4J passes the array as it
     * is, so if the input is held in the other layout its axes are reinterpreted, which in our NCHW terms is a
     * transpose. For matching layouts (the normal case) nothing is added.
     */
    private Value relayout(String name, Value in, Fmt want) {
        if (!in.image() || want == Fmt.FF || in.fmt() == want) {
            return in;
        }
        // d = t.permute(arrayPerm(have)); the layer reads d as layout `want`: t' = d.permute(inverse(arrayPerm(want)))
        int[] have = arrayPerm(in.fmt());
        int[] inv = inverse(arrayPerm(want));
        int[] perm = compose(have, inv);
        return new Value(add(fresh(name + "_relayout"), new Transpose(perm), in.node()), want);
    }

    private static int[] inverse(int[] p) {
        int[] r = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            r[p[i]] = i;
        }
        return r;
    }

    // ------------------------------------------------------------------ helpers

    private void requireImage(String name, Layer conf, Value in) throws ModelImportException {
        if (!in.image()) {
            throw new ModelImportException(source, "layer '" + name + "' (" + conf.getClass().getSimpleName()
                    + ") needs an image (convolutional) input but receives a feed-forward [N, features] value");
        }
    }

    private INDArray param(String name, org.deeplearning4j.nn.api.Layer impl, String key) throws ModelImportException {
        Map<String, INDArray> table = impl == null ? Map.of() : impl.paramTable();
        INDArray p = table.get(key);
        if (p == null) {
            throw new ModelImportException(source, "layer '" + name + "' has no parameter '" + key + "' (it has "
                    + table.keySet() + ")");
        }
        return p;
    }

    private static INDArray vector(INDArray a) {
        return a.dup('c').reshape('c', new long[] {a.length()});
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

    private ModelImportException unsupported(String name, Object conf, String detail) {
        String cls = conf.getClass().getName();
        String what = conf instanceof GraphVertex ? "vertex" : "layer";
        String hint = cls.contains(".modelimport.keras.") || cls.contains("TFOp") || cls.contains("SameDiff")
                ? " (a custom layer that DL4J's Keras importer creates for a Keras layer or TensorFlow op it cannot map natively)"
                : "";
        return new ModelImportException(source, what + " '" + name + "' is a " + conf.getClass().getSimpleName() + " (" + cls + ")"
                + hint + (detail == null ? "" : " with " + detail) + ", which cnnviz cannot translate; supported " + SUPPORTED);
    }
}
