package dev.cnnviz.core.featurevis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Every transform's backward is the adjoint of its forward's linear part, {@code <A x, y> = <x, Aᵀ y>} in float64
 * to 1e-10, for several draws on shapes 1..2 x 3 x 8..24 x 8..24; and the gradient of {@code |T x|² / 2} matches
 * central differences.
 */
class TransformAdjointTest {
    static final List<ImageTransform> ALL = List.of(
            Pad.constant(3, 0.5), Pad.reflect(5), Pad.constant(0, 1),
            Jitter.of(4), Jitter.of(7), Jitter.of(0),
            CropOrPad.to(10, 30), CropOrPad.to(5, 5),
            RandomScale.lucid(), RandomScale.of(0.5, 0.8, 1.3, 2.2).withFill(Fill.ZERO), RandomScale.of(0.7, 1.6),
            RandomRotate.lucid(), RandomRotate.of(-90, 33, 180, 271).withFill(Fill.ZERO), RandomRotate.of(-45, 17),
            Compose.of(Pad.reflect(2), Jitter.of(3), RandomRotate.of(-20, 20)),
            StandardTransforms.lucid(),
            StandardTransforms.of(Pad.reflect(4), RandomScale.of(0.9, 1.1).withFill(Fill.ZERO), Jitter.of(2)));

    @Property(tries = 60)
    void backwardIsTheAdjointOfTheLinearPart(@ForAll @IntRange(min = 0, max = 16) int which,
            @ForAll @IntRange(min = 1, max = 2) int n, @ForAll @IntRange(min = 8, max = 24) int h,
            @ForAll @IntRange(min = 8, max = 24) int w, @ForAll long seed) {
        ImageTransform t = ALL.get(which);
        SplittableRandom rng = new SplittableRandom(seed);
        long[] shape = {n, 3, h, w};
        ImageTransform.Sampled s = t.sample(rng, shape);
        int in = n * 3 * h * w;
        long[] out = s.outputShape();
        int outLen = (int) (out[0] * out[1] * out[2] * out[3]);
        double[] zero = new double[in];
        double[] b = new double[outLen];
        double[] ax = new double[outLen];
        double[] aty = new double[in];
        for (int draw = 0; draw < 4; draw++) {
            if (draw > 0) {
                s.redraw(rng);
            }
            double[] x = Checks.gaussian(rng, in);
            double[] y = Checks.gaussian(rng, outLen);
            s.forward(zero, b);
            s.forward(x, ax);
            for (int i = 0; i < outLen; i++) {
                ax[i] -= b[i];
            }
            s.backward(y, aty);
            Checks.assertAdjoint(ax, y, x, aty, 1e-10, s.toString());
        }
    }

    @Property(tries = 25)
    void gradientOfHalfTheSquaredNormMatchesFiniteDifferences(@ForAll @IntRange(min = 0, max = 16) int which,
            @ForAll @IntRange(min = 8, max = 16) int h, @ForAll long seed) {
        ImageTransform t = ALL.get(which);
        SplittableRandom rng = new SplittableRandom(seed);
        ImageTransform.Sampled s = t.sample(rng, new long[] {1, 3, h, h + 3});
        int in = 3 * h * (h + 3);
        long[] out = s.outputShape();
        double[] y = new double[(int) (out[0] * out[1] * out[2] * out[3])];
        double[] x = Checks.gaussian(rng, in);
        s.forward(x, y);
        double[] grad = new double[in];
        s.backward(y, grad);                     // d/dx |T x|²/2 = Aᵀ (A x + b)
        double hstep = 1e-4;
        double[] diff = new double[20];
        double[] an = new double[20];
        for (int c = 0; c < 20; c++) {
            int j = rng.nextInt(in);
            double saved = x[j];
            x[j] = saved + hstep;
            s.forward(x, y);
            double plus = Checks.dot(y, y) / 2;
            x[j] = saved - hstep;
            s.forward(x, y);
            double minus = Checks.dot(y, y) / 2;
            x[j] = saved;
            an[c] = grad[j];
            diff[c] = (plus - minus) / (2 * hstep) - grad[j];
        }
        double err = Checks.norm(diff) / Math.max(Checks.norm(an), 1e-12);
        assertTrue(err < 1e-7 || Checks.norm(diff) < 1e-9, s + ": relative error " + err);
    }
}
