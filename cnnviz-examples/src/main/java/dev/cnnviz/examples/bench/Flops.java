package dev.cnnviz.examples.bench;

import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.inspect.ModelSummary;
import java.util.Arrays;
import java.util.Map;

/**
 * Counts the floating-point operations of a forward pass, to turn benchmark times into GFLOP/s.
 *
 * <p>Only the multiply-accumulate layers are counted, one multiply and one add each (they are &gt; 95% of the
 * work of a CNN; bias adds, activations, pooling and normalisation are left out), as
 * {@link ModelSummary#flops(Node, Map)} defines them:
 * <ul>
 *   <li>{@code Conv}: {@code 2 · N · O · (C/g) · kH · kW · oH · oW} (weights {@code [O, C/g, kH, kW]},
 *       output {@code [N, O, oH, oW]});</li>
 *   <li>{@code Gemm} and {@code Dense}: {@code 2 · M · K · Nout} for {@code [M, K] · [K, Nout]}.</li>
 * </ul>
 * The sizes come from the graph's static shapes for a batch of 1 (the count is linear in the batch); nothing is
 * computed.
 *
 * <pre>{@code
 * long flops = Flops.count(model.graph(), new long[] {1, 3, 224, 224});   // SqueezeNet 1.1: about 0.7 GFLOP
 * double gflops = flops / (msPerBatch * 1e6);                             // GFLOP/s
 * }</pre>
 */
public final class Flops {
    private Flops() {
    }

    /**
     * @param graph      the graph (single input)
     * @param inputShape the input shape {@code [N, C, H, W]}
     * @return the forward FLOPs of a batch of {@code N} inputs
     * @throws IllegalArgumentException if the shape is not {@code [N >= 1, ...]} or does not fit the graph
     */
    public static long count(Graph graph, long[] inputShape) {
        if (inputShape == null || inputShape.length < 2 || inputShape[0] < 1) {
            throw new IllegalArgumentException("expected an input shape [N >= 1, ...], found " + Arrays.toString(inputShape));
        }
        long[] one = inputShape.clone();
        one[0] = 1;
        Map<String, long[]> shapes = graph.shapes(one);
        long perExample = 0;
        for (Node node : graph.nodes()) {
            perExample += ModelSummary.flops(node, shapes);
        }
        return perExample * inputShape[0];
    }
}
