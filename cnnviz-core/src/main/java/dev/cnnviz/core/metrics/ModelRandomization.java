package dev.cnnviz.core.metrics;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.ops.Constant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The model-parameter randomisation test of Adebayo, Gilmer, Muelly, Goodfellow, Hardt &amp; Kim 2018 ("Sanity Checks
 * for Saliency Maps", NeurIPS, Sec. 3): an explanation that depends on what the model learned must change when the
 * learned weights are replaced by random ones; one that does not change is an edge detector, not an explanation.
 *
 * <p>Layers are the nodes with a weight (a constant input of rank 2 or more: convolutions, dense layers), ordered from
 * the output down. In {@link Mode#CASCADING cascading} mode (the paper's main test) step {@code k} randomises the top
 * {@code k} layers together; in {@link Mode#INDEPENDENT independent} mode it randomises layer {@code k} alone.
 * Randomising a layer redraws each of its constants (weights and biases) i.i.d. from {@code N(0, s²)}, {@code s} the
 * standard deviation of the trained tensor (so activations keep their scale; constant tensors such as zero biases
 * stay as they are), from a seeded generator: the same layer gets the same random weights at every step. The model
 * is never modified: each step explains with a copy of the graph ({@link Graph#withConstants}).
 *
 * <p>At each step the method explains every input for the class it explained on the trained model, and the map is
 * compared with the trained model's map by {@link RankCorrelation Spearman's rank correlation} (of absolute values
 * by default, the paper's "ABS" variant). A curve that falls towards 0 passes the test.
 *
 * <p>Defaults: cascading, every weight layer, absolute values, seed 0.
 *
 * <pre>{@code
 * ModelRandomization.Result r = ModelRandomization.of(model, GradCam::of).run(batch, Target.topClass());
 * r.layers();      // ["fc_preact", "conv3", "conv2", "conv1"]
 * r.mean();        // mean correlation after each step
 * }</pre>
 */
public final class ModelRandomization {
    /** How layers are randomised. */
    public enum Mode {
        /** Step k randomises the top k layers (Adebayo et al.'s cascading randomisation). */
        CASCADING,
        /** Step k randomises layer k alone. */
        INDEPENDENT
    }

    /**
     * The test's outcome.
     *
     * @param layers       the layers randomised, top down, one per step
     * @param correlations {@code [image][step]}: Spearman's ρ between the trained model's map and the map after the step
     * @param original     the trained model's map of each image
     * @param last         each image's map after the last step
     */
    public record Result(List<String> layers, double[][] correlations, List<Map2D> original, List<Map2D> last) {
        /** Copies. */
        public Result {
            layers = List.copyOf(layers);
            double[][] c = new double[correlations.length][];
            for (int i = 0; i < c.length; i++) {
                c[i] = correlations[i].clone();
            }
            correlations = c;
            original = List.copyOf(original);
            last = List.copyOf(last);
        }

        @Override
        public double[][] correlations() {
            double[][] c = new double[correlations.length][];
            for (int i = 0; i < c.length; i++) {
                c[i] = correlations[i].clone();
            }
            return c;
        }

        /** @return the mean correlation over images after each step */
        public double[] mean() {
            double[] m = new double[layers.size()];
            for (double[] row : correlations) {
                for (int k = 0; k < m.length; k++) {
                    m[k] += row[k] / correlations.length;
                }
            }
            return m;
        }

        /** @return the correlations after step {@code k} (0-based), one per image */
        public double[] atStep(int k) {
            double[] v = new double[correlations.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = correlations[i][k];
            }
            return v;
        }
    }

    private final Model model;
    private final Function<Model, ? extends Attribution> method;
    private final Mode mode;
    private final List<String> layers;
    private final boolean absolute;
    private final long seed;

    private ModelRandomization(Model model, Function<Model, ? extends Attribution> method, Mode mode, List<String> layers,
                               boolean absolute, long seed) {
        this.model = model;
        this.method = method;
        this.mode = mode;
        this.layers = layers;
        this.absolute = absolute;
        this.seed = seed;
    }

    /**
     * @param model  the trained model
     * @param method builds the attribution method on a model (e.g. {@code GradCam::of}, or
     *               {@code m -> SmoothGrad.of(Saliency.of(m)).withSeed(3)}); called once per step
     * @return the test with the defaults of the class comment
     * @throws IllegalArgumentException if an argument is null or the model has no weight layer
     */
    public static ModelRandomization of(Model model, Function<Model, ? extends Attribution> method) {
        if (model == null || method == null) {
            throw new IllegalArgumentException("the randomisation test needs a model and a method");
        }
        List<String> found = weightLayers(model.graph());
        if (found.isEmpty()) {
            throw new IllegalArgumentException("the model has no layer with weights (a constant input of rank 2 or more) to randomise");
        }
        return new ModelRandomization(model, method, Mode.CASCADING, found, true, 0);
    }

    /** @return the layers with weights of {@code g}, from the output down */
    public static List<String> weightLayers(Graph g) {
        List<String> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n.op() instanceof Constant) {
                continue;
            }
            for (String in : n.inputs()) {
                if (g.node(in).op() instanceof Constant c && c.value().rank() >= 2 && c.value().dataType().isFPType()) {
                    out.add(n.name());
                    break;
                }
            }
        }
        Collections.reverse(out);
        return out;
    }

    /** @return a copy in mode {@code m}; @throws IllegalArgumentException if null */
    public ModelRandomization withMode(Mode m) {
        if (m == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        return new ModelRandomization(model, method, m, layers, absolute, seed);
    }

    /**
     * @param names layers to randomise, in order (top down for a cascade); each must have a weight
     * @return a copy randomising these layers
     * @throws IllegalArgumentException naming an unknown layer or one without weights, or an empty list
     */
    public ModelRandomization withLayers(List<String> names) {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException("at least one layer to randomise is needed");
        }
        List<String> all = weightLayers(model.graph());
        for (String n : names) {
            model.graph().node(n);
            if (!all.contains(n)) {
                throw new IllegalArgumentException("layer '" + n + "' has no weights to randomise; layers with weights: " + all);
            }
        }
        return new ModelRandomization(model, method, mode, List.copyOf(names), absolute, seed);
    }

    /** @return a copy comparing absolute values ({@code true}, the default) or signed values */
    public ModelRandomization withAbsolute(boolean a) {
        return new ModelRandomization(model, method, mode, layers, a, seed);
    }

    /** @return a copy drawing random weights from seed {@code s} */
    public ModelRandomization withSeed(long s) {
        return new ModelRandomization(model, method, mode, layers, absolute, s);
    }

    /** @return the mode */
    public Mode mode() {
        return mode;
    }

    /** @return the layers randomised, in order */
    public List<String> layers() {
        return layers;
    }

    /** @return whether absolute values are ranked */
    public boolean absolute() {
        return absolute;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /**
     * Runs the test.
     *
     * @param batch  {@code [N,C,H,W]} preprocessed inputs (or one {@code [C,H,W]})
     * @param target the target (one for all; {@link Target#topClass()} is fixed per image on the trained model)
     * @return the correlations after each step
     * @throws IllegalArgumentException for a bad input or target
     */
    public Result run(INDArray batch, Target target) {
        Tensor input = tensor(batch, model);
        Attribution trained = method.apply(model);
        List<Explanation> base = trained.explainTensor(input, List.of(target));
        List<Target> fixed = new ArrayList<>();
        List<Map2D> original = new ArrayList<>();
        for (Explanation e : base) {
            fixed.add(DeletionInsertion.fixedTarget(e));
            original.add(e.map());
        }
        Map<String, Map<String, INDArray>> random = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            random.put(layers.get(i), randomised(layers.get(i), i));
        }
        double[][] corr = new double[base.size()][layers.size()];
        List<Map2D> last = new ArrayList<>();
        for (int k = 0; k < layers.size(); k++) {
            Map<String, INDArray> constants = new LinkedHashMap<>();
            if (mode == Mode.CASCADING) {
                for (int j = 0; j <= k; j++) {
                    constants.putAll(random.get(layers.get(j)));
                }
            } else {
                constants.putAll(random.get(layers.get(k)));
            }
            Model m = model.withGraph(model.graph().withConstants(constants));
            List<Explanation> es = method.apply(m).explainTensor(input, fixed);
            for (int i = 0; i < es.size(); i++) {
                corr[i][k] = RankCorrelation.spearman(original.get(i), es.get(i).map(), absolute);
                if (k == layers.size() - 1) {
                    last.add(es.get(i).map());
                }
            }
        }
        return new Result(layers, corr, original, last);
    }

    private Map<String, INDArray> randomised(String layer, int index) {
        Graph g = model.graph();
        Map<String, INDArray> out = new LinkedHashMap<>();
        SplittableRandom r = new SplittableRandom(seed * 7919 + index);
        for (String in : g.node(layer).inputs()) {
            if (!(g.node(in).op() instanceof Constant c) || !c.value().dataType().isFPType() || c.value().rank() < 1) {
                continue;
            }
            INDArray v = c.value();
            double[] d = HostArrays.doubles(v);
            double mean = 0;
            for (double x : d) {
                mean += x / d.length;
            }
            double ss = 0;
            for (double x : d) {
                ss += (x - mean) * (x - mean);
            }
            double sd = d.length > 1 ? Math.sqrt(ss / (d.length - 1)) : 0;
            if (!(sd > 0)) {
                continue;
            }
            double[] nv = new double[d.length];
            for (int i = 0; i < nv.length; i++) {
                nv[i] = sd * Infidelity.gaussian(r);
            }
            out.put(in, Nd4j.create(nv, v.shape(), 'c').castTo(v.dataType()));
        }
        return out;
    }

    static Tensor tensor(INDArray batch, Model model) {
        if (batch == null) {
            throw new IllegalArgumentException("input must not be null");
        }
        INDArray b = batch.rank() == 3 ? batch.reshape(1, batch.size(0), batch.size(1), batch.size(2)) : batch;
        dev.cnnviz.core.image.ImageTensors.checkBatch(b, model.inputSpec());
        int[] shape = java.util.Arrays.stream(b.shape()).mapToInt(Math::toIntExact).toArray();
        return Tensor.of(HostArrays.floats(b), shape);
    }

    @Override
    public String toString() {
        return "ModelRandomization[" + mode + ", layers " + layers + (absolute ? ", absolute" : "") + ", seed " + seed + "]";
    }
}
