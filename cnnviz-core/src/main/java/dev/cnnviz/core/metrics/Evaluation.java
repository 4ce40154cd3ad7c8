package dev.cnnviz.core.metrics;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Every metric of this package for one attribution method over a batch of images: what {@code cnnviz evaluate}
 * tabulates and plots. The method explains the whole batch at once; then, per image, each metric runs its own batched
 * inference passes; the randomisation test runs once over the batch.
 *
 * <p>Metrics and their configurations: {@link Metric#DELETION} and {@link Metric#INSERTION} as
 * {@link DeletionInsertion#of} (AUC), {@link Metric#ROAD_MORF} and {@link Metric#ROAD_LERF} as {@link Road#of} (mean
 * response over 10%..90%), {@link Metric#INFIDELITY} as {@link Infidelity#of} with square removal ({@link #withInfidelity}), {@link Metric#MAX_SENSITIVITY} as
 * {@link MaxSensitivity#of}, {@link Metric#RANDOMIZATION} as {@link ModelRandomization#of} (the correlation after the
 * whole cascade); every seeded metric gets {@link #seed()}. Defaults: all metrics, seed 0, infidelity by square removal.
 *
 * <pre>{@code
 * Evaluation.Result r = Evaluation.of(model).run("grad-cam", GradCam::of, batch, Target.topClass());
 * Summary.of(r.values(Evaluation.Metric.DELETION)).format(3);
 * }</pre>
 */
public final class Evaluation {
    /** A metric of the evaluation, with its direction. */
    public enum Metric {
        /** Deletion AUC (Petsiuk et al. 2018); lower is better. */
        DELETION("deletion AUC", false),
        /** Insertion AUC (Petsiuk et al. 2018); higher is better. */
        INSERTION("insertion AUC", true),
        /** ROAD, most relevant first (Rong et al. 2022); lower is better. */
        ROAD_MORF("ROAD MoRF", false),
        /** ROAD, least relevant first (Rong et al. 2022); higher is better. */
        ROAD_LERF("ROAD LeRF", true),
        /** Infidelity (Yeh et al. 2019); lower is better. */
        INFIDELITY("infidelity", false),
        /** Max-sensitivity (Yeh et al. 2019); lower is better. */
        MAX_SENSITIVITY("max-sensitivity", false),
        /** Spearman's ρ after cascading randomisation of every layer (Adebayo et al. 2018); lower passes. */
        RANDOMIZATION("randomisation ρ", false);

        private final String label;
        private final boolean higherIsBetter;

        Metric(String label, boolean higherIsBetter) {
            this.label = label;
            this.higherIsBetter = higherIsBetter;
        }

        /** @return a short label for tables */
        public String label() {
            return label;
        }

        /** @return whether higher values are better */
        public boolean higherIsBetter() {
            return higherIsBetter;
        }

        /** @return the command-line name, e.g. {@code road-morf} */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /**
         * @return the metric with this command-line name
         * @throws IllegalArgumentException listing the valid names
         */
        public static Metric parse(String name) {
            for (Metric m : values()) {
                if (m.cliName().equalsIgnoreCase(name == null ? "" : name.strip())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown metric '" + name + "'; valid metrics: "
                    + Arrays.stream(values()).map(Metric::cliName).toList());
        }
    }

    /**
     * One method's results.
     *
     * @param method        the method's name
     * @param values        per metric, one value per image
     * @param curves        per curve metric (deletion, insertion, ROAD), one curve per image
     * @param randomization the randomisation test's result, or null when it was not run
     */
    public record Result(String method, Map<Metric, double[]> values, Map<Metric, List<Curve>> curves,
                         ModelRandomization.Result randomization) {
        /** Copies. */
        public Result {
            values = Map.copyOf(values);
            curves = Map.copyOf(curves);
        }

        /** @return the values of {@code m}, one per image; @throws IllegalArgumentException if it was not run */
        public double[] values(Metric m) {
            double[] v = values.get(m);
            if (v == null) {
                throw new IllegalArgumentException("metric " + m.cliName() + " was not run; run: " + values.keySet());
            }
            return v.clone();
        }

        /** @return the mean curve of a curve metric over images (their fractions agree) */
        public Curve meanCurve(Metric m) {
            List<Curve> cs = curves.get(m);
            if (cs == null || cs.isEmpty()) {
                throw new IllegalArgumentException("metric " + m.cliName() + " has no curves here");
            }
            double[] mean = new double[cs.get(0).size()];
            for (Curve c : cs) {
                double[] v = c.values();
                for (int i = 0; i < mean.length; i++) {
                    mean[i] += v[i] / cs.size();
                }
            }
            return new Curve(cs.get(0).fractions(), mean);
        }
    }

    private final Model model;
    private final Set<Metric> metrics;
    private final long seed;
    private final Infidelity.Perturbation infidelity;

    private Evaluation(Model model, Set<Metric> metrics, long seed, Infidelity.Perturbation infidelity) {
        this.model = model;
        this.metrics = metrics;
        this.seed = seed;
        this.infidelity = infidelity;
    }

    /** @return an evaluation of every metric on {@code model}; @throws IllegalArgumentException if null */
    public static Evaluation of(Model model) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        return new Evaluation(model, EnumSet.allOf(Metric.class), 0, Infidelity.Perturbation.SQUARE_REMOVAL);
    }

    /** @return a copy running only these metrics; @throws IllegalArgumentException if empty */
    public Evaluation withMetrics(Set<Metric> m) {
        if (m == null || m.isEmpty()) {
            throw new IllegalArgumentException("at least one metric is needed");
        }
        return new Evaluation(model, EnumSet.copyOf(m), seed, infidelity);
    }

    /** @return a copy whose seeded metrics use {@code s} */
    public Evaluation withSeed(long s) {
        return new Evaluation(model, metrics, s, infidelity);
    }

    /**
     * @return a copy measuring infidelity with perturbation {@code p} (default {@code SQUARE_REMOVAL}: the report
     *     compares unsigned maps such as Grad-CAM's with gradients, which the noisy baseline cannot separate)
     * @throws IllegalArgumentException if {@code p} is null
     */
    public Evaluation withInfidelity(Infidelity.Perturbation p) {
        if (p == null) {
            throw new IllegalArgumentException("the infidelity perturbation must not be null");
        }
        return new Evaluation(model, metrics, seed, p);
    }

    /** @return the perturbation infidelity is measured with */
    public Infidelity.Perturbation infidelity() {
        return infidelity;
    }

    /** @return the metrics run */
    public Set<Metric> metrics() {
        return EnumSet.copyOf(metrics);
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /**
     * Runs the metrics for one method.
     *
     * @param name   the method's name for the report
     * @param method builds the method on a model (randomised models included)
     * @param batch  {@code [N,C,H,W]} preprocessed images
     * @param target the target, fixed per image on the trained model
     * @return the results
     * @throws IllegalArgumentException for a bad input or target
     */
    public Result run(String name, Function<Model, ? extends Attribution> method, INDArray batch, Target target) {
        if (batch == null || batch.rank() != 4) {
            throw new IllegalArgumentException("expected a batch [N,C,H,W], found "
                    + (batch == null ? "null" : Arrays.toString(batch.shape())));
        }
        Attribution a = method.apply(model);
        List<Explanation> es = a.explainTensor(ModelRandomization.tensor(batch, model), List.of(target));
        int n = es.size();
        Map<Metric, double[]> values = new EnumMap<>(Metric.class);
        Map<Metric, List<Curve>> curves = new EnumMap<>(Metric.class);
        Map<Metric, Object> tools = new LinkedHashMap<>();
        tools.put(Metric.DELETION, DeletionInsertion.of(model));
        tools.put(Metric.INSERTION, DeletionInsertion.of(model).withMode(DeletionInsertion.Mode.INSERTION));
        tools.put(Metric.ROAD_MORF, Road.of(model).withSeed(seed));
        tools.put(Metric.ROAD_LERF, Road.of(model).withSeed(seed).withOrder(Road.Order.LERF));
        Infidelity infd = Infidelity.of(model).withSeed(seed).withPerturbation(infidelity);
        MaxSensitivity sens = MaxSensitivity.of(model).withSeed(seed);
        for (Metric m : metrics) {
            if (m != Metric.RANDOMIZATION) {
                values.put(m, new double[n]);
            }
            if (tools.containsKey(m)) {
                curves.put(m, new ArrayList<>());
            }
        }
        for (int i = 0; i < n; i++) {
            INDArray x = batch.get(NDArrayIndex.interval(i, i + 1));
            Explanation e = es.get(i);
            for (Metric m : metrics) {
                switch (m) {
                    case DELETION, INSERTION -> {
                        Curve c = ((DeletionInsertion) tools.get(m)).curve(x, e);
                        curves.get(m).add(c);
                        values.get(m)[i] = c.auc();
                    }
                    case ROAD_MORF, ROAD_LERF -> {
                        Curve c = ((Road) tools.get(m)).curve(x, e);
                        curves.get(m).add(c);
                        values.get(m)[i] = c.auc();
                    }
                    case INFIDELITY -> values.get(m)[i] = infd.value(x, e);
                    case MAX_SENSITIVITY -> values.get(m)[i] = sens.value(a, x, DeletionInsertion.fixedTarget(e));
                    case RANDOMIZATION -> { }
                }
            }
        }
        ModelRandomization.Result rnd = null;
        if (metrics.contains(Metric.RANDOMIZATION)) {
            rnd = ModelRandomization.of(model, method).withSeed(seed).run(batch, target);
            values.put(Metric.RANDOMIZATION, rnd.atStep(rnd.layers().size() - 1));
        }
        return new Result(name, values, curves, rnd);
    }
}
