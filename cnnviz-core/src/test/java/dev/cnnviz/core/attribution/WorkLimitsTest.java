package dev.cnnviz.core.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.core.Model;
import org.junit.jupiter.api.Test;

/** Step and sample counts are bounded, so that one request cannot tie a process up for days. */
class WorkLimitsTest {
    private final Model model = SaliencyTest.linear();

    @Test
    void integratedGradientsStepsAreBounded() {
        for (IntegratedGradients.Integration rule : IntegratedGradients.Integration.values()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IntegratedGradients.of(model).withMethod(rule).withSteps(1_000_000_000));
            assertTrue(e.getMessage().contains("at most 10000 steps, found 1000000000"), e.getMessage());
        }
        assertEquals(IntegratedGradients.MAX_STEPS, IntegratedGradients.of(model).withSteps(IntegratedGradients.MAX_STEPS).steps());
    }

    @Test
    void smoothGradSamplesAreBounded() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SmoothGrad.of(Saliency.of(model)).withSamples(SmoothGrad.MAX_SAMPLES + 1));
        assertTrue(e.getMessage().contains("at most 10000 samples, found 10001"), e.getMessage());
        SmoothGrad.of(Saliency.of(model)).withSamples(SmoothGrad.MAX_SAMPLES);
    }
}
