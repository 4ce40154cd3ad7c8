package dev.cnnviz.core.perturbation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.Explanation;
import dev.cnnviz.api.Target;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.image.ImageTensors;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Reproducibility, batching, superpixels and clear errors. */
class PerturbationBehaviourTest {
    private final Model linear = PerturbationNets.linear();
    private final INDArray x = PerturbationNets.input(21);

    @Test
    void seededMethodsAreReproducibleAndIndependentOfTheBatchSize() {
        PerturbationBase<?>[] methods = {
            Rise.of(linear).withMasks(50).withCells(2).withSeed(4),
            Lime.of(linear).withFeatures(Features.grid(2)).withSamples(40).withSeed(4),
            KernelShap.of(linear).withFeatures(Features.grid(2)).withSamples(40).withSeed(4),
            ShapleyValueSampling.of(linear).withFeatures(Features.grid(3)).withSamples(3).withSeed(4)};
        for (PerturbationBase<?> m : methods) {
            float[] a = m.explain(x, 0).attribution().data();
            float[] b = m.explain(x, 0).attribution().data();
            float[] c = m.withBatchSize(7).explain(x, 0).attribution().data();
            assertArrayEquals(a, b, m.name());
            assertArrayEquals(a, c, 1e-6f, m.name() + " with another batch size");
            assertEquals(4L, m.explain(x, 0).provenance().seed(), m.name());
        }
        float[] other = Rise.of(linear).withMasks(50).withCells(2).withSeed(5).explain(x, 0).attribution().data();
        assertFalse(java.util.Arrays.equals(other, methods[0].explain(x, 0).attribution().data()), "another seed, another map");
    }

