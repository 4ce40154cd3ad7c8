package dev.cnnviz.core.featurevis;

import dev.cnnviz.api.FeatureVisualizer;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.BackwardRules;
import dev.cnnviz.core.graph.RedirectedRelu;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.optim.Adam;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Neuron, channel and direction visualization with Lucid's defaults (Olah, Mordvintsev &amp; Schubert 2017,
 * "Feature Visualization", Distill; Lucid's {@code render_vis}): the image is parameterized by Fourier coefficients
 * scaled by 1/frequency, decorrelated with ImageNet's colour correlation and squashed by a sigmoid into RGB [0, 1]
 * ({@link ImageParameterization#lucid}); every step draws Lucid's standard transforms ({@link StandardTransforms}:
 * pad, jitter, scale, rotate, jitter, crop back), maps the RGB image to the model's input through its
 * {@link dev.cnnviz.api.Preprocessing} (channel order, grey as the mean of RGB), and takes an Adam step
 * ({@code lr = 0.05}) on the parameters to maximize the objective, with ReLU gradients redirected while a unit is off
 * ({@link #withRedirectedRelu}, Lucid's default). A model that takes only one input size sees
 * the image resized bilinearly to it after the transforms (Lucent's {@code fixed_image_size}). Defaults: 512 steps, 128 x 128 pixels (or the
 * model's input size if smaller), FFT parameterization, seed {@value #DEFAULT_SEED}.
 *
 * <p>{@link #withDiversity} optimizes a batch of images together with Lucid's diversity term on the target's layer
 * ({@link Objective#diversity}), so that one channel gives several different images.
 *
 * <pre>{@code
 * Synthesis unit = FeatureVisualization.of(model).visualize(Target.channel("concat_fire5/concat_1", 17));
 * Synthesis four = FeatureVisualization.of(model).withDiversity(100, 4).visualize(Target.channel("concat_fire5/concat_1", 17));
 * FeatureVisualization.of(model).withSteps(64).channelGrid("concat_fire5/concat_1", 8, Path.of("grid.png"));
 * }</pre>
 * Immutable and thread-safe; the same seed gives the same image bit for bit.
 */
public final class FeatureVisualization implements FeatureVisualizer {
    /** Default seed. */
    public static final long DEFAULT_SEED = 42;

    /** How the image is parameterized. */
    public enum Parameterization {
        /** Pixels (colour-decorrelated, sigmoid): Lucid's {@code param.image(fft=False)}. */
        PIXELS,
        /** Fourier coefficients scaled by 1/frequency (colour-decorrelated, sigmoid): Lucid's default. */
        FFT
    }

    private final Model model;
    private final Parameterization parameterization;
    private final int steps;
    private final double learningRate;
    private final int size;
    private final long seed;
    private final double diversityWeight;
    private final int batch;
    private final String diversityLayer;
    private final int snapshotEvery;
    private final boolean transforms;
    private final boolean redirectedRelu;

    private FeatureVisualization(Model model, Parameterization parameterization, int steps, double learningRate, int size,
                                 long seed, double diversityWeight, int batch, String diversityLayer, int snapshotEvery,
                                 boolean transforms, boolean redirectedRelu) {
        this.model = model;
        this.parameterization = parameterization;
        this.steps = steps;
        this.learningRate = learningRate;
        this.size = size;
        this.seed = seed;
        this.diversityWeight = diversityWeight;
        this.batch = batch;
        this.diversityLayer = diversityLayer;
        this.snapshotEvery = snapshotEvery;
        this.transforms = transforms;
        this.redirectedRelu = redirectedRelu;
    }

    /** @return Lucid's defaults for {@code model} */
    public static FeatureVisualization of(Model model) {
        Objects.requireNonNull(model, "model");
        int s = Math.min(128, Math.min(model.inputSpec().height(), model.inputSpec().width()));
        return new FeatureVisualization(model, Parameterization.FFT, 512, 0.05, s, DEFAULT_SEED, 0, 1, null, 0, true, true);
    }

    /** @return a copy with another parameterization */
    public FeatureVisualization withParameterization(Parameterization p) {
        if (p == null) {
            throw new IllegalArgumentException("the parameterization must be PIXELS or FFT, found null");
        }
        return new FeatureVisualization(model, p, steps, learningRate, size, seed, diversityWeight, batch, diversityLayer,
                snapshotEvery, transforms, redirectedRelu);
    }

    /** @return a copy taking {@code n} (>= 0) Adam steps */
    public FeatureVisualization withSteps(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("steps must be >= 0, found " + n);
        }
        return new FeatureVisualization(model, parameterization, n, learningRate, size, seed, diversityWeight, batch,
                diversityLayer, snapshotEvery, transforms, redirectedRelu);
    }

    /** @return a copy with Adam's learning rate {@code lr} (finite, > 0), in the parameters' units */
    public FeatureVisualization withLearningRate(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("the learning rate must be a finite number > 0, found " + lr);
        }
        return new FeatureVisualization(model, parameterization, steps, lr, size, seed, diversityWeight, batch,
                diversityLayer, snapshotEvery, transforms, redirectedRelu);
    }

    /** @return a copy rendering {@code pixels} x {@code pixels} images (8..4096) */
    public FeatureVisualization withSize(int pixels) {
        if (pixels < 8 || pixels > 4096) {
            throw new IllegalArgumentException("the image size must be 8..4096 pixels, found " + pixels);
        }
        return new FeatureVisualization(model, parameterization, steps, learningRate, pixels, seed, diversityWeight, batch,
                diversityLayer, snapshotEvery, transforms, redirectedRelu);
    }

    /** @return a copy drawing its initial parameters and transforms from this seed */
    public FeatureVisualization withSeed(long newSeed) {
        return new FeatureVisualization(model, parameterization, steps, learningRate, size, newSeed, diversityWeight, batch,
                diversityLayer, snapshotEvery, transforms, redirectedRelu);
    }

    /** @return a copy with ({@code true}, default) or without Lucid's standard transforms */
    public FeatureVisualization withTransforms(boolean on) {
        return new FeatureVisualization(model, parameterization, steps, learningRate, size, seed, diversityWeight, batch,
                diversityLayer, snapshotEvery, on, redirectedRelu);
    }

    /**
     * Lucid's redirected ReLU gradient ({@link dev.cnnviz.core.graph.RedirectedRelu}, on by default as in Lucid's
     * {@code render_vis}): a unit that is off on the start image still receives gradient in the directions that raise
     * it, so that its optimization starts; once it fires, its gradient is the exact one. Off: the exact gradient from
     * the first step, as in Lucent.
     *
     * @return a copy with ({@code true}) or without it
     */
    public FeatureVisualization withRedirectedRelu(boolean on) {
        return new FeatureVisualization(model, parameterization, steps, learningRate, size, seed, diversityWeight, batch,
                diversityLayer, snapshotEvery, transforms, on);
    }

    /** @return whether ReLU gradients are redirected while a unit is off ({@link #withRedirectedRelu}) */
    public boolean redirectedRelu() {
        return redirectedRelu;
    }

    /** @return a copy taking a snapshot of the first image every {@code every} steps (0: none) and of the start */
    public FeatureVisualization withSnapshotEvery(int every) {
        if (every < 0) {
            throw new IllegalArgumentException("snapshot every must be >= 0 steps, found " + every);
        }
        return new FeatureVisualization(model, parameterization, steps, learningRate, size, seed, diversityWeight, batch,
                diversityLayer, every, transforms, redirectedRelu);
    }

    /**
     * Several different images for one target: {@code batch} images optimized together, plus {@code weight} times
     * Lucid's diversity term on the target's layer (Lucid uses weights around 1e2).
     *
     * @param weight finite, >= 0
     * @param batch  2..64 images
     */
    public FeatureVisualization withDiversity(double weight, int batch) {
        return withDiversity(weight, batch, null);
    }

    /** {@link #withDiversity(double, int)} on a named 4-D layer (needed for class targets). */
    public FeatureVisualization withDiversity(double weight, int newBatch, String layer) {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("the diversity weight must be a finite number >= 0, found " + weight);
        }
        if (newBatch < 2 || newBatch > 64) {
            throw new IllegalArgumentException("diversity needs a batch of 2..64 images, found " + newBatch);
        }
        return new FeatureVisualization(model, parameterization, steps, learningRate, size, seed, weight, newBatch, layer,
                snapshotEvery, transforms, redirectedRelu);
    }

    /** @return the parameterization */
    public Parameterization parameterization() {
        return parameterization;
    }

    /** @return the number of steps */
    public int steps() {
        return steps;
    }

    /** @return the image size in pixels */
    public int size() {
        return size;
    }

    /** @return the number of images optimized together */
    public int batch() {
        return batch;
    }

    @Override
    public String name() {
        return "Feature visualization";
    }

    @Override
    public Synthesis visualize(Target target, ProgressListener listener) {
        Objective o = TargetObjectives.of(model, target, name());
        return run(o, TargetObjectives.layerOf(target), listener);
    }

    /** Maximizes any objective with Lucid's parameterization and transforms. */
    public Synthesis visualize(Objective objective, ProgressListener listener) {
        if (objective == null) {
            throw new IllegalArgumentException(name() + ": the objective must not be null");
        }
        return run(objective, "", listener);
    }

    private Synthesis run(Objective objective, String layer, ProgressListener listener) {
        List<SynthesisEngine.Term> terms = new ArrayList<>();
        terms.add(new SynthesisEngine.Term(objective.describe(), objective));
        if (diversityWeight > 0) {
            String dl = diversityLayer != null ? diversityLayer : layer;
            if (dl == null || dl.isEmpty()) {
                throw new IllegalArgumentException(name() + ": diversity needs a 4-D layer; the target " + objective.describe()
                        + " names none: use withDiversity(weight, batch, layer)");
            }
            terms.add(new SynthesisEngine.Term("diversity", Objective.diversity(dl).times(diversityWeight)));
        }
        boolean fft = parameterization == Parameterization.FFT;
        int n = batch;
        int px = size;
        Map<String, String> options = new LinkedHashMap<>();
        options.put("objective", objective.describe());
        options.put("parameterization", parameterization.name());
        options.put("steps", Integer.toString(steps));
        options.put("learningRate", Double.toString(learningRate));
        options.put("size", Integer.toString(size));
        options.put("batch", Integer.toString(batch));
        options.put("diversity", Double.toString(diversityWeight));
        options.put("transforms", transforms ? "standard" : "none");
        options.put("reluGradient", redirectedRelu ? "redirected" : "exact");
        SynthesisEngine.Settings settings = new SynthesisEngine.Settings(model, terms,
                h -> ImageParameterization.of(n, h, h, fft, true, true),
                transformsFor(px), Adam.create().withLearningRate(learningRate), steps, n,
                px, px, seed, 0, null, 0, 0, 0, 0, false, 1, 2, snapshotEvery, name(), options, layer,
                redirectedRelu ? BackwardRules.standard().with(Relu.class, RedirectedRelu.RULE) : BackwardRules.standard());
        return new SynthesisEngine(settings).run(listener);
    }

    /**
     * Lucid's standard transforms, then, for a model that takes only one input size other than {@code px}, a
     * bilinear resize to it (Lucent's {@code fixed_image_size}).
     */
    private ImageTransform transformsFor(int px) {
        var input = model.graph().node(model.graph().inputName()).op();
        int h = model.inputSpec().height();
        int w = model.inputSpec().width();
        boolean fixed = input instanceof dev.cnnviz.core.graph.ops.Input in && in.shape().length == 3
                && in.shape()[1] > 0 && in.shape()[2] > 0;
        if (fixed && (h != px || w != px)) {
            BilinearResize resize = new BilinearResize(h, w);
            return transforms ? Compose.of(StandardTransforms.lucid(), resize) : resize;
        }
        return transforms ? StandardTransforms.lucid() : null;
    }

    /**
     * Renders the first {@code k} channels of a layer, one image each, as a captioned grid PNG (channel number and
     * its final mean activation under each tile), {@code ceil(√k)} tiles a row, each at least 128 pixels wide.
     *
     * @return the syntheses, in channel order
     * @throws IOException naming the file if it cannot be written
     */
    public List<Synthesis> channelGrid(String layer, int k, Path png) throws IOException {
        if (k < 1 || k > 1024) {
            throw new IllegalArgumentException("the grid takes 1..1024 channels, found " + k);
        }
        List<BufferedImage> images = new ArrayList<>();
        List<Synthesis> results = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            Synthesis s = visualize(Target.channel(layer, c));
            results.add(s);
            images.add(s.image());
            double[] losses = s.losses();
            captions.add(String.format(java.util.Locale.ROOT, "%d: %.3g", c,
                    losses.length == 0 ? Double.NaN : -losses[losses.length - 1]));
        }
        int cols = (int) Math.ceil(Math.sqrt(k));
        int rows = (k + cols - 1) / cols;
        int tile = Math.max(128, images.get(0).getWidth());
        int gap = 8;
        int caption = 16;
        int title = 22;
        BufferedImage grid = new BufferedImage(gap + cols * (tile + gap), title + rows * (tile + caption + gap) + gap,
                BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = grid.createGraphics();
        try {
            g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING, java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
            g.setColor(java.awt.Color.BLACK);
            g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 13));
            g.drawString(name() + " · " + layer + " · channels 0.." + (k - 1) + " (mean activation)", gap, title - 6);
            g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 11));
            for (int i = 0; i < k; i++) {
                int x = gap + (i % cols) * (tile + gap);
                int y = title + (i / cols) * (tile + caption + gap);
                g.drawImage(images.get(i), x, y, tile, tile, null);
                g.drawString(captions.get(i), x, y + tile + 12);
            }
        } finally {
            g.dispose();
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent);
        }
        if (!javax.imageio.ImageIO.write(grid, "png", png.toFile())) {
            throw new IOException(png + ": no PNG writer");
        }
        return results;
    }

    @Override
    public String toString() {
        return "FeatureVisualization[" + parameterization + ", steps=" + steps + ", lr=" + learningRate + ", size=" + size
                + ", seed=" + seed + ", batch=" + batch + ", diversity=" + diversityWeight + "]";
    }
}
