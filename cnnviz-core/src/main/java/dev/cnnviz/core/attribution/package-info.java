/**
 * Attribution methods that work in input space: saliency, input × gradient, integrated gradients,
 * guided backprop, deconvnet, and the SmoothGrad wrapper; plus the shared machinery every attribution
 * method uses ({@link dev.cnnviz.core.attribution.AttributionBase}: inputs, targets, batching, results).
 */
package dev.cnnviz.core.attribution;
