package dev.cnnviz.core.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A differentiable loss on an activation (or image) array, value and exact gradient together.
 *
 * <p>The losses on activations of this package, used by feature inversion, style transfer and attacks:
 * {@link FeatureReconstructionLoss} (Mahendran &amp; Vedaldi 2015), {@link StyleLoss} over {@link GramMatrix}
 * (Gatys, Ecker &amp; Bethge 2016), {@link TotalVariationLoss} (Mahendran &amp; Vedaldi's TV<sup>β</sup>),
 * {@link NormLoss} (L1, L2 and the α-norm of an image) and {@link WeightedSum}. Every implementation is
 * immutable and thread-safe, accepts float32 and float64 arrays (and returns the gradient in the array's type),
 * treats the first dimension as the batch, and is tested against central finite differences in float64.
 *
 * <pre>{@code
 * ArrayLoss tv = TotalVariationLoss.of().withWeight(1e-4);
 * INDArray grad = image.ulike();
 * double loss = tv.evaluate(image, grad);      // grad now holds dL/dimage
 * }</pre>
 */
public interface ArrayLoss {
    /**
     * @param a    the array, e.g. an activation [N, C, H, W] (not modified)
     * @param grad receives dL/da, same shape and data type as a (overwritten)
     * @return L(a)
     */
    double evaluate(INDArray a, INDArray grad);
}
