package dev.cnnviz.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Stylization, WeightedStyle and the Stylizer overloads: validation, copies and delegation. */
class StylizationTest {
    private static final Provenance PROV = new Provenance("test", Map.of(), "", 1L, "m", null);

    private static BufferedImage image(int w, int h) {
        return new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    }

    private static Tensor pixels(int n, int h, int w) {
        return Tensor.of(new float[n * 3 * h * w], n, 3, h, w);
    }

    @Test
    void historyGivesLossesTermsAndStepsWithoutSnapshots() {
        List<OptimizationStep> h = List.of(
                new OptimizationStep(0, 2, 9, Map.of("style", 8.0, "tv", 1.0)),
                new OptimizationStep(1, 2, 4, Map.of("style", 3.0, "tv", 1.0), Optional.of(image(2, 2))),
                new OptimizationStep(2, 2, 2, Map.of("style", 1.5)));
        Stylization s = new Stylization(List.of(image(5, 4)), pixels(1, 4, 5), h, false, PROV);
        assertArrayEquals(new double[] {9, 4, 2}, s.losses());
        assertArrayEquals(new double[] {1, 1}, s.term("tv"));
        assertEquals(2, s.steps());
        assertTrue(s.history().stream().allMatch(x -> x.snapshot().isEmpty()), "snapshots are dropped");
        assertEquals(0, new Stylization(List.of(image(5, 4)), pixels(1, 4, 5), null, false, PROV).steps());
    }

    @Test
    void theImageListIsCopied() {
        List<BufferedImage> images = new ArrayList<>(List.of(image(3, 3)));
        Stylization s = new Stylization(images, pixels(1, 3, 3), List.of(), false, PROV);
        images.add(image(3, 3));
        assertEquals(1, s.images().size());
    }

    @Test
    void shapesAndNullsAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Stylization(List.of(image(5, 4)), pixels(1, 5, 4), List.of(), false, PROV));
        assertTrue(e.getMessage().contains("5x4") && e.getMessage().contains("[1, 3, 5, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Stylization(List.of(image(4, 4)), pixels(2, 4, 4), List.of(), false, PROV));
        assertTrue(e.getMessage().contains("N = 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Stylization(Arrays.asList(image(4, 4), null), pixels(2, 4, 4), List.of(), false, PROV));
        assertThrows(IllegalArgumentException.class,
                () -> new Stylization(List.of(image(4, 4)), pixels(1, 4, 4), Arrays.asList((OptimizationStep) null),
                        false, PROV));
        assertThrows(IllegalArgumentException.class,
                () -> new Stylization(List.of(), pixels(1, 4, 4), List.of(), false, PROV));
        assertThrows(IllegalArgumentException.class,
                () -> new Stylization(List.of(image(4, 4)), pixels(1, 4, 4), List.of(), false, null));
    }

    @Test
    void weightedStylesAreValidatedAndBlended() {
        BufferedImage a = image(2, 2);
        BufferedImage b = image(3, 3);
        List<WeightedStyle> equal = WeightedStyle.blend(List.of(a, b));
        assertEquals(List.of(1.0, 1.0), equal.stream().map(WeightedStyle::weight).toList());
        List<WeightedStyle> w = WeightedStyle.blend(List.of(a, b), 0.7, 0.3);
        assertEquals(0.3, w.get(1).weight());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightedStyle.blend(List.of(a, b), 1.0));
        assertTrue(e.getMessage().contains("2 images") && e.getMessage().contains("1 weights"), e.getMessage());
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            e = assertThrows(IllegalArgumentException.class, () -> new WeightedStyle(a, bad));
            assertTrue(e.getMessage().contains(Double.toString(bad)), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new WeightedStyle(null, 1));
        assertThrows(IllegalArgumentException.class, () -> WeightedStyle.blend(List.of()));
    }

    @Test
    void overloadsPassOneStyleOfWeightOneOrNone() {
        List<List<WeightedStyle>> seen = new ArrayList<>();
        Stylizer recorder = new Stylizer() {
            @Override
            public String name() {
                return "recorder";
            }

            @Override
            public Stylization stylize(BufferedImage content, List<WeightedStyle> styles, ProgressListener l) {
                seen.add(styles);
                return new Stylization(List.of(content), pixels(1, content.getHeight(), content.getWidth()),
                        List.of(), false, PROV);
            }
        };
        BufferedImage c = image(4, 3);
        BufferedImage st = image(2, 2);
        recorder.stylize(c, st);
        recorder.stylize(c, st, ProgressListener.NONE);
        recorder.stylize(c);
        assertEquals(1.0, seen.get(0).get(0).weight());
        assertEquals(st, seen.get(1).get(0).image());
        assertEquals(List.of(), seen.get(2));
        assertEquals(false, recorder.fixedStyle());
    }
}
