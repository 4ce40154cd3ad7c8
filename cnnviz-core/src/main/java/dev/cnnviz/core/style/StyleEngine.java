package dev.cnnviz.core.style;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.Stylization;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.featurevis.LayerGraphs;
import dev.cnnviz.core.image.ImageResize;
import dev.cnnviz.core.image.ResizeFilter;
import dev.cnnviz.core.optim.FeatureReconstructionLoss;
import dev.cnnviz.core.optim.GramMatrix;
import dev.cnnviz.core.optim.GramNormalization;
import dev.cnnviz.core.optim.OptimizationTrace;
import dev.cnnviz.core.optim.Optimizer;
import dev.cnnviz.core.optim.StepListener;
import dev.cnnviz.core.optim.StyleLoss;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The optimization shared by {@link GatysStyle} and {@link TextureSynthesis}: minimizes, over RGB pixels {@code u}
 * in 0..255,
 * <pre>
 *   L(u) = w_c Σ (F_c(u) − F_c(content))²                               "content"
 *        + Σ_l w_l Σ_ij (G_l(u) − A_l)²,  G_l = F_l F_lᵀ / (C_l H_l W_l)   "style:&lt;layer&gt;"
 *        + w_tv Σ (dh² + dv²)                                            "tv"
 *        + w_r Σ (max(u − 255, 0)² + max(−u, 0)²)                        "range"
 * </pre>
 * with {@code A_l} the weighted mean of the style images' Gram matrices at layer {@code l}. The style term is the
 * {@link StyleLoss} of {@link GramNormalization#CHW} with weight {@code w_l · C_l²} (the sum over Gram entries, not
 * their mean: the convention of the CS231n assignment whose weights are the defaults).
 */
final class StyleEngine {
    /** Standard deviation, in pixel units, of the Gaussian noise a noise start draws around mid-grey. */
    static final double NOISE_SD = 32;

    private StyleEngine() {
    }

    /** What to optimize. */
    record Job(String method, LossNetwork net, float[] contentFull, int contentH, int contentW, String contentLayer,
               double contentWeight, List<float[]> styles, List<int[]> styleSizes, double[] blend,
               List<String> styleLayers, double[] styleWeights, double tv, double rangeWeight, boolean noiseInit,
               boolean preserveColor, Optimizer optimizer, int steps, int scales, long seed,
               Map<String, String> options) {
    }

