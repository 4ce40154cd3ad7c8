package dev.cnnviz.core.attribution;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.ResolvedTarget;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ScratchArrays;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Integrated gradients (Sundararajan, Taly &amp; Yan 2017, "Axiomatic Attribution for Deep Networks").
 *
 * <p>For an input {@code x}, a {@link Baseline} {@code x'} and a target score {@code F}:
 * <pre>   IG_i(x) = (x_i − x'_i) · ∫₀¹ ∂F(x' + α(x − x'))/∂x_i dα
 *           ≈ (x_i − x'_i) · Σ_k w_k ∂F(x' + α_k(x − x'))/∂x_i</pre>
 * with the nodes {@code α_k} and weights {@code w_k} of an {@link Integration} rule (Captum's definitions).
 * By completeness {@code Σ_i IG_i = F(x) − F(x')} for the exact integral; the quadrature error is reported
 * as the convergence delta {@code δ = Σ_i IG_i − (F(x) − F(x'))} of each explanation, read with
 * {@link #delta(Explanation)} (it is also in the provenance options under {@code "delta"}).
 *
 * <p>Results: raw attribution {@code IG} of shape {@code [C, H, W]} (signed); map
 * {@code M[h,w] = Σ_c IG[c,h,w]} (signed, {@code signed()} is true).
 *
 * <p>Defaults (Captum's): {@link Integration#GAUSS_LEGENDRE} with 50 steps, baseline
 * {@link Baseline#zeros()}; batch size 32 model evaluations. The {@code steps} interpolated inputs of all
 * examples of a batch are evaluated together, at most {@link #batchSize()} per forward + backward pass (50
 * steps at batch 32 run as two passes of 25, see {@link #passSizes}), plus one forward pass on the inputs and
 * one on the baselines (for the target and the delta).
 *
 * <pre>{@code
 * IntegratedGradients ig = IntegratedGradients.of(model).withSteps(64).withBaseline(Baseline.black());
 * Explanation e = ig.explain(image, 285);
 * System.out.println("delta " + IntegratedGradients.delta(e));
 * }</pre>
 */
public final class IntegratedGradients extends AttributionBase {
    /** The default number of integration steps (Captum's). */
    public static final int DEFAULT_STEPS = 50;
    /**
     * The most steps accepted: 10,000 (each step is a forward and backward pass, so 10,000 steps on SqueezeNet take
     * about a minute; a larger count is a mistake or an attempt to tie the process up).
     */
    public static final int MAX_STEPS = 10_000;
    /** The default number of model evaluations per forward/backward pass. */
    public static final int DEFAULT_BATCH_SIZE = 32;
    private static final String NAME = "Integrated Gradients";

    /**
     * Quadrature rules on {@code [0, 1]} with Captum's exact nodes and weights
     * ({@code captum/attr/_utils/approximation_methods.py}):
     * <ul>
     *   <li>{@link #RIEMANN_LEFT}: {@code α_k = k/n}, {@code w_k = 1/n} (k = 0..n−1);</li>
     *   <li>{@link #RIEMANN_RIGHT}: {@code α_k = (k+1)/n}, {@code w_k = 1/n};</li>
     *   <li>{@link #RIEMANN_MIDDLE}: {@code α_k = (k+½)/n}, {@code w_k = 1/n};</li>
     *   <li>{@link #RIEMANN_TRAPEZOID}: {@code α_k = k/(n−1)}, {@code w_k = 1/n} with the first and last weight
     *       halved. Note that, as in Captum, these weights sum to {@code 1 − 1/n}, not 1, so the result
     *       is scaled down by that factor (prefer {@link #GAUSS_LEGENDRE} or {@link #RIEMANN_MIDDLE});</li>
     *   <li>{@link #GAUSS_LEGENDRE}: the n-point Gauss–Legendre rule (exact for polynomials of degree
     *       {@code 2n−1}), nodes {@code t_k} (roots of {@code P_n}) and weights {@code v_k} on {@code [−1, 1]}
     *       mapped to {@code α_k = (t_k + 1)/2}, {@code w_k = v_k/2}, in increasing order.</li>
     * </ul>
     * The Riemann rules need at least 2 steps (as in Captum), Gauss–Legendre at least 1.
     */
    public enum Integration {
        /** Left Riemann sum. */
        RIEMANN_LEFT,
        /** Right Riemann sum. */
        RIEMANN_RIGHT,
        /** Midpoint Riemann sum. */
        RIEMANN_MIDDLE,
        /** Captum's trapezoid rule. */
        RIEMANN_TRAPEZOID,
        /** Gauss–Legendre quadrature. */
        GAUSS_LEGENDRE;

        /** @return the smallest number of steps the rule accepts. */
        public int minSteps() {
            return this == GAUSS_LEGENDRE ? 1 : 2;
        }

        private void checkSteps(int n) {
            if (n < minSteps()) {
                throw new IllegalArgumentException(this + " needs at least " + minSteps() + " steps, found " + n);
            }
            if (n > MAX_STEPS) {
                throw new IllegalArgumentException(this + " takes at most " + MAX_STEPS + " steps, found " + n
                        + " (Gauss-Legendre is exact to float precision long before that; 50 to 300 steps suit most models)");
            }
        }

        /** @return the {@code n} nodes {@code α_k} in {@code [0, 1]}. */
        public double[] alphas(int n) {
            checkSteps(n);
            double[] a = new double[n];
            switch (this) {
                case RIEMANN_LEFT:
                    for (int k = 0; k < n; k++) {
                        a[k] = (double) k / n;
                    }
                    return a;
                case RIEMANN_RIGHT:
                    for (int k = 0; k < n; k++) {
                        a[k] = (double) (k + 1) / n;
                    }
                    return a;
                case RIEMANN_MIDDLE:
                    for (int k = 0; k < n; k++) {
                        a[k] = (k + 0.5) / n;
                    }
                    return a;
                case RIEMANN_TRAPEZOID:
                    for (int k = 0; k < n; k++) {
                        a[k] = (double) k / (n - 1);
                    }
                    return a;
                default:
                    double[] t = gaussLegendre(n)[0];
                    for (int k = 0; k < n; k++) {
                        a[k] = 0.5 * (t[k] + 1);
                    }
                    return a;
            }
        }

        /** @return the {@code n} weights {@code w_k}. */
        public double[] weights(int n) {
            checkSteps(n);
            double[] w = new double[n];
            if (this == GAUSS_LEGENDRE) {
                double[] v = gaussLegendre(n)[1];
                for (int k = 0; k < n; k++) {
                    w[k] = 0.5 * v[k];
                }
                return w;
            }
            Arrays.fill(w, 1.0 / n);
            if (this == RIEMANN_TRAPEZOID) {
                w[0] /= 2;
                w[n - 1] /= 2;
            }
            return w;
        }
    }

    /**
     * The n-point Gauss–Legendre rule on {@code [−1, 1]}: Newton iteration on the Legendre polynomial
     * {@code P_n} (three-term recurrence) from Chebyshev-like starting points.
     *
     * @return {nodes in increasing order, weights}
     */
    static double[][] gaussLegendre(int n) {
        double[] x = new double[n];
        double[] w = new double[n];
        int m = (n + 1) / 2;
        for (int i = 0; i < m; i++) {
            double z = Math.cos(Math.PI * (i + 0.75) / (n + 0.5));
            for (int it = 0; it < 100; it++) {
                double[] p = legendre(n, z);
                double dz = p[0] / p[1];
                z -= dz;
                if (Math.abs(dz) <= 1e-16 * Math.max(1, Math.abs(z))) {
                    break;
                }
            }
            double pp = legendre(n, z)[1];
            double wi = 2.0 / ((1 - z * z) * pp * pp);
            x[i] = -z;
            x[n - 1 - i] = z;
            w[i] = wi;
            w[n - 1 - i] = wi;
        }
        if (n % 2 == 1) {
            x[n / 2] = 0.0;
        }
        return new double[][] {x, w};
    }

    /** @return {P_n(z), P_n'(z)}. */
    private static double[] legendre(int n, double z) {
        double p1 = 1;
        double p2 = 0;
        for (int j = 1; j <= n; j++) {
            double p3 = p2;
            p2 = p1;
            p1 = ((2.0 * j - 1) * z * p2 - (j - 1.0) * p3) / j;
        }
        return new double[] {p1, n * (z * p1 - p2) / (z * z - 1)};
    }

    private final int steps;
    private final Integration method;
    private final Baseline baseline;

    private IntegratedGradients(Model model, int batchSize, int steps, Integration method, Baseline baseline) {
        super(model, batchSize);
        if (method == null) {
            throw new IllegalArgumentException("integration method must not be null");
        }
        if (baseline == null) {
            throw new IllegalArgumentException("baseline must not be null");
        }
        method.checkSteps(steps);
        baseline.check(model.inputSpec());
        this.steps = steps;
        this.method = method;
        this.baseline = baseline;
    }

    /** @return integrated gradients for a model: Gauss–Legendre, 50 steps, zero baseline, batch size 32. */
    public static IntegratedGradients of(Model model) {
        return new IntegratedGradients(model, DEFAULT_BATCH_SIZE, DEFAULT_STEPS, Integration.GAUSS_LEGENDRE, Baseline.zeros());
    }

    /** @return a copy with {@code n} integration steps (at least {@link Integration#minSteps()}). */
    public IntegratedGradients withSteps(int n) {
        return new IntegratedGradients(model, batchSize(), n, method, baseline);
    }

    /** @return a copy with another quadrature rule (the current step count must suit it). */
    public IntegratedGradients withMethod(Integration newMethod) {
        return new IntegratedGradients(model, batchSize(), steps, newMethod, baseline);
    }

    /** @return a copy with another baseline (checked against the model's input shape). */
    public IntegratedGradients withBaseline(Baseline newBaseline) {
        return new IntegratedGradients(model, batchSize(), steps, method, newBaseline);
    }

    /** @return a copy evaluating {@code n} interpolated inputs per forward/backward pass (at least 1). */
    public IntegratedGradients withBatchSize(int n) {
        return new IntegratedGradients(model, n, steps, method, baseline);
    }

    /** @return the number of integration steps. */
    public int steps() {
        return steps;
    }

    /** @return the quadrature rule. */
    public Integration method() {
        return method;
    }

    /** @return the baseline. */
    public Baseline baseline() {
        return baseline;
    }

    /** @return how the attribution becomes a map: {@link ChannelReduction#SUM}. */
    public ChannelReduction reduction() {
        return ChannelReduction.SUM;
    }

    /**
     * @param e an explanation computed by integrated gradients
     * @return its convergence delta {@code Σ_i IG_i − (F(x) − F(x'))}
     * @throws IllegalArgumentException if {@code e} did not come from this method
     */
    public static double delta(Explanation e) {
        if (e == null) {
            throw new IllegalArgumentException("explanation must not be null");
        }
        String d = e.provenance().options().get("delta");
        if (!NAME.equals(e.provenance().method()) || d == null) {
            throw new IllegalArgumentException("the explanation was computed by '" + e.provenance().method()
                    + "', not by " + NAME + "; it has no convergence delta");
        }
        return Double.parseDouble(d);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("steps", String.valueOf(steps));
        o.put("method", method.name());
        o.put("baseline", baseline.describe());
        o.put("batchSize", String.valueOf(batchSize()));
        return o;
    }

    @Override
    protected List<Explanation> compute(INDArray x, List<Target> targetList, List<BufferedImage> images) {
        Graph g = model.graph();
        String in = g.inputName();
        int n = (int) x.size(0);
        long len = x.length() / n;
        DataType dt = x.dataType();
        double[] alphas = method.alphas(steps);
        double[] weights = method.weights(steps);
        Set<String> keep = new LinkedHashSet<>();
        for (Target t : targetList) {
            keep.add(targets.nodeOf(t));
        }
        INDArray base0 = null;
        INDArray base = null;
        INDArray diff = null;
        INDArray total = null;
        INDArray ig = null;
        INDArray maps = null;
        INDArray sums = null;
        try {
            base0 = baseline.toArray(model.inputSpec(), dt);
            base = Nd4j.create(dt, x.shape());
            for (int i = 0; i < n; i++) {
                base.get(NDArrayIndex.point(i)).assign(base0);
            }
            List<Target> fixed;
            List<ResolvedTarget> resolved;
            double[] fx;
            double[] fb;
            try (ForwardPass p = g.infer(x, keep)) {
                TargetResolver.Resolved r = targets.resolve(p, targetList);
                GradientAttribution.closeAll(r);
                fixed = r.fixed();
                resolved = r.targets();
                fx = r.scores();
            }
            try (ForwardPass p = g.infer(base, keep)) {
                TargetResolver.Resolved r = targets.resolve(p, fixed);
                GradientAttribution.closeAll(r);
                fb = r.scores();
            }
            diff = x.sub(base);
            total = Nd4j.zeros(dt, n, len);
            long[] shape = x.shape();
            int evals = n * steps;
            int start = 0;
            for (int m : passSizes(evals, batchSize())) {
                accumulate(g, in, start, m, diff, base0, fixed, alphas, weights, total, shape);
                start += m;
            }
            ig = diff.mul(total.reshape(shape));
            maps = reduction().apply(ig);
            sums = ig.reshape(n, len).sum(1);
            List<Explanation> out = new ArrayList<>(n);
            Instant now = Instant.now();
            for (int i = 0; i < n; i++) {
                double delta = sums.getDouble(i) - (fx[i] - fb[i]);
                Map<String, String> opts = new LinkedHashMap<>(options());
                opts.put("delta", Double.toString(delta));
                Provenance prov = new Provenance(name(), opts, "", null, model.source(), now);
                out.add(new ExplanationResult(example(ig, i), map2d(maps.get(NDArrayIndex.point(i))), true,
                        resolved.get(i), prov, images.get(i)));
            }
            return out;
        } finally {
            for (INDArray a : new INDArray[] {base0, base, diff, total, ig, maps, sums}) {
                GradientAttribution.close(a);
            }
        }
    }

    /**
     * Evaluates model evaluations {@code start .. start+m-1} (evaluation {@code j} is step {@code j % steps}
     * of example {@code j / steps}) in one forward + backward pass and adds {@code w_k · gradient} to each
     * example's row of {@code total [n, len]}.
     */
    private void accumulate(Graph g, String in, int start, int m, INDArray diff, INDArray base0, List<Target> fixed,
            double[] alphas, double[] weights, INDArray total, long[] shape) {
        DataType dt = diff.dataType();
        long len = total.size(1);
        long[] chunkShape = shape.clone();
        chunkShape[0] = m;
        // A pooled array: a fresh one per chunk would land on fresh pages (ND4J does not free on close).
        try (ScratchArrays.Lease lease = ScratchArrays.lease(dt, chunkShape)) {
            INDArray chunk = lease.array();
            List<Target> rowTargets = new ArrayList<>(m);
            for (int r = 0; r < m; r++) {
                int j = start + r;
                int i = j / steps;
                int k = j % steps;
                chunk.get(NDArrayIndex.point(r)).assign(diff.get(NDArrayIndex.point(i))).muli(alphas[k]).addi(base0);
                rowTargets.add(fixed.get(i));
            }
            try (ForwardPass pass = g.forward(chunk)) {
                TargetResolver.Resolved res = targets.resolve(pass, rowTargets);
                try (Gradients grads = pass.backward(res.seeds(), List.of(in))) {
                    INDArray gx = grads.get(in).reshape(m, len);
                    int r = 0;
                    while (r < m) {
                        int i = (start + r) / steps;
                        int end = Math.min(m, (i + 1) * steps - start);
                        double[] w = new double[end - r];
                        for (int q = r; q < end; q++) {
                            w[q - r] = weights[(start + q) % steps];
                        }
                        INDArray wRow = Nd4j.create(w, new long[] {1, w.length}, dt);
                        INDArray contribution = wRow.mmul(gx.get(NDArrayIndex.interval(r, end), NDArrayIndex.all()));
                        total.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all()).addi(contribution);
                        wRow.close();
                        contribution.close();
                        r = end;
                    }
                } finally {
                    GradientAttribution.closeAll(res);
                }
            }
        }
    }
}
