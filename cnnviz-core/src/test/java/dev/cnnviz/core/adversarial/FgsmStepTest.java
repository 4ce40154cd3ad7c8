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
