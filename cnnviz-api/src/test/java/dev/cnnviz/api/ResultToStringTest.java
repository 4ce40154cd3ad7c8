package dev.cnnviz.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one-line {@code toString} of the results users hold in JShell: what it is and its key numbers, no arrays. */
class ResultToStringTest {

    private static Provenance provenance(String method, String layer) {
        return new Provenance(method, Map.of("steps", "60"), layer, 1L, "tiny model", null);
    }

    @Test
    void synthesisNamesMethodSizeStepsAndLoss() {
        List<OptimizationStep> history = new ArrayList<>();
        for (int i = 0; i <= 60; i++) {
            history.add(new OptimizationStep(i, 60, -0.5 - i, Map.of("score", 1.0 * i)));
        }
        Synthesis s = new Synthesis(List.of(new BufferedImage(28, 20, BufferedImage.TYPE_INT_RGB)),
                Tensor.of(new float[28 * 20], 1, 1, 20, 28), history, List.of(), true,
                provenance("Class visualization", "fc_preact"));
        String text = s.toString();
        assertEquals("Synthesis[Class visualization · fc_preact, 1 image 28x20, 60 steps, loss -0.5000 -> -60.50, interrupted]",
                text);
        assertFalse(text.contains("OptimizationStep"), text);
    }

    @Test
    void adversarialExampleNamesAttackClassesNormsAndOutcome() {
        float[] a = new float[3 * 4 * 4];
        float[] b = a.clone();
        b[5] = 0.25f;
        b[7] = 0.5f;
        AdversarialExample untargeted = new AdversarialExample(Tensor.of(a, 3, 4, 4), Tensor.of(b, 3, 4, 4),
                Target.topClass(), 9, new AdversarialExample.Prediction(9, "Ankle boot", 0.959),
                new AdversarialExample.Prediction(7, "Sneaker", 0.61), 10, true, provenance("PGD (L∞)", ""));
        assertEquals("AdversarialExample[PGD (L∞), untargeted: 9 Ankle boot (p=0.959) -> 7 Sneaker (p=0.610), "
                + "L∞ 0.5000, L2 0.5590, L0 2 of 48, 10 steps, success]", untargeted.toString());

        AdversarialExample targeted = new AdversarialExample(Tensor.of(a, 3, 4, 4), Tensor.of(b, 3, 4, 4),
                Target.classIndex(6), 9, new AdversarialExample.Prediction(9, "", 0.9),
                new AdversarialExample.Prediction(9, "", 0.8), 200, false, provenance("Fooling image", ""));
        String text = targeted.toString();
        assertTrue(text.startsWith("AdversarialExample[Fooling image, targeted at "), text);
        assertTrue(text.contains("6"), text);
        assertTrue(text.endsWith("200 steps, failure]"), text);
        assertFalse(text.contains("Tensor"), text);
    }
}
