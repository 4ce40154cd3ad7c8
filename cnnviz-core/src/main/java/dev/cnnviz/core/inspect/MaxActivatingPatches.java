package dev.cnnviz.core.inspect;

import dev.cnnviz.core.data.ScanProgress;
import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.attribution.GuidedBackprop;
import dev.cnnviz.core.data.Batch;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Constant;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.render.Resample;
import dev.cnnviz.core.render.TileGrid;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The image patches that excite a layer's channels most over a dataset (Zeiler and Fergus 2014, "Visualizing and
 * Understanding Convolutional Networks", figure 2; Springenberg et al. 2015, "Striving for Simplicity", figure 5):
 * rows are channels, columns the top-k patches, optionally each with its guided-backprop view.
 *
 * <p>The scan streams the dataset in batches through inference-only forward passes that keep only the layer. For
 * every image and chosen channel it takes the image's strongest position ({@code argmax} over {@code (y, x)}, the
 * first in row-major order on ties), so an image contributes at most one patch per channel; the channel's
 * {@code k} strongest images are kept in a bounded min-heap. Memory is {@code O(channels · k)} whatever the dataset's
 * size, plus one batch. The result equals sorting all (image, channel) maxima by activation, decreasing, ties by
 * dataset index. The patch of a hit is the unit's exact {@link ReceptiveField#box receptive field}, cropped from the
 * image as the model saw it (resized to the input size and preprocessed, then turned back into pixels). With
 * {@link #withGuidedBackprop(boolean)}, each patch also gets the guided-backprop gradient of its unit with respect
 * to the input, cropped to the same box and drawn with zero as mid-grey ({@code 0.5 + 0.5 g / max|g|} per patch).
 *
 * <p>Defaults: the last layer with a spatial output; its first {@value #DEFAULT_CHANNELS} channels; top {@value #DEFAULT_TOP}; batches of
 * {@value #DEFAULT_BATCH_SIZE}; no guided backprop.
 *
 * <pre>{@code
 * MaxActivatingPatches.Result r = MaxActivatingPatches.of(model).withLayer("fire4/expand3x3")
 *         .withChannels(0, 16).withTop(9).scan(ImageFolder.of(Path.of("photos")));
 * r.hits().get(0).get(0);                  // Hit[index=417, id=dogs/a.jpg, y=12, x=3, activation=37.2, box=[...]]
 * ImageIO.write(r.grid(), "png", new File("patches.png"));
 * }</pre>
 *
 * <p>Immutable; {@code withX} methods return validated copies. The scan does not modify the dataset.
 */
public final class MaxActivatingPatches {
    /** Default number of channels scanned (the first ones). */
    public static final int DEFAULT_CHANNELS = 16;
    /** Default number of patches per channel. */
    public static final int DEFAULT_TOP = 9;
    /** Default number of images per forward pass. */
    public static final int DEFAULT_BATCH_SIZE = 32;
    /** The patch width in pixels that the grid's nearest-neighbour upscaling aims at. */
    public static final int TARGET_PATCH = 64;

    /**
     * One of a channel's strongest units.
     *
     * @param index      the image's index in the dataset
     * @param id         the image's id (its index as text, or a folder image's relative path)
     * @param label      its label, or {@link Batch#NO_LABEL}
     * @param y          the unit's row in the layer's output
     * @param x          the unit's column
     * @param activation the unit's value
     * @param box        its receptive field in input pixels {@code {y0, x0, y1, x1}}, end exclusive
     */
    public record Hit(int index, String id, int label, int y, int x, float activation, int[] box) {
        /** Copies the box. */
        public Hit {
            box = box.clone();
        }

        /** @return a copy of the box */
        @Override
        public int[] box() {
            return box.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Hit h && h.index == index && h.id.equals(id) && h.label == label && h.y == y && h.x == x
                    && Float.compare(h.activation, activation) == 0 && Arrays.equals(h.box, box);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * index + y) + x;
        }

        @Override
        public String toString() {
            return "Hit[index=" + index + ", id=" + id + ", y=" + y + ", x=" + x + ", activation=" + activation
                    + ", box=" + Arrays.toString(box) + "]";
        }
    }

    /**
     * What a scan found.
     *
     * @param layer    the layer
     * @param channels the channels, in row order
     * @param hits     per channel, its hits by decreasing activation (fewer than k if the dataset is smaller)
     * @param patches  per channel, the crops of its hits
     * @param guided   per channel, the guided-backprop views of its hits; empty lists when not asked for
     * @param scanned  the number of images scanned
     */
    public record Result(String layer, int[] channels, List<List<Hit>> hits, List<List<BufferedImage>> patches,
            List<List<BufferedImage>> guided, int scanned) {
        /** Copies the lists. */
        public Result {
            channels = channels.clone();
            hits = hits.stream().map(List::copyOf).toList();
            patches = patches.stream().map(List::copyOf).toList();
            guided = guided.stream().map(List::copyOf).toList();
        }

        /** @return a copy of the channels */
        @Override
        public int[] channels() {
            return channels.clone();
        }

        /**
         * One line for JShell and logs, e.g. {@code "MaxActivatingPatches.Result[relu3, channels 0..7, top 9 of 300
         * images scanned, activations 0.512 to 7.93]"}.
         *
         * @return the description (never the patches)
         */
        @Override
        public String toString() {
            int k = hits.stream().mapToInt(List::size).max().orElse(0);
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (List<Hit> row : hits) {
                for (Hit h : row) {
                    lo = Math.min(lo, h.activation());
                    hi = Math.max(hi, h.activation());
                }
            }
            String chans = channels.length == 0 ? "no channels"
                    : channels.length == 1 ? "channel " + channels[0]
                    : channels[channels.length - 1] - channels[0] == channels.length - 1
                            ? "channels " + channels[0] + ".." + channels[channels.length - 1]
                            : channels.length + " channels";
            return "MaxActivatingPatches.Result[" + layer + ", " + chans + ", top " + k + " of " + scanned
                    + " images scanned" + (k == 0 ? "" : String.format(Locale.ROOT, ", activations %.4g to %.4g", lo, hi))
                    + (guided.stream().anyMatch(g -> !g.isEmpty()) ? ", with guided backprop" : "") + "]";
        }

        /**
         * Draws the patches: one row per channel, its top-k patches left to right (then, with guided backprop, the k
         * guided views), each upscaled by nearest neighbour by one integer factor so that the largest is about
         * {@value #TARGET_PATCH} pixels wide, smaller (border) patches centred in their cells, white gutters.
         *
         * @return the grid
         * @throws IllegalArgumentException if nothing was found (an empty dataset) or the picture would be too large
         */
        public BufferedImage grid() {
            int k = hits.stream().mapToInt(List::size).max().orElse(0);
            if (k == 0) {
                throw new IllegalArgumentException("no patches to draw: the scan saw no image");
            }
            int largest = 1;
            for (List<BufferedImage> row : patches) {
                for (BufferedImage p : row) {
                    largest = Math.max(largest, Math.max(p.getWidth(), p.getHeight()));
                }
            }
            int s = Math.max(1, Math.round((float) TARGET_PATCH / largest));
            boolean withGuided = guided.stream().anyMatch(g -> !g.isEmpty());
            int columns = withGuided ? 2 * k : k;
            List<BufferedImage> tiles = new ArrayList<>();
            BufferedImage blank = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
            blank.setRGB(0, 0, 0xFFFFFF);
            for (int c = 0; c < patches.size(); c++) {
                for (int j = 0; j < k; j++) {
                    tiles.add(j < patches.get(c).size() ? up(patches.get(c).get(j), s) : blank);
                }
                if (withGuided) {
                    for (int j = 0; j < k; j++) {
                        tiles.add(j < guided.get(c).size() ? up(guided.get(c).get(j), s) : blank);
                    }
                }
            }
            return TileGrid.grid(tiles, columns, 2, null);
        }

        private static BufferedImage up(BufferedImage p, int s) {
            return s == 1 ? p : Resample.nearest(p, p.getWidth() * s, p.getHeight() * s);
        }
    }

    private final Model model;
    private final String layer;
    private final int from;
    private final int to;
    private final int top;
    private final int batchSize;
    private final boolean guidedBackprop;
    private final ScanProgress listener;

    private MaxActivatingPatches(Model model, String layer, int from, int to, int top, int batchSize, boolean guidedBackprop,
            ScanProgress listener) {
        this.model = model;
        this.layer = layer;
        this.from = from;
        this.to = to;
        this.top = top;
        this.batchSize = batchSize;
        this.guidedBackprop = guidedBackprop;
        this.listener = listener;
    }

    /**
     * Patches of a model's layer, with the defaults.
     *
     * @param model the model
     * @return the options
     * @throws IllegalArgumentException if the model is null
     */
    public static MaxActivatingPatches of(Model model) {
        if (model == null) {
            throw new IllegalArgumentException("MaxActivatingPatches need a model, found null");
        }
        return new MaxActivatingPatches(model, null, 0, 0, DEFAULT_TOP, DEFAULT_BATCH_SIZE, false, ScanProgress.NONE);
    }

    /**
     * @param name a layer with a 4-D output
     * @return a copy
     * @throws IllegalArgumentException if there is no such node (naming the closest names) or it is a constant
     */
    public MaxActivatingPatches withLayer(String name) {
        Node n = model.graph().node(name);
        if (n.op() instanceof Constant) {
            throw new IllegalArgumentException("'" + name + "' is a constant (weights), not a layer");
        }
        return new MaxActivatingPatches(model, name, from, to, top, batchSize, guidedBackprop, listener);
    }

    /** @return the layer: the one set, or the last layer with a spatial output. */
    public String layer() {
        return layer != null ? layer : Activations.of(model).layer();
    }

    /**
     * @param first the first channel, at least 0
     * @param end   one past the last channel, more than {@code first} (and at most the layer's channels, checked by
     *              {@link #scan})
     * @return a copy scanning channels {@code first .. end-1}
     * @throws IllegalArgumentException if the range is empty or negative
     */
    public MaxActivatingPatches withChannels(int first, int end) {
        if (first < 0 || end <= first) {
            throw new IllegalArgumentException("channels must be a range first < end with first >= 0, found " + first
                    + ".." + end);
        }
        return new MaxActivatingPatches(model, layer, first, end, top, batchSize, guidedBackprop, listener);
    }

    /**
     * @return {@code {first, end}} of the channel range (end exclusive); {@code {0, 0}} for the default, the first
     *         {@value #DEFAULT_CHANNELS} channels (all of them if the layer has fewer)
     */
    public int[] channels() {
        return new int[] {from, to};
    }

    /**
     * @param k patches per channel, 1 to 1,000
     * @return a copy
     * @throws IllegalArgumentException if out of range
     */
    public MaxActivatingPatches withTop(int k) {
        if (k < 1 || k > 1000) {
            throw new IllegalArgumentException("top must be 1 to 1000, found " + k);
        }
        return new MaxActivatingPatches(model, layer, from, to, k, batchSize, guidedBackprop, listener);
    }

    /** @return the patches per channel. */
    public int top() {
        return top;
    }

    /**
     * @param n images per forward pass, at least 1
     * @return a copy
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public MaxActivatingPatches withBatchSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + n);
        }
        return new MaxActivatingPatches(model, layer, from, to, top, n, guidedBackprop, listener);
    }

    /** @return the images per forward pass. */
    public int batchSize() {
        return batchSize;
    }

    /**
     * @param on whether to compute each patch's guided-backprop view
     * @return a copy
     */
    public MaxActivatingPatches withGuidedBackprop(boolean on) {
        return new MaxActivatingPatches(model, layer, from, to, top, batchSize, on, listener);
    }

    /** @return whether guided-backprop views are computed. */
    public boolean guidedBackprop() {
        return guidedBackprop;
    }

    /**
     * @param l told after every batch (e.g. to draw a progress bar); not null
     * @return a copy
     * @throws IllegalArgumentException if null
     */
    public MaxActivatingPatches withListener(ScanProgress l) {
        if (l == null) {
            throw new IllegalArgumentException("the listener must not be null (use ScanProgress.NONE)");
        }
        return new MaxActivatingPatches(model, layer, from, to, top, batchSize, guidedBackprop, l);
    }

    /** @return the scan listener. */
    public ScanProgress listener() {
        return listener;
    }

    /** A hit before its box is known. */
    private record Candidate(int index, String id, int label, int y, int x, float activation) {
    }

    /** Heap order: weakest first; among equals the larger index first (it is the one evicted). */
    private static final Comparator<Candidate> WEAKEST_FIRST = Comparator.comparingDouble(Candidate::activation)
            .thenComparing(Comparator.comparingInt(Candidate::index).reversed());

    /**
     * Scans a dataset.
     *
     * @param dataset the images (or preprocessed tensors) to scan
     * @return the hits, their patches and (if asked) their guided-backprop views
     * @throws IOException              naming the file if an example cannot be read
     * @throws IllegalArgumentException if the layer's output is not 4-D, the channel range exceeds its channels, or
     *                                  an example does not fit the model
     * @throws dev.cnnviz.api.ResourceLimitException if a batch's forward pass is over the memory budget (use smaller
     *                                  batches)
     */
    public Result scan(Dataset dataset) throws IOException {
        String name = layer();
        InputSpec spec = model.inputSpec();
        long[] shape = model.graph().shapes(spec.batchShape(1)).get(name);
        if (shape.length != 4) {
            throw new IllegalArgumentException("layer '" + name + "' has output " + Arrays.toString(shape)
                    + ": patches need a spatial layer [N, C, h, w]");
        }
        int to = this.to == 0 ? (int) Math.min(DEFAULT_CHANNELS, shape[1]) : this.to;
        if (to > shape[1]) {
            throw new IllegalArgumentException("channels " + from + ".." + (to - 1) + " exceed the " + shape[1]
                    + " channels of layer '" + name + "'");
        }
        ReceptiveField field = ReceptiveField.of(model.graph(), name, spec.batchShape(1));
        int channels = to - from;
        List<PriorityQueue<Candidate>> heaps = new ArrayList<>(channels);
        for (int c = 0; c < channels; c++) {
            heaps.add(new PriorityQueue<>(top + 1, WEAKEST_FIRST));
        }
        int total = dataset.size();
        int[] done = {0};
        dataset.forEachBatch(batchSize, batch -> {
            INDArray x = batch.toInput(spec);
            try (ForwardPass pass = model.graph().infer(x.castTo(model.graph().dataType()), List.of(name))) {
                INDArray a = pass.get(name);
                long h = a.size(2);
                long w = a.size(3);
                int plane = (int) (h * w);
                float[] values = a.get(NDArrayIndex.all(),
                        NDArrayIndex.interval(from, from + channels)).castTo(DataType.FLOAT).dup('c').data().asFloat();
                for (int n = 0; n < batch.size(); n++) {
                    for (int c = 0; c < channels; c++) {
                        int base = (n * channels + c) * plane;
                        int best = 0;
                        for (int p = 1; p < plane; p++) {
                            if (values[base + p] > values[base + best]) {
                                best = p;
                            }
                        }
                        offer(heaps.get(c), new Candidate(batch.index(n), batch.id(n), batch.label(n), (int) (best / w),
                                (int) (best % w), values[base + best]));
                    }
                }
            } finally {
                if (!batch.isTensor()) {
                    x.close();
                }
            }
            done[0] += batch.size();
            listener.progress(done[0], total);
        });
        List<List<Hit>> hits = new ArrayList<>();
        for (PriorityQueue<Candidate> heap : heaps) {
            List<Candidate> sorted = new ArrayList<>(heap);
            sorted.sort(WEAKEST_FIRST.reversed());
            List<Hit> row = new ArrayList<>();
            for (Candidate c : sorted) {
                row.add(new Hit(c.index(), c.id(), c.label(), c.y(), c.x(), c.activation(), field.box(c.y(), c.x())));
            }
            hits.add(row);
        }
        int[] channelList = new int[channels];
        Arrays.setAll(channelList, i -> from + i);
        return crop(dataset, name, channelList, hits, done[0]);
    }

    private void offer(PriorityQueue<Candidate> heap, Candidate c) {
        if (Float.isNaN(c.activation())) {
            throw new IllegalArgumentException("the activation of image " + c.id() + " at (" + c.y() + ", " + c.x()
                    + ") of layer '" + layer() + "' is NaN");
        }
        if (heap.size() < top) {
            heap.add(c);
        } else if (WEAKEST_FIRST.compare(c, heap.peek()) > 0) {
            heap.poll();
            heap.add(c);
        }
    }

    /** Reads the hits' images again, a batch at a time, and crops their patches (and guided views). */
    private Result crop(Dataset dataset, String name, int[] channels, List<List<Hit>> hits, int scanned) throws IOException {
        InputSpec spec = model.inputSpec();
        TreeSet<Integer> wanted = new TreeSet<>();
        hits.forEach(row -> row.forEach(h -> wanted.add(h.index())));
        Map<Integer, List<int[]>> byImage = new LinkedHashMap<>(); // image -> (channel row, rank)
        for (int c = 0; c < hits.size(); c++) {
            for (int j = 0; j < hits.get(c).size(); j++) {
                byImage.computeIfAbsent(hits.get(c).get(j).index(), i -> new ArrayList<>()).add(new int[] {c, j});
            }
        }
        List<List<BufferedImage>> patches = new ArrayList<>();
        List<List<BufferedImage>> guided = new ArrayList<>();
        for (List<Hit> row : hits) {
            patches.add(new ArrayList<>(Collections.nCopies(row.size(), (BufferedImage) null)));
            guided.add(new ArrayList<>(Collections.nCopies(guidedBackprop ? row.size() : 0, (BufferedImage) null)));
        }
        List<Integer> order = new ArrayList<>(wanted);
        boolean bgr = spec.preprocessing().order() == ChannelOrder.BGR;
        GuidedBackprop gb = guidedBackprop ? GuidedBackprop.of(model).withBatchSize(batchSize) : null;
        for (int start = 0; start < order.size(); start += batchSize) {
            List<Integer> chunk = order.subList(start, Math.min(order.size(), start + batchSize));
            Batch b = dataset.select(chunk.stream().mapToInt(Integer::intValue).toArray());
            INDArray x = b.toInput(spec);
            List<BufferedImage> seen = new ArrayList<>();
            for (BufferedImage img : ImageTensors.toImages(x, spec.preprocessing())) {
                seen.add(ImageIo.toRgb(img)); // grey images by their raw samples, not through getRGB's gamma
            }
            List<INDArray> examples = new ArrayList<>();
            List<Target> targets = new ArrayList<>();
            List<int[]> slots = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                for (int[] slot : byImage.get(chunk.get(i))) {
                    Hit h = hits.get(slot[0]).get(slot[1]);
                    int[] box = h.box();
                    patches.get(slot[0]).set(slot[1], crop(seen.get(i), box));
                    if (gb != null) {
                        examples.add(x.get(NDArrayIndex.interval(i, i + 1)));
                        targets.add(Target.neuron(name, channels[slot[0]], h.y(), h.x()));
                        slots.add(slot);
                    }
                }
            }
            if (gb != null) {
                for (int g = 0; g < examples.size(); g += batchSize) {
                    int end = Math.min(examples.size(), g + batchSize);
                    try (INDArray stacked = Nd4j.concat(0, examples.subList(g, end).toArray(new INDArray[0]))) {
                        List<Explanation> es = gb.explain(stacked, targets.subList(g, end));
                        for (int e = 0; e < es.size(); e++) {
                            int[] slot = slots.get(g + e);
                            guided.get(slot[0]).set(slot[1], signedImage(es.get(e).attribution(),
                                    hits.get(slot[0]).get(slot[1]).box(), bgr));
                        }
                    }
                }
            }
            if (!b.isTensor()) {
                x.close();
            }
        }
        return new Result(name, channels, hits, patches, guided, scanned);
    }

    private static BufferedImage crop(BufferedImage img, int[] box) {
        int h = Math.max(1, box[2] - box[0]);
        int w = Math.max(1, box[3] - box[1]);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        if (box[2] > box[0] && box[3] > box[1]) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out.setRGB(x, y, img.getRGB(box[1] + x, box[0] + y));
                }
            }
        }
        return out;
    }

    /**
     * The gradient {@code [C, H, W]} inside the box, as {@code 0.5 + 0.5 g / max|g|}: grey for one channel, colour
     * (in RGB order, also for a BGR model) for three.
     */
    static BufferedImage signedImage(Tensor g, int[] box, boolean bgr) {
        int c = g.size(0);
        int hh = g.size(1);
        int ww = g.size(2);
        int h = Math.max(1, box[2] - box[0]);
        int w = Math.max(1, box[3] - box[1]);
        float[] d = g.data();
        double max = 0;
        for (int k = 0; k < c; k++) {
            for (int y = box[0]; y < box[2]; y++) {
                for (int x = box[1]; x < box[3]; x++) {
                    max = Math.max(max, Math.abs(d[(k * hh + y) * ww + x]));
                }
            }
        }
        float[] crop = new float[c * h * w];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < h && box[0] + y < box[2]; y++) {
                for (int x = 0; x < w && box[1] + x < box[3]; x++) {
                    double v = d[(k * hh + box[0] + y) * ww + box[1] + x];
                    int plane = c == 3 && bgr ? 2 - k : k;
                    crop[(plane * h + y) * w + x] = (float) (max > 0 ? 0.5 + 0.5 * v / max : 0.5);
                }
            }
        }
        return TileGrid.tile(crop, 0, c == 3 ? 3 : 1, h, w, 0, 1, 1, null);
    }

    @Override
    public String toString() {
        return "MaxActivatingPatches[layer " + (layer == null ? "(last spatial layer)" : layer) + ", channels " + from
                + ".." + (to - 1) + ", top " + top + ", batch " + batchSize + (guidedBackprop ? ", guided backprop" : "") + "]";
    }
}
