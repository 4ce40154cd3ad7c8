package dev.cnnviz.core.featurevis;

import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import java.util.List;

/** Turns a {@link Target} into the {@link Objective} that the feature visualizers maximize. */
final class TargetObjectives {
    private TargetObjectives() {
    }

    /**
     * @return the objective of {@code target}: a class score, a neuron, a channel's mean or a direction
     * @throws IllegalArgumentException for a target that names no unit to maximize (top class, custom), a label the
     *                                  model does not have, or a neuron index of the wrong length
     */
    static Objective of(Model model, Target target, String method) {
        if (target == null) {
            throw new IllegalArgumentException(method + ": the target must not be null");
        }
        if (target instanceof Target.ClassIndex c) {
            return Objective.classScore(c.index());
        }
        if (target instanceof Target.ClassLabel l) {
            List<String> labels = model.labels();
            int i = labels == null ? -1 : labels.indexOf(l.label());
            if (i < 0) {
                throw new IllegalArgumentException(method + ": the model has no class labelled '" + l.label() + "'"
                        + (labels == null || labels.isEmpty() ? " (it has no labels; give a class index)"
                        : " (" + labels.size() + " labels, e.g. '" + labels.get(0) + "')"));
            }
            return Objective.classScore(i);
        }
        if (target instanceof Target.Neuron n) {
            int[] idx = n.index();
            if (idx.length == 3) {
                return Objective.neuron(n.layer(), idx[0], idx[1], idx[2]);
            }
            if (idx.length == 1) {
                return Objective.neuron(n.layer(), idx[0], -1, -1);
            }
            throw new IllegalArgumentException(method + ": a neuron is (channel, y, x) or (channel), found "
                    + java.util.Arrays.toString(idx));
        }
        if (target instanceof Target.Channel c) {
            return Objective.channel(c.layer(), c.channel());
        }
        if (target instanceof Target.Weighted w) {
            float[] d = w.weights().data();
            double[] v = new double[d.length];
            for (int i = 0; i < d.length; i++) {
                v[i] = d[i];
            }
            return Objective.direction(w.layer(), v);
        }
        throw new IllegalArgumentException(method + " visualizes a class, neuron, channel or direction; found target "
                + target.describe() + " (" + target.getClass().getSimpleName() + ")");
    }

    /** @return the layer a target reads, or "" for class targets */
    static String layerOf(Target target) {
        if (target instanceof Target.Neuron n) {
            return n.layer();
        }
        if (target instanceof Target.Channel c) {
            return c.layer();
        }
        if (target instanceof Target.Weighted w) {
            return w.layer();
        }
        return "";
    }
}
