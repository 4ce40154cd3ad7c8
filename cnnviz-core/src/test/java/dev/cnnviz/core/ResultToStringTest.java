package dev.cnnviz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Map2D;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Provenance;
import dev.cnnviz.api.ResolvedTarget;
import dev.cnnviz.api.Target;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.adversarial.Norm;
import dev.cnnviz.core.adversarial.UniversalPerturbation;
import dev.cnnviz.core.attribution.ExplanationResult;
import dev.cnnviz.core.embedding.EmbeddingSet;
import dev.cnnviz.core.embedding.Pca;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Dense;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.inspect.MaxActivatingPatches;
import dev.cnnviz.core.inspect.ModelSummary;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The one-line {@code toString} of the results users hold in JShell: what it is and its key numbers, no arrays. */
class ResultToStringTest {

    private static void noArrays(String text) {
        assertFalse(text.contains("[F@") || text.contains("[D@") || text.contains("[I@") || text.contains("[[")
                || text.contains("BufferedImage") || text.contains("\n"), text);
    }

    @Test
    void explanationNamesMethodTargetAndMapRange() {
        var e = new ExplanationResult(Tensor.of(new float[] {0, 1, 2, 3.5f}, 2, 2), new Map2D(2, 2, new float[] {0, 1, 2, 3.5f}),
                false, new ResolvedTarget(Target.classIndex(9), 9, "Ankle boot", 6.124, 0.959),
                new Provenance("Grad-CAM", Map.of(), "relu3", null, "tiny", null),
                new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY));
        assertEquals("Explanation[Grad-CAM · relu3, class 9 Ankle boot · score 6.124 · p=0.959, map 2x2 in [0.000, 3.500], "
                + "attribution Tensor[2, 2]]", e.toString());
    }

    @Test
    void embeddingSetNamesSizeLayerAndLabels() {
        var set = new EmbeddingSet(Nd4j.zeros(DataType.FLOAT, 3, 128), List.of("a", "b", "c"), new int[] {0, 1, -1},
                List.of("t-shirt", "trouser"), "gap", "test images");
        assertEquals("EmbeddingSet[3 x 128 at gap, 2 labelled of 2 classes, from test images]", set.toString());
    }

    @Test
    void modelSummaryCountsLayersParametersAndFlops() {
        Graph g = Graph.builder().input("x", 1, 2, 2)
                .constant("w1", Nd4j.create(new double[] {1, -1}, new long[] {2, 1, 1, 1}, DataType.FLOAT))
                .constant("b1", Nd4j.create(new double[] {0, 3}, new long[] {2}, DataType.FLOAT))
                .add("conv1", Conv.simple(), "x", "w1", "b1")
                .add("relu1", new Relu(), "conv1")
                .add("gap", new GlobalAveragePool(), "relu1")
                .add("flat", new Flatten(), "gap")
                .constant("fc_w", Nd4j.create(new double[] {1, -1, 0.5, 2, 1, -1}, new long[] {2, 3}, DataType.FLOAT))
                .add("fc", new Dense(), "flat", "fc_w")
                .build();
        Model model = new Model(g, new InputSpec(1, 2, 2, Layout.NCHW, Preprocessing.raw(ChannelOrder.GREY)), null, "tiny");
        ModelSummary s = ModelSummary.of(model);
        String text = s.toString();
        assertTrue(text.startsWith("ModelSummary[" + s.rows().size() + " layers, input [1, 1, 2, 2] -> output [1, 3], "
                + s.totalParams() + " parameters, "), text);
        assertTrue(text.endsWith(" GFLOP per example]"), text);
        noArrays(text);
    }

    @Test
    void pcaResultGivesTheExplainedVariance() {
        var r = new Pca.Result(new double[4], new double[][] {{1, 0, 0, 0}, {0, 1, 0, 0}}, new double[] {3, 1},
                new double[] {0.6, 0.2}, 5);
        assertEquals("Pca.Result[2 components of 4 dimensions, explained variance 60.0% + 20.0% = 80.0%]", r.toString());
    }

    @Test
    void universalPerturbationResultGivesNormRadiusAndFoolingRates() {
        var r = new UniversalPerturbation.Result(Tensor.of(new float[3 * 4 * 4], 3, 4, 4), Norm.LINF, 10 / 255.0, 0.8125,
                Double.NaN, 3, new Provenance("Universal perturbation", Map.of(), "", 1L, "tiny", null), false);
        assertEquals("UniversalPerturbation.Result[L∞ ξ=0.03922 (10.0/255) on [3, 4, 4], fooling rate 0.813 on the "
                + "training images, none held out, 3 passes]", r.toString());
        var cut = new UniversalPerturbation.Result(r.perturbation(), r.norm(), r.xi(), r.trainFoolingRate(),
                r.heldOutFoolingRate(), 1, r.provenance(), true);
        assertTrue(cut.toString().endsWith("1 passes, interrupted]"), cut.toString());
    }

    @Test
    void maxActivatingPatchesResultGivesLayerChannelsAndActivations() {
        var hit = new MaxActivatingPatches.Hit(4, "004-1.png", 1, 2, 3, 7.5f, new int[] {0, 0, 4, 4});
        var low = new MaxActivatingPatches.Hit(8, "008-2.png", 2, 0, 0, 0.5f, new int[] {0, 0, 4, 4});
        BufferedImage p = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        var r = new MaxActivatingPatches.Result("relu3", new int[] {0, 1}, List.of(List.of(hit, low), List.of(low)),
                List.of(List.of(p, p), List.of(p)), List.of(List.of(), List.of()), 300);
        assertEquals("MaxActivatingPatches.Result[relu3, channels 0..1, top 2 of 300 images scanned, activations 0.5000 to "
                + "7.500]", r.toString());
    }
}
