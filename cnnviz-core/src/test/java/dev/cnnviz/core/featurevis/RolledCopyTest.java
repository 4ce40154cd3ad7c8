package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Roll.Shift}'s one-pass moves between a double image and a float32 buffer ({@link RolledCopy}): the same
 * bits as the roll on doubles followed by the narrowing, and as the widening followed by the adjoint roll and the
 * negation, for shifts of 0, within and beyond the image's size.
 */
class RolledCopyTest {
    @Test
    void forwardIntoIsTheRollThenTheNarrowing() {
        SplittableRandom rng = new SplittableRandom(3);
        for (int[] shape : new int[][] {{1, 3, 5, 7}, {2, 1, 4, 4}, {1, 3, 1, 9}, {1, 2, 6, 1}}) {
            for (int d : new int[] {0, 1, 3, 16}) {
                long[] s = {shape[0], shape[1], shape[2], shape[3]};
                Roll.Shift shift = (Roll.Shift) new Roll(d).sample(rng, s);
                double[] x = random(rng, shape);
                double[] rolled = new double[x.length];
                shift.forward(x, rolled);
                FloatBuffer y = direct(x.length);
                shift.forwardInto(x, y);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToRawIntBits((float) rolled[i]), Float.floatToRawIntBits(y.get(i)),
                            shift + " at " + i);
                }
            }
        }
    }

    @Test
    void backwardFromIsTheWideningThenTheAdjointAndTheNegation() {
        SplittableRandom rng = new SplittableRandom(4);
        for (int[] shape : new int[][] {{1, 3, 5, 7}, {2, 1, 4, 4}, {1, 3, 1, 9}, {1, 2, 6, 1}}) {
            for (int d : new int[] {0, 2, 5, 16}) {
                long[] s = {shape[0], shape[1], shape[2], shape[3]};
                Roll.Shift shift = (Roll.Shift) new Roll(d).sample(rng, s);
                double[] gy = random(rng, shape);
                FloatBuffer g = direct(gy.length);
                double[] wide = new double[gy.length];
                for (int i = 0; i < gy.length; i++) {
                    g.put(i, (float) gy[i]);
                    wide[i] = (float) gy[i];
                }
                double[] want = new double[gy.length];
                shift.backward(wide, want);
                double[] neg = new double[gy.length];
                double[] plain = new double[gy.length];
                shift.backwardFrom(g, neg, plain);
                double[] negOnly = new double[gy.length];
                shift.backwardFrom(g, negOnly, null);
                for (int i = 0; i < gy.length; i++) {
                    assertEquals(Double.doubleToRawLongBits(want[i]), Double.doubleToRawLongBits(plain[i]), shift + " at " + i);
                    assertEquals(Double.doubleToRawLongBits(-want[i]), Double.doubleToRawLongBits(neg[i]), shift + " at " + i);
                    assertEquals(neg[i], negOnly[i]);
                }
            }
        }
    }

    @Test
    void noShiftIsAPlainCopy() {
        double[] x = {1.5, -2.25, 1e-40, 3e38, -0.0, 7};
        FloatBuffer y = direct(x.length);
        RolledCopy.toFloats(x, y, 2, 3, 0, 0);
        double[] back = new double[x.length];
        RolledCopy.fromFloats(y, back, null, 2, 3, 0, 0);
        for (int i = 0; i < x.length; i++) {
            assertEquals((float) x[i], y.get(i));
            assertEquals(-(double) (float) x[i], back[i]);
        }
    }

    private static double[] random(SplittableRandom rng, int[] shape) {
        double[] x = new double[shape[0] * shape[1] * shape[2] * shape[3]];
        for (int i = 0; i < x.length; i++) {
            x[i] = (rng.nextDouble() - 0.5) * 300;
        }
        return x;
    }

    private static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
