package dev.cnnviz.core.style;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.optim.Adam;
import dev.cnnviz.core.optim.StyleLoss;
import dev.cnnviz.core.train.GraphComposer;
import dev.cnnviz.core.train.RandomCrops;
import dev.cnnviz.core.train.Trainer;
import dev.cnnviz.core.train.TrainingHistory;
import dev.cnnviz.core.train.TrainingListener;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains a feed-forward style network (Johnson, Alahi &amp; Fei-Fei 2016, "Perceptual Losses for Real-Time Style
 * Transfer and Super-Resolution"): a {@link TransformNet} learns to map any photograph to the style of one image, by
 * minimising the {@link PerceptualLoss} on a fixed loss network over batches of random crops of a folder of photos.
 * Once trained, one forward pass stylizes an image.
 *
 * <p>The training graph is the transformation network with the loss network appended ({@link GraphComposer}): the
 * network's RGB 0..255 output goes through the loss model's own {@link Preprocessing} (channel order, scale, mean,
 * std; a fixed 1×1 convolution in the graph) into the loss network cut after its deepest loss layer. Only the
 * transformation network's weights train ({@link Trainer}, Adam).
 *
 * <p>Defaults: the paper's optimisation (Adam, lr 1e-3, batch 4, 256-pixel crops, 40,000 steps, network width 32
 * with 5 residual blocks) with the loss layers chosen for the shared SqueezeNet 1.1 the way the paper chose VGG-16's:
 * content at {@code concat_fire2/concat_1} (after the first pooling, as relu2_2), style at {@code relu_conv1_2},
 * {@code concat_fire3/concat_1}, {@code concat_fire4/concat_1}, {@code concat_fire5/concat_1} (one per resolution,
 * as relu1_2 … relu4_3); weights content 1, style {@value #DEFAULT_STYLE_WEIGHT}, TV {@value #DEFAULT_TV_WEIGHT}, which
 * on SqueezeNet's Caffe-preprocessed inputs make the initial style term some tens of times the content term
 * (starry_night.jpg on the shared photos: about 30 times). Other loss networks take their own layer names
 * ({@link #withContentLayer}, {@link #withStyleLayers}). A small configuration
 * that trains in minutes on two cores: {@code withWidth(16).withResidualBlocks(3).withSize(128).withBatch(2)} and a
 * few hundred steps.
 *
 * <pre>{@code
 * Model squeeze = Models.load(Path.of("squeezenet1.1-imagenet.onnx")).withPreprocessing(Preprocessing.caffeBgr(104, 117, 123));
 * FeedForwardTraining.Result r = FeedForwardTraining.of(squeeze, ImageIo.read(Path.of("starry_night.jpg")))
 *         .withWidth(16).withResidualBlocks(3).withSize(128).withBatch(2).withSteps(500).withSeed(1)
 *         .train(ImageFolder.of(Path.of("photos")), TrainingListener.NONE);
 * BufferedImage out = r.stylize(photo);
 * }</pre>
 */
public final class FeedForwardTraining {
    /** The default content layer (of the shared SqueezeNet 1.1 ONNX). */
    public static final String DEFAULT_CONTENT_LAYER = "concat_fire2/concat_1";
    /** The default style layers (of the shared SqueezeNet 1.1 ONNX). */
    public static final List<String> DEFAULT_STYLE_LAYERS = List.of("relu_conv1_2", "concat_fire3/concat_1",
            "concat_fire4/concat_1", "concat_fire5/concat_1");
    /** The default style weight λ_s. */
    public static final double DEFAULT_STYLE_WEIGHT = 100;
    /** The default total-variation weight λ_tv. */
    public static final double DEFAULT_TV_WEIGHT = 1e-6;
    /** The most steps a run may ask for. */
    public static final int MAX_STEPS = 10_000_000;

    private static final String LOSS_PREFIX = "loss/";
    private static final String PRE_IN = "pre/input";
    private static final String PRE_OUT = "pre/output";

    private final Model lossModel;
    private final BufferedImage styleImage;
    private final Map<String, Object> o;

    private FeedForwardTraining(Model lossModel, BufferedImage styleImage, Map<String, Object> options) {
        this.lossModel = lossModel;
        this.styleImage = styleImage;
        this.o = options;
    }

    /**
     * @param lossModel  the loss network, with its preprocessing (three channels)
     * @param styleImage the style image
     * @return a trainer with the defaults of the class comment
     * @throws IllegalArgumentException if an argument is null or the model does not take three channels
     */
    public static FeedForwardTraining of(Model lossModel, BufferedImage styleImage) {
        if (lossModel == null || styleImage == null) {
            throw new IllegalArgumentException("FeedForwardTraining needs a loss model and a style image, found "
                    + lossModel + " and " + styleImage);
        }
        if (lossModel.inputSpec().channels() != 3) {
            throw new IllegalArgumentException("the loss model must take 3 colour channels, found "
                    + lossModel.inputSpec().channels() + " (" + lossModel.source() + ")");
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("contentLayer", DEFAULT_CONTENT_LAYER);
        d.put("styleLayers", DEFAULT_STYLE_LAYERS);
        d.put("contentWeight", 1.0);
        d.put("styleWeight", DEFAULT_STYLE_WEIGHT);
        d.put("tvWeight", DEFAULT_TV_WEIGHT);
        d.put("steps", 40_000);
        d.put("size", 256);
        d.put("styleSize", 256);
        d.put("batch", 4);
        d.put("learningRate", Adam.DEFAULT_LEARNING_RATE);
        d.put("width", 32);
        d.put("residualBlocks", 5);
        d.put("seed", 0L);
        return new FeedForwardTraining(lossModel, styleImage, d);
    }

    private FeedForwardTraining with(String key, Object value) {
        Map<String, Object> d = new LinkedHashMap<>(o);
        d.put(key, value);
        return new FeedForwardTraining(lossModel, styleImage, d);
    }

    private static double weight(String what, double w) {
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException(what + " must be a finite number >= 0, found " + w);
        }
        return w;
    }

    private static int range(String what, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(what + " must be " + lo + ".." + hi + ", found " + v);
        }
        return v;
    }

    /** @param layer the content layer of the loss model @return a copy */
    public FeedForwardTraining withContentLayer(String layer) {
        lossModel.graph().node(layer);
        return with("contentLayer", layer);
    }

    /** @param layers the style layers of the loss model, at least one @return a copy */
    public FeedForwardTraining withStyleLayers(List<String> layers) {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("at least one style layer is needed, found " + layers);
        }
        layers.forEach(lossModel.graph()::node);
        return with("styleLayers", List.copyOf(layers));
    }

    /** @param w λ_c, finite and at least 0 (default 1) @return a copy */
    public FeedForwardTraining withContentWeight(double w) {
        return with("contentWeight", weight("content weight", w));
    }

    /** @param w λ_s, finite and at least 0 @return a copy */
    public FeedForwardTraining withStyleWeight(double w) {
        return with("styleWeight", weight("style weight", w));
    }

    /** @param w λ_tv, finite and at least 0 @return a copy */
    public FeedForwardTraining withTvWeight(double w) {
        return with("tvWeight", weight("TV weight", w));
    }

    /** @param n training steps, 0..{@value #MAX_STEPS} (default 40,000) @return a copy */
    public FeedForwardTraining withSteps(int n) {
        return with("steps", range("steps", n, 0, MAX_STEPS));
    }

    /** @param px crop side, a multiple of 4 in 16..2048 (default 256) @return a copy */
    public FeedForwardTraining withSize(int px) {
        range("size", px, 16, 2048);
        if (px % 4 != 0) {
            throw new IllegalArgumentException("size must be a multiple of 4 (the network downsamples twice), found " + px);
        }
        return with("size", px);
    }

    /** @param px the style image's shorter side for its Gram matrices, 16..2048 (default 256) @return a copy */
    public FeedForwardTraining withStyleSize(int px) {
        return with("styleSize", range("style size", px, 16, 2048));
    }

    /** @param n examples per batch, 1..256 (default 4) @return a copy */
    public FeedForwardTraining withBatch(int n) {
        return with("batch", range("batch", n, 1, 256));
    }

    /** @param lr Adam's learning rate, finite and positive (default 1e-3) @return a copy */
    public FeedForwardTraining withLearningRate(double lr) {
        Adam.create().withLearningRate(lr);
        return with("learningRate", lr);
    }

    /** @param w the network width (1..256, default 32) @return a copy */
    public FeedForwardTraining withWidth(int w) {
        return with("width", range("width", w, 1, 256));
    }

    /** @param n residual blocks (0..32, default 5) @return a copy */
    public FeedForwardTraining withResidualBlocks(int n) {
        return with("residualBlocks", range("residual blocks", n, 0, 32));
    }

    /** @param s the seed of the initial weights and of the crops (default 0) @return a copy */
    public FeedForwardTraining withSeed(long s) {
        return with("seed", s);
    }

    /** @return the options, by name (a copy) */
    public Map<String, Object> options() {
        return new LinkedHashMap<>(o);
    }

    /**
     * The trained network and its training record.
     *
     * @param network    the transformation network ({@link TransformNet#INPUT} RGB 0..255 to {@link TransformNet#OUTPUT})
     * @param history    the loss per step, by term
     * @param provenance the method, options, seed and loss model
     */
    public record Result(Graph network, TrainingHistory history, Provenance provenance) {
        /**
         * Runs the network on one image at its own size (rounded up to a multiple of 4).
         *
         * @param image the content image
         * @return the stylized image, pixels clamped to 0..255
         */
        public BufferedImage stylize(BufferedImage image) {
            int w = (image.getWidth() + 3) / 4 * 4;
            int h = (image.getHeight() + 3) / 4 * 4;
            Preprocessing raw = Preprocessing.raw(ChannelOrder.RGB);
            try (INDArray x = ImageTensors.toBatch(image, new InputSpec(3, h, w, Layout.NCHW, raw));
                 ForwardPass p = network.infer(x, List.of(TransformNet.OUTPUT))) {
                return ImageTensors.toImage(p.get(TransformNet.OUTPUT), raw);
            }
        }
    }

    /**
     * Trains a network: {@link #start} then {@link Run#train} for the steps asked, then {@link Run#result}.
     *
     * @param images   the training photographs (any size: each is resized to the crop size on its shorter side)
     * @param listener told each step; returning false stops early (the result holds the network so far)
     * @return the trained network
     * @throws IOException naming the file if an image cannot be read
     */
    public Result train(Dataset images, TrainingListener listener) throws IOException {
        try (Run run = start(images)) {
            TrainingHistory h = run.train((int) o.get("steps"), listener);
            return run.result(h);
        }
    }

    /**
     * Prepares a training run without taking a step: builds the network and the training graph and computes the
     * style targets. For benchmarks and for training in stages.
     *
     * @param images the training photographs
     * @return the run, at step 0; close it to free its native memory
     */
    public Run start(Dataset images) {
        return new Run(images);
    }

    /** A training run in progress: the network, the training graph, the loss and Adam's state. */
    public final class Run implements AutoCloseable {
        private final Dataset images;
        private final Graph net;
        private final PerceptualLoss loss;
        private final RandomCrops crops;
        private final Trainer trainer;

        private Run(Dataset images) {
            int size = (int) o.get("size");
            int batch = (int) o.get("batch");
            long seed = (long) o.get("seed");
            String contentLayer = (String) o.get("contentLayer");
            @SuppressWarnings("unchecked")
            List<String> styleLayers = (List<String>) o.get("styleLayers");
            List<String> lossLayers = new ArrayList<>(styleLayers);
            lossLayers.add(contentLayer);
            this.images = images;
            this.crops = RandomCrops.of(images, size, batch).withSeed(seed ^ 0x5DEECE66DL);
            this.net = TransformNet.builder().width((int) o.get("width")).residualBlocks((int) o.get("residualBlocks"))
                    .seed(seed).build();
            Graph lossNet = lossGraph(lossModel, lossLayers);
            Graph chain = GraphComposer.append(net, TransformNet.OUTPUT, lossNet, "");
            List<StyleLoss> styleLosses = styleLosses(lossNet, styleLayers);
            List<String> chainStyle = styleLayers.stream().map(l -> LOSS_PREFIX + l).toList();
            this.loss = new PerceptualLoss(lossNet, LOSS_PREFIX + contentLayer, LOSS_PREFIX + contentLayer, chainStyle,
                    styleLosses, TransformNet.OUTPUT, (double) o.get("contentWeight"), (double) o.get("styleWeight"),
                    (double) o.get("tvWeight"));
            this.trainer = Trainer.of(chain, net.constantNames(),
                    Adam.create().withLearningRate((double) o.get("learningRate")));
        }

        /**
         * Takes more steps.
         *
         * @param steps    the steps to take, at least 0
         * @param listener told each step
         * @return the history of these steps
         * @throws IOException naming the file if an image cannot be read
         */
        public TrainingHistory train(int steps, TrainingListener listener) throws IOException {
            return trainer.train(crops, loss, steps, listener);
        }

        /**
         * @param history the history to report (e.g. that of {@link #train})
         * @return the network with the current weights (copied), the history and the provenance
         */
        public Result result(TrainingHistory history) {
            Graph trained = net.withConstants(trainer.parameters());
            Map<String, String> opts = new LinkedHashMap<>();
            o.forEach((k, v) -> opts.put(k, String.valueOf(v)));
            opts.put("images", images.name());
            opts.put("stepsDone", String.valueOf(trainer.steps()));
            return new Result(trained, history, new Provenance("feed-forward style (Johnson et al. 2016)", opts,
                    (String) o.get("contentLayer"), (long) o.get("seed"), lossModel.source(), Instant.now()));
        }

        /** Frees the parameters and Adam's state. */
        @Override
        public void close() {
            trainer.close();
        }
    }

    /**
     * The loss model as a graph from RGB 0..255 pixels: its preprocessing as a fixed 1×1 convolution, then the
     * network cut after the loss layers, node names prefixed {@code loss/}.
     */
    static Graph lossGraph(Model model, List<String> layers) {
        Graph cut = GraphComposer.prune(model.graph(), layers);
        DataType type = cut.dataType();
        Preprocessing p = model.inputSpec().preprocessing();
        double[] w = new double[9];
        double[] b = new double[3];
        for (int c = 0; c < 3; c++) {
            int src = p.order() == ChannelOrder.BGR ? 2 - c : c;
            double b0 = p.apply(c, 0);
            w[c * 3 + src] = p.apply(c, 1) - b0;
            b[c] = b0;
        }
        Graph pre = Graph.builder()
                .input(PRE_IN, 3, -1, -1)
                .constant("pre/W", Nd4j.create(w, new long[] {3, 3, 1, 1}, DataType.DOUBLE).castTo(type))
                .constant("pre/B", Nd4j.create(b, new long[] {3}, DataType.DOUBLE).castTo(type))
                .add(PRE_OUT, Conv.simple(), PRE_IN, "pre/W", "pre/B")
                .build();
        return GraphComposer.append(pre, PRE_OUT, cut, LOSS_PREFIX);
    }

    private List<StyleLoss> styleLosses(Graph lossNet, List<String> layers) {
        BufferedImage s = ImageResize.resizeShorterSide(styleImage, (int) o.get("styleSize"), ImageResize.DEFAULT_FILTER);
        Preprocessing raw = Preprocessing.raw(ChannelOrder.RGB);
        List<String> nodes = layers.stream().map(l -> LOSS_PREFIX + l).toList();
        List<StyleLoss> out = new ArrayList<>();
        try (INDArray x = ImageTensors.toBatch(s, new InputSpec(3, s.getHeight(), s.getWidth(), Layout.NCHW, raw));
             ForwardPass p = lossNet.infer(x, nodes)) {
            for (String n : nodes) {
                out.add(StyleLoss.ofTarget(p.get(n)));
            }
        }
        return out;
    }
}
