package dev.cnnviz.core.style;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Concat;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.CoordinateTransform;
import dev.cnnviz.core.graph.ops.Input;
import dev.cnnviz.core.graph.ops.Interpolation;
import dev.cnnviz.core.graph.ops.NearestMode;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.PadMode;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Resize;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The AdaIN decoder: the mirror of an encoder (a loss network cut at a layer), built from the encoder's structure.
 *
 * <p><b>The mirror.</b> The encoder's <em>trunk</em> is the chain of nodes that every path from the input to the
 * layer passes through (in SqueezeNet: {@code conv1}, its ReLU, the pools, each fire module's squeeze and concat;
 * not the parallel expand convolutions). Of the trunk, the <em>points</em> are the input, every node that changes
 * the spatial size (a pool or a strided convolution), every merge (a node with two or more computed inputs: a fire
 * module's concat), every convolution that does not open parallel branches (a plain chain such as VGG's), and the
 * layer itself; a fire module's squeeze convolution, which opens the branches, is not one (a decoder bottleneck of
 * 16 channels would lose what the module carries). The decoder walks the points backwards: from point {@code p}
 * to the point {@code q} before it, it upsamples with nearest neighbours to {@code q}'s size when the sizes differ
 * (exactly the encoder's size there, so that odd sizes such as 111 → 55 come back), then, unless {@code p} is a
 * pool (size change, same channels), applies a 3×3 convolution with reflect padding from {@code p}'s channels to
 * {@code q}'s, followed by a ReLU except for the last one, which gives the image. For SqueezeNet up to
 * {@code concat_fire4} that is: conv 256→128 (fire4), upsample (pool3), conv 128→128 (fire3), conv 128→64
 * (fire2), upsample (pool1), upsample + conv 64→3 (conv1): four convolutions, 0.52 M parameters.
 *
 * <p>The decoder's output is in the encoder's input space (the preprocessed image), so it can be fed back to the
 * encoder for the losses; images come from it by inverting the preprocessing.
 */
final class AdaInDecoder {
    /** Prefix of every node this class adds to a graph. */
    static final String PREFIX = "adain.decoder/";
    /** The decoder graph's input (the AdaIN output t). */
    static final String INPUT = PREFIX + "t";
    /** The decoder graph's output (the image, in the encoder's input space). */
    static final String OUTPUT = PREFIX + "image";

    /** One mirror step: from point {@code from} back to point {@code to}. */
    record Step(String from, String to, boolean upsample, boolean conv, long inChannels, long outChannels) {
    }

    private final Graph encoder;
    private final String layer;
    private final List<Step> steps;
    private final Map<String, INDArray> params;

    private AdaInDecoder(Graph encoder, String layer, List<Step> steps, Map<String, INDArray> params) {
        this.encoder = encoder;
        this.layer = layer;
        this.steps = steps;
        this.params = params;
    }

    /** The mirror of {@code encoder} (a graph whose output is {@code layer}), He-initialised from {@code seed}. */
    static AdaInDecoder initial(Graph encoder, String layer, long seed) {
        List<Step> steps = mirror(encoder, layer);
        Map<String, INDArray> p = new LinkedHashMap<>();
        SplittableRandom rnd = new SplittableRandom(seed);
        int k = 0;
        for (Step s : steps) {
            if (s.conv) {
                long fanIn = s.inChannels * 9;
                double std = Math.sqrt(2.0 / fanIn);
                float[] w = new float[Math.toIntExact(s.outChannels * fanIn)];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) (rnd.nextGaussian() * std);
                }
                p.put(weightName(k), Nd4j.create(w, new long[] {s.outChannels, s.inChannels, 3, 3}, 'c'));
                p.put(biasName(k), Nd4j.zeros(DataType.FLOAT, s.outChannels));
                k++;
            }
        }
        return new AdaInDecoder(encoder, layer, steps, p);
    }

    /** The same mirror with the given parameters (each must have the shape {@link #initial} gives it). */
    AdaInDecoder withParams(Map<String, INDArray> values) {
        Map<String, INDArray> p = new LinkedHashMap<>(params);
        for (Map.Entry<String, INDArray> e : values.entrySet()) {
            INDArray old = p.get(e.getKey());
            if (old == null) {
                throw new IllegalArgumentException("the decoder has no parameter '" + e.getKey() + "'; it has " + p.keySet());
            }
            if (!Arrays.equals(old.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("decoder parameter '" + e.getKey() + "' must have shape " + Arrays.toString(old.shape())
                        + " (the mirror of the encoder cut at '" + layer + "'), found " + Arrays.toString(e.getValue().shape()));
            }
            p.put(e.getKey(), e.getValue().castTo(DataType.FLOAT));
        }
        if (!values.keySet().containsAll(p.keySet())) {
            Set<String> missing = new HashSet<>(p.keySet());
            missing.removeAll(values.keySet());
            throw new IllegalArgumentException("decoder parameters missing: " + missing);
        }
        return new AdaInDecoder(encoder, layer, steps, p);
    }

    static String weightName(int k) {
        return PREFIX + "conv" + k + "/W";
    }

    static String biasName(int k) {
        return PREFIX + "conv" + k + "/b";
    }

    List<Step> steps() {
        return steps;
    }

    /** @return the parameters by name, in order (the map is unmodifiable; the arrays are the decoder's own) */
    Map<String, INDArray> params() {
        return java.util.Collections.unmodifiableMap(params);
    }

    /** @return the number of trainable values */
    long parameterCount() {
        return params.values().stream().mapToLong(INDArray::length).sum();
    }

    /** A one-line description, e.g. "conv 256→128, up, conv 128→128, ..." */
    String describe() {
        StringBuilder sb = new StringBuilder();
        for (Step s : steps) {
            if (s.upsample) {
                sb.append(sb.length() == 0 ? "" : ", ").append("up(").append(s.to).append(")");
            }
            if (s.conv) {
                sb.append(sb.length() == 0 ? "" : ", ").append("conv ").append(s.inChannels).append("→").append(s.outChannels);
            }
        }
        return sb.toString();
    }

    /**
     * Adds the decoder's nodes to {@code b}, reading {@code input}, for an image of {@code height × width}: the
     * upsampling targets are the encoder's sizes at each point for that image.
     *
     * @return the name of the decoder's output node ({@link #OUTPUT})
     */
    String addTo(Graph.Builder b, String input, long height, long width) {
        Map<String, long[]> shapes = encoder.shapes(1, channelsOf(encoder), height, width);
        String x = input;
        int k = 0;
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            boolean last = i == steps.size() - 1;
            if (s.upsample) {
                long[] to = shapes.get(s.to);
                String name = PREFIX + "up" + i;
                b.add(name, new Resize(Interpolation.NEAREST, 0, 0, Math.toIntExact(to[2]), Math.toIntExact(to[3]),
                        CoordinateTransform.ASYMMETRIC, NearestMode.FLOOR), x);
                x = name;
            }
            if (s.conv) {
                String pad = PREFIX + "pad" + k;
                b.add(pad, Pad.spatial(1, 1, 1, 1, PadMode.REFLECT, 0), x);
                b.constant(weightName(k), params.get(weightName(k)));
                b.constant(biasName(k), params.get(biasName(k)));
                String conv = PREFIX + "conv" + k;
                b.add(conv, Conv.simple(), pad, weightName(k), biasName(k));
                x = conv;
                if (!last) {
                    String relu = PREFIX + "relu" + k;
                    b.add(relu, new Relu(), x);
                    x = relu;
                }
                k++;
            }
        }
        b.add(OUTPUT, new dev.cnnviz.core.graph.ops.Identity(), x);
        return OUTPUT;
    }

    /** The decoder alone as a graph: input {@link #INPUT} (the layer's channels, any size), output the image. */
    Graph graph(long height, long width) {
        Graph.Builder b = Graph.builder().input(INPUT, channelsAt(layer), -1, -1);
        addTo(b, INPUT, height, width);
        return b.output(OUTPUT).scores(OUTPUT).build();
    }

    /**
     * The decoder followed by the encoder (sharing its weights, no copy): input {@link #INPUT}, the encoder's nodes
     * under their own names, output the layer. Training runs it forward and backward to the decoder's parameters.
     */
    Graph withEncoder(long height, long width) {
        Graph.Builder b = Graph.builder().input(INPUT, channelsAt(layer), -1, -1);
        String image = addTo(b, INPUT, height, width);
        String in = encoder.inputName();
        for (Node n : encoder.nodes()) {
            if (n.name().equals(in)) {
                continue;
            }
            List<String> inputs = n.inputs().stream().map(s -> s.equals(in) ? image : s).toList();
            b.add(new Node(n.name(), n.op(), inputs));
        }
        // ND4J only: training builds this graph anew for every step's weights (a graph's weights are constants, never
        // modified), and a oneDNN plan would be compiled for each of them.
        return b.output(layer).scores(layer).build().withMemoryBudget(encoder.memoryBudget()).withNd4jOnly();
    }

    long channelsAt(String node) {
        return encoder.shapes(1, channelsOf(encoder), 64, 64).get(node)[1];
    }

    static long channelsOf(Graph g) {
        return ((Input) g.node(g.inputName()).op()).shape()[0];
    }

    /** The mirror steps of {@code encoder} up to {@code layer}; see the class comment. */
    static List<Step> mirror(Graph encoder, String layer) {
        List<String> trunk = trunk(encoder, layer);
        // Shapes on a probe image large enough for any stride up to 32 to leave a few positions.
        long probe = 256;
        Map<String, long[]> shapes = encoder.shapes(1, channelsOf(encoder), probe, probe);
        Map<String, Integer> computedInputs = new HashMap<>();
        Map<String, List<String>> consumers = new HashMap<>();
        for (Node n : encoder.nodes()) {
            int c = 0;
            for (String i : n.inputs()) {
                if (!(encoder.node(i).op() instanceof Constant)) {
                    c++;
                    consumers.computeIfAbsent(i, z -> new ArrayList<>()).add(n.name());
                }
            }
            computedInputs.put(n.name(), c);
        }
        List<String> points = new ArrayList<>();
        List<Boolean> pool = new ArrayList<>();
        points.add(trunk.get(0));
        pool.add(false);
        for (int i = 1; i < trunk.size(); i++) {
            String name = trunk.get(i);
            long[] s = shapes.get(name);
            long[] prev = shapes.get(points.get(points.size() - 1));
            boolean resized = s[2] != prev[2] || s[3] != prev[3];
            boolean merge = computedInputs.get(name) >= 2 || encoder.node(name).op() instanceof Concat;
            boolean conv = encoder.node(name).op() instanceof Conv && !opensBranches(encoder, name, consumers);
            boolean isLayer = name.equals(layer);
            Node node = encoder.node(name);
            if (node.op() instanceof Relu && node.inputs().get(0).equals(points.get(points.size() - 1))) {
                // a point's activation stands for it (the points are post-activation values)
                points.set(points.size() - 1, name);
                continue;
            }
            if (resized || merge || conv || isLayer) {
                points.add(name);
                pool.add(resized && !conv && !merge && s[1] == prev[1]);
            }
        }
        if (points.size() < 2) {
            throw new IllegalArgumentException("layer '" + layer + "' is the encoder's input: there is nothing to decode");
        }
        List<Step> steps = new ArrayList<>();
        for (int i = points.size() - 1; i >= 1; i--) {
            long[] p = shapes.get(points.get(i));
            long[] q = shapes.get(points.get(i - 1));
            boolean up = p[2] != q[2] || p[3] != q[3];
            boolean conv = !pool.get(i) || p[1] != q[1];
            steps.add(new Step(points.get(i), points.get(i - 1), up, conv, p[1], q[1]));
        }
        if (!steps.get(steps.size() - 1).conv) {
            throw new IllegalArgumentException("the encoder's first step after the input is a pool; the decoder needs a convolution to give the image");
        }
        return List.copyOf(steps);
    }

    /** Whether conv {@code name}'s output (directly or through ReLUs) feeds two or more nodes. */
    private static boolean opensBranches(Graph g, String name, Map<String, List<String>> consumers) {
        String x = name;
        while (true) {
            List<String> c = consumers.getOrDefault(x, List.of());
            if (c.size() != 1) {
                return c.size() > 1;
            }
            String next = c.get(0);
            if (!(g.node(next).op() instanceof Relu)) {
                return false;
            }
            x = next;
        }
    }

    /**
     * The trunk: nodes through which every path from the input to {@code layer} passes, in order. A topological
     * sweep over the nodes the layer needs, counting the computed values still awaited by later nodes: where that
     * set is exactly one node, that node is on the trunk.
     */
    static List<String> trunk(Graph g, String layer) {
        Set<String> needed = new HashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(layer));
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (needed.add(n)) {
                todo.addAll(g.node(n).inputs());
            }
        }
        Map<String, Integer> pending = new HashMap<>();
        for (Node n : g.nodes()) {
            if (!needed.contains(n.name())) {
                continue;
            }
            for (String i : n.inputs()) {
                if (!(g.node(i).op() instanceof Constant)) {
                    pending.merge(i, 1, Integer::sum);
                }
            }
        }
        Set<String> live = new HashSet<>();
        List<String> trunk = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (!needed.contains(n.name()) || n.op() instanceof Constant) {
                continue;
            }
            for (String i : n.inputs()) {
                if (live.contains(i) && pending.merge(i, -1, Integer::sum) == 0) {
                    live.remove(i);
                }
            }
            live.add(n.name());
            if (live.size() == 1) {
                trunk.add(n.name());
            }
            if (n.name().equals(layer)) {
                break;
            }
        }
        return trunk;
    }
}
