package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checks an operator's backward against central finite differences in float64.
 *
 * <p>For a random seed {@code s} of the output's shape, the loss is {@code L = <s, op(inputs)>}; for every
 * input {@code i} and every element {@code k} (or a random sample of at most {@code maxProbes} elements),
 * {@code (L(x + h e_k) - L(x - h e_k)) / 2h} must match the analytic gradient within
 * {@code atol + rtol · |numeric|}.
 */
public final class GradientCheck {
    private GradientCheck() {
    }

    /** Random float64 array with values uniform in [-1, 1], from a seeded generator. */
    public static INDArray random(Random rnd, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble() * 2 - 1;
        }
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    /** Checks all inputs (wanted = true for each). */
    public static void check(Op op, INDArray[] inputs, long seed) {
        boolean[] wanted = new boolean[inputs.length];
        Arrays.fill(wanted, true);
        check(op, inputs, wanted, seed, 1e-6, 1e-5, 1e-4, 150);
    }

    /**
     * Compares analytic and numeric gradients.
     *
     * @param wanted    which inputs to check (others are treated as constants)
     * @param h         finite-difference step
     * @param atol      absolute tolerance
     * @param rtol      relative tolerance
     * @param maxProbes at most this many elements per input are probed (randomly chosen, seeded)
     */
    public static void check(Op op, INDArray[] inputs, boolean[] wanted, long seed, double h, double atol, double rtol,
            int maxProbes) {
        Random rnd = new Random(seed);
        INDArray out = op.forward(inputs);
        INDArray s = random(rnd, out.shape()).castTo(out.dataType());
        INDArray[] grads = op.backward(inputs, out, s, wanted);
        for (int i = 0; i < inputs.length; i++) {
            if (!wanted[i]) {
                continue;
            }
            if (grads[i] == null) {
                throw new AssertionError(op + ": no gradient for wanted input " + i);
            }
            assertArrayEquals(inputs[i].shape(), grads[i].shape(), op + ": gradient shape of input " + i);
            INDArray x = inputs[i];
            long n = x.length();
            int probes = (int) Math.min(n, maxProbes);
            for (int p = 0; p < probes; p++) {
                long k = n <= maxProbes ? p : (long) (rnd.nextDouble() * n);
                double orig = x.getDouble(k);
                x.putScalar(k, orig + h);
                double plus = loss(op, inputs, s);
                x.putScalar(k, orig - h);
                double minus = loss(op, inputs, s);
                x.putScalar(k, orig);
                double numeric = (plus - minus) / (2 * h);
                double analytic = grads[i].getDouble(k);
                if (Math.abs(numeric - analytic) > atol + rtol * Math.abs(numeric)) {
                    throw new AssertionError(op + ": input " + i + " " + Arrays.toString(x.shape()) + " element " + k
                            + ": analytic " + analytic + " vs numeric " + numeric);
                }
            }
        }
    }

    private static double loss(Op op, INDArray[] inputs, INDArray s) {
        INDArray y = op.forward(inputs);
        double l = y.mul(s).sumNumber().doubleValue();
        y.close();
        return l;
    }
}
