package dev.cnnviz.core.train;

import dev.cnnviz.api.NonFiniteResultException;
import dev.cnnviz.core.graph.HostArrays;
import dev.cnnviz.core.graph.Parameters;
import dev.cnnviz.core.optim.Adam;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adam's state for a set of named parameter arrays: the first and second moments of each, with the parameters updated
 * in place. The maths are {@link Adam}'s (Kingma &amp; Ba 2015, Algorithm 1; PyTorch's {@code torch.optim.Adam}
 * without weight decay), element-wise per parameter, with the options of an {@link Adam} value:
 * <pre>
 * m ← β₁ m + (1 − β₁) g        v ← β₂ v + (1 − β₂) g²
 * p ← p − (lr / (1 − β₁ᵗ)) · m / (√(v / (1 − β₂ᵗ)) + ε)
 * </pre>
 * The moments are allocated at the first step of each parameter and start from zero; they are Java arrays in the
 * parameter's precision (float32 parameters keep float32 moments, any other type float64). Each step is one fused
 * pass over each parameter's values, with no ND4J operation and no native allocation: every value is computed in
 * float64 from its float32 or float64 operands and rounded once when stored (for float64 parameters, exactly
 * {@link Adam#minimize}'s arithmetic). Not thread-safe: one training loop owns one instance.
 *
 * <pre>{@code
 * ParameterAdam adam = ParameterAdam.of(Adam.create().withLearningRate(1e-3));
 * adam.step(Map.of("conv1_w", w), Map.of("conv1_w", dw));   // w changes in place
 * }</pre>
 */
public final class ParameterAdam implements AutoCloseable {
    /** Values per chunk of the fused update: 256 KB of float32 per operand, which stays in cache. */
    private static final int CHUNK = 1 << 16;

    private final Adam options;
    /** The first and second moments of each parameter, {@code float[2][]} (float32 parameters) or {@code double[2][]}. */
    private final Map<String, Object> moments = new LinkedHashMap<>();
    private int t;

    private ParameterAdam(Adam options) {
        this.options = options;
    }

    /**
     * @param options the learning rate, β₁, β₂ and ε
     * @return a fresh state (step 0)
     * @throws IllegalArgumentException if options is null
     */
    public static ParameterAdam of(Adam options) {
        if (options == null) {
            throw new IllegalArgumentException("ParameterAdam needs Adam options, found null");
        }
        return new ParameterAdam(options);
    }

    /** @return the options */
    public Adam options() {
        return options;
    }

    /** @return the number of steps taken */
    public int steps() {
        return t;
    }

    /**
     * Takes one Adam step: every parameter moves against its gradient, in place.
     *
     * @param parameters the arrays to update, by name (the same arrays at every step)
     * @param gradients  a gradient per parameter, same shape; a parameter without one is left as it is
     * @throws IllegalArgumentException if a gradient's shape differs from its parameter's (naming both), or a parameter's
     *                                  type or size is not the one of its earlier steps; nothing is updated then
     * @throws NonFiniteResultException if a gradient holds NaN or infinity (naming the parameter and step); nothing
     *                                  is updated then
     */
    public void step(Map<String, INDArray> parameters, Map<String, INDArray> gradients) {
        check(parameters, gradients);
        t++;
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            update(e.getKey(), e.getValue(), gradients.get(e.getKey()));
        }
    }

    /**
     * Takes one Adam step on a graph's {@link Parameters}, through {@link Parameters#forEach} (so that graphs bound to
     * them, and their compiled plans, see the new values).
     *
     * @param parameters the parameters
     * @param gradients  a gradient per parameter name; a parameter without one is left as it is
     * @throws IllegalArgumentException as {@link #step(Map, Map)}
     * @throws NonFiniteResultException as {@link #step(Map, Map)}
     */
    public void step(Parameters parameters, Map<String, INDArray> gradients) {
        Map<String, INDArray> live = new LinkedHashMap<>();
        for (String n : parameters.names()) {
            live.put(n, parameters.get(n));
        }
        check(live, gradients);
        t++;
        parameters.forEach((name, p) -> update(name, p, gradients.get(name)));
    }

    private void check(Map<String, INDArray> parameters, Map<String, INDArray> gradients) {
        int step = t + 1;
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            INDArray g = gradients.get(e.getKey());
            if (g == null) {
                continue;
            }
            if (!Arrays.equals(g.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("the gradient of parameter '" + e.getKey() + "' has shape "
                        + Arrays.toString(g.shape()) + ", the parameter " + Arrays.toString(e.getValue().shape()));
            }
            long n = e.getValue().length();
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' has " + n
                        + " values, more than a Java array holds");
            }
            Object state = moments.get(e.getKey());
            if (state != null && (e.getValue().dataType() == DataType.FLOAT
                    ? !(state instanceof float[][] f && f[0].length == n) : !(state instanceof double[][] d && d[0].length == n))) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' is now " + e.getValue().dataType() + " "
                        + Arrays.toString(e.getValue().shape()) + ", not the type and size its Adam moments were made for");
            }
            if (!HostArrays.allFinite(g)) {
                throw new NonFiniteResultException("Adam: the gradient of parameter '" + e.getKey() + "' "
                        + Arrays.toString(g.shape()) + " is not finite at step " + step);
            }
        }
    }

    /**
     * One parameter's update at step {@code t}: one fused pass over the values, in chunks of {@link #CHUNK} that stay
     * in cache. A plain float32 or float64 parameter and gradient are read and written through their buffers; other
     * arrays (views, other types) through row-major host copies, written back with one assign.
     */
    private void update(String name, INDArray p, INDArray g) {
        if (g == null) {
            return;
        }
        int n = (int) p.length();
        double c1 = Adam.biasCorrection(options.beta1(), t);
        double c2 = Adam.biasCorrection(options.beta2(), t);
        if (p.dataType() == DataType.FLOAT) {
            float[][] mv = (float[][]) moments.computeIfAbsent(name, k -> new float[][] {new float[n], new float[n]});
            FloatBuffer pb = HostArrays.floatValues(p);
            FloatBuffer gb = HostArrays.floatValues(g);
            boolean direct = pb.isDirect();   // p's own buffer: the update is in place
            float[] pc = new float[Math.min(n, CHUNK)];
            float[] gc = new float[pc.length];
            for (int at = 0; at < n; at += CHUNK) {
                int len = Math.min(CHUNK, n - at);
                pb.get(at, pc, 0, len);
                gb.get(at, gc, 0, len);
                floatStep(pc, gc, mv[0], mv[1], at, len, c1, c2);
                pb.put(at, pc, 0, len);
            }
            if (!direct) {
                try (INDArray v = Nd4j.create(pb.array(), p.shape(), 'c')) {
                    p.assign(v);
                }
            }
        } else {
            double[][] mv = (double[][]) moments.computeIfAbsent(name, k -> new double[][] {new double[n], new double[n]});
            DoubleBuffer pb = HostArrays.doubleValues(p);
            DoubleBuffer gb = HostArrays.doubleValues(g);
            boolean direct = pb.isDirect();   // p's own buffer: the update is in place
            double[] pc = new double[Math.min(n, CHUNK)];
            double[] gc = new double[pc.length];
            for (int at = 0; at < n; at += CHUNK) {
                int len = Math.min(CHUNK, n - at);
                pb.get(at, pc, 0, len);
                gb.get(at, gc, 0, len);
                doubleStep(pc, gc, mv[0], mv[1], at, len, c1, c2);
                pb.put(at, pc, 0, len);
            }
            if (!direct) {
                try (INDArray v = Nd4j.create(pb.array(), p.shape(), 'c')) {
                    p.assign(v.castTo(p.dataType()));
                }
            }
        }
    }

    /**
     * The update of {@code len} float32 values from {@code at}: chunk {@code p}, {@code g} against the whole moments
     * {@code m}, {@code v}. Each value is computed in double and rounded once to float32.
     */
    private void floatStep(float[] p, float[] g, float[] m, float[] v, int at, int len, double c1, double c2) {
        double b1 = options.beta1();
        double b2 = options.beta2();
        double lr = options.learningRate();
        double eps = options.epsilon();
        for (int i = 0; i < len; i++) {
            double gi = g[i];
            double mi = Adam.moment(b1, m[at + i], gi);
            double vi = Adam.moment(b2, v[at + i], gi * gi);
            m[at + i] = (float) mi;
            v[at + i] = (float) vi;
            p[i] = (float) (p[i] - Adam.step(lr, eps, mi, vi, c1, c2));
        }
    }

    /** {@link #floatStep} in float64: {@link Adam}'s own update rule, so the two agree bit for bit. */
    private void doubleStep(double[] p, double[] g, double[] m, double[] v, int at, int len, double c1, double c2) {
        double b1 = options.beta1();
        double b2 = options.beta2();
        double lr = options.learningRate();
        double eps = options.epsilon();
        for (int i = 0; i < len; i++) {
            double gi = g[i];
            double mi = Adam.moment(b1, m[at + i], gi);
            double vi = Adam.moment(b2, v[at + i], gi * gi);
            m[at + i] = mi;
            v[at + i] = vi;
            p[i] -= Adam.step(lr, eps, mi, vi, c1, c2);
        }
    }

    /** Drops the moments (Java arrays: a later step starts them from zero again, as a fresh state would). */
    @Override
    public void close() {
        moments.clear();
    }
}
