package dev.cnnviz.examples.cli;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.graph.ForwardPass;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Class scores of a batch: one forward pass, the softmax and the top classes. */
final class Predictions {
    private final Model model;
    private final double[][] scores;

    /**
     * One class of one example.
     *
     * @param rank        1 for the top class
     * @param index       the class index
     * @param label       the label, or null if the model has none
     * @param probability the softmax of the scores
     * @param score       the class score before the softmax
     */
    record Entry(int rank, int index, String label, double probability, double score) {
    }

    private Predictions(Model model, double[][] scores) {
        this.model = model;
        this.scores = scores;
    }

    /** Runs the model forward (inference only) on a batch {@code [N, C, H, W]}. */
    static Predictions of(Model model, INDArray batch) {
        try (ForwardPass pass = model.graph().infer(batch, List.of())) {
            INDArray s = pass.scores();
            long n = s.size(0);
            INDArray flat = s.reshape(n, s.length() / n).castTo(DataType.DOUBLE);
            double[][] out = new double[(int) n][];
            for (int i = 0; i < n; i++) {
                out[i] = flat.getRow(i).dup().toDoubleVector();
                NonFiniteResultException.requireFinite(out[i], "the class scores" + (n > 1 ? " of example " + i : ""));
            }
            return new Predictions(model, out);
        }
    }

    /** @return the number of classes. */
    int classes() {
        return scores[0].length;
    }

    /** @return the number of examples. */
    int size() {
        return scores.length;
    }

    /** @return the top {@code k} classes of example {@code i}, best first. */
    List<Entry> top(int i, int k) {
        double[] s = scores[i];
        double max = Arrays.stream(s).max().orElse(0);
        double sum = 0;
        double[] p = new double[s.length];
        for (int c = 0; c < s.length; c++) {
            p[c] = Math.exp(s[c] - max);
            sum += p[c];
        }
        Integer[] order = new Integer[s.length];
        for (int c = 0; c < s.length; c++) {
            order[c] = c;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer c) -> -s[c]).thenComparingInt(c -> c));
        List<Entry> out = new ArrayList<>();
        for (int r = 0; r < Math.min(k, s.length); r++) {
            int c = order[r];
            out.add(new Entry(r + 1, c, model.label(c).orElse(null), p[c] / sum, s[c]));
        }
        return out;
    }
}
