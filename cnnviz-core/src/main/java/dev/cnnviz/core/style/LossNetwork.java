package dev.cnnviz.core.style;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.featurevis.LayerGraphs;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.graph.ops.Input;
import dev.cnnviz.core.graph.Node;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A loss network for texture synthesis and style transfer: an imported model cut after the deepest of its loss
 * layers (so one evaluation is one forward pass to that layer and one backward pass to the image, nothing after it),
 * taking images of any size, fed from the image space the optimizations work in.
 *
 * <p><b>Image space.</b> Images are optimized as RGB pixel values {@code u} in 0..255 (float, {@code [3, H, W]}
 * planes, row-major), whatever the model's preprocessing: the preprocessing is the per-channel affine map
 * {@code x[c] = a_c · u[s(c)] + b_c} ({@code s(c) = 2 − c} for BGR models), {@code a_c = (P(255) − P(0)) / 255},
 * {@code b_c = P(0)}, and the gradient comes back through its adjoint {@code ∂L/∂u[s(c)] += a_c · ∂L/∂x[c]} (as
 * {@link dev.cnnviz.core.adversarial.ImageSpace} does in 0..1 units). Working in pixels makes the regularisers'
 * weights (total variation, range) mean the same thing for every loss model.
 *
 * <p><b>Grey loss models</b> ({@link #ofAnyImage}, texture synthesis only): a one-channel GREY model sees the
 * luminance {@code Y = 0.299 R + 0.587 G + 0.114 B} of the planes (as {@link dev.cnnviz.core.image.ImageTensors}
 * feeds it), {@code x = a · Y(u) + b}, and the gradient goes back to the three planes equally,
 * {@code ∂L/∂u[k] = a · ∂L/∂x / 3}: the gradient of the loss restricted to grey images (where {@code Y} is the
 * planes' common value), so that an optimization started from a grey image stays grey, bit for bit.
 */
final class LossNetwork {
    private final Model model;
    private final Graph cut;
    private final List<String> layers;
    private final int[] source;
    private final double[] a;
    private final double[] b;
    private final boolean grey;

    /** The luminance weights of R, G and B for a grey model, as ImageTensors uses them. */
    private static final double[] LUMA = {0.299, 0.587, 0.114};

    private LossNetwork(Model model, Graph cut, List<String> layers) {
        this.model = model;
        this.cut = cut;
        this.layers = layers;
        InputSpec spec = model.inputSpec();
        Preprocessing p = spec.preprocessing();
        int c = spec.channels();
        grey = p.order() == ChannelOrder.GREY;
        source = new int[c];
        a = new double[c];
        b = new double[c];
        for (int k = 0; k < c; k++) {
            source[k] = p.order() == ChannelOrder.BGR ? 2 - k : k;
            a[k] = (p.apply(k, 255) - p.apply(k, 0)) / 255.0;
            b[k] = p.apply(k, 0);
        }
    }

    /**
     * The loss network of {@code model} for {@code layers}.
     *
     * @throws IllegalArgumentException if the model is null or not a 3-channel (colour) NCHW image model, or a layer
     *                                  is unknown (naming the closest layers), a constant, or not computed from
     *                                  the input
     */
    static LossNetwork of(Model model, List<String> layers) {
        return of(model, layers, false);
    }

    /**
     * The loss network of {@code model} for {@code layers}, a one-channel GREY model allowed as well (see the class
     * comment): for texture synthesis, whose result is then grey.
     *
     * @throws IllegalArgumentException as {@link #of}, for a model that is neither a 3-channel colour nor a
     *                                  1-channel GREY NCHW image model
     */
    static LossNetwork ofAnyImage(Model model, List<String> layers) {
        return of(model, layers, true);
    }

    private static LossNetwork of(Model model, List<String> layers, boolean greyAllowed) {
        if (model == null) {
            throw new IllegalArgumentException("the loss model must not be null");
        }
        InputSpec spec = model.inputSpec();
        boolean greyModel = spec.channels() == 1 && spec.preprocessing().order() == ChannelOrder.GREY;
        if (!(greyAllowed && greyModel) && (spec.channels() != 3 || spec.preprocessing().order() == ChannelOrder.GREY)) {
            throw new IllegalArgumentException("style transfer needs a colour (3-channel RGB or BGR) loss model, found "
                    + spec.channels() + " channel(s), " + spec.preprocessing().order() + " (" + model.source()
                    + "); pass an ImageNet model such as the shared SqueezeNet");
        }
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("a loss network needs at least one layer, found " + layers);
        }
        Graph graph = model.graph();
        Set<String> wanted = new LinkedHashSet<>();
        for (String l : layers) {
            LayerGraphs.requireLayer(graph, l);
            wanted.add(l);
        }
        String input = graph.inputName();
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(wanted);
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (needed.add(n)) {
                todo.addAll(graph.node(n).inputs());
            }
        }
        for (String l : wanted) {
            if (!dependsOn(graph, l, input)) {
                throw new IllegalArgumentException("layer '" + l + "' does not depend on the input '" + input
                        + "' (it is computed from constants only), so it cannot carry a loss");
            }
        }
        Graph.Builder builder = Graph.builder();
        String deepest = null;
        List<String> ordered = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (!needed.contains(n.name())) {
                continue;
            }
            if (n.name().equals(input)) {
                long[] shape = ((Input) n.op()).shape();
                Arrays.fill(shape, 1, shape.length, -1);
                builder.input(input, shape);
            } else {
                builder.add(n);
            }
            if (wanted.contains(n.name())) {
                deepest = n.name();
                ordered.add(n.name());
            }
        }
        Graph cut = builder.output(deepest).scores(deepest).build().withMemoryBudget(graph.memoryBudget());
        return new LossNetwork(model, graph.usesOneDnn() ? cut : cut.withNd4jOnly(), List.copyOf(ordered));
    }

    private static boolean dependsOn(Graph graph, String layer, String input) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(layer));
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (n.equals(input)) {
                return true;
            }
            if (seen.add(n)) {
                todo.addAll(graph.node(n).inputs());
            }
        }
        return false;
    }

    /** @return the model the network was cut from */
    Model model() {
        return model;
    }

    /** @return the cut graph (input of any size, output the deepest loss layer) */
    Graph graph() {
        return cut;
    }

    /** @return whether the model is a one-channel GREY model (see the class comment) */
    boolean grey() {
        return grey;
    }

    /** @return the model's input channels: 3, or 1 for a grey model */
    int channels() {
        return a.length;
    }

    /** @return the loss layers, in the graph's order */
    List<String> layers() {
        return layers;
    }

    /**
     * Checks that every loss layer can be computed on an {@code h × w} image and the pass with its backward fits the
     * memory budget.
     *
     * @throws IllegalArgumentException naming the layers, the size and the node that fails if the image is too small
     * @throws dev.cnnviz.api.ResourceLimitException if the pass is over the budget
     */
    void check(int h, int w, String what) {
        long[] shape = {1, a.length, h, w};
        try {
            cut.shapes(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the loss layers " + layers + " cannot be computed on " + what + " ("
                    + w + "x" + h + " pixels; a larger --size or image is needed): " + e.getMessage(), e);
        }
        cut.memoryBudget().check("a style loss pass on " + what + " " + h + "x" + w,
                cut.passBytes(Map.of(cut.inputName(), shape), true));
    }

    /**
     * The activations of an image at the loss layers, as detached copies (the caller closes them).
     *
     * @param u RGB planes in 0..255, {@code 3·h·w} values
     */
    Map<String, INDArray> features(float[] u, int h, int w) {
        double[] d = new double[u.length];
        for (int i = 0; i < u.length; i++) {
            d[i] = u[i];
        }
        try (INDArray x = Nd4j.create(cut.dataType(), 1, a.length, h, w)) {
            toInput(d, x);
            Map<String, INDArray> out = new LinkedHashMap<>();
            try (ForwardPass p = cut.infer(x, layers)) {
                for (String l : layers) {
                    out.put(l, p.get(l).dup());
                }
            }
            return out;
        }
    }

    /** Writes the model input {@code x = P(u)} of the image-space point {@code u} into the contiguous {@code x}. */
    void toInput(double[] u, INDArray x) {
        int plane = (int) (x.size(2) * x.size(3));
        if (grey) {
            for (int j = 0; j < plane; j++) {
                double r = u[j];
                double g = u[plane + j];
                double bl = u[2 * plane + j];
                double y = r == g && g == bl ? r : LUMA[0] * r + LUMA[1] * g + LUMA[2] * bl;
                x.data().put(j, a[0] * y + b[0]);
            }
            return;
        }
        if (x.dataType() == DataType.DOUBLE) {
            DoubleBuffer buf = x.data().asNioDouble();
            for (int c = 0; c < a.length; c++) {
                int from = source[c] * plane;
                int to = c * plane;
                for (int j = 0; j < plane; j++) {
                    buf.put(to + j, a[c] * u[from + j] + b[c]);
                }
            }
        } else {
            FloatBuffer buf = x.data().asNioFloat();
            for (int c = 0; c < a.length; c++) {
                int from = source[c] * plane;
                int to = c * plane;
                float ac = (float) a[c];
                float bc = (float) b[c];
                for (int j = 0; j < plane; j++) {
                    buf.put(to + j, (float) (ac * u[from + j] + bc));
                }
            }
        }
    }

    /**
     * One evaluation: forward to the deepest loss layer, the layer losses (which write their gradients into the
     * seeds), backward to the input, and the adjoint of the preprocessing into {@code gu}.
     *
     * @param u      the image-space point, RGB planes in 0..255
     * @param x      a contiguous {@code [1, C, H, W]} input buffer of the graph's data type, reused
     * @param losses the loss of each layer: given the activation and a seed buffer, writes the gradient and
     *               returns the value
     * @param gu     receives {@code ∂L/∂u} (overwritten)
     * @return the sum of the layer losses
     */
    double evaluate(double[] u, INDArray x, Map<String, LayerLoss> losses, Map<String, INDArray> seeds, double[] gu) {
        toInput(u, x);
        double total = 0;
        try (ForwardPass pass = cut.forward(x)) {
            Map<String, INDArray> seedMap = new LinkedHashMap<>();
            for (Map.Entry<String, LayerLoss> e : losses.entrySet()) {
                INDArray act = pass.get(e.getKey());
                INDArray seed = seeds.get(e.getKey());
                total += e.getValue().evaluate(act, seed);
                seedMap.put(e.getKey(), seed);
            }
            try (Gradients g = pass.backward(seedMap, List.of(cut.inputName()))) {
                INDArray gx = g.get(cut.inputName());
                adjoint(gx, gu);
            }
        }
        return total;
    }

    private void adjoint(INDArray gx, double[] gu) {
        Arrays.fill(gu, 0);
        int plane = (int) (gx.size(2) * gx.size(3));
        if (grey) {
            double[] d = HostArrays.doubles(gx);
            for (int j = 0; j < plane; j++) {
                double v = a[0] * d[j] / 3;
                gu[j] = v;
                gu[plane + j] = v;
                gu[2 * plane + j] = v;
            }
            return;
        }
        if (HostArrays.plain(gx) && gx.dataType() == DataType.FLOAT) {
            FloatBuffer buf = gx.data().asNioFloat();
            int off = (int) gx.offset();
            for (int c = 0; c < a.length; c++) {
                int to = source[c] * plane;
                int from = off + c * plane;
                for (int j = 0; j < plane; j++) {
                    gu[to + j] += a[c] * buf.get(from + j);
                }
            }
        } else {
            double[] d = HostArrays.doubles(gx);
            for (int c = 0; c < a.length; c++) {
                int to = source[c] * plane;
                int from = c * plane;
                for (int j = 0; j < plane; j++) {
                    gu[to + j] += a[c] * d[from + j];
                }
            }
        }
    }

    /** The loss at one layer: value, and its gradient written into {@code grad} (the activation's shape). */
    @FunctionalInterface
    interface LayerLoss {
        /**
         * @param activation the layer's activation {@code [1, C, H, W]}
         * @param grad       receives ∂loss/∂activation (overwritten)
         * @return the loss
         */
        double evaluate(INDArray activation, INDArray grad);
    }
}
