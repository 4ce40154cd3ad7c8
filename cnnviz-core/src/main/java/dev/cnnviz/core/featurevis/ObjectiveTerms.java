package dev.cnnviz.core.featurevis;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ScratchArrays;
import dev.cnnviz.core.optim.TotalVariationLoss;
import org.nd4j.linalg.api.buffer.DataType;
import dev.cnnviz.core.graph.ops.Constant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The terms and combinators behind {@link Objective}'s factories; see there for the formulas. */
final class ObjectiveTerms {
    private ObjectiveTerms() {
    }

    /** Checks that a layer exists and is not a constant; the graph's error names the closest nodes. */
    private static void checkLayer(Graph graph, String layer) {
        if (graph.node(layer).op() instanceof Constant) {
            throw new IllegalArgumentException("'" + layer + "' is a constant (weights), not a layer; closest layers: "
                    + graph.closestNames(layer, 5));
        }
    }

    /** The layer's shape for one example, or null when the graph cannot tell it statically. */
    private static long[] shapeOf(Graph graph, String layer) {
        try {
            return graph.shapes().get(layer);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void checkName(String layer) {
        if (layer == null || layer.isBlank()) {
            throw new IllegalArgumentException("layer name must not be blank, found '" + layer + "'");
        }
    }

    private static String num(double w) {
        return String.format(Locale.ROOT, "%.4g", w);
    }

    /** {@code a + sign * b}, sharing the gradient arrays. */
    record Sum(Objective a, Objective b, double sign) implements Objective {
        Sum {
            if (a == null || b == null) {
                throw new IllegalArgumentException("cannot combine with a null objective");
            }
        }

        @Override
        public Set<String> nodes() {
            Set<String> s = new LinkedHashSet<>(a.nodes());
            s.addAll(b.nodes());
            return s;
        }

        @Override
        public double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients) {
            double va = a.evaluate(activations, gradients);
            double vb = sign == 1.0 ? b.evaluate(activations, gradients) : Scaled.evaluateScaled(b, sign, activations, gradients);
            return va + sign * vb;
        }

        @Override
        public String describe() {
            return a.describe() + (sign == 1.0 ? " + " : " - ") + b.describe();
        }

        @Override
        public Objective bind(Graph graph) {
            return new Sum(a.bind(graph), b.bind(graph), sign);
        }
    }

    /** {@code weight * inner}. */
    record Scaled(Objective inner, double weight) implements Objective {
        Scaled {
            if (inner == null) {
                throw new IllegalArgumentException("cannot scale a null objective");
            }
            if (!Double.isFinite(weight)) {
                throw new IllegalArgumentException("an objective's weight must be finite, found " + weight);
            }
        }

        /**
         * Evaluates {@code inner} into zeroed scratch arrays (leased from {@link ScratchArrays}, so a step allocates no
         * fresh native memory) and adds {@code weight} times them to {@code gradients}; the L2 terms add their
         * weighted gradient in place instead. @return inner's value
         */
        static double evaluateScaled(Objective inner, double weight, Map<String, INDArray> activations,
                                     Map<String, INDArray> gradients) {
            // the L2 terms add their weighted gradient in place: no scratch arrays for ND4J to zero, scale and add,
            // on every step of class visualization and DeepDream (times(w) and minus(...) both come here)
            if (inner instanceof InputL2 l) {
                return scaledSquaredNorm(activations.get(l.node()), gradients.get(l.node()), 1.0, weight);
            }
            if (inner instanceof LayerL2 l) {
                return scaledSquaredNorm(activations.get(l.layer()), gradients.get(l.layer()), 0.5, weight);
            }
            Map<String, INDArray> own = new HashMap<>();
            List<ScratchArrays.Lease> leases = new ArrayList<>();
            try {
                for (String n : inner.nodes()) {
                    INDArray g = gradients.get(n);
                    ScratchArrays.Lease lease = ScratchArrays.lease(g.dataType(), g.shape());
                    leases.add(lease);
                    own.put(n, lease.array().assign(0));
                }
                double v = inner.evaluate(activations, own);
                for (Map.Entry<String, INDArray> e : own.entrySet()) {
                    gradients.get(e.getKey()).addi(e.getValue().muli(weight));
                }
                return v;
            } finally {
                leases.forEach(ScratchArrays.Lease::close);
            }
        }

        @Override
        public Set<String> nodes() {
            return inner.nodes();
        }

        @Override
        public double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients) {
            return weight * evaluateScaled(inner, weight, activations, gradients);
        }

        @Override
        public String describe() {
            return num(weight) + " * (" + inner.describe() + ")";
        }

        @Override
        public Objective bind(Graph graph) {
            return new Scaled(inner.bind(graph), weight);
        }
    }

