/**
 * Saliency to segmentation: {@link dev.cnnviz.core.segmentation.GrabCut} seeded from any attribution's map
 * (Simonyan et al. 2014), giving a {@link dev.cnnviz.core.segmentation.Segmentation} (mask, seeds, cut-out).
 */
package dev.cnnviz.core.segmentation;
