package dev.cnnviz.core.graph.ops;

import java.util.Arrays;

/**
 * Helpers for the operators' static shape functions ({@link dev.cnnviz.core.graph.Op#outputShape}): argument
 * counts and ranks, element counts in {@code long} with overflow checks, and the output length of a sliding window.
 *
 * <p>Zero-size dimensions: a computed value (every operator's output) must have every dimension at least 1,
 * since an empty activation is always a model error (there is nothing to explain, and libnd4j's kernels do not
 * promise to handle it); constants may be empty (ONNX allows empty initializers, and {@link Concat} skips empty
 * parts), and inputs to an operator may be empty where its forward pass handles it.
 */
public final class Shapes {
    private Shapes() {
    }

    /** @return a shape as {@code [a, b, c]} for messages */
    public static String str(long[] shape) {
        return Arrays.toString(shape);
    }

    /**
     * The number of elements of a shape (1 for a scalar), computed in {@code long}.
     *
     * @throws IllegalArgumentException naming the shape when a dimension is negative or the count overflows a long
     */
    public static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + str(shape) + " has a negative dimension " + d);
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("the element count of shape " + str(shape) + " overflows a long", e);
            }
        }
        return n;
    }

    /**
     * Checks a computed output shape: every dimension at least 1, element count within a long.
     *
     * @param kind the operator kind named in the message
     * @return {@code shape} itself
     * @throws IllegalArgumentException naming the operator and the shape otherwise
     */
    public static long[] output(String kind, long[] shape) {
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 1) {
                throw new IllegalArgumentException(kind + " output shape " + str(shape) + " has dimension " + i + " of size "
                        + shape[i] + "; every output dimension must be at least 1");
            }
        }
        try {
            count(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(kind + " output: " + e.getMessage(), e);
        }
        return shape;
    }

    /**
     * Requires between {@code min} and {@code max} input shapes, none of them null.
     *
     * @throws IllegalArgumentException naming the count found
     */
    static void inputs(String kind, long[][] in, int min, int max) {
        if (in == null || in.length < min || in.length > max) {
            throw new IllegalArgumentException(kind + " needs " + (min == max ? String.valueOf(min)
                    : max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max) + (max == 1 ? " input" : " inputs")
                    + ", found " + (in == null ? "none" : String.valueOf(in.length)));
        }
        for (int i = 0; i < in.length; i++) {
            if (in[i] == null) {
                throw new IllegalArgumentException(kind + " input " + i + " has no shape (null)");
            }
        }
    }

    /** Requires a rank. @throws IllegalArgumentException naming the operand and its shape */
    static void rank(String what, long[] shape, int rank) {
        if (shape.length != rank) {
            throw new IllegalArgumentException(what + " must have rank " + rank + ", found shape " + str(shape));
        }
    }

    /** Requires a rank of at least {@code min}. @throws IllegalArgumentException naming the operand and its shape */
    static void minRank(String what, long[] shape, int min, String layout) {
        if (shape.length < min) {
            throw new IllegalArgumentException(what + " must have rank " + min + " or more (" + layout + "), found shape " + str(shape));
        }
    }

    /** The shape of a unary element-wise operator: that of its first input. */
    static long[] same(String kind, long[][] in, int maxInputs) {
        inputs(kind, in, 1, maxInputs);
        return output(kind, in[0].clone());
    }

    /**
     * The number of positions of a sliding window along one axis:
     * {@code floor((in + padBegin + padEnd - effK) / s) + 1} with {@code effK = (k - 1)·d + 1}.
     *
     * @param kind     the operator kind named in the message, e.g. {@code "Conv"}
     * @param axis     the axis and the input named in the message, e.g. {@code "height of input [1, 3, 5, 5]"}
     * @param in       the input length
     * @param k        the kernel length
     * @param s        the stride
     * @param d        the dilation
     * @param padBegin resolved begin padding
     * @param padEnd   resolved end padding
     * @throws IllegalArgumentException naming kernel, dilation, input and pads when the kernel does not fit
     */
    static long window(String kind, String axis, long in, long k, long s, long d, long padBegin, long padEnd) {
        long eff;
        long padded;
        try {
            eff = Math.addExact(Math.multiplyExact(k - 1, d), 1);
            padded = Math.addExact(in, Math.addExact(padBegin, padEnd));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(kind + " kernel " + k + " (dilation " + d + ") with input " + in + " padded by "
                    + padBegin + "+" + padEnd + " overflows a long (" + axis + ")", e);
        }
        if (k < 1 || padded < eff) {
            throw new IllegalArgumentException(kind + " kernel " + k + " (dilation " + d + ") does not fit input " + in
                    + " padded by " + padBegin + "+" + padEnd + " (" + axis + ")");
        }
        return (padded - eff) / s + 1;
    }
}