    /** The class score, or its log probability. */
    record ClassScore(String node, int classIndex, boolean logProbability) implements Objective {
        ClassScore {
            if (classIndex < 0) {
                throw new IllegalArgumentException("class index must be >= 0, found " + classIndex);
            }
        }

        @Override
        public Set<String> nodes() {
            return Set.of(node);
        }

        @Override
        public double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients) {
            INDArray s = activations.get(node);
            long n = s.size(0);
            long k = s.length() / n;
            if (classIndex >= k) {
                throw new IllegalArgumentException("class index " + classIndex + " is out of range: the model has " + k
                        + " classes (0.." + (k - 1) + ")");
            }
            INDArray scores = s.reshape('c', n, k);
            INDArray g = gradients.get(node).reshape('c', n, k);
            double total = 0;
            for (int i = 0; i < n; i++) {
                double sc = scores.getDouble(i, classIndex);
                if (!logProbability) {
                    total += sc;
                    g.putScalar(i, classIndex, g.getDouble(i, classIndex) + 1);
                    continue;
                }
                INDArray row = scores.getRow(i).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
                double max = row.maxNumber().doubleValue();
                INDArray e = Transforms.exp(row.sub(max), false);
                double sum = e.sumNumber().doubleValue();
                total += sc - max - Math.log(sum);
                INDArray grow = g.getRow(i);
                grow.subi(e.divi(sum).castTo(g.dataType()));
                grow.putScalar(classIndex, grow.getDouble(classIndex) + 1);
            }
            return total;
        }

        @Override
        public String describe() {
            return (logProbability ? "log p(" : "class(") + classIndex + ")";
        }

