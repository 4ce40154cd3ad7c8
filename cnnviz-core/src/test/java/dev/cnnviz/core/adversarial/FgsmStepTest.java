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

    @Test
    void theBufferStepCrossesChunksAndReportsNonFiniteGradients() {
        // planes of 70 x 80 = 5,600 values: more than one 4,096-value chunk per plane
        ImageSpace space = ImageSpace.of(new dev.cnnviz.api.InputSpec(3, 70, 80, dev.cnnviz.api.Layout.NCHW,
                dev.cnnviz.api.Preprocessing.caffeBgr(104, 117, 123)));
        java.util.Random r = new java.util.Random(9);
        int n = 2;
        float[] gx = new float[n * space.modelLength()];
        for (int i = 0; i < gx.length; i++) {
            gx[i] = i % 11 == 0 ? 0f : (float) r.nextGaussian();
        }
        float[] x0 = new float[n * space.imageLength()];
        for (int i = 0; i < x0.length; i++) {
            x0[i] = r.nextFloat();
        }
        float e = 2 / 255f;
        float[] g = new float[x0.length];
        space.adjoint(gx, g);
        float[] expected = new float[x0.length];
        Fgsm.step(x0, g, e, expected);
        float[] got = new float[x0.length];
        java.nio.FloatBuffer direct = java.nio.ByteBuffer.allocateDirect(4 * gx.length)
                .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        direct.put(0, gx);
        assertEquals(true, Fgsm.step(space, n, x0, direct, e, got));
        assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(got));
        for (int at : new int[] {0, 4095, 4096, 5599, gx.length - 1}) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                float[] h = gx.clone();
                h[at] = bad;
                assertEquals(false, Fgsm.step(space, n, x0, java.nio.FloatBuffer.wrap(h), e, got), bad + " at " + at);
            }
        }
        float[] extremes = gx.clone();
        extremes[7] = Float.MAX_VALUE;
        extremes[8] = -Float.MAX_VALUE;
        extremes[9] = Float.MIN_VALUE;
        assertEquals(true, Fgsm.step(space, n, x0, java.nio.FloatBuffer.wrap(extremes), e, got));
    }

    @Test
    void applyIntoABufferGivesTheArraysValues() {
        for (dev.cnnviz.api.ChannelOrder order : dev.cnnviz.api.ChannelOrder.values()) {
            int modelChannels = order == dev.cnnviz.api.ChannelOrder.GREY ? 1 : 3;
            dev.cnnviz.api.Preprocessing pre = order == dev.cnnviz.api.ChannelOrder.BGR
                    ? dev.cnnviz.api.Preprocessing.caffeBgr(104, 117, 123) : dev.cnnviz.api.Preprocessing.unit(order);
            ImageSpace space = ImageSpace.of(new dev.cnnviz.api.InputSpec(modelChannels, 70, 80,
                    dev.cnnviz.api.Layout.NCHW, pre));
            java.util.Random r = new java.util.Random(order.ordinal());
            float[] u = new float[2 * space.imageLength()];
            for (int i = 0; i < u.length; i++) {
                u[i] = r.nextFloat();
            }
            float[] want = new float[2 * space.modelLength()];
            space.apply(u, want);
            java.nio.FloatBuffer got = java.nio.FloatBuffer.allocate(want.length);
            space.apply(u, got);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got.get(i)), order + " at " + i);
            }
        }
    }
}
