/**
 * Fooling images and adversarial perturbations: {@link dev.cnnviz.core.adversarial.Fgsm},
 * {@link dev.cnnviz.core.adversarial.Pgd} (L∞, L2, and BIM without the random start),
 * {@link dev.cnnviz.core.adversarial.FoolingImage}, {@link dev.cnnviz.core.adversarial.DeepFool},
 * {@link dev.cnnviz.core.adversarial.CarliniWagner}, {@link dev.cnnviz.core.adversarial.UniversalPerturbation} and
 * {@link dev.cnnviz.core.adversarial.RobustnessCurve}, with their figures
 * ({@link dev.cnnviz.core.adversarial.AttackFigures}).
 *
 * <p><b>Image space.</b> Every attack works on images in {@code [0, 1]} (RGB, or grey for one-channel models) at the
 * model's input size, before the model's preprocessing; the preprocessing is an affine map
 * ({@link dev.cnnviz.core.adversarial.ImageSpace}) on the differentiable path, so ε means the same thing for every
 * model ({@code 8/255} = eight grey levels) and every result is a valid image.
 */
package dev.cnnviz.core.adversarial;
