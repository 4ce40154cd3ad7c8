package dev.cnnviz.examples.tour;

import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.adversarial.ImageSpace;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Concat;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.graph.ops.Input;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * What every section of the tour works on: the model, the image explained, a small dataset (for scans, embeddings,
 * universal perturbations, robustness curves and metrics), whether to run with reduced steps, and where progress
 * goes. Immutable; the helpers compute from the model.
 */
public final class TourContext {
    /** The most dataset images a section uses. */
    public static final int MAX_DATASET = 300;

    private final Model model;
    private final BufferedImage image;
    private final String imageName;
    private final List<BufferedImage> images;
    private final int[] labels;
    private final List<String> ids;
    private final boolean quick;
    private final PrintWriter err;
    private final double[] probabilities;
    private final List<String> spatialLayers;
    private final BufferedImage style;
    private final String styleName;

    /**
     * @param model     the model
     * @param image     the image to explain, attack and dream on
     * @param imageName its name for captions
     * @param images    the dataset's images (at least 2, at most {@link #MAX_DATASET})
     * @param labels    their true classes, or null when unknown
     * @param ids       their names
     * @param quick     whether to run with reduced steps (tests)
     * @param err       where the progress bars go
     * @throws IllegalArgumentException if the dataset has fewer than 2 or more than {@link #MAX_DATASET} images, the
     *                                  lengths differ, or the model has no layer with a spatial output
     */
    public TourContext(Model model, BufferedImage image, String imageName, List<BufferedImage> images, int[] labels,
            List<String> ids, boolean quick, PrintWriter err) {
        this.model = Objects.requireNonNull(model, "model");
        this.image = Objects.requireNonNull(image, "image");
        this.imageName = Objects.requireNonNull(imageName, "imageName");
        this.images = List.copyOf(images);
        this.ids = List.copyOf(ids);
        if (this.images.size() < 2 || this.images.size() > MAX_DATASET) {
            throw new IllegalArgumentException("the tour's dataset needs 2 to " + MAX_DATASET + " images, found "
                    + this.images.size());
        }
        if (this.ids.size() != this.images.size() || (labels != null && labels.length != this.images.size())) {
            throw new IllegalArgumentException("the tour's dataset has " + this.images.size() + " images but "
                    + this.ids.size() + " ids and " + (labels == null ? "no" : Integer.toString(labels.length)) + " labels");
        }
        this.labels = labels == null ? null : labels.clone();
        this.quick = quick;
        this.err = Objects.requireNonNull(err, "err");
        this.probabilities = predict();
        this.spatialLayers = findSpatialLayers();
        if (spatialLayers.isEmpty()) {
            throw new IllegalArgumentException("the model " + model.source() + " has no layer with a spatial output "
                    + "[N, C, h, w] (h·w > 1) before its scores: the tour is for convolutional networks");
        }
        this.style = null;
        this.styleName = null;
    }

    private TourContext(TourContext c, BufferedImage style, String styleName) {
        this.model = c.model;
        this.image = c.image;
        this.imageName = c.imageName;
        this.images = c.images;
        this.ids = c.ids;
        this.labels = c.labels;
        this.quick = c.quick;
        this.err = c.err;
        this.probabilities = c.probabilities;
        this.spatialLayers = c.spatialLayers;
        this.style = style;
        this.styleName = styleName;
    }

    /**
     * @param style     the style image of the style page (a painting): its texture is synthesized and, on a colour
     *                  model, the image is painted in its style; null for none
     * @param styleName its name, for captions
     * @return this context with that style image
     * @throws IllegalArgumentException if a style image comes without a name
     */
    public TourContext withStyle(BufferedImage style, String styleName) {
        if (style != null && (styleName == null || styleName.isBlank())) {
            throw new IllegalArgumentException("a style image needs a name for the captions");
        }
        return new TourContext(this, style, style == null ? null : styleName);
    }

    /** @return the style image of the style page, or null when none was given */
    public BufferedImage style() {
        return style;
    }

    /** @return the style image's name, or null when none was given */
    public String styleName() {
        return styleName;
    }

    /** @return the model */
    public Model model() {
        return model;
    }

    /** @return the image explained, attacked and dreamed on */
    public BufferedImage image() {
        return image;
    }

    /** @return the image's name, for captions */
    public String imageName() {
        return imageName;
    }

    /** @return the dataset's images */
    public List<BufferedImage> images() {
        return images;
    }

    /** @return the dataset's true classes, or null when unknown */
    public int[] labels() {
        return labels == null ? null : labels.clone();
    }

    /** @return whether the tour runs with reduced steps */
    public boolean quick() {
        return quick;
    }

    /** @return where progress bars and notes go */
    public PrintWriter err() {
        return err;
    }

    /**
     * @param full    a step count for the full tour
     * @param reduced the step count for a quick tour
     * @return {@code full}, or {@code reduced} in a quick tour
     */
    public int steps(int full, int reduced) {
        return quick ? reduced : full;
    }

    /** @return whether the model's input is small (at most 64 pixels a side, as the embedded model's 28) */
    public boolean smallInput() {
        return Math.max(model.inputSpec().height(), model.inputSpec().width()) <= 64;
    }

    /** @return the model's input as a batch of one, preprocessed (the caller closes it) */
    public INDArray input() {
        return ImageTensors.toBatch(List.of(image), model.inputSpec());
    }

    /** @return the number of classes */
    public int classes() {
        return probabilities.length;
    }

