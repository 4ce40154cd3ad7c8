package dev.cnnviz.core.metrics;

import dev.cnnviz.api.Attribution;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The data-randomisation test of Adebayo et al. 2018 ("Sanity Checks for Saliency Maps", NeurIPS, Sec. 4): a model
 * trained on the same images with randomly permuted labels can only memorise; an explanation method that depends on
 * the relation between images and labels gives it different maps from the trained model's, while one that only
 * reflects the image (an edge detector) gives similar maps.
 *
 * <p>This class compares the two models' maps; training the model on shuffled labels is the trainer's job (for the
 * embedded Fashion-MNIST model: {@code dev.cnnviz.examples.train.TrainDefaultModel.train} with shuffled labels, in
 * cnnviz-examples). Each input is explained by both models for the class the trained model resolves (a fixed target,
 * so that both explain the same class), and the maps are compared by {@link RankCorrelation Spearman's rank
 * correlation} (of absolute values by default). Low correlations pass the test.
 *
 * <pre>{@code
 * DataRandomization.Result r = DataRandomization.of(GradCam::of).compare(trained, shuffled, batch, Target.topClass());
 * Summary.of(r.correlations());
 * }</pre>
 */
public final class DataRandomization {
    /**
     * The outcome.
     *
     * @param correlations Spearman's ρ per input between the two models' maps
     * @param trained      the trained model's maps
     * @param randomLabels the maps of the model trained on shuffled labels
     */
    public record Result(double[] correlations, List<Map2D> trained, List<Map2D> randomLabels) {
        /** Copies. */
        public Result {
            correlations = correlations.clone();
            trained = List.copyOf(trained);
            randomLabels = List.copyOf(randomLabels);
        }

        @Override
        public double[] correlations() {
            return correlations.clone();
        }
    }

    private final Function<Model, ? extends Attribution> method;
    private final boolean absolute;

    private DataRandomization(Function<Model, ? extends Attribution> method, boolean absolute) {
        this.method = method;
        this.absolute = absolute;
    }

    /**
     * @param method builds the attribution method on a model (e.g. {@code GradCam::of})
     * @return the test, comparing absolute values
     * @throws IllegalArgumentException if {@code method} is null
     */
    public static DataRandomization of(Function<Model, ? extends Attribution> method) {
        if (method == null) {
            throw new IllegalArgumentException("the data-randomisation test needs a method");
        }
        return new DataRandomization(method, true);
    }

    /** @return a copy comparing absolute values ({@code true}, the default) or signed values */
    public DataRandomization withAbsolute(boolean a) {
        return new DataRandomization(method, a);
    }

    /** @return whether absolute values are ranked */
    public boolean absolute() {
        return absolute;
    }

    /**
     * Explains {@code batch} with both models and compares the maps.
     *
     * @param trained      the model trained on the true labels
     * @param randomLabels the same architecture trained on shuffled labels (same input specification)
     * @param batch        {@code [N,C,H,W]} preprocessed inputs (or one {@code [C,H,W]})
     * @param target       the target, fixed per input on the trained model
     * @throws IllegalArgumentException if the models take different inputs, or for a bad input or target
     */
    public Result compare(Model trained, Model randomLabels, INDArray batch, Target target) {
        if (trained == null || randomLabels == null) {
            throw new IllegalArgumentException("the data-randomisation test needs both models");
        }
        var a = trained.inputSpec();
        var b = randomLabels.inputSpec();
        if (a.channels() != b.channels() || a.height() != b.height() || a.width() != b.width()) {
            throw new IllegalArgumentException("the two models take different inputs: " + a + " and " + b);
        }
        Tensor input = ModelRandomization.tensor(batch, trained);
        List<Explanation> base = method.apply(trained).explainTensor(input, List.of(target));
        List<Target> fixed = new ArrayList<>();
        List<Map2D> maps = new ArrayList<>();
        for (Explanation e : base) {
            fixed.add(DeletionInsertion.fixedTarget(e));
            maps.add(e.map());
        }
        List<Explanation> other = method.apply(randomLabels).explainTensor(input, fixed);
        double[] rho = new double[base.size()];
        List<Map2D> otherMaps = new ArrayList<>();
        for (int i = 0; i < rho.length; i++) {
            otherMaps.add(other.get(i).map());
            rho[i] = RankCorrelation.spearman(maps.get(i), other.get(i).map(), absolute);
        }
        return new Result(rho, maps, otherMaps);
    }
}
