package dev.cnnviz.core.attribution;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.ResolvedTarget;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.graph.ScratchArrays;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * SmoothGrad (Smilkov, Thorat, Kim, Viégas &amp; Wattenberg 2017, "SmoothGrad: removing noise by adding
 * noise"), SmoothGrad² and VarGrad (Adebayo et al. 2018): Captum's {@code NoiseTunnel} around any
 * attribution method of cnnviz (gradient methods, integrated gradients, CAMs — anything extending
 * {@link AttributionBase}).
 *
 * <p>For an example {@code x}, {@code N} noisy copies {@code x + ε_s}, {@code ε_s ~ N(0, σ²)} with
 * {@code σ = noise · (max(x) − min(x))} (the example's own value range, in preprocessed space), are
 * explained by the inner method {@code E} for the same target, which is resolved once on the noiseless input
 * (a {@link Target.TopClass} becomes the class the model predicts for {@code x}). Element-wise:
 * <ul>
 *   <li>{@link Mode#SMOOTHGRAD}: {@code (1/N) Σ_s E(x + ε_s)};</li>
 *   <li>{@link Mode#SMOOTHGRAD_SQUARED}: {@code (1/N) Σ_s E(x + ε_s)²};</li>
 *   <li>{@link Mode#VARGRAD}: {@code (1/N) Σ_s E(x + ε_s)² − ((1/N) Σ_s E(x + ε_s))²} (population variance).</li>
 * </ul>
 * The raw attribution is that aggregate of the inner raw attributions. The map: for input-space methods
 * ({@link GradientAttribution}s and {@link IntegratedGradients}) the inner method's channel reduction of
 * the aggregated attribution (Smilkov et al. smooth the sensitivity map before visualising it); for other
 * methods (CAMs) the same aggregate of the inner maps. {@code signed()} is the inner method's in
 * {@code SMOOTHGRAD} mode and false otherwise. The target score and probability reported are those of the
 * noiseless input.
 *
 * <p>Defaults: 25 samples, {@code noise = 0.15}, {@link Mode#SMOOTHGRAD}, seed 0, batch size the inner
 * method's. Noise comes from a {@link SplittableRandom} seeded with {@link #seed()} afresh for every
 * example, so results are reproducible and an example's result does not depend on the batch it is in (the
 * provenance records the seed). The noisy copies of all examples of a batch are explained at most
 * {@link #batchSize()} at a time ({@link #passSizes}) through one call of the inner method's batch computation
 * each.
 *
 * <pre>{@code
 * SmoothGrad sg = SmoothGrad.of(Saliency.of(model)).withSamples(50).withNoise(0.2).withSeed(42);
 * Explanation e = sg.explain(image, 285);
 * e.save(Path.of("smoothgrad.png"));
 * }</pre>
 */
public final class SmoothGrad extends AttributionBase {
    /** The default number of noisy samples. */
    public static final int DEFAULT_SAMPLES = 25;
    /** The default noise level: σ as a fraction of the example's value range. */
    public static final double DEFAULT_NOISE = 0.15;

    /** How the explanations of the noisy samples are aggregated. */
    public enum Mode {
        /** The mean (SmoothGrad). */
        SMOOTHGRAD("SmoothGrad"),
        /** The mean of the squares (SmoothGrad²). */
        SMOOTHGRAD_SQUARED("SmoothGrad-Squared"),
        /** The variance (VarGrad). */
        VARGRAD("VarGrad");

        private final String label;

        Mode(String label) {
            this.label = label;
        }

        /** @return the method's name, e.g. {@code "VarGrad"}. */
        public String label() {
            return label;
        }
    }

    private final AttributionBase inner;
    /**
     * The most samples accepted: 10,000 (each sample is a pass of the inner method; a larger count is a mistake or an
     * attempt to tie the process up).
     */
    public static final int MAX_SAMPLES = 10_000;

    private final int samples;
    private final double noise;
    private final Mode mode;
    private final long seed;

    private SmoothGrad(AttributionBase inner, int batchSize, int samples, double noise, Mode mode, long seed) {
        super(requireInner(inner).model(), batchSize);
        if (samples < 1) {
            throw new IllegalArgumentException("SmoothGrad needs at least 1 sample, found " + samples);
        }
        if (samples > MAX_SAMPLES) {
            throw new IllegalArgumentException("SmoothGrad takes at most " + MAX_SAMPLES + " samples, found " + samples
                    + " (the paper's maps settle by 50)");
        }
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException("noise level must be a finite number >= 0, found " + noise);
        }
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        this.inner = inner;
        this.samples = samples;
        this.noise = noise;
        this.mode = mode;
        this.seed = seed;
    }

    private static AttributionBase requireInner(AttributionBase inner) {
        if (inner == null) {
            throw new IllegalArgumentException("SmoothGrad needs an attribution method to wrap");
        }
        return inner;
    }

    /**
     * @param inner the method to smooth (its model is used)
     * @return SmoothGrad around it: 25 samples, noise 0.15, mean, seed 0, the inner method's batch size
     */
    public static SmoothGrad of(AttributionBase inner) {
        return new SmoothGrad(inner, requireInner(inner).batchSize(), DEFAULT_SAMPLES, DEFAULT_NOISE, Mode.SMOOTHGRAD, 0L);
    }

    /** @return a copy drawing {@code n} noisy samples per example (at least 1). */
    public SmoothGrad withSamples(int n) {
        return new SmoothGrad(inner, batchSize(), n, noise, mode, seed);
    }

    /** @return a copy with noise {@code σ = level · (max(x) − min(x))}; {@code level} finite and {@code >= 0}. */
    public SmoothGrad withNoise(double level) {
        return new SmoothGrad(inner, batchSize(), samples, level, mode, seed);
    }

    /** @return a copy with another aggregation. */
    public SmoothGrad withMode(Mode newMode) {
        return new SmoothGrad(inner, batchSize(), samples, noise, newMode, seed);
    }

    /** @return a copy with another random seed. */
    public SmoothGrad withSeed(long newSeed) {
        return new SmoothGrad(inner, batchSize(), samples, noise, mode, newSeed);
    }

    /** @return a copy explaining {@code n} noisy samples per call of the inner method (at least 1). */
    public SmoothGrad withBatchSize(int n) {
        return new SmoothGrad(inner, n, samples, noise, mode, seed);
    }

    /** @return the wrapped method. */
    public AttributionBase inner() {
        return inner;
    }

    /** @return the number of noisy samples per example. */
    public int samples() {
        return samples;
    }

    /** @return the noise level (σ as a fraction of each example's value range). */
    public double noise() {
        return noise;
    }

    /** @return the aggregation. */
    public Mode mode() {
        return mode;
    }

    /** @return the random seed. */
    public long seed() {
        return seed;
    }

    @Override
    public String name() {
        return mode.label() + " (" + inner.name() + ")";
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("samples", String.valueOf(samples));
        o.put("noise", String.valueOf(noise));
        o.put("mode", mode.name());
        o.put("seed", String.valueOf(seed));
        o.put("batchSize", String.valueOf(batchSize()));
        o.put("inner", inner.name());
        for (Map.Entry<String, String> e : inner.options().entrySet()) {
            o.put("inner." + e.getKey(), e.getValue());
        }
        return o;
    }

    /** The inner method's channel reduction, or null when it is not an input-space method. */
    private ChannelReduction innerReduction() {
        if (inner instanceof GradientAttribution ga) {
            return ga.reduction();
        }
        if (inner instanceof IntegratedGradients ig) {
            return ig.reduction();
        }
        return null;
    }

    /** Running element-wise mean and sum of squared deviations (Welford), per example. */
    private static final class Moments {
        int count;
        double[] mean;
        double[] m2;

        void add(float[] v) {
            add(v, 0, v.length);
        }

        /** Adds {@code v[off .. off+len-1]}. */
        void add(float[] v, int off, int len) {
            if (mean == null) {
                mean = new double[len];
                m2 = new double[len];
            }
            count++;
            for (int p = 0; p < len; p++) {
                double x = v[off + p];
                double d = x - mean[p];
                mean[p] += d / count;
                m2[p] += d * (x - mean[p]);
            }
        }

        float[] aggregate(Mode mode) {
            float[] out = new float[mean.length];
            for (int p = 0; p < out.length; p++) {
                double var = m2[p] / count;
                double v;
                if (mode == Mode.SMOOTHGRAD) {
                    v = mean[p];
                } else if (mode == Mode.SMOOTHGRAD_SQUARED) {
                    v = var + mean[p] * mean[p];
                } else {
                    v = var;
                }
                out[p] = (float) v;
            }
            return out;
        }
    }

    @Override
    protected List<Explanation> compute(INDArray x, List<Target> targetList, List<BufferedImage> images) {
        int n = (int) x.size(0);
        int len = Math.toIntExact(x.length() / n);
        DataType dt = x.dataType();
        Set<String> keep = new LinkedHashSet<>();
        for (Target t : targetList) {
            keep.add(targets.nodeOf(t));
        }
        List<Target> fixed;
        List<ResolvedTarget> resolved;
        try (ForwardPass p = model.graph().infer(x, keep)) {
            TargetResolver.Resolved r = targets.resolve(p, targetList);
            GradientAttribution.closeAll(r);
            fixed = r.fixed();
            resolved = r.targets();
        }
        double[][] values = new double[n][];
        double[] sigma = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = HostArrays.doubles(x.get(NDArrayIndex.point(i)));
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double v : values[i]) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            sigma[i] = noise * (hi - lo);
        }
        SplittableRandom[] rngs = new SplittableRandom[n];
        Moments[] attr = new Moments[n];
        Moments[] maps = new Moments[n];
        int[][] attrShape = new int[n][];
        boolean[] innerSigned = new boolean[n];
        String[] layer = new String[n];
        int[][] mapSize = new int[n][];
        long[] shape = x.shape();
        ChannelReduction reduction = innerReduction();
        int evals = n * samples;
        // Gradient methods on images: only their raw attributions are aggregated, so none of the per-sample
        // explanations (maps, tensors) are built; the map is the channel reduction of the aggregate, as below.
        GradientAttribution fast = inner instanceof GradientAttribution ga && x.rank() == 4 ? ga : null;
        int start = 0;
        for (int m : passSizes(evals, batchSize())) {
            boolean single = dt == DataType.FLOAT;
            float[] fbuf = single ? new float[m * len] : null;
            double[] dbuf = single ? null : new double[m * len];
            List<Target> rowTargets = new ArrayList<>(m);
            List<BufferedImage> rowImages = new ArrayList<>(m);
            for (int r = 0; r < m; r++) {
                int i = (start + r) / samples;
                if (rngs[i] == null) {
                    rngs[i] = new SplittableRandom(seed);
                }
                SplittableRandom rng = rngs[i];
                double[] v = values[i];
                double s = sigma[i];
                int off = r * len;
                for (int q = 0; q < len; q++) {
                    double noisyValue = v[q] + s * rng.nextGaussian();
                    if (single) {
                        fbuf[off + q] = (float) noisyValue;
                    } else {
                        dbuf[off + q] = noisyValue;
                    }
                }
                rowTargets.add(fixed.get(i));
                rowImages.add(images.get(i));
            }
            long[] chunkShape = shape.clone();
            chunkShape[0] = m;
            List<Explanation> res = null;
            float[] rawRows = null;
            // A pooled array: a fresh one per chunk would land on fresh pages (ND4J does not free on close).
            try (ScratchArrays.Lease lease = ScratchArrays.lease(single ? DataType.FLOAT : DataType.DOUBLE, chunkShape)) {
                INDArray created = lease.array();
                if (single) {
                    created.data().asNioFloat().put(fbuf);
                } else {
                    created.data().asNioDouble().put(dbuf);
                }
                INDArray noisy = created.dataType() == dt ? created : created.castTo(dt);
                try {
                    if (fast != null) {
                        rawRows = fast.rawAttributions(noisy, rowTargets);
                    } else {
                        res = inner.compute(noisy, rowTargets, rowImages);
                    }
                } finally {
                    if (noisy != created) {
                        noisy.close();
                    }
                }
            }
            for (int r = 0; r < m; r++) {
                int i = (start + r) / samples;
                if (fast != null) {
                    if (attr[i] == null) {
                        attr[i] = new Moments();
                        maps[i] = new Moments();
                        attrShape[i] = new int[] {(int) shape[1], (int) shape[2], (int) shape[3]};
                        innerSigned[i] = fast.reduction().signed();
                        layer[i] = "";
                        mapSize[i] = new int[] {(int) shape[2], (int) shape[3]};
                    }
                    attr[i].add(rawRows, r * len, len);
                    continue;
                }
                Explanation e = res.get(r);
                if (attr[i] == null) {
                    attr[i] = new Moments();
                    maps[i] = new Moments();
                    attrShape[i] = e.attribution().shape();
                    innerSigned[i] = e.signed();
                    layer[i] = e.provenance().layer();
                    mapSize[i] = new int[] {e.map().height(), e.map().width()};
                }
                attr[i].add(e.attribution().data());
                if (reduction == null || e.attribution().rank() != 3) {
                    maps[i].add(e.map().values());
                }
            }
            start += m;
        }
        List<Explanation> out = new ArrayList<>(n);
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            float[] aggregated = attr[i].aggregate(mode);
            NonFiniteResultException.requireFinite(aggregated, name() + " attribution");
            Tensor a = Tensor.of(aggregated, attrShape[i]);
            Map2D map;
            if (reduction != null && a.rank() == 3) {
                map = reduction.apply(a);
            } else {
                float[] m = maps[i].aggregate(mode);
                NonFiniteResultException.requireFinite(m, name() + " map");
                map = new Map2D(mapSize[i][0], mapSize[i][1], m);
            }
            boolean signed = mode == Mode.SMOOTHGRAD && innerSigned[i];
            Provenance prov = new Provenance(name(), options(), layer[i], seed, model.source(), now);
            out.add(new ExplanationResult(a, map, signed, resolved.get(i), prov, images.get(i)));
        }
        return out;
    }
}
