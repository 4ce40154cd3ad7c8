/**
 * Optimizers for "optimizing through the graph": class and neuron visualization, feature inversion, DeepDream,
 * style transfer and adversarial examples all minimize a differentiable function of an image (or of a
 * parameterization of one).
 *
 * <ul>
 *   <li>{@link dev.cnnviz.core.optim.DifferentiableFunction}: f and its gradient in one call, over a flat
 *   {@code double[]};</li>
 *   <li>{@link dev.cnnviz.core.optim.Optimizer}: minimizes f in place for a number of steps, telling a
 *   {@link dev.cnnviz.core.optim.StepListener} after each (which may stop the run) and returning an
 *   {@link dev.cnnviz.core.optim.OptimizationTrace};</li>
 *   <li>{@link dev.cnnviz.core.optim.GradientDescent}: {@code x ← x − lr·g};</li>
 *   <li>{@link dev.cnnviz.core.optim.NormalizedGradientStep}: {@code x ← x − lr·g/‖g‖₂} (Simonyan et al.'s class
 *   visualization as in CS231n) or {@code x ← x − lr·g/mean|g|} (DeepDream);</li>
 *   <li>{@link dev.cnnviz.core.optim.Adam}: Kingma &amp; Ba (2015), the optimizer of Lucid's feature
 *   visualizations;</li>
 *   <li>{@link dev.cnnviz.core.optim.Lbfgs}: limited-memory BFGS with a strong-Wolfe line search (Nocedal &amp;
 *   Wright), for style transfer and inversion.</li>
 * </ul>
 *
 * <p>Losses on activations and images, each an {@link dev.cnnviz.core.optim.ArrayLoss} with its exact gradient:
 * {@link dev.cnnviz.core.optim.FeatureReconstructionLoss} (Mahendran &amp; Vedaldi's normalised feature distance),
 * {@link dev.cnnviz.core.optim.StyleLoss} over {@link dev.cnnviz.core.optim.GramMatrix} (Gatys et al.),
 * {@link dev.cnnviz.core.optim.TotalVariationLoss} (TV<sup>β</sup>), {@link dev.cnnviz.core.optim.NormLoss}
 * (L1, L2, Lp) and {@link dev.cnnviz.core.optim.WeightedSum}.
 *
 * <p>All minimize; maximize a score by minimizing its negation. Options are immutable copies
 * ({@code Adam.create().withLearningRate(0.05)}); an optimizer may be shared between threads, and each call
 * allocates its own state once. No optimizer draws random numbers, and all use only arithmetic that Java fixes to
 * the bit, so the same function (seeded by its caller when it jitters or adds noise), starting point, step count
 * and options give the same point and the same trace, bit for bit. Caller mistakes throw
 * {@link java.lang.IllegalArgumentException} naming the value; a NaN or infinite value or gradient of f throws
 * {@link dev.cnnviz.api.NonFiniteResultException}.
 *
 * <p>Cost: the first-order optimizers evaluate f {@code steps + 1} times (the last evaluation gives the trace's
 * final loss, at the returned point) and allocate one ({@code GradientDescent}, {@code NormalizedGradientStep}) or
 * three ({@code Adam}) arrays as long as x per call; {@code Lbfgs} evaluates f once per iteration plus its
 * line-search trials (see {@link dev.cnnviz.core.optim.Lbfgs#run}) and allocates {@code 2m + 4} such arrays.
 *
 * <pre>{@code
 * DifferentiableFunction f = (x, g) -> {          // f(x) = (x0 - 3)^2 + 10 (x1 + 1)^2
 *     g[0] = 2 * (x[0] - 3);
 *     g[1] = 20 * (x[1] + 1);
 *     return (x[0] - 3) * (x[0] - 3) + 10 * (x[1] + 1) * (x[1] + 1);
 * };
 * double[] x = {0, 0};
 * OptimizationTrace t = Lbfgs.create().minimize(f, x, 50, StepListener.NONE);   // x ≈ (3, -1)
 * }</pre>
 */
package dev.cnnviz.core.optim;
