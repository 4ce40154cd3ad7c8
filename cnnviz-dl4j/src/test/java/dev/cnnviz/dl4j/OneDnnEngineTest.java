package dev.cnnviz.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.SharedData;
import dev.cnnviz.core.attribution.ReluRules;
import dev.cnnviz.core.graph.BackwardRules;
import dev.cnnviz.core.graph.ForwardPass;
import dev.cnnviz.core.graph.Gradients;
import dev.cnnviz.core.graph.Graph;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The real SqueezeNet on the oneDNN engine against the ND4J engine ({@link Graph#withNd4jOnly()}), both imports:
 * class scores, and the input gradient and Grad-CAM's layer gradient under the exact and guided rules, for a batch
 * of two different images, on the first (tracing) and a later pass.
 */
class OneDnnEngineTest {

    private static double rel(INDArray expected, INDArray actual) {
        return expected.sub(actual).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"squeezenet1.1-imagenet.onnx", "squeezenet1.1-imagenet.h5"})
    void squeezeNetAgreesWithNd4j(String file) throws Exception {
        Graph g = Models.load(SharedData.require("models/squeezenet1.1/" + file)).graph();
        assertTrue(g.usesOneDnn());
        Graph ref = g.withNd4jOnly();
        INDArray cat = Nd4j.createFromNpyFile(SharedData.require("models/squeezenet1.1/cat-input.npy").toFile());
        INDArray x = Nd4j.concat(0, cat, cat.mul(-0.5).addi(0.2));
        String layer = g.names().stream().filter(n -> n.contains("fire9") && n.contains("concat")).findFirst().orElseThrow();
        for (BackwardRules rules : List.of(BackwardRules.standard(), ReluRules.guidedBackprop())) {
            for (int pass = 0; pass < 2; pass++) {
                try (ForwardPass a = g.forward(x); ForwardPass b = ref.forward(x)) {
                    assertTrue(rel(b.scores(), a.scores()) < 1e-5, "scores: " + rel(b.scores(), a.scores()));
                    INDArray seed = Nd4j.zeros(DataType.FLOAT, b.scores().shape());
                    seed.reshape(2, -1).putScalar(0, 285, 1.0).putScalar(1, 281, 1.0);
                    Gradients ga = a.backward(Map.of(g.scoresNode(), seed), List.of(g.inputName(), layer), rules);
                    Gradients gb = b.backward(Map.of(g.scoresNode(), seed), List.of(g.inputName(), layer), rules);
                    for (String n : List.of(g.inputName(), layer)) {
                        double e = rel(gb.get(n), ga.get(n));
                        assertTrue(e < 1e-5, rules + " gradient at " + n + ": relative error " + e);
                    }
                    assertEquals(285, a.scores().reshape(2, -1).getRow(0).argMax().getInt(0));
                }
            }
        }
    }
}
