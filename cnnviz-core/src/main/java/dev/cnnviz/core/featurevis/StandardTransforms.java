package dev.cnnviz.core.featurevis;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Transforms that give back the size they were given: the steps, then a centred {@link CropOrPad} to the input's
 * height and width, so that the model sees one input shape for the whole run (its compiled oneDNN plan is reused
 * every step).
 *
 * <p>{@link #lucid()} is Lucid's {@code standard_transforms} ({@code optvis/transform.py}):
 * <pre>
 *   pad(12, constant 0.5)  H x W          -> H+24 x W+24
 *   jitter(8)              random crop    -> H+16 x W+16
 *   random_scale(0.90, 0.92, ..., 1.10)   -> H+16 x W+16  (about the centre, size kept; Lucid resizes instead)
 *   random_rotate(-10..10 and 0 x 4 more) -> H+16 x W+16  (bilinear, about the centre)
 *   jitter(4)              random crop    -> H+12 x W+12
 *   crop back (centred, 6 pixels a side)  -> H x W        (added here; Lucid lets the size vary)
 * </pre>
 * Net effect: the model sees the image shifted by -6..+6 pixels each way (the two jitters), scaled by 0.9..1.1 and
 * rotated by up to 10 degrees about the centre of the jittered canvas, with the 0.5 border showing where the image
 * moved away (the scale's and rotation's {@link Fill#EDGE} reads the padded border, so it is 0.5 too).
 * <pre>{@code
 * ImageTransform.Sampled t = StandardTransforms.lucid().sample(new SplittableRandom(1), new long[] {1, 3, 224, 224});
 * t.forward(image, modelInput);   // both [1, 3, 224, 224]
 * }</pre>
 */
public final class StandardTransforms implements ImageTransform {
    private final List<ImageTransform> steps;

    private StandardTransforms(List<ImageTransform> steps) {
        this.steps = steps;
    }

    /** @return Lucid's standard transforms, cropped back to the input's size */
    public static StandardTransforms lucid() {
        return of(Pad.constant(12, 0.5), Jitter.of(8), RandomScale.lucid(), RandomRotate.lucid(), Jitter.of(4));
    }

    /** @param steps the transforms before the crop back (at least one; none null) */
    public static StandardTransforms of(ImageTransform... steps) {
        if (steps == null || steps.length == 0) {
            throw new IllegalArgumentException("standard transforms need at least one step, found none");
        }
        return new StandardTransforms(Compose.of(steps).steps());
    }

    /** @return the steps before the crop back */
    public List<ImageTransform> steps() {
        return steps;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        long[] in = Flat.imageShape(inputShape);
        chain(in).outputShape(in);
        return in;
    }

    @Override
    public Sampled sample(SplittableRandom rng, long[] inputShape) {
        Flat.checkRng(rng);
        long[] in = Flat.imageShape(inputShape);
        return chain(in).sample(rng, in);
    }

    private Compose chain(long[] in) {
        List<ImageTransform> all = new ArrayList<>(steps);
        all.add(CropOrPad.to((int) in[2], (int) in[3]));
        return Compose.of(all);
    }

    @Override
    public String toString() {
        return "standardTransforms" + steps;
    }
}
