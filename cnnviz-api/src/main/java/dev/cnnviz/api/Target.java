package dev.cnnviz.api;

import java.util.Arrays;

/**
 * What an explanation explains: the scalar whose gradient (or change) is attributed to the input.
 *
 * <ul>
 *   <li>{@link TopClass}: the top-scoring class of each image (the default);</li>
 *   <li>{@link ClassIndex} / {@link ClassLabel}: the score of one class before the softmax
 *       ({@code S_c}, as in Simonyan et al. 2014);</li>
 *   <li>{@link Neuron}: one activation of any layer — the lecture's "set the gradient to all zeros except
 *       for one 1";</li>
 *   <li>{@link Channel}: the mean activation of one channel of a 4-D layer, {@code S = 1/(HW) Σ_{h,w} A[c,h,w]};</li>
 *   <li>{@link Weighted}: a linear function {@code S = Σ_i w_i A_i} of one layer's activation (e.g. "cat minus
 *       dog" on the scores);</li>
 *   <li>{@link Custom}: any differentiable function of the graph's activations, implemented in cnnviz-core.</li>
 * </ul>
 *
 * <pre>{@code
 * Target t = Target.classIndex(285);
 * Target n = Target.neuron("fire9_concat", 17, 6, 6);
 * }</pre>
 */
public sealed interface Target permits Target.TopClass, Target.ClassIndex, Target.ClassLabel, Target.Neuron,
        Target.Channel, Target.Weighted, Target.Custom {

    /** @return the top-scoring class of each image. */
    static Target topClass() {
        return new TopClass();
    }

    /** @return the class with this index. */
    static Target classIndex(int index) {
        return new ClassIndex(index);
    }

    /** @return the class with this label (the model must have labels). */
    static Target label(String label) {
        return new ClassLabel(label);
    }

    /** @return one activation of a layer; {@code index} excludes the batch dimension. */
    static Target neuron(String layer, int... index) {
        return new Neuron(layer, index);
    }

    /** @return the mean activation of one channel of a 4-D layer. */
    static Target channel(String layer, int channel) {
        return new Channel(layer, channel);
    }

    /** @return a one-line description for captions and provenance. */
    String describe();

    /** The top-scoring class of each image, resolved when the image is explained. */
    record TopClass() implements Target {
        @Override
        public String describe() {
            return "top class";
        }
    }

    /**
     * The score of class {@code index} before the softmax.
     *
     * @param index the class index, at least 0
     */
    record ClassIndex(int index) implements Target {
        /** Rejects negative indices (the upper bound is checked against the model). */
        public ClassIndex {
            if (index < 0) {
                throw new IllegalArgumentException("class index must not be negative, found " + index);
            }
        }

        @Override
        public String describe() {
            return "class " + index;
        }
    }

    /**
     * The score of the class with this label.
     *
     * @param label a label of the model (exact match, case-insensitive)
     */
    record ClassLabel(String label) implements Target {
        /** Rejects blank labels. */
        public ClassLabel {
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("class label must not be blank, found '" + label + "'");
            }
        }

        @Override
        public String describe() {
            return "class '" + label + "'";
        }
    }

    /**
     * One activation {@code A[index]} of layer {@code layer}.
     *
     * @param layer a node name of the graph
     * @param index the coordinates without the batch dimension (e.g. {@code c, h, w})
     */
    record Neuron(String layer, int[] index) implements Target {
        /** Validates and copies. */
        public Neuron {
            if (layer == null || layer.isBlank()) {
                throw new IllegalArgumentException("layer name must not be blank");
            }
            if (index == null || index.length == 0) {
                throw new IllegalArgumentException("a neuron needs an index, found " + Arrays.toString(index));
            }
            for (int i : index) {
                if (i < 0) {
                    throw new IllegalArgumentException("neuron index must not be negative, found " + Arrays.toString(index));
                }
            }
            index = index.clone();
        }

        @Override
        public int[] index() {
            return index.clone();
        }

        @Override
        public String describe() {
            return "neuron " + layer + Arrays.toString(index);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Neuron n && n.layer.equals(layer) && Arrays.equals(n.index, index);
        }

        @Override
        public int hashCode() {
            return layer.hashCode() * 31 + Arrays.hashCode(index);
        }
    }

    /**
     * The mean activation of channel {@code channel} of a 4-D layer.
     *
     * @param layer   a node name of the graph
     * @param channel the channel index
     */
    record Channel(String layer, int channel) implements Target {
        /** Validates. */
        public Channel {
            if (layer == null || layer.isBlank()) {
                throw new IllegalArgumentException("layer name must not be blank");
            }
            if (channel < 0) {
                throw new IllegalArgumentException("channel must not be negative, found " + channel);
            }
        }

        @Override
        public String describe() {
            return "channel " + layer + "[" + channel + "]";
        }
    }

    /**
     * A linear function {@code S = Σ_i w_i A_i} of one layer's activation (one example, flattened row-major).
     *
     * @param layer   a node name of the graph
     * @param weights one weight per activation of one example
     * @param name    a short description for captions
     */
    record Weighted(String layer, Tensor weights, String name) implements Target {
        /** Validates. */
        public Weighted {
            if (layer == null || layer.isBlank() || weights == null) {
                throw new IllegalArgumentException("a weighted target needs a layer and weights");
            }
            name = name == null || name.isBlank() ? "weighted " + layer : name;
        }

        @Override
        public String describe() {
            return name;
        }
    }

    /**
     * Any differentiable function of the graph's activations. Implementations live in cnnviz-core
     * (they compute the score and its gradient on ND4J arrays).
     */
    non-sealed interface Custom extends Target {
    }
}