    /** @return the class the model gives the image */
    public int topClass() {
        int best = 0;
        for (int i = 1; i < probabilities.length; i++) {
            if (probabilities[i] > probabilities[best]) {
                best = i;
            }
        }
        return best;
    }

    /** @return the classes by decreasing probability for the image */
    public int[] ranking() {
        Integer[] idx = new Integer[probabilities.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(probabilities[b], probabilities[a]));
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }

    /**
     * @param c a class index
     * @return the probability the model gives class {@code c} for the image
     */
    public double probability(int c) {
        return probabilities[c];
    }

    /**
     * @param c a class index
     * @return e.g. {@code 9 (Ankle boot)}, or {@code 9} without labels
     */
    public String describeClass(int c) {
        return model.label(c).map(l -> c + " (" + l + ")").orElse(Integer.toString(c));
    }

    /**
     * @return the layers with a spatial output ({@code [N, C, h, w]}, {@code h·w > 1}) that the scores depend on, in
     *         topological order: the ReLUs and concatenations if there are any, else every such node
     */
    public List<String> spatialLayers() {
        return spatialLayers;
    }

    /** @return the first spatial layer ({@link #spatialLayers()}) */
    public String earlyLayer() {
        return spatialLayers.get(0);
    }

    /** @return the spatial layer in the middle */
    public String middleLayer() {
        return spatialLayers.get(spatialLayers.size() / 2);
    }

    /** @return the last spatial layer */
    public String lateLayer() {
        return spatialLayers.get(spatialLayers.size() - 1);
    }

    /**
     * @param layer a node of the model's graph
     * @return its output shape for one image
     * @throws IllegalArgumentException if the graph has no such node
     */
    public long[] shape(String layer) {
        long[] s = model.graph().shapes(model.inputSpec().batchShape(1)).get(layer);
        if (s == null) {
            throw new IllegalArgumentException("no layer named '" + layer + "' in " + model.source());
        }
        return s;
    }

    /** @return the dataset as a {@link Dataset} held in memory */
    public Dataset dataset() {
        List<String> classes = labels == null ? List.of() : model.labels();
        return new Dataset() {
            @Override
            public String name() {
                return "the tour's " + images.size() + " images";
            }

            @Override
            public int size() {
                return images.size();
            }

            @Override
            public List<String> classes() {
                return classes;
            }

            @Override
            public Batch read(int from, int to) {
                if (from < 0 || to < from || to > images.size()) {
                    throw new IllegalArgumentException("range " + from + ".." + to + " is outside 0.." + images.size());
                }
                int[] idx = new int[to - from];
                int[] lab = new int[to - from];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = from + i;
                    lab[i] = labels == null ? Batch.NO_LABEL : labels[from + i];
                }
                return Batch.ofImages(idx, ids.subList(from, to), lab, images.subList(from, to));
            }
        };
    }

    /**
     * @param n how many images (at most the dataset's size)
     * @return the first {@code n} dataset images in the attacks' image space ([0, 1], the model's size)
     */
    public Tensor imageSpace(int n) {
        int k = Math.min(n, images.size());
        ImageSpace space = ImageSpace.of(model.inputSpec());
        float[] u = space.fromImages(images.subList(0, k));
        int[] s = space.imageShape();
        return Tensor.of(u, k, s[0], s[1], s[2]);
    }

    /**
     * @param n how many
     * @return the first {@code n} true classes, or null when unknown
     */
    public int[] labels(int n) {
        return labels == null ? null : Arrays.copyOf(labels, Math.min(n, labels.length));
    }

    /**
     * @param input a preprocessed input {@code [1, C, H, W]} (a synthesis's {@code input()})
     * @return the model's class probabilities for it
     */
    public double[] probabilities(Tensor input) {
        long[] shape = Arrays.stream(input.shape()).asLongStream().toArray();
        try (INDArray x = org.nd4j.linalg.factory.Nd4j.create(input.data(), shape, 'c')) {
            return probabilities(x);
        }
    }

    private double[] predict() {
        try (INDArray x = input()) {
            return probabilities(x);
        }
    }

    private double[] probabilities(INDArray x) {
        try (ForwardPass pass = model.graph().forward(x.castTo(model.graph().dataType()))) {
            INDArray scores = pass.scores().reshape(1, -1).castTo(DataType.DOUBLE);
            double[] p = Transforms.softmax(scores, true).toDoubleVector();
            scores.close();
            return p;
        }
    }

    private List<String> findSpatialLayers() {
        var g = model.graph();
        Set<String> ancestors = new HashSet<>();
        Deque<String> queue = new ArrayDeque<>(List.of(g.scoresNode()));
        while (!queue.isEmpty()) {
            String n = queue.poll();
            if (ancestors.add(n)) {
                queue.addAll(g.node(n).inputs());
            }
        }
        Map<String, long[]> shapes = g.shapes(model.inputSpec().batchShape(1));
        List<String> activations = new ArrayList<>();
        List<String> any = new ArrayList<>();
        for (Node n : g.nodes()) {
            long[] s = shapes.get(n.name());
            if (!ancestors.contains(n.name()) || n.op() instanceof Constant || n.op() instanceof Input || s == null
                    || s.length != 4 || s[2] * s[3] <= 1) {
                continue;
            }
            any.add(n.name());
            if (n.op() instanceof Relu || n.op() instanceof Concat) {
                activations.add(n.name());
            }
        }
        return activations.isEmpty() ? any : activations;
    }
}
