package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.api.OptimizationStep;
import dev.cnnviz.api.ProgressListener;
import dev.cnnviz.api.ResourceLimitException;
import dev.cnnviz.api.Synthesis;
import dev.cnnviz.api.Tensor;
import dev.cnnviz.core.MemoryBudget;
import dev.cnnviz.core.Model;
import dev.cnnviz.core.inversion.TinyNets;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** DeepDream on a small convolutional net: the step, the roll, octaves at any size, seeds, stopping, errors. */
class DeepDreamTest {

    private static BufferedImage picture(int w, int h, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        return img;
    }

    @Test
    void l1StepHasMeanAbsoluteValueStep() {
        INDArray x = Nd4j.create(new double[] {1, 2, 3, 4}, new long[] {1, 1, 2, 2}, DataType.DOUBLE);
        INDArray g = Nd4j.create(new double[] {2, -4, 0, 2}, new long[] {1, 1, 2, 2}, DataType.DOUBLE);
        double mean = DeepDream.l1Step(x, g, 1.5);
        assertEquals(2.0, mean, 0);
        // x + 1.5 * g / 2 = x + {1.5, -3, 0, 1.5}
        assertArrayEquals(new double[] {2.5, -1, 3, 5.5}, x.data().asDouble(), 1e-12);
        assertArrayEquals(new double[] {1.5, -3, 0, 1.5}, g.data().asDouble(), 1e-12);
        Random r = new Random(3);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 1, 3, 7, 5);
        INDArray h = Nd4j.create(DataType.DOUBLE, 1, 3, 7, 5);
        for (long i = 0; i < h.length(); i++) {
            h.putScalar(i, r.nextGaussian() * 1e-3);
        }
        DeepDream.l1Step(y, h, 0.75);
        assertEquals(0.75, y.norm1Number().doubleValue() / y.length(), 1e-12, "mean |step| is the step size");
        INDArray z = Nd4j.ones(DataType.DOUBLE, 1, 1, 2, 2);
        assertEquals(0, DeepDream.l1Step(z, Nd4j.zeros(DataType.DOUBLE, 1, 1, 2, 2), 1), 0);
        assertEquals(4, z.sumNumber().doubleValue(), 0, "a zero gradient leaves x unchanged");
    }

    @Test
    void rollIsNumpysRollAndItsInverse() {
        INDArray a = Nd4j.arange(12).castTo(DataType.DOUBLE).reshape(1, 1, 3, 4);
        INDArray b = a.ulike();
        DeepDream.roll(a, b, 1, -1);
        // np.roll(np.roll(arange(12).reshape(3,4), 1, 0), -1, 1)
        assertArrayEquals(new double[] {9, 10, 11, 8, 1, 2, 3, 0, 5, 6, 7, 4}, b.data().asDouble(), 0);
        INDArray c = a.ulike();
        DeepDream.roll(b, c, -1, 1);
        assertArrayEquals(a.data().asDouble(), c.data().asDouble(), 0);
        DeepDream.roll(a, c, 7, 9); // shifts larger than the image wrap around: 7 mod 3 = 1, 9 mod 4 = 1
        INDArray d = a.ulike();
        DeepDream.roll(a, d, 1, 1);
        assertArrayEquals(d.data().asDouble(), c.data().asDouble(), 0);
    }

    @Test
    void dreamKeepsTheImageSizeAndRaisesTheLayer() {
        Model m = TinyNets.convolutional(5);
        int steps = 6;
        DeepDream dd = DeepDream.of(m).withLayer("r2").withOctaves(3).withOctaveScale(1.4).withSteps(steps).withJitter(4);
        Synthesis s = dd.dream(picture(37, 29, 6));
        assertEquals(37, s.image().getWidth());
        assertEquals(29, s.image().getHeight());
        assertArrayEquals(new int[] {1, 3, 29, 37}, s.input().shape());
        assertEquals(3 * steps, s.steps());
        assertEquals("15x19,21x26,29x37", s.provenance().options().get("octaveSizes"));
        List<OptimizationStep> h = s.history();
        for (int o = 0; o < 3; o++) {
            double first = -h.get(o * steps).loss();
            double last = -h.get(o * steps + steps - 1).loss();
            assertTrue(last > first, "octave " + o + ": l2 " + first + " -> " + last);
            if (o > 0) {
                assertTrue(first > -h.get((o - 1) * steps).loss(), "octave " + o + " starts above octave " + (o - 1));
            }
        }
        assertFalse(s.interrupted());
        // every value within the valid pixel range
        double[] mean = m.inputSpec().preprocessing().mean();
        float[] v = s.input().data();
        int plane = 29 * 37;
        for (int i = 0; i < v.length; i++) {
            int c = i / plane;
            assertTrue(v[i] >= -mean[c] - 1e-3 && v[i] <= 255 - mean[c] + 1e-3, "value " + v[i] + " at " + i);
        }
    }

    @Test
    void sameSeedSameDreamOtherSeedOtherDream() {
        Model m = TinyNets.convolutional(7);
        DeepDream dd = DeepDream.of(m).withLayer("r1").withOctaves(2).withSteps(3).withJitter(3);
        BufferedImage img = picture(20, 18, 8);
        Synthesis a = dd.dream(img);
        Synthesis b = dd.dream(img);
        Synthesis c = dd.withSeed(1).dream(img);
        assertArrayEquals(a.input().data(), b.input().data());
        assertFalse(java.util.Arrays.equals(a.input().data(), c.input().data()));
        assertEquals(Long.valueOf(DeepDream.DEFAULT_SEED), a.provenance().seed());
    }

    @Test
    void listenerStopReturnsTheImageAtFullSize() {
        Model m = TinyNets.convolutional(9);
        AtomicInteger n = new AtomicInteger();
        Synthesis s = DeepDream.of(m).withLayer("r2").withOctaves(3).withSteps(4).withSnapshotEvery(2)
                .dream(picture(30, 24, 10), step -> n.incrementAndGet() < 3);
        assertTrue(s.interrupted());
        assertEquals(3, s.steps());
        assertEquals(30, s.image().getWidth());
        assertEquals(24, s.image().getHeight());
        assertEquals(1, s.snapshots().size());
        assertEquals(30, s.snapshots().get(0).getWidth(), "snapshots at the input's size");
    }

    @Test
    void interruptReturnsTheCurrentImage() {
        Model m = TinyNets.convolutional(11);
        try {
            Synthesis s = DeepDream.of(m).withLayer("r2").withOctaves(2).withSteps(5).dream(picture(24, 24, 12), step -> {
                Thread.currentThread().interrupt();
                return true;
            });
            assertTrue(s.interrupted());
            assertEquals(1, s.steps());
            assertEquals(24, s.image().getWidth());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void tensorFormMatchesTheImageForm() {
        Model m = TinyNets.convolutional(13);
        BufferedImage img = picture(22, 20, 14);
        DeepDream dd = DeepDream.of(m).withLayer("r1").withOctaves(2).withSteps(2);
        Synthesis a = dd.dream(img);
        dev.cnnviz.api.InputSpec spec = m.inputSpec();
        INDArray x = dev.cnnviz.core.image.ImageTensors.toBatch(img, new dev.cnnviz.api.InputSpec(3, 20, 22,
                spec.originalLayout(), spec.preprocessing()));
        Synthesis b = dd.dreamTensor(Tensor.of(x.data().asFloat(), 3, 20, 22), ProgressListener.NONE);
        assertArrayEquals(a.input().data(), b.input().data());
    }

    @Test
    void badLayersAndSizesAreRefused() {
        Model m = TinyNets.convolutional(15);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeepDream.of(m).withLayer("r9"));
        assertTrue(e.getMessage().contains("'r9'") && e.getMessage().contains("closest"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DeepDream.of(m).withLayer("w2"));
        assertTrue(e.getMessage().contains("constant"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DeepDream.of(m).dream(picture(20, 20, 1)));
        assertTrue(e.getMessage().contains("withLayer"), e.getMessage());
        // r2 needs 2x2 pooling then a 3x3 valid convolution: at least 6x6 pixels. 4 octaves of 1.4 on 12x12 go down to 4x4
        e = assertThrows(IllegalArgumentException.class,
                () -> DeepDream.of(m).withLayer("r2").withOctaves(4).dream(picture(12, 12, 2)));
        assertTrue(e.getMessage().contains("octave 1 of 4") && e.getMessage().contains("'r2'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DeepDream.of(m).withOctaves(0));
        assertThrows(IllegalArgumentException.class, () -> DeepDream.of(m).withOctaveScale(1));
        assertThrows(IllegalArgumentException.class, () -> DeepDream.of(m).withOctaveScale(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> DeepDream.of(m).withSteps(-1));
        assertThrows(IllegalArgumentException.class, () -> DeepDream.of(m).withJitter(-1));
        assertThrows(IllegalArgumentException.class, () -> DeepDream.of(m).withStepSize(0));
        assertThrows(IllegalArgumentException.class,
                () -> DeepDream.of(m).withLayer("r1").dreamTensor(Tensor.of(new float[2 * 8 * 8], 2, 8, 8), ProgressListener.NONE));
    }

    @Test
    void theLargestOctaveIsCheckedAgainstTheBudgetFirst() {
        Model m = TinyNets.convolutional(17);
        Model small = m.withGraph(m.graph().withMemoryBudget(MemoryBudget.ofBytes(200_000)));
        ResourceLimitException e = assertThrows(ResourceLimitException.class,
                () -> DeepDream.of(small).withLayer("r2").withOctaves(1).dream(picture(400, 300, 3)));
        assertTrue(e.getMessage().contains("300x400"), e.getMessage());
    }
}
