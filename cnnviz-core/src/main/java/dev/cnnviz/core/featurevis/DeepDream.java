package dev.cnnviz.core.featurevis;

import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.image.ResizeFilter;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * DeepDream (Mordvintsev, Olah &amp; Tyka 2015, "Inceptionism: Going Deeper into Neural Networks", and their
 * notebook {@code google/deepdream/dream.ipynb}): a photo is changed, by gradient ascent, so that a layer's
 * activations grow, which draws the patterns the layer detects into the photo.
 *
 * <p>The objective is {@code J(x) = ½ ‖A(x)‖²} over the whole layer ({@link Objective#layerL2}). One step, on the
 * model's preprocessed input {@code x}:
 * <ol>
 *   <li>roll {@code x} by a random shift {@code (ox, oy)}, each uniform in {@code [−jitter, jitter]} (with
 *       wrap-around, numpy's {@code np.roll});</li>
 *   <li>one forward pass up to the layer and one backward pass give {@code g = ∂J/∂x} at the rolled image;</li>
 *   <li>the L1-normalised ascent step {@code x += s · g / mean|g|} (so the mean absolute change of a value is
 *       exactly {@code s}), then the roll is undone;</li>
 *   <li>every value is clipped to the valid pixel range of its channel ({@link Preprocessing#range}).</li>
 * </ol>
 * Octaves: the image is shrunk {@code octaves − 1} times by {@code octaveScale} (bilinear, each size rounded), and the
 * steps run from the smallest octave to the full size. The detail the steps added at one octave ({@code x − base})
 * is upsampled bilinearly to the next octave and added to that octave's base, as in the notebook. The result has
 * the input image's size.
 *
 * <p>Defaults are the notebook's: {@value #DEFAULT_OCTAVES} octaves, scale {@value #DEFAULT_OCTAVE_SCALE},
 * {@value #DEFAULT_STEPS} steps per octave, jitter {@value #DEFAULT_JITTER} pixels, step size
 * {@value #DEFAULT_STEP_SIZE} in 0..255 pixel units, converted to the model's input units with its preprocessing
 * ({@code s = 1.5 · mean_c(scale / std[c])}: 1.5 for Caffe's {@code p − mean}, about 0.026 for torchvision's
 * normalisation). Randomness (the jitter) comes from a {@link SplittableRandom} seeded with {@link #seed()}: the same
 * seed gives the same image bit for bit.
 *
 * <p>Any image size works as long as the layer can be computed on the smallest octave: the model's graph is cut at
 * the layer ({@link LayerGraphs#upTo}) and its input made free in height and width, so the fully convolutional part
 * of a model runs at each octave's own size; a layer that needs a fixed size (after a Flatten or Dense), or an
 * octave too small for the layer's pooling, is refused with an {@link IllegalArgumentException} naming the octave
 * and the node. The memory of the largest octave's pass and of the run's buffers is checked against the budget
 * before anything is allocated ({@link dev.cnnviz.api.ResourceLimitException}).
 *
 * <p>The {@link Synthesis}: the dreamed image at the input's size, the preprocessed result, a history with one entry
 * per step over all octaves ({@code loss = −J} before the step, term {@code "l2"}), snapshots every
 * {@link #withSnapshotEvery k} steps resized to the input's size, and the provenance. A listener returning false or
 * an interrupt of the calling thread (the interrupt flag is left set) stops the run: the result is then the current
 * octave's detail carried to the full size, and {@code interrupted} is true.
 *
 * <pre>{@code
 * Synthesis s = DeepDream.of(model).withLayer("concat_fire5/concat_1").dream(ImageIO.read(new File("cat.jpg")));
 * ImageIO.write(s.image(), "png", new File("cat-dream.png"));
 * }</pre>
 */
public final class DeepDream {
    /** The default number of octaves (the notebook's). */
    public static final int DEFAULT_OCTAVES = 4;
    /** The default ratio between the sizes of successive octaves. */
    public static final double DEFAULT_OCTAVE_SCALE = 1.4;
    /** The default number of steps per octave. */
    public static final int DEFAULT_STEPS = 10;
    /** The default largest random shift, in pixels. */
    public static final int DEFAULT_JITTER = 32;
    /** The default step size, in 0..255 pixel units. */
    public static final double DEFAULT_STEP_SIZE = 1.5;
    /** The default seed. */
    public static final long DEFAULT_SEED = 20150701L;
    /** The most octaves accepted. */
    public static final int MAX_OCTAVES = 20;
    /** The most steps per octave accepted. */
    public static final int MAX_STEPS = 10_000;
    private static final String NAME = "DeepDream";

    private final Model model;
    private final String layer;
    private final int octaves;
    private final double octaveScale;
    private final int steps;
    private final int jitter;
    private final double stepSize;
    private final long seed;
    private final int snapshotEvery;

    private DeepDream(Model model, String layer, int octaves, double octaveScale, int steps, int jitter,
            double stepSize, long seed, int snapshotEvery) {
        this.model = model;
        this.layer = layer;
        this.octaves = octaves;
        this.octaveScale = octaveScale;
        this.steps = steps;
        this.jitter = jitter;
        this.stepSize = stepSize;
        this.seed = seed;
        this.snapshotEvery = snapshotEvery;
    }

    /**
     * @return DeepDream for a model with the notebook's defaults; choose the layer with {@link #withLayer}
     * @throws IllegalArgumentException if the model is null
     */
    public static DeepDream of(Model model) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        return new DeepDream(model, null, DEFAULT_OCTAVES, DEFAULT_OCTAVE_SCALE, DEFAULT_STEPS, DEFAULT_JITTER,
                DEFAULT_STEP_SIZE, DEFAULT_SEED, 0);
    }

    /**
     * @return a copy dreaming at {@code name}, as {@code summary} prints it
     * @throws IllegalArgumentException for an unknown name (with the closest names) or a constant
     */
    public DeepDream withLayer(String name) {
        LayerGraphs.requireLayer(model.graph(), name);
        return new DeepDream(model, name, octaves, octaveScale, steps, jitter, stepSize, seed, snapshotEvery);
    }

    /** @return a copy with {@code n} octaves (1 to {@value #MAX_OCTAVES}) */
    public DeepDream withOctaves(int n) {
        if (n < 1 || n > MAX_OCTAVES) {
            throw new IllegalArgumentException("octaves must be in 1.." + MAX_OCTAVES + ", found " + n);
        }
        return new DeepDream(model, layer, n, octaveScale, steps, jitter, stepSize, seed, snapshotEvery);
    }

    /** @return a copy whose octaves differ in size by {@code scale} (finite, {@code > 1}, at most 4) */
    public DeepDream withOctaveScale(double scale) {
        if (!(scale > 1 && scale <= 4)) {
            throw new IllegalArgumentException("the octave scale must be in (1, 4], found " + scale);
        }
        return new DeepDream(model, layer, octaves, scale, steps, jitter, stepSize, seed, snapshotEvery);
    }

    /** @return a copy taking {@code n} steps per octave (0 to {@value #MAX_STEPS}) */
    public DeepDream withSteps(int n) {
        if (n < 0 || n > MAX_STEPS) {
            throw new IllegalArgumentException("steps must be in 0.." + MAX_STEPS + ", found " + n);
        }
        return new DeepDream(model, layer, octaves, octaveScale, n, jitter, stepSize, seed, snapshotEvery);
    }

    /** @return a copy whose random shifts are at most {@code pixels} ({@code >= 0}; 0: no jitter) */
    public DeepDream withJitter(int pixels) {
        if (pixels < 0) {
            throw new IllegalArgumentException("jitter must be >= 0 pixels, found " + pixels);
        }
        return new DeepDream(model, layer, octaves, octaveScale, steps, pixels, stepSize, seed, snapshotEvery);
    }

    /** @return a copy with step size {@code s} in 0..255 pixel units (finite, {@code > 0}) */
    public DeepDream withStepSize(double s) {
        if (!(s > 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("the step size must be a finite number > 0, found " + s);
        }
        return new DeepDream(model, layer, octaves, octaveScale, steps, jitter, s, seed, snapshotEvery);
    }

    /** @return a copy whose jitter is drawn with {@code newSeed} */
    public DeepDream withSeed(long newSeed) {
        return new DeepDream(model, layer, octaves, octaveScale, steps, jitter, stepSize, newSeed, snapshotEvery);
    }

    /** @return a copy taking a snapshot every {@code k} steps ({@code >= 0}; 0, the default: none) */
    public DeepDream withSnapshotEvery(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("snapshotEvery must be >= 0, found " + k);
        }
        return new DeepDream(model, layer, octaves, octaveScale, steps, jitter, stepSize, seed, k);
    }

    /** @return the layer, or null if none was chosen yet */
    public String layer() {
        return layer;
    }

    /** @return the number of octaves */
    public int octaves() {
        return octaves;
    }

    /** @return the size ratio of successive octaves */
    public double octaveScale() {
        return octaveScale;
    }

    /** @return the steps per octave */
    public int steps() {
        return steps;
    }

    /** @return the largest random shift in pixels */
    public int jitter() {
        return jitter;
    }

    /** @return the step size in 0..255 pixel units */
    public double stepSize() {
        return stepSize;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** @return the snapshot interval (0: none) */
    public int snapshotEvery() {
        return snapshotEvery;
    }

    /** @return the method's name, {@code "DeepDream"} */
    public String name() {
        return NAME;
    }

    /** @return one 0..255 pixel unit in the model's input units: the mean over channels of {@code scale / std[c]} */
    public static double pixelUnit(InputSpec spec) {
        Preprocessing pre = spec.preprocessing();
        double[] std = pre.std();
        double sum = 0;
        for (int c = 0; c < spec.channels(); c++) {
            sum += pre.scale() / std[std.length == 1 ? 0 : c];
        }
        return sum / spec.channels();
    }

    /**
     * The octave sizes, smallest first, for an image of {@code height x width}: each octave is the next larger one
     * divided by the scale and rounded (at least 1 pixel).
     *
     * @return {@code octaves} pairs {height, width}
     */
    public int[][] octaveSizes(int height, int width) {
        int[][] sizes = new int[octaves][];
        sizes[octaves - 1] = new int[] {height, width};
        for (int i = octaves - 2; i >= 0; i--) {
            sizes[i] = new int[] {Math.max(1, (int) Math.round(sizes[i + 1][0] / octaveScale)),
                    Math.max(1, (int) Math.round(sizes[i + 1][1] / octaveScale))};
        }
        return sizes;
    }

    /** Dreams on an image at its own size. */
    public Synthesis dream(BufferedImage image) {
        return dream(image, ProgressListener.NONE);
    }

    /**
     * Dreams on an image at its own size, reporting every step.
     *
     * @throws IllegalArgumentException if no layer was chosen, the image is null, or the layer cannot be computed on
     *                                  the smallest octave
     */
    public Synthesis dream(BufferedImage image, ProgressListener listener) {
        if (image == null) {
            throw new IllegalArgumentException("image must not be null");
        }
        InputSpec spec = model.inputSpec();
        InputSpec own = new InputSpec(spec.channels(), image.getHeight(), image.getWidth(), spec.originalLayout(),
                spec.preprocessing());
        Graph cut = prepare(own.channels(), image.getHeight(), image.getWidth(), listener);
        INDArray x = ImageTensors.toBatch(image, own);
        try {
            return run(cut, x, listener);
        } finally {
            x.close();
        }
    }

    /**
     * Dreams on a preprocessed input {@code [C, H, W]} or {@code [1, C, H, W]} of any height and width.
     *
     * @throws IllegalArgumentException for another shape or channel count, NaN values, or as
     *                                  {@link #dream(BufferedImage, ProgressListener)}
     */
    public Synthesis dreamTensor(Tensor input, ProgressListener listener) {
        if (input == null) {
            throw new IllegalArgumentException("input must not be null");
        }
        int[] s = input.shape();
        if (!(s.length == 3 || s.length == 4 && s[0] == 1)) {
            throw new IllegalArgumentException("DeepDream takes one preprocessed image [C, H, W] or [1, C, H, W], found "
                    + Arrays.toString(s));
        }
        int c = s[s.length - 3];
        int h = s[s.length - 2];
        int w = s[s.length - 1];
        if (c != model.inputSpec().channels()) {
            throw new IllegalArgumentException("the model takes " + model.inputSpec().channels() + " channels, the input "
                    + Arrays.toString(s) + " has " + c);
        }
        for (int i = 0; i < input.length(); i++) {
            if (!Float.isFinite(input.data()[i])) {
                throw new IllegalArgumentException("the input holds a NaN or infinite value at index " + i);
            }
        }
        Graph cut = prepare(c, h, w, listener);
        INDArray x = Nd4j.create(input.data(), new long[] {1, c, h, w}, DataType.FLOAT);
        try {
            return run(cut, x, listener);
        } finally {
            x.close();
        }
    }

    /** Checks the options, the layer's size at every octave and the memory of the largest; returns the cut graph. */
    private Graph prepare(int c, int h, int w, ProgressListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null (use ProgressListener.NONE)");
        }
        if (layer == null) {
            throw new IllegalArgumentException("DeepDream needs a layer: choose one with withLayer(name), e.g. one of "
                    + model.graph().closestNames("concat", 3) + " (summary lists them all)");
        }
        Graph cut = LayerGraphs.upTo(model.graph(), layer, true);
        int[][] sizes = octaveSizes(h, w);
        for (int i = 0; i < sizes.length; i++) {
            long[] shape = LayerGraphs.layerShape(cut, layer, new long[] {1, c, sizes[i][0], sizes[i][1]},
                    "octave " + (i + 1) + " of " + octaves + " (" + sizes[i][0] + "x" + sizes[i][1] + " of a " + h
                            + "x" + w + " image; use fewer octaves, a smaller octave scale or a larger image)");
            if (shape == null || shape.length < 2) {
                throw new IllegalArgumentException("layer '" + layer + "' has no usable shape on octave " + (i + 1));
            }
        }
        long[] full = {1, c, h, w};
        int width = cut.dataType().width();
        // the octave bases (about 2 full images at scale 1.4), the point, the detail, the gradient, the rolled image
        long buffers = MemoryBudget.bytesOf(width * 8, full);
        long pass = cut.passBytes(Map.of(cut.inputName(), full), true);
        cut.memoryBudget().check("DeepDream on a " + h + "x" + w + " image at '" + layer + "' (the largest octave's "
                + "forward and backward pass and the run's buffers)", MemoryBudget.saturatedAdd(pass, buffers),
                "use a smaller image");
        return cut;
    }

    private Synthesis run(Graph cut, INDArray input, ProgressListener listener) {
        DataType type = cut.dataType();
        int c = (int) input.size(1);
        int h = (int) input.size(2);
        int w = (int) input.size(3);
        int[][] sizes = octaveSizes(h, w);
        Preprocessing pre = model.inputSpec().preprocessing();
        double step = stepSize * pixelUnit(model.inputSpec());
        double[][] ranges = new double[c][];
        for (int k = 0; k < c; k++) {
            ranges[k] = pre.range(k);
        }
        GraphObjective objective = GraphObjective.of(cut, Objective.layerL2(layer));
        SplittableRandom rng = new SplittableRandom(seed);
        List<INDArray> bases = new ArrayList<>();
        List<OptimizationStep> history = new ArrayList<>();
        List<BufferedImage> snapshots = new ArrayList<>();
        int total = octaves * steps;
        int done = 0;
        boolean stopped = false;
        INDArray detail = null;
        INDArray x = null;
        int octave = 0;
        try {
            bases.add(Nd4j.create(type, input.shape()).assign(input));
            for (int i = octaves - 2; i >= 0; i--) {
                bases.add(0, resize(bases.get(0), sizes[i][0], sizes[i][1]));
            }
            for (octave = 0; octave < octaves && !stopped; octave++) {
                INDArray base = bases.get(octave);
                if (detail == null) {
                    detail = Nd4j.zeros(type, base.shape());
                } else {
                    INDArray up = resize(detail, sizes[octave][0], sizes[octave][1]);
                    detail.close();
                    detail = up;
                }
                if (x != null) {
                    x.close();
                }
                x = base.add(detail);
                try (INDArray grad = x.ulike(); INDArray rolled = x.ulike(); INDArray back = x.ulike()) {
                    for (int k = 0; k < steps; k++) {
                        int ox = jitter == 0 ? 0 : rng.nextInt(-jitter, jitter + 1);
                        int oy = jitter == 0 ? 0 : rng.nextInt(-jitter, jitter + 1);
                        roll(x, rolled, oy, ox);
                        double value = objective.evaluate(rolled, grad);
                        roll(grad, back, -oy, -ox);
                        l1Step(x, back, step);
                        clip(x, ranges);
                        done++;
                        Optional<BufferedImage> snap = Optional.empty();
                        if (snapshotEvery > 0 && done % snapshotEvery == 0) {
                            BufferedImage img = ImageTensors.toImage(x, pre);
                            snap = Optional.of(img.getWidth() == w && img.getHeight() == h ? img
                                    : ImageResize.resize(img, w, h, ResizeFilter.BILINEAR));
                            snapshots.add(snap.get());
                        }
                        OptimizationStep s = new OptimizationStep(done, total, -value, Map.of("l2", -value), snap);
                        history.add(s);
                        if (!listener.onStep(s) || Thread.currentThread().isInterrupted()) {
                            stopped = true;
                            break;
                        }
                    }
                }
                detail.assign(x.sub(base));
            }
            INDArray result;
            if (x.size(2) == h && x.size(3) == w) {
                result = x;
                x = null;
            } else {
                INDArray up = resize(detail, h, w);
                result = bases.get(octaves - 1).add(up);
                up.close();
                clip(result, ranges);
            }
            try {
                return synthesis(result, pre, history, snapshots, stopped, sizes);
            } finally {
                result.close();
            }
        } finally {
            bases.forEach(INDArray::close);
            if (detail != null) {
                detail.close();
            }
            if (x != null) {
                x.close();
            }
        }
    }

    private Synthesis synthesis(INDArray result, Preprocessing pre, List<OptimizationStep> history,
            List<BufferedImage> snapshots, boolean stopped, int[][] sizes) {
        long[] s = result.shape();
        INDArray f = Nd4j.create(DataType.FLOAT, s).assign(result);
        float[] values = f.data().asFloat();
        BufferedImage image = ImageTensors.toImage(f, pre);
        f.close();
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("octaves", Integer.toString(octaves));
        opts.put("octaveScale", Double.toString(octaveScale));
        opts.put("steps", Integer.toString(steps));
        opts.put("jitter", Integer.toString(jitter));
        opts.put("stepSize", Double.toString(stepSize));
        opts.put("snapshotEvery", Integer.toString(snapshotEvery));
        StringBuilder sz = new StringBuilder();
        for (int[] o : sizes) {
            sz.append(sz.length() == 0 ? "" : ",").append(o[0]).append('x').append(o[1]);
        }
        opts.put("octaveSizes", sz.toString());
        Provenance prov = new Provenance(NAME, opts, layer, seed, model.source(), Instant.now());
        Tensor t = Tensor.of(values, (int) s[0], (int) s[1], (int) s[2], (int) s[3]);
        return new Synthesis(List.of(image), t, history, snapshots, stopped, prov);
    }

    /**
     * The L1-normalised ascent step of the notebook: {@code x += step · g / mean|g|}, so that the mean absolute
     * change is exactly {@code step}. A zero gradient (a layer that is all zero on this image) leaves {@code x}
     * unchanged.
     *
     * @param g the gradient; overwritten with the step taken
     * @return the mean absolute value of the gradient
     */
    static double l1Step(INDArray x, INDArray g, double step) {
        double mean = g.norm1Number().doubleValue() / g.length();
        if (mean > 0) {
            x.addi(g.muli(step / mean));
        }
        return mean;
    }

    /** Clips every channel of {@code x [1, C, H, W]} to its range, in place. */
    static void clip(INDArray x, double[][] ranges) {
        for (int k = 0; k < ranges.length; k++) {
            INDArray v = x.get(NDArrayIndex.all(), NDArrayIndex.point(k), NDArrayIndex.all(), NDArrayIndex.all());
            Transforms.min(Transforms.max(v, ranges[k][0], false), ranges[k][1], false);
        }
    }

    /** {@code dst = np.roll(np.roll(src, dy, axis=2), dx, axis=3)}: dst[.., (i+dy) mod H, (j+dx) mod W] = src[.., i, j]. */
    static void roll(INDArray src, INDArray dst, int dy, int dx) {
        int h = (int) src.size(2);
        int w = (int) src.size(3);
        int sy = Math.floorMod(dy, h);
        int sx = Math.floorMod(dx, w);
        int[][] rows = {{0, h - sy, sy}, {h - sy, h, 0}};
        int[][] cols = {{0, w - sx, sx}, {w - sx, w, 0}};
        for (int[] r : rows) {
            if (r[1] <= r[0]) {
                continue;
            }
            for (int[] q : cols) {
                if (q[1] <= q[0]) {
                    continue;
                }
                dst.get(NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.interval(r[2], r[2] + r[1] - r[0]), NDArrayIndex.interval(q[2], q[2] + q[1] - q[0]))
                        .assign(src.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(r[0], r[1]),
                                NDArrayIndex.interval(q[0], q[1])));
            }
        }
    }

    /** Bilinear resize of {@code [1, C, H, W]} to {@code height x width} (a new array of the same type). */
    static INDArray resize(INDArray a, int height, int width) {
        int c = (int) a.size(1);
        int h = (int) a.size(2);
        int w = (int) a.size(3);
        INDArray f = Nd4j.create(DataType.FLOAT, a.shape()).assign(a);
        float[] planes = f.data().asFloat();
        f.close();
        float[] out = ImageResize.resizePlanes(planes, c, w, h, width, height, ResizeFilter.BILINEAR);
        INDArray r = Nd4j.create(out, new long[] {1, c, height, width}, DataType.FLOAT);
        if (a.dataType() == DataType.FLOAT) {
            return r;
        }
        INDArray cast = Nd4j.create(a.dataType(), r.shape()).assign(r);
        r.close();
        return cast;
    }

    @Override
    public String toString() {
        return "DeepDream[layer=" + layer + ", octaves=" + octaves + ", octaveScale=" + octaveScale + ", steps=" + steps
                + ", jitter=" + jitter + ", stepSize=" + stepSize + ", seed=" + seed + "]";
    }
}
