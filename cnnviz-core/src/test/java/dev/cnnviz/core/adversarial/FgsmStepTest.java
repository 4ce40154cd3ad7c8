package dev.cnnviz.core.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * FGSM's bit-level step against its definition {@code clip(x0 + ε · sign(g), 0, 1)} with {@code sign(±0) = 0},
 * written with {@link Math#signum} and {@link Math#min}/{@link Math#max}: equal bit for bit.
 */
class FgsmStepTest {
    private static float reference(float x0, float g, float e) {
        return Math.min(1f, Math.max(0f, x0 + e * Math.signum(g)));
    }

    @Test
    void signedZerosSubnormalsExtremesAndTheClip() {
        float e = 0.03f;
        float[] g = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MAX_VALUE, Float.MAX_VALUE,
            1e-30f, -2.5f, 7f};
        float[] x0 = {0.5f, 0.5f, 0f, 0f, 1f, 0.01f, 0.99f, 1f, 0f, 0.2f};
        float[] adv = new float[g.length];
        Fgsm.step(x0, g, e, adv);
        for (int i = 0; i < g.length; i++) {
            assertEquals(Float.floatToIntBits(reference(x0[i], g[i], e)), Float.floatToIntBits(adv[i]),
                    "g = " + g[i] + ", x0 = " + x0[i] + ": " + adv[i]);
        }
        assertEquals(0.5f, adv[0]);
        assertEquals(0.5f, adv[1]);
        assertEquals(e, adv[2]);
        assertEquals(0f, adv[3]);
        assertEquals(1f, adv[4]);
        assertEquals(0f, adv[5]);
        assertEquals(1f, adv[6]);
    }

    @Property(tries = 60)
    void theFusedAdjointStepEqualsAdjointThenStep(@ForAll("orders") dev.cnnviz.api.ChannelOrder order,
                                                  @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 3) int n,
                                                  @ForAll @net.jqwik.api.constraints.LongRange(min = 0, max = 1000) long seed) {
        int modelChannels = order == dev.cnnviz.api.ChannelOrder.GREY ? 1 : 3;
        dev.cnnviz.api.Preprocessing pre = order == dev.cnnviz.api.ChannelOrder.BGR
                ? dev.cnnviz.api.Preprocessing.caffeBgr(104, 117, 123) : dev.cnnviz.api.Preprocessing.unit(order);
        ImageSpace space = ImageSpace.of(new dev.cnnviz.api.InputSpec(modelChannels, 5, 7, dev.cnnviz.api.Layout.NCHW, pre));
        java.util.Random r = new java.util.Random(seed);
        float[] gx = new float[n * space.modelLength()];
        for (int i = 0; i < gx.length; i++) {
            gx[i] = i % 9 == 0 ? (r.nextBoolean() ? 0f : -0f) : (float) (r.nextGaussian() * Math.pow(10, r.nextInt(60) - 45));
        }
        float[] x0 = new float[n * space.imageLength()];
        for (int i = 0; i < x0.length; i++) {
            x0[i] = r.nextFloat();
        }
        float e = 0.03f;
        float[] g = new float[x0.length];
        space.adjoint(gx, g);
        float[] expected = new float[x0.length];
        Fgsm.step(x0, g, e, expected);
        float[] fused = new float[x0.length];
        Fgsm.step(space, n, x0, gx, e, fused);
        assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(fused),
                order + ", " + n + " images");
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<dev.cnnviz.api.ChannelOrder> orders() {
        return net.jqwik.api.Arbitraries.of(dev.cnnviz.api.ChannelOrder.RGB, dev.cnnviz.api.ChannelOrder.BGR,
                dev.cnnviz.api.ChannelOrder.GREY);
    }

    @Property(tries = 200)
    void equalsTheDefinitionBitForBit(@ForAll @Size(min = 1, max = 64) float[] g,
                                      @ForAll @FloatRange(min = 0, max = 1) float x, @ForAll @FloatRange(min = 0, max = 1) float e) {
        float[] x0 = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            x0[i] = (x + i * 0.37f) % 1f;
            if (!Float.isFinite(g[i])) {
                g[i] = 0f;   // the engine refuses non-finite gradients before the step
            }
        }
        float[] adv = new float[g.length];
        Fgsm.step(x0, g, e, adv);
        for (int i = 0; i < g.length; i++) {
            assertEquals(Float.floatToIntBits(reference(x0[i], g[i], e)), Float.floatToIntBits(adv[i]),
                    "g = " + g[i] + ", x0 = " + x0[i] + ", e = " + e);
        }
    }
}
