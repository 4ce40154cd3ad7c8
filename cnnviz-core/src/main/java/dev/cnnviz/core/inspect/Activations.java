package dev.cnnviz.core.inspect;

import dev.cnnviz.api.Colormap;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.render.TileGrid;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer's activation maps for one image, as a grid of channels (the CS231n lecture's 128×13×13 figure; Yosinski et
 * al. 2015, "Understanding Neural Networks Through Deep Visualization").
 *
 * <p>{@link #compute} runs an inference-only forward pass keeping just the layer and returns its values
 * {@code [C, h, w]}; {@link #grid} draws channel {@code c} as an {@code h × w} tile, upscaled by nearest neighbour,
 * in grey (black = low) or through a colormap. Normalisation ({@link Scaling}):
 * <ul>
 *   <li>{@link Scaling#PER_CHANNEL} (default): each map from its own minimum to its maximum, which shows the pattern
 *       of weak channels too;</li>
 *   <li>{@link Scaling#SHARED}: every map from the layer's minimum to its maximum, which shows which channels are
 *       strong.</li>
 * </ul>
 * With {@link #withSorted(boolean) sorting}, channels appear by decreasing mean activation ({@link #order} gives the
 * channel of each tile). A constant map is black.
 *
 * <p>Defaults: the last layer with a spatial (4-D, larger than 1×1) output; per-channel scaling; unsorted;
 * {@value #DEFAULT_LIMIT} channels at most; a tile scale making maps about {@value #TARGET_TILE} pixels wide;
 * {@value Filters#DEFAULT_GUTTER}-pixel gutters; a near-square grid; grey.
 *
 * <pre>{@code
 * BufferedImage g = Activations.of(model).withLayer("fire2/squeeze1x1").grid(img);
 * Tensor raw = Activations.of(model).withLayer("relu_conv1").compute(img);       // [64, 111, 111]
 * BufferedImage top = Activations.of(model).withSorted(true).withLimit(16).withScaling(Scaling.SHARED).grid(img);
 * }</pre>
 *
 * <p>Immutable; {@code withX} methods return validated copies.
 */
public final class Activations {
    /** Default maximum number of channels drawn. */
    public static final int DEFAULT_LIMIT = 256;
    /** The tile width in pixels that the automatic scale aims at. */
    public static final int TARGET_TILE = 56;

    /** How maps are normalised before they are drawn. */
    public enum Scaling {
        /** Each channel from its own minimum to its maximum. */
        PER_CHANNEL,
        /** Every channel from the layer's minimum to its maximum. */
        SHARED
    }

    private final Model model;
    private final String layer;
    private final Scaling scaling;
    private final boolean sorted;
    private final int limit;
    private final int scale;
    private final int gutter;
    private final int columns;
    private final Colormap colormap;

    private Activations(Model model, String layer, Scaling scaling, boolean sorted, int limit, int scale, int gutter,
            int columns, Colormap colormap) {
        this.model = model;
        this.layer = layer;
        this.scaling = scaling;
        this.sorted = sorted;
        this.limit = limit;
        this.scale = scale;
        this.gutter = gutter;
        this.columns = columns;
        this.colormap = colormap;
    }

    /**
     * Activation maps of a model, with the defaults.
     *
     * @param model the model
     * @return the options
     * @throws IllegalArgumentException if the model is null
     */
    public static Activations of(Model model) {
        if (model == null) {
            throw new IllegalArgumentException("Activations need a model, found null");
        }
        return new Activations(model, null, Scaling.PER_CHANNEL, false, DEFAULT_LIMIT, 0, Filters.DEFAULT_GUTTER, 0, null);
    }

    /**
     * @param name a layer with a 4-D output, as {@code cnnviz summary} lists them
     * @return a copy
     * @throws IllegalArgumentException if there is no such node (naming the closest names) or it is a constant
     */
    public Activations withLayer(String name) {
        Node n = model.graph().node(name);
        if (n.op() instanceof Constant) {
            throw new IllegalArgumentException("'" + name + "' is a constant (weights), not a layer");
        }
        return new Activations(model, name, scaling, sorted, limit, scale, gutter, columns, colormap);
    }

    /** @return the layer: the one set, or the last layer with a spatial output. */
    public String layer() {
        if (layer != null) {
            return layer;
        }
        Map<String, long[]> shapes = model.graph().shapes(model.inputSpec().batchShape(1));
        String last = null;
        for (Node n : model.graph().nodes()) {
            long[] s = shapes.get(n.name());
            if (!(n.op() instanceof Constant) && s.length == 4 && s[2] * s[3] > 1) {
                last = n.name();
            }
        }
        if (last == null) {
            throw new IllegalArgumentException("the graph has no layer with a spatial output; name one with withLayer");
        }
        return last;
    }

    /**
     * @param s the normalisation, not null
     * @return a copy
     * @throws IllegalArgumentException if null
     */
    public Activations withScaling(Scaling s) {
        if (s == null) {
            throw new IllegalArgumentException("scaling must be PER_CHANNEL or SHARED, found null");
        }
        return new Activations(model, layer, s, sorted, limit, scale, gutter, columns, colormap);
    }

    /** @return the normalisation. */
    public Scaling scaling() {
        return scaling;
    }

    /**
     * @param s whether to order channels by decreasing mean activation
     * @return a copy
     */
    public Activations withSorted(boolean s) {
        return new Activations(model, layer, scaling, s, limit, scale, gutter, columns, colormap);
    }

    /** @return whether channels are sorted by mean activation. */
    public boolean sorted() {
        return sorted;
    }

    /**
     * @param n the most channels drawn (the first, or the strongest when sorted), at least 1
     * @return a copy
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public Activations withLimit(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("limit must be at least 1, found " + n);
        }
        return new Activations(model, layer, scaling, sorted, n, scale, gutter, columns, colormap);
    }

    /** @return the most channels drawn. */
    public int limit() {
        return limit;
    }

    /**
     * @param s the upscale factor, 1 to 64; 0 chooses one from the map size
     * @return a copy
     * @throws IllegalArgumentException if out of range
     */
    public Activations withScale(int s) {
        if (s < 0 || s > 64) {
            throw new IllegalArgumentException("scale must be 0 (automatic) to 64, found " + s);
        }
        return new Activations(model, layer, scaling, sorted, limit, s, gutter, columns, colormap);
    }

    /** @return the upscale factor, 0 for automatic. */
    public int scale() {
        return scale;
    }

    /**
     * @param g the gutter in pixels, 0 to 64
     * @return a copy
     * @throws IllegalArgumentException if out of range
     */
    public Activations withGutter(int g) {
        if (g < 0 || g > 64) {
            throw new IllegalArgumentException("gutter must be 0 to 64 pixels, found " + g);
        }
        return new Activations(model, layer, scaling, sorted, limit, scale, g, columns, colormap);
    }

    /** @return the gutter in pixels. */
    public int gutter() {
        return gutter;
    }

    /**
     * @param c tiles per row, at least 1; 0 for a near-square grid
     * @return a copy
     * @throws IllegalArgumentException if negative
     */
    public Activations withColumns(int c) {
        if (c < 0) {
            throw new IllegalArgumentException("columns must be 0 (automatic) or more, found " + c);
        }
        return new Activations(model, layer, scaling, sorted, limit, scale, gutter, c, colormap);
    }

    /** @return the tiles per row, 0 for automatic. */
    public int columns() {
        return columns;
    }

    /**
     * @param c the colormap of the maps, or null for grey
     * @return a copy
     */
    public Activations withColormap(Colormap c) {
        return new Activations(model, layer, scaling, sorted, limit, scale, gutter, columns, c);
    }

    /** @return the colormap, or null for grey. */
    public Colormap colormap() {
        return colormap;
    }

    /**
     * The layer's activations for one image, resized and preprocessed as the model's input spec says.
     *
     * @param image the image
     * @return {@code [C, h, w]} (a 2-D output {@code [N, F]} gives {@code [F, 1, 1]})
     * @throws IllegalArgumentException if the image is null
     */
    public Tensor compute(BufferedImage image) {
        if (image == null) {
            throw new IllegalArgumentException("the image is null");
        }
        try (INDArray x = ImageTensors.toBatch(image, model.inputSpec())) {
            return compute(x);
        }
    }

    /**
     * The layer's activations for one preprocessed input.
     *
     * @param input {@code [1, C, H, W]} (or {@code [C, H, W]}), preprocessed as the model expects
     * @return {@code [C, h, w]} (a 2-D output {@code [N, F]} gives {@code [F, 1, 1]})
     * @throws IllegalArgumentException if the input is not one example of the model's input shape
     */
    public Tensor compute(INDArray input) {
        INDArray x = input;
        if (x != null && x.rank() == 3) {
            x = x.reshape(1, x.size(0), x.size(1), x.size(2));
        }
        if (x == null || x.rank() != 4 || x.size(0) != 1) {
            throw new IllegalArgumentException("expected one input [1, C, H, W], found "
                    + (input == null ? "null" : Arrays.toString(input.shape())));
        }
        ImageTensors.checkBatch(x, model.inputSpec());
        String name = layer();
        INDArray in = x.dataType() == model.graph().dataType() ? x : x.castTo(model.graph().dataType());
        try (ForwardPass pass = model.graph().infer(in, List.of(name))) {
            INDArray a = pass.get(name);
            float[] data = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
            long[] s = a.shape();
            if (s.length == 4) {
                return Tensor.of(data, (int) s[1], (int) s[2], (int) s[3]);
            }
            if (s.length == 2) {
                return Tensor.of(data, (int) s[1], 1, 1);
            }
            throw new IllegalArgumentException("layer '" + name + "' has a " + s.length + "-D output "
                    + Arrays.toString(s) + ": activation maps need [N, C, h, w]");
        }
    }

    /**
     * The channels in the order they are drawn: all of them, by decreasing mean when sorted (ties by index), else
     * by index; the grid shows the first {@link #limit()}.
     *
     * @param activations {@code [C, h, w]} as {@link #compute} returns them
     * @return channel indices
     */
    public int[] order(Tensor activations) {
        int c = activations.size(0);
        int plane = activations.length() / Math.max(1, c);
        if (!sorted) {
            return IntStream.range(0, c).toArray();
        }
        double[] mean = new double[c];
        float[] d = activations.data();
        for (int k = 0; k < c; k++) {
            double s = 0;
            for (int i = k * plane; i < (k + 1) * plane; i++) {
                s += d[i];
            }
            mean[k] = s / plane;
        }
        return IntStream.range(0, c).boxed().sorted(Comparator.comparingDouble((Integer k) -> -mean[k])
                .thenComparingInt(k -> k)).mapToInt(Integer::intValue).toArray();
    }

    /**
     * Draws the activation maps of one image.
     *
     * @param image the image
     * @return the grid
     * @throws IllegalArgumentException as {@link #compute(BufferedImage)} and {@link #grid(Tensor)}
     */
    public BufferedImage grid(BufferedImage image) {
        return grid(compute(image));
    }

    /**
     * Draws activation maps computed before.
     *
     * @param activations {@code [C, h, w]}
     * @return the grid
     * @throws IllegalArgumentException if the tensor is not 3-D or the picture would be larger than
     *                                  {@link TileGrid#MAX_SIDE} pixels a side
     * @throws dev.cnnviz.api.ResourceLimitException if the picture is over the graph's memory budget
     */
    public BufferedImage grid(Tensor activations) {
        if (activations.rank() != 3) {
            throw new IllegalArgumentException("expected activations [C, h, w], found " + Arrays.toString(activations.shape()));
        }
        int h = activations.size(1);
        int w = activations.size(2);
        int plane = h * w;
        int[] order = order(activations);
        int shown = Math.min(limit, order.length);
        int s = scale > 0 ? scale : Math.max(1, Math.round((float) TARGET_TILE / Math.max(h, w)));
        long tileBytes = (long) h * s * w * s * 4;
        model.graph().memoryBudget().check("an activation grid of " + shown + " maps of " + h * s + "x" + w * s
                + " pixels", MemoryBudget.saturatedAdd(shown * tileBytes, shown * tileBytes), "lower the limit or the scale");
        float[] d = activations.data();
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : d) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        List<BufferedImage> tiles = new ArrayList<>(shown);
        for (int i = 0; i < shown; i++) {
            int k = order[i];
            float min = lo;
            float max = hi;
            if (scaling == Scaling.PER_CHANNEL) {
                min = Float.POSITIVE_INFINITY;
                max = Float.NEGATIVE_INFINITY;
                for (int j = k * plane; j < (k + 1) * plane; j++) {
                    min = Math.min(min, d[j]);
                    max = Math.max(max, d[j]);
                }
            }
            tiles.add(TileGrid.tile(d, k * plane, 1, h, w, min, max, s, colormap));
        }
        int cols = columns > 0 ? columns : TileGrid.squareColumns(shown);
        return TileGrid.grid(tiles, cols, gutter, null);
    }

    @Override
    public String toString() {
        return "Activations[layer " + (layer == null ? "(last spatial layer)" : layer) + ", " + scaling
                + (sorted ? ", sorted" : "") + ", limit " + limit + "]";
    }
}
