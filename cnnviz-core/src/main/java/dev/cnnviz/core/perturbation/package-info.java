/**
 * Attribution by perturbation: the model is evaluated on many altered copies of the input, forward only and in
 * batches, and never differentiated. {@link dev.cnnviz.core.perturbation.Occlusion},
 * {@link dev.cnnviz.core.perturbation.FeatureAblation}, {@link dev.cnnviz.core.perturbation.ShapleyValueSampling},
 * {@link dev.cnnviz.core.perturbation.ShapleyValues} (exact), {@link dev.cnnviz.core.perturbation.KernelShap},
 * {@link dev.cnnviz.core.perturbation.Lime} and {@link dev.cnnviz.core.perturbation.Rise}; what is switched off is
 * chosen by {@link dev.cnnviz.core.perturbation.Features} (grid, SLIC, Felzenszwalb, a user's
 * {@link dev.cnnviz.core.perturbation.FeatureMask}) and filled with a
 * {@link dev.cnnviz.core.perturbation.PerturbationBaseline}.
 */
package dev.cnnviz.core.perturbation;
