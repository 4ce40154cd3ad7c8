package dev.cnnviz.core.graph;

import dev.cnnviz.core.graph.ops.OpSupport;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A ReLU backward rule made of two gates, {@code dx = (inputGate ? [x > 0] : 1) · (gradientGate ? max(dy, 0) : dy)}:
 * <ul>
 *   <li>{@code (true, false)}: the exact gradient;</li>
 *   <li>{@code (true, true)}: guided backprop (Springenberg et al. 2015);</li>
 *   <li>{@code (false, true)}: the deconvnet (Zeiler &amp; Fergus 2014).</li>
 * </ul>
 * Because the rule is described by data rather than code, the oneDNN engine runs it natively instead of falling
 * back to ND4J; any other {@link BackwardRule} for ReLU still works, through ND4J.
 *
 * <pre>{@code
 * BackwardRules guided = BackwardRules.standard().with(Relu.class, new ReluGate(true, true));
 * }</pre>
 *
 * @param inputGate    pass gradient only where the forward input was positive
 * @param gradientGate pass only the positive part of the incoming gradient
 */
public record ReluGate(boolean inputGate, boolean gradientGate) implements BackwardRule {

    @Override
    public INDArray[] backward(Op op, INDArray[] inputs, INDArray output, INDArray dy, boolean[] wanted) {
        if (!gradientGate) {
            return new INDArray[] {inputGate ? OpSupport.maskPositive(inputs[0], dy) : dy.dup()};
        }
        INDArray positive = Transforms.relu(dy, true);
        if (!inputGate) {
            return new INDArray[] {positive};
        }
        try {
            return new INDArray[] {OpSupport.maskPositive(inputs[0], positive)};
        } finally {
            OpSupport.release(positive);
        }
    }
}
