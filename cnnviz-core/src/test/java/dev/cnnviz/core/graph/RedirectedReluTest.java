package dev.cnnviz.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.Relu;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Lucid's redirected ReLU gradient: known answers, and the oneDNN plan against ND4J. */
class RedirectedReluTest {
    private static final BackwardRules RULES = BackwardRules.standard().with(Relu.class, RedirectedRelu.RULE);

    @Test
    void anExampleWithoutExactGradientIsRedirectedOthersAreNot() {
        // example 0: every unit off, exact gradient 0 -> dy except where it pushes an off unit further down
        // example 1: one unit on with gradient -> exact gradient, unchanged
        float[] y = {0, 0, 0, 0, /**/ 1, 0, 2, 0};
        float[] dy = {1, -1, 2, -2, /**/ 1, 1, -1, -1};
        float[] dx = {0, 0, 0, 0, /**/ 1, 0, -1, 0};
        int redirected = RedirectedRelu.redirect(FloatBuffer.wrap(y), FloatBuffer.wrap(dy), FloatBuffer.wrap(dx), 2);
        assertEquals(1, redirected);
        assertArrayEquals(new float[] {1, 0, 2, 0, /**/ 1, 0, -1, 0}, dx);
        // no gradient arriving at all: nothing to redirect, still zero
        float[] none = new float[4];
        RedirectedRelu.redirect(FloatBuffer.wrap(new float[4]), FloatBuffer.wrap(new float[4]), FloatBuffer.wrap(none), 1);
        assertArrayEquals(new float[4], none);
    }

    /**
     * x [2, C, 5, 5] → identity 1×1 conv "c" → ReLU "r"; example 0 all negative (the unit is off), example 1 mixed;
     * the gradient at "r" is a random seed. Expected: example 0 gets the seed where it is ≥ 0, example 1 the exact
     * gradient; the plan (channel-blocked for 16 channels, plain for 3) equals ND4J and the hand answer.
     */
    @ParameterizedTest(name = "{0} channels")
    @ValueSource(ints = {3, 16})
    void planAndNd4jGiveTheHandAnswer(int channels) {
        Random rnd = new Random(channels);
        float[] eye = new float[channels * channels];
        for (int c = 0; c < channels; c++) {
            eye[c * channels + c] = 1;
        }
        Graph g = Graph.builder().input("x", channels, 5, 5)
                .constant("w", Nd4j.create(eye, new long[] {channels, channels, 1, 1}, 'c'))
                .add("c", Conv.simple(), "x", "w")
                .add("r", new Relu(), "c")
                .build();
        int per = channels * 25;
        float[] x = new float[2 * per];
        float[] seed = new float[2 * per];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < per ? -0.1f - rnd.nextFloat() : rnd.nextFloat() * 2 - 1;
            seed[i] = rnd.nextFloat() * 2 - 1;
        }
        float[] expected = new float[2 * per];
        for (int i = 0; i < x.length; i++) {
            expected[i] = i < per ? (seed[i] < 0 ? 0 : seed[i]) : (x[i] > 0 ? seed[i] : 0);
        }
        INDArray xs = Nd4j.create(x, new long[] {2, channels, 5, 5}, 'c');
        INDArray dy = Nd4j.create(seed, new long[] {2, channels, 5, 5}, 'c');
        for (Graph graph : List.of(g, g.withNd4jOnly())) {
            for (int rep = 0; rep < 2; rep++) {
                try (ForwardPass p = graph.forward(xs)) {
                    Gradients grads = p.backward(Map.of("r", dy), List.of("x"), RULES);
                    float[] got = grads.get("x").castTo(DataType.FLOAT).dup('c').data().asFloat();
                    assertArrayEquals(expected, got, 1e-6f, (graph.usesOneDnn() ? "plan" : "ND4J") + ", pass " + rep);
                    if (graph.usesOneDnn()) {
                        assertTrue(p.gradientOnOneDnn("c"), "the ReLU's backward ran on the plan");
                    }
                    // the exact rule on the same pass is unchanged by the redirect before it
                    Gradients exact = p.backward(Map.of("r", dy), List.of("x"));
                    float[] e = exact.get("x").castTo(DataType.FLOAT).dup('c').data().asFloat();
                    for (int i = 0; i < per; i++) {
                        assertEquals(0f, e[i], "exact gradient of the off example");
                    }
                }
            }
        }
    }
}
