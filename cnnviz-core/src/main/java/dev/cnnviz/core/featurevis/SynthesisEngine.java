package dev.cnnviz.core.featurevis;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageTensors;
import dev.cnnviz.core.optim.OptimizationTrace;
import dev.cnnviz.core.optim.Optimizer;
import dev.cnnviz.core.optim.StepListener;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The optimization loop shared by {@link ClassVisualization} and {@link FeatureVisualization}:
 * <pre>
 *   p --parameterization--> image batch --transform (one input shape per run)--> model input x
 *     --forward, objective, input gradient ({@link GraphObjective})--> dJ/dx
 *     --transform's adjoint--> --parameterization's adjoint--> dJ/dp --optimizer step on −J-->
 *   regularizer steps on p (pixel runs only: clamp to the input's valid range, blur every k steps, zero
 *   small-norm and small-contribution pixels; Yosinski et al. 2015), then the listener
 * </pre>
 * with octaves (pixel runs only: optimize small, upsample bilinearly, continue). Buffers are allocated once per
 * octave and checked against the {@link MemoryBudget} first. Not thread-safe: one engine per run.
 */
final class SynthesisEngine {
    /** A named part of the objective: its loss part is {@code −value}. */
    record Term(String name, Objective objective) {
    }

    /** Records the last value of a term; shared between the unbound and the bound copy. */
    record Recorded(Objective inner, double[] slot) implements Objective {
        @Override
        public Set<String> nodes() {
            return inner.nodes();
        }

        @Override
        public double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients) {
            double v = inner.evaluate(activations, gradients);
            slot[0] = v;
            return v;
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public Objective bind(dev.cnnviz.core.graph.Graph graph) {
            return new Recorded(inner.bind(graph), slot);
        }
    }

    /** Everything a run needs. */
    record Settings(Model model, List<Term> terms, IntFunction<ImageParameterization> parameterization,
                    ImageTransform transform, Optimizer optimizer, int steps, int batch, int height, int width,
                    long seed, double initialStd, Tensor start, int blurEvery, double blurSigma,
                    double clipNormPercentile, double clipContributionPercentile, boolean clamp, int octaves,
                    double octaveScale, int snapshotEvery, String method, Map<String, String> options, String layer,
                    dev.cnnviz.core.graph.BackwardRules rules) {
    }

    private final Settings s;
    private final Preprocessing pre;
    private final int channels;

    SynthesisEngine(Settings settings) {
        this.s = settings;
        this.pre = settings.model().inputSpec().preprocessing();
        this.channels = settings.model().inputSpec().channels();
    }