    @Test
    void aFeatureMaskOfTheWrongShapeIsAClearError(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureAblation.of(linear)
                .withFeatures(Features.fixed(FeatureMask.grid(3, 3, 1))).explain(x, 0));
        assertTrue(e.getMessage().contains("3 x 3") && e.getMessage().contains("6 x 6"), e.getMessage());
        Path npy = dir.resolve("mask.npy");
        try (INDArray m = Nd4j.zeros(DataType.INT, 5, 6)) {
            ImageTensors.writeNpy(m, npy);
        }
        e = assertThrows(IllegalArgumentException.class, () -> Features.parse(npy.toString(), 6, 6));
        assertTrue(e.getMessage().contains("[5, 6]") && e.getMessage().contains("mask.npy"), e.getMessage());
        Path frac = dir.resolve("frac.npy");
        try (INDArray m = Nd4j.zeros(DataType.FLOAT, 6, 6).addi(0.5)) {
            ImageTensors.writeNpy(m, frac);
        }
        java.io.IOException io = assertThrows(java.io.IOException.class, () -> Features.parse(frac.toString(), 6, 6));
        assertTrue(io.getMessage().contains("whole numbers"), io.getMessage());
    }

    @Test
    void anEmptyMaskAndCountsBelowOneAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureMask.of(new int[0], 0, 0));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FeatureMask.of(new int[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Rise.of(linear).withMasks(0));
        assertThrows(IllegalArgumentException.class, () -> Rise.of(linear).withKeepProbability(0));
        assertThrows(IllegalArgumentException.class, () -> KernelShap.of(linear).withSamples(0));
        assertThrows(IllegalArgumentException.class, () -> Lime.of(linear).withSamples(1));
        assertThrows(IllegalArgumentException.class, () -> ShapleyValueSampling.of(linear).withSamples(-3));
        assertThrows(IllegalArgumentException.class, () -> Occlusion.of(linear).withWindow(0));
        assertThrows(IllegalArgumentException.class, () -> Occlusion.of(linear).withStride(0));
        assertThrows(IllegalArgumentException.class, () -> Features.grid(0));
        assertThrows(IllegalArgumentException.class, () -> Features.slic(0));
        assertThrows(IllegalArgumentException.class, () -> Features.parse("slic:many", 6, 6));
        assertThrows(IllegalArgumentException.class, () -> PerturbationBaseline.parse("grey"));
        assertThrows(IllegalArgumentException.class, () -> PerturbationBaseline.constant(Double.NaN));
    }

    @Test
    void aWindowLargerThanTheImageIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Occlusion.of(linear).withWindow(7).explain(x, 0));
        assertTrue(e.getMessage().contains("7 pixels") && e.getMessage().contains("6 x 6"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Rise.of(linear).withCells(8).explain(x, 0));
    }

    @Test
    void tooManyFeaturesForExactShapleyAndProbabilityOfANeuronAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShapleyValues.of(linear).withFeatures(Features.grid(1)).explain(x, 0));
        assertTrue(e.getMessage().contains("36") && e.getMessage().contains("16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FeatureAblation.of(linear).withProbability(true)
                .explain(x, Target.neuron("fc", 0)));
        assertTrue(e.getMessage().contains("class targets"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Occlusion.of(linear).withWindow(2).explain(x, 7));
        assertTrue(e.getMessage().contains("class index 7"), e.getMessage());
    }

    @Test
    void probabilityAndTopClassTargets() {
        Explanation score = FeatureAblation.of(linear).withFeatures(Features.grid(3)).explain(x, Target.topClass());
        Explanation prob = FeatureAblation.of(linear).withFeatures(Features.grid(3)).withProbability(true)
                .explain(x, Target.topClass());
        assertEquals(score.target().classIndex(), prob.target().classIndex());
        assertEquals("probability", prob.provenance().options().get("output"));
        for (float v : prob.attribution().data()) {
            assertTrue(Math.abs(v) <= 1, "a probability drop is at most 1, found " + v);
        }
    }

    @Test
    void superpixelsFollowColourEdges() {
        int s = 64;
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < s; y++) {
            for (int xx = 0; xx < s; xx++) {
                img.setRGB(xx, y, xx < 24 ? 0xd02020 : 0x2040e0);
            }
        }
        // Felzenszwalb smooths first (sigma 0.8), so the columns at the edge get blended colours and segments of
        // their own; SLIC does not. Either way no segment crosses the edge, and flat areas are not shattered.
        FeatureMask felz = Features.felzenszwalb(100).apply(img, s, s);
        assertTrue(felz.count() >= 2 && felz.count() <= 10, "Felzenszwalb segments: " + felz.count());
        FeatureMask slic = Features.slic(16).apply(img, s, s);
        assertTrue(slic.count() >= 4 && slic.count() <= 40, "about 16 superpixels, found " + slic.count());
        for (FeatureMask f : new FeatureMask[] {felz, slic}) {
            for (int l = 0; l < f.count(); l++) {
                boolean left = false;
                boolean right = false;
                for (int y = 0; y < s; y++) {
                    for (int xx = 0; xx < s; xx++) {
                        if (f.label(y, xx) == l) {
                            left |= xx < 24;
                            right |= xx >= 24;
                        }
                    }
                }
                assertFalse(left && right, f + ": feature " + l + " straddles the colour edge");
            }
        }
    }

    @Test
    void baselinesFillHiddenFeatures() {
        double[] xs = {1, 2, 3, 4, 10, 20, 30, 40};
        FeatureMask m = FeatureMask.of(new int[] {7, 7, 9, 9}, 2, 2);
        assertArrayEquals(new double[] {1.5, 1.5, 3.5, 3.5, 15, 15, 35, 35},
                PerturbationBaseline.featureMean().values(xs, 2, 2, 2, m), 1e-12);
        double[] blurred = PerturbationBaseline.blur(50).values(xs, 2, 2, 2, null);
        assertEquals(2.5, blurred[0], 0.3);
        assertEquals(25, blurred[4], 3);
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5},
                PerturbationBaseline.parse("0.5").values(xs, 2, 2, 2, null), 0);
    }
}
