package dev.cnnviz.core.style;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Input;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Feed-forward style transfer (Johnson, Alahi and Fei-Fei, "Perceptual losses for real-time style transfer and
 * super-resolution", ECCV 2016): an image transformation network trained for one style stylizes any photograph in
 * one forward pass, {@code y = f_W(x)}. This class runs such a network, for example the {@code candy.onnx} and
 * {@code mosaic.onnx} of the Windows ML samples, on images of any size.
 *
 * <p><b>Any size.</b> These networks are fully convolutional; a file declares the size it was exported at
 * (720×720 for candy), so {@link #load} frees the input's height and width (ONNX ConvTranspose's
 * {@code output_shape} is imported as the padding it implies, which gives every size the geometry the network
 * was designed for). A network whose downsampling makes the output a little larger than the input (candy and
 * mosaic give {@code 4·⌈H/4⌉}) is cropped to the input's size, keeping the top-left corner, in
 * {@link #stylize(BufferedImage)} and {@link #stylizeRgb}; {@link #run} returns the raw output. "Any size" has a
 * floor: reflect padding needs an input larger than the pad (candy and mosaic pad by 40, so images of at least
 * 41×41), which {@link #minWidth()} and {@link #minHeight()} give and every method checks.
 *
 * <p><b>Pixels.</b> The network takes pixels through the model's {@link Preprocessing} (for an ONNX file:
 * 0..255, no mean) in the model's channel order, and returns pixels 0..255 in the same order. The importer reads
 * the order from the model's doc strings where they state it (candy and mosaic: "Image(s) in BGR format");
 * otherwise it is RGB, and {@link #withChannelOrder} sets it. Outputs are clipped to 0..255 only when made into
 * images: {@link #run} and {@link #stylizeRgb} keep the raw values (about 4% of candy's fall outside 0..255).
 *
 * <pre>{@code
 * FeedForwardStyle candy = FeedForwardStyle.load(Models.load(Path.of("candy.onnx")));   // BGR, from its doc strings
 * BufferedImage out = candy.stylize(ImageIo.read(Path.of("chelsea.png")));              // same size as the photo
 * INDArray rgb = candy.stylizeRgb(List.of(photo));                                     // float32 [1,3,H,W] RGB 0..255
 * FeedForwardStyle.load(model).withChannelOrder(ChannelOrder.RGB).withBatchSize(2);    // options are copies
 * }</pre>
 *
 * <p>Defaults: the model's channel order, batches of {@value #DEFAULT_BATCH_SIZE} images of equal size.
 * Instances are immutable and thread-safe.
 */
public final class FeedForwardStyle {
    /** Images of equal size run through the network this many at a time, unless set otherwise. */
    public static final int DEFAULT_BATCH_SIZE = 4;

    private final Model model;
    private final ChannelOrder order;
    private final int batchSize;
    /** The smallest input height and width the network accepts (candy and mosaic: 41, their reflect padding is 40). */
    private final int minHeight;
    private final int minWidth;

    private FeedForwardStyle(Model model, ChannelOrder order, int batchSize, int minHeight, int minWidth) {
        this.model = model;
        this.order = order;
        this.batchSize = batchSize;
        this.minHeight = minHeight;
        this.minWidth = minWidth;
    }

    /**
     * A stylizer running {@code model}, an image transformation network {@code [N, 3, H, W] → [N, 3, H', W']}.
     * Its graph gets an input of free height and width (see the class comment); the model's preprocessing and
     * channel order are kept.
     *
     * @param model a model with one three-channel image input and a three-channel image output
     * @return the stylizer
     * @throws IllegalArgumentException if the model's input is not three-channel, or its output at the declared
     *                                  input size is not a {@code [1, 3, H, W]} image
     */
    public static FeedForwardStyle load(Model model) {
        Objects.requireNonNull(model, "model");
        InputSpec spec = model.inputSpec();
        if (spec.channels() != 3) {
            throw new IllegalArgumentException("a style network takes a colour image, but the model's input has "
                    + spec.channels() + " channel(s): " + model.source());
        }
        Graph g = model.graph();
        long[] out = g.shapes(1, 3, spec.height(), spec.width()).get(g.outputName());
        if (out.length != 4 || out[1] != 3) {
            throw new IllegalArgumentException("a style network returns an image [N, 3, H, W], but the model's output '"
                    + g.outputName() + "' has shape " + Arrays.toString(out) + " for a " + spec.height() + "x"
                    + spec.width() + " input: " + model.source());
        }
        ChannelOrder o = spec.preprocessing().order() == ChannelOrder.BGR ? ChannelOrder.BGR : ChannelOrder.RGB;
        Graph free = anySize(g);
        int minH = smallestAccepted(free, spec.height(), s -> new long[] {1, 3, s, spec.width()});
        int minW = smallestAccepted(free, spec.width(), s -> new long[] {1, 3, spec.height(), s});
        return new FeedForwardStyle(model.withGraph(free), o, DEFAULT_BATCH_SIZE, minH, minW);
    }

    /**
     * The smallest side in {@code 1..declared} for which the graph's shapes are defined (reflect padding needs an
     * input larger than the pad, strided convolutions at least one output pixel), by bisection: static shape
     * inference only, nothing is computed.
     */
    private static int smallestAccepted(Graph g, int declared, java.util.function.IntFunction<long[]> shape) {
        int lo = 1;
        int hi = declared;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (accepts(g, shape.apply(mid))) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private static boolean accepts(Graph g, long[] shape) {
        try {
            g.shapes(shape);
            return true;
        } catch (IllegalArgumentException | ArithmeticException e) {
            return false;
        }
    }

    /** @return the smallest image height the network accepts (41 for candy and mosaic) */
    public int minHeight() {
        return minHeight;
    }

    /** @return the smallest image width the network accepts (41 for candy and mosaic) */
    public int minWidth() {
        return minWidth;
    }

    /** The same graph with the image input's height and width free (kept: engine choice and memory budget). */
    static Graph anySize(Graph g) {
        Graph.Builder b = Graph.builder();
        String input = g.inputName();
        for (Node n : g.nodes()) {
            if (n.name().equals(input) && n.op() instanceof Input in) {
                long[] s = in.shape();
                s[s.length - 1] = -1;
                s[s.length - 2] = -1;
                b.input(n.name(), s);
            } else {
                b.add(n);
            }
        }
        Graph free = b.output(g.outputName()).scores(g.scoresNode()).build().withMemoryBudget(g.memoryBudget());
        return g.usesOneDnn() ? free : free.withNd4jOnly();
    }

    /**
     * A copy that feeds and reads the network's pixels in {@code newOrder}: for a network whose file does not say
     * (the importer then assumes RGB) or says wrongly.
     *
     * @param newOrder RGB or BGR
     * @throws IllegalArgumentException for GREY or null
     */
    public FeedForwardStyle withChannelOrder(ChannelOrder newOrder) {
        if (newOrder != ChannelOrder.RGB && newOrder != ChannelOrder.BGR) {
            throw new IllegalArgumentException("a style network's channel order is RGB or BGR, found " + newOrder);
        }
        return new FeedForwardStyle(model, newOrder, batchSize, minHeight, minWidth);
    }

    /** @return the channel order of the network's input and output pixels */
    public ChannelOrder channelOrder() {
        return order;
    }

    /**
     * A copy that runs at most {@code n} images of equal size in one forward pass.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public FeedForwardStyle withBatchSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + n);
        }
        return new FeedForwardStyle(model, order, n, minHeight, minWidth);
    }

    /** @return the number of images of equal size run in one forward pass */
    public int batchSize() {
        return batchSize;
    }

    /** @return the model run, with its input's height and width free */
    public Model model() {
        return model;
    }

    /** The preprocessing of the network's input: the model's, in this stylizer's channel order. */
    private Preprocessing preprocessing() {
        return model.inputSpec().preprocessing().withOrder(order);
    }

    /**
     * Runs the network on a batch as it takes it: {@code [N, 3, H, W]} preprocessed pixels in
     * {@link #channelOrder()}. The result is the network's raw output (its own size and channel order, not
     * clipped), a new array the caller owns.
     *
     * @param batch float32 {@code [N, 3, H, W]}, any {@code H, W} the network accepts
     * @return float32 {@code [N, 3, H', W']}
     * @throws IllegalArgumentException if the batch is not {@code [N, 3, H, W]}, or its images are smaller than
     *                                  {@link #minWidth()} × {@link #minHeight()}
     * @throws dev.cnnviz.api.ResourceLimitException if the pass needs more than the graph's memory budget
     */
    public INDArray run(INDArray batch) {
        Objects.requireNonNull(batch, "batch");
        if (batch.rank() != 4 || batch.size(1) != 3) {
            throw new IllegalArgumentException("a style network takes a batch [N, 3, H, W], found " + Arrays.toString(batch.shape()));
        }
        requireSize(batch.size(2), batch.size(3));
        try (ForwardPass pass = model.graph().infer(batch, List.of())) {
            return pass.output().dup();
        }
    }

    /**
     * Stylizes one image: the result has the content's size, clipped to 0..255.
     *
     * @param content any image (its alpha is ignored)
     * @return a new RGB image of the content's size
     * @throws IllegalArgumentException if the image is smaller than {@link #minWidth()} × {@link #minHeight()}
     */
    public BufferedImage stylize(BufferedImage content) {
        return stylize(List.of(Objects.requireNonNull(content, "content"))).get(0);
    }

    /**
     * Stylizes several images (each keeps its size; consecutive images of equal size share forward passes of up
     * to {@link #batchSize()}).
     *
     * @param contents the images, at least one, none null
     * @return new RGB images, in the same order
     * @throws IllegalArgumentException if an image is smaller than {@link #minWidth()} × {@link #minHeight()}
     */
    public List<BufferedImage> stylize(List<BufferedImage> contents) {
        List<BufferedImage> out = new ArrayList<>();
        forEachBatch(contents, y -> {
            out.addAll(ImageTensors.toImages(y, Preprocessing.raw(ChannelOrder.RGB)));
            y.close();
        });
        return out;
    }

    /**
     * Stylizes images of one size into one array, as {@code --save-npy} writes it: float32 {@code [N, 3, H, W]},
     * RGB, 0..255, not clipped, each output cropped to its content's size.
     *
     * @param contents images of equal size, at least one
     * @return a new array the caller owns
     * @throws IllegalArgumentException if the images differ in size or are smaller than {@link #minWidth()} ×
     *                                  {@link #minHeight()}
     */
    public INDArray stylizeRgb(List<BufferedImage> contents) {
        requireImages(contents);
        BufferedImage first = contents.get(0);
        for (int i = 1; i < contents.size(); i++) {
            BufferedImage b = contents.get(i);
            if (b.getWidth() != first.getWidth() || b.getHeight() != first.getHeight()) {
                throw new IllegalArgumentException("stylizeRgb needs images of one size: image 0 is " + first.getWidth() + "x"
                        + first.getHeight() + ", image " + i + " is " + b.getWidth() + "x" + b.getHeight());
            }
        }
        List<INDArray> parts = new ArrayList<>();
        forEachBatch(contents, parts::add);
        if (parts.size() == 1) {
            return parts.get(0);
        }
        INDArray all = Nd4j.concat(0, parts.toArray(new INDArray[0]));
        parts.forEach(INDArray::close);
        return all;
    }

    /** Throws if an {@code h × w} input is smaller than the network accepts. */
    private void requireSize(long h, long w) {
        if (h < minHeight || w < minWidth) {
            throw new IllegalArgumentException("this style network needs images of at least " + minWidth + "x" + minHeight
                    + " (width x height), found " + w + "x" + h + ": " + model.source());
        }
    }

    private static void requireImages(List<BufferedImage> contents) {
        Objects.requireNonNull(contents, "contents");
        if (contents.isEmpty()) {
            throw new IllegalArgumentException("stylize needs at least one image, found none");
        }
        for (int i = 0; i < contents.size(); i++) {
            if (contents.get(i) == null) {
                throw new IllegalArgumentException("image " + i + " of " + contents.size() + " is null");
            }
        }
    }

    /** Runs runs of equal-size images in batches; gives each batch's output as float32 RGB 0..255, cropped. */
    private void forEachBatch(List<BufferedImage> contents, java.util.function.Consumer<INDArray> sink) {
        requireImages(contents);
        Preprocessing pre = preprocessing();
        int i = 0;
        while (i < contents.size()) {
            BufferedImage first = contents.get(i);
            int h = first.getHeight();
            int w = first.getWidth();
            int j = i + 1;
            while (j < contents.size() && j - i < batchSize && contents.get(j).getWidth() == w
                    && contents.get(j).getHeight() == h) {
                j++;
            }
            requireSize(h, w);
            InputSpec spec = new InputSpec(3, h, w, Layout.NCHW, pre);
            try (INDArray x = ImageTensors.toBatch(contents.subList(i, j), spec)) {
                INDArray y = run(x);
                sink.accept(toRgb(y, h, w));
            }
            i = j;
        }
    }

    /** The raw output (closed here) as RGB 0..255 of {@code h × w}: cropped when larger, resized when smaller. */
    private INDArray toRgb(INDArray y, int h, int w) {
        long oh = y.size(2);
        long ow = y.size(3);
        INDArray sized;
        if (oh >= h && ow >= w) {
            sized = y.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, h), NDArrayIndex.interval(0, w))
                    .dup('c');
        } else {
            // a network that shrinks the image: bring it back to the content's size
            float[] planes = y.castTo(DataType.FLOAT).data().asFloat();
            int n = (int) y.size(0);
            float[] all = new float[n * 3 * h * w];
            int per = (int) (3 * oh * ow);
            for (int k = 0; k < n; k++) {
                float[] one = Arrays.copyOfRange(planes, k * per, (k + 1) * per);
                float[] r = ImageResize.resizePlanes(one, 3, (int) ow, (int) oh, w, h, ImageResize.DEFAULT_FILTER);
                System.arraycopy(r, 0, all, k * 3 * h * w, 3 * h * w);
            }
            sized = Nd4j.create(all, new long[] {n, 3, h, w}, 'c');
        }
        y.close();
        INDArray rgb = sized.castTo(DataType.FLOAT);
        if (rgb != sized) {
            sized.close();
        }
        if (order == ChannelOrder.BGR) {
            INDArray swapped = Nd4j.concat(1,
                    rgb.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 3), NDArrayIndex.all(), NDArrayIndex.all()),
                    rgb.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2), NDArrayIndex.all(), NDArrayIndex.all()),
                    rgb.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1), NDArrayIndex.all(), NDArrayIndex.all()));
            rgb.close();
            return swapped;
        }
        return rgb;
    }
}
