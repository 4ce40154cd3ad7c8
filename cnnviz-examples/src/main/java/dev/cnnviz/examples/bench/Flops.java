package dev.cnnviz.examples.bench;

import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.Node;
import dev.cnnviz.core.graph.Op;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Gemm;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Counts the floating-point operations of a forward pass, to turn benchmark times into GFLOP/s.
 *
 * <p>Only the multiply-accumulate layers are counted, one multiply and one add each (they are &gt; 95% of the
 * work of a CNN; bias adds, activations, pooling and normalisation are left out):
 * <ul>
 *   <li>{@code Conv}: {@code 2 · N · O · (C/g) · kH · kW · oH · oW} (weights {@code [O, C/g, kH, kW]},
 *       output {@code [N, O, oH, oW]});</li>
 *   <li>{@code Gemm} and {@code Dense}: {@code 2 · M · K · Nout} for {@code [M, K] · [K, Nout]}.</li>
 * </ul>
 * The output sizes come from one forward pass on a zero input of batch 1 (the count is linear in the batch).
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
     * @throws IllegalArgumentException if the shape is not {@code [N >= 1, ...]}
     */
    public static long count(Graph graph, long[] inputShape) {
        if (inputShape == null || inputShape.length < 2 || inputShape[0] < 1) {
            throw new IllegalArgumentException("expected an input shape [N >= 1, ...], found " + Arrays.toString(inputShape));
        }
        long[] one = inputShape.clone();
        one[0] = 1;
        long perExample = 0;
        try (INDArray x = Nd4j.zeros(graph.dataType(), one);
                ForwardPass pass = graph.forward(x)) {
            for (Node node : graph.nodes()) {
                perExample += flops(node, pass);
            }
        }
        return perExample * inputShape[0];
    }

    private static long flops(Node node, ForwardPass pass) {
        Op op = node.op();
        if (op instanceof Conv) {
            INDArray w = pass.get(node.inputs().get(1));
            INDArray y = pass.get(node.name());
            return 2L * y.size(0) * w.length() * y.size(2) * y.size(3);
        }
        if (op instanceof Gemm g) {
            INDArray a = pass.get(node.inputs().get(0));
            long k = g.transA() ? a.size(0) : a.size(1);
            return 2L * pass.get(node.name()).length() * k;
        }
        if (op instanceof Dense) {
            INDArray a = pass.get(node.inputs().get(0));
            return 2L * pass.get(node.name()).length() * a.size(1);
        }
        return 0;
    }
}
