package dev.cnnviz.core.inversion;

import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Inverter;
import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.featurevis.LayerGraphs;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.image.ImageIo;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.optim.Adam;
import dev.cnnviz.core.optim.DifferentiableFunction;
import dev.cnnviz.core.optim.FeatureReconstructionLoss;
import dev.cnnviz.core.optim.NormLoss;
import dev.cnnviz.core.optim.OptimizationTrace;
import dev.cnnviz.core.optim.Optimizer;
import dev.cnnviz.core.optim.StepListener;
import dev.cnnviz.core.optim.TotalVariationLoss;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Feature inversion (Mahendran &amp; Vedaldi 2015, "Understanding Deep Image Representations by Inverting Them",
 * CVPR): the image whose code at a layer matches a given image's code, under natural-image priors.
 *
 * <p>For the code {@code Φ0 = Φ(x0)} of the input {@code x0} at the layer, it minimizes over the model's
 * preprocessed input {@code x [1, C, H, W]} (their eq. 1 with the normalisations of their section 3.3):
 * <pre>
 *   L(x) = ‖Φ(x) − Φ0‖² / ‖Φ0‖²                                   "feature"  ({@link FeatureReconstructionLoss})
 *        + λ_α · Σ |x − m|^α / (H·W·B^α)                            "alpha"    ({@link NormLoss#lp}, range-normalised)
 *        + λ_V · Σ_ij (dh² + dv²)^(β/2) / (H·W·V^β)                 "tv"       ({@link TotalVariationLoss}, range-normalised)
 * </pre>
 * where {@code B} is the typical norm of a (mean-subtracted) pixel, {@code B = 80} in 0..255 units as in the paper,
 * {@code V = B / 6.5} the typical difference between neighbouring pixels (also the paper's), and {@code m} the centre
 * of each channel's valid range (the paper assumes mean-subtracted images, whose centre is 0). Both are converted to
 * the model's input units with its {@link Preprocessing}: one 0..255 pixel unit is {@code scale / std[c]} input
 * units, averaged over channels ({@code B = 80} for Caffe's {@code x = p − mean}, {@code 80/255/0.226 ≈ 1.39} for
 * torchvision's normalisation). The data term is 1 at {@code Φ = 0} and 0 at the target, whatever the layer's scale,
 * so one set of weights suits every layer; the regularisers are about 1 on a typical natural image.
 *
 * <p>Defaults: {@value #DEFAULT_STEPS} steps, α = {@value #DEFAULT_ALPHA} with λ_α = {@value #DEFAULT_ALPHA_WEIGHT}
 * (the paper's α = 6), β = {@value #DEFAULT_BETA} with λ_V = {@value #DEFAULT_TV} (the paper: β = 2 with λ_V
 * growing with depth; their code uses β = 1 or 2; raise λ_V for deep layers, whose reconstructions are otherwise
 * noisy), the start is seeded Gaussian noise of standard deviation
 * {@code B/20} around {@code m}, and the optimizer is {@link Adam} with learning rate {@code 0.03·B} per step (in input
 * units). The paper uses momentum gradient descent with a hand-tuned learning-rate schedule over 400 to 2,000
 * iterations ({@code aravindhm/deep-goggle}, {@code core/invert_nn.m}); this package has no momentum method, and
 * Adam needs no schedule. Measured on SqueezeNet 1.1's {@code relu_conv1_2} with the cat (200 steps, λ_V = 0.5),
 * the final relative feature error was 0.39 with Adam at {@code 0.03·B}, 0.63 at {@code 0.01·B}, 0.64 with the
 * L1-normalised step of 0.5, and 0.95 with {@link dev.cnnviz.core.optim.Lbfgs} (its line search gave up early on
 * the ReLU's kinks); with the default λ_V = 0.05 Adam reaches 0.088 at {@code 0.03·B} and at {@code 0.1·B} alike
 * (the regularised optimum: the rest of the error is what the priors ask for). {@link #withOptimizer} takes any
 * {@link Optimizer}.
 *
 * <p>The optimization runs on the model's graph cut at the layer ({@link LayerGraphs#upTo}), so one step is one
 * forward and one backward pass up to the layer only. Results: the reconstruction in display form and as the
 * preprocessed input, the history with the terms {@code feature}, {@code alpha} and {@code tv} (only those with a
 * positive weight), and the final relative feature error {@code ‖Φ(x) − Φ0‖² / ‖Φ0‖²} in the provenance's option
 * {@code featureError}. The same seed gives the same image bit for bit. A listener returning false, or an interrupt of
 * the calling thread (the interrupt flag is left set), stops the run after the current step: the result then holds
 * the current image and {@code interrupted} is true. Snapshots ({@link #withSnapshotEvery}) are taken every k steps.
 *
 * <pre>{@code
 * Synthesis r = FeatureInversion.of(model).withSteps(300).withTv(1.0).invert(catImage, "relu_fire3/expand3x3_2");
 * ImageIO.write(r.image(), "png", new File("cat-fire3.png"));
 * double err = Double.parseDouble(r.provenance().options().get("featureError"));
 * }</pre>
 *
 * <p>Errors: an unknown layer is an {@link IllegalArgumentException} naming the closest layers, an input of the wrong
 * shape one naming both shapes, a layer whose code is all zeros one saying so (there is nothing to match); a run over
 * the memory budget a {@link dev.cnnviz.api.ResourceLimitException}; a loss that becomes NaN or infinite a
 * {@link NonFiniteResultException}.
 */
public final class FeatureInversion implements Inverter {
    /** The default number of optimization steps. */
    public static final int DEFAULT_STEPS = 200;
    /** The most steps accepted. */
    public static final int MAX_STEPS = 100_000;
    /** The default weight λ_V of the total variation term. */
    public static final double DEFAULT_TV = 0.05;
    /** The default exponent β of the total variation term. */
    public static final double DEFAULT_BETA = 2;
    /** The default exponent α of the α-norm term (the paper's). */
    public static final double DEFAULT_ALPHA = 6;
    /** The default weight λ_α of the α-norm term. */
    public static final double DEFAULT_ALPHA_WEIGHT = 0.05;
    /** The typical norm of a mean-subtracted pixel in 0..255 units, the paper's B. */
    public static final double TYPICAL_PIXEL_NORM = 80;
    /** The paper's ratio B / V of the typical pixel norm to the typical neighbour difference. */
    public static final double TV_RANGE_RATIO = 6.5;
    /** The default seed. */
    public static final long DEFAULT_SEED = 20150612L;
    /** Adam's default learning rate, as a fraction of B per step. */
    public static final double DEFAULT_LEARNING_RATE_FRACTION = 0.03;
    private static final String NAME = "Feature inversion";

    private final Model model;
    private final int steps;
    private final double tv;
    private final double beta;
    private final double alpha;
    private final double alphaWeight;
    private final Optimizer optimizer;
    private final long seed;
    private final int snapshotEvery;

    private FeatureInversion(Model model, int steps, double tv, double beta, double alpha, double alphaWeight,
            Optimizer optimizer, long seed, int snapshotEvery) {
        this.model = model;
        this.steps = steps;
        this.tv = tv;
        this.beta = beta;
        this.alpha = alpha;
        this.alphaWeight = alphaWeight;
        this.optimizer = optimizer;
        this.seed = seed;
        this.snapshotEvery = snapshotEvery;
    }

    /**
     * @return feature inversion for a model with the defaults of the class comment
     * @throws IllegalArgumentException if the model is null
     */
    public static FeatureInversion of(Model model) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        return new FeatureInversion(model, DEFAULT_STEPS, DEFAULT_TV, DEFAULT_BETA, DEFAULT_ALPHA,
                DEFAULT_ALPHA_WEIGHT, null, DEFAULT_SEED, 0);
    }

    /** @return a copy taking {@code n} steps (0 to {@value #MAX_STEPS}; 0 evaluates the start only) */
    public FeatureInversion withSteps(int n) {
        if (n < 0 || n > MAX_STEPS) {
            throw new IllegalArgumentException("steps must be in 0.." + MAX_STEPS + ", found " + n);
        }
        return new FeatureInversion(model, n, tv, beta, alpha, alphaWeight, optimizer, seed, snapshotEvery);
    }

    /** @return a copy with total variation weight λ_V (finite, {@code >= 0}; 0 drops the term) */
    public FeatureInversion withTv(double weight) {
        return new FeatureInversion(model, steps, requireWeight("tv weight", weight), beta, alpha, alphaWeight,
                optimizer, seed, snapshotEvery);
    }

    /** @return a copy with total variation exponent β (finite, {@code >= 1}) */
    public FeatureInversion withBeta(double newBeta) {
        if (!(newBeta >= 1) || Double.isInfinite(newBeta)) {
            throw new IllegalArgumentException("beta must be a finite number >= 1, found " + newBeta);
        }
        return new FeatureInversion(model, steps, tv, newBeta, alpha, alphaWeight, optimizer, seed, snapshotEvery);
    }

    /** @return a copy with α-norm exponent α (finite, {@code >= 1}) */
    public FeatureInversion withAlpha(double newAlpha) {
        if (!(newAlpha >= 1) || Double.isInfinite(newAlpha)) {
            throw new IllegalArgumentException("alpha must be a finite number >= 1, found " + newAlpha);
        }
        return new FeatureInversion(model, steps, tv, beta, newAlpha, alphaWeight, optimizer, seed, snapshotEvery);
    }

    /** @return a copy with α-norm weight λ_α (finite, {@code >= 0}; 0 drops the term) */
    public FeatureInversion withAlphaWeight(double weight) {
        return new FeatureInversion(model, steps, tv, beta, alpha, requireWeight("alpha weight", weight), optimizer,
                seed, snapshotEvery);
    }

    /** @return a copy minimizing with {@code o} instead of the default Adam */
    public FeatureInversion withOptimizer(Optimizer o) {
        if (o == null) {
            throw new IllegalArgumentException("optimizer must not be null");
        }
        return new FeatureInversion(model, steps, tv, beta, alpha, alphaWeight, o, seed, snapshotEvery);
    }

    /** @return a copy whose starting noise is drawn with {@code newSeed} */
    public FeatureInversion withSeed(long newSeed) {
        return new FeatureInversion(model, steps, tv, beta, alpha, alphaWeight, optimizer, newSeed, snapshotEvery);
    }

    /** @return a copy taking a snapshot image every {@code k} steps ({@code >= 0}; 0, the default: none) */
    public FeatureInversion withSnapshotEvery(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("snapshotEvery must be >= 0, found " + k);
        }
        return new FeatureInversion(model, steps, tv, beta, alpha, alphaWeight, optimizer, seed, k);
    }

    private static double requireWeight(String what, double w) {
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException(what + " must be a finite number >= 0, found " + w);
        }
        return w;
    }

    /** @return the number of steps */
    public int steps() {
        return steps;
    }

    /** @return the total variation weight λ_V */
    public double tv() {
        return tv;
    }

    /** @return the total variation exponent β */
    public double beta() {
        return beta;
    }

    /** @return the α-norm exponent α */
    public double alpha() {
        return alpha;
    }

    /** @return the α-norm weight λ_α */
    public double alphaWeight() {
        return alphaWeight;
    }

    /** @return the optimizer: the one given, or Adam with learning rate {@code 0.03·B} for this model */
    public Optimizer optimizer() {
        return optimizer != null ? optimizer
                : Adam.create().withLearningRate(DEFAULT_LEARNING_RATE_FRACTION * typicalPixelNorm(model.inputSpec()));
    }

    /** @return the seed of the starting noise */
    public long seed() {
        return seed;
    }

    /** @return the snapshot interval (0: none) */
    public int snapshotEvery() {
        return snapshotEvery;
    }

    /** @return the model */
    public Model model() {
        return model;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * The paper's B in the model's input units: {@value #TYPICAL_PIXEL_NORM} pixel units times the mean over
     * channels of {@code scale / std[c]}.
     */
    public static double typicalPixelNorm(InputSpec spec) {
        Preprocessing pre = spec.preprocessing();
        double[] std = pre.std();
        double sum = 0;
        for (int c = 0; c < spec.channels(); c++) {
            sum += pre.scale() / std[std.length == 1 ? 0 : c];
        }
        return TYPICAL_PIXEL_NORM * sum / spec.channels();
    }

    @Override
    public Synthesis invert(BufferedImage image, String layer, ProgressListener listener) {
        if (image == null) {
            throw new IllegalArgumentException("image must not be null");
        }
        INDArray x = ImageTensors.toBatch(image, model.inputSpec());
        try {
            return invert(x, layer, listener);
        } finally {
            x.close();
        }
    }

    @Override
    public Synthesis invertTensor(Tensor input, String layer, ProgressListener listener) {
        if (input == null) {
            throw new IllegalArgumentException("input must not be null");
        }
        int[] s = input.shape();
        long[] shape = s.length == 3 ? new long[] {1, s[0], s[1], s[2]} : java.util.Arrays.stream(s).asLongStream().toArray();
        INDArray x = Nd4j.create(input.data(), shape, DataType.FLOAT);
        try {
            return invert(x, layer, listener);
        } finally {
            x.close();
        }
    }

    @Override
    public Synthesis invert(Path file, String layer) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        if (file.getFileName() != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            INDArray x = ImageTensors.readNpy(file);
            try {
                return invert(x.rank() == 3 ? x.reshape(1, x.size(0), x.size(1), x.size(2)) : x, layer,
                        ProgressListener.NONE);
            } finally {
                x.close();
            }
        }
        return invert(ImageIo.read(file), layer, ProgressListener.NONE);
    }

    /**
     * Inverts a preprocessed input batch of one at {@code layer}.
     *
     * @param x0       {@code [1, C, H, W]} in the model's input shape (not modified)
     * @param layer    the layer whose code is matched
     * @param listener told after every step; returning false stops the run
     */
    public Synthesis invert(INDArray x0, String layer, ProgressListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null (use ProgressListener.NONE)");
        }
        InputSpec spec = model.inputSpec();
        ImageTensors.checkBatch(x0, spec);
        if (x0.size(0) != 1) {
            throw new IllegalArgumentException("feature inversion takes one image, found a batch of " + x0.size(0));
        }
        try (Run run = start(x0, layer)) {
            return run.go(listener);
        }
    }

    /**
     * Prepares one inversion of {@code x0} (checked by the caller): the graph cut at the layer, the target code, the
     * losses and the run's buffers, after checking them against the memory budget.
     */
    Run start(INDArray x0, String layer) {
        Graph cut = LayerGraphs.upTo(model.graph(), layer, false);
        DataType type = model.graph().dataType();
        long[] shape = x0.shape();
        long count = x0.length();
        // buffers of the run: the point, its gradient, a scratch gradient, the reference, the optimizer's state
        // (up to about 2 x history + 4 doubles per coordinate for L-BFGS; 4 for Adam)
        long bytes = MemoryBudget.saturatedAdd(MemoryBudget.bytesOf(type.width() * 5, shape),
                MemoryBudget.bytesOf(8 * 26, count));
        cut.memoryBudget().check("the buffers of a feature inversion of " + java.util.Arrays.toString(shape), bytes);
        double b = typicalPixelNorm(model.inputSpec());
        double v = b / TV_RANGE_RATIO;
        return new Run(cut, layer, Nd4j.create(type, shape).assign(x0), b, v);
    }

    /** The relative feature error {@code ‖Φ(x) − Φ0‖² / ‖Φ0‖²} of {@code x} against {@code x0} at {@code layer}. */
    public static double relativeFeatureError(Model model, INDArray x, INDArray x0, String layer) {
        Graph cut = LayerGraphs.upTo(model.graph(), layer, false);
        DataType type = cut.dataType();
        try (INDArray a = Nd4j.create(type, x.shape()).assign(x); INDArray b = Nd4j.create(type, x0.shape()).assign(x0);
             ForwardPass pa = cut.infer(a, List.of(layer)); ForwardPass pb = cut.infer(b, List.of(layer))) {
            INDArray fa = pa.get(layer).castTo(DataType.DOUBLE);
            INDArray fb = pb.get(layer).castTo(DataType.DOUBLE);
            double n = fb.norm2Number().doubleValue();
            double d = fa.sub(fb).norm2Number().doubleValue();
            return d * d / (n * n);
        }
    }

    /** One inversion: buffers allocated once, closed at the end. */
    final class Run implements AutoCloseable {
        private final Graph cut;
        private final String layer;
        private final INDArray x0;
        private final INDArray point;
        private final INDArray grad;
        private final INDArray scratch;
        private final INDArray seedGrad;
        private final FeatureReconstructionLoss data;
        private final NormLoss alphaLoss;
        private final TotalVariationLoss tvLoss;
        private final double b;
        private final double v;
        private final long[] shape;
        private final int total;
        private final Map<Double, Map<String, Double>> recentTerms = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Double, Map<String, Double>> eldest) {
                return size() > 64;
            }
        };
        private final List<OptimizationStep> history = new ArrayList<>();
        private final List<BufferedImage> snapshots = new ArrayList<>();
        private boolean stopped;

        Run(Graph cut, String layer, INDArray x0, double b, double v) {
            this.cut = cut;
            this.layer = layer;
            this.x0 = x0;
            this.b = b;
            this.v = v;
            this.shape = x0.shape();
            this.total = (int) x0.length();
            DataType type = x0.dataType();
            INDArray code;
            try (ForwardPass p = cut.infer(x0, List.of(layer))) {
                code = p.get(layer).dup();
            }
            if (code.rank() < 2) {
                code = code.reshape(1, code.length());
            }
            try {
                data = FeatureReconstructionLoss.of(code);
            } catch (IllegalArgumentException e) {
                code.close();
                x0.close();
                throw new IllegalArgumentException("the code of the image at layer '" + layer + "' is all zeros, so "
                        + "there is nothing to reconstruct from it; choose another layer or image", e);
            }
            seedGrad = code.ulike();
            code.close();
            point = Nd4j.create(type, shape);
            grad = Nd4j.create(type, shape);
            scratch = Nd4j.create(type, shape);
            INDArray centre = Nd4j.create(type, shape);
            InputSpec spec = model.inputSpec();
            for (int c = 0; c < shape[1]; c++) {
                double[] r = spec.preprocessing().range(c);
                centre.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c))
                        .assign((r[0] + r[1]) / 2);
            }
            alphaLoss = alphaWeight > 0
                    ? NormLoss.lp(alpha).withReference(centre).withRangeNormalization(b).withWeight(alphaWeight) : null;
            tvLoss = tv > 0 ? TotalVariationLoss.of().withBeta(beta).withRangeNormalization(v).withWeight(tv) : null;
            INDArray noise = Nd4j.create(type, shape);
            SplittableRandom rng = new SplittableRandom(seed);
            double sd = b / 20;
            double[] start = new double[total];
            for (int i = 0; i < total; i++) {
                start[i] = gaussian(rng) * sd;
            }
            put(start, noise);
            point.assign(noise.addi(centre));
            noise.close();
            centre.close();
        }

        private static double gaussian(SplittableRandom rng) {
            double u1 = 1 - rng.nextDouble();
            double u2 = rng.nextDouble();
            return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * StrictMath.PI * u2);
        }

        Synthesis go(ProgressListener listener) {
            double[] x = new double[total];
            get(point, x);
            DifferentiableFunction f = this::evaluate;
            Optimizer opt = optimizer();
            StepListener sl = (step, loss, now) -> {
                Map<String, Double> terms = recentTerms.getOrDefault(loss, Map.of("loss", loss));
                java.util.Optional<BufferedImage> snap = java.util.Optional.empty();
                if (snapshotEvery > 0 && step % snapshotEvery == 0) {
                    put(now, scratch);
                    BufferedImage img = ImageTensors.toImage(scratch, model.inputSpec().preprocessing());
                    snapshots.add(img);
                    snap = java.util.Optional.of(img);
                }
                OptimizationStep s = new OptimizationStep(step, steps, loss, terms, snap);
                history.add(s);
                boolean go = listener.onStep(s) && !Thread.currentThread().isInterrupted();
                stopped |= !go;
                return go;
            };
            OptimizationTrace trace = opt.minimize(f, x, steps, sl);
            if (steps == 0) {
                Map<String, Double> terms = recentTerms.getOrDefault(trace.finalLoss(), Map.of("loss", trace.finalLoss()));
                history.add(new OptimizationStep(0, 0, trace.finalLoss(), terms));
            }
            put(x, point);
            double error = relativeFeatureError(model, point, x0, layer);
            Map<String, String> opts = new LinkedHashMap<>();
            opts.put("steps", Integer.toString(steps));
            opts.put("tv", Double.toString(tv));
            opts.put("beta", Double.toString(beta));
            opts.put("alpha", Double.toString(alpha));
            opts.put("alphaWeight", Double.toString(alphaWeight));
            opts.put("B", Double.toString(b));
            opts.put("V", Double.toString(v));
            opts.put("optimizer", opt.toString());
            opts.put("snapshotEvery", Integer.toString(snapshotEvery));
            opts.put("featureError", Double.toString(error));
            opts.put("finalLoss", Double.toString(trace.finalLoss()));
            Provenance prov = new Provenance(NAME, opts, layer, seed, model.source(), Instant.now());
            INDArray out = Nd4j.create(DataType.FLOAT, shape).assign(point);
            float[] values = out.dup('c').data().asFloat();
            Tensor input = Tensor.of(values, (int) shape[0], (int) shape[1], (int) shape[2], (int) shape[3]);
            BufferedImage image = ImageTensors.toImage(out, model.inputSpec().preprocessing());
            out.close();
            return new Synthesis(List.of(image), input, history, snapshots, stopped, prov);
        }

        /** The loss at {@code x} (flat, the input's C order) and its gradient into {@code g}. */
        double evaluate(double[] x, double[] g) {
            put(x, point);
            double feature;
            try (ForwardPass pass = cut.forward(point)) {
                INDArray a = pass.get(layer);
                INDArray shaped = a.rank() < 2 ? a.reshape(1, a.length()) : a;
                feature = data.evaluate(shaped, seedGrad);
                try (Gradients gs = pass.backward(Map.of(layer, seedGrad.reshape(a.shape())), List.of(cut.inputName()))) {
                    grad.assign(gs.get(cut.inputName()));
                }
            }
            Map<String, Double> terms = new LinkedHashMap<>();
            terms.put("feature", feature);
            double loss = feature;
            if (alphaLoss != null) {
                double r = alphaLoss.evaluate(point, scratch);
                grad.addi(scratch);
                terms.put("alpha", r);
                loss += r;
            }
            if (tvLoss != null) {
                double r = tvLoss.evaluate(point, scratch);
                grad.addi(scratch);
                terms.put("tv", r);
                loss += r;
            }
            if (!Double.isFinite(loss)) {
                throw new NonFiniteResultException("feature inversion at '" + layer + "': the loss is " + loss
                        + " " + terms);
            }
            get(grad, g);
            recentTerms.put(loss, terms);
            return loss;
        }

        @Override
        public void close() {
            point.close();
            grad.close();
            scratch.close();
            seedGrad.close();
            x0.close();
        }
    }

    /** Copies {@code x} into the contiguous array {@code a} (float or double). */
    static void put(double[] x, INDArray a) {
        if (a.dataType() == DataType.DOUBLE) {
            DoubleBuffer d = a.data().asNioDouble();
            d.put(x, 0, x.length);
        } else {
            FloatBuffer f = a.data().asNioFloat();
            for (int i = 0; i < x.length; i++) {
                f.put(i, (float) x[i]);
            }
        }
    }

    /** Copies the contiguous array {@code a} (float or double) into {@code x}. */
    static void get(INDArray a, double[] x) {
        if (a.dataType() == DataType.DOUBLE) {
            a.data().asNioDouble().get(x, 0, x.length);
        } else {
            FloatBuffer f = a.data().asNioFloat();
            for (int i = 0; i < x.length; i++) {
                x[i] = f.get(i);
            }
        }
    }

    @Override
    public String toString() {
        return "FeatureInversion[steps=" + steps + ", tv=" + tv + ", beta=" + beta + ", alpha=" + alpha
                + ", alphaWeight=" + alphaWeight + ", seed=" + seed + "]";
    }
}
