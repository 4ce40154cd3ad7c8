package dev.cnnviz.core.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A weighted sum of losses on the same array: {@code L = Σ_k w_k L_k(a)}, {@code ∂L/∂a = Σ_k w_k ∂L_k/∂a}. Meant for
 * the regularisers of one image (total variation plus a norm, as in Mahendran &amp; Vedaldi's objective); sums of
 * losses on different layers are built over the graph, not here.
 *
 * <pre>{@code
 * ArrayLoss prior = WeightedSum.of(TotalVariationLoss.of(), 1e-4).plus(NormLoss.l2(), 1e-3);
 * double r = prior.evaluate(image, grad);
 * }</pre>
 *
 * <p>Immutable; one array of {@code a}'s size is allocated per evaluation when there is more than one term.
 */
public final class WeightedSum implements ArrayLoss {
    private static final String NAME = "weighted sum of losses";

    /** One term: a loss and its weight. */
    public record Term(ArrayLoss loss, double weight) {
        /**
         * @throws IllegalArgumentException if the loss is null or the weight not finite
         */
        public Term {
            if (loss == null) {
                throw new IllegalArgumentException(NAME + ": a term's loss is null");
            }
            LossChecks.requireWeight(NAME, weight);
        }
    }

    private final List<Term> terms;

    private WeightedSum(List<Term> terms) {
        this.terms = terms;
    }

    /**
     * @return the sum with one term {@code weight · loss}
     * @throws IllegalArgumentException if the loss is null or the weight not finite
     */
    public static WeightedSum of(ArrayLoss loss, double weight) {
        return new WeightedSum(List.of(new Term(loss, weight)));
    }

    /**
     * @return a copy with the term {@code weight · loss} added
     * @throws IllegalArgumentException if the loss is null or the weight not finite
     */
    public WeightedSum plus(ArrayLoss loss, double weight) {
        List<Term> more = new ArrayList<>(terms);
        more.add(new Term(loss, weight));
        return new WeightedSum(Collections.unmodifiableList(more));
    }

    /** @return the terms, in order (unmodifiable) */
    public List<Term> terms() {
        return terms;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException as the terms do
     * @throws dev.cnnviz.api.NonFiniteResultException if a term or the sum is NaN or infinite
     */
    @Override
    public double evaluate(INDArray a, INDArray grad) {
        LossChecks.requireArrays(NAME, a, grad);
        Term first = terms.get(0);
        double value = first.weight() * first.loss().evaluate(a, grad);
        grad.muli(first.weight());
        if (terms.size() > 1) {
            INDArray g = grad.ulike();
            for (Term t : terms.subList(1, terms.size())) {
                value += t.weight() * t.loss().evaluate(a, g);
                grad.addi(g.muli(t.weight()));
            }
        }
        return LossChecks.requireFinite(NAME, value, a);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("WeightedSum[");
        for (int i = 0; i < terms.size(); i++) {
            b.append(i == 0 ? "" : " + ").append(terms.get(i).weight()).append(" * ").append(terms.get(i).loss());
        }
        return b.append(']').toString();
    }
}