        @Override
        public Objective bind(Graph graph) {
            String scores = node.equals(Objective.SCORES) ? graph.scoresNode() : node;
            checkLayer(graph, scores);
            long[] shape = shapeOf(graph, scores);
            if (shape != null) {
                long k = Arrays.stream(shape).skip(1).reduce(1, (x, y) -> x * y);
                if (classIndex >= k) {
                    throw new IllegalArgumentException("class index " + classIndex + " is out of range: the model has " + k
                            + " classes (0.." + (k - 1) + ")");
                }
            }
            return new ClassScore(scores, classIndex, logProbability);
        }
    }

    /** One activation. */
    record Neuron(String layer, int channel, int y, int x) implements Objective {
        Neuron {
            checkName(layer);
            if (channel < 0 || y < -1 || x < -1 || (y == -1) != (x == -1)) {
                throw new IllegalArgumentException("neuron index must be channel >= 0 and y, x >= 0 (or both -1 for a 2-D layer), found "
                        + channel + ", " + y + ", " + x);
            }
        }

        private INDArrayIndex[] index(long[] shape) {
            boolean spatial = y >= 0;
            if (spatial != (shape.length == 4) || (!spatial && shape.length != 2)) {
                throw new IllegalArgumentException("neuron (" + channel + ", " + y + ", " + x + ") does not fit layer '" + layer
                        + "' of shape " + Arrays.toString(shape) + (spatial ? "; a 4-D layer needs y and x" : "; give y = x = -1 for a 2-D layer"));
            }
            if (channel >= shape[1] || (spatial && (y >= shape[2] || x >= shape[3]))) {
                throw new IllegalArgumentException("neuron (" + channel + ", " + y + ", " + x + ") is outside layer '" + layer
                        + "' of shape " + Arrays.toString(shape));
            }
            return spatial
                    ? new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.point(channel), NDArrayIndex.point(y), NDArrayIndex.point(x)}
                    : new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.point(channel)};
        }

        @Override
        public Set<String> nodes() {
            return Set.of(layer);
        }

        @Override
        public double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients) {
            INDArray a = activations.get(layer);
            INDArrayIndex[] idx = index(a.shape());
            gradients.get(layer).get(idx).addi(1.0);
            return a.get(idx).sumNumber().doubleValue();
        }

        @Override
        public String describe() {
            return "neuron(" + layer + ", " + channel + (y >= 0 ? ", " + y + ", " + x : "") + ")";
        }

        @Override
        public Objective bind(Graph graph) {
            checkLayer(graph, layer);
            long[] shape = shapeOf(graph, layer);
            if (shape != null) {
                index(shape);
            }
            return this;
        }
    }

    /** The mean of a channel over positions. */
    record Channel(String layer, int channel) implements Objective {
        Channel {
            checkName(layer);
            if (channel < 0) {
                throw new IllegalArgumentException("channel must be >= 0, found " + channel);
            }
        }

        private void check(long[] shape) {
            if (shape.length < 2 || channel >= shape[1]) {
                throw new IllegalArgumentException("channel " + channel + " is outside layer '" + layer + "' of shape "
                        + Arrays.toString(shape) + (shape.length >= 2 ? " (channels 0.." + (shape[1] - 1) + ")" : ""));
            }
        }

        @Override
        public Set<String> nodes() {
            return Set.of(layer);
        }

        @Override
        public double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients) {
            INDArray a = activations.get(layer);
            check(a.shape());
            long positions = a.length() / a.size(0) / a.size(1);
            INDArray plane = a.get(NDArrayIndex.all(), NDArrayIndex.point(channel));
            gradients.get(layer).get(NDArrayIndex.all(), NDArrayIndex.point(channel)).addi(1.0 / positions);
            return plane.sumNumber().doubleValue() / positions;
        }

        @Override
        public String describe() {
            return "channel(" + layer + ", " + channel + ")";
        }

        @Override
        public Objective bind(Graph graph) {
            checkLayer(graph, layer);
            long[] shape = shapeOf(graph, layer);
            if (shape != null) {
                check(shape);
            }
            return this;
        }
    }

    /**
     * {@code c · ‖a‖²}, with {@code weight} times its gradient {@code 2c · a} added to {@code g} in place (no temporary
     * array): the one body of {@link LayerL2} (c = ½) and {@link InputL2} (c = 1), weighted or not.
     */
    private static double scaledSquaredNorm(INDArray a, INDArray g, double c, double weight) {
        if (a.dataType() == DataType.FLOAT && g.dataType() == DataType.FLOAT && dev.cnnviz.core.graph.HostArrays.plain(a)
                && dev.cnnviz.core.graph.HostArrays.plain(g) && a.length() == g.length()) {
            // one host pass for both (level-1 BLAS would wake OpenBLAS's thread pool between oneDNN's passes)
            java.nio.FloatBuffer av = a.data().asNioFloat();
            java.nio.FloatBuffer gv = g.data().asNioFloat();
            float twoC = (float) (2 * c * weight);
            double squared = 0;
            for (int i = 0, n = (int) a.length(); i < n; i++) {
                float v = av.get(i);
                gv.put(i, gv.get(i) + twoC * v);
                squared += (double) v * v;
            }
            return c * squared;
        }
        if (2 * c * weight == 1) {
            g.addi(a);
        } else {
            Nd4j.getBlasWrapper().level1().axpy(a.length(), 2 * c * weight, a, g);
        }
        double norm = a.norm2Number().doubleValue();
        return c * norm * norm;
    }

    /** Half the squared L2 norm of a layer. */
    record LayerL2(String layer) implements Objective {
        LayerL2 {
            checkName(layer);
        }

        @Override
        public Set<String> nodes() {
            return Set.of(layer);
        }

        @Override
        public double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients) {
            return scaledSquaredNorm(activations.get(layer), gradients.get(layer), 0.5, 1);
        }

        @Override
        public String describe() {
            return "l2(" + layer + ")";
        }

        @Override
        public Objective bind(Graph graph) {
            checkLayer(graph, layer);
            return this;
        }
    }

    /** The dot product with a direction in channel space, summed over positions. */
    record Direction(String layer, double[] vector) implements Objective {
        Direction {
            checkName(layer);
            if (vector == null || vector.length == 0) {
                throw new IllegalArgumentException("a direction needs at least one channel weight");
            }
            for (int i = 0; i < vector.length; i++) {
                if (!Double.isFinite(vector[i])) {
                    throw new IllegalArgumentException("direction[" + i + "] must be finite, found " + vector[i]);
                }
            }
            vector = vector.clone();
        }

        @Override
        public double[] vector() {
            return vector.clone();
        }

        private INDArray broadcastable(INDArray a) {
            if (a.rank() < 2 || a.size(1) != vector.length) {
                throw new IllegalArgumentException("a direction of " + vector.length + " channels does not fit layer '" + layer
                        + "' of shape " + Arrays.toString(a.shape()));
            }
            long[] shape = new long[a.rank()];
            Arrays.fill(shape, 1);
            shape[1] = vector.length;
            return Nd4j.create(vector, shape, a.dataType());
        }

        @Override
        public Set<String> nodes() {
            return Set.of(layer);
        }

        @Override
        public double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients) {
            INDArray a = activations.get(layer);
            INDArray v = broadcastable(a);
            INDArray g = gradients.get(layer);
            g.addi(v.broadcast(a.shape()));
            return a.mul(v.broadcast(a.shape())).sumNumber().doubleValue();
        }

        @Override
        public String describe() {
            return "direction(" + layer + ", " + vector.length + " channels)";
        }

        @Override
        public Objective bind(Graph graph) {
            checkLayer(graph, layer);
            return this;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Direction d && d.layer.equals(layer) && Arrays.equals(d.vector, vector);
        }

        @Override
        public int hashCode() {
            return layer.hashCode() * 31 + Arrays.hashCode(vector);
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** Resolves the symbolic input name to the graph's input node. */
    private static String inputOf(Graph graph, String node) {
        return node.equals(Objective.INPUT) ? graph.inputName() : node;
    }

    /** {@code Σ x²} of the input (or of any node named explicitly). */
    record InputL2(String node) implements Objective {
        InputL2 {
            checkName(node);
        }

        @Override
        public Set<String> nodes() {
            return Set.of(node);
        }

        @Override
        public double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients) {
            return scaledSquaredNorm(activations.get(node), gradients.get(node), 1.0, 1);
        }

        @Override
        public String describe() {
            return node.equals(Objective.INPUT) ? "l2(input)" : "l2sq(" + node + ")";
        }

        @Override
        public Objective bind(Graph graph) {
            String n = inputOf(graph, node);
            if (!n.equals(graph.inputName())) {
                checkLayer(graph, n);
            }
            return new InputL2(n);
        }
    }

    /** Total variation of the input. */
    record InputTv(String node, TotalVariationLoss tv) implements Objective {
        InputTv {
            checkName(node);
            if (tv == null) {
                throw new IllegalArgumentException("the total variation loss must not be null");
            }
        }

        @Override
        public Set<String> nodes() {
            return Set.of(node);
        }

        @Override
        public double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients) {
            INDArray x = activations.get(node);
            if (x.rank() != 4) {
                throw new IllegalArgumentException("total variation needs a 4-D [N, C, H, W] value, '" + node
                        + "' has shape " + Arrays.toString(x.shape()));
            }
            try (INDArray g = x.ulike()) {
                double v = tv.evaluate(x, g);
                gradients.get(node).addi(g);
                return v;
            }
        }

        @Override
        public String describe() {
            return "tv(" + (node.equals(Objective.INPUT) ? "input" : node) + ")";
        }

        @Override
        public Objective bind(Graph graph) {
            String n = inputOf(graph, node);
            if (!n.equals(graph.inputName())) {
                checkLayer(graph, n);
            }
            return new InputTv(n, tv);
        }
    }

    /**
     * Lucid's diversity: minus the cosine similarities of the images' Gram matrices, summed over ordered pairs and
     * divided by N. Computed in float64.
     */
    record Diversity(String layer) implements Objective {
        /** Lucid's {@code tf.nn.l2_normalize} epsilon: the squared norm is floored at this. */
        static final double EPSILON = 1e-10;

        Diversity {
            checkName(layer);
        }

        @Override
        public Set<String> nodes() {
            return Set.of(layer);
        }

        @Override
        public double evaluate(Map<String, INDArray> activations, Map<String, INDArray> gradients) {
            INDArray a = activations.get(layer);
            if (a.rank() != 4) {
                throw new IllegalArgumentException("diversity needs a 4-D layer [N, C, H, W], '" + layer + "' has shape "
                        + Arrays.toString(a.shape()));
            }
            int n = (int) a.size(0);
            if (n < 2) {
                return 0;
            }
            long c = a.size(1);
            long hw = a.size(2) * a.size(3);
            INDArray[] f = new INDArray[n];
            INDArray[] unit = new INDArray[n];
            double[] norms = new double[n];
            try (INDArray sum = Nd4j.zeros(DataType.DOUBLE, c, c)) {
                for (int i = 0; i < n; i++) {
                    f[i] = a.get(NDArrayIndex.point(i)).castTo(DataType.DOUBLE).reshape('c', c, hw);
                    INDArray gram = f[i].mmul(f[i].transpose());
                    double sq = gram.norm2Number().doubleValue();
                    norms[i] = Math.sqrt(Math.max(sq * sq, EPSILON));
                    unit[i] = gram.divi(norms[i]);
                    sum.addi(unit[i]);
                }
                double total = 0;
                INDArray g = gradients.get(layer);
                for (int i = 0; i < n; i++) {
                    // value_i = -(1/N) <u_i, S - u_i>; over all i each pair appears twice, so d/du_i = -(2/N)(S - u_i)
                    INDArray others = sum.sub(unit[i]);
                    total += -unit[i].mul(others).sumNumber().doubleValue() / n;
                    INDArray p = others.muli(-2.0 / n);
                    // through u = G / max(|G|, sqrt eps): dG = (P - u <u, P>) / |G| (when the floor is not active)
                    double dot = unit[i].mul(p).sumNumber().doubleValue();
                    double sq = norms[i] * norms[i];
                    INDArray q = sq > EPSILON ? p.subi(unit[i].mul(dot)).divi(norms[i]) : p.divi(norms[i]);
                    // G = F Fᵀ: dF = (Q + Qᵀ) F
                    INDArray df = q.add(q.transpose()).mmul(f[i]);
                    g.get(NDArrayIndex.point(i)).addi(df.reshape('c', c, a.size(2), a.size(3)).castTo(g.dataType()));
                }
                return total;
            }
        }

        @Override
        public String describe() {
            return "diversity(" + layer + ")";
        }

        @Override
        public Objective bind(Graph graph) {
            checkLayer(graph, layer);
            return this;
        }
    }
}