    /** The loss parts, by name, from the recorded values. */
    private static Map<String, Double> termsOf(List<Term> terms, List<double[]> slots) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < terms.size(); i++) {
            m.merge(terms.get(i).name(), -slots.get(i)[0] + 0.0, Double::sum);
        }
        return m;
    }

    Synthesis run(ProgressListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("the progress listener must not be null (use ProgressListener.NONE)");
        }
        List<double[]> slots = new ArrayList<>();
        Objective total = null;
        for (Term t : s.terms()) {
            double[] slot = new double[1];
            slots.add(slot);
            Objective r = new Recorded(t.objective(), slot);
            total = total == null ? r : total.plus(r);
        }
        GraphObjective f = GraphObjective.of(s.model().graph(), total).withRules(s.rules());
        boolean pixels = s.parameterization() == null;
        int octaves = pixels ? s.octaves() : 1;
        int totalSteps = s.steps() * octaves;
        SplittableRandom rng = new SplittableRandom(s.seed());
        List<OptimizationStep> history = new ArrayList<>();
        List<BufferedImage> snapshots = new ArrayList<>();
        boolean[] stopped = {false};
        boolean[] byThread = {false};
        int[] done = {0};

        double[] p = null;
        int h = 0;
        int w = 0;
        ImageParameterization param = null;
        for (int o = 0; o < octaves; o++) {
            double factor = Math.pow(s.octaveScale(), octaves - 1 - o);
            int nh = Math.max(1, (int) Math.round(s.height() / factor));
            int nw = Math.max(1, (int) Math.round(s.width() / factor));
            long[] shape = {s.batch(), pixels ? channels : 3, nh, nw};
            MemoryBudget.defaultBudget().check("the buffers of an image optimization over " + Arrays.toString(shape),
                    MemoryBudget.bytesOf(8 * 8, shape), "use a smaller size or batch");
            if (pixels) {
                p = p == null ? initialPixels(shape, rng) : resize(p, shape, h, w);
            } else {
                param = s.parameterization().apply(nh);
                p = param.initial(s.seed());
            }
            h = nh;
            w = nw;
            Step step = new Step(f, param, shape, rng, s.terms(), slots);
            try (step) {
                int base = done[0];
                if (snapshotEvery() > 0 && o == 0) {
                    snapshots.add(step.images(p).get(0));
                }
                final double[] point = p;
                StepListener sl = (k, loss, x) -> {
                    if (pixels) {
                        regularize(x, step.lastGradient, nh, nw, base + k);
                    }
                    int global = base + k;
                    Optional<BufferedImage> snap = Optional.empty();
                    if (snapshotEvery() > 0 && (global % snapshotEvery() == 0 || global == totalSteps)) {
                        BufferedImage img = step.images(x).get(0);
                        snapshots.add(img);
                        snap = Optional.of(img);
                    }
                    OptimizationStep os = new OptimizationStep(global, totalSteps, loss, step.lastTerms, snap);
                    history.add(os);
                    done[0] = global;
                    if (!listener.onStep(os)) {
                        stopped[0] = true;
                        return false;
                    }
                    if (Thread.interrupted()) {
                        stopped[0] = true;
                        byThread[0] = true;
                        return false;
                    }
                    return true;
                };
                OptimizationTrace trace = s.optimizer().minimize(step, point, s.steps(), sl);
                if (s.steps() == 0) {
                    OptimizationStep os = new OptimizationStep(0, 0, trace.finalLoss(), step.lastTerms);
                    history.add(os);
                    listener.onStep(os);
                }
                if (stopped[0] || o == octaves - 1) {
                    List<BufferedImage> images = step.images(point);
                    Tensor input = step.modelInput(point);
                    if (byThread[0]) {
                        Thread.currentThread().interrupt();   // the caller still sees the interrupt
                    }
                    return new Synthesis(images, input, history, snapshots, stopped[0],
                            new Provenance(s.method(), s.options(), s.layer(), s.seed(), s.model().source(), Instant.now()));
                }
            }
        }
        throw new IllegalStateException("no octave ran");
    }

    private int snapshotEvery() {
        return s.snapshotEvery();
    }

    private double[] initialPixels(long[] shape, SplittableRandom rng) {
        int n = Flat.length(shape, "the image batch");
        double[] p = new double[n];
        if (s.start() != null) {
            int[] st = s.start().shape();
            if (st.length != 4 || st[0] != shape[0] || st[1] != shape[1] || st[2] != shape[2] || st[3] != shape[3]) {
                throw new IllegalArgumentException("the starting input has shape " + Arrays.toString(st) + ", expected "
                        + Arrays.toString(shape) + " (the model's preprocessed input at the first octave's size)");
            }
            float[] d = s.start().data();
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(d[i])) {
                    throw new IllegalArgumentException("the starting input holds " + d[i] + " at flat index " + i);
                }
                p[i] = d[i];
            }
            return p;
        }
        double[] mid = new double[(int) shape[1]];
        for (int c = 0; c < mid.length; c++) {
            double[] r = pre.range(c);
            // 0 where the input is centred (mean-subtracted inputs: the mean pixel), else the middle of the range
            mid[c] = !s.clamp() || (r[0] < 0 && 0 < r[1]) ? 0 : (r[0] + r[1]) / 2;
        }
        int plane = (int) (shape[2] * shape[3]);
        for (int i = 0; i < n; i++) {
            p[i] = mid[(i / plane) % mid.length] + s.initialStd() * nextGaussian(rng);
        }
        if (s.clamp()) {
            clamp(p, plane);
        }
        return p;
    }

    /** A standard normal draw (Box-Muller with StrictMath: the same on every JVM). */
    static double nextGaussian(SplittableRandom rng) {
        double u = 1.0 - rng.nextDouble();
        double v = rng.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u)) * StrictMath.cos(2 * Math.PI * v);
    }

    private void clamp(double[] x, int plane) {
        double[][] ranges = new double[channels][];
        for (int c = 0; c < channels; c++) {
            ranges[c] = pre.range(c);
        }
        for (int p = 0; p < x.length / plane; p++) {
            double[] r = ranges[p % channels];
            double lo = r[0];
            double hi = r[1];
            for (int i = p * plane, end = i + plane; i < end; i++) {
                x[i] = Math.min(Math.max(x[i], lo), hi);
            }
        }
    }

    /** Regularizer steps on pixels, after optimizer step {@code k} (1-based). */
    private void regularize(double[] x, double[] gradJ, int h, int w, int k) {
        int plane = h * w;
        if (s.blurEvery() > 0 && (k - 1) % s.blurEvery() == 0 && s.blurSigma() > 0) {
            blur(x, x.length / plane, h, w, s.blurSigma());
        }
        if (s.clipNormPercentile() > 0 || s.clipContributionPercentile() > 0) {
            int n = x.length / (channels * plane);
            for (int b = 0; b < n; b++) {
                int off = b * channels * plane;
                if (s.clipNormPercentile() > 0) {
                    double[] norm = new double[plane];
                    for (int c = 0; c < channels; c++) {
                        for (int i = 0; i < plane; i++) {
                            double v = x[off + c * plane + i];
                            norm[i] += v * v;
                        }
                    }
                    zeroBelow(x, off, plane, norm, s.clipNormPercentile());
                }
                if (s.clipContributionPercentile() > 0) {
                    double[] contrib = new double[plane];
                    for (int c = 0; c < channels; c++) {
                        for (int i = 0; i < plane; i++) {
                            contrib[i] += x[off + c * plane + i] * gradJ[off + c * plane + i];
                        }
                    }
                    for (int i = 0; i < plane; i++) {
                        contrib[i] = Math.abs(contrib[i]);
                    }
                    zeroBelow(x, off, plane, contrib, s.clipContributionPercentile());
                }
            }
        }
        if (s.clamp()) {
            clamp(x, plane);
        }
    }

    private void zeroBelow(double[] x, int off, int plane, double[] score, double percentile) {
        double[] sorted = score.clone();
        Arrays.sort(sorted);
        double cut = sorted[(int) Math.min(plane - 1, Math.floor(percentile / 100.0 * plane))];
        for (int i = 0; i < plane; i++) {
            if (score[i] < cut) {
                for (int c = 0; c < channels; c++) {
                    x[off + c * plane + i] = 0;
                }
            }
        }
    }

    /**
     * Columns {@code from .. to - 1} of one row of the horizontal blur through the reflected tap table
     * ({@code colTap[xx · taps + t]}): the columns within the radius of an edge, whose taps reflect.
     */
    private static void edgeColumns(double[] x, int row, double[] tmp, int out, int from, int to, double[] k,
                                    int[] colTap) {
        int taps = k.length;
        for (int xx = from; xx < to; xx++) {
            double acc = 0;
            for (int t = 0, base = xx * taps; t < taps; t++) {
                acc += k[t] * x[row + colTap[base + t]];
            }
            tmp[out + xx] = acc;
        }
    }

    /**
     * Gaussian blur of every plane, as SciPy's {@code gaussian_filter} (truncate 4, mode reflect), which CS231n's
     * {@code blur_image} calls.
     */
    static void blur(double[] x, int planes, int h, int w, double sigma) {
        int radius = (int) (4 * sigma + 0.5);
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = StrictMath.exp(-0.5 * i * i / (sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        // the reflected source index of every tap, once per size: colTap[xx * taps + t] = reflect(xx + t - radius, w)
        int taps = k.length;
        int[] colTap = reflectedTaps(w, radius);
        int[] rowTap = reflectedTaps(h, radius);
        double[] tmp = new double[h * w];
        for (int p = 0; p < planes; p++) {
            int off = p * h * w;
            // the horizontal pass: the interior columns, whose taps need no reflection, tap by tap over the whole row
            // (a loop the JIT vectorizes; each output still sums its taps in order from 0, so the bits are those of
            // the tap-table loop), and the columns within the radius of an edge through the reflected tap table
            int lo = Math.min(radius, w);
            int hi = Math.max(lo, w - radius);
            for (int y = 0; y < h; y++) {
                int row = off + y * w;
                int out = y * w;
                if (hi > lo) {
                    java.util.Arrays.fill(tmp, out + lo, out + hi, 0.0);
                    for (int t = 0; t < taps; t++) {
                        double kt = k[t];
                        int src = row + t - radius;
                        for (int xx = lo; xx < hi; xx++) {
                            tmp[out + xx] += kt * x[src + xx];
                        }
                    }
                }
                edgeColumns(x, row, tmp, out, 0, lo, k, colTap);
                edgeColumns(x, row, tmp, out, hi, w, k, colTap);
            }
            // the vertical pass row by row: each output row is a weighted sum of whole (reflected) rows of tmp
            for (int y = 0; y < h; y++) {
                int dst = off + y * w;
                java.util.Arrays.fill(x, dst, dst + w, 0.0);
                for (int t = 0, base = y * taps; t < taps; t++) {
                    double kt = k[t];
                    int src = rowTap[base + t] * w;
                    for (int xx = 0; xx < w; xx++) {
                        x[dst + xx] += kt * tmp[src + xx];
                    }
                }
            }
        }
    }

    /** {@code taps[i * (2r + 1) + t] = reflect(i + t − r, n)} for every position {@code i < n} and tap {@code t}. */
    private static int[] reflectedTaps(int n, int radius) {
        int taps = 2 * radius + 1;
        int[] out = new int[n * taps];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < taps; t++) {
                out[i * taps + t] = reflect(i + t - radius, n);
            }
        }
        return out;
    }

    /** SciPy's 'reflect': d c b a | a b c d | d c b a. */
    private static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * n;
        int m = Math.floorMod(i, period);
        return m < n ? m : period - 1 - m;
    }

    /** Bilinear resize of a batch of planes (align corners false, as image resizes). */
    private static double[] resize(double[] x, long[] shape, int h, int w) {
        int nh = (int) shape[2];
        int nw = (int) shape[3];
        int planes = (int) (shape[0] * shape[1]);
        double[] out = new double[planes * nh * nw];
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < nh; y++) {
                double sy = Math.min(Math.max((y + 0.5) * h / nh - 0.5, 0), h - 1);
                int y0 = (int) sy;
                int y1 = Math.min(y0 + 1, h - 1);
                double fy = sy - y0;
                for (int xx = 0; xx < nw; xx++) {
                    double sx = Math.min(Math.max((xx + 0.5) * w / nw - 0.5, 0), w - 1);
                    int x0 = (int) sx;
                    int x1 = Math.min(x0 + 1, w - 1);
                    double fx = sx - x0;
                    int b = p * h * w;
                    out[p * nh * nw + y * nw + xx] = (1 - fy) * ((1 - fx) * x[b + y0 * w + x0] + fx * x[b + y0 * w + x1])
                            + fy * ((1 - fx) * x[b + y1 * w + x0] + fx * x[b + y1 * w + x1]);
                }
            }
        }
        return out;
    }

    /** One octave's function −J(p) with its buffers. */
    private final class Step implements dev.cnnviz.core.optim.DifferentiableFunction, AutoCloseable {
        private final GraphObjective f;
        private final ImageParameterization param;
        private final ImageTransform.Sampled transform;
        private final SplittableRandom rng;
        private final List<Term> terms;
        private final List<double[]> slots;
        private final double[] image;
        private final double[] transformed;
        private final double[] gradTransformed;
        private final double[] gradImage;
        private final double[] gradModel;
        final double[] lastGradient;
        private final INDArray x;
        private final INDArray gx;
        private final double[] offset = new double[channels];
        private final double[] gain = new double[channels];
        private final int[] source = new int[channels];
        Map<String, Double> lastTerms = Map.of();
        private double[] gradModelOverride;
        /**
         * Pixel runs with no transform or a {@link Roll}: the image goes to the float32 input, and the input gradient
         * comes back negated, each in one pass that also rolls ({@link RolledCopy}), instead of a transform pass, a
         * conversion and a negation each way.
         */
        private final boolean direct;
        /** Whether {@link #lastGradient} is kept on the direct path (the contribution clip reads it). */
        private final boolean keepLast;

        Step(GraphObjective f, ImageParameterization param, long[] shape, SplittableRandom rng, List<Term> terms,
             List<double[]> slots) {
            this.f = f;
            this.param = param;
            this.rng = rng;
            this.terms = terms;
            this.slots = slots;
            int n = Flat.length(shape, "the image batch");
            this.transform = s.transform() == null ? null : s.transform().sample(rng, shape);
            long[] seenShape = transform == null ? shape : transform.outputShape();
            int t = Flat.length(seenShape, "the transformed image batch");
            long[] modelShape = {shape[0], channels, seenShape[2], seenShape[3]};
            int m = Flat.length(modelShape, "the model input");
            image = new double[n];
            transformed = new double[t];
            gradTransformed = new double[t];
            gradImage = new double[n];
            gradModel = new double[m];
            lastGradient = new double[n];
            x = Nd4j.create(DataType.FLOAT, modelShape);
            gx = Nd4j.create(DataType.FLOAT, modelShape);
            direct = param == null && (transform == null || transform instanceof Roll.Shift)
                    && dev.cnnviz.core.graph.HostArrays.plain(x);
            keepLast = s.clipContributionPercentile() > 0;
            // display RGB in [0, 1] -> model input: x_c = (255 rgb[source_c] * scale - mean_c) / std_c (grey: mean of RGB)
            ChannelOrder order = pre.order();
            for (int c = 0; c < channels; c++) {
                source[c] = order == ChannelOrder.BGR ? 2 - c : c;
                gain[c] = 255 * pre.scale() / pre.std()[c];
                offset[c] = -pre.mean()[c] / pre.std()[c];
            }
        }

        /** RGB [N,3,h,w] in [0, 1] to the model's input [N,C,h,w]. */
        private void toModel(double[] rgb, INDArray out) {
            int plane = (int) (out.size(2) * out.size(3));
            int n = (int) out.size(0);
            double[] buf = gradModelOverride != null ? gradModelOverride : gradModel;
            for (int b = 0; b < n; b++) {
                for (int c = 0; c < channels; c++) {
                    for (int i = 0; i < plane; i++) {
                        double v = channels == 1
                                ? (rgb[(b * 3) * plane + i] + rgb[(b * 3 + 1) * plane + i] + rgb[(b * 3 + 2) * plane + i]) / 3
                                : rgb[(b * 3 + source[c]) * plane + i];
                        buf[(b * channels + c) * plane + i] = offset[c] + gain[c] * v;
                    }
                }
            }
            Flat.write(buf, out);
        }

        /** The adjoint of {@link #toModel}'s linear part. */
        private void fromModel(double[] g, double[] rgb, int plane) {
            Arrays.fill(rgb, 0);
            int n = g.length / (channels * plane);
            for (int b = 0; b < n; b++) {
                for (int c = 0; c < channels; c++) {
                    for (int i = 0; i < plane; i++) {
                        double v = gain[c] * g[(b * channels + c) * plane + i];
                        if (channels == 1) {
                            for (int k = 0; k < 3; k++) {
                                rgb[(b * 3 + k) * plane + i] += v / 3;
                            }
                        } else {
                            rgb[(b * 3 + source[c]) * plane + i] += v;
                        }
                    }
                }
            }
        }

        @Override
        public boolean checksGradient() {
            return direct;   // read from the float gradient that GraphObjective checked: finite, and so are its negations
        }

        /** {@link #evaluate} on the direct path: the point (rolled) into x, the negated gradient (rolled back) out. */
        private double evaluateDirect(double[] p, double[] gradient) {
            int hh = (int) x.size(2);
            int ww = (int) x.size(3);
            Roll.Shift shift = (Roll.Shift) transform;
            java.nio.FloatBuffer in = x.data().asNioFloat();
            if (shift != null) {
                shift.redraw(rng);
                shift.forwardInto(p, in);
            } else {
                RolledCopy.toFloats(p, in, hh, ww, 0, 0);
            }
            double[] last = keepLast ? lastGradient : null;
            double value = f.evaluate(x, dx -> {
                java.nio.FloatBuffer g = dev.cnnviz.core.graph.HostArrays.floatValues(dx);
                if (shift != null) {
                    shift.backwardFrom(g, gradient, last);
                } else {
                    RolledCopy.fromFloats(g, gradient, last, hh, ww, 0, 0);
                }
            });
            lastTerms = termsOf(terms, slots);
            return -value;
        }

        @Override
        public double evaluate(double[] p, double[] gradient) {
            if (direct) {
                return evaluateDirect(p, gradient);
            }
            int plane = (int) (x.size(2) * x.size(3));
            double[] in = p;
            if (param != null) {
                param.image(p, image);
                in = image;
            }
            double[] seen = in;
            if (transform != null) {
                transform.redraw(rng);
                transform.forward(in, transformed);
                seen = transformed;
            }
            if (param != null) {
                toModel(seen, x);
            } else {
                Flat.write(seen, x);
            }
            double value = f.evaluate(x, gx);
            lastTerms = termsOf(terms, slots);
            Flat.read(gx, gradModel);
            double[] g = gradModel;
            if (param != null) {
                fromModel(gradModel, gradTransformed, plane);
                g = gradTransformed;
            }
            double[] target = param != null ? gradImage : lastGradient;
            if (transform != null) {
                transform.backward(g, target);
            } else {
                System.arraycopy(g, 0, target, 0, target.length);
            }
            if (param != null) {
                param.backward(p, gradImage, gradient);
                negate(gradient, gradient);
            } else {
                negate(lastGradient, gradient);   // lastGradient keeps +∂J for the contribution clip
            }
            return -value;
        }

        /** {@code to = −from} (the same array allowed), one pass. */
        private static void negate(double[] from, double[] to) {
            for (int i = 0; i < to.length; i++) {
                to[i] = -from[i];
            }
        }

        /** @return the display images of the point {@code p} (without transforms) */
        List<BufferedImage> images(double[] p) {
            if (param == null) {
                Flat.write(p, x);
                return ImageTensors.toImages(x, pre);
            }
            param.image(p, image);
            long[] shape = param.imageShape();
            int n = (int) shape[0];
            int hh = (int) shape[2];
            int ww = (int) shape[3];
            int plane = hh * ww;
            List<BufferedImage> out = new ArrayList<>();
            for (int b = 0; b < n; b++) {
                BufferedImage img = new BufferedImage(ww, hh, BufferedImage.TYPE_INT_RGB);
                for (int i = 0; i < plane; i++) {
                    int r = byteOf(image[(b * 3) * plane + i]);
                    int g = byteOf(image[(b * 3 + 1) * plane + i]);
                    int bl = byteOf(image[(b * 3 + 2) * plane + i]);
                    img.setRGB(i % ww, i / ww, (r << 16) | (g << 8) | bl);
                }
                out.add(img);
            }
            return out;
        }

        private int byteOf(double v) {
            return (int) Math.round(Math.min(Math.max(v, 0), 1) * 255);
        }

        /** @return the model's input for {@code p} (without transforms) as a float32 tensor */
        Tensor modelInput(double[] p) {
            if (param == null) {
                Flat.write(p, x);
                int[] shape = Arrays.stream(x.shape()).mapToInt(v -> (int) v).toArray();
                return Tensor.of(x.dup().data().asFloat(), shape);
            }
            param.image(p, image);
            long[] shape = param.imageShape();
            try (INDArray in = Nd4j.create(DataType.FLOAT, shape[0], channels, shape[2], shape[3])) {
                double[] values = new double[(int) in.length()];
                gradModelOverride = values;
                toModel(image, in);
                gradModelOverride = null;
                return Tensor.of(in.dup().data().asFloat(), Arrays.stream(in.shape()).mapToInt(v -> (int) v).toArray());
            }
        }

        @Override
        public void close() {
            x.close();
            gx.close();
        }
    }
}