    /** Runs a job: every scale from the smallest, the image upsampled between scales. */
    static Stylization run(Job job, ProgressListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null (use ProgressListener.NONE)");
        }
        LossNetwork net = job.net();
        MemoryBudget budget = net.graph().memoryBudget();
        int total = job.steps() * job.scales();
        List<OptimizationStep> history = new ArrayList<>();
        boolean[] stopped = {false};
        float[] u = null;
        int h = 0;
        int w = 0;
        float[] contentAtScale = null;
        for (int s = 0; s < job.scales(); s++) {
            int div = 1 << (job.scales() - 1 - s);
            int sh = Math.max(1, (int) Math.round((double) job.contentH() / div));
            int sw = Math.max(1, (int) Math.round((double) job.contentW() / div));
            String what = "scale " + (s + 1) + " of " + job.scales();
            net.check(sh, sw, what);
            budget.check("the buffers of a style optimization at " + sw + "x" + sh,
                    MemoryBudget.bytesOf(8 * 30, 3, sh, sw));
            contentAtScale = resize(job.contentFull(), job.contentH(), job.contentW(), sh, sw);
            float[] content = job.preserveColor() ? Pixels.luminance(contentAtScale, null) : contentAtScale;
            if (u == null) {
                u = job.noiseInit() ? noise(sh, sw, job.seed(), net.grey()) : content.clone();
            } else {
                u = resize(u, h, w, sh, sw);
            }
            h = sh;
            w = sw;
            int offset = s * job.steps();
            try (Problem p = new Problem(job, content, contentAtScale, h, w, div)) {
                double[] x = new double[u.length];
                for (int i = 0; i < u.length; i++) {
                    x[i] = u[i];
                }
                StepListener sl = (step, loss, now) -> {
                    OptimizationStep os = new OptimizationStep(offset + step, total, loss, p.terms(loss));
                    history.add(os);
                    boolean go = listener.onStep(os) && !Thread.currentThread().isInterrupted();
                    stopped[0] |= !go;
                    return go;
                };
                OptimizationTrace trace = job.optimizer().minimize(p, x, job.steps(), sl);
                if (job.steps() == 0 && s == 0) {
                    OptimizationStep os = new OptimizationStep(0, 0, trace.finalLoss(), p.terms(trace.finalLoss()));
                    history.add(os);
                    listener.onStep(os);
                }
                for (int i = 0; i < u.length; i++) {
                    u[i] = (float) x[i];
                }
            }
            if (stopped[0]) {
                break;
            }
        }
        float[] out;
        if (job.preserveColor()) {
            float[] full = h == job.contentH() && w == job.contentW() ? job.contentFull()
                    : resize(job.contentFull(), job.contentH(), job.contentW(), h, w);
            out = Pixels.keepChrominance(u, full);
        } else {
            out = u.clone();
            for (int i = 0; i < out.length; i++) {
                out[i] = Math.max(0f, Math.min(255f, out[i]));
            }
        }
        BufferedImage image = Pixels.toImage(out, h, w);
        Map<String, String> opts = new LinkedHashMap<>(job.options());
        if (!history.isEmpty()) {
            opts.put("finalLoss", Double.toString(history.get(history.size() - 1).loss()));
        }
        Provenance prov = new Provenance(job.method(), opts, String.join(",", job.styleLayers()), job.seed(),
                net.model().source(), Instant.now());
        return new Stylization(List.of(image), Tensor.of(out, 1, 3, h, w), history, stopped[0], prov);
    }

    /** The loss of a job at full size, one scale, with its starting point. */
    static StyleObjective objective(Job job) {
        int h = job.contentH();
        int w = job.contentW();
        job.net().check(h, w, "the image");
        job.net().graph().memoryBudget().check("the buffers of a style objective at " + w + "x" + h,
                MemoryBudget.bytesOf(8 * 30, 3, h, w));
        float[] content = job.preserveColor() ? Pixels.luminance(job.contentFull(), null) : job.contentFull();
        float[] start = job.noiseInit() ? noise(h, w, job.seed(), job.net().grey()) : content.clone();
        return new StyleObjective(new Problem(job, content, job.contentFull(), h, w, 1), start, h, w);
    }

    private static float[] resize(float[] p, int h, int w, int nh, int nw) {
        if (h == nh && w == nw) {
            return p.clone();
        }
        return ImageResize.resizePlanes(p, 3, w, h, nw, nh, ResizeFilter.BILINEAR);
    }

    /** Seeded Gaussian noise around mid-grey, clipped to 0..255. */
    static float[] noise(int h, int w, long seed) {
        return noise(h, w, seed, false);
    }

    /**
     * Seeded Gaussian noise around mid-grey, clipped to 0..255; with {@code grey} the first plane's noise in all
     * three planes (a grey loss model's start, see {@link LossNetwork}).
     */
    static float[] noise(int h, int w, long seed, boolean grey) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] p = new float[3 * h * w];
        int n = grey ? h * w : p.length;
        for (int i = 0; i < n; i++) {
            double u1 = 1 - rng.nextDouble();
            double u2 = rng.nextDouble();
            double g = StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * StrictMath.PI * u2);
            p[i] = (float) Math.max(0, Math.min(255, 127.5 + NOISE_SD * g));
        }
        if (grey) {
            System.arraycopy(p, 0, p, n, n);
            System.arraycopy(p, 0, p, 2 * n, n);
        }
        return p;
    }

    /** The loss at one scale, as a function of the pixels; buffers allocated once. */
    static final class Problem implements dev.cnnviz.core.optim.DifferentiableFunction, AutoCloseable {
        private final Job job;
        private final int h;
        private final int w;
        private final INDArray x;
        private final Map<String, INDArray> seeds = new LinkedHashMap<>();
        private final Map<String, INDArray> scratch = new LinkedHashMap<>();
        private final Map<String, LossNetwork.LayerLoss> losses = new LinkedHashMap<>();
        private final List<INDArray> owned = new ArrayList<>();
        private final Map<String, Double> current = new LinkedHashMap<>();
        private final Map<Double, Map<String, Double>> recent = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Double, Map<String, Double>> eldest) {
                return size() > 64;
            }
        };

        Problem(Job job, float[] content, float[] contentColour, int h, int w, int div) {
            this.job = job;
            this.h = h;
            this.w = w;
            LossNetwork net = job.net();
            x = Nd4j.create(net.graph().dataType(), 1, net.channels(), h, w);
            owned.add(x);
            try {
                build(content, contentColour, div);
            } catch (RuntimeException | Error e) {
                close();
                throw e;
            }
        }

        /** Allocates the seeds and scratch arrays and builds the loss terms (its arrays are in {@link #owned}). */
        private void build(float[] content, float[] contentColour, int div) {
            LossNetwork net = job.net();
            long[] in = {1, job.net().channels(), h, w};
            for (String l : net.layers()) {
                long[] shape = LayerGraphs.layerShape(net.graph(), l, in, "the image");
                INDArray seed = Nd4j.create(net.graph().dataType(), shape);
                INDArray tmp = Nd4j.create(net.graph().dataType(), shape);
                owned.add(seed);
                owned.add(tmp);
                seeds.put(l, seed);
                scratch.put(l, tmp);
            }
            List<LossTerm> terms = new ArrayList<>();
            if (job.contentLayer() != null && job.contentWeight() > 0) {
                Map<String, INDArray> f = net.features(content, h, w);
                INDArray target = f.get(job.contentLayer());
                FeatureReconstructionLoss cl = FeatureReconstructionLoss.of(target,
                        FeatureReconstructionLoss.Normalization.SUM).withWeight(job.contentWeight());
                f.values().forEach(INDArray::close);
                terms.add(new LossTerm("content", job.contentLayer(), cl::evaluate));
            }
            List<INDArray> grams = styleGrams(job, contentColour, h, w, div);
            for (int i = 0; i < job.styleLayers().size(); i++) {
                String l = job.styleLayers().get(i);
                INDArray g = grams.get(i);
                long c = g.size(1);
                StyleLoss sl = StyleLoss.ofGram(g, GramNormalization.CHW).withWeight(job.styleWeights()[i] * c * c);
                g.close();
                terms.add(new LossTerm("style:" + l, l, sl::evaluate));
            }
            for (String l : net.layers()) {
                List<LossTerm> here = terms.stream().filter(t -> t.layer().equals(l)).toList();
                INDArray tmp = scratch.get(l);
                losses.put(l, (a, grad) -> {
                    double sum = 0;
                    for (int k = 0; k < here.size(); k++) {
                        LossTerm t = here.get(k);
                        double v = t.loss().evaluate(a, k == 0 ? grad : tmp);
                        if (k > 0) {
                            grad.addi(tmp);
                        }
                        current.put(t.name(), v);
                        sum += v;
                    }
                    return sum;
                });
            }
            for (LossTerm t : terms) {
                current.put(t.name(), 0.0);
            }
        }

        /** The blended Gram target per style layer, from each style image at this scale. */
        private static List<INDArray> styleGrams(Job job, float[] contentColour, int h, int w, int div) {
            double sum = 0;
            for (double b : job.blend()) {
                sum += b;
            }
            List<INDArray> out = new ArrayList<>();
            try {
                addStyleGrams(job, contentColour, div, sum, out);
            } catch (RuntimeException | Error e) {
                out.forEach(INDArray::close);
                throw e;
            }
            return out;
        }

        private static void addStyleGrams(Job job, float[] contentColour, int div, double sum, List<INDArray> out) {
            LossNetwork net = job.net();
            for (int k = 0; k < job.styles().size(); k++) {
                int[] size = job.styleSizes().get(k);
                int sh = Math.max(1, (int) Math.round((double) size[0] / div));
                int sw = Math.max(1, (int) Math.round((double) size[1] / div));
                net.check(sh, sw, "style image " + (k + 1) + " at scale 1/" + div);
                float[] style = resize(job.styles().get(k), size[0], size[1], sh, sw);
                if (job.preserveColor()) {
                    style = Pixels.luminance(style, contentColour);
                }
                Map<String, INDArray> f = net.features(style, sh, sw);
                for (int i = 0; i < job.styleLayers().size(); i++) {
                    INDArray a = f.get(job.styleLayers().get(i));
                    INDArray g = GramMatrix.of(a, GramNormalization.CHW).muli(job.blend()[k] / sum);
                    if (k == 0) {
                        out.add(g);
                    } else {
                        out.get(i).addi(g);
                        g.close();
                    }
                }
                f.values().forEach(INDArray::close);
            }
        }

        @Override
        public double evaluate(double[] u, double[] g) {
            for (String k : current.keySet()) {
                current.put(k, 0.0);
            }
            double loss = job.net().evaluate(u, x, losses, seeds, g);
            double tv = 0;
            if (job.tv() > 0) {
                tv = tv(u, g, job.tv());
            }
            double range = 0;
            if (job.rangeWeight() > 0) {
                double wr = job.rangeWeight();
                for (int i = 0; i < u.length; i++) {
                    double e = u[i] > 255 ? u[i] - 255 : u[i] < 0 ? u[i] : 0;
                    if (e != 0) {
                        range += wr * e * e;
                        g[i] += 2 * wr * e;
                    }
                }
            }
            Map<String, Double> terms = new LinkedHashMap<>(current);
            terms.put("tv", tv);
            terms.put("range", range);
            loss += tv + range;
            if (!Double.isFinite(loss)) {
                throw new NonFiniteResultException(job.method() + ": the loss is " + loss + " " + terms);
            }
            recent.put(loss, terms);
            return loss;
        }

        /** {@code w Σ (dh² + dv²)} per channel (the last row and column have only one difference); adds the gradient. */
        private double tv(double[] u, double[] g, double weight) {
            double sum = 0;
            int plane = h * w;
            for (int c = 0; c < 3; c++) {
                int base = c * plane;
                for (int y = 0; y < h; y++) {
                    for (int xx = 0; xx < w; xx++) {
                        int i = base + y * w + xx;
                        if (xx + 1 < w) {
                            double d = u[i + 1] - u[i];
                            sum += d * d;
                            g[i + 1] += 2 * weight * d;
                            g[i] -= 2 * weight * d;
                        }
                        if (y + 1 < h) {
                            double d = u[i + w] - u[i];
                            sum += d * d;
                            g[i + w] += 2 * weight * d;
                            g[i] -= 2 * weight * d;
                        }
                    }
                }
            }
            return weight * sum;
        }

        /** The terms of the evaluation that gave {@code loss}. */
        Map<String, Double> terms(double loss) {
            return recent.getOrDefault(loss, Map.of("loss", loss));
        }

        @Override
        public void close() {
            owned.forEach(INDArray::close);
        }
    }

    private record LossTerm(String name, String layer, LossNetwork.LayerLoss loss) {
    }
}
