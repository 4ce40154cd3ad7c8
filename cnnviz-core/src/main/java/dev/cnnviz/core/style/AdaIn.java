package dev.cnnviz.core.style;

import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.Stylization;
import dev.cnnviz.api.Stylizer;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.api.WeightedStyle;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.data.Dataset;
import dev.cnnviz.core.featurevis.LayerGraphs;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.image.ResizeFilter;
import dev.cnnviz.core.optim.Adam;
import dev.cnnviz.core.train.ParameterAdam;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Arbitrary style transfer in one forward pass with adaptive instance normalization (Huang &amp; Belongie,
 * "Arbitrary Style Transfer in Real-time with Adaptive Instance Normalization", ICCV 2017).
 *
 * <p>An encoder {@code f} (the loss network cut at {@link #layer()}) encodes the content image {@code c} and the
 * style image {@code s}; AdaIN gives the content features the style's per-channel mean and standard deviation
 * ({@link dev.cnnviz.core.graph.ops.AdaIn}); a decoder {@code g} trained here turns the result back into an image:
 * <pre>  t = α · AdaIN(f(c), f(s)) + (1 - α) · f(c)          image = g(t)</pre>
 * With several styles and weights {@code w_k} (summing to 1), {@code AdaIN(f(c), f(s))} is replaced by
 * {@code Σ w_k AdaIN(f(c), f(s_k))}. The decoder mirrors the encoder (3×3 convolutions with reflect padding,
 * nearest-neighbour upsampling where the encoder pooled or strided; see the mirror rule in {@code AdaInDecoder}:
 * for SqueezeNet cut at {@code concat_fire4/concat_1}, conv 256→128, up, conv 128→128, conv 128→64, up, up +
 * conv 64→3).
 *
 * <p><b>Training</b> ({@link Trainer}): for batches of random content and style crops, with {@code t} the AdaIN
 * output (α = 1) and {@code φ_i} the encoder's style layers,
 * <pre>  L = λ_c · mean((f(g(t)) - t)²) + λ_s · Σ_i [ mean((μ(φ_i(g(t))) - μ(φ_i(s)))²) + mean((σ(φ_i(g(t))) - σ(φ_i(s)))²) ]</pre>
 * minimised over the decoder's weights with Adam; gradients flow from the losses back through the (fixed) encoder
 * into the decoder in one graph ({@code AdaInDecoder.withEncoder}: the decoder's nodes followed by the encoder's,
 * sharing its weights). Defaults are the paper's: 160,000 steps of batch 8, 256 px crops (of images resized to
 * a shorter side of 512), learning rate 1e-4, λ_c = 1, λ_s = 10. The default style layers are the first
 * block of every scale up to the layer (as VGG's relu1_1 … relu4_1): for SqueezeNet cut at {@code concat_fire4/concat_1}:
 * {@code relu_conv1_2}, {@code concat_fire2/concat_1}, {@code concat_fire4/concat_1}, as {@link #defaultStyleLayers}
 * computes them.
 *
 * <pre>{@code
 * AdaIn adain = AdaIn.trainer(lossModel).withSteps(300).withBatch(2).withSize(128).withLearningRate(1e-3)
 *         .train(ImageFolder.of(photos), ImageFolder.of(paintings), ProgressListener.NONE);
 * adain.save(Path.of("adain-model"));
 * Stylization out = AdaIn.load(Path.of("adain-model"), lossModel).withAlpha(0.8).stylize(photo, starryNight);
 * }</pre>
 *
 * <p>Images are processed in the loss model's preprocessing (the decoder's output is in that space and is turned
 * back into pixels by inverting it, clamped to 0..255). Stylization works on any size with at least a few
 * positions at the layer; images whose longer side exceeds {@link #maxSize()} (default 512) are scaled down first.
 */
public final class AdaIn implements Stylizer {
    /** The file, inside a saved model directory, naming the encoder and describing the decoder. */
    public static final String PROPERTIES_FILE = "adain.properties";
    /** The default encoder layer for SqueezeNet: the first fire module at stride 8 (VGG relu4_1's analogue). */
    public static final String DEFAULT_LAYER = "concat_fire4/concat_1";
    private static final String FORMAT = "cnnviz-adain-1";

    private final Model lossModel;
    private final Graph encoder;
    private final String layer;
    private final List<String> styleLayers;
    private final AdaInDecoder decoder;
    private final double alpha;
    private final int maxSize;
    private final Map<String, String> trainedWith;

    private AdaIn(Model lossModel, Graph encoder, String layer, List<String> styleLayers, AdaInDecoder decoder, double alpha,
            int maxSize, Map<String, String> trainedWith) {
        this.lossModel = lossModel;
        this.encoder = encoder;
        this.layer = layer;
        this.styleLayers = styleLayers;
        this.decoder = decoder;
        this.alpha = alpha;
        this.maxSize = maxSize;
        this.trainedWith = trainedWith;
    }

    /**
     * A trainer for the decoder of {@code lossModel}'s encoder, with the paper's defaults.
     *
     * @param lossModel the loss network (its graph, input channels and preprocessing)
     */
    public static Trainer trainer(Model lossModel) {
        Objects.requireNonNull(lossModel, "lossModel");
        return new Trainer(lossModel, DEFAULT_LAYER, null, 160_000, 8, 256, 1e-4, 10, 1, 0, 0);
    }

    /**
     * Trains a decoder with the defaults of {@link #trainer}; see {@link Trainer#train}.
     *
     * @throws IOException naming the file if an image cannot be read
     */
    public static AdaIn train(Model lossModel, Dataset contents, Dataset styles, ProgressListener listener) throws IOException {
        return trainer(lossModel).train(contents, styles, listener);
    }

    /**
     * The default style layers of an encoder cut at {@code layer}: for every spatial scale, the first mirror point
     * that is not a pool, taken after its ReLU when a convolution feeds one (for SqueezeNet cut at
     * {@code concat_fire4/concat_1}: the ReLU of {@code conv1}, {@code concat_fire2}, {@code concat_fire4}).
     *
     * @throws IllegalArgumentException for an unknown layer, as {@link LayerGraphs#requireLayer}
     */
    public static List<String> defaultStyleLayers(Graph graph, String layer) {
        Graph cut = LayerGraphs.upTo(graph, layer, true);
        List<AdaInDecoder.Step> steps = AdaInDecoder.mirror(cut, layer);
        Map<String, long[]> shapes = cut.shapes(1, AdaInDecoder.channelsOf(cut), 256, 256);
        List<String> out = new ArrayList<>();
        Set<Long> seen = new java.util.HashSet<>();
        for (int i = steps.size() - 1; i >= 0; i--) {
            AdaInDecoder.Step s = steps.get(i);
            if (!s.conv()) {
                continue;
            }
            long h = shapes.get(s.from())[2];
            if (seen.add(h)) {
                String name = s.from();
                List<String> cons = cut.consumers(name);
                if (cut.node(name).op() instanceof dev.cnnviz.core.graph.ops.Conv && cons.size() == 1
                        && cut.node(cons.get(0)).op() instanceof dev.cnnviz.core.graph.ops.Relu) {
                    name = cons.get(0);
                }
                out.add(name);
            }
        }
        if (!out.contains(layer)) {
            out.add(layer);
        }
        return List.copyOf(out);
    }

    /** @return the loss network whose cut is the encoder */
    public Model lossModel() {
        return lossModel;
    }

    /** @return the encoder's last layer, where AdaIN is applied */
    public String layer() {
        return layer;
    }

    /** @return the layers whose mean and standard deviation the style loss matched in training */
    public List<String> styleLayers() {
        return styleLayers;
    }

    /** @return the content-style trade-off α in [0, 1] (1: full style, the default; 0: the content reconstructed) */
    public double alpha() {
        return alpha;
    }

    /** @return the longest side, in pixels, that images are scaled down to before encoding (default 512) */
    public int maxSize() {
        return maxSize;
    }

    /** @return the decoder's number of trainable values */
    public long decoderParameters() {
        return decoder.parameterCount();
    }

    /** @return a one-line description of the decoder's layers */
    public String decoderDescription() {
        return decoder.describe();
    }

    /** @return how the decoder was trained (steps, batch, size, learning rate, weights, seed, data), for provenance */
    public Map<String, String> trainedWith() {
        return trainedWith;
    }

    /**
     * @param newAlpha the content-style trade-off, 0 to 1
     * @return a copy
     * @throws IllegalArgumentException if outside [0, 1] or NaN
     */
    public AdaIn withAlpha(double newAlpha) {
        if (!(newAlpha >= 0 && newAlpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], found " + newAlpha);
        }
        return new AdaIn(lossModel, encoder, layer, styleLayers, decoder, newAlpha, maxSize, trainedWith);
    }

    /**
     * @param newMaxSize the longest side images are scaled down to, 16..4096
     * @return a copy
     * @throws IllegalArgumentException if out of range
     */
    public AdaIn withMaxSize(int newMaxSize) {
        if (newMaxSize < 16 || newMaxSize > 4096) {
            throw new IllegalArgumentException("max size must be 16..4096 pixels, found " + newMaxSize);
        }
        return new AdaIn(lossModel, encoder, layer, styleLayers, decoder, alpha, newMaxSize, trainedWith);
    }

    /** @return {@code "AdaIN style transfer"} */
    @Override
    public String name() {
        return "AdaIN style transfer";
    }

    /**
     * {@code content} in a weighted mix of styles, at the content's size (scaled down to {@link #maxSize()} if
     * larger), in one forward pass: the result's history is empty and the listener is not called.
     *
     * @throws IllegalArgumentException for no styles or an image too small for the encoder; a
     *                                  {@link dev.cnnviz.api.ResourceLimitException} over the memory budget
     */
    @Override
    public Stylization stylize(BufferedImage content, List<WeightedStyle> styles, ProgressListener listener) {
        Objects.requireNonNull(styles, "styles");
        List<BufferedImage> imgs = new ArrayList<>();
        double[] w = new double[styles.size()];
        for (int i = 0; i < w.length; i++) {
            imgs.add(styles.get(i).image());
            w[i] = styles.get(i).weight();
        }
        INDArray pixels = stylizePixels(content, imgs, w);
        BufferedImage img = ImageTensors.toImage(pixels, Preprocessing.raw(dev.cnnviz.api.ChannelOrder.RGB));
        long[] sh = pixels.shape();
        Tensor t = Tensor.of(pixels.data().asFloat(), 1, 3, Math.toIntExact(sh[2]), Math.toIntExact(sh[3]));
        return new Stylization(List.of(img), t, List.of(), false, provenance(styles.size()));
    }

    /**
     * As {@link #stylize(BufferedImage, List, ProgressListener)} with images and weights, the result as float32 {@code [1, 3, H, W]} RGB pixels in
     * 0..255 (clamped), what {@code --save-npy} writes.
     */
    public INDArray stylizePixels(BufferedImage content, List<BufferedImage> styles, double[] weights) {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(styles, "styles");
        Objects.requireNonNull(weights, "weights");
        if (styles.isEmpty()) {
            throw new IllegalArgumentException("at least one style image is needed, found none");
        }
        double[] w = normalisedWeights(weights, styles.size());
        INDArray c = toInput(scaledDown(content));
        List<INDArray> s = new ArrayList<>();
        for (BufferedImage st : styles) {
            s.add(toInput(scaledDown(Objects.requireNonNull(st, "style image"))));
        }
        INDArray out = stylizeTensor(c, s, w);
        return toPixels(out, lossModel.inputSpec().preprocessing());
    }

    /**
     * The core of stylization on preprocessed tensors: {@code content [1, C, H, W]} and each style
     * {@code [1, C, H', W']} in the loss model's input space; returns the decoder's output {@code [1, C, H, W]}
     * in the same space (float32, fresh).
     *
     * @param weights one weight per style, summing to 1
     */
    public INDArray stylizeTensor(INDArray content, List<INDArray> styles, double[] weights) {
        if (weights.length != styles.size()) {
            throw new IllegalArgumentException(styles.size() + " styles need " + styles.size() + " weights, found " + weights.length);
        }
        long h = content.size(2);
        long wd = content.size(3);
        LayerGraphs.layerShape(encoder, layer, content.shape(), "the content image");
        INDArray fc = encode(content);
        INDArray t = null;
        dev.cnnviz.core.graph.ops.AdaIn op = dev.cnnviz.core.graph.ops.AdaIn.standard();
        for (int k = 0; k < styles.size(); k++) {
            LayerGraphs.layerShape(encoder, layer, styles.get(k).shape(), "style image " + (k + 1));
            INDArray fs = encode(styles.get(k));
            INDArray a = op.forward(new INDArray[] {fc, fs});
            a.muli(weights[k]);
            t = t == null ? a : t.addi(a);
        }
        t.muli(alpha).addi(fc.mul(1 - alpha));
        Graph dec = decoder.graph(h, wd);
        try (ForwardPass p = dec.infer(t, List.of())) {
            return p.output().dup().castTo(DataType.FLOAT);
        }
    }

    /** The decoder alone for an image of {@code height × width} (input: the layer's features). */
    Graph decoderGraph(long height, long width) {
        return decoder.graph(height, width);
    }

    private INDArray encode(INDArray x) {
        try (ForwardPass p = encoder.infer(x, List.of(layer))) {
            return p.get(layer).dup();
        }
    }

    private BufferedImage scaledDown(BufferedImage img) {
        int longer = Math.max(img.getWidth(), img.getHeight());
        if (longer <= maxSize) {
            return img;
        }
        double f = (double) maxSize / longer;
        return ImageResize.resize(img, Math.max(1, (int) Math.round(img.getWidth() * f)), Math.max(1, (int) Math.round(img.getHeight() * f)));
    }

    private INDArray toInput(BufferedImage img) {
        InputSpec spec = new InputSpec(Math.toIntExact(AdaInDecoder.channelsOf(encoder)), img.getHeight(), img.getWidth(), Layout.NCHW,
                lossModel.inputSpec().preprocessing());
        return ImageTensors.toBatch(img, spec);
    }

    static double[] normalisedWeights(double[] weights, int n) {
        if (weights.length != n) {
            throw new IllegalArgumentException(n + " style images need " + n + " weights, found " + weights.length + ": "
                    + Arrays.toString(weights));
        }
        double sum = 0;
        for (double x : weights) {
            if (!(x >= 0) || Double.isInfinite(x)) {
                throw new IllegalArgumentException("style weights must be non-negative and finite, found " + Arrays.toString(weights));
            }
            sum += x;
        }
        if (sum <= 0) {
            throw new IllegalArgumentException("style weights must not all be zero, found " + Arrays.toString(weights));
        }
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = weights[i] / sum;
        }
        return w;
    }

    /** The decoder's output (preprocessed space) as RGB pixels 0..255, float32 [N, 3, H, W], clamped. */
    static INDArray toPixels(INDArray x, Preprocessing pre) {
        long n = x.size(0);
        long c = x.size(1);
        INDArray out = Nd4j.create(DataType.FLOAT, n, 3, x.size(2), x.size(3));
        for (int ch = 0; ch < c && ch < 3; ch++) {
            // the channel of x that holds RGB channel 'rgb'
            int rgb = pre.order() == dev.cnnviz.api.ChannelOrder.BGR ? 2 - ch : ch;
            INDArray plane = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(ch))
                    .castTo(DataType.DOUBLE);
            double std = pre.std()[ch];
            double mean = pre.mean()[ch];
            INDArray px = plane.mul(std).addi(mean).divi(pre.scale());
            org.nd4j.linalg.ops.transforms.Transforms.min(org.nd4j.linalg.ops.transforms.Transforms.max(px, 0, false), 255, false);
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(rgb)).assign(px);
        }
        if (c == 1) {
            INDArray grey = out.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(0));
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(1)).assign(grey);
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(2)).assign(grey);
        }
        return out;
    }

    /**
     * Saves the model into directory {@code dir} (created if needed): {@value #PROPERTIES_FILE} (format, the
     * encoder's model as {@link Model#source()}, the layer, the style layers, the decoder's layout and how it was
     * trained) and one float32 {@code .npy} file per decoder parameter ({@code decoder-conv0-W.npy}, ...).
     *
     * @throws IOException naming the file that cannot be written
     */
    public void save(Path dir) throws IOException {
        save(dir, null);
    }

    /**
     * As {@link #save(Path)}, recording {@code encoderModelFile} (made absolute, so that it is found from any working
     * directory) as {@code encoder.model}, the file {@code stylize --method adain} loads the encoder from; null records
     * {@link Model#source()} (a file path when the model was loaded from one by path, else a description).
     *
     * @throws IOException naming the file that cannot be written
     */
    public void save(Path dir, Path encoderModelFile) throws IOException {
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("format", FORMAT);
        String source = encoderModelFile != null ? encoderModelFile.toAbsolutePath().normalize().toString() : String.valueOf(lossModel.source());
        p.setProperty("encoder.model", source);
        p.setProperty("encoder.layer", layer);
        p.setProperty("encoder.styleLayers", String.join(",", styleLayers));
        Preprocessing pre = lossModel.inputSpec().preprocessing();
        p.setProperty("encoder.preprocessing", pre.order() + ";" + pre.scale() + ";" + join(pre.mean()) + ";" + join(pre.std()));
        p.setProperty("decoder.layers", decoder.describe());
        p.setProperty("decoder.parameters", String.join(",", decoder.params().keySet()));
        for (Map.Entry<String, String> e : trainedWith.entrySet()) {
            p.setProperty("trained." + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, INDArray> e : decoder.params().entrySet()) {
            ImageTensors.writeNpy(e.getValue(), dir.resolve(fileOf(e.getKey())));
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(PROPERTIES_FILE))) {
            p.store(out, "cnnviz AdaIN model: the decoder's weights are the .npy files beside this one");
        }
    }

    private static String join(double[] v) {
        return String.join(",", Arrays.stream(v).mapToObj(String::valueOf).toList());
    }

    private static double[] doubles(String s) {
        return Arrays.stream(s.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    /** The preprocessing recorded by {@link #save}. @throws IOException naming the file if it is missing or malformed */
    private static Preprocessing preprocessing(Properties p, Path file) throws IOException {
        String v = p.getProperty("encoder.preprocessing");
        try {
            String[] f = v.split(";");
            return new Preprocessing(dev.cnnviz.api.ChannelOrder.valueOf(f[0]), Double.parseDouble(f[1]), doubles(f[2]), doubles(f[3]));
        } catch (RuntimeException e) {
            throw new IOException(file + ": encoder.preprocessing '" + v + "' is not ORDER;scale;mean,...;std,... as AdaIn.save writes it", e);
        }
    }

    private static String fileOf(String param) {
        return "decoder-" + param.substring(AdaInDecoder.PREFIX.length()).replace('/', '-') + ".npy";
    }

    /**
     * Reads the encoder's model name recorded in a saved model ({@code encoder.model}), so that a caller can load
     * that model before {@link #load}.
     *
     * @param path the model directory or its {@value #PROPERTIES_FILE}
     * @throws IOException naming the file if it is missing, unreadable or not an AdaIN model
     */
    public static Properties readProperties(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(PROPERTIES_FILE) : path;
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no AdaIN model here (expected a directory holding " + PROPERTIES_FILE + ", written by AdaIn.save)");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a properties file: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw new IOException(file + ": format '" + p.getProperty("format") + "', expected '" + FORMAT + "' (written by AdaIn.save)");
        }
        return p;
    }

    /**
     * Loads a model that {@link #save} wrote, with its encoder cut from {@code lossModel} (normally the model that
     * {@code encoder.model} of {@link #readProperties} names; another model fits only if its layers have the same
     * names and channel counts, and then the decoder was not trained for it). The model is given the preprocessing
     * recorded at training ({@code encoder.preprocessing}).
     *
     * @param path the model directory or its {@value #PROPERTIES_FILE}
     * @throws IOException naming the file if a file is missing or unreadable, or a weight does not fit the mirror of
     *                     {@code lossModel}'s encoder
     */
    public static AdaIn load(Path path, Model lossModel) throws IOException {
        Properties p = readProperties(path);
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        String layer = p.getProperty("encoder.layer", "");
        List<String> styleLayers = Arrays.asList(p.getProperty("encoder.styleLayers", "").split(","));
        Graph encoder;
        AdaInDecoder initial;
        Model model;
        try {
            model = lossModel.withPreprocessing(preprocessing(p, dir.resolve(PROPERTIES_FILE)));
        } catch (IllegalArgumentException e) {
            throw new IOException(dir.resolve(PROPERTIES_FILE) + ": its preprocessing does not fit the loss model " + lossModel.source() + ": "
                    + e.getMessage(), e);
        }
        try {
            encoder = LayerGraphs.upTo(lossModel.graph(), layer, true);
            initial = AdaInDecoder.initial(encoder, layer, 0);
            for (String s : styleLayers) {
                LayerGraphs.requireLayer(encoder, s);
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(dir.resolve(PROPERTIES_FILE) + ": its encoder (layer '" + layer + "') does not fit the loss model "
                    + lossModel.source() + ": " + e.getMessage(), e);
        }
        Map<String, INDArray> values = new LinkedHashMap<>();
        for (String name : initial.params().keySet()) {
            Path f = dir.resolve(fileOf(name));
            INDArray v = ImageTensors.readNpy(f);
            if (!Arrays.equals(v.shape(), initial.params().get(name).shape())) {
                throw new IOException(f + ": shape " + Arrays.toString(v.shape()) + ", the decoder of layer '" + layer + "' needs "
                        + Arrays.toString(initial.params().get(name).shape()));
            }
            for (float x : v.castTo(DataType.FLOAT).data().asFloat()) {
                if (!Float.isFinite(x)) {
                    throw new IOException(f + ": holds a non-finite weight (" + x + ")");
                }
            }
            values.put(name, v);
        }
        Map<String, String> trained = new LinkedHashMap<>();
        for (String k : new java.util.TreeSet<>(p.stringPropertyNames())) {
            if (k.startsWith("trained.")) {
                trained.put(k.substring(8), p.getProperty(k));
            }
        }
        return new AdaIn(model, encoder, layer, List.copyOf(styleLayers), initial.withParams(values), 1.0, 512, java.util.Collections.unmodifiableMap(trained));
    }

    /** @return the provenance of a stylization with these settings */
    public Provenance provenance(int styles) {
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("alpha", String.valueOf(alpha));
        opts.put("styles", String.valueOf(styles));
        opts.put("maxSize", String.valueOf(maxSize));
        opts.put("decoder", decoder.describe());
        trainedWith.forEach((k, v) -> opts.put("trained." + k, v));
        return new Provenance("adain", opts, layer, trainedWith.containsKey("seed") ? Long.valueOf(trainedWith.get("seed")) : null,
                String.valueOf(lossModel.source()), Instant.now());
    }

    /**
     * Trains an AdaIN decoder; immutable, options set with {@code withX}. Defaults are the paper's (see
     * {@link AdaIn}); same seed, same data → the same decoder bit for bit.
     */
    public static final class Trainer {
        private final Model lossModel;
        private final String layer;
        private final List<String> styleLayers;
        private final int steps;
        private final int batch;
        private final int size;
        private final double learningRate;
        private final double styleWeight;
        private final double contentWeight;
        private final long seed;
        private final int resizeTo;

        Trainer(Model lossModel, String layer, List<String> styleLayers, int steps, int batch, int size, double learningRate,
                double styleWeight, double contentWeight, long seed, int resizeTo) {
            this.lossModel = lossModel;
            this.layer = layer;
            this.styleLayers = styleLayers;
            this.steps = steps;
            this.batch = batch;
            this.size = size;
            this.learningRate = learningRate;
            this.styleWeight = styleWeight;
            this.contentWeight = contentWeight;
            this.seed = seed;
            this.resizeTo = resizeTo;
        }

        /** @param l the encoder's last layer, as {@code summary} prints it (default {@value AdaIn#DEFAULT_LAYER}) */
        public Trainer withLayer(String l) {
            LayerGraphs.requireLayer(lossModel.graph(), l);
            return new Trainer(lossModel, l, styleLayers, steps, batch, size, learningRate, styleWeight, contentWeight, seed, resizeTo);
        }

        /** @param ls the style loss's layers (null: {@link AdaIn#defaultStyleLayers}); each must come before the layer */
        public Trainer withStyleLayers(List<String> ls) {
            if (ls != null) {
                if (ls.isEmpty()) {
                    throw new IllegalArgumentException("style layers must not be empty, found " + ls);
                }
                ls.forEach(x -> LayerGraphs.requireLayer(lossModel.graph(), x));
            }
            return new Trainer(lossModel, layer, ls == null ? null : List.copyOf(ls), steps, batch, size, learningRate, styleWeight,
                    contentWeight, seed, resizeTo);
        }

        /** @param n training steps, 0..10,000,000 (0: the initial losses only; default 160,000) */
        public Trainer withSteps(int n) {
            if (n < 0 || n > 10_000_000) {
                throw new IllegalArgumentException("steps must be 0..10000000, found " + n);
            }
            return new Trainer(lossModel, layer, styleLayers, n, batch, size, learningRate, styleWeight, contentWeight, seed, resizeTo);
        }

        /** @param n content (and style) images per step, 1..256 (default 8) */
        public Trainer withBatch(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("batch must be 1..256, found " + n);
            }
            return new Trainer(lossModel, layer, styleLayers, steps, n, size, learningRate, styleWeight, contentWeight, seed, resizeTo);
        }

        /** @param px crop size in pixels, 32..1024 (default 256; images are first resized, see {@link #withResizeTo}) */
        public Trainer withSize(int px) {
            if (px < 32 || px > 1024) {
                throw new IllegalArgumentException("size must be 32..1024 pixels, found " + px);
            }
            return new Trainer(lossModel, layer, styleLayers, steps, batch, px, learningRate, styleWeight, contentWeight, seed, resizeTo);
        }

        /** @param lr Adam's learning rate, positive and at most 1 (default 1e-4) */
        public Trainer withLearningRate(double lr) {
            if (!(lr > 0 && lr <= 1)) {
                throw new IllegalArgumentException("learning rate must be in (0, 1], found " + lr);
            }
            return new Trainer(lossModel, layer, styleLayers, steps, batch, size, lr, styleWeight, contentWeight, seed, resizeTo);
        }

        /** @param w λ_s, the style loss's weight, non-negative and finite (default 10) */
        public Trainer withStyleWeight(double w) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("style weight must be non-negative and finite, found " + w);
            }
            return new Trainer(lossModel, layer, styleLayers, steps, batch, size, learningRate, w, contentWeight, seed, resizeTo);
        }

        /** @param w λ_c, the content loss's weight, non-negative and finite (default 1) */
        public Trainer withContentWeight(double w) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("content weight must be non-negative and finite, found " + w);
            }
            return new Trainer(lossModel, layer, styleLayers, steps, batch, size, learningRate, styleWeight, w, seed, resizeTo);
        }

        /** @param s the seed of the initial weights, the crops and flips, and the order of the images (default 0) */
        public Trainer withSeed(long s) {
            return new Trainer(lossModel, layer, styleLayers, steps, batch, size, learningRate, styleWeight, contentWeight, s, resizeTo);
        }

        /**
         * @param px the shorter side images are resized to before a crop is taken, at least the crop size and at most
         *           4096; 0 (the default) means twice the crop size (the paper's 512 for 256 px crops). Equal to the
         *           crop size, a square image is taken whole at every step (only the flips are random).
         */
        public Trainer withResizeTo(int px) {
            if (px != 0 && (px < size || px > 4096)) {
                throw new IllegalArgumentException("resize must be 0 (twice the crop size) or " + size + "..4096 pixels (at least the crop size "
                        + size + "), found " + px);
            }
            return new Trainer(lossModel, layer, styleLayers, steps, batch, size, learningRate, styleWeight, contentWeight, seed, px);
        }

        /** @return the layer */
        public String layer() {
            return layer;
        }

        /** @return the steps */
        public int steps() {
            return steps;
        }

        /** @return the batch */
        public int batch() {
            return batch;
        }

        /** @return the crop size */
        public int size() {
            return size;
        }

        /** @return the learning rate */
        public double learningRate() {
            return learningRate;
        }

        /** @return the seed */
        public long seed() {
            return seed;
        }

        /**
         * Trains the decoder. Every step draws {@link #batch()} content and style images (seeded, uniformly), resizes
         * each to a shorter side of {@code 2·size} (or {@link #withResizeTo}; once, kept), takes a random {@code size × size} crop with a
         * random left-right flip, and takes one Adam step on the loss of the class comment. The listener sees
         * step 0 (the initial losses, when {@code steps} is 0) and then every step, with the loss before the step
         * and its terms {@code content} and {@code style}; it may stop the run, which returns the decoder so far.
         *
         * @param contents the content images (e.g. {@code ImageFolder.of(photos)}), at least one
         * @param styles   the style images, at least one
         * @throws IOException              naming the file if an image cannot be read
         * @throws IllegalArgumentException if a dataset is empty or the crop size is too small for the layer
         */
        public AdaIn train(Dataset contents, Dataset styles, ProgressListener listener) throws IOException {
            Objects.requireNonNull(contents, "contents");
            Objects.requireNonNull(styles, "styles");
            ProgressListener pl = listener == null ? ProgressListener.NONE : listener;
            if (contents.size() == 0 || styles.size() == 0) {
                throw new IllegalArgumentException("training needs at least one content and one style image, found " + contents.size()
                        + " in " + contents.name() + " and " + styles.size() + " in " + styles.name());
            }
            List<String> sl = styleLayers == null ? defaultStyleLayers(lossModel.graph(), layer) : styleLayers;
            Graph encoder = LayerGraphs.upTo(lossModel.graph(), layer, true);
            for (String s : sl) {
                if (!encoder.contains(s)) {
                    throw new IllegalArgumentException("style layer '" + s + "' does not come before the encoder's layer '" + layer
                            + "'; default style layers: " + defaultStyleLayers(lossModel.graph(), layer));
                }
            }
            int channels = Math.toIntExact(AdaInDecoder.channelsOf(encoder));
            LayerGraphs.layerShape(encoder, layer, new long[] {batch, channels, size, size}, "a " + size + "x" + size + " crop");
            // One batch's activations, forward and backward, through decoder and encoder, against the budget.
            MemoryBudget budget = encoder.memoryBudget();
            budget.check("AdaIN training (batch " + batch + ", " + size + " px)",
                    MemoryBudget.saturatedAdd(encoder.passBytes(Map.of(encoder.inputName(), new long[] {batch, channels, size, size}), true),
                            encoder.passBytes(Map.of(encoder.inputName(), new long[] {batch, channels, size, size}), true)),
                    "use a smaller --batch or --size");

            AdaInDecoder decoder = AdaInDecoder.initial(encoder, layer, seed);
            Map<String, INDArray> params = new LinkedHashMap<>();
            decoder.params().forEach((k, v) -> params.put(k, v.dup()));
            ParameterAdam adam = ParameterAdam.of(Adam.create().withLearningRate(learningRate));
            SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
            int shorter = resizeTo == 0 ? 2 * size : Math.max(resizeTo, size);
            Crops contentCrops = new Crops(contents, size, shorter, lossModel.inputSpec().preprocessing(), channels);
            Crops styleCrops = new Crops(styles, size, shorter, lossModel.inputSpec().preprocessing(), channels);
            Set<String> targets = new LinkedHashSet<>(sl);
            targets.add(layer);
            dev.cnnviz.core.graph.ops.AdaIn op = dev.cnnviz.core.graph.ops.AdaIn.standard();
            try (adam) {
                int passes = Math.max(steps, 1);
                for (int step = 0; step < passes; step++) {
                    INDArray c = contentCrops.next(rnd, batch);
                    INDArray s = styleCrops.next(rnd, batch);
                    Map<String, ChannelMoments.Moments> target = new HashMap<>();
                    INDArray fs;
                    try (ForwardPass p = encoder.infer(s, targets)) {
                        for (String l : sl) {
                            target.put(l, ChannelMoments.moments(p.get(l)));
                        }
                        fs = p.get(layer).dup();
                    }
                    INDArray fc;
                    try (ForwardPass p = encoder.infer(c, List.of(layer))) {
                        fc = p.get(layer).dup();
                    }
                    INDArray t = op.forward(new INDArray[] {fc, fs});
                    Graph g = decoder.withParams(params).withEncoder(size, size);
                    double contentLoss;
                    double styleLoss = 0;
                    Map<String, INDArray> grads = new HashMap<>();
                    try (ForwardPass p = g.forwardTo(Map.of(AdaInDecoder.INPUT, t), targets)) {
                        Map<String, INDArray> seeds = new HashMap<>();
                        INDArray[] gr = new INDArray[1];
                        contentLoss = ChannelMoments.contentLoss(p.get(layer).dup(), t, gr, contentWeight);
                        seeds.put(layer, gr[0]);
                        for (String l : sl) {
                            styleLoss += ChannelMoments.styleLoss(p.get(l).dup(), target.get(l), gr, styleWeight);
                            seeds.merge(l, gr[0], INDArray::addi);
                        }
                        if (steps > 0) {
                            Gradients d = p.backward(seeds, params.keySet());
                            for (String k : params.keySet()) {
                                grads.put(k, d.get(k).dup());
                            }
                        }
                    }
                    double loss = contentLoss + styleLoss;
                    if (!Double.isFinite(loss)) {
                        throw new dev.cnnviz.api.NonFiniteResultException("AdaIN training diverged at step " + (step + 1) + ": loss " + loss
                                + " (content " + contentLoss + ", style " + styleLoss + "); lower the learning rate (" + learningRate + ")");
                    }
                    Map<String, Double> terms = new LinkedHashMap<>();
                    terms.put("content", contentLoss);
                    terms.put("style", styleLoss);
                    boolean goOn = pl.onStep(new OptimizationStep(steps == 0 ? 0 : step + 1, steps, loss, terms));
                    if (steps == 0) {
                        break;
                    }
                    adam.step(params, grads);
                    // this step's batch-sized arrays, freed now rather than when the collector gets to them
                    for (INDArray x : List.of(c, s, fc, fs, t)) {
                        x.close();
                    }
                    grads.values().forEach(INDArray::close);
                    if (!goOn || Thread.currentThread().isInterrupted()) {
                        break;
                    }
                }
            }
            Map<String, String> info = new LinkedHashMap<>();
            info.put("steps", String.valueOf(steps));
            info.put("batch", String.valueOf(batch));
            info.put("size", String.valueOf(size));
            info.put("learningRate", String.valueOf(learningRate));
            info.put("contentWeight", String.valueOf(contentWeight));
            info.put("styleWeight", String.valueOf(styleWeight));
            info.put("seed", String.valueOf(seed));
            info.put("resizeTo", String.valueOf(shorter));
            info.put("contents", contents.name());
            info.put("styles", styles.name());
            return new AdaIn(lossModel, encoder, layer, List.copyOf(sl), decoder.withParams(params), 1.0, 512, java.util.Collections.unmodifiableMap(info));
        }
    }

    /** Random square crops of a dataset's images (resized once to a given shorter side), with flips. */
    private static final class Crops {
        private final Dataset data;
        private final int size;
        private final int shorter;
        private final InputSpec spec;
        private final Map<Integer, BufferedImage> cache = new HashMap<>();

        Crops(Dataset data, int size, int shorter, Preprocessing pre, int channels) {
            this.data = data;
            this.size = size;
            this.shorter = shorter;
            this.spec = new InputSpec(channels, size, size, Layout.NCHW, pre);
        }

        INDArray next(SplittableRandom rnd, int n) throws IOException {
            List<BufferedImage> crops = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int idx = rnd.nextInt(data.size());
                BufferedImage img = cache.get(idx);
                if (img == null) {
                    BufferedImage raw = data.select(idx).images(spec.preprocessing()).get(0);
                    img = ImageResize.resizeShorterSide(raw, shorter, ResizeFilter.BILINEAR_ANTIALIAS);
                    if (cache.size() < 256) {
                        cache.put(idx, img);
                    }
                }
                int x = rnd.nextInt(img.getWidth() - size + 1);
                int y = rnd.nextInt(img.getHeight() - size + 1);
                BufferedImage crop = copy(img, x, y, rnd.nextBoolean());
                crops.add(crop);
            }
            return ImageTensors.toBatch(crops, spec);
        }

        private BufferedImage copy(BufferedImage img, int x0, int y0, boolean flip) {
            BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    out.setRGB(flip ? size - 1 - x : x, y, img.getRGB(x0 + x, y0 + y));
                }
            }
            return out;
        }
    }
}
