package dev.cnnviz.core.inspect;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.Gemm;
import dev.cnnviz.core.graph.ops.Identity;
import dev.cnnviz.core.graph.ops.Input;
import dev.cnnviz.core.graph.ops.Reshape;
import dev.cnnviz.core.render.TileGrid;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer's learned weights as pictures (Krizhevsky, Sutskever and Hinton 2012, figure 3: the first layer's 96
 * filters of 11×11×3; the CS231n lecture's linear-classifier templates).
 *
 * <p>What {@link #grid()} draws depends on the layer ({@link #kind()}):
 * <ul>
 *   <li>{@link Kind#RGB}: a convolution on the 3-channel image: one colour tile per filter (shown in RGB order also
 *       for models that take BGR);</li>
 *   <li>{@link Kind#GREY}: a convolution on a one-channel image: one grey tile per filter;</li>
 *   <li>{@link Kind#PER_CHANNEL}: a deeper convolution: one row per filter, one grey tile per input channel;</li>
 *   <li>{@link Kind#TEMPLATES}: a fully connected layer ({@code Dense} or {@code Gemm}) on the flattened image, as in
 *       a linear classifier: one tile per class, its weights reshaped to the input image, captioned with the
 *       class label.</li>
 * </ul>
 * Each filter is normalised on its own: {@code (w - min) / (max - min)} over all of its values (all input channels),
 * so black is its most negative weight and white its most positive; a constant filter is black. Tiles are upscaled
 * by nearest neighbour and laid out with white gutters ({@link TileGrid}).
 *
 * <p>Defaults: the first convolution of the graph; {@value #DEFAULT_LIMIT} filters at most (the first ones;
 * {@value #DEFAULT_LIMIT} input channels at most per row in {@code PER_CHANNEL}); a scale making tiles about
 * {@value #TARGET_TILE} pixels wide ({@code 24} in {@code PER_CHANNEL}); {@value #DEFAULT_GUTTER}-pixel gutters;
 * a near-square grid ({@code ceil(sqrt(n))} columns; up to 12 tiles in one row).
 *
 * <pre>{@code
 * BufferedImage conv1 = Filters.of(model).withLayer("conv1").grid();      // SqueezeNet: 64 coloured 3x3 filters
 * BufferedImage fire = Filters.of(model).withLayer("fire2/squeeze1x1").withLimit(16).grid();
 * BufferedImage templates = Filters.of(linearClassifier).withLayer("fc").grid();  // ten 28x28 garment templates
 * }</pre>
 *
 * <p>Immutable; {@code withX} methods return validated copies.
 */
public final class Filters {
    /** Default maximum number of filters (and of input channels per row) shown. */
    public static final int DEFAULT_LIMIT = 64;
    /** Default gutter between tiles, in pixels. */
    public static final int DEFAULT_GUTTER = 2;
    /** The width in pixels that the automatic scale aims at for one tile per filter. */
    public static final int TARGET_TILE = 48;

    /** How a layer's weights are drawn. */
    public enum Kind {
        /** One colour tile per filter of a convolution on a 3-channel input. */
        RGB,
        /** One grey tile per filter of a convolution on a 1-channel input. */
        GREY,
        /** One row per filter, one grey tile per input channel. */
        PER_CHANNEL,
        /** One tile per output of a fully connected layer on the flattened image. */
        TEMPLATES
    }

    private final Model model;
    private final String layer;
    private final int limit;
    private final int scale;
    private final int gutter;
    private final int columns;

    private Filters(Model model, String layer, int limit, int scale, int gutter, int columns) {
        this.model = model;
        this.layer = layer;
        this.limit = limit;
        this.scale = scale;
        this.gutter = gutter;
        this.columns = columns;
    }

    /**
     * The filters of a model's first convolution, with the defaults.
     *
     * @param model the model
     * @return the options
     * @throws IllegalArgumentException if the model is null
     */
    public static Filters of(Model model) {
        if (model == null) {
            throw new IllegalArgumentException("Filters need a model, found null");
        }
        return new Filters(model, null, DEFAULT_LIMIT, 0, DEFAULT_GUTTER, 0);
    }

    /**
     * @param name a convolution, or a {@code Dense}/{@code Gemm} layer on the flattened image
     * @return a copy showing that layer
     * @throws IllegalArgumentException if the graph has no such node, naming the closest names
     */
    public Filters withLayer(String name) {
        model.graph().node(name);
        return new Filters(model, name, limit, scale, gutter, columns);
    }

    /** @return the layer shown: the one set, or the graph's first convolution. */
    public String layer() {
        if (layer != null) {
            return layer;
        }
        for (Node n : model.graph().nodes()) {
            if (n.op() instanceof Conv) {
                return n.name();
            }
        }
        throw new IllegalArgumentException("the graph has no convolution; name a layer with withLayer");
    }

    /**
     * @param n the most filters (and input channels per row) to show, at least 1
     * @return a copy
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public Filters withLimit(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("limit must be at least 1, found " + n);
        }
        return new Filters(model, layer, n, scale, gutter, columns);
    }

    /** @return the most filters shown. */
    public int limit() {
        return limit;
    }

    /**
     * @param s the upscale factor of every weight, 1 to 64; 0 chooses one from the kernel size
     * @return a copy
     * @throws IllegalArgumentException if out of range
     */
    public Filters withScale(int s) {
        if (s < 0 || s > 64) {
            throw new IllegalArgumentException("scale must be 0 (automatic) to 64, found " + s);
        }
        return new Filters(model, layer, limit, s, gutter, columns);
    }

    /** @return the upscale factor, 0 for automatic. */
    public int scale() {
        return scale;
    }

    /**
     * @param g the gutter between tiles in pixels, 0 to 64
     * @return a copy
     * @throws IllegalArgumentException if out of range
     */
    public Filters withGutter(int g) {
        if (g < 0 || g > 64) {
            throw new IllegalArgumentException("gutter must be 0 to 64 pixels, found " + g);
        }
        return new Filters(model, layer, limit, scale, g, columns);
    }

    /** @return the gutter in pixels. */
    public int gutter() {
        return gutter;
    }

    /**
     * @param c the tiles per row for one tile per filter, at least 1; 0 for a near-square grid
     * @return a copy
     * @throws IllegalArgumentException if negative
     */
    public Filters withColumns(int c) {
        if (c < 0) {
            throw new IllegalArgumentException("columns must be 0 (automatic) or more, found " + c);
        }
        return new Filters(model, layer, limit, scale, gutter, c);
    }

    /** @return the tiles per row, 0 for automatic. */
    public int columns() {
        return columns;
    }

    /** The weights of the layer, as drawn: {@code [filters, channels, h, w]}, channels in display order. */
    private record Weights(Kind kind, String layer, float[] data, int filters, int channels, int h, int w) {
    }

    /**
     * @return how the layer is drawn
     * @throws IllegalArgumentException as {@link #weights()}
     */
    public Kind kind() {
        return load().kind();
    }

    /**
     * The layer's weights as drawn: {@code [filters, channels, h, w]} (for {@link Kind#TEMPLATES}, {@code [outputs,
     * C, H, W]} of the input image; for {@link Kind#RGB} on a BGR model, channels reordered to RGB). All filters, not
     * only the first {@link #limit()}.
     *
     * @return a copy of the weights
     * @throws IllegalArgumentException if the layer is neither a convolution with constant 4-D weights nor a fully
     *                                  connected layer on the flattened input image, naming it
     */
    public Tensor weights() {
        Weights w = load();
        return Tensor.of(w.data(), w.filters(), w.channels(), w.h(), w.w());
    }

    private Weights load() {
        Graph g = model.graph();
        String name = layer();
        Node n = g.node(name);
        if (n.op() instanceof Conv c) {
            INDArray w = constantInput(g, n, 1, "weights");
            if (w.rank() != 4) {
                throw new IllegalArgumentException("the weights of '" + name + "' are not 4-D: " + Arrays.toString(w.shape()));
            }
            int o = Math.toIntExact(w.size(0));
            int ci = Math.toIntExact(w.size(1));
            int kh = Math.toIntExact(w.size(2));
            int kw = Math.toIntExact(w.size(3));
            float[] data = w.castTo(DataType.FLOAT).dup('c').data().asFloat();
            boolean onImage = c.group() == 1 && isImage(g, n.inputs().get(0));
            if (onImage && ci == 3) {
                if (model.inputSpec().preprocessing().order() == ChannelOrder.BGR) {
                    data = swapFirstAndThird(data, o, kh * kw);
                }
                return new Weights(Kind.RGB, name, data, o, 3, kh, kw);
            }
            if (onImage && ci == 1) {
                return new Weights(Kind.GREY, name, data, o, 1, kh, kw);
            }
            return new Weights(Kind.PER_CHANNEL, name, data, o, ci, kh, kw);
        }
        if (n.op() instanceof Dense || n.op() instanceof Gemm) {
            return templates(g, n);
        }
        throw new IllegalArgumentException("layer '" + name + "' is a " + n.op().kind() + ": Filters shows convolutions"
                + " (Conv) and fully connected layers (Dense, Gemm) on the flattened image");
    }

    private Weights templates(Graph g, Node n) {
        String from = n.inputs().get(0);
        while (!isImage(g, from)) {
            Node prev = g.node(from);
            if (!(prev.op() instanceof Flatten || prev.op() instanceof Reshape || prev.op() instanceof Identity)) {
                throw new IllegalArgumentException("layer '" + n.name() + "' does not take the flattened input image"
                        + " (its input passes through '" + from + "', a " + prev.op().kind() + "): templates need a linear"
                        + " classifier on the pixels");
            }
            from = prev.inputs().get(0);
        }
        INDArray w = constantInput(g, n, 1, "weights").castTo(DataType.FLOAT);
        if (w.rank() != 2) {
            throw new IllegalArgumentException("the weights of '" + n.name() + "' are not 2-D: " + Arrays.toString(w.shape()));
        }
        boolean outputsFirst = n.op() instanceof Gemm gemm && gemm.transB();
        INDArray byOutput = outputsFirst ? w.dup('c') : w.transpose().dup('c');
        if (n.op() instanceof Gemm gemm && gemm.alpha() < 0) {
            byOutput = byOutput.neg();
        }
        InputSpec spec = model.inputSpec();
        long pixels = (long) spec.channels() * spec.height() * spec.width();
        if (byOutput.size(1) != pixels) {
            throw new IllegalArgumentException("layer '" + n.name() + "' takes " + byOutput.size(1) + " features, not the "
                    + pixels + " pixels of a " + spec.channels() + "x" + spec.height() + "x" + spec.width() + " input");
        }
        int outputs = Math.toIntExact(byOutput.size(0));
        float[] data = byOutput.data().asFloat();
        if (spec.channels() == 3 && spec.preprocessing().order() == ChannelOrder.BGR) {
            data = swapFirstAndThird(data, outputs, spec.height() * spec.width());
        }
        return new Weights(Kind.TEMPLATES, n.name(), data, outputs, spec.channels(), spec.height(), spec.width());
    }

    private static boolean isImage(Graph g, String name) {
        return g.node(name).op() instanceof Input;
    }

    private static INDArray constantInput(Graph g, Node n, int index, String what) {
        if (n.inputs().size() <= index || !(g.node(n.inputs().get(index)).op() instanceof Constant)) {
            throw new IllegalArgumentException("the " + what + " of '" + n.name() + "' are not a constant of the graph");
        }
        return g.constant(n.inputs().get(index));
    }

    private static float[] swapFirstAndThird(float[] data, int filters, int plane) {
        float[] out = data.clone();
        for (int f = 0; f < filters; f++) {
            int base = f * 3 * plane;
            System.arraycopy(data, base + 2 * plane, out, base, plane);
            System.arraycopy(data, base, out, base + 2 * plane, plane);
        }
        return out;
    }

    /**
     * Draws the filters as {@link #kind()} describes.
     *
     * @return the grid picture
     * @throws IllegalArgumentException as {@link #weights()}, or if the picture would be larger than
     *                                  {@link TileGrid#MAX_SIDE} pixels on a side (lower the limit or the scale)
     * @throws dev.cnnviz.api.ResourceLimitException if the picture is over the graph's memory budget
     */
    public BufferedImage grid() {
        Weights w = load();
        int shown = Math.min(limit, w.filters());
        int plane = w.h() * w.w();
        int per = w.channels() * plane;
        boolean perChannel = w.kind() == Kind.PER_CHANNEL;
        int s = scale > 0 ? scale : Math.max(1, Math.round((perChannel ? 24f : TARGET_TILE) / Math.max(w.h(), w.w())));
        int inputs = perChannel ? Math.min(limit, w.channels()) : 1;
        long tiles = (long) shown * inputs;
        long tileBytes = (long) w.h() * s * w.w() * s * 4;
        model.graph().memoryBudget().check("a filter grid of " + tiles + " tiles of " + w.h() * s + "x" + w.w() * s
                + " pixels", MemoryBudget.saturatedAdd(tiles * tileBytes, tiles * tileBytes), "lower the limit or the scale");
        List<BufferedImage> images = new ArrayList<>();
        List<String> captions = w.kind() == Kind.TEMPLATES ? new ArrayList<>() : null;
        for (int f = 0; f < shown; f++) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = f * per; i < (f + 1) * per; i++) {
                min = Math.min(min, w.data()[i]);
                max = Math.max(max, w.data()[i]);
            }
            if (perChannel) {
                for (int c = 0; c < inputs; c++) {
                    images.add(TileGrid.tile(w.data(), f * per + c * plane, 1, w.h(), w.w(), min, max, s, null));
                }
            } else {
                images.add(TileGrid.tile(w.data(), f * per, w.channels(), w.h(), w.w(), min, max, s, null));
            }
            if (captions != null) {
                captions.add(model.label(f).orElse("class " + f));
            }
        }
        int cols = perChannel ? inputs : columns > 0 ? columns : shown <= 12 ? shown : TileGrid.squareColumns(shown);
        return TileGrid.grid(images, cols, gutter, captions);
    }

    @Override
    public String toString() {
        return "Filters[layer " + (layer == null ? "(first convolution)" : layer) + ", limit " + limit + ", scale "
                + (scale == 0 ? "auto" : scale) + ", gutter " + gutter + ", columns " + (columns == 0 ? "auto" : columns) + "]";
    }
}
