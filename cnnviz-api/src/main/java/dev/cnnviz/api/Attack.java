package dev.cnnviz.api;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * An adversarial attack bound to a model: change an image, as little as its norm bound allows, until the model
 * says another class (untargeted) or a chosen class (targeted). Implementations are immutable and may be used from
 * several threads at once.
 *
 * <p><b>Image space.</b> Attacks work on images in {@code [0, 1]}, RGB for colour models and grey (one channel) for
 * one-channel models, at the model's input size, <em>before</em> the model's preprocessing: the preprocessing
 * (scaling, mean, standard deviation, BGR order) is part of the differentiable path, so an ε of {@code 8/255} means
 * eight grey levels for every model, whatever it was trained on. Every result is a valid image: clipped to
 * {@code [0, 1]} (and, when asked, quantized to 8 bits and then checked again).
 *
 * <p><b>Targets.</b> {@link Target#topClass()} is untargeted: the attack pushes the image away from the class the
 * model gives the clean image (or from the true class passed to {@link #attackLabelled}). {@link Target#classIndex}
 * or {@link Target#label} is targeted: the attack pushes the image towards that class. Other targets (neurons,
 * channels) are refused.
 *
 * <pre>{@code
 * AdversarialExample a = Pgd.of(model).withEpsilon(2 / 255.0).attack(ImageIO.read(new File("cat.jpg")));
 * System.out.println(a.before().classIndex() + " -> " + a.after().classIndex() + ", L∞ " + a.linf());
 * AdversarialExample t = Fgsm.of(model).attack(image, Target.classIndex(6));    // targeted
 * }</pre>
 *
 * <p>Failures: a caller mistake (a negative ε, a class out of range, an image tensor of the wrong shape or outside
 * {@code [0, 1]}) is an {@link IllegalArgumentException} naming the value; a request over the memory budget is a
 * {@link ResourceLimitException} (thrown before anything is allocated); a gradient that comes out NaN or infinite is
 * a {@link NonFiniteResultException}.
 */
public interface Attack {

    /** @return the attack's name, e.g. {@code "PGD (L∞)"}. */
    String name();

    /**
     * Attacks a batch of images, one target per image (or one for all).
     *
     * @param images  the images (any size: each is resized to the model's input size and rounded to 8 bits first)
     * @param targets one target per image, or one for all: {@link Target#topClass()} (untargeted) or a class
     * @return one result per image, in order
     */
    List<AdversarialExample> attackAll(List<BufferedImage> images, List<Target> targets);

    /**
     * Attacks a batch given as an image-space tensor.
     *
     * @param images  {@code [N, C, H, W]} (or one image {@code [C, H, W]}) in {@code [0, 1]}, {@code C} = 3 (RGB)
     *                or 1 (grey) as the model takes, at the model's input size
     * @param targets one target per image, or one for all
     * @return one result per image, in order
     */
    List<AdversarialExample> attackTensor(Tensor images, List<Target> targets);

    /**
     * Untargeted attacks that move each image away from its known true class (rather than from the model's top
     * class on the clean image): the setting of robustness curves on a labelled test set.
     *
     * @param images      {@code [N, C, H, W]} image-space tensor, as in {@link #attackTensor}
     * @param trueClasses one class per image
     * @return one result per image, in order; {@link AdversarialExample#success()} means the top class is not the
     *         true class
     */
    List<AdversarialExample> attackLabelled(Tensor images, int[] trueClasses);

    /**
     * The adversarial images alone, image-space {@code [N, C, H, W]} in {@code [0, 1]}: the same images, bit for bit,
     * as {@link #attackTensor}'s {@link AdversarialExample#adversarial()}s, without the inference pass that judges
     * them and without building the results. This is what attack libraries return (torchattacks'
     * {@code atk(images, labels)}); use it where the model's verdict on the result is not needed (adversarial
     * training, a scan that evaluates in its own batches). FGSM is then one forward and one input-gradient pass per
     * batch.
     *
     * <pre>{@code
     * Tensor adv = Fgsm.of(model).perturb(images, List.of(Target.topClass()));   // [N, C, H, W]
     * }</pre>
     *
     * @param images  image-space images {@code [N, C, H, W]} (or one {@code [C, H, W]}) in {@code [0, 1]}
     * @param targets one target per image, or one for all
     * @return the adversarial images, in the order given, {@code [N, C, H, W]}
     * @throws IllegalArgumentException as {@link #attackTensor}
     */
    Tensor perturb(Tensor images, List<Target> targets);

    /** Attacks one image for a target ({@link Target#topClass()}: untargeted). */
    default AdversarialExample attack(BufferedImage image, Target target) {
        return attackAll(List.of(image), List.of(target)).get(0);
    }

    /** Untargeted attack on one image: away from the model's top class. */
    default AdversarialExample attack(BufferedImage image) {
        return attack(image, Target.topClass());
    }

    /** Targeted attack on one image towards class {@code classIndex}. */
    default AdversarialExample attack(BufferedImage image, int classIndex) {
        return attack(image, Target.classIndex(classIndex));
    }
}
