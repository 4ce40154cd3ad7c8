package dev.cnnviz.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link WeightGradBench} runs on both engines, which give the same gradients (no timing is checked). */
class WeightGradBenchTest {

    private static WeightGradBench.Net net(String engine) {
        WeightGradBench.Net n = new WeightGradBench.Net();
        n.engine = engine;
        n.batch = 1;
        n.size = 32;
        n.setUp();
        return n;
    }

    private static Map<String, INDArray> gradients(WeightGradBench.Net n) {
        Map<String, INDArray> out = new HashMap<>();
        try (ForwardPass pass = n.graph.forward(n.x)) {
            Gradients g = pass.backward(n.seeds, n.parameters.names());
            for (String name : n.parameters.names()) {
                out.put(name, g.get(name).dup());
            }
        }
        return out;
    }

    @Test
    void bothEnginesGiveTheSameWeightGradients() {
        WeightGradBench.Net plan = net("plan");
        WeightGradBench.Net nd4j = net("nd4j");
        try {
            assertTrue(plan.graph.usesOneDnn());
            assertFalse(nd4j.graph.usesOneDnn());
            assertEquals(28, plan.parameters.names().size(), "14 convolutions, weights and bias each");
            double a = new WeightGradBench().forwardWeightGradients(plan);
            double b = new WeightGradBench().forwardWeightGradients(nd4j);
            assertEquals(b, a, 1e-4 * Math.max(1, Math.abs(b)));
            Map<String, INDArray> ga = gradients(plan);
            Map<String, INDArray> gb = gradients(nd4j);
            try {
                for (String name : plan.parameters.names()) {
                    double err = gb.get(name).sub(ga.get(name)).norm2Number().doubleValue()
                            / Math.max(gb.get(name).norm2Number().doubleValue(), 1e-6);
                    assertTrue(err < 1e-4, name + ": relative error " + err);
                }
            } finally {
                ga.values().forEach(INDArray::close);
                gb.values().forEach(INDArray::close);
            }
        } finally {
            plan.tearDown();
            nd4j.tearDown();
        }
    }

    @Test
    void refusesAnUnknownEngine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net("gpu"));
        assertTrue(e.getMessage().contains("'gpu'"), e.getMessage());
    }
}
