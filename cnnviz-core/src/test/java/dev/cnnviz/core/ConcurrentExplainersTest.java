package dev.cnnviz.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.ChannelOrder;
import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.InputSpec;
import dev.cnnviz.api.Layout;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.attribution.AttributionBase;
import dev.cnnviz.core.attribution.GuidedBackprop;
import dev.cnnviz.core.attribution.IntegratedGradients;
import dev.cnnviz.core.attribution.Saliency;
import dev.cnnviz.core.attribution.SmoothGrad;
import dev.cnnviz.core.cam.GradCam;
import dev.cnnviz.core.cam.ScoreCam;
import dev.cnnviz.core.graph.Graph;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.AutoPad;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One explainer of each kind shared by several threads gives every thread the explanations it gives alone. The
 * net is float32, so its convolutions run on pooled oneDNN plans; the methods that evaluate the model many times
 * (integrated gradients, SmoothGrad, Score-CAM) also share the pooled scratch arrays their batches are built in.
 */
class ConcurrentExplainersTest {

    private static INDArray random(Random r, long... shape) {
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, r.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** conv 3→16 (3x3) → ReLU → max pool → conv 16→8 (1x1) → ReLU → global average pool: 8 class scores. */
    private static Model net() {
        Random r = new Random(5);
        int[] one = {1, 1};
        Graph g = Graph.builder()
                .input("x", 3, 20, 20)
                .constant("w1", random(r, 16, 3, 3, 3)).constant("b1", random(r, 16))
                .add("conv1", Conv.padded(1), "x", "w1", "b1")
                .add("relu1", new Relu(), "conv1")
                .add("pool1", new MaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[4], one, false, AutoPad.NOTSET), "relu1")
                .constant("w2", random(r, 8, 16, 1, 1)).constant("b2", random(r, 8))
                .add("conv2", Conv.simple(), "pool1", "w2", "b2")
                .add("relu2", new Relu(), "conv2")
                .add("gap", new GlobalAveragePool(), "relu2")
                .add("flat", new Flatten(), "gap")
                .build();
        return new Model(g, new InputSpec(3, 20, 20, Layout.NCHW, Preprocessing.raw(ChannelOrder.RGB)), null, "concurrency test net");
    }

    @Test
    void sharedExplainersGiveEachThreadItsOwnResult() throws Exception {
        Model model = net();
        assertTrue(model.graph().usesOneDnn());
        Map<String, AttributionBase> methods = new LinkedHashMap<>();
        methods.put("saliency", Saliency.of(model));
        methods.put("guided backprop", GuidedBackprop.of(model));
        methods.put("integrated gradients", IntegratedGradients.of(model).withSteps(20).withBatchSize(8));
        methods.put("SmoothGrad", SmoothGrad.of(Saliency.of(model)).withSamples(10).withBatchSize(4).withSeed(3));
        methods.put("Grad-CAM", GradCam.of(model));
        methods.put("Score-CAM", ScoreCam.of(model).withBatchSize(4));
        Random r = new Random(9);
        List<INDArray> inputs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            inputs.add(random(r, 1, 3, 20, 20));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (Map.Entry<String, AttributionBase> m : methods.entrySet()) {
                List<Explanation> alone = new ArrayList<>();
                for (int i = 0; i < inputs.size(); i++) {
                    alone.add(m.getValue().explain(inputs.get(i), Target.classIndex(i % 8)));
                }
                List<Future<Explanation>> runs = new ArrayList<>();
                for (int rep = 0; rep < 3; rep++) {
                    for (int i = 0; i < inputs.size(); i++) {
                        int at = i;
                        runs.add(pool.submit(() -> m.getValue().explain(inputs.get(at), Target.classIndex(at % 8))));
                    }
                }
                for (int k = 0; k < runs.size(); k++) {
                    Explanation e = runs.get(k).get();
                    Explanation ref = alone.get(k % inputs.size());
                    String what = m.getKey() + ", input " + (k % inputs.size()) + ", run " + k / inputs.size();
                    assertEquals(ref.target().classIndex(), e.target().classIndex(), what);
                    assertArrayEquals(ref.attribution().data(), e.attribution().data(), 1e-5f, what + ": attribution");
                    assertArrayEquals(ref.map().values(), e.map().values(), 1e-5f, what + ": map");
                }
            }
        } finally {
            pool.shutdown();
        }
    }
}
